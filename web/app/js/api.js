// livesnapd's RPC API as the console uses it: the same actions, parameters
// and signature as any SDK (POST / with a url-encoded form), nothing else.
// With authentication on, the AccessKey entered by the user is kept in this
// tab's sessionStorage only and every request is signed here.
import { formEncode, requestParams, signedImageQuery } from './sign.js';

export class ApiError extends Error {
  constructor(code, message, status = 0, requestId = '') {
    super(message);
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

// The answers that mean "sign in (again)".
export const AUTH_CODES = new Set([
  'MissingAccessKeyId',
  'MissingSignature',
  'InvalidAccessKeyId.NotFound',
  'SignatureDoesNotMatch',
]);

const CREDENTIALS_KEY = 'livesnap.console.accessKey';

export function loadCredentials() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(CREDENTIALS_KEY) || 'null');
    return stored && stored.accessKeyId && stored.accessKeySecret ? stored : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials) {
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(credentials));
}

export function clearCredentials() {
  sessionStorage.removeItem(CREDENTIALS_KEY);
}

// The app installs how to ask for an AccessKey: (error) => Promise that
// resolves once new credentials are saved, or rejects when the user gives up.
let askForCredentials = null;
let pendingAsk = null;
export function setCredentialsPrompt(prompt) {
  askForCredentials = prompt;
}

function askOnce(error) {
  if (!pendingAsk) {
    pendingAsk = askForCredentials(error).finally(() => {
      pendingAsk = null;
    });
  }
  return pendingAsk;
}

