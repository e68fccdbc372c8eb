/* TrustPath shared client: settings, identity, requests, the offline queue, the banner. */
(() => {
  "use strict";
  const QUEUE = "trustpath.queue", USER = "trustpath.user", TOKEN = "trustpath.token";
  /* Settings come from this script's data-* attributes: no inline JSON (CSP, instant navigation). */
  const ds = (document.currentScript || document.getElementById("trustpath-api") || {}).dataset || {};
  const settings = { records_url: (ds.recordsUrl || "/api").replace(/\/+$/, ""), retry_seconds: Number(ds.retrySeconds) || 30,
    timezone: ds.timezone || "UTC", organisation: ds.organisation || "" };
  const base = new URL(ds.base || ".", location.href); /* the site's root, whatever page loaded first */
  let health = null, healthP = null, shown = null, flushing = false, offered = null, headerEmail = null, meP = null, meKey = null, courseP = null;
  const inflight = {}, notes = [];
  const conf = () => settings;
  const get = (key) => { try { return localStorage.getItem(key); } catch (e) { return null; } };
  const put = (key, value) => {
    try { value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value); } catch (e) { /* storage off */ }
  };
  const uuid = () => crypto.randomUUID ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  };
  const emit = (name, detail) => document.dispatchEvent(new CustomEvent("trustpath:" + name, { detail }));
  const on = (name, fn) => document.addEventListener("trustpath:" + name, (ev) => fn(ev.detail || {}));
  const url = (path) => settings.records_url + path;
  const mode = () => health && health.identity;
  /* The email in a token (v2.<base64url(email)>.…). */
  const tokenEmail = (t) => { try { return decodeURIComponent(escape(atob(t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")))); } catch (e) { return null; } };
  /* Who requests are made for now: {key, email, user?, token?}, or null before sign-in. */
  const who = () => {
    const m = mode(), token = get(TOKEN), user = get(USER);
    if (m === "header") return headerEmail ? { key: "h:" + headerEmail, email: headerEmail } : null;
    if (token && m !== "open") return { key: "t:" + tokenEmail(token), email: tokenEmail(token), token };
    if (user && m !== "token") return { key: "u:" + user.toLowerCase(), email: user, user };
    return null;
  };
  const key = () => (who() || {}).key || "";
  const known = () => mode() === "header" || !!who();
  const headersFor = (w) => {
    const h = { "Content-Type": "application/json", Accept: "application/json" };
    if (w && w.token) h.Authorization = "Bearer " + w.token;
    else if (w && w.user) h["X-TrustPath-User"] = w.user;
    return h;
  };
  /* A link's token (#tp_token=, or ?tp_token= from old links) leaves the address bar and goes to storage. */
  const captureToken = () => {
    const u = new URL(location.href), h = new URLSearchParams(u.hash.slice(1));
    const token = h.get("tp_token") || u.searchParams.get("tp_token"), now = get(TOKEN);
    if (!token) return;
    h.delete("tp_token");
    u.searchParams.delete("tp_token");
    u.hash = h;
    history.replaceState(history.state, "", u);
    if (!now || tokenEmail(now) === tokenEmail(token)) put(TOKEN, token); else offered = token;
  };
  const ready = () => health ? Promise.resolve(health) : (healthP = healthP || fetch(url("/health"), { headers: { Accept: "application/json" } })
    .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then((h) => (health = h), (e) => { healthP = null; throw e; }));
  /* {ok, status, data} for any answer below 500, made as `w` (default: who is signed in now);
     rejects on network errors, 5xx and the rate limiter's 429 (kept queued, sent later). */
  const request = (method, path, body, w) => ready().then(() =>
    fetch(url(path), { method, headers: headersFor(w === undefined ? who() : w), body: body ? JSON.stringify(body) : undefined })).then((r) => {
    if (r.status >= 500) throw new Error("HTTP " + r.status);
    return r.json().catch(() => ({})).then((data) => {
      if (r.status === 429 && ((data.error || {}).code === "rate_limited")) throw new Error("HTTP 429");
      return { ok: r.ok, status: r.status, data };
    });
  });
  /* GET /me for whoever is signed in, once per person until something changes. */
  const me = (fresh) => {
    if (fresh || !meP || meKey !== key()) { meKey = key(); meP = request("GET", "/me"); meP.catch(() => { meP = null; }); }
    return meP;
  };
  const changed = () => { meP = null; emit("changed"); };
  const course = () => courseP || (courseP = fetch(new URL("assets/trustpath/course.json", base)).then((r) => r.json()).catch(() => ({ modules: {}, roles: {}, paths: {} })));
  const href = (u) => new URL(u, base).href;
  const queue = () => { try { return JSON.parse(get(QUEUE) || "[]"); } catch (e) { return []; } };
  const dequeue = (id) => put(QUEUE, JSON.stringify(queue().filter((i) => i.id !== id)));
  const KIND = { "/attempts": "answer sheet", "/acknowledgements": "acknowledgement", "/feedback": "message" };
  /* POST, keeping the body and who made it in localStorage until the service answers. */
  const send = (path, id, body) => {
    const w = who();
    put(QUEUE, JSON.stringify(queue().filter((i) => i.id !== id).concat([{ id, path, body, who: w }])));
    inflight[id] = true;
    return request("POST", path, body, w).then((res) => { dequeue(id); return res; }, () => ({ queued: true }))
      .finally(() => { delete inflight[id]; });
  };
  /* What cannot be sent as the person who made it is dropped, with a message. */
  const drop = (item, why) => {
    dequeue(item.id);
    notes.push("Your " + (KIND[item.path] || "submission") + " saved on this device" + (item.who ? " for " + item.who.email : "") + " was not sent: " + why);
    emit("notes");
  };
  const drain = () => queue().filter((i) => !inflight[i.id]).reduce((chain, item) => chain.then(() => {
    const w = item.who, now = who();
    if (!w) return drop(item, "it does not say who made it.");
    if (w.key[0] === "h" && (!now || now.key !== w.key)) return drop(item, "someone else is signed in now.");
    return request("POST", item.path, item.body, w).then((res) => {
      dequeue(item.id);
      emit("delivered", { item, res, mine: w.key === key() });
      if (res.ok && item.path !== "/feedback") changed();
    });
  }), Promise.resolve());
  /* Send what is queued, one sender at a time (across tabs where Web Locks exist). */
  const flush = () => {
    if (flushing || !queue().length) return Promise.resolve();
    flushing = true;
    const run = navigator.locks ? navigator.locks.request("trustpath-queue", drain) : drain();
    return run.catch(() => { /* still offline: retried later */ }).then(() => { flushing = false; });
  };
  const queuedText = (what) => "The records service cannot be reached. Your " + what + " is saved on this device and will be sent automatically when the connection is back.";
  const errorText = (res) => {
    const e = (res.data && res.data.error) || {};
    if (res.status === 401) return "The records service does not know who you are: " + (mode() === "token" ? "open your invitation link again." : "sign in, then try again.");
    if (res.status === 409 && e.code === "stale_version") return "This page is out of date: a newer version was published. Reload the page and try again.";
    return (e.message || "Request refused") + " (HTTP " + res.status + ").";
  };
  const signInText = () => mode() === "token" ? "Open your personal training link to see your status." : "Sign in to see your status.";
  const button = (text, attrs, fn) => { const b = el("button", Object.assign({ type: "button", class: "trustpath-link" }, attrs), text); b.onclick = fn; return b; };
  const focusFirst = (node) => { const f = node && node.querySelector("input, button, [tabindex]"); if (f) f.focus(); };
  /* Above every page's content: who is signed in and a sign-out, the email box (open mode) on
     pages with training, or the question when a link is for another person. */
  const banner = () => {
    const inner = document.querySelector(".md-content__inner"), widgets = !!document.querySelector("[data-trustpath]");
    if (!inner || document.getElementById("trustpath-banner")) return;
    const box = el("div", { id: "trustpath-banner", class: "trustpath-banner", role: "region", "aria-label": "Training records", tabindex: "-1" });
    const redraw = (focus) => {
      const before = shown;
      box.remove(); banner();
      if (before !== key()) { meP = null; emit("identity"); }
      if (focus) setTimeout(() => focusFirst(document.getElementById("trustpath-banner")), 0);
    };
    const who_ = (email, out) => box.append(el("span", { tabindex: "-1" }, "Signed in as " + email + ". "), ...(out ? [button(out[0], null, out[1])] : []));
    inner.prepend(box);
    ready().then(() => {
      const token = get(TOKEN), user = get(USER);
      shown = key();
      notes.splice(0).forEach((n) => box.append(el("p", { role: "alert", class: "trustpath-fail" }, n)));
      if (mode() === "token") {
        if (offered) {
          const next = tokenEmail(offered), keep = offered, mine = tokenEmail(token);
          offered = null;
          box.setAttribute("role", "alertdialog");
          return box.append(el("p", null, "This link is for " + next + ", but you are signed in as " + mine + ": what you record here counts for the person signed in."),
            button("Switch to " + next, { class: "md-button" }, () => { put(TOKEN, keep); redraw(true); }),
            button("Stay signed in as " + mine, null, () => redraw(true)));
        }
        if (token) return who_(tokenEmail(token), ["Sign out", () => { put(TOKEN, null); redraw(true); }]);
        return widgets ? box.append(el("p", null, "Open your personal training link to sign in: nothing is recorded until then.")) : box.remove();
      }
      if (mode() === "header") return me().then((res) => {
        if (!res.ok) return box.remove();
        headerEmail = res.data.email; meKey = shown = key();
        who_(res.data.email);
      }, () => box.remove());
      if (user) return who_(user, ["Not you? Sign out", () => { put(USER, null); redraw(true); }]);
      if (!widgets) return box.remove();
      const form = el("form", { class: "trustpath-identity" });
      const input = el("input", { id: "tp-email", type: "email", required: "", autocomplete: "email" });
      form.append(el("label", { for: "tp-email" }, "Your work email, to record your training:"),
        el("span", { class: "trustpath-identity-row" }));
      form.lastChild.append(input, el("button", { type: "submit", class: "md-button md-button--primary" }, "Continue"));
      form.onsubmit = (ev) => {
        ev.preventDefault();
        if (!/^[^@\s]+@[^@\s]+$/.test(input.value.trim())) return input.focus();
        put(USER, input.value.trim());
        redraw(true); /* focus stays in the banner, on who is signed in */
      };
      box.append(form);
    }, (err) => {
      if (!widgets) return box.remove();
      box.classList.add("trustpath-error");
      box.append(el("p", { role: "alert" }, offline(err) + " Nothing can be recorded (expected under plain mkdocs serve; use trustpath serve)."));
    });
  };
  on("notes", () => { const b = document.getElementById("trustpath-banner"); if (b) notes.splice(0).forEach((n) => b.append(el("p", { role: "alert", class: "trustpath-fail" }, n))); });
  /* Skip links to the sign-in box and the quiz, before Material's "Skip to content". */
  const skips = () => {
    const bar = document.querySelector("[data-md-component=skip]");
    if (!bar || bar.querySelector(".trustpath-skip")) return;
    [["Skip to sign-in", () => document.getElementById("tp-email") || document.getElementById("trustpath-banner")],
      ["Skip to the quiz", () => document.getElementById("tp-quiz-title") && document.querySelector(".trustpath-quiz-section")]].forEach(([text, find]) => {
      if (text.endsWith("quiz") && !find()) return;
      /* a button: Material's instant navigation takes over every link, and would move the focus */
      const a = el("button", { type: "button", class: "md-skip trustpath-skip" }, text);
      a.onclick = () => {
        const t = find();
        if (!t) return;
        if (t.tabIndex < 0 && !t.hasAttribute("tabindex")) t.setAttribute("tabindex", "-1");
        t.scrollIntoView(); t.focus();
      };
      bar.insertBefore(a, bar.querySelector(".trustpath-skip ~ .md-skip, .md-skip:not(.trustpath-skip)"));
    });
  };
  /* A queued submission was delivered later: let its widget show the answer, if on this page
     and if the person it was made for is the one signed in now. */
  const onDelivered = (path, sel, fn) => on("delivered", ({ item, res, mine }) => {
    const node = mine && item.path === path && document.querySelector(sel + '[data-module="' + CSS.escape(item.body.module) + '"]');
    if (node) fn(node, res);
  });
  const onPage = (fn) => {
    if (window.document$) window.document$.subscribe(() => fn());
    else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  };
  const day = (iso) => {
    if (!iso) return "";
    const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" }).format(Date.UTC(y, m - 1, d));
  };
  /* A date (YYYY-MM-DD, a day in the organisation's time zone already) as <time>, never wrapped. */
  const date = (iso) => el("time", { datetime: iso.slice(0, 10), class: "trustpath-date" }, day(iso));
  /* A moment (ISO timestamp) as the day and time in the organisation's time zone. */
  const moment = (iso) => {
    try { return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: settings.timezone, timeZoneName: "short" }).format(new Date(iso)); } catch (e) { return new Date(iso).toLocaleString(); }
  };
  const offline = (err) => "No training records service answers at " + url("") + " (" + err.message + ").";
  window.TrustPath = { conf, el, uuid, url, headers: () => headersFor(who()), send, request, flush, queue, errorText, queuedText, offline, onPage, onDelivered, on, emit,
    needsEmail: () => mode() === "open" && !get(USER), who, key, known, ready, me, changed, course, href, date, day, moment, signInText, get, put };
  captureToken();
  const search = document.querySelector(".md-search[role=dialog]");
  if (search) search.setAttribute("aria-label", "Search"); /* Material leaves its dialog unnamed */
  onPage(() => { captureToken(); banner(); skips(); flush(); });
  window.addEventListener("online", flush);
  setInterval(flush, settings.retry_seconds * 1000);
})();
