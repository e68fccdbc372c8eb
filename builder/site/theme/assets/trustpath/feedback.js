/* TrustPath feedback: a question, suggestion or concern about the module. */
(() => {
  "use strict";
  const TP = window.TrustPath;
  const done = (form, res) => {
    form.querySelector("button[type=submit]").disabled = false;
    if (res.ok) form.elements.text.value = "";
    form.querySelector(".trustpath-feedback-status").textContent = res.queued
      ? TP.queuedText("message")
      : res.ok ? "Thank you: your message was sent." : TP.errorText(res);
  };
  const submit = (form, ev) => {
    ev.preventDefault();
    const f = form.elements, status = form.querySelector(".trustpath-feedback-status"), text = f.text.value.trim();
    if (!text || TP.needsEmail()) {
      status.textContent = text ? "Enter your work email at the top of the page first." : "Write your message first.";
      return (text ? document.getElementById("tp-email") : f.text).focus();
    }
    const body = { feedback_id: TP.uuid(), module: form.dataset.module, kind: f.kind.value, text, anonymous: f.anonymous.checked };
    form.querySelector("button[type=submit]").disabled = true;
    status.textContent = "Sending…";
    TP.send("/feedback", body.feedback_id, body).then((res) => done(form, res));
  };
  TP.onPage(() => document.querySelectorAll("form.trustpath-feedback:not([data-bound])").forEach((form) => {
    form.dataset.bound = "1";
    form.addEventListener("submit", (ev) => submit(form, ev));
  }));
  /* Someone else signed in: the last person's message and its status leave the screen. */
  TP.on("identity", () => document.querySelectorAll("form.trustpath-feedback").forEach((form) => {
    form.reset();
    form.querySelector(".trustpath-feedback-status").textContent = "";
  }));
  TP.onDelivered("/feedback", "form.trustpath-feedback", done);
})();
