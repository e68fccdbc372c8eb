/* TrustPath status: mark modules on path and module pages, and fill My training, from GET /me. */
(() => {
  "use strict";
  const TP = window.TrustPath, el = TP.el;
  const LABELS = { done: "Done", upcoming: "Upcoming", due_soon: "Due soon", overdue: "Overdue" };
  const ORDER = ["overdue", "due_soon", "upcoming", "done"];
  const label = (e) => (LABELS[e.status] || e.status) + (e.due && e.status !== "done" ? " (due " + e.due + ")" : "");
  const fill = (me, data) => {
    let known = {};
    try { known = JSON.parse(document.getElementById("trustpath-modules").textContent); } catch (e) { /* none */ }
    const mods = data.modules || {}, ids = Object.keys(mods);
    ids.sort((a, b) => ORDER.indexOf(mods[a].status) - ORDER.indexOf(mods[b].status));
    const done = ids.filter((id) => mods[id].status === "done").length;
    const who = data.name ? data.name + " (" + data.email + ")" : data.email || "you";
    const table = el("table"), head = el("tr"), body = el("tbody");
    ["Module", "Status", "Due"].forEach((h) => head.append(el("th", { scope: "col" }, h)));
    table.append(el("thead"), body);
    table.firstChild.append(head);
    ids.forEach((id) => {
      const row = el("tr"), cell = el("td"), info = known[id];
      cell.append(info ? el("a", { href: info.url }, info.title) : id);
      row.append(cell, el("td", { class: "trustpath-status", "data-status": mods[id].status }, LABELS[mods[id].status] || mods[id].status), el("td", null, mods[id].due || ""));
      body.append(row);
    });
    if (data.on_roster === false) return me.replaceChildren(el("p", { role: "status" }, "Signed in as " + who + ". " + data.message));
    me.replaceChildren(el("p", { role: "status" }, "Signed in as " + who + ". " + done + " of " + ids.length + " modules done."),
      el("p", null, "Your roles: " + ((data.roles || []).join(", ") || "none") + "."),
      ids.length ? table : el("p", null, "No modules are assigned to you yet."));
    const extra = data.assigned || [];
    if (!extra.length) return;
    const list = el("ul", { class: "trustpath-assigned" });
    extra.forEach((a) => {
      const info = known[a.module], item = el("li", { "data-campaign": a.campaign });
      item.append(info ? el("a", { href: info.url }, info.title) : a.module, ": ",
        el("span", { class: "trustpath-status", "data-status": a.status }, label(a)), " — " + a.reason);
      list.append(item);
    });
    me.append(el("h2", null, "Assigned to you"), list);
  };
  /* An open campaign item of a module says more than the path's status (a pass before it does not count). */
  const openAssigned = (data, id) => (data.assigned || []).find((a) => a.module === id && a.status !== "done");
  const init = () => {
    const me = document.getElementById("trustpath-me");
    if (!me && !document.querySelector(".trustpath-status[data-module]")) return;
    const tell = (text) => me && me.replaceChildren(el("p", { role: "status" }, text));
    TP.request("GET", "/me").then((res) => {
      if (!res.ok) return tell(TP.errorText(res));
      document.querySelectorAll(".trustpath-status[data-module]").forEach((span) => {
        const e = openAssigned(res.data, span.dataset.module) || res.data.modules[span.dataset.module];
        span.textContent = e ? label(e) : res.data.on_roster === false ? "not on the roster" : "not on your path";
        span.dataset.status = e ? e.status : "none";
      });
      if (me) fill(me, res.data);
    }, (err) => tell(TP.offline(err) + " Your status cannot be shown."));
  };
  document.addEventListener("trustpath:identity", init);
  TP.onPage(init);
})();
