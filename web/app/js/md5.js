// MD5 (RFC 1321) over bytes, and the push URL signing of ApsaraVideo Live
// (aliauth type A) built on it. WebCrypto has no MD5, so it is written out
// here; it signs URLs, it protects nothing in the browser.

const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
  14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
  21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

export function md5(bytes) {
  const length = bytes.length;
  const padded = (((length + 9 + 63) / 64) | 0) * 64;
  const buffer = new Uint8Array(padded);
  buffer.set(bytes);
  buffer[length] = 0x80;
  const view = new DataView(buffer.buffer);
  view.setUint32(padded - 8, (length * 8) >>> 0, true);
  view.setUint32(padded - 4, Math.floor(length / 0x20000000), true);

  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  for (let block = 0; block < padded; block += 64) {
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const sum = (a + f + K[i] + view.getUint32(block + g * 4, true)) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << S[i]) | (sum >>> (32 - S[i])))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  [a0, b0, c0, d0].forEach((word, i) => outView.setUint32(i * 4, word >>> 0, true));
  return out;
}

export function md5Hex(text) {
  return Array.from(md5(new TextEncoder().encode(text)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The auth_key value of a type A signed push of app/stream, valid from
// `timestampS` (Unix seconds) for the domain's ali_auth_delta.
export function signPushTypeA(key, app, stream, timestampS, rand = '0', uid = '0') {
  const prefix = `${timestampS}-${rand}-${uid}`;
  return `${prefix}-${md5Hex(`/${app}/${stream}-${prefix}-${key}`)}`;
}

// UTC+8 as YYYYMMDDHHMM, the timestamp of type B signing.
function typeBTimestamp(timestampS) {
  const d = new Date((timestampS + 8 * 3600) * 1000);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}

// The path signature "{YYYYMMDDHHMM}/{md5hash}" of a type B signed push of
// app/stream: it goes before the AppName (rtmp://domain/{it}/app/stream).
export function signPushTypeB(key, app, stream, timestampS) {
  const timestamp = typeBTimestamp(timestampS);
  return `${timestamp}/${md5Hex(`${key}${timestamp}/${app}/${stream}`)}`;
}

// The path signature "{md5hash}/{HEXTIMESTAMP}" of a type C signed push.
export function signPushTypeC(key, app, stream, timestampS) {
  const timestamp = timestampS.toString(16).toUpperCase();
  return `${md5Hex(`${key}/${app}/${stream}${timestamp}`)}/${timestamp}`;
}

// A signed push URL of app/stream on `domain` for `authType`
// ("type_a", "type_b" or "type_c"), valid from `timestampS`.
export function signedPushUrl(authType, domain, key, app, stream, timestampS) {
  if (authType === 'type_b') return `rtmp://${domain}/${signPushTypeB(key, app, stream, timestampS)}/${app}/${stream}`;
  if (authType === 'type_c') return `rtmp://${domain}/${signPushTypeC(key, app, stream, timestampS)}/${app}/${stream}`;
  return `rtmp://${domain}/${app}/${stream}?auth_key=${signPushTypeA(key, app, stream, timestampS)}`;
}
