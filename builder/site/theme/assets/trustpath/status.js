/* TrustPath status: the person's path (home, My training), and each module's status on path and
   module pages, from GET /me; redrawn in place after a pass, an acknowledgement or a sign-in. */
(() => {
  "use strict";
  const TP = window.TrustPath, el = TP.el;
  const LABELS = { done: "Done", upcoming: "Upcoming", due_soon: "Due soon", overdue: "Overdue" };
  /* "Overdue, due 3 Mar 2026" as nodes: the date never wraps. */
  const label = (e) => {
    const out = [LABELS[e.status] || e.status];
    if (e.status === "done" && e.completed) out.push(" on ", TP.date(e.completed));
    else if (e.due) out.push(", due ", TP.date(e.due));
    return out;
  };
  /* A module the due engine does not list: a reading, a leaver's module, or another role's. */
  const why = (m, mine) => !m || !mine ? "Not on your path" : !m.quiz && !m.ack ? "Reading: nothing to record"
    : m.stage === "offboarding" ? "When you leave" : "Not on your path";
  const current = (rec, v) => rec && rec.version === v;
  /* What is left of one module on its own page: "Acknowledged; quiz still to pass". */
  const left = (mid, e) => {
    const q = document.querySelector('form.trustpath-quiz[data-module="' + CSS.escape(mid) + '"]');
    const a = document.querySelector('.trustpath-ack[data-module="' + CSS.escape(mid) + '"]');
    if (!e || e.status === "done" || !q || !a) return "";
    const v = Number(q.dataset.version), passed = current(e.passed, v), acked = current(e.acknowledged, v);
    if (acked && !passed) return "Acknowledged; quiz still to pass.";
    if (passed && !acked) return "Quiz passed; acknowledgement still to sign.";
    return "";
  };
  /* The path as a list: N of M done, a progress bar, the next module, then every module. */
  const fill = (me, data, course) => {
    const mods = data.modules || {}, ids = Object.keys(mods), info = course.modules || {}, roles = course.roles || {};
    const done = ids.filter((id) => mods[id].status === "done").length;
    const who = data.name ? data.name + " (" + data.email + ")" : data.email || "you";
    if (data.on_roster === false) return me.replaceChildren(el("p", { role: "status" }, "Signed in as " + who + ". " + data.message));
    const link = (id) => info[id] ? el("a", { href: TP.href(info[id].url) }, info[id].title) : el("span", null, "a module no longer published");
    const roleList = el("p", null, (data.roles || []).length > 1 ? "Your roles: " : "Your role: ");
    (data.roles || []).forEach((r, n) => roleList.append(n ? ", " : "", roles[r] ? el("a", { href: TP.href(roles[r].url) }, roles[r].title) : r));
    if (!(data.roles || []).length) roleList.append("none yet");
    roleList.append(".");
    const head = el("p", { role: "status", class: "trustpath-me-status" }, "Signed in as " + who + ". " + done + " of " + ids.length + " modules done.");
    const bar = el("progress", { max: String(ids.length || 1), value: String(done), "aria-label": done + " of " + ids.length + " modules done" });
    const parts = [head, bar, roleList];
    const next = ids.find((id) => mods[id].status !== "done");
    if (next && info[next]) {
      const p = el("p");
      p.append(el("a", { href: TP.href(info[next].url), class: "md-button md-button--primary trustpath-next" }, "Next module: " + info[next].title));
      parts.push(p);
    } else if (ids.length) parts.push(el("p", { class: "trustpath-pass" }, "All done: nothing is due now."));
    if (!ids.length) parts.push(el("p", null, "No modules are assigned to you yet."));
    else {
      const table = el("table", { class: "trustpath-table" }), body = el("tbody"), tr = el("tr");
      ["Module", "Status"].forEach((h) => tr.append(el("th", { scope: "col" }, h)));
      table.append(el("thead"), body);
      table.firstChild.append(tr);
      ids.forEach((id) => {
        const row = el("tr"), cell = el("td", { "data-label": "Status" }), span = el("span", { class: "trustpath-status", "data-status": mods[id].status });
        span.append(...label(mods[id]));
        cell.append(span);
        row.append(el("td", { "data-label": "Module" }), cell);
        row.firstChild.append(link(id));
        body.append(row);
      });
      parts.push(table);
    }
    const extra = data.assigned || [];
    if (extra.length) {
      const list = el("ul", { class: "trustpath-assigned" });
      extra.forEach((a) => {
        const item = el("li", { "data-campaign": a.campaign }), span = el("span", { class: "trustpath-status", "data-status": a.status });
        span.append(...label(a));
        item.append(link(a.module), ": ", span, " — " + a.reason);
        list.append(item);
      });
      parts.push(el("h2", null, "Assigned to you"), list);
    }
    me.replaceChildren(...parts);
  };
  /* An open campaign item of a module says more than the path's status (a pass before it does not count). */
  const openAssigned = (data, id) => (data.assigned || []).find((a) => a.module === id && a.status !== "done");
  const init = () => {
    const me = document.getElementById("trustpath-me"), spans = document.querySelectorAll(".trustpath-status[data-module]");
    if (!me && !spans.length) return;
    const tell = (text) => me && me.replaceChildren(el("p", { role: "status" }, text));
    const mark = (fn) => spans.forEach((span) => { span.replaceChildren(); fn(span); });
    const out = () => { const t = TP.signInText(); mark((s) => { s.textContent = t; s.dataset.status = "none"; }); tell(t); document.querySelectorAll(".trustpath-left").forEach((n) => { n.textContent = ""; }); };
    TP.ready().then(() => {
      if (!TP.known()) return out();
      return Promise.all([TP.me(), TP.course()]).then(([res, course]) => {
        if (!res.ok) { mark((s) => { s.textContent = ""; }); return tell(TP.errorText(res)); }
        const mods = res.data.modules || {};
        mark((span) => {
          const e = openAssigned(res.data, span.dataset.module) || mods[span.dataset.module];
          if (e) span.append(...label(e));
          else span.textContent = res.data.on_roster === false ? "Not on the roster" : why(course.modules[span.dataset.module],
            (res.data.roles || []).some((r) => ((course.paths || {})[r] || []).includes(span.dataset.module)));
          span.dataset.status = e ? e.status : "none";
        });
        document.querySelectorAll(".trustpath-left[data-module]").forEach((n) => { n.textContent = left(n.dataset.module, mods[n.dataset.module]); });
        if (me) fill(me, res.data, course);
        TP.emit("status", res.data);
      });
    }).catch((err) => { mark((s) => { s.textContent = ""; }); tell(TP.offline(err) + " Your status cannot be shown."); });
  };
  TP.on("identity", init);
  TP.on("changed", init);
  TP.onPage(init);
})();
