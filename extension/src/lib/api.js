/*
 * The product's extension API, as the service worker calls it: pairing, the person's status,
 * usage signals, observed attestations. ``fetch`` is passed in (the browser's, or a fake in test/api.test.js). The
 * token is the per-device bearer token pairing returns; it reads only its person's status and
 * writes only their signals. Nothing else is ever sent: no URL, no page content, no prompt.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.AIGovApi = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const PREFIX = "/api/extension/v1/";

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.name = "ApiError";
      this.status = status;
    }
  }

  /** The server's origin from what a person or a policy typed: "https://gov.example.com". */
  function serverOrigin(text) {
    let url;
    try {
      url = new URL(String(text || "").trim());
    } catch (error) {
      throw new ApiError("Enter the address of your organization's governance site, e.g. https://gov.example.com.", 0);
    }
    const local = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
    if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
      throw new ApiError("The governance site must be reached over https.", 0);
    }
    return url.origin;
  }

  async function call(fetchImpl, origin, path, { method = "GET", token = null, body = undefined } = {}) {
    const headers = { Accept: "application/json" };
    if (token) {
      headers.Authorization = "Bearer " + token;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetchImpl(origin + PREFIX + path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        redirect: "error",
      });
    } catch (error) {
      throw new ApiError("The governance site could not be reached.", 0);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      const message = (data && (data.detail || data.error)) || "The governance site answered " + response.status + ".";
      throw new ApiError(message, response.status);
    }
    return data;
  }

  /** Exchange a pairing code for this device's token: {token, employee, device}. */
  function pair(fetchImpl, origin, code, deviceName) {
    const cleaned = String(code || "")
      .toUpperCase()
      .replace(/[\s-]/g, "");
    if (!cleaned) {
      return Promise.reject(new ApiError("Enter the pairing code shown on your page.", 0));
    }
    return call(fetchImpl, origin, "pair", { method: "POST", body: { code: cleaned, device_name: deviceName || "" } });
  }

  function status(fetchImpl, origin, token) {
    return call(fetchImpl, origin, "status", { token: token });
  }

  function sendSignals(fetchImpl, origin, token, signals) {
    return call(fetchImpl, origin, "signals", { method: "POST", token: token, body: signals });
  }

  /**
   * "Attest what the browser sees": {tool, obligation, answers: [{setting, value, revision,
   * probe_revision}]}, only when the person asks for it on the tool's settings page. The answers
   * are catalog values the probes read; never the page's address or content.
   */
  function observe(fetchImpl, origin, token, observation) {
    return call(fetchImpl, origin, "observations", { method: "POST", token: token, body: observation });
  }

  return {
    ApiError: ApiError,
    serverOrigin: serverOrigin,
    pair: pair,
    status: status,
    sendSignals: sendSignals,
    observe: observe,
  };
});
