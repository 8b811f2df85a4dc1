// Informant and document rows added, removed and given files in place (rootmap.web.sources).
// Without this file the same buttons post the whole entry form to the same URLs, which save
// every field first and come back to the entry page: the page works either way.
// The server answers the section's HTML (sources/_section.html); it replaces the section,
// htmx binds its fields' autosave, and the page's revision follows the one it carries.
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form) { return; }
  var WAIT_MS = 5000;

  // A row action waits for autosaves on their way, so it carries the newest revision.
  function whenIdle(then) {
    var started = Date.now();
    (function check() {
      if (form.querySelector(".htmx-request") && Date.now() - started < WAIT_MS) { setTimeout(check, 50); return; }
      then();
    }());
  }

  function say(section, text) {
    var status = document.getElementById("rows-" + section + "-status");
    if (!status) { return; }
    var span = document.createElement("span");
    span.className = "save-status--error";
    span.textContent = "\u26a0 " + text;
    status.replaceChildren(span);
  }

  function sectionOf(el) {
    var box = el.closest(".source-rows");
    return box ? box.id.replace(/^rows-/, "") : "";
  }

  function send(url, body, section, focusRow) {
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    body.append("revision", document.getElementById("revision").value);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-Rootmap-In-Place": "1" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("text/html") !== 0) {
          throw new Error(response.status === 401 || response.redirected
            ? "Not saved: you are signed out. Reload the page and sign in again."
            : "Not saved: the server answered " + response.status + ". Reload the page.");
        }
        return response.text().then(function (html) { return { status: response.status, html: html }; });
      })
      .then(function (answer) {
        var old = document.getElementById("rows-" + section);
        var holder = document.createElement("div");
        holder.innerHTML = answer.html;
        var fresh = holder.querySelector("#rows-" + section);
        if (!old || !fresh) { say(section, "Not saved: unexpected answer. Reload the page."); return; }
        old.replaceWith(fresh);
        if (window.htmx) { window.htmx.process(fresh); }
        if (answer.status === 200 && fresh.dataset.revision) {
          document.getElementById("revision").value = fresh.dataset.revision;
        }
        var target = null;
        if (focusRow === "last") {
          var rows = fresh.querySelectorAll("fieldset.row-fields");
          target = rows.length ? rows[rows.length - 1].querySelector("input, select") : null;
        }
        (target || fresh.querySelector("[role=status]")).focus({ preventScroll: !target });
      })
      .catch(function (error) { say(section, error.message || "Not saved: no connection."); });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-in-place]");
    if (!button) { return; }
    event.preventDefault();
    var section = sectionOf(button);
    var body = new FormData();
    body.append("action", button.value);
    whenIdle(function () {
      send(button.getAttribute("formaction"), body, section, button.value.indexOf("add:") === 0 ? "last" : null);
    });
  });

  // Choosing a file sends it at once; the Attach button is for pages without this script.
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-upload-url]") || !input.files.length) { return; }
    var section = sectionOf(input);
    var body = new FormData();
    body.append("upload", input.files[0]);
    whenIdle(function () { send(input.dataset.uploadUrl, body, section, null); });
  });

  document.addEventListener("DOMContentLoaded", function () {
    form.classList.add("sources-in-place");
  });
}());
