/* TrustPath quiz: draw the questions and their order, post the answers, show the grading. */
(() => {
  "use strict";
  const TP = window.TrustPath, el = TP.el, $ = (n, s) => n.querySelector(s);
  const say = (form, text, cls) => {
    const box = $(form, ".trustpath-quiz-result");
    box.replaceChildren(el("p", { class: cls || "" }, text));
    return box;
  };
  const labelOf = (fs, c) => {
    const i = $(fs, 'input[value="' + CSS.escape(c) + '"]'), l = i && $(fs, 'label[for="' + i.id + '"]');
    return l ? l.textContent : c;
  };
  /* Explanations and feedback as the build rendered them (builder/course/rendering.py: inline
     Markdown, author HTML escaped, unsafe link targets dropped). Parsed in an inert <template>
     (no script runs, no eval, nothing inline: the CSP holds) and kept to the tags inline
     Markdown makes; anything else becomes its text. Without HTML (an older server): the text. */
  const TAGS = { A: ["href", "title"], CODE: [], EM: [], STRONG: [], BR: [], IMG: ["src", "alt", "title"] };
  const rich = (html, text) => {
    if (typeof html !== "string") return document.createTextNode(text);
    const t = document.createElement("template");
    t.innerHTML = html;
    t.content.querySelectorAll("*").forEach((n) => {
      const keep = TAGS[n.tagName];
      if (!keep) return n.replaceWith(document.createTextNode(n.textContent));
      Array.from(n.attributes).forEach((a) => { if (!keep.includes(a.name)) n.removeAttribute(a.name); });
    });
    return t.content;
  };
  const explain = (lead, html, text) => {
    const p = el("p", { class: "trustpath-explain" }, lead);
    p.append(rich(html, text));
    return p;
  };
  const button = (form) => $(form, "button[type=submit]");
  const shown = (form) => form.querySelectorAll(".trustpath-question");
  const all = (form) => form._tp || (form._tp = Object.fromEntries(Array.from(shown(form), (f) => [f.dataset.question, f])));
  const mix = (a) => a.map((v) => [Math.random(), v]).sort((x, y) => x[0] - y[0]).map((p) => p[1]);
  /* Show questions `ids` in order, the choices of each as `order[id]` says; the rest leave. */
  const arrange = (form, ids, order) => {
    const qs = all(form), end = $(form, ".trustpath-actions");
    Object.values(qs).forEach((f) => f.remove());
    ids.forEach((id, n) => {
      const f = qs[id], list = $(f, ".trustpath-choices");
      order[id].forEach((c) => list.append($(list, 'input[value="' + CSS.escape(c) + '"]').closest("li")));
      $(f, ".trustpath-qnum").textContent = "Question " + (n + 1) + " of " + ids.length;
      form.insertBefore(f, end);
    });
  };
  /* Without a records service the page still shuffles (and draws from a pool). */
  const local = (form) => {
    const qs = all(form), ids = mix(Object.keys(qs)).slice(0, Number(form.dataset.draw) || undefined), order = {};
    ids.forEach((id) => {
      const v = Array.from(qs[id].querySelectorAll("input"), (i) => i.value);
      order[id] = qs[id].dataset.shuffle === "false" ? v : mix(v);
    });
    arrange(form, ids, order);
  };
  const limited = (form, at) => {
    const p = el("p", { class: "trustpath-fail" }, "You have used the attempts allowed for now. You may try again at ");
    p.append(el("time", { datetime: at }, new Date(at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })), ". Meanwhile, read the module again.");
    button(form).disabled = true;
    const box = $(form, ".trustpath-quiz-result");
    box.replaceChildren(p);
    return box;
  };
  const draw = (form) => {
    if (!TP.known()) return; /* after sign-in: the identity event draws */
    form.dataset.who = TP.key();
    TP.request("GET", "/quiz/" + encodeURIComponent(form.dataset.module) + "/draw").then((r) => {
      if (r.ok) {
        form.dataset.token = r.data.draw;
        arrange(form, r.data.questions, r.data.order);
        restore(form);
        form.dataset.drawn = "1";
        revisit(form);
      } else if (r.status === 429) limited(form, r.data.error.details.retry_at);
    }, () => { /* no records service: the local order stays */ });
  };
  /* Drafts: picked answers per person and module, kept until a graded submission. */
  const draftKey = (form) => "trustpath.draft." + TP.key() + "." + form.dataset.module;
  const save = (form) => TP.put(draftKey(form), JSON.stringify(Object.fromEntries(Array.from(shown(form), (fs) =>
    [fs.dataset.question, Array.from(fs.querySelectorAll("input:checked"), (i) => i.value)]))));
  const restore = (form) => {
    let d = {};
    try { d = JSON.parse(TP.get(draftKey(form)) || "{}") || {}; } catch (e) { /* none */ }
    form.querySelectorAll(".trustpath-question input").forEach((i) => {
      i.checked = (d[i.closest(".trustpath-question").dataset.question] || []).includes(i.value);
    });
  };
  const lastKey = (form) => "trustpath.last." + TP.key() + "." + form.dataset.module;
  /* A revisit shows the last result: the service's pass of this version, and this device's last score. */
  const revisit = (form) => {
    if (form.dataset.graded) return;
    let last = null;
    try { last = JSON.parse(TP.get(lastKey(form))); } catch (e) { /* none */ }
    TP.me().then((res) => {
      const e = res.ok && (res.data.modules || {})[form.dataset.module], p = e && e.passed, v = Number(form.dataset.version);
      const box = $(form, ".trustpath-quiz-result");
      if (form.dataset.graded || box.textContent) return;
      const out = el("p", { class: p && p.version === v ? "trustpath-pass" : "" });
      if (p && p.version === v) out.append("You passed this quiz on ", TP.date(p.on), ". ");
      if (last && last.version === v) out.append("Your last result here: " + last.score + "%, " + (last.passed ? "passed." : "not passed yet."));
      if (out.childNodes.length) box.replaceChildren(out);
    }, () => {});
  };
  /* After a pass: a button to the next module of the person's path. */
  const nextButton = (form) => Promise.all([TP.me(), TP.course()]).then(([res, course]) => {
    const mods = (res.ok && res.data.modules) || {}, info = course.modules || {};
    const next = Object.keys(mods).find((id) => id !== form.dataset.module && mods[id].status !== "done" && info[id]);
    const box = $(form, ".trustpath-quiz-result");
    if (!next || box.querySelector(".trustpath-next")) return;
    box.append(el("p")); box.lastChild.append(el("a", { href: TP.href(info[next].url), class: "md-button md-button--primary trustpath-next" }, "Next module: " + info[next].title));
  }, () => {});
  /* Someone else signed in: nothing of the last person stays on screen. */
  const reset = (form) => {
    if (form.dataset.who === TP.key()) return;
    delete form.dataset.graded;
    delete form.dataset.token;
    shown(form).forEach((fs) => { fs.classList.remove("is-right", "is-wrong"); $(fs, ".trustpath-question-result").replaceChildren(); });
    $(form, ".trustpath-quiz-result").replaceChildren();
    button(form).textContent = "Submit answers";
    button(form).disabled = false;
    restore(form);
    form.dataset.who = TP.key();
    draw(form);
  };
  const show = (form, data) => {
    const qs = data.questions || [], by = Object.fromEntries(qs.map((q) => [q.id, q]));
    let right = 0;
    shown(form).forEach((fs) => {
      const q = by[fs.dataset.question], out = $(fs, ".trustpath-question-result");
      out.replaceChildren();
      fs.classList.remove("is-right", "is-wrong");
      if (!q) return;
      if (q.correct) right++;
      fs.classList.add(q.correct ? "is-right" : "is-wrong");
      out.append(el("p", { class: "trustpath-verdict" }, q.correct ? "Correct." : "Not correct."));
      (q.feedback || []).forEach((f) => out.append(explain(labelOf(fs, f.choice) + ": ", f.text_html, f.text)));
      if (q.correct_choices && !q.correct) out.append(el("p", null, "Correct answer: " + q.correct_choices.map((c) => labelOf(fs, c)).join("; ")));
      if (q.explain) out.append(explain(null, q.explain_html, q.explain));
    });
    say(form, "You scored " + data.score_percent + "% (" + (qs.length ? right + " of " + qs.length + " correct; " : "") + "pass mark " + data.pass_mark + "%): " +
      (data.passed ? "passed. Well done." : "not passed yet. " + (qs.length ? "Review the explanations" : "Read the module again") + " and try again."),
    data.passed ? "trustpath-pass" : "trustpath-fail").focus();
    form.dataset.graded = "1"; /* the next click reloads: a new draw, a clean sheet */
    button(form).textContent = "Try again";
    TP.put(draftKey(form), null);
    TP.put(lastKey(form), JSON.stringify({ score: data.score_percent, passed: data.passed, version: Number(form.dataset.version) }));
    TP.changed();
    if (data.passed) nextButton(form);
  };
  const answer = (form, res) => {
    button(form).disabled = false;
    if (res.queued) say(form, TP.queuedText("answer sheet"), "trustpath-queued");
    else if (res.ok) show(form, res.data);
    else if (res.status === 429) limited(form, res.data.error.details.retry_at).focus();
    else say(form, TP.errorText(res), "trustpath-fail").focus();
  };
  const submit = (form, ev) => {
    ev.preventDefault();
    if (form.dataset.graded) return location.reload();
    const answers = {};
    let missing = null;
    shown(form).forEach((fs) => {
      const picked = Array.from(fs.querySelectorAll("input:checked"), (i) => i.value);
      answers[fs.dataset.question] = picked;
      if (!picked.length && !missing) missing = fs;
    });
    if (missing) {
      say(form, "Answer every question first (" + $(missing, ".trustpath-qnum").textContent + ").", "trustpath-fail");
      return $(missing, "input").focus();
    }
    if (TP.needsEmail()) {
      say(form, "Enter your work email at the top of the page first.", "trustpath-fail");
      return document.getElementById("tp-email").focus();
    }
    const body = { attempt_id: TP.uuid(), module: form.dataset.module, version: Number(form.dataset.version), answers, started_at: form.dataset.started, draw: form.dataset.token };
    button(form).disabled = true;
    say(form, "Sending your answers…");
    TP.send("/attempts", body.attempt_id, body).then((res) => answer(form, res));
  };
  TP.onPage(() => document.querySelectorAll("form.trustpath-quiz:not([data-bound])").forEach((form) => {
    form.dataset.bound = "1";
    form.dataset.started = new Date().toISOString();
    form.addEventListener("submit", (ev) => submit(form, ev));
    form.addEventListener("change", () => save(form));
    form.dataset.who = TP.key();
    local(form);
    restore(form);
    draw(form);
  }));
  TP.on("identity", () => document.querySelectorAll("form.trustpath-quiz[data-bound]").forEach(reset));
  TP.onDelivered("/attempts", "form.trustpath-quiz", answer);
})();
