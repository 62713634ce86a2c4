/*
 * On a catalog tool's pages: a small panel with the policy's stance for this person, their
 * status and a link to attest; a full warning first on a prohibited tool whose status says
 * ``on_open``: "warn" or "block" (the prohibiting rule's choice, tests/browser/test_extension_warning.py).
 * Everything is drawn inside a closed shadow root so that the page's styles and scripts neither
 * change nor read it. Keyboard: the panel is in the tab order after the page, Escape dismisses.
 */
/* global chrome, AIGovPolicy, AIGovDom */
"use strict";

(function () {
  const HOST_ID = "ai-governance-extension";
  if (document.getElementById(HOST_ID)) {
    return;
  }

  const STYLE = `
    :host { all: initial; }
    .panel { position: fixed; right: 16px; bottom: 16px; z-index: 2147483647; max-width: 22rem;
      font: 14px/1.4 system-ui, sans-serif; color: #1b1b1b; background: #fff; border: 2px solid #1b1b1b;
      border-radius: 8px; padding: 12px 14px; box-shadow: 0 4px 16px rgba(0,0,0,.25); }
    .panel[data-stance="prohibited"] { border-color: #a4000f; }
    h2 { font-size: 15px; margin: 0 28px 4px 0; }
    p { margin: 4px 0; }
    .stance { font-weight: 600; }
    .tone-overdue { color: #a4000f; font-weight: 600; }
    .tone-due { color: #7a4a00; font-weight: 600; }
    .small { font-size: 12px; color: #4a4a4a; }
    a.button, button { font: inherit; display: inline-block; margin-top: 6px; padding: 4px 10px; border-radius: 4px;
      border: 1px solid #1b1b1b; background: #1b1b1b; color: #fff; text-decoration: none; cursor: pointer; }
    button.close { position: absolute; top: 6px; right: 6px; margin: 0; padding: 0 6px; background: #fff; color: #1b1b1b; }
    a:focus-visible, button:focus-visible { outline: 3px solid #005fcc; outline-offset: 2px; }
    .warning { position: fixed; inset: 0; z-index: 2147483647; background: #fff; color: #1b1b1b;
      font: 16px/1.5 system-ui, sans-serif; display: flex; align-items: center; justify-content: center; }
    .warning > div { max-width: 36rem; padding: 24px; }
    .warning h1 { font-size: 24px; color: #a4000f; margin: 0 0 8px; }
    .warning button.secondary { background: #fff; color: #1b1b1b; }
  `;

  const element = AIGovDom.element;

  function mount() {
    const host = element("div", { id: HOST_ID });
    const root = host.attachShadow({ mode: "closed" });
    root.appendChild(element("style", {}, STYLE));
    document.documentElement.appendChild(host);
    return { host: host, root: root };
  }

  function panel(root, model, onClose) {
    const box = element("section", {
      class: "panel",
      role: "region",
      "aria-label": "Your organization's policy for " + model.name,
      "data-stance": model.stance,
      "data-testid": "policy-panel",
    });
    box.appendChild(element("h2", {}, model.name + ": your organization's policy"));
    box.appendChild(element("p", { class: "stance", "data-testid": "stance" }, model.stanceText));
    box.appendChild(element("p", { class: "tone-" + model.tone, "data-testid": "status" }, model.statusText));
    if (model.policyText) {
      box.appendChild(element("p", { class: "small" }, model.policyText));
    }
    if (model.attestUrl && model.stance !== "prohibited") {
      box.appendChild(element("a", { class: "button", href: model.attestUrl, target: "_blank", rel: "noopener" }, "Attest your settings"));
    }
    const close = element("button", { class: "close", type: "button", "aria-label": "Dismiss" }, "\u00d7");
    close.addEventListener("click", onClose);
    box.appendChild(close);
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        onClose();
      }
    });
    root.appendChild(box);
    return box;
  }

  function warning(root, model, onContinue) {
    const page = element("div", {
      class: "warning",
      role: "alertdialog",
      "aria-modal": "true",
      "aria-labelledby": "aigov-warning-title",
      "data-testid": "prohibited-warning",
    });
    const inner = element("div");
    inner.appendChild(element("h1", { id: "aigov-warning-title" }, model.name + " is prohibited by your organization"));
    inner.appendChild(element("p", {}, model.stanceText + "."));
    if (model.policyText) {
      inner.appendChild(element("p", { class: "small" }, model.policyText));
    }
    const back = element("button", { type: "button" }, "Leave this site");
    back.addEventListener("click", () => history.length > 1 ? history.back() : window.close());
    inner.appendChild(back);
    if (model.warning === "warn") {
      inner.appendChild(document.createTextNode(" "));
      const go = element("button", { type: "button", class: "secondary" }, "Continue anyway");
      go.addEventListener("click", () => {
        page.remove();
        onContinue();
      });
      inner.appendChild(go);
    }
    page.appendChild(inner);
    root.appendChild(page);
    back.focus();
  }

  function pairingReminder(root) {
    const box = element("section", { class: "panel", role: "region", "aria-label": "AI governance extension" });
    box.appendChild(element("p", {}, "Your organization asks you to pair this browser: open the extension's options and enter the code from your page."));
    root.appendChild(box);
  }

  chrome.runtime.sendMessage({ type: "page", host: location.hostname }, (answer) => {
    if (chrome.runtime.lastError || !answer || !answer.ok) {
      return;
    }
    if (!answer.paired) {
      if (answer.requirePairing) {
        pairingReminder(mount().root);
      }
      return;
    }
    if (!answer.tool) {
      return;
    }
    const { host, root } = mount();
    const show = () =>
      panel(root, answer.panel, () => {
        host.remove();
      });
    if (answer.panel.warning === "warn" || answer.panel.warning === "block") {
      warning(root, answer.panel, show);
    } else {
      show();
    }
  });
})();
