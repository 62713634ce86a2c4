/*
 * On a catalog tool's settings page (a page matching one of its settings' URL patterns): point
 * at the exact control by its catalog label, say the value the person's policy requires, read
 * the control's state where the catalog has a probe for it, and, when every setting the policy
 * requires was read, offer "Attest what the browser sees". A probe that cannot read says so and
 * links to the attest page: the person answers there, as without the extension.
 *
 * Nothing here is sent anywhere unless the person presses that button, and then only the tool,
 * the obligation and the catalog values read (never the page's address or content). The callout
 * and the outline live in a closed shadow root (the page neither styles nor reads them); the
 * page's own control is never changed. Keyboard: the callout follows the page in the tab order;
 * "Show me" moves the focus to the control itself; Escape dismisses.
 */
/* global chrome, AIGovProbe, AIGovDom */
"use strict";

(function () {
  const HOST_ID = "ai-governance-settings";
  const RECHECK_MS = 250;
  const STYLE = `
    :host { all: initial; }
    .callout { position: fixed; left: 16px; bottom: 16px; z-index: 2147483647; max-width: 24rem;
      font: 14px/1.4 system-ui, sans-serif; color: #1b1b1b; background: #fff; border: 2px solid #005fcc;
      border-radius: 8px; padding: 12px 14px; box-shadow: 0 4px 16px rgba(0,0,0,.25); }
    h2 { font-size: 15px; margin: 0 28px 6px 0; }
    ul { margin: 0; padding: 0; list-style: none; }
    li { margin: 0 0 8px; }
    p { margin: 2px 0; }
    .label { font-weight: 600; }
    .tone-ok { color: #00703c; } .tone-bad { color: #a4000f; font-weight: 600; } .tone-unknown { color: #7a4a00; }
    a.button, button { font: inherit; display: inline-block; margin: 4px 6px 0 0; padding: 3px 10px; border-radius: 4px;
      border: 1px solid #1b1b1b; background: #fff; color: #1b1b1b; text-decoration: none; cursor: pointer; }
    button.primary { background: #1b1b1b; color: #fff; }
    button.close { position: absolute; top: 6px; right: 6px; margin: 0; padding: 0 6px; }
    a:focus-visible, button:focus-visible { outline: 3px solid #005fcc; outline-offset: 2px; }
    .outline { position: fixed; z-index: 2147483646; pointer-events: none; border: 3px solid #d4351c;
      border-radius: 6px; box-shadow: 0 0 0 3px #fff; }
  `;

  let model = null; // {tool, settings on this page}
  let root = null;
  let host = null;
  let dismissed = false;
  let lastShown = "";
  let recorded = null; // the answer after "Attest what the browser sees"
  let problem = "";

  const element = AIGovDom.element;

  function mount() {
    if (!host) {
      host = element("div", { id: HOST_ID });
      root = host.attachShadow({ mode: "closed" });
      root.appendChild(element("style", {}, STYLE));
      document.documentElement.appendChild(host);
    }
  }

  function unmount() {
    if (host) {
      host.remove();
    }
    host = null;
    root = null;
    lastShown = "";
  }

  function readAll(settings) {
    const readings = {};
    const controls = {};
    for (const setting of settings) {
      const probe = setting.probe || { role: "switch", read: "aria-checked", states: {} };
      const found = AIGovProbe.findControls(document, probe, setting.label);
      controls[setting.key] = found.length === 1 ? found[0] : null;
      readings[setting.key] = setting.probe ? AIGovProbe.evaluate(setting.probe, found) : { status: "unreadable", reason: "no_probe" };
    }
    return { readings: readings, controls: controls };
  }

  function outline(control) {
    const rect = control.getBoundingClientRect();
    const box = element("div", { class: "outline", "aria-hidden": "true", "data-testid": "setting-outline" });
    box.style.left = rect.left - 6 + "px";
    box.style.top = rect.top - 6 + "px";
    box.style.width = rect.width + 6 + "px";
    box.style.height = rect.height + 6 + "px";
    return box;
  }

  function settingItem(setting, reading, control) {
    const said = AIGovProbe.describe(setting, reading);
    const item = element("li");
    item.appendChild(element("p", { class: "label" }, "\u201c" + setting.label + "\u201d"));
    item.appendChild(element("p", {}, said.requiredText));
    item.appendChild(element("p", { class: "tone-" + said.tone }, said.readText));
    if (setting.probe && !setting.probe_verified) {
      item.appendChild(element("p", {}, "This way of reading the setting is not verified yet."));
    }
    if (control) {
      const show = element("button", { type: "button" }, "Show me \u201c" + setting.label + "\u201d");
      show.addEventListener("click", () => {
        control.scrollIntoView({ block: "center" });
        if (typeof control.focus === "function") {
          control.focus();
        }
      });
      item.appendChild(show);
    }
    return item;
  }

  function attestArea(box, answers) {
    const obligation = model.tool.obligation;
    if (recorded) {
      box.appendChild(element("p", { role: "status" }, "Recorded in the ledger as observed by the extension."));
      return;
    }
    if (problem) {
      box.appendChild(element("p", { role: "alert", class: "tone-bad" }, problem));
    }
    if (answers) {
      const go = element("button", { type: "button", class: "primary" }, "Attest what the browser sees");
      go.addEventListener("click", () => send(answers));
      box.appendChild(go);
    }
    if (obligation && obligation.attest_url) {
      box.appendChild(element("a", { class: "button", href: obligation.attest_url, target: "_blank", rel: "noopener" }, "Attest on the site"));
    }
  }

  function draw() {
    if (!model || dismissed) {
      unmount();
      return;
    }
    const { readings, controls } = readAll(model.settings);
    const answers = AIGovProbe.attestableAnswers(model.tool, readings);
    const signature = JSON.stringify([readings, Boolean(answers), recorded, problem, Object.values(controls).map((c) => (c ? c.getBoundingClientRect().top : null))]);
    if (signature === lastShown) {
      return;
    }
    const hadFocus = root && root.activeElement ? root.activeElement.textContent : null;
    mount();
    lastShown = signature;
    for (const old of Array.from(root.querySelectorAll(".callout, .outline"))) {
      old.remove();
    }
    const box = element("section", {
      class: "callout",
      role: "region",
      "aria-label": "Settings to check on " + model.tool.name,
      "data-testid": "settings-callout",
    });
    box.appendChild(element("h2", {}, model.tool.name + ": the settings your policy asks about"));
    const list = element("ul");
    for (const setting of model.settings) {
      list.appendChild(settingItem(setting, readings[setting.key], controls[setting.key]));
      if (controls[setting.key]) {
        root.appendChild(outline(controls[setting.key]));
      }
    }
    box.appendChild(list);
    attestArea(box, answers);
    const close = element("button", { class: "close", type: "button", "aria-label": "Dismiss" }, "\u00d7");
    close.addEventListener("click", () => {
      dismissed = true;
      unmount();
    });
    box.appendChild(close);
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        dismissed = true;
        unmount();
      }
    });
    root.appendChild(box);
    if (hadFocus) {
      const again = Array.from(box.querySelectorAll("button, a")).find((node) => node.textContent === hadFocus);
      if (again) {
        again.focus();
      }
    }
  }

  function send(answers) {
    const obligation = model.tool.obligation;
    chrome.runtime.sendMessage(
      { type: "observe", tool: model.tool.id, obligation: obligation && obligation.id, answers: answers },
      (answer) => {
        if (chrome.runtime.lastError || !answer || !answer.ok) {
          problem = (answer && answer.error) || "The governance site could not be reached: attest on the site.";
        } else {
          recorded = answer.record;
          problem = "";
        }
        lastShown = "";
        draw();
      },
    );
  }

  function recheck() {
    if (!model) {
      return;
    }
    const settings = AIGovProbe.settingsOnPage(model.tool, location.href);
    const keys = settings.map((setting) => setting.key).join(" ");
    if (keys !== (model.settings || []).map((setting) => setting.key).join(" ")) {
      model.settings = settings;
      lastShown = "";
    }
    if (settings.length === 0) {
      unmount();
      return;
    }
    draw();
  }

  let timer = null;
  function soon() {
    if (timer === null) {
      timer = setTimeout(() => {
        timer = null;
        recheck();
      }, RECHECK_MS);
    }
  }

  chrome.runtime.sendMessage({ type: "settings", host: location.hostname }, (answer) => {
    if (chrome.runtime.lastError || !answer || !answer.ok || !answer.tool) {
      return;
    }
    const withPatterns = (answer.tool.settings || []).some((setting) => (setting.url_patterns || []).length);
    if (!withPatterns) {
      return; // this tool's catalog entry says nowhere where its controls live
    }
    model = { tool: answer.tool, settings: [] };
    recheck();
    // Single-page apps open their settings without loading a page, and draw the control late.
    window.addEventListener("hashchange", soon);
    window.addEventListener("popstate", soon);
    window.addEventListener("resize", soon);
    window.addEventListener("scroll", soon, true);
    new MutationObserver((records) => {
      if (records.some((record) => !host || !host.contains(record.target))) {
        soon();
      }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  });
})();
