// The web console in a real browser against a real livesnapd: Debian's
// Chromium driven by playwright-core, livesnapd started with API
// authentication on, streams pushed with the ffmpeg CLI (RTMP and SRT). Every step goes
// through the pages as a user would (sign in, Domain Names, Manage
// Templates, the live wall, a stream's history); a second API client
// plays another operator where a step needs the server's own refusal.
// Screenshots of each page go to the artifacts directory.
//
//   node tests/console/console_e2e.test.mjs <livesnapd> <artifacts dir> <npm dir>
//
// <npm dir> holds node_modules with playwright-core (npm ci of this
// directory's package-lock.json; the CTest fixture console.npm_ci).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, launchChromium, startLivesnapd, startLocalLivesnapd, waitFor } from './harness.mjs';

const [livesnapd, artifactsDir, npmDir] = process.argv.slice(2).map((arg) => path.resolve(arg));
if (!livesnapd || !artifactsDir || !npmDir) {
  throw new Error('usage: console_e2e.test.mjs <livesnapd> <artifacts dir> <npm dir>');
}
const KEY_ID = 'LTAI-console-test';
const SECRET = `console-secret-${process.pid}`;
const DOMAIN = 'push.console.test';
const SEED_DOMAIN = 'seed.console.test'; // declared in the config file
const DEMO = `${DOMAIN}/live/demo`;

let dir;
let apiPort;
let rtmpPort;
let srtPort;
let base;
let server;
let context;
let page;
const pageErrors = [];
const pushes = [];

// Another operator's client: signature v1 with node:crypto.
function percentEncode(text) {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

async function api(action, params = {}) {
  const all = {
    Action: action,
    Version: '2016-11-01',
    Format: 'JSON',
    AccessKeyId: KEY_ID,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...params,
  };
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(String(all[k]))}`)
    .join('&');
  const signature = createHmac('sha1', `${SECRET}&`)
    .update(`GET&%2F&${percentEncode(canonical)}`)
    .digest('base64');
  const response = await fetch(`${base}/?${canonical}&Signature=${percentEncode(signature)}`);
  const body = await response.json();
  if (!response.ok) throw new Error(`${action}: ${body.Code}: ${body.Message}`);
  return body;
}

// ffmpeg pushing a test pattern as live/<stream> of DOMAIN: FLV over RTMP,
// or MPEG-TS over SRT.
function push(stream, { realtime, seconds, protocol = 'rtmp' }) {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (realtime) args.push('-re');
  args.push(
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25',
    '-pix_fmt', 'yuv420p', '-b:v', '800k',
  );
  if (protocol === 'srt') {
    const streamId = `#!::h=${DOMAIN},r=live/${stream},m=publish`;
    args.push('-f', 'mpegts', `srt://127.0.0.1:${srtPort}?streamid=${streamId}`);
  } else {
    args.push('-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live?vhost=${DOMAIN}/${stream}`);
  }
  const log = fs.createWriteStream(path.join(artifactsDir, `ffmpeg-${stream}.log`));
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  pushes.push({ child, exited });
  return { child, exited };
}

async function screenshot(name) {
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });
}

function dialog(name) {
  return page.getByRole('dialog', { name });
}

async function goTo(linkName) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: linkName }).click();
}

async function templateRows() {
  return page.locator('table.templates tbody tr').evaluateAll((rows) =>
    rows.map((row) => row.getAttribute('data-app')),
  );
}

async function addActionRequests(action) {
  return requests.filter((body) => body.includes(`Action=${action}`)).length;
}
const requests = [];

