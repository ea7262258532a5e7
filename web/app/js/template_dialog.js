// The template dialog of Manage Templates: add a snapshot template, or edit
// one (its AppName stays). What it holds is checked with the API's rules
// (forms.js) before it is sent; the server's refusals land on their field.
import { html, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import {
  MAX_DIMENSION,
  MAX_INTERVAL_S,
  MIN_INTERVAL_S,
  templateErrorField,
  templateForm,
  templateParams,
  validateTemplateForm,
} from './forms.js';
import { useFormSubmit } from './hooks.js';
import { Dialog, Field, FormError, inputControl, TEXT_INPUT } from './ui.js';

// Form field -> the control that gets the focus when it is refused, in the
// order the dialog shows them.
const FIELD_IDS = {
  app: 'tpl-app',
  interval: 'tpl-interval',
  bucket: 'tpl-bucket',
  modes: 'tpl-overwrite',
  overwritePattern: 'tpl-overwrite-pattern',
  sequencePattern: 'tpl-sequence-pattern',
  callback: 'tpl-callback',
  width: 'tpl-width',
  height: 'tpl-height',
};

// Codes meaning the dialog's view of domains and storage locations is out
// of date: reload them, and keep the server's message on screen.
const STALE_CODES = new Set([
  'InvalidOssBucket.RegionMismatch',
  'InvalidOssBucket.NotFound',
  'InvalidOssEndpoint.Malformed',
]);

// The two storage modes: a checkbox (form field `mode`) and the object name
// pattern it uses (`pattern`).
const MODES = [
  {
    id: 'tpl-overwrite',
    mode: 'overwrite',
    pattern: 'overwritePattern',
    label: 'Overwrite',
    description: 'One object per stream, replaced at every interval.',
    hint: 'Variables: {Domain} {AppName} {StreamName} {Date}',
  },
  {
    id: 'tpl-sequence',
    mode: 'sequence',
    pattern: 'sequencePattern',
    label: 'Create New',
    description: 'A new object at every interval, numbered N+1 from 0.',
    hint: 'Must contain {Sequence} or {UnixTimestamp}; also {Domain} {AppName} {StreamName} {Date}',
  },
];

const NUMBER = { type: 'number', inputmode: 'numeric' };

export function TemplateDialog({ domain, region, storages, existing, onStale, onClose, onSaved }) {
  const inRegion = storages.filter((s) => s.Region === region);
  const [form, setForm] = useState(() => templateForm(existing, inRegion));
  const current = existing && storages.find((s) => s.Name === existing.OssBucket);
  const options = [...inRegion];
  if (current && current.Region !== region) options.push(current);
  // A location that left the list (after a reload) is no longer a choice.
  const bucket = options.some((s) => s.Name === form.bucket) ? form.bucket : '';
  const values = { ...form, bucket };

  const { errors, busy, submit, clearError } = useFormSubmit({
    fieldIds: FIELD_IDS,
    validate: () => validateTemplateForm(values, { isEdit: Boolean(existing) }),
    send: async () => {
      const params = templateParams(domain, values, storages, existing);
      if (existing) await api.updateTemplate(params);
      else await api.addTemplate(params);
      onSaved(params.AppName, !existing);
    },
    errorField: templateErrorField,
    onRefused: (err) => STALE_CODES.has(err.code) && onStale(),
  });
  // Editing a field clears what was said about it.
  const set = (name) => (event) => {
    const checkbox = event.target.type === 'checkbox';
    const value = checkbox ? event.target.checked : event.target.value;
    setForm((f) => ({ ...f, [name]: value }));
    clearError(checkbox ? 'modes' : name);
  };

  const otherRegions = storages.filter((s) => s.Region !== region);
  const noStorage = inRegion.length === 0;
  const title = existing ? `Edit template · ${existing.AppName}` : 'Add snapshot template';
  return html`
    <${Dialog} title=${title} onClose=${onClose} wide>
      <form class="dialog-body template-form" onSubmit=${submit} noValidate>
        <p class="muted">Domain <strong>${domain}</strong>, region <span class="tag">${region}</span></p>
        <${Field}
          id="tpl-app"
          label="AppName"
          hint=${existing ? 'The AppName of a template cannot change.' : 'The app of the push URL (rtmp://domain/APP/stream), or * for every app.'}
          error=${errors.app}
          control=${inputControl({
            ...TEXT_INPUT,
            autofocus: !existing,
            readonly: Boolean(existing),
            value: form.app,
            onInput: set('app'),
          })}
        />
        <${Field}
          id="tpl-interval"
          label="Snapshot Capture Interval (seconds)"
          hint=${`From ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S} seconds of video.`}
          error=${errors.interval}
          control=${inputControl({
            ...NUMBER,
            min: MIN_INTERVAL_S,
            max: MAX_INTERVAL_S,
            step: '1',
            autofocus: Boolean(existing),
            value: form.interval,
            onInput: set('interval'),
          })}
        />
        <${Field}
          id="tpl-bucket"
          label="Storage Location"
          hint=${noStorage ? null : `Storage locations in ${region}, the domain's region.`}
          error=${errors.bucket}
          control=${(aria) => html`<select
            ...${aria}
            aria-describedby=${[aria['aria-describedby'], noStorage ? 'tpl-bucket-none' : null]
              .filter(Boolean)
              .join(' ') || undefined}
            disabled=${noStorage && options.length === 0}
            value=${bucket}
            onChange=${set('bucket')}
          >
            ${bucket === '' &&
            html`<option value="" disabled selected>
              ${options.length === 0 ? `No storage location in ${region}` : 'Choose a storage location…'}
            </option>`}
            ${options.map(
              (s) => html`<option value=${s.Name}>
                ${s.Name} — ${s.Endpoint} (${s.Kind})${s.Region !== region
                  ? ` · region ${s.Region}, not the domain's`
                  : ''}
              </option>`,
            )}
          </select>`}
        />
        ${noStorage &&
        html`<div class="explain" id="tpl-bucket-none">
          <p>
            <strong>No storage location is in region ${region}</strong>, the region of ${domain}.
            Snapshots must be stored in the same region as their domain.
          </p>
          ${otherRegions.length > 0 &&
          html`<p>
            Other regions have:
            ${otherRegions.map((s, i) => html`${i > 0 ? ', ' : ''}<code>${s.Name}</code> (${s.Region})`)}.
          </p>`}
          <p>
            Declare one in livesnapd's config (<code>[[storage]]</code> with
            <code>region = "${region}"</code>) and restart it, or use a domain in a region that has
            one.
          </p>
        </div>`}
        <fieldset
          class=${`modes-field ${errors.modes ? 'has-error' : ''}`}
          aria-describedby=${errors.modes ? 'tpl-modes-error' : undefined}
        >
          <legend>Storage Mode</legend>
          ${MODES.map(
            (m) => html`<${ModeOption}
              key=${m.id}
              id=${m.id}
              label=${m.label}
              description=${m.description}
              checked=${form[m.mode]}
              onToggle=${set(m.mode)}
              pattern=${form[m.pattern]}
              onPattern=${set(m.pattern)}
              error=${errors[m.pattern]}
              patternHint=${m.hint}
            />`,
          )}
          ${errors.modes && html`<p class="field-error" id="tpl-modes-error">${errors.modes}</p>`}
        </fieldset>
        <${Field}
          id="tpl-callback"
          label="Callback URL (optional)"
          hint="Receives an HTTP POST for every stored snapshot."
          error=${errors.callback}
          control=${inputControl({
            ...TEXT_INPUT,
            type: 'url',
            inputmode: 'url',
            placeholder: 'https://hooks.example.com/snapshot',
            value: form.callback,
            onInput: set('callback'),
          })}
        />
        <div class="field-row">
          ${[
            ['width', 'Width (optional)', `0..${MAX_DIMENSION} px; empty or 0: the source's.`],
            ['height', 'Height (optional)', 'One of them alone keeps the aspect ratio.'],
          ].map(
            ([name, label, hint]) => html`<${Field}
              key=${name}
              id=${FIELD_IDS[name]}
              label=${label}
              hint=${hint}
              error=${errors[name]}
              control=${inputControl({
                ...NUMBER,
                min: '0',
                max: MAX_DIMENSION,
                value: form[name],
                onInput: set(name),
              })}
            />`,
          )}
        </div>
        <p class="note small" role="note">Changes apply from the next push of each stream.</p>
        <${FormError} error=${errors.form} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${onClose}>Cancel</button>
          <button type="submit" class="button primary" disabled=${busy}>
            ${busy ? 'Saving…' : existing ? 'Save' : 'OK'}
          </button>
        </div>
      </form>
    <//>
  `;
}

function ModeOption({ id, label, description, checked, onToggle, pattern, onPattern, error, patternHint }) {
  const patternId = `${id}-pattern`;
  return html`
    <div class="mode-option">
      <div class="check">
        <input id=${id} type="checkbox" checked=${checked} onChange=${onToggle} />
        <label for=${id}><strong>${label}</strong> <span class="muted">${description}</span></label>
      </div>
      <${Field}
        id=${patternId}
        label=${`${label} object name`}
        hint=${patternHint}
        error=${error}
        className="indent"
        control=${inputControl({ ...TEXT_INPUT, disabled: !checked, value: pattern, onInput: onPattern })}
      />
    </div>
  `;
}
