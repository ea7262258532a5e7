// The RPC signature of ApsaraVideo Live (signature version 1.0, HMAC-SHA1),
// computed in the browser exactly as the SDKs do (src/api/signature.h):
//
//   StringToSign = METHOD "&" enc("/") "&" enc(sorted "enc(name)=enc(value)" joined by "&")
//   Signature    = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
//
// enc keeps A-Z a-z 0-9 - _ . ~ and writes every other UTF-8 byte as %XX.
import { hmacSha1 } from './sha1.js';

export const API_VERSION = '2016-11-01';

export function percentEncode(text) {
  return encodeURIComponent(String(text)).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

// [[name, value], ...] sorted by name then value, Signature left out.
export function canonicalizedQuery(entries) {
  return entries
    .filter(([name]) => name !== 'Signature')
    .map(([name, value]) => [String(name), String(value)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');
}

// `path` is '/' for the actions; livesnapd's images sign their own path.
export function stringToSign(method, canonical, path = '/') {
  return `${method}&${percentEncode(path)}&${percentEncode(canonical)}`;
}

function toBase64(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// Base64(HMAC-SHA1(secret + "&", text)); WebCrypto where the page is a
// secure context, the bundled SHA-1 elsewhere.
export async function rpcSignature(text, secret) {
  const encoder = new TextEncoder();
  const key = encoder.encode(`${secret}&`);
  const message = encoder.encode(text);
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (subtle) {
    const hmacKey = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-1' }, false, [
      'sign',
    ]);
    return toBase64(new Uint8Array(await subtle.sign('HMAC', hmacKey, message)));
  }
  return toBase64(hmacSha1(key, message));
}

// yyyy-MM-ddTHH:mm:ssZ, as Timestamp, StartTime and EndTime want it.
export function iso8601(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nonce() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// The complete parameter list of one request: the action's parameters
// (empty values dropped: the API treats them as not given), the common
// ones, and with credentials the signature's.
export async function requestParams(method, action, params, credentials, nowMs = Date.now()) {
  const entries = [
    ['Action', action],
    ['Version', API_VERSION],
    ['Format', 'JSON'],
  ];
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') entries.push([name, String(value)]);
  }
  if (!credentials) return entries;
  entries.push(
    ['AccessKeyId', credentials.accessKeyId],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', nonce()],
    ['Timestamp', iso8601(nowMs)],
  );
  const signature = await rpcSignature(
    stringToSign(method, canonicalizedQuery(entries)),
    credentials.accessKeySecret,
  );
  entries.push(['Signature', signature]);
  return entries;
}

// The query that signs a GET of the image at `path` (decoded, as the
// server routes it): AccessKeyId ... Signature, form-encoded.
export async function signedImageQuery(path, credentials, nowMs = Date.now()) {
  const entries = [
    ['AccessKeyId', credentials.accessKeyId],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', nonce()],
    ['Timestamp', iso8601(nowMs)],
  ];
  const signature = await rpcSignature(
    stringToSign('GET', canonicalizedQuery(entries), path),
    credentials.accessKeySecret,
  );
  entries.push(['Signature', signature]);
  return formEncode(entries);
}

export function formEncode(entries) {
  return entries.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
}
