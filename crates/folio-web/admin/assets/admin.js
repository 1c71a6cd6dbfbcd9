/*
 * Folio admin: progressive enhancements. Every page works without this file; each
 * feature below checks for what it needs and does nothing when it is missing.
 *
 *   - live preview of the Markdown (POST /admin/preview)
 *   - autosave of drafts (POST to the form's data-autosave-url)
 *   - tag suggestions for the comma-separated tags field (GET /admin/tags.json)
 *   - Ctrl/Cmd+S saves the post
 *   - a warning before leaving the editor with unsaved changes
 *   - images in the editor: upload (a button, or dropping or pasting files into the
 *     text; POST /admin/media), insert at the cursor or use as the feature image
 *   - a confirm dialog for forms with data-confirm (delete, revoke, restore)
 *   - copy buttons, character counters, focus on the error summary
 *
 * Requests send the session cookie, the CSRF token from <meta name="csrf-token"> in the
 * X-CSRF-Token header, and JSON bodies (uploads: multipart). No inline scripts or styles
 * (the CSP forbids them).
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
        err.serverMessage = message;
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

  /* Images ---------------------------------------------------------------------------- */

  /* POSTs one file to the media library as a multipart form (file, alt); resolves with
     the library entry: {id, url, markdown, width, height, alt, original_name, ...}. */
  function uploadImage(url, file, token) {
    var body = new FormData();
    body.append("file", file, file.name || "image");
    body.append("alt", "");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": token },
      body: body
    }).then(readJSON);
  }

  function uploadFailure(err, name) {
    var what = name ? "“" + name + "” was not uploaded: " : "The image was not uploaded: ";
    if (err && err.serverMessage) return what + err.serverMessage.replace(/\.$/, "") + ".";
    return failureText(err, "Upload");
  }

  function setUploadStatus(el, text, state) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("is-busy", state === "busy");
    el.classList.toggle("is-done", state === "done");
    el.classList.toggle("is-error", state === "error");
  }

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  /* A button whose visible text is `label` and whose accessible name goes on with `more`. */
  function makeButton(className, label, more, attribute) {
    var button = make("button", className, label);
    button.type = "button";
    button.setAttribute(attribute, "");
    button.appendChild(make("span", "visually-hidden", more));
    return button;
  }

  /* Puts `text` at the cursor as a paragraph of its own (blank lines around it), through
     the browser's editing so that undo can take it back, and lets the preview, autosave
     and change tracking know with an input event. */
  function insertBlock(textarea, text, atEnd) {
    var value = textarea.value;
    var start = atEnd ? value.length : textarea.selectionStart;
    var end = atEnd ? value.length : textarea.selectionEnd;
    var before = value.slice(0, start);
    var after = value.slice(end);
    var lead = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var tail = /^\n\n/.test(after) ? "" : (/^\n/.test(after) ? "\n" : "\n\n");
    var insert = lead + text + tail;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var inserted = false;
    try {
      inserted = document.execCommand("insertText", false, insert) && textarea.value === before + insert + after;
    } catch (_) { inserted = false; }
    if (!inserted) {
      textarea.value = before + insert + after;
      textarea.setSelectionRange(start + insert.length, start + insert.length);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function initImages(form) {
    var textarea = fieldOf(form, "markdown");
    var url = form.getAttribute("data-media-url");
    var csrf = fieldOf(form, "csrf");
    var token = (csrf && csrf.value) || csrfToken();
    var tools = document.querySelectorAll("[data-upload-tools]");
    if (!textarea || !url || !canFetch() || typeof FormData !== "function") {
      Array.prototype.forEach.call(tools, function (el) { el.hidden = true; });
      return;
    }
    var bodyStatus = document.getElementById("media-upload-status");
    var bodyButton = document.getElementById("editor-insert-image");
    var bodyFile = document.getElementById("editor-image-input");
    var featureStatus = document.getElementById("feature-upload-status");
    var featureButton = document.getElementById("editor-feature-upload");
    var featureFile = document.getElementById("editor-feature-input");
    var featureField = document.getElementById("editor:feature-image");
    var featureAlt = document.getElementById("editor:feature-image-alt");
    var panel = document.getElementById("editor-media-panel");
    var panelStatus = document.getElementById("media-panel-status");
    var list = panel && panel.querySelector("[data-media-list]");
    var queue = Promise.resolve();

    // Until the writer has been in the text, its cursor is at the start: add images at the end.
    var touched = document.activeElement === textarea;
    textarea.addEventListener("focus", function () { touched = true; });

    function insertMarkdown(markdown) {
      insertBlock(textarea, markdown, !touched);
      touched = true;
    }

    /* Uploads the files one after another; `use` puts each answer to work and says what
       it did. A failure stays on show when the others are done. */
    function upload(files, status, use) {
      var batch = Array.prototype.slice.call(files || []);
      if (batch.length === 0) return;
      var failure = "";
      batch.forEach(function (file) {
        queue = queue.then(function () {
          setUploadStatus(status, "Uploading…", "busy");
          return uploadImage(url, file, token)
            .then(function (data) {
              if (!data || typeof data.url !== "string") throw new Error("no url in the answer");
              addToLibrary(data);
              var done = use(data);
              setUploadStatus(status, failure || done, failure ? "error" : "done");
            })
            .catch(function (err) {
              failure = uploadFailure(err, batch.length > 1 ? file.name : "");
              setUploadStatus(status, failure, "error");
            });
        });
      });
    }

    function setFeature(imageUrl, alt, thumbUrl) {
      if (!featureField) return;
      featureField.value = imageUrl;
      featureField.dispatchEvent(new Event("input", { bubbles: true }));
      featureField.dispatchEvent(new Event("change", { bubbles: true }));
      if (featureAlt && alt && featureAlt.value.trim() === "") {
        featureAlt.value = alt;
        featureAlt.dispatchEvent(new Event("input", { bubbles: true }));
        featureAlt.dispatchEvent(new Event("change", { bubbles: true }));
      }
      var fieldset = featureField.closest("fieldset");
      var thumb = fieldset && fieldset.querySelector(".feature-thumb");
      if (!thumb && fieldset) {
        thumb = make("img", "feature-thumb");
        thumb.alt = "";
        thumb.width = 320;
        thumb.height = 180;
        var legend = fieldset.querySelector("legend");
        if (legend) legend.insertAdjacentElement("afterend", thumb); else fieldset.prepend(thumb);
      }
      if (thumb) thumb.src = thumbUrl || imageUrl;
    }

    /* A new upload joins the top of the library panel, like the ones the page came with. */
    function addToLibrary(data) {
      if (!list || data.id == null) return;
      var id = String(data.id);
      var known = Array.prototype.some.call(list.children, function (li) {
        return li.getAttribute("data-media-id") === id;
      });
      if (known) return;
      var name = data.original_name || data.url.split("/").pop();
      var markdown = typeof data.markdown === "string" ? data.markdown : "![](" + data.url + ")";
      var item = make("li", "media-pick");
      item.setAttribute("data-media-item", "");
      item.setAttribute("data-media-id", id);
      item.setAttribute("data-url", data.url);
      item.setAttribute("data-thumb", data.url);
      item.setAttribute("data-markdown", markdown);
      item.setAttribute("data-alt", data.alt || "");
      item.setAttribute("data-name", name);
      var file = data.kind === "file";
      var thumb;
      if (file) {
        thumb = make("span", "media-pick-thumb media-pick-file", (data.url.split(".").pop() || "").toUpperCase());
      } else {
        thumb = make("img", "media-pick-thumb");
        thumb.src = data.url;
        thumb.alt = "";
        if (data.width > 0 && data.height > 0) {
          thumb.width = data.width;
          thumb.height = data.height;
        }
      }
      var info = make("div", "media-pick-info");
      var meta = (data.width > 0 ? data.width + " × " + data.height + " · " : "") + "just uploaded";
      info.append(make("p", "media-pick-name", name), make("p", "media-pick-meta", meta));
      var copy = make("div", "media-pick-copy");
      [["markdown", "Markdown", " for “" + name + "”", markdown], ["url", "URL", " of “" + name + "”", data.url]]
        .forEach(function (field) {
          var label = make("label", "", field[1]);
          label.htmlFor = "editor:media-" + id + "-" + field[0];
          label.appendChild(make("span", "visually-hidden", field[2]));
          var input = make("input", "copy-input");
          input.type = "text";
          input.id = label.htmlFor;
          input.value = field[3];
          input.readOnly = true;
          input.spellcheck = false;
          copy.append(label, input);
        });
      var actions = make("div", "media-pick-actions");
      actions.append(makeButton("button button-tool", "Insert",
        (file ? " a link to" : "") + " “" + name + "” into the text", "data-media-insert"));
      if (!file) {
        actions.append(makeButton("button button-tool", "Use as feature image", ": “" + name + "”", "data-media-feature"));
      }
      item.append(thumb, info, actions, copy);
      list.insertBefore(item, list.firstChild);
      list.hidden = false;
      var empty = panel.querySelector("[data-media-empty]");
      if (empty) empty.remove();
    }

    // Images for the text: the button, dropping files on the text, pasting an image.
    function uploadToText(files) {
      upload(files, bodyStatus, function (data) {
        insertMarkdown(typeof data.markdown === "string" ? data.markdown : "![](" + data.url + ")");
        return data.kind === "file" ? "A link to the file inserted." : "Image inserted.";
      });
    }

    if (bodyButton && bodyFile) {
      bodyButton.addEventListener("click", function () { bodyFile.click(); });
      bodyFile.addEventListener("change", function () {
        uploadToText(bodyFile.files);
        bodyFile.value = "";
      });
    }

    textarea.addEventListener("dragover", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      textarea.classList.add("is-drop-target");
    });
    textarea.addEventListener("dragleave", function () {
      textarea.classList.remove("is-drop-target");
    });
    textarea.addEventListener("drop", function (event) {
      textarea.classList.remove("is-drop-target");
      if (!hasFiles(event)) return; // dropped text: the browser moves it
      event.preventDefault();
      uploadToText(event.dataTransfer.files);
    });
    // A file dropped beside the text would open in place of the editor: ignore it.
    document.addEventListener("dragover", function (event) {
      if (event.defaultPrevented || !hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    });
    document.addEventListener("drop", function (event) {
      if (!event.defaultPrevented && hasFiles(event)) event.preventDefault();
    });

    // A copied picture (a screenshot, "Copy image"). Text that comes with a picture of
    // itself, as from office apps, is pasted as text.
    textarea.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data || !data.files || data.files.length === 0 || data.getData("text/plain")) return;
      var images = Array.prototype.filter.call(data.files, function (file) {
        return /^image\//.test(file.type);
      });
      if (images.length === 0) return;
      event.preventDefault();
      uploadToText(images);
    });

    if (featureButton && featureFile) {
      featureButton.addEventListener("click", function () { featureFile.click(); });
      featureFile.addEventListener("change", function () {
        upload(featureFile.files, featureStatus, function (data) {
          if (data.kind === "file") {
            return "That is not an image, so it cannot be the feature image; it is in the media library.";
          }
          setFeature(data.url, data.alt, data.url);
          return "Uploaded: it is the feature image now.";
        });
        featureFile.value = "";
      });
    }

    if (panel) {
      panel.addEventListener("click", function (event) {
        var button = event.target.closest("[data-media-insert], [data-media-feature]");
        var item = button && button.closest("[data-media-item]");
        if (!item) return;
        var name = item.getAttribute("data-name") || "the image";
        if (button.hasAttribute("data-media-insert")) {
          insertMarkdown(item.getAttribute("data-markdown") || "");
          setUploadStatus(bodyStatus, "Inserted “" + name + "”.", "done");
        } else {
          setFeature(item.getAttribute("data-url") || "", item.getAttribute("data-alt"), item.getAttribute("data-thumb"));
          setUploadStatus(panelStatus, "“" + name + "” is the feature image now.", "done");
        }
      });
    }
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

  /* A Copy button copies the text of the element (or the value of the input) whose id is
     its data-copy, says so on itself for a moment and in the nearest [data-copy-state]. */
  function initCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard || typeof navigator.clipboard.writeText !== "function") return;
      var isInput = source.tagName === "INPUT" || source.tagName === "TEXTAREA";
      var state = null;
      for (var el = button.parentElement; el && !state; el = el.parentElement) {
        state = el.querySelector("[data-copy-state]");
      }
      var label = button.firstChild && button.firstChild.nodeType === 3 ? button.firstChild : null;
      var original = label ? label.nodeValue : "";
      var timer = 0;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = isInput ? source.value : source.textContent.trim();
        navigator.clipboard.writeText(text).then(
          function () {
            if (state) state.textContent = "Copied to the clipboard.";
            if (!label) return;
            label.nodeValue = "Copied";
            button.classList.add("is-copied");
            window.clearTimeout(timer);
            timer = window.setTimeout(function () {
              label.nodeValue = original;
              button.classList.remove("is-copied");
            }, 2000);
          },
          function () {
            if (isInput) {
              source.focus();
              source.select();
            }
            if (state) {
              state.textContent = isInput ? "Could not copy: the text is selected, copy it by hand."
                : "Could not copy: select the token and copy it by hand.";
            }
          }
        );
      });
    });
  }

  /* Read-only text to copy is selected whole when it gets focus or a click. */
  function initCopyInputs() {
    function selectAll(event) {
      var input = event.target;
      if (!input || !input.classList || !input.classList.contains("copy-input") || !input.readOnly) return;
      if (event.type === "focusin" || input.selectionStart === input.selectionEnd) input.select();
    }
    document.addEventListener("focusin", selectAll);
    document.addEventListener("click", selectAll);
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
    initCopyInputs();
    initCounters();
    var editor = document.getElementById("editor-form");
    if (editor) {
      var tracker = trackChanges(editor);
      initPreview(editor);
      initAutosave(editor, tracker);
      initTagSuggestions(editor);
      initSaveShortcut(editor);
      initImages(editor);
    }
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
