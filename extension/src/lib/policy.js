/*
 * What the extension shows, computed from the product's status answer: pure functions, no
 * browser API, so that node's test runner checks them (test/policy.test.js) and the content
 * script, the service worker and the options page share one copy.
 *
 * The status answer (GET /api/extension/v1/status) lists the catalog tools the person's policy
 * speaks of, each with its host names, the stance of the rule in force, the person's obligation
 * and the attest page. Dates are ISO days ("2026-12-01") in the organization's calendar; the
 * answer carries the server's "today" so that the browser's clock never decides a due date.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.AIGovPolicy = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const DAY_MS = 24 * 60 * 60 * 1000;
  const SOON_DAYS = 7;

  /** The host a page is on, lower-case, without a trailing dot. */
  function normalHost(host) {
    return String(host || "")
      .trim()
      .toLowerCase()
      .replace(/\.$/, "");
  }

  /** Does ``host`` belong to ``toolHost`` (the host itself or one of its sub-domains)? */
  function hostBelongs(host, toolHost) {
    const page = normalHost(host);
    const tool = normalHost(toolHost).replace(/^www\./, "");
    return page === tool || page.endsWith("." + tool);
  }

  /** The tool whose host names cover ``host`` (the longest match wins), or null. */
  function toolForHost(tools, host) {
    let best = null;
    let bestLength = -1;
    for (const tool of tools || []) {
      for (const toolHost of tool.hosts || []) {
        if (hostBelongs(host, toolHost) && toolHost.length > bestLength) {
          best = tool;
          bestLength = toolHost.length;
        }
      }
    }
    return best;
  }

  /** Whole days from ``from`` to ``to`` (ISO days; negative when ``to`` is earlier). */
  function daysBetween(from, to) {
    return Math.round((Date.parse(to + "T00:00:00Z") - Date.parse(from + "T00:00:00Z")) / DAY_MS);
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function longDate(day) {
    const date = new Date(day + "T00:00:00Z");
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  /** The names of a prohibited tool's approved alternatives: "Claude or Gemini". */
  function alternativesText(tool) {
    const names = (tool.alternatives || []).map((alternative) => alternative.name || alternative).filter(Boolean);
    return names.join(" or ");
  }

  /**
   * The stance line: "Approved", "Restricted: no customer data", "Prohibited: use X instead".
   * The server's own summary (the words of the person's page) when it sends one.
   */
  function stanceText(tool) {
    if (tool.summary) {
      return tool.summary;
    }
    if (tool.stance === "approved") {
      return "Approved";
    }
    if (tool.stance === "restricted") {
      return tool.note ? "Restricted: " + tool.note : "Restricted";
    }
    if (tool.stance === "prohibited") {
      const instead = alternativesText(tool);
      return instead ? "Prohibited: use " + instead + " instead" : "Prohibited";
    }
    return "Not covered by your policy";
  }

  const TONES = { overdue: "overdue", noncompliant: "overdue", compliant: "ok", not_used: "ok", excepted: "ok" };

  /**
   * The person's status line and its tone ("ok", "due", "overdue", "none"): the server's words
   * when it sends them, else counted here, always from the server's "today".
   */
  function statusOf(tool, today) {
    const obligation = tool.obligation;
    if (!obligation) {
      return { text: tool.stance === "prohibited" ? "Do not use this tool" : "Nothing to attest", tone: "none" };
    }
    const state = obligation.state || obligation.status;
    const days = obligation.due_on ? daysBetween(today, obligation.due_on) : null;
    let tone = TONES[state];
    if (!tone) {
      tone = days !== null && days < 0 ? "overdue" : days !== null && days <= SOON_DAYS ? "due" : "ok";
    }
    if (obligation.text) {
      return { text: obligation.text, tone: tone };
    }
    if (state === "compliant" || state === "not_used") {
      return { text: obligation.valid_until ? "Compliant until " + longDate(obligation.valid_until) : "Compliant", tone: tone };
    }
    if (state === "excepted") {
      return { text: "Exception granted until " + longDate(obligation.due_on), tone: tone };
    }
    if (days < 0) {
      return { text: "Overdue since " + longDate(obligation.due_on), tone: tone };
    }
    if (days === 0) {
      return { text: "Attestation due today", tone: tone };
    }
    return { text: "Attestation due in " + plural(days, "day"), tone: tone };
  }

  /**
   * Everything the panel shows for ``tool`` on ``today``: the stance, the status, the attest
   * link, and whether a prohibited tool first shows a full warning ("warn": the person may go
   * on, "block": they may not; "none": the panel only).
   */
  function panelModel(tool, today, policy) {
    const status = statusOf(tool, today);
    policy = tool.policy || policy;
    const warning = tool.stance === "prohibited" ? tool.on_open || "none" : "none";
    return {
      name: tool.name,
      stance: tool.stance || "uncovered",
      stanceText: stanceText(tool),
      statusText: status.text,
      tone: status.tone,
      attestUrl: (tool.obligation && tool.obligation.attest_url) || tool.attest_url || null,
      policyText: policy && policy.version ? (policy.name || "Policy") + ", version " + policy.version : "",
      warning: warning,
    };
  }

  /** Whether the policy in force turns usage signals on (the status says so, or nothing is sent). */
  function signalsOn(status) {
    return Boolean(status && (status.usage_signals === true || (status.policy && status.policy.usage_signals === true)));
  }

  /** The usage signal for ``tool`` today, or null when the policy has signals off or one is sent. */
  function signalToSend(status, tool, today, sent) {
    if (!signalsOn(status) || !tool) {
      return null;
    }
    const id = tool.id !== undefined ? tool.id : tool.platform;
    const key = id + "@" + today;
    if ((sent || []).includes(key)) {
      return null;
    }
    return { key: key, signal: { platform: id, day: today } };
  }

  /** The keys of signals sent in the last few days (older keys dropped, the list stays small). */
  function keepRecent(sent, today, days) {
    return (sent || []).filter(function (key) {
      const day = key.split("@")[1];
      return day && daysBetween(day, today) < (days || 3);
    });
  }

  return {
    normalHost: normalHost,
    hostBelongs: hostBelongs,
    toolForHost: toolForHost,
    daysBetween: daysBetween,
    stanceText: stanceText,
    alternativesText: alternativesText,
    signalsOn: signalsOn,
    statusOf: statusOf,
    panelModel: panelModel,
    signalToSend: signalToSend,
    keepRecent: keepRecent,
  };
});
