// Review pages: after a decision (HX-Trigger "review-changed") refresh the
// navigation badge that counts the items waiting for an editor.
"use strict";
document.addEventListener("review-changed", () => {
  const badge = document.getElementById("review-count");
  const meta = document.querySelector('meta[name="review-count-url"]');
  if (!badge || !meta) return;
  fetch(meta.content, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
    .then((r) => (r.ok ? r.text() : null))
    .then((text) => {
      if (text !== null) badge.textContent = text.trim();
    })
    .catch(() => {});
});
