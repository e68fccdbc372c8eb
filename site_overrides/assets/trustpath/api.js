/* TrustPath shared client: settings, identity, requests and the offline queue. */
(() => {
  "use strict";
  const QUEUE = "trustpath.queue", USER = "trustpath.user", TOKEN = "trustpath.token";
  let settings = null, health = null, flushing = false;
  const inflight = {};

  const conf = () => {
    if (!settings) {
      try { settings = JSON.parse(document.getElementById("trustpath-settings").textContent); } catch (e) { settings = {}; }
      settings.records_url = (settings.records_url || "/api").replace(/\/+$/, "");
    }
    return settings;
  };
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
  const url = (path) => conf().records_url + path;
  const mode = () => health && health.identity;
  const headers = () => {
    const h = { "Content-Type": "application/json", Accept: "application/json" };
    const m = mode(), token = get(TOKEN), user = get(USER);
    if (token && m !== "open" && m !== "header") h.Authorization = "Bearer " + token;
    else if (user && m !== "token" && m !== "header") h["X-TrustPath-User"] = user;
    return h;
  };
  /* The email in a token (v2.<base64url(email)>.…). */
  const tokenEmail = (t) => { try { return decodeURIComponent(escape(atob(t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")))); } catch (e) { return null; } };
  let offered = null; /* another person's link: the banner asks before switching */
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
  const needsEmail = () => mode() === "open" && !get(USER);
  /* {ok, status, data} for any answer below 500; rejects on network errors, 5xx and the
     rate limiter's 429 (kept queued, sent later). A quiz's attempt limit is an answer. */
  const request = (method, path, body) =>
    fetch(url(path), { method, headers: headers(), body: body ? JSON.stringify(body) : undefined }).then((r) => {
      if (r.status >= 500) throw new Error("HTTP " + r.status);
      return r.json().catch(() => ({})).then((data) => {
        if (r.status === 429 && ((data.error || {}).code === "rate_limited")) throw new Error("HTTP 429");
        return { ok: r.ok, status: r.status, data };
      });
    });
  const queue = () => { try { return JSON.parse(get(QUEUE) || "[]"); } catch (e) { return []; } };
  const dequeue = (id) => put(QUEUE, JSON.stringify(queue().filter((i) => i.id !== id)));
  /* POST, keeping the body in localStorage until the service answers; ids make replays safe. */
  const send = (path, id, body) => {
    put(QUEUE, JSON.stringify(queue().filter((i) => i.id !== id).concat([{ id, path, body }])));
    inflight[id] = true;
    return request("POST", path, body).then((res) => { dequeue(id); return res; }, () => ({ queued: true }))
      .finally(() => { delete inflight[id]; });
  };
  const drain = () => queue().filter((i) => !inflight[i.id]).reduce((chain, item) => chain.then(() =>
    request("POST", item.path, item.body).then((res) => {
      dequeue(item.id);
      document.dispatchEvent(new CustomEvent("trustpath:delivered", { detail: { item, res } }));
    })), Promise.resolve());
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
  const button = (text, attrs, fn) => { const b = el("button", Object.assign({ type: "button", class: "trustpath-link" }, attrs), text); b.onclick = fn; return b; };
  /* Above every page's content: who is signed in and a sign-out, the email box (open mode) on
     pages that record, or the question when a link is for another person. */
  const banner = () => {
    const inner = document.querySelector(".md-content__inner"), widgets = !!document.querySelector("[data-trustpath]");
    if (!inner || document.getElementById("trustpath-banner")) return;
    const box = el("div", { id: "trustpath-banner", class: "trustpath-banner", role: "region", "aria-label": "Training records" });
    const redraw = () => { box.remove(); banner(); document.dispatchEvent(new CustomEvent("trustpath:identity")); };
    const who = (email, out) => box.append(el("span", null, "Signed in as " + email + ". "), ...(out ? [button(out[0], null, out[1])] : []));
    inner.prepend(box);
    fetch(url("/health"), { headers: { Accept: "application/json" } }).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then((h) => {
      health = h;
      const token = get(TOKEN), user = get(USER);
      if (mode() === "token") {
        if (offered) {
          const next = tokenEmail(offered), keep = offered, me = tokenEmail(token);
          offered = null;
          box.setAttribute("role", "alertdialog");
          return box.append(el("p", null, "This link is for " + next + ", but you are signed in as " + me + ": what you record here counts for the person signed in."),
            button("Switch to " + next, { class: "md-button" }, () => { put(TOKEN, keep); redraw(); }),
            button("Stay signed in as " + me, null, redraw));
        }
        if (token) return who(tokenEmail(token), ["Sign out", () => { put(TOKEN, null); redraw(); }]);
        return widgets ? box.append(el("p", null, "Open your personal training link to sign in: nothing is recorded until then.")) : box.remove();
      }
      if (mode() === "header") return request("GET", "/me").then((res) => res.ok ? who(res.data.email) : box.remove(), () => box.remove());
      if (user) return who(user, ["Not you? Sign out", () => { put(USER, null); redraw(); }]);
      if (!widgets) return box.remove();
      const form = el("form", { class: "trustpath-identity" });
      const input = el("input", { id: "tp-email", type: "email", required: "", autocomplete: "email" });
      form.append(el("label", { for: "tp-email" }, "Your work email, to record your training:"), input,
        el("button", { type: "submit", class: "md-button" }, "Continue"));
      form.onsubmit = (ev) => {
        ev.preventDefault();
        if (!/^[^@\s]+@[^@\s]+$/.test(input.value.trim())) return input.focus();
        put(USER, input.value.trim());
        redraw();
      };
      box.append(form);
    }, (err) => {
      if (!widgets) return box.remove();
      box.classList.add("trustpath-error");
      box.append(el("p", { role: "alert" }, offline(err) + " Nothing can be recorded (expected under plain mkdocs serve; use trustpath serve)."));
    });
  };
  /* A queued submission was delivered later: let its widget show the answer, if on this page. */
  const onDelivered = (path, sel, fn) => document.addEventListener("trustpath:delivered", (ev) => {
    const { item, res } = ev.detail;
    const node = item.path === path && document.querySelector(sel + '[data-module="' + CSS.escape(item.body.module) + '"]');
    if (node) fn(node, res);
  });
  const onPage = (fn) => {
    if (window.document$) window.document$.subscribe(() => fn());
    else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  };

  const offline = (err) => "No training records service answers at " + url("") + " (" + err.message + ").";
  window.TrustPath = { conf, el, uuid, url, headers, send, request, flush, queue, errorText, queuedText, offline, onPage, onDelivered, needsEmail };
  captureToken();
  const search = document.querySelector(".md-search[role=dialog]");
  if (search) search.setAttribute("aria-label", "Search"); /* Material leaves its dialog unnamed */
  onPage(() => { captureToken(); banner(); flush(); });
  window.addEventListener("online", flush);
  setInterval(flush, (conf().retry_seconds || 30) * 1000);
})();
