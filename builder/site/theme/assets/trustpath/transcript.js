/* TrustPath transcript: "Download my transcript" on My training fetches GET /me/transcript with the
   person's identity (header or personal link) and saves the self-contained HTML page to print. */
(() => {
  "use strict";
  const TP = window.TrustPath;
  const init = () => {
    const link = document.getElementById("trustpath-transcript");
    if (!link || link.dataset.ready) return;
    const note = document.getElementById("trustpath-transcript-status");
    const tell = (text) => { if (note) note.textContent = text; };
    link.dataset.ready = "1";
    link.href = TP.url("/me/transcript");
    link.hidden = false;
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      tell("Preparing your transcript…");
      fetch(TP.url("/me/transcript"), { headers: TP.headers() }).then((r) => {
        if (!r.ok) {
          return r.json().catch(() => ({})).then((data) => tell(TP.errorText({ status: r.status, data })));
        }
        return r.blob().then((blob) => {
          const href = URL.createObjectURL(blob);
          const save = TP.el("a", { href, download: "transcript.html" });
          document.body.append(save);
          save.click();
          save.remove();
          setTimeout(() => URL.revokeObjectURL(href), 60000);
          tell("Saved as transcript.html: open it to read or print.");
        });
      }, (err) => tell(TP.offline(err)));
    });
  };
  TP.onPage(init);
})();
