// The annotation workspace (source page). No build step, no inline script.
//
// - A selection inside #source-text becomes UTF-16 offsets into the text
//   (measured with DOM Ranges, so they match the server's Source.text), plus
//   the quote and its context, filled into the statement form.
// - Keyboard: the text is focusable and takes a caret (contenteditable with
//   every edit refused), so Shift + arrows select; Enter or the
//   "Annotate selection" button opens the form.
// - A click (or Enter) on a highlight brings its card into view and focuses it.
// The server re-checks every span (anchoring.resolve) and refuses a wrong one.
(function () {
  "use strict";

  var CONTEXT = 32;
  // htmx wires up swapped-in content only when it settles (20 ms later by default);
  // a quick click on a fresh card's link would meanwhile follow it as a plain link.
  // Nothing here animates on settle, so settle at once.
  htmx.config.defaultSettleDelay = 0;
  var lastSelection = null;

  function container() {
    return document.getElementById("source-text");
  }

  // UTF-16 offset of a boundary point, counted from the start of the container's text.
  function offsetOf(root, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(root);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  // The current selection clipped to the text: {start, end, exact, prefix, suffix} or null.
  function captureSelection() {
    var root = container();
    var sel = window.getSelection();
    if (!root || !sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var range = sel.getRangeAt(0);
    var text = root.textContent;
    var start, end;
    if (root.contains(range.startContainer)) {
      start = offsetOf(root, range.startContainer, range.startOffset);
    } else if (range.comparePoint(root, 0) === 0) {
      start = 0; // the selection begins before the text
    } else {
      return null;
    }
    if (root.contains(range.endContainer)) {
      end = offsetOf(root, range.endContainer, range.endOffset);
    } else if (range.comparePoint(root, root.childNodes.length) === 0) {
      end = text.length; // the selection runs past the text
    } else {
      return null;
    }
    if (end <= start) return null;
    return {
      start: start,
      end: end,
      exact: text.slice(start, end),
      prefix: text.slice(Math.max(0, start - CONTEXT), start),
      suffix: text.slice(end, end + CONTEXT),
    };
  }

  function setField(form, name, value) {
    var input = form.querySelector('[name="' + name + '"]');
    if (input) input.value = value;
    return input;
  }

  // Show the statement form in the side panel with the selection filled in.
  function openForm(selection, focus) {
    var slot = document.getElementById("annotate-slot");
    var template = document.getElementById("statement-form-template");
    if (!slot || !template || !selection) return;
    var form = slot.querySelector("form[data-statement-form]");
    if (!form || !form.querySelector('[name="start"]')) {
      slot.replaceChildren(template.content.cloneNode(true));
      htmx.process(slot);
      form = slot.querySelector("form[data-statement-form]");
    }
    setField(form, "start", String(selection.start));
    setField(form, "end", String(selection.end));
    setField(form, "prefix", selection.prefix);
    setField(form, "suffix", selection.suffix);
    setField(form, "offsets_unit", "utf16");
    var quote = setField(form, "exact", selection.exact);
    if (quote) quote.readOnly = true;
    form.querySelectorAll(".quote-field + .errorlist, .quote-field + [role=alert]").forEach(function (el) { el.remove(); });
    slot.hidden = false;
    placeUnderSelection(slot);
    slot.scrollIntoView({ block: "nearest" });
    if (focus) {
      var first = form.querySelector('[name="speaker_q"]');
      if (first) first.focus();
    }
  }

  // On a phone the panel comes after the whole article: float the form right under the
  // selection instead (CSSOM positioning; CSP forbids only inline style attributes).
  function placeUnderSelection(slot) {
    var workspace = document.getElementById("workspace");
    var sel = window.getSelection();
    var narrow = window.matchMedia("(max-width: 900px)").matches;
    if (!narrow || !workspace || !sel || sel.rangeCount === 0 || sel.isCollapsed) {
      slot.classList.remove("floating");
      slot.style.top = "";
      return;
    }
    var rect = sel.getRangeAt(0).getBoundingClientRect();
    var top = rect.bottom - workspace.getBoundingClientRect().top + 8;
    slot.classList.add("floating");
    slot.style.top = Math.round(top) + "px";
  }

  function onSelectionGesture() {
    var selection = captureSelection();
    if (!selection) return;
    lastSelection = selection;
    openForm(selection, false);
  }

  // --- highlights and cards ---------------------------------------------------

  function statementIds(mark) {
    return (mark.getAttribute("data-statements") || "").split(" ").filter(Boolean);
  }

  function focusCard(card) {
    card.scrollIntoView({ block: "nearest" });
    card.focus({ preventScroll: true });
    card.classList.remove("flash");
    void card.offsetWidth; // restart the animation
    card.classList.add("flash");
  }

  function showCard(id) {
    var card = document.getElementById("statement-" + id) ||
      document.getElementById("saved-statement-" + id) ||
      document.getElementById("focus-statement-" + id);
    if (card) {
      focusCard(card);
      return;
    }
    var workspace = document.getElementById("workspace");
    var focusSlot = document.getElementById("card-focus");
    if (!workspace || !focusSlot) return;
    var url = workspace.getAttribute("data-card-url").replace(/\/0\/$/, "/" + id + "/") + "?slot=focus";
    htmx.ajax("GET", url, { target: "#card-focus", swap: "innerHTML" }).then(function () {
      var loaded = document.getElementById("focus-statement-" + id);
      if (loaded) focusCard(loaded);
    });
  }

  var lastShown = null;

  function activateMark(mark) {
    var ids = statementIds(mark);
    if (!ids.length) return;
    // Activating the same highlight again steps through its overlapping
    // statements, innermost first.
    var index = ids.indexOf(lastShown);
    var next = index === -1 ? ids[ids.length - 1] : ids[(index - 1 + ids.length) % ids.length];
    lastShown = next;
    showCard(next);
  }

  // --- wiring ------------------------------------------------------------------

  function enhanceText(root) {
    if (!root || root.dataset.enhanced) return;
    root.dataset.enhanced = "1";
    // A caret for keyboard selection; every edit is refused below.
    root.setAttribute("contenteditable", "true");
    root.setAttribute("aria-readonly", "true");
    root.setAttribute("role", "textbox");
    root.setAttribute("aria-multiline", "true");
    ["beforeinput", "paste", "drop", "cut", "dragstart"].forEach(function (type) {
      root.addEventListener(type, function (event) { event.preventDefault(); });
    });
    root.addEventListener("mouseup", function () {
      window.setTimeout(onSelectionGesture, 0);
    });
    root.addEventListener("keyup", function (event) {
      if (event.shiftKey || event.key === "Shift" || (event.key === "a" && (event.ctrlKey || event.metaKey))) {
        onSelectionGesture();
      }
    });
    root.addEventListener("keydown", function (event) {
      var mark = event.target.closest && event.target.closest("mark.hl");
      if (event.key === "Enter") {
        var selection = captureSelection();
        event.preventDefault();
        if (selection) {
          lastSelection = selection;
          openForm(selection, true);
        } else if (mark) {
          activateMark(mark);
        }
      }
    });
    root.addEventListener("click", function (event) {
      var mark = event.target.closest("mark.hl");
      var sel = window.getSelection();
      if (mark && (!sel || sel.isCollapsed)) activateMark(mark);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#annotate-button");
    if (button) {
      var selection = captureSelection() || lastSelection;
      if (selection) {
        openForm(selection, true);
      } else {
        var root = container();
        if (root) root.focus();
        announce("Select words in the text first.");
      }
      return;
    }
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var slot = dismiss.closest(".card-slot, #annotate-slot, #card-focus");
      if (slot) {
        event.preventDefault();
        slot.replaceChildren();
      }
      return;
    }
    var goto = event.target.closest("[data-goto-statement]");
    if (goto) {
      var id = goto.getAttribute("data-goto-statement");
      if (document.querySelector('#source-text mark[data-statements~="' + id + '"]')) {
        event.preventDefault();
        showCard(id);
      }
    }
  });

  function announce(message) {
    var slot = document.getElementById("annotate-slot");
    if (!slot || slot.querySelector("form")) return;
    var p = document.createElement("p");
    p.className = "muted small";
    p.textContent = message;
    slot.replaceChildren(p);
  }

  // The card list refreshes itself after any save; a form open in one of its
  // cards (edit, delete, contradicts…) is carried over into the fresh list.
  var openSlots = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "statement-cards") return;
    openSlots = {};
    target.querySelectorAll(".statement-card").forEach(function (card) {
      var slot = card.querySelector(".card-slot");
      if (slot && slot.childElementCount) openSlots[card.getAttribute("data-statement")] = slot;
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!openSlots) return;
    var list = document.getElementById("statement-cards");
    Object.keys(openSlots).forEach(function (id) {
      var fresh = list && list.querySelector('.statement-card[data-statement="' + id + '"] .card-slot');
      if (fresh && !fresh.childElementCount) fresh.replaceWith(openSlots[id]);
    });
    openSlots = null;
  });

  // A link to #statement-N whose card is on another page of the list: load it.
  function showHashedCard() {
    var match = /^#statement-(\d+)$/.exec(window.location.hash);
    if (match && document.getElementById("workspace")) showCard(match[1]);
  }
  window.addEventListener("hashchange", showHashedCard);
  document.addEventListener("DOMContentLoaded", showHashedCard);

  htmx.onLoad(function (elt) {
    if (elt.id === "source-text") enhanceText(elt);
    else if (elt.querySelector) enhanceText(elt.querySelector("#source-text"));
  });
})();
