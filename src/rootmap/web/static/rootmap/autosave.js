// Autosave of the assessment entry page. htmx posts each field as it changes; this file
// makes sure nothing typed is lost:
// - a failed save (signed out, server error, no connection, conflict) says so beside the
//   field and in the page's save status at once, never "Saved";
// - what was typed is kept in localStorage (per user, assessment and field) until the
//   server confirms it, and sent again when the page next loads (after signing in again)
//   or the connection comes back;
// - a form post (Save draft, Review and finalise, add or remove a row) waits for the
//   saves still on their way, so it carries the newest revision.
// The page works without it: the form's Save draft posts every field.
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form) { return; }
  var endpoint = form.dataset.autosaveUrl;
  var prefix = "rootmap.unsent:" + form.dataset.autosaveScope + ":";
  var KEEP_DAYS = 7;            // older leftovers are dropped unsent
  var WAIT_BEFORE_POST_MS = 15000;

  var confirmed = {};  // field -> the value the server holds, as far as this page knows
  var failed = {};     // field -> why its last save failed ("signed-out", "conflict", ...)
  var inFlight = 0;
  var resending = 0;   // kept values being sent again
  var anySaved = false;
  var posting = false;

  var MESSAGES = {
    "signed-out": "Not saved: you are signed out. Kept in this browser; it is sent when you sign in again.",
    "forbidden": "Not saved: the server refused it (403); your sign-in may have changed. Kept in this browser; reload the page to send it.",
    "server": "Not saved: the server failed. Kept in this browser; reload the page to send it again.",
    "offline": "Not saved: no connection. Kept in this browser; it is sent when the connection is back."
  };

  var PAGE_MESSAGES = {
    "forbidden": "The server refused them: reload the page to send them.",
    "server": "The server failed: reload the page to send them again.",
    "offline": "No connection: they are sent when it is back."
  };

  // --- Fields and their values ------------------------------------------------------------

  function controls(name) {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
  }

  function isAutosaved(el) {
    return !!(el && el.name && el.getAttribute("hx-post") === endpoint);
  }

  // The value as shown now, or (initial) as the server rendered it: defaultChecked and
  // defaultValue are not touched by the browser's own restoring of form state.
  function valueOf(name, initial) {
    var els = controls(name);
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.type === "radio") {
        if (initial ? el.defaultChecked : el.checked) { return el.value; }
      } else if (el.tagName === "SELECT") {
        var chosen = Array.prototype.find.call(el.options, function (o) { return initial ? o.defaultSelected : o.selected; });
        return chosen ? chosen.value : "";
      } else {
        return initial ? el.defaultValue : el.value;
      }
    }
    return "";
  }

  // Puts a value in the field; returns the control whose change event saves it.
  function show(name, value) {
    var els = controls(name);
    for (var i = 0; i < els.length; i++) {
      if (els[i].type === "radio") {
        els[i].checked = els[i].value === value;
        if (els[i].checked) { return els[i]; }
      } else {
        els[i].value = value;
        return els[i];
      }
    }
    return null;
  }

  function statusOf(name) {
    var el = controls(name)[0];
    var ids = el ? (el.getAttribute("aria-describedby") || "").split(/\s+/) : [];
    var id = ids.find(function (x) { return x.indexOf("status-") === 0; });
    return id ? document.getElementById(id) : null;
  }

  function say(name, kind, text) {
    var target = statusOf(name);
    if (!target) { return; }
    var span = document.createElement("span");
    span.className = "save-status--" + kind;
    span.textContent = (kind === "error" || kind === "conflict" ? "\u26a0 " : "") + text;
    target.replaceChildren(span);
  }

  // --- What is kept in this browser ------------------------------------------------------

  function kept(name) {
    try { return JSON.parse(localStorage.getItem(prefix + name)); } catch (e) { return null; }
  }

  function keep(name, entry) {
    try { localStorage.setItem(prefix + name, JSON.stringify(entry)); } catch (e) { /* storage full or off */ }
  }

  function forget(name) {
    try { localStorage.removeItem(prefix + name); } catch (e) { /* storage off */ }
  }

  function keptNames() {
    var names = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key.indexOf(prefix) === 0) { names.push(key.slice(prefix.length)); }
      }
    } catch (e) { /* storage off */ }
    return names;
  }

  // Typed: keep it, with the value it replaces (to tell a real conflict later).
  function remember(name) {
    var value = valueOf(name);
    delete failed[name];
    if (value === confirmed[name]) { forget(name); } else {
      keep(name, { value: value, base: confirmed[name], at: Date.now() });
    }
    render();
  }

  // Waiting to go: typed but not yet confirmed, and not failed.
  function waiting() {
    return inFlight > 0 || keptNames().some(function (name) {
      var entry = kept(name);
      return entry && !failed[name] && controls(name).length && entry.value !== confirmed[name];
    });
  }

  // --- The page's save status --------------------------------------------------------------

  function render() {
    var state = document.getElementById("draft-state");
    if (!state) { return; }
    var reasons = Object.keys(failed).map(function (name) { return failed[name]; });
    var text, link = null;
    if (reasons.length) {
      var n = reasons.length === 1 ? "1 change is" : reasons.length + " changes are";
      if (reasons.indexOf("signed-out") >= 0) {
        text = "Not saved: you are signed out. " + n + " kept in this browser only. ";
        link = "Sign in again";
      } else if (reasons.indexOf("conflict") >= 0) {
        text = "Not saved: this assessment changed elsewhere. Reload the page; " + n + " kept in this browser.";
      } else {
        text = "Not saved: " + n + " kept in this browser only. " + PAGE_MESSAGES[reasons[0]];
      }
    } else if (resending) {
      text = "Sending " + (resending === 1 ? "1 change" : resending + " changes") + " kept in this browser\u2026";
    } else if (inFlight) {
      text = "Saving\u2026";
    } else if (anySaved) {
      text = "All changes saved";
    } else {
      return;
    }
    var parts = [document.createTextNode(text)];
    if (link) {
      var a = document.createElement("a");
      a.href = form.dataset.signInUrl;
      a.textContent = link;
      parts.push(a);
    }
    state.replaceChildren.apply(state, parts);
    state.parentElement.classList.toggle("draft-state-wrap--failed", reasons.length > 0);
  }

  // --- Each autosave request ------------------------------------------------------------------

  function autosaveOf(event) {
    var d = event.detail;
    return d && d.requestConfig && d.requestConfig.path === endpoint && isAutosaved(d.requestConfig.elt)
      ? d.requestConfig.elt.name : null;
  }

  function redirected(xhr) {
    return !!xhr.responseURL && new URL(xhr.responseURL).pathname !== endpoint;
  }

  function failure(xhr) {
    if (xhr.status === 401 || redirected(xhr)) { return "signed-out"; }  // a redirect goes to sign in
    if (xhr.status === 0) { return "offline"; }
    if (xhr.status === 403) { return "forbidden"; }
    return "server";
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var name = autosaveOf(event);
    if (!name) { return; }
    // The form's values were read just now, so this is the value being sent.
    event.detail.xhr.rootmapSent = { name: name, value: valueOf(name), resend: !!event.detail.requestConfig.elt.rootmapResend };
    event.detail.requestConfig.elt.rootmapResend = false;
    inFlight += 1;
    render();
  });

  // The fragments of a refusal (422) and a conflict (409) carry their messages: show them.
  // A page reached by a redirect (the sign-in page) is never swapped in.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!autosaveOf(event)) { return; }
    if (redirected(xhr)) {
      event.detail.shouldSwap = false;
    } else if (xhr.status === 409 || xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var sent = event.detail.xhr.rootmapSent;
    if (!sent) { return; }
    var xhr = event.detail.xhr, name = sent.name, entry = kept(name);
    inFlight -= 1;
    if (sent.resend) { resending = Math.max(0, resending - 1); }
    var answered = !redirected(xhr);
    if (xhr.status === 200 && answered) {
      anySaved = true;
      confirmed[name] = sent.value;
      delete failed[name];
      if (entry && entry.value === sent.value) { forget(name); } else if (entry) {
        entry.base = sent.value;  // typed on since: the newer value is still to be sent
        keep(name, entry);
      }
    } else if (xhr.status === 422 && answered) {
      delete failed[name];  // refused with its reason beside the field: nothing to send again
      if (entry && entry.value === sent.value) { forget(name); }
    } else if (xhr.status === 409 && answered) {
      failed[name] = "conflict";  // kept: the next load sends it only if this field is unchanged
    } else {
      failed[name] = failure(xhr);
      say(name, "error", MESSAGES[failed[name]]);
    }
    render();
    // A save got through, so the server is reachable again: send what waited for the
    // connection. A server that was down (restarted, redeployed) while the browser stayed
    // online never fires "online", and "sent when the connection is back" must be true.
    if (xhr.status === 200 && answered) { sendKept(waitingForConnection()); }
  });

  function waitingForConnection() {
    return Object.keys(failed).filter(function (name) { return failed[name] === "offline" || failed[name] === "server"; });
  }

  form.addEventListener("input", function (event) { if (isAutosaved(event.target)) { remember(event.target.name); } });
  form.addEventListener("change", function (event) { if (isAutosaved(event.target)) { remember(event.target.name); } });

  // --- Sending kept values again ---------------------------------------------------------------

  // A kept value is sent when the field still holds what it replaced; when the server's
  // value changed meanwhile (another tab, a colleague), that is a real conflict: the
  // typed value is shown, not sent.
  function sendKept(names) {
    var now = Date.now();
    names.forEach(function (name) {
      var entry = kept(name);
      if (!entry || now - (entry.at || 0) > KEEP_DAYS * 86400000) { forget(name); return; }
      if (!controls(name).length) { return; }  // not on this page (e.g. a removed row): keep it
      var server = confirmed[name];
      if (entry.value === server) { forget(name); delete failed[name]; return; }
      var control = show(name, entry.value);
      if (entry.base !== server) {
        failed[name] = "conflict";
        say(name, "conflict", "Not saved: while this waited in your browser it was changed elsewhere to " +
            (server === "" ? "empty (not rated)" : "\u201c" + server + "\u201d") +
            ". Yours is shown: Save draft keeps it; choosing the stored value drops it.");
        return;
      }
      delete failed[name];
      resending += 1;
      say(name, "saving", "Sending what you typed earlier\u2026");
      control.rootmapResend = true;
      control.dispatchEvent(new Event("change", { bubbles: true }));
    });
    render();
  }

  window.addEventListener("online", function () { sendKept(waitingForConnection()); });

  // A form post waits for the saves on their way (else it carries an old revision and
  // reads as a conflict), then goes; after a while it goes anyway (it posts every field).
  form.addEventListener("submit", function (event) {
    if (posting || !waiting()) { return; }
    event.preventDefault();
    posting = true;
    var submitter = event.submitter, started = Date.now();
    var state = document.getElementById("draft-state");
    if (state) { state.textContent = "Waiting for the last changes to be saved\u2026"; }
    (function check() {
      if (waiting() && Date.now() - started < WAIT_BEFORE_POST_MS) { setTimeout(check, 100); return; }
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    }());
  });

  // After htmx has set the page up (its own DOMContentLoaded handler runs first).
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (isAutosaved(el) && !(el.name in confirmed)) { confirmed[el.name] = valueOf(el.name, true); }
    });
    // A page showing a refused form post holds typed values, not stored ones: compare nothing.
    if (!form.hasAttribute("data-autosave-refused")) { sendKept(keptNames()); }
  });
}());