before(async () => {
  fs.mkdirSync(artifactsDir, { recursive: true });
  for (const file of fs.readdirSync(artifactsDir)) fs.rmSync(path.join(artifactsDir, file));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livesnap-console-'));
  apiPort = await freePort();
  rtmpPort = await freePort();
  srtPort = await freePort('udp');
  base = `http://127.0.0.1:${apiPort}`;
  const config = path.join(dir, 'livesnap.toml');
  fs.writeFileSync(
    config,
    `
[server]
data_dir = "${path.join(dir, 'data')}"

[rtmp]
listen = "127.0.0.1:${rtmpPort}"

[srt]
listen = "127.0.0.1:${srtPort}"

[api]
listen = "127.0.0.1:${apiPort}"
auth = "on"
access_keys = [{ id = "${KEY_ID}", secret_env = "LIVESNAP_CONSOLE_SECRET" }]

[[storage]]
name = "snapshots"
region = "local"
endpoint = "file.local"
kind = "file"
root = "snapshots"

[[storage]]
name = "shanghai-shots"
region = "cn-shanghai"
endpoint = "oss-cn-shanghai.local"
kind = "file"
root = "shanghai"

[[domain]]
name = "${SEED_DOMAIN}"
region = "local"
`,
  );
  server = await startLivesnapd(livesnapd, config, {
    env: { LIVESNAP_CONSOLE_SECRET: SECRET },
    logPath: path.join(artifactsDir, 'livesnapd.log'),
  });
  context = await launchChromium(npmDir, path.join(dir, 'chromium-profile'));
  page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/') {
      requests.push(request.postData() || '');
    }
  });
});

