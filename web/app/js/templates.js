// Manage Templates -> Snapshots for one domain: the snapshot templates
// (one per AppName, or * for every app), added, edited and deleted with
// the same actions as ApsaraVideo Live.
import { html, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { formatDateTime, formatInterval } from './format.js';
import { POLL_MS, useResource } from './hooks.js';
import { Link, href } from './router.js';
import { TemplateDialog } from './template_dialog.js';
import { afterChange, ConfirmDialog, ErrorBanner, PageHeader, RowButton } from './ui.js';

async function loadTemplatesPage(domain) {
  const [info, templates, storages] = await Promise.all([
    api.getDomain(domain),
    api.listTemplates(domain),
    api.listStorages(),
  ]);
  return { info, templates, storages };
}

export function TemplatesPage({ domain }) {
  const { data, error, reload } = useResource(() => loadTemplatesPage(domain), POLL_MS.templates);
  const { info, templates, storages } = data || { info: null, templates: null, storages: [] };
  const [editing, setEditing] = useState(null); // {} to add, a template to edit
  const [deleting, setDeleting] = useState(null);
  const changed = afterChange(reload, () => setEditing(null), () => setDeleting(null));

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
      <${ErrorBanner} error=${error} />
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
      onStale=${reload}
      onClose=${() => setEditing(null)}
      onSaved=${(app, added) =>
        changed(`Template for AppName ${app} ${added ? 'added' : 'saved'}. It applies from the next push.`)}
    />`}
    ${deleting &&
    html`<${ConfirmDialog}
      title="Delete template"
      confirmLabel="Delete template"
      onClose=${() => setDeleting(null)}
      onConfirm=${async () => {
        await api.deleteTemplate(domain, deleting.AppName);
        changed(`Template for AppName ${deleting.AppName} deleted.`);
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
                <${RowButton} label=${`Edit template ${t.AppName}`} onClick=${() => onEdit(t)}>Edit<//>
                <${RowButton} label=${`Delete template ${t.AppName}`} danger onClick=${() => onDelete(t)}>Delete<//>
              </td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}
