// The console's browser modules that need no page: request signing (both
// the WebCrypto path and the bundled SHA-1 used outside secure contexts),
// form checks and where the server's error codes are shown. Signatures are
// checked against Alibaba's documented example and against node:crypto.
//
//   node --test tests/console/console_unit.test.mjs
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const app = new URL('../../web/app/js/', import.meta.url);
const { sha1, hmacSha1 } = await import(new URL('sha1.js', app));
const sign = await import(new URL('sign.js', app));
const forms = await import(new URL('forms.js', app));
const format = await import(new URL('format.js', app));

const DOC_EXAMPLE = [
  ['TimeStamp', '2016-02-23T12:46:24Z'],
  ['Format', 'XML'],
  ['AccessKeyId', 'testid'],
  ['Action', 'DescribeRegions'],
  ['SignatureMethod', 'HMAC-SHA1'],
  ['SignatureNonce', '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf'],
  ['Version', '2014-05-26'],
  ['SignatureVersion', '1.0'],
];

// Signature v1 written out again with node:crypto, independent of sign.js.
function nodeSignature(method, entries, secret, path = '/') {
  const enc = (s) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonical = entries
    .filter(([k]) => k !== 'Signature')
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  return createHmac('sha1', `${secret}&`)
    .update(`${method}&${enc(path)}&${enc(canonical)}`)
    .digest('base64');
}

// Runs fn with globalThis.crypto lacking `subtle`, as on a plain-HTTP page
// served from a non-local address.
async function withoutWebCrypto(fn) {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  const real = globalThis.crypto;
  Object.defineProperty(globalThis, 'crypto', {
    configurable: true,
    value: { getRandomValues: (a) => real.getRandomValues(a) },
  });
  try {
    assert.equal(globalThis.crypto.subtle, undefined);
    return await fn();
  } finally {
    Object.defineProperty(globalThis, 'crypto', original);
  }
}

test('sha1 matches node:crypto around every padding boundary', () => {
  for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4099]) {
    const bytes = randomBytes(length);
    const expected = createHash('sha1').update(bytes).digest('hex');
    assert.equal(Buffer.from(sha1(new Uint8Array(bytes))).toString('hex'), expected, `length ${length}`);
  }
  assert.equal(
    Buffer.from(sha1(new TextEncoder().encode('abc'))).toString('hex'),
    'a9993e364706816aba3e25717850c26c9cd0d89d',
  );
});

test('hmacSha1 matches node:crypto for short and long keys', () => {
  for (const keyLength of [0, 5, 64, 65, 200]) {
    const key = randomBytes(keyLength);
    const message = randomBytes(300);
    const expected = createHmac('sha1', key).update(message).digest('hex');
    assert.equal(Buffer.from(hmacSha1(new Uint8Array(key), new Uint8Array(message))).toString('hex'), expected);
  }
});

test('percentEncode keeps only RFC 3986 unreserved characters', () => {
  assert.equal(sign.percentEncode('AZaz09-_.~'), 'AZaz09-_.~');
  assert.equal(sign.percentEncode('a b*+/:=&%'), 'a%20b%2A%2B%2F%3A%3D%26%25');
  assert.equal(sign.percentEncode("!'()"), '%21%27%28%29');
  assert.equal(sign.percentEncode('{AppName}'), '%7BAppName%7D');
  assert.equal(sign.percentEncode('中'), '%E4%B8%AD');
});

test('canonicalizedQuery sorts, encodes and drops Signature', () => {
  assert.equal(
    sign.canonicalizedQuery([['b', '2 3'], ['a', 'x*y~z'], ['Signature', 'abc'], ['C', '/']]),
    'C=%2F&a=x%2Ay~z&b=2%203',
  );
  assert.equal(sign.canonicalizedQuery([['k', 'b'], ['k', 'a']]), 'k=a&k=b');
});