after(async () => {
  if (context) await context.close();
  for (const { child } of pushes) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(pushes.map((p) => p.exited));
  if (server) await server.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('/ leads to the console, which asks for an AccessKey and signs with it', async () => {
  const index = await fetch(`${base}/console/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  const etag = index.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  assert.equal((await fetch(`${base}/console/`, { headers: { 'If-None-Match': etag } })).status, 304);

  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, '/console/');
  const signIn = dialog('Sign in with an AccessKey');
  await signIn.waitFor();
  await signIn.getByLabel('AccessKeyId').fill(KEY_ID);
  await signIn.getByLabel('AccessKeySecret').fill('not-the-secret');
  await screenshot('01-sign-in');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.getByText('SignatureDoesNotMatch').waitFor();
  await signIn.getByLabel('AccessKeyId').fill(KEY_ID);
  await signIn.getByLabel('AccessKeySecret').fill(SECRET);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.waitFor({ state: 'detached' });
  await page.getByText('No stream is live right now.').waitFor();
  const stored = await page.evaluate(() => ({
    session: sessionStorage.getItem('livesnap.console.accessKey'),
    local: localStorage.length,
  }));
  assert.equal(JSON.parse(stored.session).accessKeyId, KEY_ID);
  assert.equal(stored.local, 0);
  assert.ok(requests.some((body) => body.includes('Signature=')), 'requests are signed');
  await screenshot('02-wall-empty');
});

test('Domain Names: add a domain whose region has no storage, see why, delete it', async () => {
  await goTo('Domain Names');
  await page.getByRole('heading', { name: 'Domain Names', level: 1 }).waitFor();
  await page.locator(`tr[data-domain="${SEED_DOMAIN}"]`).waitFor();

  await page.getByRole('button', { name: 'Add domain' }).click();
  const add = dialog('Add domain');
  await add.getByLabel('Domain name').fill('not a domain!');
  await add.getByLabel('Region', { exact: true }).selectOption({ label: 'Another region…' });
  await add.getByLabel('Region name').fill('cn-hangzhou');
  await add.getByRole('button', { name: 'Add domain' }).click();
  await add.locator('#domain-name-error').waitFor();
  await add.getByLabel('Domain name').fill(DOMAIN);
  await add.getByRole('button', { name: 'Add domain' }).click();
  await add.waitFor({ state: 'detached' });
  const row = page.locator(`tr[data-domain="${DOMAIN}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /cn-hangzhou/);

  await row.getByRole('link', { name: 'Manage Templates' }).click();
  await page.getByRole('heading', { name: `Manage Templates · ${DOMAIN}` }).waitFor();
  await page.getByText(`No snapshot template on ${DOMAIN}`).waitFor();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const form = dialog('Add snapshot template');
  const none = form.locator('#tpl-bucket-none');
  await none.waitFor();
  assert.match(await none.innerText(), /No storage location is in region cn-hangzhou/);
  assert.match(await none.innerText(), /shanghai-shots/);
  await screenshot('03-template-no-storage-in-region');
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached' });

  await goTo('Domain Names');
  await row.getByRole('button', { name: `Delete ${DOMAIN}` }).click();
  const confirm = dialog('Delete domain');
  await confirm.getByText(`Delete ${DOMAIN}?`).waitFor();
  await confirm.getByRole('button', { name: 'Delete domain' }).click();
  await row.waitFor({ state: 'detached' });

  await page.getByRole('button', { name: 'Add domain' }).click();
  await add.getByLabel('Domain name').fill(DOMAIN);
  await add.getByLabel('Region', { exact: true }).selectOption('cn-shanghai');
  await add.getByRole('button', { name: 'Add domain' }).click();
  await add.waitFor({ state: 'detached' });
  await row.waitFor();
  assert.match(await row.innerText(), /cn-shanghai/);
  await screenshot('04-domains');
});

test('Add template: the interval and region errors are shown in the form', async () => {
  await page.locator(`tr[data-domain="${DOMAIN}"]`).getByRole('link', { name: 'Manage Templates' }).click();
  await page.getByRole('heading', { name: `Manage Templates · ${DOMAIN}` }).waitFor();
  await page.getByText('Changes apply from the next push.').waitFor();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const form = dialog('Add snapshot template');
  await form.getByLabel('AppName').fill('live');
  await form.getByLabel('Snapshot Capture Interval (seconds)').fill('2');
  const bucket = form.getByLabel('Storage Location');
  assert.deepEqual(
    await bucket.locator('option:not([disabled])').evaluateAll((o) => o.map((x) => x.value)),
    ['shanghai-shots'],
  );
  assert.equal(await form.locator('#tpl-overwrite-pattern').inputValue(), '{AppName}/{StreamName}.jpg');
  assert.equal(
    await form.locator('#tpl-sequence-pattern').inputValue(),
    '{AppName}/{StreamName}/{Sequence}.jpg',
  );

  const addsBefore = await addActionRequests('AddLiveAppSnapshotConfig');
  await form.getByRole('button', { name: 'OK' }).click();
  const intervalError = form.locator('#tpl-interval-error');
  await intervalError.waitFor();
  assert.match(await intervalError.innerText(), /5 to 3600/);
  await waitFor('focus on the interval', () =>
    page.evaluate(() => document.activeElement && document.activeElement.id === 'tpl-interval'),
  );
  assert.equal(await addActionRequests('AddLiveAppSnapshotConfig'), addsBefore, 'nothing was sent');
  await screenshot('05-template-interval-error');

  // Meanwhile another operator moves the domain to region "local": the
  // form's storage location is now in the wrong region and the server says so.
  await api('DeleteLiveDomain', { DomainName: DOMAIN });
  await api('AddLiveDomain', { DomainName: DOMAIN, Region: 'local', LiveDomainType: 'liveVideo' });
  await form.getByLabel('Snapshot Capture Interval (seconds)').fill('5');
  await form.getByRole('button', { name: 'OK' }).click();
  const bucketError = form.locator('#tpl-bucket-error');
  await bucketError.waitFor();
  assert.match(await bucketError.innerText(), /InvalidOssBucket\.RegionMismatch/);
  assert.match(await bucketError.innerText(), /region/);
  assert.equal(await form.locator('#tpl-interval-error').count(), 0);
  await waitFor('the refreshed storage list', async () =>
    JSON.stringify(
      await bucket.locator('option:not([disabled])').evaluateAll((o) => o.map((x) => x.value)),
    ) === '["snapshots"]',
  );
  await screenshot('06-template-region-error');

  await bucket.selectOption('snapshots');
  await form.getByRole('button', { name: 'OK' }).click();
  await form.waitFor({ state: 'detached' });
  await page.locator('tr[data-app="live"]').waitFor();
  assert.match(await page.locator('tr[data-app="live"]').innerText(), /every 5 s[\s\S]*snapshots/);

  // The same AppName again: the server's ConfigAlreadyExists lands on AppName.
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await form.getByLabel('AppName').fill('live');
  await form.getByRole('button', { name: 'OK' }).click();
  const appError = form.locator('#tpl-app-error');
  await appError.waitFor();
  assert.match(await appError.innerText(), /ConfigAlreadyExists/);

  // Focus stays in the dialog however far Tab goes; Esc closes it.
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press(i % 7 === 6 ? 'Shift+Tab' : 'Tab');
    assert.ok(
      await page.evaluate(() => Boolean(document.activeElement.closest('dialog[open]'))),
      `focus left the dialog after ${i + 1} key presses`,
    );
  }
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached' });
  assert.deepEqual(await templateRows(), ['live']);
  await screenshot('07-templates');
});

test('a pushed stream gets a card on the live wall with a real snapshot that refreshes', async () => {
  push('demo', { realtime: true, seconds: 300 });
  await goTo('Live wall');
  const card = page.locator(`li.card[data-stream="${DEMO}"]`);
  await card.waitFor({ timeout: 30000 });
  const image = card.locator('img.shot-img');
  await image.waitFor({ timeout: 30000 });
  await waitFor('a decoded snapshot', () => image.evaluate((img) => img.complete && img.naturalWidth > 0));
  assert.equal(await image.evaluate((img) => img.naturalWidth), 640);
  const text = await card.innerText();
  assert.match(text, /demo/);
  assert.match(text, new RegExp(`${DOMAIN.replaceAll('.', '\\.')} / live`));
  assert.match(text, /H\.264 · 640×360 · 25 fps/);
  assert.match(text, /every 5 s/);
  await waitFor('a bitrate', async () => /[\d.]+ (k|M)bit\/s/.test(await card.locator('.bitrate').innerText()));

  const firstCapture = await card.locator('.shot-time time').getAttribute('datetime');
  const boxBefore = await card.boundingBox();
  await waitFor(
    'the next snapshot',
    async () => (await card.locator('.shot-time time').getAttribute('datetime')) !== firstCapture,
    20000,
  );
  const boxAfter = await card.boundingBox();
  assert.deepEqual(boxAfter, boxBefore, 'the card keeps its place and size when its image changes');
  assert.ok(await image.evaluate((img) => img.naturalWidth > 0));
  await screenshot('08-wall');

  await page.setViewportSize({ width: 390, height: 844 });
  await card.locator('img.shot-img').waitFor();
  await screenshot('09-wall-phone');
  await page.setViewportSize({ width: 1280, height: 860 });
});

test('Nodes: this node, online, with its live stream, rate and heartbeat', async () => {
  await goTo('Nodes');
  const rows = page.locator('table.nodes tbody tr');
  await rows.first().waitFor({ timeout: 30000 });
  assert.equal(await rows.count(), 1, 'a single livesnapd lists itself alone');
  const row = rows.first();
  await waitFor('the live stream under its node', async () =>
    /live\/demo/.test(await row.innerText()),
  );
  const text = await row.innerText();
  assert.match(text, /this node/);
  assert.match(text, /Online/);
  assert.match(text, /RTMP 127\.0\.0\.1:\d+/);
  assert.equal((await row.locator('.node-live-count').innerText()).trim(), '1');
  assert.match(text, /\d+ s ago/);
  await waitFor('a snapshot rate', async () =>
    /^\d+(\.\d)?$/.test((await row.locator('td[data-label="Stored/min"]').innerText()).trim()),
  20000);
  await screenshot('08b-nodes');
  await goTo('Live wall');
});

test('each stream shows the protocol it is pushed with, on its card and its page', async () => {
  const srt = push('srtcam', { realtime: true, seconds: 120, protocol: 'srt' });
  try {
    await goTo('Live wall');
    const card = page.locator(`li.card[data-stream="${DOMAIN}/live/srtcam"]`);
    await card.waitFor({ timeout: 30000 });
    assert.equal((await card.locator('.protocol').innerText()).trim(), 'SRT');
    const rtmpCard = page.locator(`li.card[data-stream="${DEMO}"]`);
    assert.equal((await rtmpCard.locator('.protocol').innerText()).trim(), 'RTMP');
    // MPEG-TS announces no frame rate: it is measured from the stream.
    await waitFor('the SRT stream\'s frame rate', async () =>
      /\b25 fps\b/.test(await card.innerText()), 30000);
    await screenshot('08c-wall-protocols');

    await card.click();
    await page.getByRole('heading', { name: 'srtcam', level: 1 }).waitFor();
    const protocol = page.locator('.stream-facts .protocol');
    await protocol.waitFor();
    assert.equal((await protocol.innerText()).trim(), 'SRT');
    await screenshot('08d-stream-srt');
  } finally {
    srt.child.kill('SIGTERM');
    await srt.exited;
  }
  // The wall as the next tests expect it: the RTMP stream alone.
  await goTo('Live wall');
  await page.locator(`li.card[data-stream="${DOMAIN}/live/srtcam"]`).waitFor({ state: 'detached', timeout: 30000 });
});

test('a stream\'s history is a timeline of stored thumbnails, paged with NextStartTime', async () => {
  const card = page.locator(`li.card[data-stream="${DEMO}"]`);
  await card.click();
  await page.waitForURL(`**/console/streams/${DOMAIN}/live/demo`);
  await page.getByRole('heading', { name: 'demo', level: 1 }).waitFor();
  const items = page.locator('.timeline .tl-item');
  await items.first().waitFor({ timeout: 20000 });
  await waitFor('thumbnails', () =>
    items.locator('img').evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0)),
  );
  assert.match(await items.first().locator('time').innerText(), /^\d\d:\d\d:\d\d$/);
  await screenshot('10-history-live');

  // 150 s of video pushed faster than real time: 30 captures, each a
  // Create New record, more than one page of 24 records.
  const fast = push('fast', { realtime: false, seconds: 150 });
  assert.equal(await fast.exited, 0, 'ffmpeg pushed the fast stream');
  const range = {
    DomainName: DOMAIN,
    AppName: 'live',
    StreamName: 'fast',
    StartTime: new Date(Date.now() - 3600e3).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    EndTime: new Date(Date.now() + 600e3).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Limit: 100,
  };
  const stored = await waitFor('the fast stream\'s records', async () => {
    const body = await api('DescribeLiveStreamSnapshotInfo', range);
    const list = body.LiveStreamSnapshotInfoList.LiveStreamSnapshotInfo;
    return list.filter((r) => !r.IsOverlay).length >= 30 ? list : null;
  });
  const captures = new Set(stored.map((r) => r.CreateTimestamp)).size;
  // A page of 24 ends at a second's boundary (NextStartTime has whole
  // seconds), so the console's first page is the API's.
  const firstPage = (await api('DescribeLiveStreamSnapshotInfo', { ...range, Limit: 24 }))
    .LiveStreamSnapshotInfoList.LiveStreamSnapshotInfo;
  const firstPageCaptures = new Set(firstPage.map((r) => r.CreateTimestamp)).size;

  await page.goto(`${base}/console/streams/${DOMAIN}/live/fast`);
  await page.getByRole('heading', { name: 'fast', level: 1 }).waitFor();
  await page.locator('.stream-facts').getByText('Not live', { exact: true }).waitFor();
  const more = page.getByRole('button', { name: /Load more/ });
  await more.waitFor();
  assert.equal(await items.count(), firstPageCaptures, 'the first page is the API\'s first page of 24');
  await more.click();
  await waitFor('the second page', async () => (await items.count()) === captures);
  assert.equal(await more.count(), 0);
  await page.getByText('End of the time range.').waitFor();
  const times = await items.locator('time').evaluateAll((t) => t.map((x) => Date.parse(x.getAttribute('datetime'))));
  for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], 'oldest first, no repeats');
  await waitFor('every thumbnail decoded', async () => {
    await page.mouse.wheel(0, 4000);
    return items.locator('img').evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0));
  });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot('11-history-paged');
});

