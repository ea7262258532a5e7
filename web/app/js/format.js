// How times, durations and rates read on screen (local time, 24 h).

function pad(n) {
  return String(n).padStart(2, '0');
}

export function parseTime(value) {
  return typeof value === 'number' ? value : Date.parse(value);
}

export function formatDate(value) {
  const d = new Date(parseTime(value));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function formatClock(value) {
  const d = new Date(parseTime(value));
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDateTime(value) {
  const ms = parseTime(value);
  if (!Number.isFinite(ms)) return '—';
  return `${formatDate(ms)} ${formatClock(ms)}`;
}

// 0:07, 12:03, 1:02:03
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

// "4 s ago", "3 min ago", "2 h ago"
export function formatAgo(ms, now) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export function formatBitrate(kbps) {
  if (!Number.isFinite(kbps) || kbps <= 0) return '—';
  if (kbps >= 1000) return `${(kbps / 1000).toFixed(kbps >= 10000 ? 0 : 1)} Mbit/s`;
  return `${Math.round(kbps)} kbit/s`;
}

export function formatResolution(width, height) {
  return width > 0 && height > 0 ? `${width}×${height}` : '';
}

export function formatInterval(seconds) {
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

// What the health banner says for a /healthz answer: null when livesnapd is
// healthy, else one line per problem ({component, reason, message}).
export function describeHealth(status, body) {
  if (status === 200) return null;
  const problems = body && Array.isArray(body.Problems) ? body.Problems : [];
  if (problems.length > 0) {
    return problems.map((p) => ({ component: p.Component, reason: p.Reason, message: p.Message }));
  }
  const message = (body && body.Message) || `livesnapd answered HTTP ${status}`;
  return [{ component: 'livesnapd', reason: status ? 'error' : 'unreachable', message }];
}
