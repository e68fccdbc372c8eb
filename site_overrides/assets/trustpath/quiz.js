/* TrustPath quiz: collect answers, post them for grading, show the server's result. */
(() => {
  "use strict";
  const TP = window.TrustPath, el = TP.el;
  const say = (form, text, cls) => {
    const box = form.querySelector(".trustpath-quiz-result");
    box.replaceChildren(el("p", { class: cls || "" }, text));
    return box;
  };
  const labelOf = (fs, choice) => {
    const input = fs.querySelector('input[value="' + CSS.escape(choice) + '"]');
    const label = input && fs.querySelector('label[for="' + input.id + '"]');
    return label ? label.textContent : choice;
  };
  const show = (form, data) => {
    const byId = {};
    let right = 0;
    (data.questions || []).forEach((q) => { byId[q.id] = q; });
    form.querySelectorAll(".trustpath-question").forEach((fs) => {
      const q = byId[fs.dataset.question], out = fs.querySelector(".trustpath-question-result");
      out.replaceChildren();
      fs.classList.remove("is-right", "is-wrong");
      if (!q) return;
      if (q.correct) right++;
      fs.classList.add(q.correct ? "is-right" : "is-wrong");
      out.append(el("p", { class: "trustpath-verdict" }, q.correct ? "Correct." : "Not correct."));
      (q.feedback || []).forEach((f) => out.append(el("p", { class: "trustpath-explain" }, labelOf(fs, f.choice) + ": " + f.text)));
      if (q.correct_choices && !q.correct) out.append(el("p", null, "Correct answer: " + q.correct_choices.map((c) => labelOf(fs, c)).join("; ")));
      if (q.explain) out.append(el("p", { class: "trustpath-explain" }, q.explain));
    });
    const total = (data.questions || []).length;
    say(form, "You scored " + data.score_percent + "% (" + right + " of " + total + " correct; pass mark " + data.pass_mark + "%): " +
      (data.passed ? "passed. Well done." : "not passed yet. Review the explanations and try again."),
    data.passed ? "trustpath-pass" : "trustpath-fail").focus();
  };
  const answer = (form, res) => {
    form.querySelector("button[type=submit]").disabled = false;
    if (res.queued) say(form, TP.queuedText("answer sheet"), "trustpath-queued");
    else if (res.ok) show(form, res.data);
    else say(form, TP.errorText(res), "trustpath-fail").focus();
  };
  const submit = (form, ev) => {
    ev.preventDefault();
    const answers = {};
    let missing = null;
    form.querySelectorAll(".trustpath-question").forEach((fs) => {
      const picked = Array.from(fs.querySelectorAll("input:checked"), (i) => i.value);
      answers[fs.dataset.question] = picked;
      if (!picked.length && !missing) missing = fs;
    });
    if (missing) {
      say(form, "Answer every question first (" + missing.querySelector(".trustpath-qnum").textContent + ").", "trustpath-fail");
      return missing.querySelector("input").focus();
    }
    if (TP.needsEmail()) {
      say(form, "Enter your work email at the top of the page first.", "trustpath-fail");
      return document.getElementById("tp-email").focus();
    }
    const body = { attempt_id: TP.uuid(), module: form.dataset.module, version: Number(form.dataset.version), answers, started_at: form.dataset.started };
    form.querySelector("button[type=submit]").disabled = true;
    say(form, "Sending your answers…");
    TP.send("/attempts", body.attempt_id, body).then((res) => answer(form, res));
  };
  TP.onPage(() => document.querySelectorAll("form.trustpath-quiz:not([data-bound])").forEach((form) => {
    form.dataset.bound = "1";
    form.dataset.started = new Date().toISOString();
    form.addEventListener("submit", (ev) => submit(form, ev));
  }));
  TP.onDelivered("/attempts", "form.trustpath-quiz", answer);
})();
