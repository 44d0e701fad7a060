// The import form: say at once when the chosen files are too many or too large, before
// the upload starts (the server refuses them too, with a less specific message).
(function () {
  "use strict";
  function check(input) {
    var maxFiles = parseInt(input.dataset.maxFiles || "0", 10);
    var maxBytes = parseInt(input.dataset.maxBytes || "0", 10);
    var files = input.files || [];
    var total = 0;
    for (var i = 0; i < files.length; i++) total += files[i].size;
    var message = "";
    if (maxFiles && files.length > maxFiles) {
      message = files.length + " files is too many at once (at most " + maxFiles +
        "): put them in a .zip.";
    } else if (maxBytes && total > maxBytes) {
      message = "The files come to " + total.toLocaleString() + " bytes; the limit is " +
        maxBytes.toLocaleString() + " bytes.";
    }
    var note = document.getElementById(input.id + "-check");
    if (note) {
      note.textContent = message;
      note.hidden = !message;
    }
    return !message;
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-max-files]")) {
      check(event.target);
    }
  });
  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector("input[type=file][data-max-files]");
    if (input && !check(input)) event.preventDefault();
  });
})();
