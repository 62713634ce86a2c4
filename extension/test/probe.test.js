"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const probe = require("../src/lib/probe.js");

/*
 * A tiny stand-in for the page's document: elements with attributes, text and properties, and a
 * querySelectorAll that understands the few selectors findControls builds ([role="x"], tag,
 * tag[type="x"], :not([role]), label[for="x"]) plus ".class" for the probes' own selectors.
 */
function el(tag, attributes = {}, text = "", props = {}) {
  return {
    tagName: tag.toUpperCase(),
    attributes: attributes,
    textContent: text,
    label: null,
    getAttribute(name) {
      return Object.prototype.hasOwnProperty.call(this.attributes, name) ? this.attributes[name] : null;
    },
    closest(selector) {
      return selector === "label" ? this.label : null;
    },
    ...props,
  };
}

function matchesOne(element, selector) {
  let rest = selector.trim();
  const not = rest.match(/:not\(\[role\]\)$/);
  if (not) {
    if (element.getAttribute("role") !== null) {
      return false;
    }
    rest = rest.slice(0, not.index);
  }
  const m = rest.match(/^([a-z]*)((?:\[[a-z-]+="[^"]*"\])*)(\.[a-z-]+)?$/);
  if (!m) {
    throw new SyntaxError("unsupported selector " + selector);
  }
  if (m[1] && element.tagName !== m[1].toUpperCase()) {
    return false;
  }
  for (const [, name, value] of m[2].matchAll(/\[([a-z-]+)="([^"]*)"\]/g)) {
    if (element.getAttribute(name) !== value) {
      return false;
    }
  }
  if (m[3] && !(element.getAttribute("class") || "").split(" ").includes(m[3].slice(1))) {
    return false;
  }
  return true;
}

function page(elements) {
  return {
    querySelectorAll(selector) {
      return elements.filter((element) => selector.split(",").some((one) => matchesOne(element, one)));
    },
    querySelector(selector) {
      return this.querySelectorAll(selector)[0] || null;
    },
    getElementById(id) {
      return elements.find((element) => element.getAttribute("id") === id) || null;
    },
  };
}

const SWITCH_PROBE = { role: "switch", read: "aria-checked", states: { true: "on", false: "off" } };

test("a page matches a pattern by host, path glob, and query and fragment when the pattern has them", () => {
  const chatgpt = "https://chatgpt.com/*#settings/DataControls";
  assert.ok(probe.urlMatches(chatgpt, "https://chatgpt.com/#settings/DataControls"));
  assert.ok(probe.urlMatches(chatgpt, "https://chatgpt.com/c/123#settings/DataControls"));
  assert.ok(probe.urlMatches(chatgpt, "https://CHATGPT.com/#settings/DataControls"));
  assert.ok(!probe.urlMatches(chatgpt, "https://chatgpt.com/#settings/General"));
  assert.ok(!probe.urlMatches(chatgpt, "https://chatgpt.com/"));
  assert.ok(!probe.urlMatches(chatgpt, "http://chatgpt.com/#settings/DataControls"), "never on http");
  assert.ok(!probe.urlMatches(chatgpt, "https://chatgpt.com.evil.example/#settings/DataControls"));
  assert.ok(!probe.urlMatches(chatgpt, "https://www.chatgpt.com/#settings/DataControls"), "the host exactly");

  const claude = "https://claude.ai/settings/data-privacy-controls";
  assert.ok(probe.urlMatches(claude, "https://claude.ai/settings/data-privacy-controls"));
  assert.ok(probe.urlMatches(claude, "https://claude.ai/settings/data-privacy-controls?tab=1#x"), "no query or fragment: ignored");
  assert.ok(!probe.urlMatches(claude, "https://claude.ai/settings/data-privacy-controls/more"));
  assert.ok(!probe.urlMatches(claude, "https://claude.ai/settings/profile"));
  assert.ok(probe.urlMatches("https://claude.ai/settings/*", "https://claude.ai/settings/profile"));
  assert.ok(!probe.urlMatches("not a url", "https://claude.ai/"));
  assert.ok(!probe.urlMatches(claude, "not a url"));
  assert.ok(!probe.urlMatches("https://a.test/(x)+", "https://a.test/(x)+y"), "regex characters are literal");
});

test("a tool's settings on the open page are those whose patterns match", () => {
  const tool = {
    settings: [
      { key: "improve-model", url_patterns: ["https://chatgpt.com/*#settings/DataControls"] },
      { key: "practice", url_patterns: [] },
      { key: "memory", url_patterns: ["https://chatgpt.com/*#settings/Personalization"] },
    ],
  };
  assert.deepEqual(
    probe.settingsOnPage(tool, "https://chatgpt.com/#settings/DataControls").map((s) => s.key),
    ["improve-model"],
  );
  assert.deepEqual(probe.settingsOnPage(tool, "https://chatgpt.com/"), []);
  assert.deepEqual(probe.settingsOnPage(null, "https://chatgpt.com/"), []);
});

test("a control is found by its role and its accessible name, the catalog label by default", () => {
  const byLabel = el("button", { role: "switch", "aria-label": "Improve the model for everyone", "aria-checked": "false" });
  const other = el("button", { role: "switch", "aria-label": "Remote browser data", "aria-checked": "true" });
  const title = el("div", { id: "t1" }, "  Help improve\n Claude ");
  const byLabelledBy = el("button", { role: "switch", "aria-labelledby": "t1", "aria-checked": "true" });
  const doc = page([byLabel, other, title, byLabelledBy]);
  assert.deepEqual(probe.findControls(doc, SWITCH_PROBE, "Improve the model for everyone"), [byLabel]);
  assert.deepEqual(probe.findControls(doc, SWITCH_PROBE, "improve THE model  for everyone"), [byLabel], "case and spaces aside");
  assert.deepEqual(probe.findControls(doc, SWITCH_PROBE, "Help improve Claude"), [byLabelledBy]);
  assert.deepEqual(probe.findControls(doc, { ...SWITCH_PROBE, name: "Remote browser data" }, "Improve the model for everyone"), [other]);
  assert.deepEqual(probe.findControls(doc, SWITCH_PROBE, "Improve the model"), [], "a part of a name is not the name");
});

test("native controls, labels and selectors find controls too", () => {
  const box = el("input", { type: "checkbox", id: "ai" }, "", { checked: true });
  const label = el("label", { for: "ai" }, "Use my data for training content creation AI models");
  const wrapped = el("input", { type: "checkbox" }, "", { checked: false });
  wrapped.label = el("label", {}, "Keep activity");
  const classed = el("div", { class: "toggle", "data-on": "yes" });
  const doc = page([box, label, wrapped, classed]);
  const checkbox = { role: "checkbox", read: "checked", states: { true: "on", false: "off" } };
  assert.deepEqual(probe.findControls(doc, checkbox, "Use my data for training content creation AI models"), [box]);
  assert.deepEqual(probe.findControls(doc, checkbox, "Keep activity"), [wrapped]);
  assert.deepEqual(probe.findControls(doc, { selector: ".toggle", read: "data-on", states: {} }, "x"), [classed]);
  assert.deepEqual(probe.findControls(doc, { selector: "((", read: "text", states: {} }, "x"), [], "an invalid selector finds nothing");
  assert.deepEqual(probe.findControls(doc, null, "x"), []);
});

test("a read state maps to the catalog value; anything else could not be read, never a guess", () => {
  const on = el("button", { role: "switch", "aria-checked": "true" });
  const off = el("button", { role: "switch", "aria-checked": "false" });
  const mixed = el("button", { role: "switch", "aria-checked": "mixed" });
  const none = el("button", { role: "switch" });
  assert.deepEqual(probe.evaluate(SWITCH_PROBE, [on]), { status: "read", value: "on", raw: "true" });
  assert.deepEqual(probe.evaluate(SWITCH_PROBE, [off]), { status: "read", value: "off", raw: "false" });
  assert.deepEqual(probe.evaluate(SWITCH_PROBE, [mixed]), { status: "unreadable", reason: "unknown_state", raw: "mixed" });
  assert.deepEqual(probe.evaluate(SWITCH_PROBE, [none]), { status: "unreadable", reason: "unknown_state", raw: null });
  assert.deepEqual(probe.evaluate(SWITCH_PROBE, []), { status: "unreadable", reason: "not_found" });
  assert.deepEqual(probe.evaluate(SWITCH_PROBE, [on, off]), { status: "unreadable", reason: "ambiguous" });
  assert.deepEqual(probe.evaluate(null, [on]), { status: "unreadable", reason: "no_probe" });

  const checked = { role: "checkbox", read: "checked", states: { true: "on", false: "off" } };
  assert.equal(probe.evaluate(checked, [el("input", {}, "", { checked: false })]).value, "off");
  assert.equal(probe.evaluate(checked, [el("div")]).reason, "unknown_state", "no checked property: not read");
  const text = { selector: ".state", read: "text", states: { On: "on", Off: "off" } };
  assert.equal(probe.evaluate(text, [el("span", {}, " off ")]).value, "off", "text matches case aside");
  assert.equal(probe.evaluate(text, [el("span", {}, "Paused")]).reason, "unknown_state");
  const value = { selector: "select", read: "value", states: { never: "off" } };
  assert.equal(probe.evaluate(value, [el("select", {}, "", { value: "never" })]).value, "off");
});

test("the callout says the required value and what the browser shows, or that it could not read", () => {
  const setting = { label: "Improve the model for everyone", required: "off", safe_value: "off" };
  assert.deepEqual(probe.describe(setting, { status: "read", value: "off" }), {
    requiredText: "Your policy requires: Off",
    readText: "Your browser shows: Off (as required)",
    tone: "ok",
    ok: true,
  });
  assert.equal(probe.describe(setting, { status: "read", value: "on" }).readText, "Your browser shows: On (change it to Off)");
  const unread = probe.describe(setting, { status: "unreadable", reason: "not_found" });
  assert.equal(unread.ok, null);
  assert.match(unread.readText, /could not read; attest on the site/);
  assert.equal(probe.describe({ ...setting, required: null }, null).requiredText, "The safe value: Off");
});

test("attesting what the browser sees is offered only when everything required was read and something is due", () => {
  const settings = [
    { key: "improve-model", required: "off", probe: SWITCH_PROBE, revision: 2, probe_revision: 3 },
    { key: "memory", required: null, probe: SWITCH_PROBE, revision: 1, probe_revision: 1 },
  ];
  const tool = { id: "chatgpt", settings: settings, obligation: { id: 9, state: "due" } };
  const read = { "improve-model": { status: "read", value: "on" } };
  assert.deepEqual(probe.attestableAnswers(tool, read), [{ setting: "improve-model", value: "on", revision: 2, probe_revision: 3 }]);
  assert.equal(probe.attestableAnswers(tool, {}), null, "not read");
  assert.equal(probe.attestableAnswers(tool, { "improve-model": { status: "unreadable", reason: "unknown_state" } }), null);
  assert.equal(probe.attestableAnswers({ ...tool, obligation: { id: 9, state: "compliant" } }, read), null, "nothing due");
  assert.equal(probe.attestableAnswers({ ...tool, obligation: null }, read), null);
  assert.ok(probe.attestableAnswers({ ...tool, obligation: { id: 9, state: "overdue" } }, read));
  const withPractice = { ...tool, settings: [...settings, { key: "temporary-chat", required: "followed", probe: null }] };
  assert.equal(probe.attestableAnswers(withPractice, read), null, "a required setting without a probe: attest on the site");
  assert.equal(probe.attestableAnswers({ ...tool, settings: [settings[1]] }, read), null, "nothing required");
});
