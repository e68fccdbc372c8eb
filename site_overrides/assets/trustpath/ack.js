/* TrustPath acknowledgement: sign the module's policy statement. */
(() => {
  "use strict";
  const TP = window.TrustPath;
  const done = (box, res) => {
    const status = box.querySelector(".trustpath-ack-status");
    box.querySelector("button").disabled = !!res.ok;
    status.textContent = res.queued ? TP.queuedText("acknowledgement")
      : res.ok ? "Acknowledged on " + new Date(res.data.recorded_at).toLocaleString() + " (record " + res.data.seq + ")."
        : TP.errorText(res);
  };
  TP.onPage(() => document.querySelectorAll(".trustpath-ack:not([data-bound])").forEach((box) => {
    box.dataset.bound = "1";
    const button = box.querySelector("button"), status = box.querySelector(".trustpath-ack-status");
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
  }));
  TP.onDelivered("/acknowledgements", ".trustpath-ack", done);
})();