test("Alibaba's documented example signs the same with WebCrypto and without", async () => {
  const toSign = sign.stringToSign('GET', sign.canonicalizedQuery(DOC_EXAMPLE));
  assert.equal(
    toSign,
    'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26' +
      'SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26' +
      'SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
  );
  assert.equal(await sign.rpcSignature(toSign, 'testsecret'), 'CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  await withoutWebCrypto(async () => {
    assert.equal(await sign.rpcSignature(toSign, 'testsecret'), 'CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  });
});

test('requestParams signs what it sends, and drops empty values', async () => {
  const credentials = { accessKeyId: 'LTAI-console', accessKeySecret: 'sécret with spaces/+=' };
  const params = { DomainName: 'push.example.com', AppName: '*', Callback: '', Width: 0 };
  const entries = await sign.requestParams('POST', 'AddLiveAppSnapshotConfig', params, credentials, Date.UTC(2024, 4, 1, 10, 0, 0));
  const byName = Object.fromEntries(entries);
  assert.equal(byName.Action, 'AddLiveAppSnapshotConfig');
  assert.equal(byName.Version, '2016-11-01');
  assert.equal(byName.Timestamp, '2024-05-01T10:00:00Z');
  assert.equal(byName.Width, '0');
  assert.equal('Callback' in byName, false);
  assert.match(byName.SignatureNonce, /^[0-9a-f]{32}$/);
  assert.equal(byName.Signature, nodeSignature('POST', entries, credentials.accessKeySecret));
  const again = await sign.requestParams('POST', 'AddLiveAppSnapshotConfig', params, credentials);
  assert.notEqual(Object.fromEntries(again).SignatureNonce, byName.SignatureNonce);
  await withoutWebCrypto(async () => {
    const plain = await sign.requestParams('GET', 'DescribeLiveUserDomains', {}, credentials);
    assert.equal(Object.fromEntries(plain).Signature, nodeSignature('GET', plain, credentials.accessKeySecret));
  });
  const unsigned = await sign.requestParams('POST', 'DescribeLiveUserDomains', {}, null);
  assert.deepEqual(unsigned.map(([k]) => k), ['Action', 'Version', 'Format']);
});

test('an image URL is signed for its own path', async () => {
  const credentials = { accessKeyId: 'LTAI-console', accessKeySecret: 'secret' };
  const path = '/snapshots/object/snapshots/live/demo cam/7.jpg';
  const query = await sign.signedImageQuery(path, credentials, Date.UTC(2024, 4, 1, 10, 0, 0));
  const entries = [...new URLSearchParams(query)];
  const byName = Object.fromEntries(entries);
  assert.equal(byName.AccessKeyId, 'LTAI-console');
  assert.equal(byName.Timestamp, '2024-05-01T10:00:00Z');
  assert.equal(byName.Signature, nodeSignature('GET', entries, 'secret', path));
  assert.notEqual(byName.Signature, nodeSignature('GET', entries, 'secret'));
});

test('the interval must be 5..3600 whole seconds before anything is sent', () => {
  const base = forms.templateForm(null, [{ Name: 'snapshots', Endpoint: 'file.local' }]);
  base.app = 'live';
  assert.deepEqual(forms.validateTemplateForm(base), {});
  for (const bad of ['4', '3601', '', '5.5', 'ten', '-5']) {
    assert.ok(forms.validateTemplateForm({ ...base, interval: bad }).interval, `interval ${bad}`);
  }
  for (const good of ['5', '3600', ' 60 ']) {
    assert.equal(forms.validateTemplateForm({ ...base, interval: good }).interval, undefined);
  }
});

test('template form checks AppName, modes, patterns, callback and size', () => {
  const base = { ...forms.templateForm(null, []), app: 'live', bucket: 'snapshots' };
  assert.ok(forms.validateTemplateForm({ ...base, app: '' }).app);
  assert.ok(forms.validateTemplateForm({ ...base, app: '-live' }).app);
  assert.equal(forms.validateTemplateForm({ ...base, app: '*' }).app, undefined);
  assert.equal(forms.validateTemplateForm({ ...base, app: '' }, { isEdit: true }).app, undefined);
  assert.ok(forms.validateTemplateForm({ ...base, bucket: '' }).bucket);
  assert.ok(forms.validateTemplateForm({ ...base, overwrite: false, sequence: false }).modes);
  assert.ok(forms.validateTemplateForm({ ...base, overwritePattern: '{AppName}/{Sequence}.jpg' }).overwritePattern);
  assert.ok(forms.validateTemplateForm({ ...base, sequencePattern: '{AppName}/{StreamName}.jpg' }).sequencePattern);
  assert.ok(forms.validateTemplateForm({ ...base, sequencePattern: '{AppName}/{Nope}/{Sequence}.jpg' }).sequencePattern);
  assert.ok(forms.validateTemplateForm({ ...base, overwritePattern: '{AppName}/x.png' }).overwritePattern);
  // Segments no object key may have, as the server refuses them.
  for (const pattern of ['./{StreamName}.jpg', 'a/./{StreamName}.jpg', 'a/../x.jpg', 'a//x.jpg']) {
    assert.ok(forms.validateTemplateForm({ ...base, overwritePattern: pattern }).overwritePattern, pattern);
  }
  assert.equal(forms.validateTemplateForm({ ...base, overwritePattern: '{StreamName}..jpg' }).overwritePattern, undefined);
  assert.equal(forms.validateTemplateForm({ ...base, overwrite: false, overwritePattern: '' }).overwritePattern, undefined);
  assert.ok(forms.validateTemplateForm({ ...base, callback: 'ftp://x' }).callback);
  assert.equal(forms.validateTemplateForm({ ...base, callback: 'https://hooks.example.com/a?b=c' }).callback, undefined);
  assert.ok(forms.validateTemplateForm({ ...base, width: '4097' }).width);
  assert.ok(forms.validateTemplateForm({ ...base, height: 'x' }).height);
  assert.equal(forms.validateTemplateForm({ ...base, width: '0', height: '720' }).width, undefined);
});

test('the defaults are the documented object patterns', () => {
  const form = forms.templateForm(null, [{ Name: 'a', Endpoint: 'e' }]);
  assert.equal(form.overwritePattern, '{AppName}/{StreamName}.jpg');
  assert.equal(form.sequencePattern, '{AppName}/{StreamName}/{Sequence}.jpg');
  assert.equal(form.bucket, 'a');
  assert.equal(form.interval, '5');
});

test('server error codes land on the field they concern', () => {
  // Every code named here must exist in the API's list.
  const header = readFileSync(new URL('../../src/api/error_codes.h', import.meta.url), 'utf8');
  const known = new Set([...header.matchAll(/ErrorCode k\w+\{\s*"([^"]+)"/g)].map((m) => m[1]));
  const cases = {
    'InvalidOssInterval.Malformed': 'interval',
    MissingTimeInterval: 'interval',
    'InvalidOssBucket.RegionMismatch': 'bucket',
    'InvalidOssBucket.NotFound': 'bucket',
    'InvalidOssEndpoint.Malformed': 'bucket',
    ConfigAlreadyExists: 'app',
    'InvalidAppName.Malformed': 'app',
    'InvalidOverwriteOssObjectOrSequenceOssObject.Malformed': 'modes',
    'InvalidOverwriteOssObject.Malformed': 'overwritePattern',
    'InvalidSequenceOssObject.Malformed': 'sequencePattern',
    'InvalidCallback.Malformed': 'callback',
    'InvalidWidth.Malformed': 'width',
    'InvalidHeight.Malformed': 'height',
    ConfigNotFound: 'form',
    InternalError: 'form',
  };
  for (const [code, field] of Object.entries(cases)) {
    assert.ok(known.has(code), `${code} is an API error code`);
    assert.equal(forms.templateErrorField(code), field, code);
  }
  for (const [code, field] of Object.entries({
    DomainAlreadyExist: 'name',
    'InvalidDomainName.Malformed': 'name',
    'InvalidRegion.Malformed': 'region',
    MissingRegion: 'region',
  })) {
    assert.ok(known.has(code), `${code} is an API error code`);
    assert.equal(forms.domainErrorField(code), field, code);
  }
});

test('templateParams adds, and on update removes modes and the callback with "-"', () => {
  const storages = [{ Name: 'snapshots', Endpoint: 'file.local', Region: 'local' }];
  const form = { ...forms.templateForm(null, storages), app: 'live', callback: ' https://h.example/cb ' };
  assert.deepEqual(forms.templateParams('d.example', form, storages, null), {
    DomainName: 'd.example',
    AppName: 'live',
    TimeInterval: '5',
    OssBucket: 'snapshots',
    OssEndpoint: 'file.local',
    OverwriteOssObject: '{AppName}/{StreamName}.jpg',
    SequenceOssObject: '{AppName}/{StreamName}/{Sequence}.jpg',
    Callback: 'https://h.example/cb',
  });
  const existing = {
    AppName: 'live',
    OssBucket: 'snapshots',
    OssEndpoint: 'file.local',
    OverwriteOssObject: '{AppName}/{StreamName}.jpg',
    SequenceOssObject: '{AppName}/{StreamName}/{Sequence}.jpg',
    Callback: 'https://h.example/cb',
    TimeInterval: 5,
    Width: 0,
    Height: 0,
  };
  const edited = { ...forms.templateForm(existing, storages), interval: '10', sequence: false, callback: '' };
  assert.deepEqual(forms.templateParams('d.example', edited, storages, existing), {
    DomainName: 'd.example',
    AppName: 'live',
    TimeInterval: '10',
    OssBucket: 'snapshots',
    OssEndpoint: 'file.local',
    OverwriteOssObject: '{AppName}/{StreamName}.jpg',
    SequenceOssObject: '-',
    Callback: '-',
    Width: '0',
    Height: '0',
  });
});

test('a stream follows its exact AppName, else *', () => {
  const templates = [{ AppName: '*', TimeInterval: 5 }, { AppName: 'live', TimeInterval: 10 }];
  assert.equal(forms.resolveTemplate(templates, 'live').TimeInterval, 10);
  assert.equal(forms.resolveTemplate(templates, 'other').TimeInterval, 5);
  assert.equal(forms.resolveTemplate([{ AppName: 'live' }], 'other'), null);
  assert.equal(forms.resolveTemplate(null, 'live'), null);
});

test('durations, bitrates and intervals read at a glance', () => {
  assert.equal(format.formatDuration(7000), '0:07');
  assert.equal(format.formatDuration(723000), '12:03');
  assert.equal(format.formatDuration(3723000), '1:02:03');
  assert.equal(format.formatBitrate(850.4), '850 kbit/s');
  assert.equal(format.formatBitrate(2160), '2.2 Mbit/s');
  assert.equal(format.formatBitrate(0), '—');
  assert.equal(format.formatInterval(5), '5 s');
  assert.equal(format.formatInterval(120), '2 min');
  assert.equal(format.formatResolution(1280, 720), '1280×720');
  assert.equal(sign.iso8601(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02T03:04:05Z');
});

test('the health banner lists each problem /healthz reports, and nothing when healthy', () => {
  assert.equal(format.describeHealth(200, { Status: 'ok' }), null);
  assert.deepEqual(
    format.describeHealth(503, {
      Status: 'degraded',
      Message: 'disk: /data has 12 KiB free',
      Problems: [{ Component: 'disk', Reason: 'low_space', Message: '/data has 12 KiB free' }],
    }),
    [{ component: 'disk', reason: 'low_space', message: '/data has 12 KiB free' }],
  );
  assert.deepEqual(format.describeHealth(503, { Code: 'ServiceUnavailable', Message: 'catalog down' }), [
    { component: 'livesnapd', reason: 'error', message: 'catalog down' },
  ]);
  assert.equal(format.describeHealth(0, null)[0].reason, 'unreachable');
});

test('md5 matches node:crypto, and type A push signing matches md5sum', async () => {
  const { md5, signPushTypeA } = await import(new URL('md5.js', app));
  for (let length = 0; length < 200; length++) {
    const bytes = randomBytes(length);
    const expected = createHash('md5').update(bytes).digest('hex');
    assert.equal(Buffer.from(md5(new Uint8Array(bytes))).toString('hex'), expected, `length ${length}`);
  }
  // md5("/live/demo-1700000000-0-0-secretKey1"), as src/snapshot/push_auth_test.cc has it.
  assert.equal(
    signPushTypeA('secretKey1', 'live', 'demo', 1700000000),
    '1700000000-0-0-46624fa600a4809ba94262a02c3e2e6c',
  );
});

test('type B and C push signing match md5sum and the server\'s vectors', async () => {
  const { signPushTypeB, signPushTypeC, signedPushUrl } = await import(new URL('md5.js', app));
  // Alibaba's CDN example for type B: 2015-08-15 08:00 UTC+8.
  assert.equal(
    signPushTypeB('aliyuncdnexp1234', '4/44', '44c0909bcfc20a01afaf256ca99a8b8b.mp3', 1439596800),
    '201508150800/9044548ef1527deadafa49a890a377f0',
  );
  // As src/snapshot/push_auth_test.cc has them (md5sum).
  assert.equal(signPushTypeB('secretKey1', 'live', 'demo', 1700000000), '202311150613/92e1c4d13dd48e35e1a98de307d52f05');
  assert.equal(signPushTypeC('secretKey1', 'live', 'demo', 1700000000), 'b826a25f3da68af374e38b79fe354f5a/6553F100');
  assert.equal(
    signedPushUrl('type_c', 'push.example.com', 'secretKey1', 'live', 'demo', 1700000000),
    'rtmp://push.example.com/b826a25f3da68af374e38b79fe354f5a/6553F100/live/demo',
  );
  assert.equal(
    signedPushUrl('type_b', 'push.example.com', 'secretKey1', 'live', 'demo', 1700000000),
    'rtmp://push.example.com/202311150613/92e1c4d13dd48e35e1a98de307d52f05/live/demo',
  );
});
