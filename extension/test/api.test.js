"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const api = require("../src/lib/api.js");

function fakeFetch(status, body) {
  const calls = [];
  const impl = async (url, options) => {
    calls.push({ url, options });
    return { ok: status >= 200 && status < 300, status, json: async () => body };
  };
  return { impl, calls };
}

test("the governance site must be https, but for the machine itself", () => {
  assert.equal(api.serverOrigin(" https://gov.example.com/me/ "), "https://gov.example.com");
  assert.equal(api.serverOrigin("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
  assert.throws(() => api.serverOrigin("http://gov.example.com"), /https/);
  assert.throws(() => api.serverOrigin("gov"), /address/);
});

test("pairing sends the cleaned code and the device name, and nothing else", async () => {
  const { impl, calls } = fakeFetch(201, { token: "t0k", device: { id: 3 } });
  const answer = await api.pair(impl, "https://gov.example.com", " abcd-2345 ", "Work laptop");
  assert.equal(answer.token, "t0k");
  assert.equal(calls[0].url, "https://gov.example.com/api/extension/v1/pair");
  assert.equal(calls[0].options.method, "POST");
  assert.deepEqual(JSON.parse(calls[0].options.body), { code: "ABCD2345", device_name: "Work laptop" });
  assert.equal(calls[0].options.credentials, "omit", "no cookie of the site ever goes with it");
  assert.equal(calls[0].options.headers.Authorization, undefined);
  await assert.rejects(api.pair(impl, "https://gov.example.com", "  ", ""), /pairing code/);
});

test("status and signals carry the device token; a refusal keeps the server's reason and status", async () => {
  const ok = fakeFetch(200, { tools: [] });
  await api.status(ok.impl, "https://gov.example.com", "t0k");
  assert.equal(ok.calls[0].options.headers.Authorization, "Bearer t0k");
  const refused = fakeFetch(401, { detail: "This device was unpaired." });
  await assert.rejects(api.status(refused.impl, "https://gov.example.com", "old"), (error) => {
    assert.equal(error.status, 401);
    assert.equal(error.message, "This device was unpaired.");
    return true;
  });
  const sent = fakeFetch(202, { recorded: 1 });
  await api.sendSignals(sent.impl, "https://gov.example.com", "t0k", [{ platform: 7, day: "2026-12-01" }]);
  assert.deepEqual(JSON.parse(sent.calls[0].options.body), [{ platform: 7, day: "2026-12-01" }]);
});

test("an unreachable site is a clear error, not a crash", async () => {
  const impl = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(api.status(impl, "https://gov.example.com", "t"), /could not be reached/);
});
