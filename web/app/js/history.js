// One stream: its newest snapshot while live, and its snapshot history as
// a timeline of thumbnails, read with DescribeLiveStreamSnapshotInfo one
// page at a time (NextStartTime starts the next page).
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { resolveTemplate } from './forms.js';
import {
  formatBitrate,
  formatClock,
  formatDate,
  formatDateTime,
  formatDuration,
  formatInterval,
} from './format.js';
import { LiveImage } from './live_image.js';
import { Link, href } from './router.js';
import { iso8601 } from './sign.js';
import { POLL_MS, useResource } from './hooks.js';
import { ErrorBanner, PageHeader, useNow } from './ui.js';
import { streamDescription, streamProtocol, useDomainTemplates } from './wall.js';

const PAGE_LIMIT = 24; // records; a capture has one per Create New object
const DAY_MS = 24 * 3600 * 1000;
const RANGES = [
  { key: 'publish', label: 'Since this push started' },
  { key: '15m', label: 'Last 15 minutes', ms: 15 * 60 * 1000 },
  { key: '1h', label: 'Last hour', ms: 3600 * 1000 },
  { key: '6h', label: 'Last 6 hours', ms: 6 * 3600 * 1000 },
  { key: '24h', label: 'Last 24 hours', ms: DAY_MS },
];

// [start, end] in ms for a range; the API takes at most one day.
function rangeWindow(key, live) {
  const end = Date.now() + 60 * 1000;
  const range = RANGES.find((r) => r.key === key);
  let start = end - (range.ms || DAY_MS);
  if (key === 'publish' && live) start = Math.max(start, Date.parse(live.PublishTime) - 1000);
  return { start: Math.floor(start / 1000) * 1000, end: Math.floor(end / 1000) * 1000 };
}

// One timeline entry per capture: its records (overwrite and/or sequence
// object) share the capture time.
export function groupCaptures(records) {
  const byTime = new Map();
  for (const record of records) {
    const entry = byTime.get(record.CreateTimestamp) || { ms: record.CreateTimestamp, records: [] };
    entry.records.push(record);
    byTime.set(record.CreateTimestamp, entry);
  }
  return [...byTime.values()]
    .sort((a, b) => a.ms - b.ms)
    .map((entry) => ({
      ...entry,
      // A sequence object keeps this capture's image; the overwrite object
      // holds whatever was captured last.
      shown: entry.records.find((r) => !r.IsOverlay) || entry.records[0],
    }));
}

// A stored image: with auth on each load needs a freshly signed URL.
function StoredImage({ bucket, object, ...props }) {
  const [src, setSrc] = useState(null);
  useEffect(() => {
    let stopped = false;
    api.signedUrl(api.objectUrl(bucket, object)).then((url) => !stopped && setSrc(url));
    return () => {
      stopped = true;
    };
  }, [bucket, object]);
  return src ? html`<img src=${src} ...${props} />` : html`<span class="shot-empty"></span>`;
}

// Opens a stored image in a new tab with a URL signed at the click.
function openStored(event, bucket, object) {
  event.preventDefault();
  const tab = window.open('', '_blank');
  if (!tab) return;
  tab.opener = null;
  api.signedUrl(api.objectUrl(bucket, object)).then((url) => {
    tab.location = url;
  });
}

// Not live: the newest capture of the range shown, if any.
function LastCapture({ live, capture }) {
  if (live === undefined || !capture) {
    return html`<div class="shot"><div class="shot-empty">
      ${live === undefined ? 'Loading…' : 'Not live now'}
    </div></div>`;
  }
  const shown = capture.shown;
  return html`
    <div class="shot">
      <${StoredImage}
        bucket=${shown.OssBucket}
        object=${shown.OssObject}
        class="shot-img"
        alt=${`Last snapshot in this range, ${formatDateTime(capture.ms)}`}
      />
      <span class="shot-time">Not live · last in range ${formatClock(capture.ms)}</span>
    </div>
  `;
}

