// Entry at the speed of a conversation (decision 0026), on top of autosave.js:
// - number keys 0-5 rate the focused item (its radio group keeps being a radio group) and
//   move focus to the next item that still needs a rating or a confirmation; a key above
//   the item's scale is refused with a visible hint. Keys typed in text fields, text areas
//   and selects are never taken;
// - each rating is saved by autosave.js's own change event (one request per key press);
// - carried ratings (a follow-up started from the previous ratings) are confirmed by
//   pressing their number again, by their Confirm button or by "Confirm all in this section";
// - the sticky counters follow every rating; #entry-announce says each one once, politely;
// - compact view hides the anchors, shown per item on demand; the choice is kept in this
//   browser per user. Without JavaScript the page is the full page and the buttons post.
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form) { return; }
  var endpoint = form.dataset.autosaveUrl;
  var COMPACT_KEY = "rootmap.entry.compact:" + (form.dataset.autosaveScope || "").split(":")[0];
  var SECTION_LABELS = { history: "History", functioning: "Functioning", relational: "Relationships" };

  function ratings() {
    return Array.prototype.slice.call(form.querySelectorAll("fieldset.rating[data-rating]"));
  }

  function radios(fs) {
    return Array.prototype.slice.call(fs.querySelectorAll('input[type="radio"]'));
  }

  function checked(fs) {
    return radios(fs).find(function (r) { return r.checked; }) || null;
  }

  function isRated(fs) {
    var c = checked(fs);
    return (c && c.value !== "") || fs.hasAttribute("data-carried-history");
  }

  // Carried and not confirmed; one whose save is on its way counts as confirmed (the mark
  // comes back if the save fails).
  function unconfirmed(fs) {
    return fs.hasAttribute("data-unconfirmed") && !fs.hasAttribute("data-confirming");
  }

  function needsAttention(fs) {
    return !isRated(fs) || unconfirmed(fs);
  }

  function reachable(fs) {
    // A period folded away (carried by the model) is not on the way.
    var folded = fs.closest("details");
    return !(folded && !folded.open) && !fs.closest("[hidden]");
  }

  // --- Counters ------------------------------------------------------------------------

  function counts(section) {
    var all = ratings().filter(function (fs) { return !section || fs.dataset.section === section; });
    return {
      rated: all.filter(isRated).length, total: all.length,
      carried: all.filter(unconfirmed).length
    };
  }

  function setCount(el, c) {
    var b = el && el.querySelector("[data-progress-count]");
    if (b) { b.textContent = c.rated + " of " + c.total; }
  }

  function update() {
    Object.keys(SECTION_LABELS).forEach(function (section) {
      var c = counts(section);
      setCount(document.querySelector('[data-progress="' + section + '"]'), c);
      var box = document.querySelector('[data-section-progress="' + section + '"]');
      if (!box) { return; }
      setCount(box, c);
      var carried = box.querySelector("[data-section-carried]");
      var button = box.querySelector("[data-confirm-section]");
      if (carried) { carried.hidden = c.carried === 0; carried.querySelector("[data-carried-count]").textContent = c.carried; }
      if (button) { button.hidden = c.carried === 0; }
    });
    var all = counts(null);
    setCount(document.querySelector('[data-progress="overall"]'), all);
    var carried = document.querySelector("[data-progress-carried]");
    if (carried) { carried.hidden = all.carried === 0; carried.querySelector("[data-carried-count]").textContent = all.carried; }
  }

  function announce(text) {
    var live = document.getElementById("entry-announce");
    if (live) { live.textContent = text; }
  }

  function hint(fs, text) {
    var p = fs.querySelector(".rating__keyhint");
    if (!p) {
      p = document.createElement("p");
      p.className = "rating__keyhint";
      fs.querySelector(".rating__options").before(p);
    }
    p.textContent = text;
    p.hidden = !text;
  }

  // --- Moving on -------------------------------------------------------------------------

  function focusItem(fs) {
    var target = checked(fs) || radios(fs)[0];
    target.focus({ preventScroll: true });
    fs.scrollIntoView({ block: "center" });
  }

  function finishButton() {
    return form.querySelector('button[name="action"][value="finalise"]');
  }

  function moveOn(from) {
    var list = ratings().filter(reachable);
    var after = list.slice(list.indexOf(from) + 1);
    var next = after.find(needsAttention) || after[0];
    if (next) { focusItem(next); return; }
    var done = finishButton();
    if (done) { done.focus({ preventScroll: true }); done.scrollIntoView({ block: "center" }); }
  }

  // Saving through autosave.js: the change event it and htmx listen to.
  function save(radio) {
    var fs = radio.closest("fieldset.rating");
    if (fs.hasAttribute("data-unconfirmed")) { fs.setAttribute("data-confirming", ""); }
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function wordOf(radio) {
    var word = radio.closest("label").querySelector(".rating__word");
    return word ? word.textContent : "";
  }

  function labelOf(fs) {
    return fs.querySelector(".rating__label").textContent;
  }

  function progressText(fs) {
    var c = counts(fs.dataset.section);
    return SECTION_LABELS[fs.dataset.section] + " " + c.rated + " of " + c.total + " rated.";
  }

  function rate(fs, key) {
    var radio = radios(fs).find(function (r) { return r.value === key; });
    if (!radio) {
      var text = "This scale is 0 to " + fs.dataset.top + ": " + key + " is not a level here.";
      hint(fs, text);
      announce(text);
      return;
    }
    hint(fs, "");
    var confirming = radio.checked && unconfirmed(fs);
    if (!radio.checked || confirming) {
      radio.checked = true;
      save(radio);
    }
    update();
    announce(labelOf(fs) + ": " + key + " " + wordOf(radio) + (confirming ? ", confirmed. " : ". ") + progressText(fs));
    moveOn(fs);
  }

  function typedInto(el) {
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") { return true; }
    return el.tagName === "INPUT" && el.type !== "radio" && el.type !== "checkbox";
  }

  form.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !/^[0-9]$/.test(event.key)) { return; }
    if (typedInto(event.target)) { return; }
    var fs = event.target.closest("fieldset.rating[data-rating]");
    if (!fs || event.target.closest(".rating__notes, details.rating__comment, .item-comment")) { return; }
    event.preventDefault();
    rate(fs, event.key);
  });

  // --- Carried ratings ---------------------------------------------------------------------

  function unmark(fs) {
    fs.removeAttribute("data-unconfirmed");
    fs.classList.remove("rating--carried");
    var note = fs.querySelector(".rating__carried");
    if (note) { note.remove(); }
    radios(fs).forEach(function (r) {
      var ids = (r.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) { return id.indexOf("carried-") !== 0; });
      r.setAttribute("aria-describedby", ids.join(" "));
    });
  }

  form.addEventListener("click", function (event) {
    var one = event.target.closest("[data-confirm]");
    var section = event.target.closest("[data-confirm-section]");
    if (one) {
      event.preventDefault();
      var fs = one.closest("fieldset.rating");
      var radio = checked(fs);
      if (radio) { rate(fs, radio.value); }
    } else if (section) {
      event.preventDefault();
      var name = section.dataset.confirmSection;
      var waiting = ratings().filter(function (fs) { return fs.dataset.section === name && unconfirmed(fs); });
      waiting.forEach(function (fs) { var r = checked(fs); if (r) { save(r); } });
      announce("Confirming " + waiting.length + " carried ratings in " + SECTION_LABELS[name] + ".");
      update();
      var next = ratings().filter(reachable).find(needsAttention);
      if (next) { focusItem(next); } else if (finishButton()) { finishButton().focus(); }
    }
  });

  // A rating the server saved is the clinician's own: the carried mark goes with it.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var d = event.detail, elt = d.requestConfig && d.requestConfig.elt;
    if (!elt || d.requestConfig.path !== endpoint || !elt.closest) { return; }
    var fs = elt.closest("fieldset.rating[data-rating]");
    if (!fs) { return; }
    fs.removeAttribute("data-confirming");
    if (d.xhr.status === 200 && fs.hasAttribute("data-unconfirmed")) { unmark(fs); }
    update();
  });

  form.addEventListener("change", function (event) {
    if (event.target.type !== "radio") { return; }
    var fs = event.target.closest("fieldset.rating[data-unconfirmed]");
    if (fs) { fs.setAttribute("data-confirming", ""); }  // any save of it takes the mark off
    update();
  });

  // --- Compact view ----------------------------------------------------------------------------

  function storedCompact() {
    try { return localStorage.getItem(COMPACT_KEY) === "1"; } catch (e) { return false; }
  }

  function setCompact(on) {
    form.classList.toggle("entry-form--compact", on);
    var toggle = document.getElementById("compact-toggle");
    if (toggle) { toggle.setAttribute("aria-pressed", on ? "true" : "false"); }
    try { localStorage.setItem(COMPACT_KEY, on ? "1" : "0"); } catch (e) { /* storage off */ }
  }

  function addAnchorButtons() {
    ratings().forEach(function (fs, n) {
      var options = fs.querySelector(".rating__options");
      if (!fs.querySelector(".rating__anchor") || fs.querySelector(".rating__anchors-toggle")) { return; }
      options.id = options.id || "options-" + fs.id;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rating__anchors-toggle button button--small button--secondary";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", options.id);
      button.innerHTML = 'Anchors<span class="visually-hidden"></span>';
      button.lastChild.textContent = " for " + labelOf(fs);
      button.addEventListener("click", function () {
        var open = fs.classList.toggle("rating--anchors-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
      options.before(button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addAnchorButtons();
    var toggle = document.getElementById("compact-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () { setCompact(!form.classList.contains("entry-form--compact")); });
    }
    setCompact(storedCompact());
    update();
  });
}());