test('edit the template: interval and storage modes', async () => {
  await page.goto(`${base}/console/domains/${DOMAIN}/snapshots`);
  const row = page.locator('tr[data-app="live"]');
  await row.waitFor();
  await row.getByRole('button', { name: 'Edit template live' }).click();
  const form = dialog('Edit template · live');
  assert.equal(await form.getByLabel('AppName').inputValue(), 'live');
  assert.ok(await form.getByLabel('AppName').evaluate((input) => input.readOnly));
  await form.getByLabel('Snapshot Capture Interval (seconds)').fill('10');
  await form.getByRole('checkbox', { name: /Overwrite/ }).uncheck();
  await form.getByRole('checkbox', { name: /Create New/ }).uncheck();
  await form.getByRole('button', { name: 'Save' }).click();
  await form.locator('#tpl-modes-error').waitFor();
  await form.getByRole('checkbox', { name: /Overwrite/ }).check();
  await form.getByLabel('Callback URL (optional)').fill('http://127.0.0.1:9/snapshot-hook');
  await screenshot('12-template-edit-dialog');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached' });
  await waitFor('the edited row', async () => /every 10 s/.test(await row.innerText()));
  const text = await row.innerText();
  assert.match(text, /Overwrite/);
  assert.doesNotMatch(text, /Create New/);
  assert.match(text, /snapshot-hook/);
  const body = await api('DescribeLiveSnapshotConfig', { DomainName: DOMAIN, AppName: 'live' });
  const saved = body.LiveStreamSnapshotConfigList.LiveStreamSnapshotConfig[0];
  assert.equal(saved.TimeInterval, 10);
  assert.equal(saved.SequenceOssObject, '');  // unset modes are listed empty
  assert.equal(saved.Callback, 'http://127.0.0.1:9/snapshot-hook');
  await screenshot('13-template-edited');
  await page.setViewportSize({ width: 390, height: 844 });
  await row.getByRole('button', { name: 'Edit template live' }).waitFor();
  await screenshot('13-template-edited-phone');
  await page.setViewportSize({ width: 1280, height: 860 });
});

