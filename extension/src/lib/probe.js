/*
 * A tool's settings page: which catalog settings live on the open page (the catalog's URL
 * patterns), how to find a setting's control (its probe: an ARIA role and accessible name, or a
 * CSS selector) and what its state means in the catalog's values. Pure functions over plain
 * objects and element-like objects (getAttribute, tagName, textContent, checked...), so that
 * node's test runner checks them (test/probe.test.js) and the settings script uses one copy.
 *
 * The rule that keeps probes honest: a probe that finds no control, finds more than one, or
 * reads a state its mapping does not name answers "could not read", never a guess; the person
 * then attests on the site, as they would without the extension. platforms/probes.py validates
 * the same format on the server.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.AIGovProbe = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const DUE_STATES = ["due", "overdue", "noncompliant"];
  // Native elements and the role they have without a role attribute.
  const IMPLICIT_ROLES = {
    checkbox: 'input[type="checkbox"]:not([role])',
    radio: 'input[type="radio"]:not([role])',
    button: "button:not([role])",
    option: "option:not([role])",
    combobox: "select:not([role])",
  };
  // Roles whose accessible name may come from their content (ARIA 1.2).
  const NAME_FROM_CONTENT = ["switch", "checkbox", "radio", "menuitemcheckbox", "menuitemradio", "option", "tab", "button"];

  /** "*" matches any run of characters; everything else literally. */
  function globMatches(glob, text) {
    const escaped = String(glob)
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    return new RegExp("^" + escaped + "$").test(String(text));
  }

  function parse(href) {
    try {
      return new URL(String(href));
    } catch (error) {
      return null;
    }
  }

  /**
   * Does the page at ``href`` match a catalog pattern ("https://chatgpt.com/*#settings/DataControls")?
   * The host exactly (case aside), the path by glob; the query and the fragment by glob when the
   * pattern has one, ignored when it has none. Only https pages match.
   */
  function urlMatches(pattern, href) {
    const want = parse(pattern);
    const page = parse(href);
    if (!want || !page || want.protocol !== "https:" || page.protocol !== "https:") {
      return false;
    }
    if (want.hostname.toLowerCase() !== page.hostname.toLowerCase()) {
      return false;
    }
    // URL() percent-encodes "*" nowhere in paths, so the glob survives parsing.
    if (!globMatches(want.pathname, page.pathname)) {
      return false;
    }
    if (want.search && !globMatches(want.search, page.search)) {
      return false;
    }
    if (want.hash && !globMatches(want.hash, page.hash)) {
      return false;
    }
    return true;
  }

  /** The tool's settings whose control lives on the page at ``href``. */
  function settingsOnPage(tool, href) {
    return ((tool && tool.settings) || []).filter((setting) =>
      (setting.url_patterns || []).some((pattern) => urlMatches(pattern, href)),
    );
  }

  function normal(text) {
    return String(text || "")
      .replace(/\s+/g, " ")
      .trim()
      .toLowerCase();
  }

  function attr(element, name) {
    const value = element && typeof element.getAttribute === "function" ? element.getAttribute(name) : null;
    return value === undefined ? null : value;
  }

  /**
   * The accessible name of ``element``, as far as probes need it: aria-labelledby, aria-label, a
   * <label for> or wrapping <label>, then the content for roles named from it. ``doc`` supplies
   * getElementById and querySelector (the page's document).
   */
  function accessibleName(element, doc, role) {
    const labelledBy = attr(element, "aria-labelledby");
    if (labelledBy && doc && typeof doc.getElementById === "function") {
      const text = labelledBy
        .split(/\s+/)
        .map((id) => doc.getElementById(id))
        .filter(Boolean)
        .map((node) => node.textContent || "")
        .join(" ");
      if (normal(text)) {
        return normal(text);
      }
    }
    const label = attr(element, "aria-label");
    if (normal(label)) {
      return normal(label);
    }
    const id = attr(element, "id");
    if (id && doc && typeof doc.querySelector === "function") {
      let forLabel = null;
      try {
        forLabel = doc.querySelector('label[for="' + String(id).replace(/["\\]/g, "\\$&") + '"]');
      } catch (error) {
        forLabel = null;
      }
      if (forLabel && normal(forLabel.textContent)) {
        return normal(forLabel.textContent);
      }
    }
    const wrapping = element && typeof element.closest === "function" ? element.closest("label") : null;
    if (wrapping && normal(wrapping.textContent)) {
      return normal(wrapping.textContent);
    }
    if (NAME_FROM_CONTENT.includes(role)) {
      return normal(element && element.textContent);
    }
    return "";
  }

  /** The elements of ``doc`` that ``probe`` points at (the catalog label when it names none). */
  function findControls(doc, probe, label) {
    if (!doc || !probe) {
      return [];
    }
    const all = (selector) => {
      try {
        return Array.from(doc.querySelectorAll(selector));
      } catch (error) {
        return []; // an invalid selector finds nothing: "could not read"
      }
    };
    if (probe.selector) {
      return all(probe.selector);
    }
    const role = probe.role;
    const wanted = normal(probe.name || label);
    const selector = '[role="' + role + '"]' + (IMPLICIT_ROLES[role] ? ", " + IMPLICIT_ROLES[role] : "");
    return all(selector).filter((element) => wanted && accessibleName(element, doc, role) === wanted);
  }

  /** What the probe's ``read`` says about the control, as text ("true", "false", "On"...), or null. */
  function rawState(control, read) {
    if (read === "checked" || read === "selected") {
      return typeof control[read] === "boolean" ? String(control[read]) : null;
    }
    if (read === "text") {
      return normal(control.textContent) ? String(control.textContent).replace(/\s+/g, " ").trim() : null;
    }
    if (read === "value") {
      return typeof control.value === "string" ? control.value : null;
    }
    return attr(control, read);
  }

  /**
   * Read one setting on the page: {status: "read", value, raw} with the catalog value, or
   * {status: "unreadable", reason} ("no_probe", "not_found", "ambiguous", "unknown_state"). Never
   * a value the probe's states do not name. ``controls`` are what findControls returned.
   */
  function evaluate(probe, controls) {
    if (!probe) {
      return { status: "unreadable", reason: "no_probe" };
    }
    if (!controls || controls.length === 0) {
      return { status: "unreadable", reason: "not_found" };
    }
    if (controls.length > 1) {
      return { status: "unreadable", reason: "ambiguous" };
    }
    const raw = rawState(controls[0], probe.read);
    const states = probe.states || {};
    if (raw === null || !Object.prototype.hasOwnProperty.call(states, raw)) {
      // States are matched exactly; text reads also match case aside ("On" for "on").
      const loose = raw === null ? null : Object.keys(states).find((key) => normal(key) === normal(raw));
      if (probe.read === "text" && loose !== undefined && loose !== null) {
        return { status: "read", value: states[loose], raw: raw };
      }
      return { status: "unreadable", reason: "unknown_state", raw: raw };
    }
    return { status: "read", value: states[raw], raw: raw };
  }

  const REASONS = {
    no_probe: "The extension has no way to read this setting",
    not_found: "The extension could not find this control on the page",
    ambiguous: "The extension found more than one control with this name",
    unknown_state: "The control shows a state the extension does not know",
  };

  function valueText(value) {
    const text = String(value || "");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  /** What the callout says about one setting, given what was read. */
  function describe(setting, reading) {
    const required = setting.required || setting.safe_value;
    const requiredText = (setting.required ? "Your policy requires: " : "The safe value: ") + valueText(required);
    if (!reading || reading.status !== "read") {
      const why = REASONS[(reading && reading.reason) || "not_found"] || REASONS.not_found;
      return {
        requiredText: requiredText,
        readText: why + ": could not read; attest on the site.",
        tone: "unknown",
        ok: null,
      };
    }
    const ok = reading.value === required;
    return {
      requiredText: requiredText,
      readText: "Your browser shows: " + valueText(reading.value) + (ok ? " (as required)" : " (change it to " + valueText(required) + ")"),
      tone: ok ? "ok" : "bad",
      ok: ok,
    };
  }

  /**
   * The answers "Attest what the browser sees" would send, or null when it is not offered: the
   * tool has an obligation that is due, and every setting it requires was read on this page
   * (``readings``: setting key -> evaluate()'s answer).
   */
  function attestableAnswers(tool, readings) {
    const obligation = tool && tool.obligation;
    if (!obligation || !DUE_STATES.includes(obligation.state)) {
      return null;
    }
    const required = (tool.settings || []).filter((setting) => setting.required);
    if (required.length === 0) {
      return null;
    }
    const answers = [];
    for (const setting of required) {
      const reading = readings[setting.key];
      if (!setting.probe || !reading || reading.status !== "read") {
        return null;
      }
      answers.push({
        setting: setting.key,
        value: reading.value,
        revision: setting.revision,
        probe_revision: setting.probe_revision,
      });
    }
    return answers;
  }

  return {
    urlMatches: urlMatches,
    settingsOnPage: settingsOnPage,
    accessibleName: accessibleName,
    findControls: findControls,
    evaluate: evaluate,
    describe: describe,
    attestableAnswers: attestableAnswers,
  };
});
