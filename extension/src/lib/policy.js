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

  /** The stance line: "Approved", "Restricted: no customer data", "Prohibited: use X instead". */
  function stanceText(tool) {
    if (tool.stance === "approved") {
      return "Approved";
    }
    if (tool.stance === "restricted") {
      return tool.note ? "Restricted: " + tool.note : "Restricted";
    }
    if (tool.stance === "prohibited") {
      return tool.alternative ? "Prohibited: use " + tool.alternative + " instead" : "Prohibited";
    }
    return "Not covered by your policy";
  }

  /** The person's status line and its tone ("ok", "due", "overdue", "none"). */
  function statusOf(tool, today) {
    const obligation = tool.obligation;
    if (!obligation) {
      return { text: tool.stance === "prohibited" ? "Do not use this tool" : "Nothing to attest", tone: "none" };
    }
    if (obligation.status === "compliant" || obligation.status === "not_used") {
      if (obligation.valid_until) {
        return { text: "Compliant until " + longDate(obligation.valid_until), tone: "ok" };
      }
      return { text: "Compliant", tone: "ok" };
    }
    if (obligation.status === "excepted") {
      return { text: "Exception granted until " + longDate(obligation.due_on), tone: "ok" };
    }
    const days = daysBetween(today, obligation.due_on);
    if (days < 0) {
      return { text: "Overdue since " + longDate(obligation.due_on), tone: "overdue" };
    }
    if (days === 0) {
      return { text: "Attestation due today", tone: "due" };
    }
    return { text: "Attestation due in " + plural(days, "day"), tone: days <= SOON_DAYS ? "due" : "ok" };
  }

  /**
   * Everything the panel shows for ``tool`` on ``today``: the stance, the status, the attest
   * link, and whether a prohibited tool first shows a full warning ("warn": the person may go
   * on, "block": they may not; "none": the panel only).
   */
  function panelModel(tool, today, policy) {
    const status = statusOf(tool, today);
    const warning = tool.stance === "prohibited" ? tool.on_open || "none" : "none";
    return {
      name: tool.name,
      stance: tool.stance || "uncovered",
      stanceText: stanceText(tool),
      statusText: status.text,
      tone: status.tone,
      attestUrl: tool.attest_url || null,
      policyText: policy && policy.version ? (policy.name || "Policy") + ", version " + policy.version : "",
      warning: warning,
    };
  }

  /** The usage signal for ``tool`` today, or null when the policy has signals off or one is sent. */
  function signalToSend(status, tool, today, sent) {
    if (!status || !status.policy || !status.policy.usage_signals || !tool) {
      return null;
    }
    const key = tool.platform + "@" + today;
    if ((sent || []).includes(key)) {
      return null;
    }
    return { key: key, signal: { platform: tool.platform, day: today } };
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
    statusOf: statusOf,
    panelModel: panelModel,
    signalToSend: signalToSend,
    keepRecent: keepRecent,
  };
});