test('delete the template after confirming', async () => {
  const row = page.locator('tr[data-app="live"]');
  await row.getByRole('button', { name: 'Delete template live' }).click();
  const confirm = dialog('Delete template');
  await confirm.waitFor();
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  assert.deepEqual(await templateRows(), ['live']);
  await row.getByRole('button', { name: 'Delete template live' }).click();
  await screenshot('14-template-delete-confirm');
  await confirm.getByRole('button', { name: 'Delete template' }).click();
  await row.waitFor({ state: 'detached' });
  await page.getByText(`No snapshot template on ${DOMAIN}`).waitFor();
  const body = await api('DescribeLiveSnapshotConfig', { DomainName: DOMAIN });
  assert.equal(body.TotalNum, 0);
  await screenshot('15-templates-empty');
});

test('a degraded livesnapd shows a banner naming each problem on every page', async () => {
  // A second livesnapd whose data directory is below its free-space minimum
  // for real: /healthz answers 503 with a "disk" problem.
  const degradedDir = path.join(dir, 'degraded');
  const degraded = await startLocalLivesnapd(livesnapd, degradedDir, {
    serverLines: 'min_free_disk_bytes = 9000000000000000000',
    logPath: path.join(artifactsDir, 'livesnapd-degraded.log'),
  });
  try {
    const other = await context.newPage();
    try {
      await other.goto(`${degraded.base}/console/`);
      const banner = other.getByRole('alert').filter({ hasText: 'livesnapd is degraded' });
      await banner.waitFor();
      const text = await banner.innerText();
      assert.match(text, /disk \(low_space\)/);
      assert.ok(text.includes(degradedDir), text);
      await other.screenshot({ path: path.join(artifactsDir, '16-health-banner.png'), fullPage: true });
      // It stays above every page the user goes to.
      for (const [link, heading] of [['Domain Names', 'Domain Names'], ['Nodes', 'Nodes']]) {
        await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
        await other.getByRole('heading', { name: heading, level: 1 }).waitFor();
        assert.match(await banner.innerText(), /disk \(low_space\)/, `on ${link}`);
      }
      // The healthy console shows none.
      assert.equal(await page.locator('.health-banner').count(), 0);
    } finally {
      await other.close();
    }
  } finally {
    await degraded.stop();
  }
});

