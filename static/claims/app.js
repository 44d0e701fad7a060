// Page-wide behaviour that needs no server round trip. Annotation lives in annotate.js.
"use strict";

// htmx does not swap 4xx/5xx answers other than 409 and 422 (see the htmx-config meta in
// base.html): without this a Save on a record deleted meanwhile, or a refused request, did
// nothing visible at all. Say what happened beside the form or button that asked.
(function () {
  var MESSAGES = {
    400: "The request was refused as malformed. Reload the page and try again.",
    403: "You are not allowed to do this. Reload the page to see what you can do.",
    404: "This record no longer exists: someone deleted or merged it meanwhile. Reload the page.",
    405: "This action is not available here. Reload the page.",
  };

  function explain(elt, text) {
    if (!elt || !elt.isConnected) return;
    var anchor = elt.closest("form") || elt;
    if (!anchor.closest("main") || anchor.tagName === "MAIN") return; // not a form or button of the page
    var note = document.createElement("p");
    note.className = "message error request-error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    var previous = anchor.parentNode && anchor.parentNode.querySelector(":scope > .request-error");
    if (previous) previous.remove();
    anchor.insertAdjacentElement("beforebegin", note);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var text = MESSAGES[status];
    // 503: the server says what happened (the database is read-only, full, busy or away)
    // and that nothing was saved, as one line of plain text.
    if (status === 503 && /^text\/plain/.test(xhr.getResponseHeader("Content-Type") || "")) {
      text = xhr.responseText;
    }
    if (!text) {
      text = status >= 500
        ? "The server failed to do this (error " + status + "). Try again; if it keeps failing, tell an administrator."
        : "The request failed (HTTP " + status + "). Reload the page and try again.";
    }
    explain(event.detail.elt, text);
  });

  document.addEventListener("htmx:sendError", function (event) {
    explain(event.detail.elt, "The server could not be reached. Check the connection and try again.");
  });

  // A later request from the same place that succeeds clears the old explanation.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var anchor = elt && (elt.closest("form") || elt);
    var previous = anchor && anchor.previousElementSibling;
    if (previous && previous.classList.contains("request-error")) previous.remove();
  });
})();
