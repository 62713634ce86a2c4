/*
 * The service worker: holds the pairing (server origin and this device's token, in the
 * extension's local storage), fetches the person's status at most every few minutes, answers
 * the content script's "which tool is this page, and what applies to me" and sends the day's
 * usage signal for a tool when, and only when, the policy in force turns signals on.
 */
/* global importScripts, chrome, AIGovApi, AIGovPolicy */
"use strict";

if (typeof importScripts === "function") {
  importScripts("lib/policy.js", "lib/api.js");
}

const STATUS_TTL_MS = 5 * 60 * 1000;

async function managed() {
  try {
    return (await chrome.storage.managed.get(["serverUrl", "requirePairing"])) || {};
  } catch (error) {
    return {}; // no enterprise policy (or a browser without managed storage)
  }
}

async function state() {
  return chrome.storage.local.get(["server", "token", "device", "status", "fetchedAt", "sent", "problem"]);
}

async function freshStatus(current, { force = false } = {}) {
  if (!current.token || !current.server) {
    return null;
  }
  if (!force && current.status && Date.now() - (current.fetchedAt || 0) < STATUS_TTL_MS) {
    return current.status;
  }
  try {
    const status = await AIGovApi.status(fetch, current.server, current.token);
    await chrome.storage.local.set({ status: status, fetchedAt: Date.now(), problem: "" });
    return status;
  } catch (error) {
    if (error.status === 401) {
      // Revoked on /me/ (or expired): forget the token; the options page says so.
      await chrome.storage.local.remove(["token", "status", "fetchedAt"]);
      await chrome.storage.local.set({ problem: "This device was unpaired. Pair it again from your page." });
      return null;
    }
    return current.status || null; // offline: the last answer, if any
  }
}

async function maybeSignal(status, tool) {
  const current = await state();
  const today = status.today;
  const next = AIGovPolicy.signalToSend(status, tool, today, current.sent);
  if (!next) {
    return;
  }
  try {
    await AIGovApi.sendSignals(fetch, current.server, current.token, [next.signal]);
    const sent = AIGovPolicy.keepRecent([...(current.sent || []), next.key], today);
    await chrome.storage.local.set({ sent: sent });
  } catch (error) {
    // Not recorded: the next visit tries again; a signal is a day's fact, never urgent.
  }
}

async function onPage(host) {
  const current = await state();
  const policy = await managed();
  if (!current.token) {
    return { paired: false, requirePairing: Boolean(policy.requirePairing), problem: current.problem || "" };
  }
  const status = await freshStatus(current);
  if (!status) {
    return { paired: false, requirePairing: Boolean(policy.requirePairing), problem: (await state()).problem || "" };
  }
  const tool = AIGovPolicy.toolForHost(status.tools, host);
  if (!tool) {
    return { paired: true, tool: null };
  }
  await maybeSignal(status, tool);
  return { paired: true, tool: tool, panel: AIGovPolicy.panelModel(tool, status.today, status.policy) };
}

/** For the settings script: the tool of this host with its settings, no signal sent. */
async function onSettings(host) {
  const current = await state();
  const status = current.token ? await freshStatus(current) : null;
  const tool = status ? AIGovPolicy.toolForHost(status.tools, host) : null;
  return { paired: Boolean(status), tool: tool || null };
}

/** The person asked to attest what the browser sees: send it, then read the status afresh. */
async function onObserve(message) {
  const current = await state();
  if (!current.token) {
    throw new Error("This browser is not paired.");
  }
  const answer = await AIGovApi.observe(fetch, current.server, current.token, {
    tool: String(message.tool || ""),
    obligation: message.obligation || undefined,
    answers: Array.isArray(message.answers) ? message.answers : [],
  });
  await freshStatus(await state(), { force: true });
  return { record: answer };
}

async function onPair(message) {
  const policy = await managed();
  const origin = AIGovApi.serverOrigin(policy.serverUrl || message.server);
  const answer = await AIGovApi.pair(fetch, origin, message.code, message.deviceName);
  await chrome.storage.local.set({
    server: origin,
    token: answer.token,
    device: answer.device || null,
    sent: [],
    problem: "",
  });
  await freshStatus(await state(), { force: true });
  return { paired: true, server: origin };
}

async function onState() {
  const current = await state();
  const policy = await managed();
  return {
    paired: Boolean(current.token),
    server: current.server || policy.serverUrl || "",
    serverLocked: Boolean(policy.serverUrl),
    device: current.device || null,
    problem: current.problem || "",
  };
}

const HANDLERS = {
  page: (message) => onPage(String(message.host || "")),
  settings: (message) => onSettings(String(message.host || "")),
  observe: onObserve,
  pair: onPair,
  unpair: async () => {
    await chrome.storage.local.remove(["token", "status", "fetchedAt", "device", "sent"]);
    return { paired: false };
  },
  state: onState,
  refresh: async () => ({ status: Boolean(await freshStatus(await state(), { force: true })) }),
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = message && HANDLERS[message.type];
  if (!handler || sender.id !== chrome.runtime.id) {
    return false;
  }
  handler(message).then(
    (answer) => sendResponse({ ok: true, ...answer }),
    (error) => sendResponse({ ok: false, error: error.message || String(error) }),
  );
  return true; // the answer comes asynchronously
});
