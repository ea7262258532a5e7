// The live wall: every live stream as a card with its newest snapshot,
// refreshed at the interval of the template it follows.
import { html, useCallback, useRef, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { resolveTemplate } from './forms.js';
import { formatBitrate, formatDuration, formatInterval, formatResolution } from './format.js';
import { POLL_MS, useResource } from './hooks.js';
import { LiveImage } from './live_image.js';
import { Link, href } from './router.js';
import { ErrorBanner, PageHeader, useNow } from './ui.js';

// Domain -> its templates, each list read again once it is older than
// POLL_MS.templates.
export function useDomainTemplates() {
  const [byDomain, setByDomain] = useState({});
  const fetchedAt = useRef({});
  const refresh = useCallback(async (domains) => {
    const now = Date.now();
    const stale = domains.filter((d) => !(fetchedAt.current[d] > now - POLL_MS.templates));
    if (stale.length === 0) return;
    for (const d of stale) fetchedAt.current[d] = now;
    const lists = await Promise.all(stale.map((d) => api.listTemplates(d).catch(() => null)));
    setByDomain((previous) => {
      const next = { ...previous };
      stale.forEach((d, i) => {
        next[d] = lists[i];
      });
      return next;
    });
  }, []);
  return [byDomain, refresh];
}

// "RTMP", "SRT": how the stream is pushed (DescribeLiveStreamsOnlineList's Protocol).
export function streamProtocol(stream) {
  return (stream.Protocol || 'rtmp').toUpperCase();
}

export function streamDescription(stream) {
  const parts = [stream.VideoCodec, formatResolution(stream.Width, stream.Height)];
  if (stream.FrameRate > 0) parts.push(`${Math.round(stream.FrameRate)} fps`);
  return parts.filter(Boolean).join(' · ');
}

export function WallPage() {
  const [filter, setFilter] = useState('');
  const [templates, refreshTemplates] = useDomainTemplates();
  const now = useNow(1000);
  const { data: streams, error, loaded } = useResource(async () => {
    const online = await api.listOnline();
    refreshTemplates([...new Set(online.map((s) => s.DomainName))]); // never fails
    return online;
  }, POLL_MS.liveStreams);

  const needle = filter.trim().toLowerCase();
  const shown = (streams || []).filter(
    (s) =>
      !needle ||
      `${s.DomainName}/${s.AppName}/${s.StreamName}`.toLowerCase().includes(needle),
  );
  const count = streams ? streams.length : 0;
  return html`
    <${PageHeader} title="Live wall">
      <label class="filter">
        <span>Filter</span>
        <input
          type="search"
          placeholder="domain, app or stream"
          value=${filter}
          onInput=${(e) => setFilter(e.target.value)}
        />
      </label>
    <//>
    <p class="lead" aria-live="polite">
      ${!loaded
        ? 'Loading live streams…'
        : `${count} live stream${count === 1 ? '' : 's'}${needle ? `, ${shown.length} shown` : ''}.`}
      ${' '}Each card shows the newest snapshot; select one for its history.
    </p>
    <${ErrorBanner} error=${error} />
    ${loaded && count === 0 && html`<${EmptyWall} />`}
    <ul class="wall">
      ${shown.map((stream) => {
        const key = `${stream.DomainName}/${stream.AppName}/${stream.StreamName}`;
        const domainTemplates = templates[stream.DomainName];
        const template = resolveTemplate(domainTemplates, stream.AppName);
        return html`<${StreamCard}
          key=${key}
          stream=${stream}
          template=${template}
          templatesKnown=${Boolean(domainTemplates)}
          now=${now}
        />`;
      })}
    </ul>
  `;
}

function StreamCard({ stream, template, templatesKnown, now }) {
  const liveMs = now - Date.parse(stream.PublishTime);
  const title = `${stream.DomainName}/${stream.AppName}/${stream.StreamName}`;
  return html`
    <li class="card" data-stream=${title}>
      <div class="card-media">
        <${LiveImage}
          domain=${stream.DomainName}
          app=${stream.AppName}
          stream=${stream.StreamName}
          intervalS=${template ? template.TimeInterval : null}
          alt=${`Newest snapshot of ${title}`}
        />
        <span class="live-badge">
          <span class="dot" aria-hidden="true"></span>LIVE${' '}
          <span class="visually-hidden">for</span>
          <span class="live-time">${formatDuration(liveMs)}</span>
        </span>
      </div>
      <div class="card-body">
        <h2 class="card-title">
          <${Link}
            class="stretched"
            to=${href('streams', stream.DomainName, stream.AppName, stream.StreamName)}
          >${stream.StreamName}<//>
        </h2>
        <p class="card-sub">${stream.DomainName} / ${stream.AppName}</p>
        <dl class="card-meta">
          <div class="wide"><dt>Video</dt><dd>${streamDescription(stream) || '—'}</dd></div>
          <div><dt>Protocol</dt><dd class="protocol">${streamProtocol(stream)}</dd></div>
          <div><dt>Bitrate</dt><dd class="bitrate">${formatBitrate(stream.BitrateKbps)}</dd></div>
          <div>
            <dt>Snapshots</dt>
            <dd title=${template ? `Template of AppName ${template.AppName}` : ''}>
              ${template
                ? `every ${formatInterval(template.TimeInterval)}`
                : templatesKnown
                  ? 'no template'
                  : '…'}
            </dd>
          </div>
        </dl>
      </div>
    </li>
  `;
}

function EmptyWall() {
  const host = location.hostname || '127.0.0.1';
  return html`
    <div class="empty">
      <p><strong>No stream is live right now.</strong> Push one and its card appears here:</p>
      <pre><code>ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=30 -c:v libx264 -g 60 \\
  -f flv rtmp://${host}/live/demo</code></pre>
      <p class="muted">
        The RTMP host names the streaming domain (or add <code>?vhost=DOMAIN</code> after the app);
        it must be one of the <${Link} to=${href('domains')}>Domain Names<//>, with a snapshot
        template for the app.
      </p>
    </div>
  `;
}
