// The reading page's keys and suggested statements (issue 10). No build step, no inline script.
//
// - Suggested statements are underlined in the text with the CSS Custom Highlight API
//   (no change to the DOM text, so offsets stay exact); the list beside the text is in
//   text order. j/k move, a or Enter accepts, e edits, x dismisses, 1/2/3 set the stance.
// - ? shows the keys; n opens the form for the selection.
// - In the statement form: Alt+S / Alt+C same speaker / claim as last, Alt+0..3 stance,
//   Ctrl+Enter saves, Escape closes. After a save the focus lands on the new card; on a
//   focused card c opens "Contradicts…" and e opens Edit.
(function () {
  "use strict";

  var STANCES = ["", "asserts", "denies", "questions"];
  var LAST_KEY = "claims-last-statement";
  var currentId = null;

  function root() { return document.getElementById("source-text"); }
  function items() { return Array.from(document.querySelectorAll("#suggestions li.suggestion")); }
  function current() {
    return items().find(function (li) { return li.dataset.suggestion === currentId; }) || null;
  }
  function narrow() { return window.matchMedia("(max-width: 900px)").matches; }

  // --- underlines ---------------------------------------------------------------------

  function point(container, offset) {
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    var node, seen = 0, last = null;
    while ((node = walker.nextNode())) {
      if (seen + node.length >= offset) return [node, offset - seen];
      seen += node.length;
      last = node;
    }
    return last ? [last, last.length] : null;
  }

  function rangeOf(li) {
    var container = root();
    if (!container || !li) return null;
    var a = point(container, Number(li.dataset.start16));
    var b = point(container, Number(li.dataset.end16));
    if (!a || !b) return null;
    var range = document.createRange();
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    return range;
  }

  function paint() {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    var all = new Highlight(), cur = new Highlight();
    var active = current();
    items().forEach(function (li) {
      var range = rangeOf(li);
      if (range) (li === active ? cur : all).add(range);
    });
    CSS.highlights.set("suggested", all);
    CSS.highlights.set("suggested-current", cur);
  }

  function setCurrent(li, focus) {
    currentId = li ? li.dataset.suggestion : null;
    items().forEach(function (x) { x.classList.toggle("current", x === li); });
    paint();
    if (!li || focus === false) return;
    li.focus({ preventScroll: true });
    li.scrollIntoView({ block: "nearest" });
    var range = rangeOf(li);
    if (range && !narrow()) {
      var rect = range.getBoundingClientRect();
      if (rect.top < 60 || rect.bottom > window.innerHeight - 20) {
        window.scrollBy({ top: rect.top - window.innerHeight / 3 });
      }
    }
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    var i = list.indexOf(current());
    i = i === -1 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + step));
    setCurrent(list[i]);
  }

  function act(name) {
    var li = current() || items()[0];
    if (!li) return false;
    setCurrent(li, false);
    var control = li.querySelector('[data-action="' + name + '"]');
    if (control) control.click();
    return Boolean(control);
  }

  function stanceOn(scope, value) {
    var radio = scope && scope.querySelector('input[name="stance"][value="' + value + '"]');
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    return Boolean(radio);
  }

  // --- "same as last" -------------------------------------------------------------------

  function remembered() {
    try { return JSON.parse(window.sessionStorage.getItem(LAST_KEY) || "null"); } catch (e) { return null; }
  }

  function lastFor(form) {
    var saved = remembered();
    if (saved) return Promise.resolve(saved);
    var workspace = document.getElementById("workspace");
    var start = form.querySelector('[name="start"]');
    var url = workspace && workspace.getAttribute("data-before-url");
    if (!url || !start || start.value === "") return Promise.resolve(null);
    return fetch(url + "?before=" + encodeURIComponent(start.value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { return data && data.statement ? data : null; })
      .catch(function () { return null; });
  }

  function choose(select, id, label) {
    if (!select) return;
    var option = Array.from(select.options).find(function (o) { return o.value === String(id); });
    if (!option) {
      option = new Option(label, String(id));
      select.add(option);
    }
    select.value = String(id);
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function say(form, text) {
    var note = form.querySelector(".same-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "same-note small";
      note.setAttribute("role", "status");
      var row = form.querySelector(".same-as-last");
      (row || form).insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
  }

  function same(form, what) {
    lastFor(form).then(function (last) {
      if (!last || (what === "claim" && !last.claim)) {
        say(form, what === "claim" ? "No claim to repeat yet." : "No statement to repeat yet.");
        return;
      }
      if (what === "speaker") {
        choose(form.querySelector('select[name="speaker"]'), last.speaker.id, last.speaker.name);
        var q = form.querySelector('[name="speaker_q"]');
        if (q) q.value = last.speaker.name;
        say(form, "Speaker: " + last.speaker.name + ".");
        var next = form.querySelector('[name="claim_q"]');
        if (next) next.focus();
      } else {
        choose(form.querySelector('select[name="claim"]'), last.claim.id, last.claim.text);
        if (last.stance) stanceOn(form, last.stance);
        say(form, "Claim: " + last.claim.text + (last.stance ? " (" + last.stance + ")" : "") + ".");
        var save = form.querySelector('button[type="submit"]');
        if (save) save.focus();
      }
    });
  }

  function snapshot(form) {
    var speaker = form.querySelector('select[name="speaker"]');
    var claim = form.querySelector('select[name="claim"]');
    var stance = form.querySelector('input[name="stance"]:checked');
    var option = function (select) { return select && select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null; };
    var s = option(speaker), c = option(claim);
    if (!s || !s.value) return null;
    return {
      speaker: { id: s.value, name: s.textContent.replace(/ \(.*\)$/, "") },
      claim: c && c.value ? { id: c.value, text: c.textContent } : null,
      stance: stance ? stance.value : "",
    };
  }

  // --- keys ----------------------------------------------------------------------------

  function typing(el) {
    if (!el || !el.tagName) return false;
    if (el.closest("#source-text")) return false; // a caret for selecting; edits are refused
    var tag = el.tagName;
    if (tag === "INPUT") return !/^(radio|checkbox|button|submit|reset)$/i.test(el.type);
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function toggleHelp() {
    var dialog = document.getElementById("keys-help");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  function closeForm(form) {
    var slot = form.closest(".card-slot, #annotate-slot, #card-focus");
    if (!slot) return false;
    var card = slot.closest(".statement-card");
    slot.replaceChildren();
    slot.classList.remove("floating");
    if (card) card.focus();
    else if (root()) root().focus({ preventScroll: true });
    return true;
  }

  function formKeys(event, form) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.key === "Escape") {
      if (closeForm(form)) event.preventDefault();
      return;
    }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var digit = /^Digit([0-3])$/.exec(event.code);
    if (event.code === "KeyS") same(form, "speaker");
    else if (event.code === "KeyC") same(form, "claim");
    else if (digit) stanceOn(form, STANCES[Number(digit[1])]);
    else return;
    event.preventDefault();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var form = target.closest && target.closest("form[data-statement-form]");
    if (form) {
      formKeys(event, form);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(target) || !document.getElementById("workspace")) return;
    if (document.querySelector("dialog[open]") && event.key !== "?") return;
    var card = target.closest && target.closest(".statement-card");
    var suggestion = target.closest && target.closest("li.suggestion");
    var handled = true;
    switch (event.key) {
      case "?": toggleHelp(); break;
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": handled = act("accept"); break;
      case "x": handled = act("dismiss"); break;
      case "Enter":
        handled = suggestion === target && act("accept");
        break;
      case "e":
        if (card) {
          var edit = card.querySelector(':scope > .card-actions a[href$="/edit/"]');
          if (edit) edit.click();
          handled = Boolean(edit);
        } else {
          handled = act("edit");
        }
        break;
      case "c":
        var link = card && card.querySelector(':scope > .card-actions a[href$="/contradicts/"]');
        if (link) link.click();
        handled = Boolean(link);
        break;
      case "n":
        var button = document.getElementById("annotate-button");
        if (button) button.click();
        handled = Boolean(button);
        break;
      case "0": case "1": case "2": case "3":
        handled = stanceOn(suggestion || current(), STANCES[Number(event.key)]);
        break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var sameButton = event.target.closest("[data-same]");
    if (sameButton) {
      var form = sameButton.closest("form[data-statement-form]");
      if (form) same(form, sameButton.getAttribute("data-same"));
      return;
    }
    if (event.target.closest("#keys-button")) {
      toggleHelp();
      return;
    }
    var li = event.target.closest("#suggestions li.suggestion");
    if (li) setCurrent(li, false);
  });

  document.addEventListener("focusin", function (event) {
    var li = event.target.closest && event.target.closest("#suggestions li.suggestion");
    if (li && li.dataset.suggestion !== currentId) setCurrent(li, false);
  });

  // --- saves: remember "last", land on the new card, show it once -------------------

  var pending = new WeakMap();
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-statement-form]");
    if (form && event.detail.requestConfig && event.detail.requestConfig.verb === "post") {
      pending.set(event.detail.xhr, snapshot(form));
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 201 && pending.get(xhr)) {
      try { window.sessionStorage.setItem(LAST_KEY, JSON.stringify(pending.get(xhr))); } catch (e) { /* private mode */ }
    }
  });

  function dedupeSaved() {
    var slot = document.getElementById("annotate-slot");
    var saved = slot && slot.querySelector(".statement-card[id^='saved-statement-']");
    if (!saved) return;
    var listed = document.getElementById(saved.id.replace(/^saved-/, ""));
    if (!listed) return;
    var hadFocus = slot.contains(document.activeElement) || document.activeElement === document.body;
    var note = document.createElement("p");
    note.className = "saved-note";
    note.setAttribute("role", "status");
    note.textContent = "Saved.";
    slot.replaceChildren(note);
    slot.classList.remove("floating");
    if (hadFocus) {
      listed.scrollIntoView({ block: "nearest" });
      listed.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target.id === "annotate-slot") {
      var card = target.querySelector(".statement-card");
      if (card) card.focus();
      var form = target.querySelector("form[data-statement-form]");
      if (form && !form.contains(document.activeElement)) {
        var first = form.querySelector('[name="speaker_q"]');
        if (first) first.focus();
      }
    }
    if (target.id === "statement-cards" || document.getElementById("statement-cards") === target) {
      dedupeSaved();
    }
    var list = document.getElementById("suggestions");
    if (list && (target === list || target.id === "suggestions" || !target.isConnected)) {
      var marked = list.querySelector("li.suggestion[data-current]");
      if (marked) {
        marked.removeAttribute("data-current"); // once: later refreshes must not take the focus
        setCurrent(marked, true);
      }
      else if (current()) setCurrent(current(), false);
      else paint();
    }
  });

  document.documentElement.classList.add("js"); // shows the .js-only controls (annotate.css)

  htmx.onLoad(function (elt) {
    if (!elt.querySelectorAll) return;
    if (elt.id === "source-text" || elt.id === "suggestions" || elt.querySelector("#source-text, #suggestions")) {
      paint();
    }
  });
})();