test('URL signing: keys and validity on the domain page, and a signed push URL', async () => {
  await goTo('Domain Names');
  const row = page.locator(`tr[data-domain="${DOMAIN}"]`);
  await row.getByRole('button', { name: `URL signing of ${DOMAIN}` }).click();
  const signing = dialog(`URL signing — ${DOMAIN}`);
  await signing.getByLabel('Require signed push URLs').check();
  await signing.getByLabel('Primary key').fill('bad');
  await signing.getByRole('button', { name: 'Save' }).click();
  await signing.locator('#push-auth-key1-error').waitFor();
  await signing.getByLabel('Primary key').fill('consoleKey123');
  await signing.getByLabel('Secondary key').fill('consoleKey456');
  await signing.getByLabel('Validity (seconds)').fill('600');
  await screenshot('16-url-signing');
  await signing.getByRole('button', { name: 'Save' }).click();
  await signing.waitFor({ state: 'detached' });
  const described = await api('DescribeLiveDomainConfigs', { DomainName: DOMAIN });
  const args = Object.fromEntries(
    described.DomainConfigs.DomainConfig[0].FunctionArgs.FunctionArg.map((a) => [a.ArgName, a.ArgValue]),
  );
  assert.deepEqual(args, {
    auth_type: 'type_a',
    auth_key1: 'consoleKey123',
    auth_key2: 'consoleKey456',
    ali_auth_delta: '600',
  });

  await row.getByRole('button', { name: `URL signing of ${DOMAIN}` }).click();
  await waitFor('the stored primary key', async () =>
    (await signing.getByLabel('Primary key').inputValue()) === 'consoleKey123');
  await signing.getByLabel('StreamName').fill('cam1');
  await signing.getByRole('button', { name: 'Generate' }).click();
  const url = await signing.locator('#push-url-output').inputValue();
  const match = url.match(new RegExp(`^rtmp://${DOMAIN}/live/cam1\\?auth_key=(\\d+)-0-0-([0-9a-f]{32})$`));
  assert.ok(match, url);
  const expected = createHash('md5').update(`/live/cam1-${match[1]}-0-0-consoleKey123`).digest('hex');
  assert.equal(match[2], expected);
  await screenshot('17-signed-push-url');

  // Type C: the signature leads the path; saved as the domain's auth_type.
  await signing.getByLabel('Signing type').selectOption('type_c');
  await signing.getByRole('button', { name: 'Generate' }).click();
  const urlC = await signing.locator('#push-url-output').inputValue();
  const matchC = urlC.match(new RegExp(`^rtmp://${DOMAIN}/([0-9a-f]{32})/([0-9A-F]+)/live/cam1$`));
  assert.ok(matchC, urlC);
  assert.equal(matchC[1], createHash('md5').update(`consoleKey123/live/cam1${matchC[2]}`).digest('hex'));
  await signing.getByLabel('Signing type').selectOption('type_b');
  await signing.getByRole('button', { name: 'Generate' }).click();
  const urlB = await signing.locator('#push-url-output').inputValue();
  const matchB = urlB.match(new RegExp(`^rtmp://${DOMAIN}/(\\d{12})/([0-9a-f]{32})/live/cam1$`));
  assert.ok(matchB, urlB);
  assert.equal(matchB[2], createHash('md5').update(`consoleKey123${matchB[1]}/live/cam1`).digest('hex'));
  await signing.getByRole('button', { name: 'Save' }).click();
  await signing.waitFor({ state: 'detached' });
  const typeB = await api('DescribeLiveDomainConfigs', { DomainName: DOMAIN });
  assert.ok(
    typeB.DomainConfigs.DomainConfig[0].FunctionArgs.FunctionArg.some(
      (a) => a.ArgName === 'auth_type' && a.ArgValue === 'type_b'),
    JSON.stringify(typeB),
  );
  await row.getByRole('button', { name: `URL signing of ${DOMAIN}` }).click();
  await waitFor('the stored signing type', async () =>
    (await signing.getByLabel('Signing type').inputValue()) === 'type_b');

  await signing.getByLabel('Require signed push URLs').uncheck();
  await signing.getByRole('button', { name: 'Save' }).click();
  await signing.waitFor({ state: 'detached' });
  const cleared = await api('DescribeLiveDomainConfigs', { DomainName: DOMAIN });
  assert.deepEqual(cleared.DomainConfigs.DomainConfig, []);
});

test('no script error on any page', () => {
  assert.deepEqual(pageErrors, []);
});
