/*
 * The Markdown editor of the Wagtail admin (cms/markdown_editing.py): EasyMDE, as bundled by
 * wagtail-markdown, on a textarea with data-controller="markdown-editor".
 *
 * - The preview is rendered by the site (POST to the preview URL), so it is exactly the
 *   sanitised HTML the page will publish; EasyMDE's own browser-side Markdown is never used.
 * - Nothing is fetched from elsewhere: no Font Awesome (the toolbar uses the admin's icons), no
 *   spelling dictionary (the browser's own spell check is used).
 * - Tab and Shift+Tab move between fields, as in every other field of the form.
 * - The textarea keeps the text at every change, so the form saves what is shown; without
 *   JavaScript the textarea is all there is, and it works on its own.
 */
(() => {
  const PREVIEW_DELAY_MS = 300;
  const PREVIEW_FAILED =
    "The preview could not be shown just now. Your text is not lost: it is saved with the page. " +
    "Try again in a moment; if it keeps happening, tell the site's administrators.";
  const SIGNED_OUT =
    "The preview could not be shown because you have been signed out. Your text is still here: " +
    "sign in again in another tab, then come back and save the page.";

  // A toolbar button: the admin's own icon and a word, so nothing depends on Font Awesome.
  function button(name, action, iconName, text) {
    return {
      name,
      action,
      title: text,
      icon:
        `<svg class="icon icon-${iconName}" aria-hidden="true"><use href="#icon-${iconName}">` +
        `</use></svg><span class="markdown-editor__button-text">${text}</span>`,
      className: `markdown-editor__button markdown-editor__button--${name}`,
    };
  }

  // EasyMDE takes its buttons out of the tab order. As in any toolbar, Tab reaches one button
  // and the arrow keys, Home and End move between them.
  function makeKeyboardToolbar(toolbar) {
    const buttons = [...toolbar.querySelectorAll("button")];
    buttons.forEach((item, index) => {
      item.tabIndex = index === 0 ? 0 : -1;
    });
    toolbar.addEventListener("keydown", (event) => {
      const current = buttons.indexOf(document.activeElement);
      if (current < 0) return;
      const last = buttons.length - 1;
      const next = {
        ArrowRight: current === last ? 0 : current + 1,
        ArrowLeft: current === 0 ? last : current - 1,
        Home: 0,
        End: last,
      }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      buttons[current].tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
    });
  }

  function labelFor(textarea, fallback) {
    const label = textarea.id && document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`);
    if (label) {
      const copy = label.cloneNode(true);
      copy.querySelectorAll(".w-required-mark").forEach((mark) => mark.remove());
      const text = copy.textContent.trim();
      if (text) return text;
    }
    return fallback || "Markdown text";
  }

  class MarkdownEditorController extends window.StimulusModule.Controller {
    static values = { previewUrl: String, label: String };

    connect() {
      if (this.editor) {
        // Moved in the page (a block reordered): the editor stays, it only redraws.
        this.editor.codemirror.refresh();
        return;
      }
      const textarea = this.element;
      const label = labelFor(textarea, this.labelValue);
      this.lastText = null;
      this.lastHtml = "";
      this.timer = null;
      this.request = null;

      this.editor = new window.EasyMDE({
        element: textarea,
        autoDownloadFontAwesome: false,
        spellChecker: false,
        nativeSpellcheck: true,
        forceSync: true,
        status: false,
        autofocus: false,
        minHeight: "8em",
        sideBySideFullscreen: false,
        autoRefresh: { delay: 300 },
        previewClass: ["editor-preview", "markdown-editor__preview"],
        // Images are not part of lessons' Markdown (the sanitiser removes them): no shortcut.
        shortcuts: { drawImage: null, togglePreview: null, toggleFullScreen: null },
        toolbar: [
          button("bold", window.EasyMDE.toggleBold, "bold", "Bold"),
          button("italic", window.EasyMDE.toggleItalic, "italic", "Italic"),
          button("heading", window.EasyMDE.toggleHeading2, "h2", "Heading"),
          button("subheading", window.EasyMDE.toggleHeading3, "h3", "Subheading"),
          button("unordered-list", window.EasyMDE.toggleUnorderedList, "list-ul", "List"),
          button("ordered-list", window.EasyMDE.toggleOrderedList, "list-ol", "Numbered list"),
          button("link", window.EasyMDE.drawLink, "link", "Link"),
          button("quote", window.EasyMDE.toggleBlockquote, "openquote", "Quote"),
          "|",
          {
            ...button("preview", (editor) => this.togglePreview(editor), "view", "Preview"),
            noDisable: true,
          },
        ],
        previewRender: (text, preview) => {
          this.schedulePreview(text, preview);
          return null;
        },
      });

      const codemirror = this.editor.codemirror;
      // EasyMDE gives the input it types into no name; screen readers hear the field's label.
      codemirror.setOption("screenReaderLabel", label);
      const input = codemirror.getInputField();
      const describedBy = textarea.getAttribute("aria-describedby");
      if (describedBy) input.setAttribute("aria-describedby", describedBy);
      // Tab moves to the next field (EasyMDE would indent lists and keep the keyboard inside).
      codemirror.setOption("extraKeys", {
        ...codemirror.getOption("extraKeys"),
        Tab: false,
        "Shift-Tab": false,
      });
      codemirror.on("change", () => {
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      });

      const toolbar = this.editor.gui.toolbar;
      toolbar.setAttribute("role", "toolbar");
      toolbar.setAttribute("aria-label", `Formatting: ${label}`);
      makeKeyboardToolbar(toolbar);
      toolbar.querySelectorAll(".separator").forEach((bar) => bar.setAttribute("aria-hidden", "true"));
      const previewButton = this.editor.toolbarElements.preview;
      previewButton.setAttribute("aria-pressed", "false");
      const preview = this.editor.gui.sideBySide;
      preview.setAttribute("role", "region");
      preview.setAttribute("aria-label", `Preview: ${label}`);
    }

    togglePreview(editor) {
      // EasyMDE shows the preview a moment later, so what it will be is read before the toggle.
      const shown = !editor.isSideBySideActive();
      window.EasyMDE.toggleSideBySide(editor);
      editor.toolbarElements.preview.setAttribute("aria-pressed", String(shown));
    }

    schedulePreview(text, preview) {
      if (text === this.lastText) {
        if (preview.innerHTML !== this.lastHtml) preview.innerHTML = this.lastHtml;
        return;
      }
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.renderPreview(text, preview), PREVIEW_DELAY_MS);
    }

    async renderPreview(text, preview) {
      if (this.request) this.request.abort();
      const request = new AbortController();
      this.request = request;
      const config = window.wagtailConfig || {};
      const token =
        config.CSRF_TOKEN ||
        this.element.form?.querySelector("input[name=csrfmiddlewaretoken]")?.value ||
        "";
      preview.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(this.previewUrlValue, {
          method: "POST",
          headers: {
            [config.CSRF_HEADER_NAME || "X-CSRFToken"]: token,
            "X-Requested-With": "XMLHttpRequest",
          },
          body: new URLSearchParams({ text }),
          credentials: "same-origin",
          signal: request.signal,
        });
        const body = await response.text();
        if (response.redirected) {
          // Sent to the sign-in page: its HTML is not a preview.
          this.showProblem(preview, SIGNED_OUT);
        } else if (response.ok) {
          // The site's renderer sanitised this HTML (cms/markdown.py): no script reaches here.
          preview.innerHTML = body;
          this.lastText = text;
          this.lastHtml = body;
        } else {
          this.showProblem(preview, response.status === 400 ? body : PREVIEW_FAILED);
        }
      } catch (error) {
        if (error.name !== "AbortError") this.showProblem(preview, PREVIEW_FAILED);
      } finally {
        if (this.request === request) {
          this.request = null;
          preview.removeAttribute("aria-busy");
        }
      }
    }

    showProblem(preview, message) {
      const paragraph = document.createElement("p");
      paragraph.className = "markdown-editor__problem";
      paragraph.textContent = message;
      preview.replaceChildren(paragraph);
      this.lastText = null;
    }
  }

  window.wagtail.app.register("markdown-editor", MarkdownEditorController);
})();
