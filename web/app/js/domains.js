// Domain Names: every streaming domain with its region and live streams;
// add one (with a region picker) and delete one (after confirmation).
import { html, useCallback, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { domainErrorField, validateDomainForm } from './forms.js';
import { formatDateTime } from './format.js';
import { PushAuthDialog } from './push_auth.js';
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

const OTHER_REGION = '__other__';

export function DomainsPage() {
  const [domains, setDomains] = useState(null);
  const [liveCounts, setLiveCounts] = useState({});
  const [storages, setStorages] = useState([]);
  const [error, setError] = useState(null);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState(null);
  const [signing, setSigning] = useState(null);

  const load = useCallback(async () => {
    try {
      const [list, online, stores] = await Promise.all([
        api.listDomains(),
        api.listOnline(),
        api.listStorages(),
      ]);
      const counts = {};
      for (const stream of online) counts[stream.DomainName] = (counts[stream.DomainName] || 0) + 1;
      setDomains(list);
      setLiveCounts(counts);
      setStorages(stores);
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, []);
  usePolling(load, 10000, []);

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
    ${error && html`<div class="banner error" role="alert">${describeError(error)}</div>`}
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
      onAdded=${(name) => {
        setAdding(false);
        announce(`Domain ${name} added.`);
        load();
      }}
    />`}
    ${deleting &&
    html`<${ConfirmDialog}
      title="Delete domain"
      confirmLabel="Delete domain"
      onClose=${() => setDeleting(null)}
      onConfirm=${async () => {
        await api.deleteDomain(deleting.DomainName);
        setDeleting(null);
        announce(`Domain ${deleting.DomainName} deleted.`);
        load();
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
                <button
                  type="button"
                  class="button small"
                  aria-label=${`URL signing of ${domain.DomainName}`}
                  onClick=${() => onSigning(domain)}
                >
                  URL signing
                </button>
                <button
                  type="button"
                  class="button small danger-outline"
                  aria-label=${`Delete ${domain.DomainName}`}
                  onClick=${() => onDelete(domain)}
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
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const region = choice === OTHER_REGION ? otherRegion.trim() : choice;
  const chosen = regions.find((r) => r.region === region);

  const submit = async (event) => {
    event.preventDefault();
    const form = { name: name.trim(), region };
    const found = validateDomainForm(form);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusField(event.target, found.name ? 'domain-name' : 'domain-region');
      return;
    }
    setBusy(true);
    try {
      await api.addDomain(form.name, form.region);
      onAdded(form.name);
    } catch (err) {
      const field = domainErrorField(err.code);
      setErrors({ [field]: `${err.message} (${err.code})` });
      setBusy(false);
      if (field !== 'form') focusField(event.target, field === 'name' ? 'domain-name' : 'domain-region');
    }
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
          control=${(aria) => html`<input
            ...${aria}
            type="text"
            autocomplete="off"
            spellcheck="false"
            autofocus
            value=${name}
            onInput=${(e) => {
              setName(e.target.value);
              setErrors((x) => ({ ...x, name: undefined }));
            }}
          />`}
        />
        <${Field}
          id="domain-region"
          label="Region"
          hint=${regionHint}
          error=${errors.region}
          control=${(aria) => html`<select
            ...${aria}
            value=${choice}
            onChange=${(e) => {
              setChoice(e.target.value);
              setErrors((x) => ({ ...x, region: undefined }));
            }}
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
          control=${(aria) => html`<input
            ...${aria}
            type="text"
            autocomplete="off"
            spellcheck="false"
            value=${otherRegion}
            onInput=${(e) => {
              setOtherRegion(e.target.value);
              setErrors((x) => ({ ...x, region: undefined }));
            }}
          />`}
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
