// draftdesk: progressive enhancement for server-rendered pages.
// Live region updates, connection banners, typed text kept until sent, copy buttons,
// local and ageing times, elapsed timers, confirm prompts.
// Every feature is keyed on data-* hooks, so pages without them are untouched.
(() => {
  "use strict";

  // Input types whose value is not something the reviewer types.
  const NON_TEXT_INPUTS = new Set(["hidden", "submit", "button", "reset", "image", "file", "checkbox", "radio"]);

  // Server HTML of nodes we manage. The live DOM drifts from it (timers tick,
  // copy buttons lose `hidden`), so change detection compares server to server.
  const serverHtml = new WeakMap();
  // <details> the reviewer opened by hand: closing them under their feet is rude.
  const openedByUser = new WeakSet();
  let lastDoc = null; // newest fetched page, re-applied once protected nodes free up
  let deferred = false; // true while some update was held back by protection

  // ---- announcements ----------------------------------------------------
  let announceTimer = 0;
  const announce = (message) => {
    const status = document.getElementById("live-status");
    if (!status) return;
    // Clear first so an identical repeated message is still read out.
    status.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => { status.textContent = message; }, 100);
  };

  // ---- protection -------------------------------------------------------
  const isDirty = (el) => {
    if (el instanceof HTMLTextAreaElement) return el.value !== el.defaultValue;
    if (el instanceof HTMLInputElement) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      return !NON_TEXT_INPUTS.has(el.type) && el.value !== el.defaultValue;
    }
    if (el instanceof HTMLSelectElement) {
      const opts = Array.from(el.options);
      if (el.multiple) return opts.some((o) => o.selected !== o.defaultSelected);
      // Without an explicit default the browser selects the first option.
      let def = opts.findIndex((o) => o.defaultSelected);
      if (def < 0) def = opts.length ? 0 : -1;
      return el.selectedIndex !== def;
    }
    return false;
  };

  const isProtected = (node) => {
    if (!(node instanceof Element)) return false;
    const active = document.activeElement;
    if (active && active !== document.body && node.contains(active)) return true;
    const controls = node.matches("textarea, input, select") ? [node] : [];
    controls.push(...node.querySelectorAll("textarea, input, select"));
    if (controls.some(isDirty)) return true;
    const details = node.matches("details") ? [node] : [];
    details.push(...node.querySelectorAll("details[open]"));
    return details.some((d) => d.open && openedByUser.has(d));
  };

  // ---- reconciliation ---------------------------------------------------
  const importFrom = (newNode) => {
    const node = document.importNode(newNode, true);
    serverHtml.set(node, newNode.outerHTML);
    return node;
  };
  const htmlOf = (node) => serverHtml.get(node) ?? node.outerHTML;
  const keyOf = (el) => el.getAttribute("data-key");

  // Makes a region's children match the server's, keyed and unkeyed alike, in the
  // server's order. Returns {changed, added: [keys]}; sets `deferred` when something
  // was held back.
  const reconcileKeyed = (region, fresh) => {
    const result = { changed: false, added: [] };
    const oldByKey = new Map();
    const oldLoose = [];
    for (const el of region.children) {
      if (keyOf(el) !== null) oldByKey.set(keyOf(el), el);
      else oldLoose.push(el);
    }
    // Pair each new child with the node that stands for it now: keyed children by key,
    // unkeyed ones (a heading, an empty state) by their turn among the unkeyed.
    let looseTurn = 0;
    const pairs = Array.from(fresh.children, (el) => {
      const key = keyOf(el);
      return [el, key === null ? oldLoose[looseTurn++] : oldByKey.get(key)];
    });
    const listed = new Set(pairs.map(([, old]) => old).filter(Boolean));

    // Nodes the server no longer lists: drop them, or dim cards still in use.
    for (const el of [...oldLoose, ...oldByKey.values()]) {
      if (listed.has(el)) continue;
      if (!isProtected(el)) { el.remove(); result.changed = true; continue; }
      deferred = true;
      if (keyOf(el) !== null && !el.classList.contains("is-stale")) {
        el.classList.add("is-stale");
        result.changed = true;
      }
    }

    // Walk the new order; `prev` is the last node placed. Protected nodes are never
    // moved (moving loses focus); everything else is placed around them.
    let prev = null;
    const place = (node) => {
      const ref = prev ? prev.nextSibling : region.firstChild;
      if (node !== ref) region.insertBefore(node, ref);
      prev = node;
    };
    for (const [el, old] of pairs) {
      const key = keyOf(el);
      if (!old) {
        place(importFrom(el));
        if (key !== null) result.added.push(key);
        result.changed = true;
        continue;
      }
      old.classList.remove("is-stale"); // listed again
      if (isProtected(old)) {
        if (htmlOf(old) !== el.outerHTML) deferred = true;
        prev = old;
      } else if (htmlOf(old) !== el.outerHTML) {
        const node = importFrom(el);
        old.replaceWith(node);
        place(node);
        result.changed = true;
      } else { place(old); }
    }
    return result;
  };

  const reconcilePlain = (region, fresh) => {
    const was = serverHtml.get(region) ?? region.innerHTML;
    if (was === fresh.innerHTML) return { changed: false, added: [] };
    if (isProtected(region)) { deferred = true; return { changed: false, added: [] }; }
    region.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
    serverHtml.set(region, fresh.innerHTML);
    return { changed: true, added: [] };
  };

  const syncAttributes = (region, fresh) => {
    for (const { name } of Array.from(region.attributes)) {
      if (!fresh.hasAttribute(name)) region.removeAttribute(name);
    }
    for (const { name, value } of Array.from(fresh.attributes)) {
      if (region.getAttribute(name) !== value) region.setAttribute(name, value);
    }
  };

  const applyDocument = (doc) => {
    deferred = false;
    // The tab's title carries the number of drafts waiting.
    if (doc.title && doc.title !== document.title) document.title = doc.title;
    let changed = false;
    const added = [];
    for (const fresh of doc.querySelectorAll("[data-live-region][id]")) {
      const region = document.getElementById(fresh.id);
      if (!region) continue; // regions are always rendered; ignore mismatches
      const keyed = [region, fresh].some((r) => Array.from(r.children).some((c) => keyOf(c) !== null));
      const res = keyed ? reconcileKeyed(region, fresh) : reconcilePlain(region, fresh);
      if (!isProtected(region)) syncAttributes(region, fresh);
      changed = changed || res.changed;
      added.push(...res.added);
    }
    if (!changed) return;
    restoreTyped(document); // a form may be back on the page
    revealCopyButtons();
    updateTimers();
    const drafts = added.filter((k) => k.startsWith("draft-")).length;
    announce(drafts === 1 ? "1 new draft." : drafts > 1 ? `${drafts} new drafts.` : "Page updated.");
  };

  // Record the server's HTML of the initial page before we touch anything.
  const snapshot = () => {
    for (const region of document.querySelectorAll("[data-live-region][id]")) {
      serverHtml.set(region, region.innerHTML);
      for (const child of region.children) serverHtml.set(child, child.outerHTML);
    }
  };

  // ---- connection state ---------------------------------------------------
  // "ok", "down" (the server cannot be reached) or "signed-out" (the session ended).
  let connection = "ok";
  let banner = null; // a polite live region, there from the start so changes are read out

  const makeBanner = () => {
    banner = document.createElement("div");
    banner.id = "connection-status";
    banner.className = "connection";
    banner.setAttribute("role", "status");
    banner.setAttribute("aria-live", "polite");
    document.body.append(banner);
  };

  const signInHref = () => `/login?next=${encodeURIComponent(location.pathname + location.search)}`;

  const setConnection = (state) => {
    if (state === connection || !banner) return;
    const was = connection;
    connection = state;
    document.body.classList.toggle("has-connection-banner", state !== "ok");
    if (state === "ok") {
      banner.replaceChildren();
      if (was === "down") announce("Connected again.");
      return;
    }
    const box = document.createElement("p");
    box.className = `connection-banner connection-${state}`;
    if (state === "down") {
      box.textContent = "Reconnecting\u2026";
    } else {
      const link = document.createElement("a");
      link.href = signInHref();
      link.textContent = "Sign in again";
      box.append("You are signed out. ", link, "; what you typed here is kept.");
    }
    banner.replaceChildren(box);
  };

  // ---- polling ----------------------------------------------------------
  const POLL_DELAY = 2000; // while all is well
  const RETRY_DELAYS = [2000, 3000, 5000]; // while the server is away; the last repeats
  const SIGNED_OUT_DELAY = 10000; // the reviewer may sign in again in another tab
  const REQUEST_TIMEOUT = 10000;

  let timer = 0;
  let busy = false;
  let pollAgain = false; // asked to poll while a poll was under way
  let failures = 0;

  class SignedOut extends Error {}
  // The server could not be reached, or a proxy in front of it says so.
  class Unreachable extends Error {}

  const request = async (url, options) => {
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), REQUEST_TIMEOUT);
    try {
      const res = await fetch(url, { credentials: "same-origin", signal: abort.signal, ...options });
      if ([502, 503, 504].includes(res.status)) throw new Unreachable(`status ${res.status}`);
      if (res.status === 401) throw new SignedOut();
      return res;
    } catch (err) {
      if (err instanceof SignedOut || err instanceof Unreachable) throw err;
      throw new Unreachable(String(err)); // network error or timeout
    } finally {
      clearTimeout(timeout);
    }
  };

  // The page's CSRF token changes with a new session; forms held back from updates
  // (the reviewer is typing in them) must still post the current one.
  const syncCsrf = (doc) => {
    const token = doc.querySelector('input[name="csrf"]')?.value;
    if (!token) return;
    document.querySelectorAll('input[type="hidden"][name="csrf"]').forEach((input) => {
      if (input.value !== token) input.value = token;
    });
  };

  const refreshPage = async (liveRoot) => {
    // Marked as an update, so that it leaves a one-time notice (a form just posted in
    // this or another tab may have set one) to the page that is visited next.
    const res = await request(location.href, { headers: { "X-Draftdesk-Refresh": "1" } });
    if (res.redirected && new URL(res.url).pathname === "/login") throw new SignedOut();
    if (!res.ok) throw new Error(`page ${res.status}`);
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    const freshRoot = doc.querySelector("[data-live-version]");
    // An error page has no live root: do not graft it in.
    if (!freshRoot) throw new Error("no live root in page");
    lastDoc = doc;
    applyDocument(doc);
    syncCsrf(doc);
    liveRoot.setAttribute("data-live-version", freshRoot.getAttribute("data-live-version"));
  };

  const poll = async () => {
    clearTimeout(timer);
    const liveRoot = document.querySelector("[data-live-version]");
    if (!liveRoot || document.hidden) return; // visibilitychange resumes
    if (busy) { pollAgain = true; return; }
    busy = true;
    pollAgain = false;
    let next = POLL_DELAY;
    try {
      // Without a session the server redirects to the sign-in page: do not follow.
      const res = await request(liveRoot.dataset.liveUrl || "/live/version", {
        headers: { "Accept": "application/json" },
        redirect: "manual",
      });
      if (res.type === "opaqueredirect") throw new SignedOut();
      if (!res.ok) throw new Error(`version ${res.status}`);
      const data = await res.json();
      const back = connection !== "ok";
      setConnection("ok");
      failures = 0;
      if (back || (typeof data.version === "string" && data.version !== liveRoot.getAttribute("data-live-version"))) {
        await refreshPage(liveRoot); // after an outage, catch up at once
      } else if (deferred && lastDoc) {
        applyDocument(lastDoc); // the reviewer may be done: apply what was held back
      }
    } catch (err) {
      if (err instanceof SignedOut) {
        setConnection("signed-out");
        next = SIGNED_OUT_DELAY;
      } else if (err instanceof Unreachable) {
        setConnection("down");
        next = RETRY_DELAYS[Math.min(failures, RETRY_DELAYS.length - 1)];
        failures += 1;
      }
      // Anything else (an unexpected answer) is retried quietly at the usual pace.
    } finally {
      busy = false;
      if (pollAgain) next = 0;
      if (!document.hidden) timer = setTimeout(poll, next);
    }
  };

  // ---- copy buttons -----------------------------------------------------
  const originalLabel = new WeakMap();
  const labelTimers = new WeakMap();
  const revealCopyButtons = () => {
    document.querySelectorAll("[data-copy-target][hidden]").forEach((b) => b.removeAttribute("hidden"));
  };

  const fallbackCopy = (el, text, button) => {
    let ok = false;
    const selection = window.getSelection();
    if (el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement) {
      el.select();
    } else {
      const range = document.createRange();
      range.selectNodeContents(el);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    selection.removeAllRanges();
    button.focus(); // select() may have moved focus away from the button
    return ok;
  };

  const copyFrom = async (button) => {
    const el = document.getElementById(button.dataset.copyTarget);
    if (!el) return;
    const text = (el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement) ? el.value : el.textContent;
    let ok = false;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard API");
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (err) {
      ok = fallbackCopy(el, text, button);
    }
    if (!originalLabel.has(button)) originalLabel.set(button, button.textContent);
    button.textContent = ok ? "Copied" : "Copy failed";
    announce(ok ? "Copied." : "Copy failed.");
    clearTimeout(labelTimers.get(button));
    labelTimers.set(button, setTimeout(() => {
      button.textContent = originalLabel.get(button);
      originalLabel.delete(button);
    }, 2000));
  };

  // ---- times ------------------------------------------------------------
  // The server writes <time datetime="…Z"> in UTC. Shown here in the reader's own time
  // zone, as a label that ages while the page is open ("just now", "5 min ago",
  // "yesterday 14:02"), with the full local time in the title. Timers
  // (data-elapsed-since) count up instead.
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  // Only instants with a zone: a bare "2026-11-25T20:19" would be read as local time.
  const WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
  const ZONE = (() => {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (err) { return ""; }
  })();

  const pad = (n) => String(n).padStart(2, "0");
  const clock = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const day = (d, withYear) => `${d.getDate()} ${MONTHS[d.getMonth()]}${withYear ? ` ${d.getFullYear()}` : ""}`;
  // Local calendar days since the epoch, so that "yesterday" means the date, not 24 h.
  const dayIndex = (d) => Math.round(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86400000);

  const relativeLabel = (at, now) => {
    const seconds = (now - at) / 1000;
    if (Math.abs(seconds) < 60) return "just now"; // a little clock skew is still now
    if (seconds > 0 && seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    const days = dayIndex(now) - dayIndex(at);
    if (days === 0) return `today ${clock(at)}`;
    if (days === 1) return `yesterday ${clock(at)}`;
    if (days > 1 && days < 7) return `${WEEKDAYS[at.getDay()]} ${clock(at)}`;
    return `${day(at, at.getFullYear() !== now.getFullYear())}, ${clock(at)}`;
  };

  const formatElapsed = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${s % 60} s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h} h ${m % 60} min`;
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  };

  const setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };

  const updateTimers = () => {
    const now = new Date();
    document.querySelectorAll("time[datetime], time[data-elapsed-since]").forEach((t) => {
      if (t.hasAttribute("data-elapsed-since")) {
        const since = Date.parse(t.dataset.elapsedSince);
        if (!Number.isNaN(since)) setText(t, formatElapsed(now - since));
        return; // an unreadable start keeps the server's text
      }
      const stamp = t.getAttribute("datetime");
      const at = WITH_ZONE.test(stamp) ? new Date(stamp) : null;
      if (!at || Number.isNaN(at.getTime())) return;
      setText(t, relativeLabel(at, now));
      const full = `${day(at, true)}, ${clock(at)}${ZONE ? ` (${ZONE})` : ""}`;
      if (t.title !== full) t.title = full;
    });
  };

  // ---- typed text, kept until it was sent ---------------------------------
  // What the reviewer types in a text field is kept in localStorage under the page's
  // path, the form's action and the field's name, so that a reload, an outage or a new
  // sign-in loses nothing. It is restored into the same field while that field is
  // untouched, and forgotten once its form was sent and accepted (see settleSubmission).
  const KEPT_PREFIX = "draftdesk:typed:";
  const SUBMITTED_KEY = "draftdesk:submitted"; // sessionStorage: this tab's last submit
  const KEPT_TYPES = new Set(["text", "search", "email", "url", "tel"]);
  const KEEP_FOR = 14 * 24 * 3600 * 1000;
  const SUBMIT_SETTLES_WITHIN = 10 * 60 * 1000;

  // `form.action` is shadowed by a control named "action" (the new-thread form has two).
  const actionOf = (form) => new URL(form.getAttribute("action") ?? "", location.href).pathname;

  const keepable = (el) => {
    if (!(el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && KEPT_TYPES.has(el.type)))) return false;
    if (!el.name || el.name === "csrf" || el.readOnly || el.disabled || !el.form) return false;
    // Nothing from a sign-in or account form: credentials are not ours to store.
    return !el.form.querySelector('input[type="password"]');
  };
  const keptKey = (el) => KEPT_PREFIX + JSON.stringify([location.pathname, actionOf(el.form), el.name]);

  const storage = (kind) => {
    try { return window[kind]; } catch (err) { return null; } // blocked by the browser
  };
  const store = (area, key, value) => {
    try {
      if (value === null) area?.removeItem(key); else area?.setItem(key, value);
    } catch (err) { /* full or refused: typing still works, it is just not kept */ }
  };
  const readKept = (key) => {
    try {
      const kept = JSON.parse(storage("localStorage")?.getItem(key) ?? "null");
      return kept && typeof kept.value === "string" && Date.now() - kept.at < KEEP_FOR ? kept : null;
    } catch (err) { return null; }
  };
  const keptKeys = () => {
    const area = storage("localStorage");
    if (!area) return [];
    const keys = [];
    for (let i = 0; i < area.length; i += 1) {
      const key = area.key(i);
      if (key?.startsWith(KEPT_PREFIX)) keys.push(key);
    }
    return keys;
  };

  // The key is taken while the field is on the page: an update may remove it meanwhile.
  const keepNow = (el, key) => {
    const unchanged = el.value === el.defaultValue || el.value.trim() === "";
    store(storage("localStorage"), key, unchanged ? null : JSON.stringify({ value: el.value, at: Date.now() }));
  };
  const keepTimers = new Map(); // field -> {timer, key}
  const keepSoon = (el) => {
    const key = keptKey(el);
    clearTimeout(keepTimers.get(el)?.timer);
    keepTimers.set(el, { key, timer: setTimeout(() => { keepTimers.delete(el); keepNow(el, key); }, 250) });
  };
  const keepAllNow = () => {
    keepTimers.forEach(({ timer, key }, el) => { clearTimeout(timer); keepNow(el, key); });
    keepTimers.clear();
  };

  let noteCount = 0;
  const discardRestored = (el, note) => {
    el.value = el.defaultValue;
    store(storage("localStorage"), keptKey(el), null);
    const described = (el.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && id !== note.id);
    if (described.length) el.setAttribute("aria-describedby", described.join(" "));
    else el.removeAttribute("aria-describedby");
    note.remove();
    el.focus(); // the Discard button is gone; the field it spoke of is the natural place
  };
  const markRestored = (el) => {
    // A restored field in a closed panel would be invisible: open the panel, and count
    // it as opened by the reviewer so that updates leave it open.
    for (let d = el.closest("details"); d; d = d.parentElement?.closest("details")) {
      if (!d.open) { d.open = true; openedByUser.add(d); }
    }
    const note = document.createElement("p");
    note.className = "hint restored-note";
    note.id = `restored-note-${++noteCount}`;
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button-link";
    const label = el.labels?.[0]?.textContent.trim();
    const context = document.createElement("span");
    context.className = "visually-hidden";
    context.textContent = label ? ` what you typed in \u201c${label}\u201d` : " what you typed";
    discard.append("Discard", context);
    discard.addEventListener("click", () => discardRestored(el, note));
    note.append("Restored what you typed here before. ", discard);
    el.after(note);
    el.setAttribute("aria-describedby", [el.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "));
  };

  // Puts kept text back into untouched fields under `root`.
  const restoreTyped = (root) => {
    for (const el of root.querySelectorAll("textarea, input")) {
      if (!keepable(el) || el.value !== el.defaultValue) continue;
      const kept = readKept(keptKey(el));
      if (!kept || kept.value === el.value) continue;
      el.value = kept.value;
      markRestored(el);
    }
  };

  // Remembers, for the next page in this tab, which fields a submit sent.
  const noteSubmission = (form) => {
    keepAllNow();
    const fields = Array.from(form.elements).filter(keepable).map((el) => [actionOf(form), el.name]);
    if (fields.length) store(storage("sessionStorage"), SUBMITTED_KEY, JSON.stringify({ at: Date.now(), fields }));
  };

  // Whether this page is where an accepted submit lands. draftdesk answers an accepted
  // form with 303 See Other; a refused one (a mistake, an expired form, an error) is
  // answered in place, and a post without a session is sent to the sign-in page.
  const landedAfterAcceptedSubmit = () => {
    const nav = performance.getEntriesByType?.("navigation")?.[0];
    if (!nav || !["navigate", "reload"].includes(nav.type) || !(nav.redirectCount > 0)) return false;
    if (typeof nav.responseStatus === "number" && nav.responseStatus >= 400) return false;
    if (location.pathname === "/login") return false;
    return !document.querySelector('[role="alert"], [aria-invalid="true"], .field-error, .banner-error');
  };

  const settleSubmission = () => {
    const area = storage("sessionStorage");
    let submitted = null;
    try { submitted = JSON.parse(area?.getItem(SUBMITTED_KEY) ?? "null"); } catch (err) { submitted = null; }
    store(area, SUBMITTED_KEY, null); // only the page right after the submit decides
    const now = Date.now();
    const sent = submitted && now - submitted.at < SUBMIT_SETTLES_WITHIN && landedAfterAcceptedSubmit()
      ? new Set(submitted.fields.map((f) => JSON.stringify(f)))
      : new Set();
    for (const key of keptKeys()) {
      let forget = !readKept(key); // expired or unreadable
      if (!forget && sent.size) {
        try {
          const [, action, name] = JSON.parse(key.slice(KEPT_PREFIX.length));
          forget = sent.has(JSON.stringify([action, name]));
        } catch (err) { forget = true; }
      }
      if (forget) store(storage("localStorage"), key, null);
    }
  };

  const forgetAllTyped = () => {
    keepTimers.forEach(({ timer }) => clearTimeout(timer));
    keepTimers.clear();
    keptKeys().forEach((key) => store(storage("localStorage"), key, null));
  };

  // ---- a link into a fold -------------------------------------------------
  // A form inside a folded panel (the dashboard's "Based on") comes back to its place in
  // it, "#precedent-…": open the panels around it, as the reviewer's own, so that updates
  // leave them open, and bring it into view.
  const revealTarget = () => {
    let id = "";
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (err) { return; }
    const target = id ? document.getElementById(id) : null;
    if (!target) return;
    let opened = false;
    for (let d = target.closest("details"); d; d = d.parentElement?.closest("details")) {
      if (!d.open) { d.open = true; opened = true; }
      openedByUser.add(d);
    }
    if (opened) target.scrollIntoView({ block: "nearest" });
  };

  // ---- wiring -----------------------------------------------------------
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Element)) return;
    // Remember panels the reviewer opened (a click also covers Enter/Space on
    // a summary); server-rendered `open` panels do not count.
    const summary = event.target.closest("details > summary");
    if (summary) {
      const d = summary.parentElement;
      setTimeout(() => { if (d.open) openedByUser.add(d); else openedByUser.delete(d); }, 0);
    }
    const button = event.target.closest("button[data-copy-target]");
    if (!button) return;
    event.preventDefault(); // copy buttons may sit inside forms
    copyFrom(button);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute("data-confirm") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    // Signing out on purpose ends what was kept: the next person at this browser may
    // sign in to another account.
    if (actionOf(form) === "/logout") forgetAllTyped();
    else noteSubmission(form);
  });

  document.addEventListener("input", (event) => { if (keepable(event.target)) keepSoon(event.target); });
  window.addEventListener("pagehide", keepAllNow);
  window.addEventListener("hashchange", revealTarget);

  // Back in view or back online: check at once rather than at the next retry.
  document.addEventListener("visibilitychange", () => { if (document.hidden) keepAllNow(); else poll(); });
  window.addEventListener("online", () => { failures = 0; poll(); });
  window.addEventListener("offline", () => setConnection("down"));

  snapshot();
  revealTarget();
  settleSubmission();
  restoreTyped(document);
  revealCopyButtons();
  updateTimers();
  if (document.querySelector("time[datetime], time[data-elapsed-since], [data-live-version]")) {
    setInterval(() => { if (!document.hidden) updateTimers(); }, 1000);
  }
  if (document.querySelector("[data-live-version]")) {
    makeBanner();
    timer = setTimeout(poll, POLL_DELAY);
  }
})();
