// The cluster's nodes (DescribeLivesnapNodes, a livesnap extension): each
// node's live streams, snapshot rate, upload backlog and last heartbeat. A
// single livesnapd shows itself alone.
import { html, useRef } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { formatAgo, formatDateTime } from './format.js';
import { POLL_MS, useResource } from './hooks.js';
import { Link, href } from './router.js';
import { ErrorBanner, PageHeader, useNow } from './ui.js';

const SHOWN_STREAMS = 12;

// Objects stored a minute, from two readings of a node's stored-snapshot counter.
export function snapshotRate(previous, current) {
  if (!previous || !current || previous.at >= current.at || current.stored < previous.stored) {
    return null;
  }
  return ((current.stored - previous.stored) * 60000) / (current.at - previous.at);
}

export function NodesPage() {
  const readings = useRef({}); // NodeId -> { previous, latest }, each { at, stored }
  const now = useNow(1000);
  const { data, error } = useResource(async () => {
    const [nodes, streams] = await Promise.all([api.listNodes(), api.listOnline()]);
    const at = Date.now();
    for (const node of nodes) {
      const seen = readings.current[node.NodeId];
      readings.current[node.NodeId] = {
        previous: seen && seen.latest,
        latest: { at, stored: node.SnapshotsStored },
      };
    }
    return { nodes, streams };
  }, POLL_MS.liveStreams);
  const { nodes, streams } = data || { nodes: null, streams: [] };

  const byNode = {};
  for (const s of streams) (byNode[s.NodeId] = byNode[s.NodeId] || []).push(s);
  const count = nodes ? nodes.length : 0;
  return html`
    <${PageHeader} title="Nodes" />
    <p class="lead" aria-live="polite">
      ${nodes === null
        ? 'Loading nodes…'
        : `${count} node${count === 1 ? ' uses' : 's share'} this catalog; ${streams.length} live stream${
            streams.length === 1 ? '' : 's'
          } in all.`}
    </p>
    <${ErrorBanner} error=${error} />
    ${nodes !== null &&
    html`<table class="table nodes">
      <caption class="visually-hidden">Cluster nodes</caption>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">Live streams</th>
          <th scope="col" class="num" title="Snapshot objects (overwrite and sequence) stored a minute">
            Stored/min
          </th>
          <th scope="col" class="num">Upload backlog</th>
          <th scope="col">Last heartbeat</th>
          <th scope="col">Addresses</th>
        </tr>
      </thead>
      <tbody>
        ${nodes.map((node) => {
          const { previous, latest } = readings.current[node.NodeId] || {};
          const rate = snapshotRate(previous, latest);
          const live = byNode[node.NodeId] || [];
          return html`<tr key=${node.NodeId} data-node=${node.NodeId}>
            <th scope="row" data-label="Node">
              <span class="strong">${node.NodeId}</span>
              ${node.Self && html` <span class="tag">this node</span>`}
              <div class="muted small">${node.Version}, up since ${formatDateTime(node.StartTime)}</div>
            </th>
            <td data-label="Status">
              <span class=${`tag ${node.Online ? 'ok' : 'danger'}`}>
                ${node.Online ? 'Online' : 'Offline'}
              </span>
            </td>
            <td data-label="Live streams" class="num">
              <span class="node-live-count">${node.LiveStreams}</span>
              ${live.length > 0 &&
              html`<ul class="node-streams small">
                ${live.slice(0, SHOWN_STREAMS).map(
                  (s) => html`<li key=${`${s.DomainName}/${s.AppName}/${s.StreamName}`}>
                    <${Link} to=${href('streams', s.DomainName, s.AppName, s.StreamName)}>
                      ${s.AppName}/${s.StreamName}
                    <//>
                  </li>`,
                )}
                ${live.length > SHOWN_STREAMS &&
                html`<li class="muted">and ${live.length - SHOWN_STREAMS} more</li>`}
              </ul>`}
            </td>
            <td data-label="Stored/min" class="num">
              ${rate === null ? '…' : rate.toFixed(rate < 10 ? 1 : 0)}
            </td>
            <td data-label="Upload backlog" class="num">${node.UploadBacklog}</td>
            <td data-label="Last heartbeat">${formatAgo(Date.parse(node.LastHeartbeatTime), now)}</td>
            <td data-label="Addresses" class="small">
              <div>RTMP <code>${node.RtmpAddress}</code></div>
              <div>API <code>${node.ApiAddress}</code></div>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`}
  `;
}
