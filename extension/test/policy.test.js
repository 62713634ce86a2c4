"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const policy = require("../src/lib/policy.js");

const TODAY = "2026-12-01";

function tool(overrides) {
  return { platform: 7, name: "ChatGPT", hosts: ["chatgpt.com"], stance: "approved", obligation: null, ...overrides };
}

test("a page's host finds its tool, sub-domains included, the longest host winning", () => {
  const tools = [tool(), tool({ platform: 8, name: "Copilot", hosts: ["copilot.microsoft.com"] }), tool({ platform: 9, name: "Microsoft", hosts: ["microsoft.com"] })];
  assert.equal(policy.toolForHost(tools, "chatgpt.com").platform, 7);
  assert.equal(policy.toolForHost(tools, "www.chatgpt.com").platform, 7);
  assert.equal(policy.toolForHost(tools, "CHATGPT.COM.").platform, 7);
  assert.equal(policy.toolForHost(tools, "copilot.microsoft.com").platform, 8);
  assert.equal(policy.toolForHost(tools, "www.microsoft.com").platform, 9);
  assert.equal(policy.toolForHost(tools, "notchatgpt.com"), null);
  assert.equal(policy.toolForHost(tools, "chatgpt.com.evil.example"), null);
  assert.equal(policy.toolForHost([], "chatgpt.com"), null);
});

test("each stance reads as the policy states it", () => {
  assert.equal(policy.stanceText(tool()), "Approved");
  assert.equal(policy.stanceText(tool({ stance: "restricted", note: "no customer data" })), "Restricted: no customer data");
  assert.equal(policy.stanceText(tool({ stance: "restricted" })), "Restricted");
  assert.equal(
    policy.stanceText(tool({ stance: "prohibited", alternatives: [{ id: "claude", name: "Claude" }, { id: "gemini", name: "Gemini" }] })),
    "Prohibited: use Claude or Gemini instead",
  );
  assert.equal(policy.stanceText(tool({ stance: "restricted", summary: "Restricted: no customer data, ever" })), "Restricted: no customer data, ever");
  assert.equal(policy.stanceText(tool({ stance: "prohibited" })), "Prohibited");
  assert.equal(policy.stanceText(tool({ stance: "" })), "Not covered by your policy");
});

test("the status counts days on the server's today, never the browser's", () => {
  const due = (day, status = "pending") => policy.statusOf(tool({ obligation: { status, due_on: day } }), TODAY);
  assert.deepEqual(due("2026-12-04"), { text: "Attestation due in 3 days", tone: "due" });
  assert.deepEqual(due("2026-12-02"), { text: "Attestation due in 1 day", tone: "due" });
  assert.deepEqual(due("2026-12-01"), { text: "Attestation due today", tone: "due" });
  assert.deepEqual(due("2026-12-31"), { text: "Attestation due in 30 days", tone: "ok" });
  assert.deepEqual(due("2026-11-30"), { text: "Overdue since 30 November 2026", tone: "overdue" });
  assert.deepEqual(due("2026-11-30", "noncompliant"), { text: "Overdue since 30 November 2026", tone: "overdue" });
  const compliant = tool({ obligation: { status: "compliant", due_on: "2026-11-01", valid_until: "2027-06-01" } });
  assert.deepEqual(policy.statusOf(compliant, TODAY), { text: "Compliant until 1 June 2027", tone: "ok" });
  assert.equal(policy.statusOf(tool(), TODAY).text, "Nothing to attest");
  const told = tool({ obligation: { state: "overdue", text: "Overdue since 30 November", due_on: "2026-11-30" } });
  assert.deepEqual(policy.statusOf(told, TODAY), { text: "Overdue since 30 November", tone: "overdue" }, "the server's words");
  const soon = tool({ obligation: { state: "due", text: "Due in 3 days", due_on: "2026-12-04" } });
  assert.equal(policy.statusOf(soon, TODAY).tone, "due");
  assert.equal(policy.statusOf(tool({ stance: "prohibited" }), TODAY).text, "Do not use this tool");
});

test("a prohibited tool warns or blocks only when its rule says so", () => {
  const model = (overrides) => policy.panelModel(tool(overrides), TODAY, { name: "AI use", version: 4 });
  assert.equal(model({}).warning, "none");
  assert.equal(model({ on_open: "block" }).warning, "none", "only a prohibited tool is ever blocked");
  assert.equal(model({ stance: "prohibited" }).warning, "none");
  assert.equal(model({ stance: "prohibited", on_open: "warn" }).warning, "warn");
  assert.equal(model({ stance: "prohibited", on_open: "block" }).warning, "block");
  assert.equal(model({}).policyText, "AI use, version 4");
  const obligation = { state: "due", due_on: "2026-12-04", attest_url: "https://gov.example/me/tools/3/" };
  assert.equal(model({ obligation }).attestUrl, "https://gov.example/me/tools/3/");
  assert.equal(model({ policy: { name: "Own policy", version: 2 } }).policyText, "Own policy, version 2", "the tool's own policy first");
});

test("a usage signal goes once a day per tool, and never when the policy has them off", () => {
  const on = { usage_signals: true };
  const off = { usage_signals: false };
  assert.deepEqual(policy.signalToSend(on, tool(), TODAY, []), { key: "7@2026-12-01", signal: { platform: 7, day: TODAY } });
  assert.deepEqual(policy.signalToSend(on, tool({ id: "chatgpt" }), TODAY, [])?.signal, { platform: "chatgpt", day: TODAY });
  assert.equal(policy.signalToSend({ usage_signals: "yes" }, tool(), TODAY, []), null, "only a true on");
  assert.equal(policy.signalToSend(on, tool(), TODAY, ["7@2026-12-01"]), null);
  assert.notEqual(policy.signalToSend(on, tool(), TODAY, ["7@2026-11-30"]), null);
  assert.equal(policy.signalToSend(off, tool(), TODAY, []), null);
  assert.equal(policy.signalToSend({}, tool(), TODAY, []), null);
  assert.equal(policy.signalToSend(on, null, TODAY, []), null);
  assert.deepEqual(policy.keepRecent(["7@2026-11-20", "7@2026-11-30", "8@2026-12-01", "junk"], TODAY), ["7@2026-11-30", "8@2026-12-01"]);
});
