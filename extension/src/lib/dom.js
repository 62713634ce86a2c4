/*
 * The one DOM helper the content scripts share (content.js, settings.js): an element with its
 * attributes and text, never HTML (nothing from a page or the server is parsed as markup).
 */
(function (root) {
  "use strict";

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, value);
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  root.AIGovDom = { element: element };
})(typeof self !== "undefined" ? self : this);
