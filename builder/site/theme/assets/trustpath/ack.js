/* TrustPath acknowledgement: sign the module's policy statement, once per version. */
(() => {
  "use strict";
  const TP = window.TrustPath;
  const parts = (box) => [box.querySelector("button"), box.querySelector(".trustpath-ack-status")];
  /* The service's record decides: an acknowledged version shows who signed when, no button. */
  const remember = (box) => {
    const [button, status] = parts(box);
    if (!TP.known()) { button.hidden = false; button.disabled = false; status.textContent = ""; return; }
    TP.me().then((res) => {
      const e = res.ok && (res.data.modules || {})[box.dataset.module], a = e && e.acknowledged, v = Number(box.dataset.version);
      button.hidden = !!(a && a.version === v);
      button.disabled = false;
      status.replaceChildren();
      if (a) status.append("You acknowledged version " + a.version + " on ", TP.date(a.on), a.version === v ? "." : "; this version asks again.");
    }, () => { /* offline: the button stays */ });
  };
  const done = (box, res) => {
    const [button, status] = parts(box);
    button.disabled = !!res.ok;
    status.textContent = res.queued ? TP.queuedText("acknowledgement")
      : res.ok ? "Acknowledged on " + TP.moment(res.data.recorded_at) + "." : TP.errorText(res);
    if (res.ok) { button.hidden = true; TP.changed(); }
  };
  TP.onPage(() => document.querySelectorAll(".trustpath-ack:not([data-bound])").forEach((box) => {
    box.dataset.bound = "1";
    const [button, status] = parts(box);
    button.addEventListener("click", () => {
      if (TP.needsEmail()) {
        status.textContent = "Enter your work email at the top of the page first.";
        return document.getElementById("tp-email").focus();
      }
      const d = box.dataset;
      const body = { ack_id: TP.uuid(), module: d.module, version: Number(d.version), statement_sha256: d.statementSha256 };
      button.disabled = true;
      status.textContent = "Sending…";
      TP.send("/acknowledgements", body.ack_id, body).then((res) => done(box, res));
    });
    remember(box);
  }));
  TP.on("identity", () => document.querySelectorAll(".trustpath-ack[data-bound]").forEach(remember));
  TP.onDelivered("/acknowledgements", ".trustpath-ack", done);
})();