export async function rpc(action, params = {}) {
  for (let attempt = 0; ; attempt++) {
    const credentials = loadCredentials();
    const entries = await requestParams('POST', action, params, credentials);
    let response;
    try {
      response = await fetch('/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: formEncode(entries),
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError('NetworkError', `livesnapd did not answer (${err.message}).`);
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (response.ok && body) return body;
    const error = new ApiError(
      (body && body.Code) || `HTTP${response.status}`,
      (body && body.Message) || `HTTP ${response.status} ${response.statusText}`,
      response.status,
      (body && body.RequestId) || '',
    );
    if (!AUTH_CODES.has(error.code) || !askForCredentials || attempt >= 5) throw error;
    try {
      await askOnce(error);
    } catch {
      throw error;
    }
  }
}

// Every page of a paged action. `pick` returns the page's items.
async function allPages(action, params, pageParam, pageSize, pick, total) {
  const items = [];
  for (let page = 1; ; page++) {
    const body = await rpc(action, { ...params, [pageParam]: page, PageSize: pageSize });
    const got = pick(body) || [];
    items.push(...got);
    if (got.length < pageSize || items.length >= total(body)) return items;
  }
}

export function listDomains() {
  return allPages(
    'DescribeLiveUserDomains',
    {},
    'PageNumber',
    50,
    (body) => body.Domains && body.Domains.PageData,
    (body) => body.TotalCount,
  );
}

export async function getDomain(name) {
  const body = await rpc('DescribeLiveUserDomains', { DomainName: name, PageSize: 50 });
  const match = ((body.Domains && body.Domains.PageData) || []).find((d) => d.DomainName === name);
  if (!match) {
    throw new ApiError('InvalidDomain.NotFound', `The domain "${name}" is not registered.`, 404);
  }
  return match;
}

// A domain added from the console is a streaming domain (liveVideo).
export function addDomain(name, region, liveDomainType = 'liveVideo') {
  return rpc('AddLiveDomain', { DomainName: name, Region: region, LiveDomainType: liveDomainType });
}

export function deleteDomain(name) {
  return rpc('DeleteLiveDomain', { DomainName: name });
}

// The domain's push URL signing (the "aliauth" domain function):
// { configId, authType, key1, key2, deltaS } or null when it has none.
export async function getPushAuth(domain) {
  const body = await rpc('DescribeLiveDomainConfigs', { DomainName: domain, FunctionNames: 'aliauth' });
  const configs = (body.DomainConfigs && body.DomainConfigs.DomainConfig) || [];
  const config = configs.find((c) => c.FunctionName === 'aliauth');
  if (!config) return null;
  const args = {};
  for (const arg of config.FunctionArgs.FunctionArg) args[arg.ArgName] = arg.ArgValue;
  return {
    configId: config.ConfigId,
    authType: args.auth_type,
    key1: args.auth_key1 || '',
    key2: args.auth_key2 || '',
    deltaS: Number(args.ali_auth_delta),
  };
}

// Sets the args given ({ authType, key1, key2, deltaS }; a key left
// undefined keeps its value).
export function setPushAuth(domain, { authType, key1, key2, deltaS }) {
  const functionArgs = [{ argName: 'auth_type', argValue: authType }];
  if (key1 !== undefined) functionArgs.push({ argName: 'auth_key1', argValue: key1 });
  if (key2 !== undefined) functionArgs.push({ argName: 'auth_key2', argValue: key2 });
  if (deltaS !== undefined) functionArgs.push({ argName: 'ali_auth_delta', argValue: String(deltaS) });
  return rpc('BatchSetLiveDomainConfigs', {
    DomainNames: domain,
    Functions: JSON.stringify([{ functionName: 'aliauth', functionArgs }]),
  });
}

export function deletePushAuth(domain, configId) {
  return rpc('DeleteLiveSpecificConfig', { DomainName: domain, ConfigId: configId });
}

export async function listStorages() {
  const body = await rpc('DescribeLiveSnapshotStorages');
  return (body.Storages && body.Storages.Storage) || [];
}

export function listTemplates(domain) {
  return allPages(
    'DescribeLiveSnapshotConfig',
    { DomainName: domain },
    'PageNum',
    30,
    (body) => body.LiveStreamSnapshotConfigList && body.LiveStreamSnapshotConfigList.LiveStreamSnapshotConfig,
    (body) => body.TotalNum,
  );
}

export function addTemplate(params) {
  return rpc('AddLiveAppSnapshotConfig', params);
}

export function updateTemplate(params) {
  return rpc('UpdateLiveAppSnapshotConfig', params);
}

export function deleteTemplate(domain, app) {
  return rpc('DeleteLiveAppSnapshotConfig', { DomainName: domain, AppName: app });
}

// Live streams, exact names; DescribeLiveStreamsOnlineList asks for one
// DomainName, so without one every registered domain is asked.
export async function listOnline(filter = {}) {
  if (!filter.DomainName) {
    const domains = await listDomains();
    const lists = await Promise.all(
      domains.map((d) => listOnline({ ...filter, DomainName: d.DomainName })),
    );
    return lists.flat();
  }
  const body = await rpc('DescribeLiveStreamsOnlineList', {
    ...filter,
    QueryType: 'strict',
    PageSize: 3000,
  });
  return (body.OnlineInfo && body.OnlineInfo.LiveStreamOnlineInfo) || [];
}

// The nodes sharing this catalog (a livesnap extension action).
export async function listNodes() {
  const body = await rpc('DescribeLivesnapNodes');
  return body.Nodes || [];
}

// One page of a stream's snapshot records, oldest first from StartTime.
export async function snapshotHistory({ domain, app, stream, startTime, endTime, limit }) {
  const body = await rpc('DescribeLiveStreamSnapshotInfo', {
    DomainName: domain,
    AppName: app,
    StreamName: stream,
    StartTime: startTime,
    EndTime: endTime,
    Limit: limit,
    Order: 'asc',
  });
  return {
    records:
      (body.LiveStreamSnapshotInfoList && body.LiveStreamSnapshotInfoList.LiveStreamSnapshotInfo) ||
      [],
    nextStartTime: body.NextStartTime || '',
  };
}

function pathSegment(text) {
  return encodeURIComponent(text);
}

// Images are plain GETs; with auth on, livesnapd answers them signed (each
// URL once: its nonce is used up), so a page asks for a fresh URL per load.
export async function signedUrl(url) {
  const credentials = loadCredentials();
  if (!credentials) return url;
  return `${url}?${await signedImageQuery(decodeURIComponent(url), credentials)}`;
}

export function latestImageUrl(domain, app, stream) {
  return `/snapshots/latest/${pathSegment(domain)}/${pathSegment(app)}/${pathSegment(stream)}.jpg`;
}

export function objectUrl(bucket, key) {
  return `/snapshots/object/${pathSegment(bucket)}/${key.split('/').map(pathSegment).join('/')}`;
}
