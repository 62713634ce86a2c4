/* The pairing page: exchange the code shown on /me/ for this device's token (service worker). */
/* global chrome */
"use strict";

const $ = (id) => document.getElementById(id);

function ask(message) {
  return new Promise((resolve) => chrome.runtime.sendMessage(message, resolve));
}

function showProblem(text) {
  $("problem").textContent = text || "";
  $("problem").hidden = !text;
}

async function render() {
  const state = await ask({ type: "state" });
  $("paired").hidden = !state.paired;
  $("pair-form").hidden = state.paired;
  $("paired-server").textContent = state.server;
  $("server").value = state.server;
  $("server").readOnly = state.serverLocked;
  showProblem(state.problem);
}

$("pair-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showProblem("");
  const answer = await ask({
    type: "pair",
    server: $("server").value,
    code: $("code").value,
    deviceName: $("device").value || navigator.userAgent.slice(0, 100),
  });
  if (!answer.ok) {
    showProblem(answer.error);
    return;
  }
  $("code").value = "";
  await render();
});

$("unpair").addEventListener("click", async () => {
  await ask({ type: "unpair" });
  await render();
});

render();
