// Shared pieces: modal dialogs, labelled form fields, confirmations,
// status messages.
import { html, useEffect, useLayoutEffect, useRef, useState } from '../vendor/preact-htm.js';

let nextId = 0;
export function useId(prefix) {
  const ref = useRef(null);
  if (ref.current === null) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// A modal <dialog>: the page behind is inert, Tab and Shift+Tab cycle inside,
// Esc closes, and focus returns where it was on close.
export function Dialog({ title, onClose, children, wide = false, describedBy }) {
  const ref = useRef(null);
  const titleId = useId('dialog-title');
  useLayoutEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    dialog.showModal();
    const first = dialog.querySelector('[autofocus]') || dialog.querySelector(FOCUSABLE);
    if (first) first.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
    };
  }, []);
  const onKeyDown = (event) => {
    if (event.key !== 'Tab') return;
    const items = [...ref.current.querySelectorAll(FOCUSABLE)].filter(
      (el) => el.offsetParent !== null,
    );
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };
  const onCancel = (event) => {
    event.preventDefault();
    onClose();
  };
  return html`
    <dialog
      ref=${ref}
      class=${wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby=${titleId}
      aria-describedby=${describedBy}
      onCancel=${onCancel}
      onKeyDown=${onKeyDown}
    >
      <div class="dialog-head">
        <h2 id=${titleId}>${title}</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick=${onClose}>×</button>
      </div>
      ${children}
    </dialog>
  `;
}

// A label, the control, a hint and the error, tied together for assistive
// technology. `control` is called with the ARIA attributes it must carry.
export function Field({ id, label, hint, error, control, className = '' }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const aria = {
    id,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
  };
  return html`
    <div class=${`field ${error ? 'has-error' : ''} ${className}`}>
      <label for=${id}>${label}</label>
      ${control(aria)}
      ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
      ${error && html`<p class="field-error" id=${errorId}>${error}</p>`}
    </div>
  `;
}

// What went wrong reading a page's data, above what was last read.
export function ErrorBanner({ error }) {
  if (!error) return null;
  return html`<div class="banner error" role="alert">${describeError(error)}</div>`;
}

// The attributes of an <input> for names, keys and URLs: typed as is.
export const TEXT_INPUT = Object.freeze({ type: 'text', autocomplete: 'off', spellcheck: 'false' });

// A Field's `control`: an <input> with these attributes (and the ARIA ones).
export function inputControl(attributes) {
  return (aria) => html`<input ...${aria} ...${attributes} />`;
}

// A small button of a table row, named by `label` for assistive technology
// (the visible text alone does not say which row).
export function RowButton({ label, danger = false, onClick, children }) {
  return html`<button
    type="button"
    class=${danger ? 'button small danger-outline' : 'button small'}
    aria-label=${label}
    onClick=${onClick}
  >
    ${children}
  </button>`;
}

export function FormError({ error }) {
  if (!error) return null;
  return html`<div class="form-error" role="alert">${error}</div>`;
}

// "Code: message" of an ApiError, for messages shown outside a form.
export function describeError(error) {
  if (!error) return '';
  return error.code ? `${error.message} (${error.code})` : String(error.message || error);
}

// Asks before something irreversible; shows the server's refusal in place.
export function ConfirmDialog({ title, confirmLabel, onConfirm, onClose, children }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const messageId = useId('confirm-message');
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return html`
    <${Dialog} title=${title} onClose=${onClose} describedBy=${messageId}>
      <div class="dialog-body">
        <div id=${messageId}>${children}</div>
        <${FormError} error=${error} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${onClose} autofocus>Cancel</button>
          <button type="button" class="button danger" onClick=${confirm} disabled=${busy}>
            ${busy ? 'Deleting…' : confirmLabel}
          </button>
        </div>
      </div>
    <//>
  `;
}

// A polite live region for "saved" messages.
const listeners = new Set();
export function announce(text) {
  for (const listener of listeners) listener(text);
}

// What a page does after a change made in one of its dialogs: `close` the
// dialogs, announce `message`, and `reload` what the page shows.
export function afterChange(reload, ...close) {
  return (message) => {
    for (const c of close) c();
    announce(message);
    reload();
  };
}

export function Announcer() {
  const [message, setMessage] = useState(null);
  useEffect(() => {
    let timer = null;
    const show = (text) => {
      setMessage({ text, at: Date.now() });
      clearTimeout(timer);
      timer = setTimeout(() => setMessage(null), 5000);
    };
    listeners.add(show);
    return () => {
      listeners.delete(show);
      clearTimeout(timer);
    };
  }, []);
  return html`
    <div class="toast-region" role="status" aria-live="polite">
      ${message && html`<div class="toast" key=${message.at}>${message.text}</div>`}
    </div>
  `;
}

export function PageHeader({ title, children, crumbs }) {
  const ref = useRef(null);
  useEffect(() => {
    document.title = `${title} · livesnap`;
  }, [title]);
  return html`
    <div class="page-head">
      ${crumbs && html`<nav class="crumbs" aria-label="Breadcrumb">${crumbs}</nav>`}
      <div class="page-title">
        <h1 ref=${ref} tabindex="-1" id="page-title">${title}</h1>
        <div class="page-actions">${children}</div>
      </div>
    </div>
  `;
}

// Focuses the control `id` inside `container` after the next render.
export function focusField(container, id) {
  requestAnimationFrame(() => {
    const element = container.querySelector(`#${CSS.escape(id)}`);
    if (element) element.focus();
  });
}

// The current time, updated every `everyMs`.
export function useNow(everyMs) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
