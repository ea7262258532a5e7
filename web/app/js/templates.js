// Manage Templates -> Snapshots for one domain: the snapshot templates
// (one per AppName, or * for every app), added, edited and deleted with
// the same actions as ApsaraVideo Live.
import { html, useCallback, useState } from '../vendor/preact-htm.js';
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
import { formatDateTime, formatInterval } from './format.js';
import { Link, href } from './router.js';
import {
  announce,
  ConfirmDialog,
  describeError,
  Dialog,
  Field,
  focusField,
  FormError,
  PageHeader,
  usePolling,
} from './ui.js';

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
const FIELD_ORDER = Object.keys(FIELD_IDS);

export function TemplatesPage({ domain }) {
  const [info, setInfo] = useState(null);
  const [templates, setTemplates] = useState(null);
  const [storages, setStorages] = useState([]);
  const [error, setError] = useState(null);
  const [editing, setEditing] = useState(null); // {} to add, a template to edit
  const [deleting, setDeleting] = useState(null);

  const load = useCallback(async () => {
    try {
      const [found, list, stores] = await Promise.all([
        api.getDomain(domain),
        api.listTemplates(domain),
        api.listStorages(),
      ]);
      setInfo(found);
      setTemplates(list);
      setStorages(stores);
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [domain]);
  usePolling(load, 30000, [domain]);

  const crumbs = html`
    <${Link} to=${href('domains')}>Domain Names<//>
    <span aria-hidden="true">›</span>
    <span>${domain}</span>
    <span aria-hidden="true">›</span>
    <span aria-current="page">Manage Templates</span>
  `;
  return html`
    <${PageHeader} title=${`Manage Templates · ${domain}`} crumbs=${crumbs}>
      <button
        type="button"
        class="button primary"
        disabled=${!info}
        onClick=${() => setEditing({})}
      >
        Add
      </button>
    <//>
    <div class="tabs" role="tablist" aria-label="Template kinds">
      <span role="tab" aria-selected="true" class="tab active" id="tab-snapshots">Snapshots</span>
    </div>
    <section role="tabpanel" aria-labelledby="tab-snapshots">
      ${info &&
      html`<p class="lead">
        Region <span class="tag">${info.RegionName}</span> · Streams of an app follow its
        template; <code>*</code> covers every app without one of its own.
      </p>`}
      <div class="note" role="note">
        <strong>Changes apply from the next push.</strong> A stream that is live keeps the template
        it started with until it ends.
      </div>
      ${error && html`<div class="banner error" role="alert">${describeError(error)}</div>`}
      ${templates === null && !error && html`<p class="muted">Loading templates…</p>`}
      ${templates !== null &&
      (templates.length === 0
        ? html`<div class="empty">
            No snapshot template on ${domain}: its streams are not captured. Add one to start.
          </div>`
        : html`<${TemplateTable}
            templates=${templates}
            onEdit=${(t) => setEditing(t)}
            onDelete=${(t) => setDeleting(t)}
          />`)}
    </section>
    ${editing &&
    info &&
    html`<${TemplateDialog}
      domain=${domain}
      region=${info.RegionName}
      storages=${storages}
      existing=${editing.AppName ? editing : null}
      onStale=${load}
      onClose=${() => setEditing(null)}
      onSaved=${(app, added) => {
        setEditing(null);
        announce(`Template for AppName ${app} ${added ? 'added' : 'saved'}. It applies from the next push.`);
        load();
      }}
    />`}
    ${deleting &&
    html`<${ConfirmDialog}
      title="Delete template"
      confirmLabel="Delete template"
      onClose=${() => setDeleting(null)}
      onConfirm=${async () => {
        await api.deleteTemplate(domain, deleting.AppName);
        setDeleting(null);
        announce(`Template for AppName ${deleting.AppName} deleted.`);
        load();
      }}
    >
      <p>
        Delete the snapshot template for AppName <strong>${deleting.AppName}</strong> of ${domain}?
      </p>
      <p>
        Streams pushed from then on are not captured${deleting.AppName === '*'
          ? ' unless their app has a template of its own'
          : ' unless a * template covers them'}. Streams live now keep capturing until they end.
      </p>
    <//>`}
  `;
}

function StorageMode({ template }) {
  return html`
    <ul class="modes">
      ${template.OverwriteOssObject &&
      html`<li><span class="tag">Overwrite</span> <code>${template.OverwriteOssObject}</code></li>`}
      ${template.SequenceOssObject &&
      html`<li><span class="tag">Create New</span> <code>${template.SequenceOssObject}</code></li>`}
    </ul>
  `;
}

function TemplateTable({ templates, onEdit, onDelete }) {
  return html`
    <table class="table templates">
      <caption class="visually-hidden">Snapshot templates</caption>
      <thead>
        <tr>
          <th scope="col">AppName</th>
          <th scope="col">Interval</th>
          <th scope="col">Storage location</th>
          <th scope="col">Storage mode</th>
          <th scope="col">Callback</th>
          <th scope="col">Created</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${templates.map(
          (t) => html`
            <tr key=${t.AppName} data-app=${t.AppName}>
              <th scope="row" data-label="AppName"><span class="strong app-name">${t.AppName}</span></th>
              <td data-label="Interval" class="interval">every ${formatInterval(t.TimeInterval)}</td>
              <td data-label="Storage location">
                <span class="strong">${t.OssBucket}</span>
                <span class="muted block">${t.OssEndpoint}</span>
              </td>
              <td data-label="Storage mode"><${StorageMode} template=${t} /></td>
              <td data-label="Callback" class="callback">
                ${t.Callback ? html`<code>${t.Callback}</code>` : html`<span class="muted">—</span>`}
              </td>
              <td data-label="Created">${formatDateTime(t.CreateTime)}</td>
              <td class="row-actions">
                <button
                  type="button"
                  class="button small"
                  aria-label=${`Edit template ${t.AppName}`}
                  onClick=${() => onEdit(t)}
                >
                  Edit
                </button>
                <button
                  type="button"
                  class="button small danger-outline"
                  aria-label=${`Delete template ${t.AppName}`}
                  onClick=${() => onDelete(t)}
                >
                  Delete
                </button>
              </td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}

// Codes meaning the dialog's view of domains and storage locations is out
// of date: reload them, and keep the server's message on screen.
const STALE_CODES = new Set([
  'InvalidOssBucket.RegionMismatch',
  'InvalidOssBucket.NotFound',
  'InvalidOssEndpoint.Malformed',
]);

function TemplateDialog({ domain, region, storages, existing, onStale, onClose, onSaved }) {
  const inRegion = storages.filter((s) => s.Region === region);
  const [form, setForm] = useState(() => templateForm(existing, inRegion));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  // Editing a field clears what was said about it.
  const set = (name) => (event) => {
    const value = event.target.type === 'checkbox' ? event.target.checked : event.target.value;
    setForm((f) => ({ ...f, [name]: value }));
    const cleared = event.target.type === 'checkbox' ? 'modes' : name;
    setErrors((e) => (e[cleared] ? { ...e, [cleared]: undefined } : e));
  };
  const current = existing && storages.find((s) => s.Name === existing.OssBucket);
  const options = [...inRegion];
  if (current && current.Region !== region) options.push(current);
  // A location that left the list (after a reload) is no longer a choice.
  const bucket = options.some((s) => s.Name === form.bucket) ? form.bucket : '';

  const showErrors = (found, container) => {
    setErrors(found);
    const first = FIELD_ORDER.find((name) => found[name]);
    if (first) focusField(container, FIELD_IDS[first]);
  };

  const submit = async (event) => {
    event.preventDefault();
    const container = event.target;
    const values = { ...form, bucket };
    const found = validateTemplateForm(values, { isEdit: Boolean(existing) });
    if (Object.keys(found).length > 0) {
      showErrors(found, container);
      return;
    }
    setBusy(true);
    setErrors({});
    const params = templateParams(domain, values, storages, existing);
    try {
      if (existing) await api.updateTemplate(params);
      else await api.addTemplate(params);
      onSaved(params.AppName, !existing);
    } catch (err) {
      setBusy(false);
      const field = templateErrorField(err.code);
      showErrors({ [field]: `${err.message} (${err.code})` }, container);
      if (STALE_CODES.has(err.code)) onStale();
    }
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
          control=${(aria) => html`<input
            ...${aria}
            type="text"
            autocomplete="off"
            spellcheck="false"
            autofocus=${!existing}
            readonly=${Boolean(existing)}
            value=${form.app}
            onInput=${set('app')}
          />`}
        />
        <${Field}
          id="tpl-interval"
          label="Snapshot Capture Interval (seconds)"
          hint=${`From ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S} seconds of video.`}
          error=${errors.interval}
          control=${(aria) => html`<input
            ...${aria}
            type="number"
            inputmode="numeric"
            min=${MIN_INTERVAL_S}
            max=${MAX_INTERVAL_S}
            step="1"
            autofocus=${Boolean(existing)}
            value=${form.interval}
            onInput=${set('interval')}
          />`}
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
          <${ModeOption}
            id="tpl-overwrite"
            label="Overwrite"
            description="One object per stream, replaced at every interval."
            checked=${form.overwrite}
            onToggle=${set('overwrite')}
            pattern=${form.overwritePattern}
            onPattern=${set('overwritePattern')}
            error=${errors.overwritePattern}
            patternHint="Variables: {Domain} {AppName} {StreamName} {Date}"
          />
          <${ModeOption}
            id="tpl-sequence"
            label="Create New"
            description="A new object at every interval, numbered N+1 from 0."
            checked=${form.sequence}
            onToggle=${set('sequence')}
            pattern=${form.sequencePattern}
            onPattern=${set('sequencePattern')}
            error=${errors.sequencePattern}
            patternHint="Must contain {Sequence} or {UnixTimestamp}; also {Domain} {AppName} {StreamName} {Date}"
          />
          ${errors.modes && html`<p class="field-error" id="tpl-modes-error">${errors.modes}</p>`}
        </fieldset>
        <${Field}
          id="tpl-callback"
          label="Callback URL (optional)"
          hint="Receives an HTTP POST for every stored snapshot."
          error=${errors.callback}
          control=${(aria) => html`<input
            ...${aria}
            type="url"
            inputmode="url"
            autocomplete="off"
            spellcheck="false"
            placeholder="https://hooks.example.com/snapshot"
            value=${form.callback}
            onInput=${set('callback')}
          />`}
        />
        <div class="field-row">
          <${Field}
            id="tpl-width"
            label="Width (optional)"
            hint=${`0..${MAX_DIMENSION} px; empty or 0: the source's.`}
            error=${errors.width}
            control=${(aria) => html`<input
              ...${aria}
              type="number"
              inputmode="numeric"
              min="0"
              max=${MAX_DIMENSION}
              value=${form.width}
              onInput=${set('width')}
            />`}
          />
          <${Field}
            id="tpl-height"
            label="Height (optional)"
            hint="One of them alone keeps the aspect ratio."
            error=${errors.height}
            control=${(aria) => html`<input
              ...${aria}
              type="number"
              inputmode="numeric"
              min="0"
              max=${MAX_DIMENSION}
              value=${form.height}
              onInput=${set('height')}
            />`}
          />
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
        control=${(aria) => html`<input
          ...${aria}
          type="text"
          autocomplete="off"
          spellcheck="false"
          disabled=${!checked}
          value=${pattern}
          onInput=${onPattern}
        />`}
      />
    </div>
  `;
}
