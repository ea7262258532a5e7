// Domain Names: every streaming domain with its region and live streams;
// add one (with a region picker) and delete one (after confirmation).
import { html, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { domainErrorField, validateDomainForm } from './forms.js';
import { formatDateTime } from './format.js';
import { POLL_MS, useFormSubmit, useResource } from './hooks.js';
import { PushAuthDialog } from './push_auth.js';
import { Link, href } from './router.js';
import {
  afterChange,
  announce,
  ConfirmDialog,
  Dialog,
  ErrorBanner,
  Field,
  FormError,
  inputControl,
  PageHeader,
  RowButton,
  TEXT_INPUT,
} from './ui.js';

const OTHER_REGION = '__other__';

// The domains, how many streams are live on each, and the storage locations
// (for the regions offered when adding one).
async function loadDomainsPage() {
  const [domains, online, storages] = await Promise.all([
    api.listDomains(),
    api.listOnline(),
    api.listStorages(),
  ]);
  const liveCounts = {};
  for (const stream of online) liveCounts[stream.DomainName] = (liveCounts[stream.DomainName] || 0) + 1;
  return { domains, liveCounts, storages };
}

export function DomainsPage() {
  const { data, error, reload } = useResource(loadDomainsPage, POLL_MS.domains);
  const { domains, liveCounts, storages } = data || { domains: null, liveCounts: {}, storages: [] };
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState(null);
  const [signing, setSigning] = useState(null);
  const changed = afterChange(reload, () => setAdding(false), () => setDeleting(null));

  return html`
    <${PageHeader} title="Domain Names">
      <button type="button" class="button primary" onClick=${() => setAdding(true)}>
        Add domain
      </button>
    <//>
    <p class="lead">
      Streams are pushed to a streaming domain (the host of the RTMP URL, or its
      <code>vhost=</code> parameter). Each domain lives in a region; its snapshot templates store
      images in a storage location of the same region.
    </p>
    <${ErrorBanner} error=${error} />
    ${domains === null && !error && html`<p class="muted">Loading domains…</p>`}
    ${domains !== null &&
    (domains.length === 0
      ? html`<div class="empty">No streaming domain yet. Add one to accept pushes to it.</div>`
      : html`<${DomainTable}
          domains=${domains}
          liveCounts=${liveCounts}
          onDelete=${(domain) => setDeleting(domain)}
          onSigning=${(domain) => setSigning(domain.DomainName)}
        />`)}
    ${signing &&
    html`<${PushAuthDialog}
      domain=${signing}
      onClose=${() => setSigning(null)}
      onSaved=${(on) => {
        announce(`URL signing of ${signing} ${on ? 'saved' : 'turned off'}.`);
        setSigning(null);
      }}
    />`}
    ${adding &&
    html`<${AddDomainDialog}
      domains=${domains || []}
      storages=${storages}
      onClose=${() => setAdding(false)}
      onAdded=${(name) => changed(`Domain ${name} added.`)}
    />`}
    ${deleting &&
    html`<${ConfirmDialog}
      title="Delete domain"
      confirmLabel="Delete domain"
      onClose=${() => setDeleting(null)}
      onConfirm=${async () => {
        await api.deleteDomain(deleting.DomainName);
        changed(`Domain ${deleting.DomainName} deleted.`);
      }}
    >
      <p>Delete <strong>${deleting.DomainName}</strong>?</p>
      <p>
        Its snapshot templates and notification settings are deleted with it, and pushes to it are
        refused from then on. Stored snapshots and their history stay.
      </p>
      ${liveCounts[deleting.DomainName] > 0 &&
      html`<p class="warning">
        ${liveCounts[deleting.DomainName]} stream(s) are live on it now; they go on until they end.
      </p>`}
    <//>`}
  `;
}

function DomainTable({ domains, liveCounts, onDelete, onSigning }) {
  return html`
    <table class="table">
      <caption class="visually-hidden">Streaming domains</caption>
      <thead>
        <tr>
          <th scope="col">Domain name</th>
          <th scope="col">Region</th>
          <th scope="col" class="num">Live streams</th>
          <th scope="col">Created</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${domains.map(
          (domain) => html`
            <tr key=${domain.DomainName} data-domain=${domain.DomainName}>
              <th scope="row" data-label="Domain name">
                <span class="strong">${domain.DomainName}</span>
              </th>
              <td data-label="Region"><span class="tag">${domain.RegionName}</span></td>
              <td data-label="Live streams" class="num live-count">
                ${liveCounts[domain.DomainName] || 0}
              </td>
              <td data-label="Created">${formatDateTime(domain.GmtCreated)}</td>
              <td class="row-actions">
                <${Link} class="button small" to=${href('domains', domain.DomainName, 'snapshots')}>
                  Manage Templates
                <//>
                <${RowButton} label=${`URL signing of ${domain.DomainName}`} onClick=${() => onSigning(domain)}>URL signing<//>
                <${RowButton} label=${`Delete ${domain.DomainName}`} danger onClick=${() => onDelete(domain)}>Delete<//>
              </td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}

// Regions offered: those with a storage location first (a template needs
// one), then those of existing domains.
function knownRegions(storages, domains) {
  const regions = new Map();
  for (const storage of storages) {
    const entry = regions.get(storage.Region) || { region: storage.Region, storages: 0 };
    entry.storages++;
    regions.set(storage.Region, entry);
  }
  for (const domain of domains) {
    if (!regions.has(domain.RegionName)) {
      regions.set(domain.RegionName, { region: domain.RegionName, storages: 0 });
    }
  }
  return [...regions.values()].sort(
    (a, b) => (b.storages > 0) - (a.storages > 0) || a.region.localeCompare(b.region),
  );
}

function AddDomainDialog({ domains, storages, onClose, onAdded }) {
  const regions = knownRegions(storages, domains);
  const [name, setName] = useState('');
  const [choice, setChoice] = useState(regions.length > 0 ? regions[0].region : OTHER_REGION);
  const [otherRegion, setOtherRegion] = useState('');
  const region = choice === OTHER_REGION ? otherRegion.trim() : choice;
  const chosen = regions.find((r) => r.region === region);
  const values = { name: name.trim(), region };
  const { errors, busy, submit, clearError } = useFormSubmit({
    fieldIds: { name: 'domain-name', region: 'domain-region' },
    validate: () => validateDomainForm(values),
    send: async () => {
      await api.addDomain(values.name, values.region);
      onAdded(values.name);
    },
    errorField: domainErrorField,
  });
  // Editing a field clears what was said about it.
  const edit = (set, field) => (event) => {
    set(event.target.value);
    clearError(field);
  };

  const regionHint = chosen
    ? chosen.storages > 0
      ? `${chosen.storages} storage location(s) in ${chosen.region}.`
      : `No storage location is in ${chosen.region}: templates of this domain will need one.`
    : 'A region with no storage location cannot store snapshots until one is configured.';

  return html`
    <${Dialog} title="Add domain" onClose=${onClose}>
      <form class="dialog-body" onSubmit=${submit} noValidate>
        <${Field}
          id="domain-name"
          label="Domain name"
          hint="The host encoders push to, e.g. push.example.com."
          error=${errors.name}
          control=${inputControl({ ...TEXT_INPUT, autofocus: true, value: name, onInput: edit(setName, 'name') })}
        />
        <${Field}
          id="domain-region"
          label="Region"
          hint=${regionHint}
          error=${errors.region}
          control=${(aria) => html`<select
            ...${aria}
            value=${choice}
            onChange=${edit(setChoice, 'region')}
          >
            ${regions.map(
              (r) => html`<option value=${r.region}>
                ${r.region}${r.storages > 0 ? ` — ${r.storages} storage location(s)` : ''}
              </option>`,
            )}
            <option value=${OTHER_REGION}>Another region…</option>
          </select>`}
        />
        ${choice === OTHER_REGION &&
        html`<${Field}
          id="domain-region-other"
          label="Region name"
          hint="Lowercase letters, digits and -, e.g. cn-shanghai."
          control=${inputControl({ ...TEXT_INPUT, value: otherRegion, onInput: edit(setOtherRegion, 'region') })}
        />`}
        <${FormError} error=${errors.form} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${onClose}>Cancel</button>
          <button type="submit" class="button primary" disabled=${busy}>
            ${busy ? 'Adding…' : 'Add domain'}
          </button>
        </div>
      </form>
    <//>
  `;
}