export function HistoryPage({ domain, app, stream }) {
  const [templates, refreshTemplates] = useDomainTemplates();
  // The stream as DescribeLiveStreamsOnlineList lists it, null when it is
  // not live (or that cannot be known), undefined before the first answer.
  const liveNow = useResource(async () => {
    const found = await api.listOnline({ DomainName: domain, AppName: app, StreamName: stream });
    refreshTemplates([domain]); // never fails: a domain whose list fails has none known
    return found[0] || null;
  }, POLL_MS.liveStreams);
  const live = liveNow.loaded ? liveNow.data : liveNow.error ? null : undefined;
  const [rangeKey, setRangeKey] = useState(null);
  const [history, setHistory] = useState({ records: [], next: '', loading: false, error: null });
  const [window_, setWindow] = useState(null);
  const now = useNow(1000);
  useEffect(() => {
    if (rangeKey === null && live !== undefined) setRangeKey(live ? 'publish' : '1h');
  }, [live, rangeKey]);

  const fetchPage = async (startMs, startText, endMs, append) => {
    setHistory((h) => ({ ...h, loading: true, error: null }));
    try {
      const page = await api.snapshotHistory({
        domain,
        app,
        stream,
        startTime: startText || iso8601(startMs),
        endTime: iso8601(endMs),
        limit: PAGE_LIMIT,
      });
      setHistory((h) => ({
        records: append ? [...h.records, ...page.records] : page.records,
        next: page.nextStartTime,
        loading: false,
        error: null,
      }));
    } catch (err) {
      setHistory((h) => ({ ...h, loading: false, error: err }));
    }
  };

  const reload = () => {
    if (rangeKey === null) return;
    const w = rangeWindow(rangeKey, live);
    setWindow(w);
    fetchPage(w.start, '', w.end, false);
  };
  useEffect(reload, [rangeKey, domain, app, stream]);

  const template = resolveTemplate(templates[domain], app);
  const title = `${domain}/${app}/${stream}`;
  const captures = groupCaptures(history.records);
  const crumbs = html`
    <${Link} to=${href()}>Live wall<//>
    <span aria-hidden="true">›</span>
    <span>${domain}</span>
    <span aria-hidden="true">›</span>
    <span>${app}</span>
  `;
  return html`
    <${PageHeader} title=${stream} crumbs=${crumbs}>
      <${Link} class="button" to=${href('domains', domain, 'snapshots')}>Templates of ${domain}<//>
    <//>
    <div class="stream-top">
      <div class="stream-live">
        ${live
          ? html`<${LiveImage}
              domain=${domain}
              app=${app}
              stream=${stream}
              intervalS=${template ? template.TimeInterval : null}
              alt=${`Newest snapshot of ${title}`}
            />`
          : html`<${LastCapture} live=${live} capture=${captures[captures.length - 1]} />`}
      </div>
      <dl class="stream-facts">
        <div><dt>Stream</dt><dd>${title}</dd></div>
        ${live &&
        html`
          <div><dt>Status</dt><dd><span class="live-badge inline"><span class="dot" aria-hidden="true"></span>LIVE</span> for ${formatDuration(now - Date.parse(live.PublishTime))}</dd></div>
          <div><dt>Video</dt><dd>${streamDescription(live) || '—'}</dd></div>
          <div><dt>Protocol</dt><dd class="protocol">${streamProtocol(live)}</dd></div>
          <div><dt>Audio</dt><dd>${!live.AudioCodec || live.AudioCodec === 'unknown' ? 'none' : live.AudioCodec}</dd></div>
          <div><dt>Bitrate</dt><dd>${formatBitrate(live.BitrateKbps)}</dd></div>
          <div><dt>Push started</dt><dd>${formatDateTime(live.PublishTime)}</dd></div>
          <div><dt>From</dt><dd>${live.ClientIp || '—'}</dd></div>
        `}
        ${live === null && html`<div><dt>Status</dt><dd>Not live</dd></div>`}
        <div>
          <dt>Template</dt>
          <dd>
            ${template
              ? `AppName ${template.AppName}, every ${formatInterval(template.TimeInterval)}`
              : templates[domain]
                ? 'none for this app'
                : '…'}
          </dd>
        </div>
      </dl>
    </div>

    <section class="history" aria-labelledby="history-title">
      <div class="section-head">
        <h2 id="history-title">Snapshot history</h2>
        <div class="history-controls">
          <label>
            <span>Time range</span>
            <select value=${rangeKey || ''} onChange=${(e) => setRangeKey(e.target.value)}>
              ${RANGES.filter((r) => r.key !== 'publish' || live).map(
                (r) => html`<option value=${r.key}>${r.label}</option>`,
              )}
            </select>
          </label>
          <button type="button" class="button" onClick=${reload}>Refresh</button>
        </div>
      </div>
      ${window_ &&
      html`<p class="muted">
        ${`${captures.length} capture${captures.length === 1 ? '' : 's'} from ${formatDateTime(window_.start)} to ${formatDateTime(window_.end)}, oldest first.`}
      </p>`}
      <${ErrorBanner} error=${history.error} />
      ${!history.loading &&
      !history.error &&
      window_ &&
      captures.length === 0 &&
      html`<div class="empty">No snapshot of this stream in this time range.</div>`}
      <ol class="timeline">
        ${captures.map((capture, i) => {
          const newDay = i === 0 || formatDate(capture.ms) !== formatDate(captures[i - 1].ms);
          const shown = capture.shown;
          const overlayOnly = shown.IsOverlay;
          return html`
            <li class="tl-item" key=${capture.ms}>
              ${newDay && html`<div class="tl-day">${formatDate(capture.ms)}</div>`}
              <a
                class="thumb"
                href=${api.objectUrl(shown.OssBucket, shown.OssObject)}
                target="_blank"
                rel="noopener"
                onClick=${(e) => openStored(e, shown.OssBucket, shown.OssObject)}
                title=${`${shown.OssBucket}/${shown.OssObject}`}
              >
                <${StoredImage}
                  bucket=${shown.OssBucket}
                  object=${shown.OssObject}
                  loading="lazy"
                  decoding="async"
                  width=${shown.Width || 16}
                  height=${shown.Height || 9}
                  alt=${`Snapshot at ${formatDateTime(capture.ms)}`}
                />
              </a>
              <div class="tl-meta">
                <time datetime=${new Date(capture.ms).toISOString()}>${formatClock(capture.ms)}</time>
                <span class="tl-modes">
                  ${capture.records.map(
                    (r) => html`<span class="tag">${r.IsOverlay ? 'Overwrite' : 'New'}</span>`,
                  )}
                </span>
              </div>
              ${overlayOnly &&
              html`<p class="hint">Overwrite object: replaced at every capture.</p>`}
            </li>
          `;
        })}
      </ol>
      <div class="history-more">
        ${history.loading && html`<span class="muted">Loading…</span>`}
        ${!history.loading &&
        history.next &&
        html`<button
          type="button"
          class="button"
          onClick=${() => fetchPage(0, history.next, window_.end, true)}
        >
          Load more (from ${formatClock(Date.parse(history.next))})
        </button>`}
        ${!history.loading &&
        !history.next &&
        captures.length > 0 &&
        html`<span class="muted">End of the time range.</span>`}
      </div>
    </section>
  `;
}
