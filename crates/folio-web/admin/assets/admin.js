/*
 * Folio admin: progressive enhancements. Every page works without this file; each
 * feature below checks for what it needs and does nothing when it is missing.
 *
 *   - live preview of the Markdown (POST /admin/preview)
 *   - autosave of drafts (POST to the form's data-autosave-url)
 *   - tag suggestions for the comma-separated tags field (GET /admin/tags.json)
 *   - Ctrl/Cmd+S saves the post
 *   - a warning before leaving the editor with unsaved changes
 *   - a confirm dialog for forms with data-confirm (delete, revoke, restore)
 *   - copy buttons, character counters, focus on the error summary
 *
 * Requests send the session cookie, the CSRF token from <meta name="csrf-token"> in the
 * X-CSRF-Token header, and JSON bodies. No inline scripts or styles (the CSP forbids them).
 */
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 300;
  var AUTOSAVE_EVERY_MS = 5000;

  // Set when a form is submitted on purpose (delete, sign out): no unsaved-changes warning.
  var leaving = false;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function canFetch() {
    return typeof window.fetch === "function" && typeof window.JSON === "object";
  }

  /* POST a JSON body; resolves with the parsed JSON answer, rejects with an Error whose
     `status` is the HTTP status (0 for a network failure). */
  function postJSON(url, body, options) {
    var init = {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify(body)
    };
    if (options && options.signal) init.signal = options.signal;
    if (options && options.keepalive) init.keepalive = true;
    return fetch(url, init).then(readJSON);
  }

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(readJSON);
  }

  function readJSON(response) {
    if (!response.ok) {
      return response.text().then(function (text) {
        var message = "";
        try {
          var data = JSON.parse(text);
          message = (data && data.error && data.error.message) || "";
        } catch (_) { /* not JSON */ }
        var err = new Error(message || "HTTP " + response.status);
        err.status = response.status;
        throw err;
      });
    }
    return response.json();
  }

  function failureText(err, what) {
    if (err && err.status === 401) return what + " failed: you were signed out. Sign in again in another tab.";
    if (err && err.status === 403) return what + " failed: the page is too old. Reload it (copy your text first).";
    if (err && err.status) return what + " failed (" + err.status + ").";
    return what + " failed: no connection.";
  }

  function fieldOf(form, name) {
    var el = form.elements.namedItem(name);
    return el && el.nodeType === 1 ? el : null;
  }

  function debounce(fn, ms) {
    var timer = 0;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, ms);
    };
  }

  /* "2026-12-01T10:15:00Z" → the reader's local time; anything else is shown as given. */
  function displayTime(value) {
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) {
      var date = new Date(value);
      if (!isNaN(date.getTime())) {
        return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      }
    }
    return String(value == null ? "" : value);
  }

  /* Live preview ------------------------------------------------------------------ */

  function initPreview(form) {
    var textarea = fieldOf(form, "markdown");
    var target = form.querySelector("[data-preview-target]");
    var url = form.getAttribute("data-preview-url");
    if (!textarea || !target || !url || !canFetch()) return;
    var pane = target.closest(".editor-preview");
    var state = document.getElementById("editor-preview-state");
    var controller = null;
    var sequence = 0;
    var lastSent = null;

    function setState(text, isError) {
      if (!state) return;
      state.textContent = text;
      state.classList.toggle("is-error", !!isError);
    }

    function render() {
      var markdown = textarea.value;
      if (markdown === lastSent) return;
      lastSent = markdown;
      if (controller && typeof controller.abort === "function") controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var mine = ++sequence;
      if (pane) pane.classList.add("is-stale");
      setState("Updating…");
      postJSON(url, { markdown: markdown }, { signal: controller ? controller.signal : undefined })
        .then(function (data) {
          if (mine !== sequence) return;
          if (data && typeof data.html === "string") {
            if (data.html.trim() === "") {
              target.innerHTML = "";
              var p = document.createElement("p");
              p.className = "preview-placeholder";
              p.textContent = "Start writing to see the preview.";
              target.appendChild(p);
            } else {
              // The server sanitizes this HTML (the same pipeline as published posts).
              target.innerHTML = data.html;
            }
          }
          if (pane) pane.classList.remove("is-stale");
          setState("");
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          if (mine !== sequence) return;
          lastSent = null; // try again on the next keystroke
          if (pane) pane.classList.remove("is-stale");
          setState(failureText(err, "Preview"), true);
        });
    }

    textarea.addEventListener("input", debounce(render, PREVIEW_DELAY_MS));
    // The page may arrive without a rendered preview (editing an existing post).
    if (textarea.value.trim() !== "" && target.querySelector(".preview-placeholder")) {
      render();
    } else {
      lastSent = textarea.value;
    }
  }

  /* Autosave of drafts ---------------------------------------------------------------- */

  function initAutosave(form, tracker) {
    var url = form.getAttribute("data-autosave-url");
    if (!url || form.getAttribute("data-status") !== "draft" || !canFetch()) return;
    var title = fieldOf(form, "title");
    var markdown = fieldOf(form, "markdown");
    var status = document.getElementById("editor-save-state");
    if (!title || !markdown) return;
    var saved = { title: title.value, markdown: markdown.value };
    var busy = false;
    var stopped = false;

    function setStatus(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("is-error", !!isError);
    }

    function save(keepalive) {
      if (busy || stopped) return;
      var now = { title: title.value, markdown: markdown.value };
      if (now.title === saved.title && now.markdown === saved.markdown) return;
      busy = true;
      postJSON(url, now, { keepalive: !!keepalive })
        .then(function (data) {
          saved = now;
          tracker.markSaved(["title", "markdown"]);
          setStatus("Saved at " + displayTime(data && data.saved_at), false);
        })
        .catch(function (err) {
          setStatus(failureText(err, "Autosave"), true);
          // Signed out, a stale page, a deleted post, or no longer a draft: trying again won't help.
          if (err && [401, 403, 404, 409].indexOf(err.status) !== -1) stopped = true;
        })
        .then(function () { busy = false; });
    }

    var timer = window.setInterval(function () { save(false); }, AUTOSAVE_EVERY_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") save(true);
    });
    form.addEventListener("submit", function () {
      stopped = true;
      window.clearInterval(timer);
    });
  }

  /* Unsaved changes ------------------------------------------------------------------- */

  function trackChanges(form) {
    var names = ["title", "markdown", "slug", "tags", "excerpt", "feature_image", "feature_image_alt",
      "seo_title", "seo_description", "canonical_url", "published_at"];
    var baseline = {};
    var submitting = false;
    names.forEach(function (name) {
      var el = fieldOf(form, name);
      if (el) baseline[name] = el.value;
    });

    function dirty() {
      return names.some(function (name) {
        var el = fieldOf(form, name);
        return el && baseline[name] !== el.value;
      });
    }

    form.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) submitting = true;
    });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || leaving || !dirty()) return;
      event.preventDefault();
      event.returnValue = "";
    });
    // Coming back with the back button: the page may be restored from the cache.
    window.addEventListener("pageshow", function () { submitting = false; });

    return {
      markSaved: function (which) {
        which.forEach(function (name) {
          var el = fieldOf(form, name);
          if (el) baseline[name] = el.value;
        });
      }
    };
  }

  /* Tag suggestions --------------------------------------------------------------------- */

  function initTagSuggestions(form) {
    var input = form.querySelector("[data-tag-input]");
    var url = form.getAttribute("data-tags-url");
    if (!input || !url || !canFetch() || !("options" in document.createElement("datalist"))) return;
    var list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("list", list.id);
    var tags = null;
    var loading = false;

    function load() {
      if (tags || loading) return;
      loading = true;
      getJSON(url)
        .then(function (data) {
          tags = Array.isArray(data) ? data.filter(function (t) { return t && typeof t.name === "string"; }) : [];
          update();
        })
        .catch(function () { tags = []; });
    }

    // The browser matches the whole value against the options, so each option is the
    // text typed so far with its last item completed: "rust, da" → "rust, Databases".
    function update() {
      if (!tags) return;
      var value = input.value;
      var cut = value.lastIndexOf(",");
      var head = cut >= 0 ? value.slice(0, cut + 1) + " " : "";
      var last = (cut >= 0 ? value.slice(cut + 1) : value).trim().toLowerCase();
      var used = {};
      value.split(",").forEach(function (part) { used[part.trim().toLowerCase()] = true; });
      var fragment = document.createDocumentFragment();
      var count = 0;
      for (var i = 0; i < tags.length && count < 20; i++) {
        var name = tags[i].name;
        var lower = name.toLowerCase();
        if (used[lower] && lower !== last) continue;
        if (last && lower.indexOf(last) === -1) continue;
        if (lower === last) continue;
        var option = document.createElement("option");
        option.value = head + name;
        fragment.appendChild(option);
        count++;
      }
      list.replaceChildren(fragment);
    }

    input.addEventListener("focus", load);
    input.addEventListener("input", update);
  }

  /* Ctrl/Cmd + S --------------------------------------------------------------------- */

  function initSaveShortcut(form) {
    var button = form.querySelector("[data-intent-save]");
    if (!button) return;
    document.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      if (event.key !== "s" && event.key !== "S") return;
      event.preventDefault();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(button);
      } else {
        button.click();
      }
    });
  }

  /* Confirm dialog ----------------------------------------------------------------------- */

  function confirmDialog(message, confirmLabel) {
    return new Promise(function (resolve) {
      if (typeof HTMLDialogElement !== "function") {
        resolve(window.confirm(message));
        return;
      }
      var dialog = document.createElement("dialog");
      dialog.className = "confirm-dialog";
      var id = "confirm-" + Date.now();
      dialog.setAttribute("aria-labelledby", id);
      var text = document.createElement("p");
      text.className = "confirm-dialog-message";
      text.id = id;
      text.textContent = message;
      var row = document.createElement("div");
      row.className = "button-row";
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "button button-quiet";
      cancel.textContent = "Cancel";
      var ok = document.createElement("button");
      ok.type = "button";
      ok.className = "button button-danger";
      ok.textContent = confirmLabel || "Confirm";
      row.append(cancel, ok);
      dialog.append(text, row);
      document.body.appendChild(dialog);
      var result = false;
      cancel.addEventListener("click", function () { dialog.close(); });
      ok.addEventListener("click", function () { result = true; dialog.close(); });
      dialog.addEventListener("close", function () {
        dialog.remove();
        resolve(result);
      });
      dialog.showModal();
      cancel.focus();
    });
  }

  function initConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      var confirmed = false;
      form.addEventListener("submit", function (event) {
        if (confirmed) return;
        event.preventDefault();
        var opener = event.submitter || document.activeElement;
        confirmDialog(form.getAttribute("data-confirm"), form.getAttribute("data-confirm-button"))
          .then(function (yes) {
            if (yes) {
              confirmed = true;
              leaving = true;
              form.submit();
            } else if (opener && typeof opener.focus === "function") {
              opener.focus();
            }
          });
      });
    });
  }

  /* Small things ------------------------------------------------------------------------- */

  function initCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard || typeof navigator.clipboard.writeText !== "function") return;
      var state = button.closest("section") && button.closest("section").querySelector("[data-copy-state]");
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(
          function () { if (state) state.textContent = "Copied to the clipboard."; },
          function () { if (state) state.textContent = "Could not copy: select the token and copy it by hand."; }
        );
      });
    });
  }

  function initCounters() {
    document.querySelectorAll("[data-count]").forEach(function (field) {
      var limit = parseInt(field.getAttribute("data-count"), 10);
      if (!(limit > 0)) return;
      var out = document.createElement("p");
      out.className = "char-count";
      out.id = field.id + "-count";
      field.insertAdjacentElement("afterend", out);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
      function update() {
        var n = field.value.length;
        out.textContent = n + " / " + limit;
        out.classList.toggle("is-over", n > limit);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  function revealJsOnly() {
    document.querySelectorAll(".js-only[hidden]:not([data-copy])").forEach(function (el) {
      el.hidden = false;
    });
  }

  function focusErrorSummary() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary && typeof summary.focus === "function") summary.focus();
  }

  /* Start ------------------------------------------------------------------------------- */

  function start() {
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) leaving = true;
    });
    window.addEventListener("pageshow", function () { leaving = false; });
    revealJsOnly();
    initConfirmations();
    initCopyButtons();
    initCounters();
    var editor = document.getElementById("editor-form");
    if (editor) {
      var tracker = trackChanges(editor);
      initPreview(editor);
      initAutosave(editor, tracker);
      initTagSuggestions(editor);
      initSaveShortcut(editor);
    }
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
