// The official Alibaba Cloud Node.js SDK core (@alicloud/pop-core) against a
// running livesnapd with API authentication on: templates and domains are
// created, listed, changed and deleted exactly as a user's script would do
// against ApsaraVideo Live, and a wrong secret or key is refused.
//
// Environment: LIVESNAPD = the livesnapd binary; NODE_PATH = where npm ci
// put node_modules (the CTest fixture does both).
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const RPCClient = require('@alicloud/pop-core').RPCClient;

const KEY_ID = 'LTAI-sdk-test';
const SECRET = 'sdk-secret-' + process.pid;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function client(secret = SECRET, keyId = KEY_ID) {
  return new RPCClient({
    accessKeyId: keyId,
    accessKeySecret: secret,
    endpoint: `http://127.0.0.1:${apiPort}`,
    apiVersion: '2016-11-01',
  });
}

// Resolves with the error the SDK throws for an API error answer.
async function refused(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('the call succeeded');
}

let apiPort;
let rtmpPort;
let server;
let serverLog = '';
let dir;

before(async () => {
  const binary = process.env.LIVESNAPD;
  assert.ok(binary, 'LIVESNAPD must name the livesnapd binary');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livesnap-sdk-'));
  apiPort = await freePort();
  rtmpPort = await freePort();
  const config = path.join(dir, 'livesnap.toml');
  fs.writeFileSync(config, `
[server]
data_dir = "${path.join(dir, 'data')}"
log_level = "info"

[rtmp]
listen = "127.0.0.1:${rtmpPort}"

[api]
listen = "127.0.0.1:${apiPort}"
auth = "on"
access_keys = [{ id = "${KEY_ID}", secret_env = "LIVESNAP_SDK_SECRET" }]

[[storage]]
name = "snapshots"
region = "cn-shanghai"
endpoint = "file.local"
kind = "file"
root = "snapshots"

[[storage]]
name = "beijing"
region = "cn-beijing"
endpoint = "oss-cn-beijing.local"
kind = "file"
root = "beijing"

[[domain]]
name = "seed.example.com"
region = "cn-shanghai"

[[template]]
domain = "seed.example.com"
app = "*"
interval = 5
bucket = "snapshots"
overwrite = "{AppName}/{StreamName}.jpg"
sequence = "{AppName}/{StreamName}/{Sequence}.jpg"
`);
  server = spawn(binary, ['-c', config], {
    env: { ...process.env, LIVESNAP_SDK_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      serverLog += chunk.toString();
      if (serverLog.includes('livesnapd ready')) resolve();
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.once('exit', (code) => reject(new Error(`livesnapd exited (${code}):\n${serverLog}`)));
    setTimeout(() => reject(new Error(`livesnapd not ready in 60 s:\n${serverLog}`)), 60000).unref();
  });
  await ready;
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    server.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.equal(signal, null, serverLog);
    assert.equal(code, 0, `livesnapd did not stop cleanly:\n${serverLog}`);
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('snapshot templates through @alicloud/pop-core', () => {
  test('AddLiveDomain and DescribeLiveUserDomains', async () => {
    const added = await client().request('AddLiveDomain', {
      DomainName: 'push.example.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveVideo',
    });
    assert.match(added.RequestId, /^[0-9A-F-]{36}$/);
    const listed = await client().request('DescribeLiveUserDomains', {});
    const names = listed.Domains.PageData.map((d) => d.DomainName).sort();
    assert.deepEqual(names, ['push.example.com', 'seed.example.com']);
    const item = listed.Domains.PageData.find((d) => d.DomainName === 'push.example.com');
    assert.equal(item.LiveDomainStatus, 'online');
    assert.equal(item.LiveDomainType, 'liveVideo');
    assert.equal(item.RegionName, 'cn-shanghai');
    for (const field of ['Cname', 'Description', 'ResourceGroupId', 'GmtCreated', 'GmtModified']) {
      assert.equal(typeof item[field], 'string', field);
    }
    const suffixed = await client().request('DescribeLiveUserDomains', {
      DomainName: 'push.example.com',
      DomainSearchType: 'full_match',
    });
    assert.equal(suffixed.TotalCount, 1);
    const badSearch = await refused(client().request('DescribeLiveUserDomains', {
      DomainSearchType: 'regex',
    }));
    assert.equal(badSearch.code, 'InvalidDomainSearchType.Malformed');
    const err = await refused(client().request('AddLiveDomain', {
      DomainName: 'push.example.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveVideo',
    }));
    assert.equal(err.code, 'DomainAlreadyExist');
  });

  test('Add, Describe, Update and Delete a template', async () => {
    const sdk = client();
    await sdk.request('AddLiveAppSnapshotConfig', {
      DomainName: 'push.example.com',
      AppName: 'live',
      TimeInterval: 5,
      OssEndpoint: 'file.local',
      OssBucket: 'snapshots',
      OverwriteOssObject: '{AppName}/{StreamName}.jpg',
      SequenceOssObject: 'snapshot/{AppName}/{StreamName}/{UnixTimestamp}.jpg',
      Callback: 'http://cb.example.com/snap?a=1&b=*~%20x(!)',
    });

    let described = await sdk.request('DescribeLiveSnapshotConfig', {
      DomainName: 'push.example.com',
      AppName: 'live',
    });
    assert.equal(described.TotalNum, 1);
    let config = described.LiveStreamSnapshotConfigList.LiveStreamSnapshotConfig[0];
    assert.equal(config.DomainName, 'push.example.com');
    assert.equal(config.AppName, 'live');
    assert.equal(config.TimeInterval, 5);
    assert.equal(config.OssBucket, 'snapshots');
    assert.equal(config.OssEndpoint, 'file.local');
    assert.equal(config.OverwriteOssObject, '{AppName}/{StreamName}.jpg');
    assert.equal(config.SequenceOssObject, 'snapshot/{AppName}/{StreamName}/{UnixTimestamp}.jpg');
    assert.equal(config.Callback, 'http://cb.example.com/snap?a=1&b=*~%20x(!)');
    assert.match(config.CreateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // POST, as the SDK sends it with { method: 'POST' }.
    await sdk.request('UpdateLiveAppSnapshotConfig', {
      DomainName: 'push.example.com',
      AppName: 'live',
      TimeInterval: 30,
      OverwriteOssObject: '-',
    }, { method: 'POST' });
    described = await sdk.request('DescribeLiveSnapshotConfig', { DomainName: 'push.example.com' });
    config = described.LiveStreamSnapshotConfigList.LiveStreamSnapshotConfig[0];
    assert.equal(config.TimeInterval, 30);
    assert.equal(config.OverwriteOssObject, '');  // removed: listed empty, as Alibaba's model has it
    assert.equal(config.SequenceOssObject, 'snapshot/{AppName}/{StreamName}/{UnixTimestamp}.jpg');

    await sdk.request('DeleteLiveAppSnapshotConfig', { DomainName: 'push.example.com', AppName: 'live' });
    described = await sdk.request('DescribeLiveSnapshotConfig', { DomainName: 'push.example.com' });
    assert.equal(described.TotalNum, 0);
    assert.deepEqual(described.LiveStreamSnapshotConfigList.LiveStreamSnapshotConfig, []);
  });

  test('API errors come back as SDK errors with the reference codes', async () => {
    const sdk = client();
    const params = {
      DomainName: 'push.example.com',
      AppName: 'dup',
      TimeInterval: 10,
      OssEndpoint: 'file.local',
      OssBucket: 'snapshots',
      OverwriteOssObject: '{AppName}/{StreamName}.jpg',
    };
    await sdk.request('AddLiveAppSnapshotConfig', params);
    let err = await refused(sdk.request('AddLiveAppSnapshotConfig', params));
    assert.equal(err.code, 'ConfigAlreadyExists');
    assert.equal(err.entry.response.statusCode, 400);
    assert.ok(err.data.RequestId);

    err = await refused(sdk.request('AddLiveAppSnapshotConfig', {
      ...params, AppName: 'bj', OssBucket: 'beijing', OssEndpoint: 'oss-cn-beijing.local',
    }));
    assert.equal(err.code, 'InvalidOssBucket.RegionMismatch');
    assert.equal(err.data.Message,
      'bucket beijing is in region cn-beijing but domain push.example.com is in region cn-shanghai');

    err = await refused(sdk.request('AddLiveAppSnapshotConfig', { ...params, TimeInterval: 2 }));
    assert.equal(err.code, 'InvalidOssInterval.Malformed');

    err = await refused(sdk.request('DeleteLiveAppSnapshotConfig', {
      DomainName: 'push.example.com', AppName: 'nothing',
    }));
    assert.equal(err.code, 'ConfigNotFound');
    assert.equal(err.entry.response.statusCode, 404);

    err = await refused(sdk.request('UpdateLiveAppSnapshotConfig', {
      DomainName: 'push.example.com', AppName: 'nothing', TimeInterval: 10,
    }));
    assert.equal(err.code, 'InvalidConfig.NotFound');
    assert.equal(err.entry.response.statusCode, 404);

    err = await refused(sdk.request('AddLiveAppSnapshotConfig', {
      ...params, AppName: 'dots', OverwriteOssObject: 'a/./{StreamName}.jpg',
    }));
    assert.equal(err.code, 'InvalidOverwriteOssObject.Malformed');
    assert.equal(err.entry.response.statusCode, 400);

    err = await refused(sdk.request('AddLiveAppSnapshotConfig', {
      ...params, AppName: 'seq', SequenceOssObject: '{AppName}/{StreamName}.jpg',
    }));
    assert.equal(err.code, 'InvalidSequenceOssObject.Malformed');
    assert.equal(err.entry.response.statusCode, 400);

    const { OverwriteOssObject: _overwrite, ...neither } = params;
    err = await refused(sdk.request('AddLiveAppSnapshotConfig', { ...neither, AppName: 'none' }));
    assert.equal(err.code, 'InvalidOverwriteOssObjectOrSequenceOssObject.Malformed');
    assert.equal(err.entry.response.statusCode, 400);

    err = await refused(sdk.request('AddLiveAppSnapshotConfig', {
      ...params, AppName: 'nobucket', OssBucket: 'nosuchbucket',
    }));
    assert.equal(err.code, 'InvalidOssBucket.NotFound');
    assert.equal(err.entry.response.statusCode, 400);
  });

  test('a parameter Alibaba\'s models require is refused as Missing<Param>', async () => {
    const sdk = client();
    const cases = [
      ['AddLiveAppSnapshotConfig', { DomainName: 'push.example.com', TimeInterval: 5 }, 'MissingAppName'],
      ['AddLiveAppSnapshotConfig', { DomainName: 'push.example.com', AppName: 'm' }, 'MissingTimeInterval'],
      ['AddLiveAppSnapshotConfig', { DomainName: 'push.example.com', AppName: 'm', TimeInterval: 5 },
        'MissingOssEndpoint'],
      ['AddLiveAppSnapshotConfig', {
        DomainName: 'push.example.com', AppName: 'm', TimeInterval: 5, OssEndpoint: 'file.local',
      }, 'MissingOssBucket'],
      ['DescribeLiveSnapshotConfig', {}, 'MissingDomainName'],
      ['DescribeLiveStreamSnapshotInfo', { DomainName: 'push.example.com', AppName: 'live' },
        'MissingStreamName'],
      ['AddLiveSnapshotNotifyConfig', { DomainName: 'push.example.com' }, 'MissingNotifyUrl'],
      ['AddLiveDomain', { DomainName: 'other.example.com', LiveDomainType: 'liveVideo' }, 'MissingRegion'],
      ['BatchSetLiveDomainConfigs', { DomainNames: 'push.example.com' }, 'MissingFunctions'],
      ['BatchSetLiveDomainConfigs', { Functions: '[]' }, 'MissingDomainNames'],
      ['DeleteLiveSpecificConfig', { DomainName: 'push.example.com' }, 'MissingConfigId'],
    ];
    for (const [action, params, code] of cases) {
      const err = await refused(sdk.request(action, params, { method: 'POST' }));
      assert.equal(err.code, code, `${action} ${JSON.stringify(params)}`);
      assert.equal(err.entry.response.statusCode, 400, action);
    }
  });

  test('snapshot notify configs: Add, Describe, Update, Delete', async () => {
    const sdk = client();
    const domain = { DomainName: 'push.example.com' };
    await sdk.request('AddLiveSnapshotNotifyConfig', { ...domain, NotifyUrl: 'http://127.0.0.1:9/n' });
    const again = await refused(sdk.request('AddLiveSnapshotNotifyConfig', {
      ...domain, NotifyUrl: 'http://127.0.0.1:9/n',
    }));
    assert.equal(again.code, 'ConfigAlreadyExists');
    assert.equal(again.entry.response.statusCode, 400);
    await sdk.request('UpdateLiveSnapshotNotifyConfig', {
      ...domain, NotifyReqAuth: 'yes', NotifyAuthKey: 'sdkNotifyKey0123',
    });
    const described = await sdk.request('DescribeLiveSnapshotNotifyConfig', domain);
    assert.equal(described.DomainName, 'push.example.com');
    assert.equal(described.NotifyUrl, 'http://127.0.0.1:9/n');
    assert.equal(described.NotifyReqAuth, 'yes');
    assert.equal(described.NotifyAuthKey, 'sdkNotifyKey0123');
    await sdk.request('DeleteLiveSnapshotNotifyConfig', domain);
    const gone = await refused(sdk.request('DescribeLiveSnapshotNotifyConfig', domain));
    assert.equal(gone.code, 'ConfigNotFound');
    assert.equal(gone.entry.response.statusCode, 404);
  });

  test('DescribeLiveStreamsOnlineList wants a DomainName and checks its enums', async () => {
    const none = await client().request('DescribeLiveStreamsOnlineList', {
      DomainName: 'push.example.com',
      QueryType: 'strict',
      OnlyStream: 'yes',
    });
    assert.equal(none.TotalNum, 0);
    const missing = await refused(client().request('DescribeLiveStreamsOnlineList', {}));
    assert.equal(missing.code, 'MissingDomainName');
    const badType = await refused(client().request('DescribeLiveStreamsOnlineList', {
      DomainName: 'push.example.com',
      QueryType: 'exact',
    }));
    assert.equal(badType.code, 'InvalidQueryType.Malformed');
  });

  test('a wrong secret is refused', async () => {
    const err = await refused(client('not-the-secret').request('DescribeLiveUserDomains', {}));
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.entry.response.statusCode, 400);
    const unknown = await refused(client(SECRET, 'LTAI-nobody').request('DescribeLiveUserDomains', {}));
    assert.equal(unknown.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(unknown.entry.response.statusCode, 404);
    // Nothing was changed by the refused callers.
    const err2 = await refused(client('not-the-secret').request('DeleteLiveDomain', {
      DomainName: 'push.example.com',
    }));
    assert.equal(err2.code, 'SignatureDoesNotMatch');
    const listed = await client().request('DescribeLiveUserDomains', { DomainName: 'push' });
    assert.equal(listed.TotalCount, 1);
  });

  test('aliauth: BatchSetLiveDomainConfigs, DescribeLiveDomainConfigs, DeleteLiveSpecificConfig', async () => {
    const sdk = client();
    const functions = JSON.stringify([{
      functionName: 'aliauth',
      functionArgs: [
        { argName: 'auth_type', argValue: 'type_a' },
        { argName: 'auth_key1', argValue: 'sdkPrimaryKey1' },
        { argName: 'auth_key2', argValue: 'sdkSecondaryKey2' },
        { argName: 'ali_auth_delta', argValue: '900' },
      ],
    }]);
    await sdk.request('BatchSetLiveDomainConfigs', {
      DomainNames: 'push.example.com',
      Functions: functions,
    }, { method: 'POST' });
    const described = await sdk.request('DescribeLiveDomainConfigs', {
      DomainName: 'push.example.com',
      FunctionNames: 'aliauth',
    });
    const [config] = described.DomainConfigs.DomainConfig;
    assert.equal(config.FunctionName, 'aliauth');
    assert.equal(config.Status, 'success');
    const args = Object.fromEntries(
      config.FunctionArgs.FunctionArg.map((a) => [a.ArgName, a.ArgValue]));
    assert.deepEqual(args, {
      auth_type: 'type_a',
      auth_key1: 'sdkPrimaryKey1',
      auth_key2: 'sdkSecondaryKey2',
      ali_auth_delta: '900',
    });
    // The keys reach no log.
    assert.ok(!serverLog.includes('sdkPrimaryKey1'), serverLog);

    const bad = await refused(sdk.request('BatchSetLiveDomainConfigs', {
      DomainNames: 'push.example.com',
      Functions: '[{"functionName":"aliauth","functionArgs":[{"argName":"auth_type","argValue":"type_q"}]}]',
    }));
    assert.equal(bad.code, 'InvalidFunctions.Malformed');

    // Types B and C through the same function.
    for (const authType of ['type_b', 'type_c']) {
      await sdk.request('BatchSetLiveDomainConfigs', {
        DomainNames: 'push.example.com',
        Functions: JSON.stringify([{
          functionName: 'aliauth',
          functionArgs: [{ argName: 'auth_type', argValue: authType }],
        }]),
      }, { method: 'POST' });
      const read = await sdk.request('DescribeLiveDomainConfigs', {
        DomainName: 'push.example.com',
        FunctionNames: 'aliauth',
      });
      const readArgs = Object.fromEntries(read.DomainConfigs.DomainConfig[0].FunctionArgs.FunctionArg
        .map((a) => [a.ArgName, a.ArgValue]));
      assert.equal(readArgs.auth_type, authType);
      assert.equal(readArgs.auth_key1, 'sdkPrimaryKey1');  // kept: only the type was set
    }

    await sdk.request('DeleteLiveSpecificConfig', {
      DomainName: 'push.example.com',
      ConfigId: config.ConfigId,
    });
    const after = await sdk.request('DescribeLiveDomainConfigs', { DomainName: 'push.example.com' });
    assert.deepEqual(after.DomainConfigs.DomainConfig, []);
  });

  test('snapshot records: DescribeLiveStreamSnapshotInfo pages, DescribeLiveDomainSnapshotData, DeleteSnapshotFiles', async () => {
    const sdk = client();
    // 30 s of video pushed faster than real time: a capture every 5 s of it.
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=30',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p',
      '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live?vhost=seed.example.com/sdk`],
    { stdio: 'ignore' });
    assert.equal(await new Promise((resolve) => ffmpeg.once('exit', resolve)), 0, 'ffmpeg pushed');
    const now = Date.now();
    const range = {
      DomainName: 'seed.example.com',
      AppName: 'live',
      StreamName: 'sdk',
      StartTime: new Date(now - 3600e3).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      EndTime: new Date(now + 600e3).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    let all = [];
    for (let i = 0; i < 60 && all.filter((r) => !r.IsOverlay).length < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const body = await sdk.request('DescribeLiveStreamSnapshotInfo', { ...range, Limit: 100 });
      all = body.LiveStreamSnapshotInfoList.LiveStreamSnapshotInfo;
    }
    assert.equal(all.filter((r) => !r.IsOverlay).length, 6, 'six captures recorded');

    // Pages of 2 with NextStartTime in whole seconds: every record once.
    const paged = [];
    let start = range.StartTime;
    for (let page = 0; page < 20; page++) {
      const body = await sdk.request('DescribeLiveStreamSnapshotInfo', {
        ...range, StartTime: start, Limit: 2,
      });
      paged.push(...body.LiveStreamSnapshotInfoList.LiveStreamSnapshotInfo);
      if (!body.NextStartTime) break;
      assert.match(body.NextStartTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      start = body.NextStartTime;
    }
    const key = (r) => `${r.CreateTimestamp}/${r.OssObject}`;
    assert.deepEqual(paged.map(key), all.map(key));

    const today = new Date(now).toISOString().slice(0, 10);
    const data = await sdk.request('DescribeLiveDomainSnapshotData', {
      DomainName: 'seed.example.com',
      StartTime: `${today}T00:00:00Z`,
      EndTime: new Date(Date.parse(`${today}T00:00:00Z`) + 86400e3).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const [day] = data.SnapshotDataInfos.SnapshotDataInfo;
    assert.equal(day.Date, today.replace(/-/g, ''));
    assert.equal(day.Total, new Set(all.map((r) => r.CreateTimestamp)).size);
    const old = await refused(sdk.request('DescribeLiveDomainSnapshotData', {
      StartTime: '2000-01-01T00:00:00Z', EndTime: '2000-01-02T00:00:00Z',
    }));
    assert.equal(old.code, 'InvalidStartTime.ValueNotSupported');
    assert.equal(old.entry.response.statusCode, 400);

    // The two oldest captures, records and objects; the SDK sends the list
    // as CreateTimestampList.1, .2.
    const sequence = all.filter((r) => !r.IsOverlay);
    const times = sequence.slice(0, 2).map((r) => r.CreateTimestamp);
    const objects = sequence.slice(0, 2).map((r) => path.join(dir, 'data', 'snapshots', r.OssObject));
    for (const file of objects) assert.ok(fs.existsSync(file), file);
    const deleted = await sdk.request('DeleteSnapshotFiles', {
      DomainName: 'seed.example.com', AppName: 'live', StreamName: 'sdk',
      CreateTimestampList: times, RemoveFile: true,
    }, { method: 'POST' });
    assert.equal(deleted.SuccessCount, 2);
    assert.equal(deleted.FailureCount, 0);
    assert.deepEqual(deleted.SnapshotDeleteInfoList.SnapshotDeleteInfo.map((i) => ({ ...i })),
      times.map((t) => ({ CreateTimestamp: t, Message: 'OK' })));
    for (const file of objects) assert.ok(!fs.existsSync(file), file);
    const left = await sdk.request('DescribeLiveStreamSnapshotInfo', { ...range, Limit: 100 });
    assert.equal(left.LiveStreamSnapshotInfoList.LiveStreamSnapshotInfo.length, all.length - 2);
    const again = await sdk.request('DeleteSnapshotFiles', {
      DomainName: 'seed.example.com', AppName: 'live', StreamName: 'sdk',
      CreateTimestampList: times, RemoveFile: false,
    });
    assert.equal(again.FailureCount, 2);
    assert.equal(again.SnapshotDeleteInfoList.SnapshotDeleteInfo[0].Message, 'FileNotFound');
    const missing = await refused(sdk.request('DeleteSnapshotFiles', {
      DomainName: 'seed.example.com', AppName: 'live', StreamName: 'sdk', CreateTimestampList: times,
    }));
    assert.equal(missing.code, 'MissingRemoveFile');
  });

  test('DeleteLiveDomain', async () => {
    await client().request('DeleteLiveDomain', { DomainName: 'push.example.com' });
    const err = await refused(client().request('DeleteLiveDomain', { DomainName: 'push.example.com' }));
    assert.equal(err.code, 'InvalidDomain.NotFound');
  });
});

describe('domain types, wildcard domains and callback signing through @alicloud/pop-core', () => {
  test('AddLiveDomain keeps LiveDomainType and takes Scope, CheckUrl, TopLevelDomain', async () => {
    const sdk = client();
    const missing = await refused(sdk.request('AddLiveDomain', {
      DomainName: 'edge.example.com',
      Region: 'cn-shanghai',
    }));
    assert.equal(missing.code, 'MissingLiveDomainType');
    const malformed = await refused(sdk.request('AddLiveDomain', {
      DomainName: 'edge.example.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveAudio',
    }));
    assert.equal(malformed.code, 'InvalidLiveDomainType.Malformed');
    const badScope = await refused(sdk.request('AddLiveDomain', {
      DomainName: 'edge.example.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveEdge',
      Scope: 'moon',
    }));
    assert.equal(badScope.code, 'InvalidScope.Malformed');
    await sdk.request('AddLiveDomain', {
      DomainName: 'edge.example.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveEdge',
      Scope: 'global',
      CheckUrl: 'http://edge.example.com/status.html',
      TopLevelDomain: 'example.com',
    });
    const edges = await sdk.request('DescribeLiveUserDomains', { LiveDomainType: 'liveEdge' });
    assert.deepEqual(edges.Domains.PageData.map((d) => [d.DomainName, d.LiveDomainType]),
      [['edge.example.com', 'liveEdge']]);
    await sdk.request('DeleteLiveDomain', { DomainName: 'edge.example.com' });
  });

  test('a wildcard domain takes templates like any domain', async () => {
    const sdk = client();
    await sdk.request('AddLiveDomain', {
      DomainName: '.wild.example.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveVideo',
    });
    await sdk.request('AddLiveAppSnapshotConfig', {
      DomainName: '.wild.example.com',
      AppName: '*',
      TimeInterval: 5,
      OssEndpoint: 'file.local',
      OssBucket: 'snapshots',
      OverwriteOssObject: '{Domain}/{AppName}/{StreamName}.jpg',
    });
    const described = await sdk.request('DescribeLiveSnapshotConfig', {
      DomainName: '.wild.example.com',
    });
    assert.equal(described.TotalNum, 1);
    const tooWide = await refused(sdk.request('AddLiveDomain', {
      DomainName: '.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveVideo',
    }));
    assert.equal(tooWide.code, 'InvalidDomainName.Malformed');
    await sdk.request('DeleteLiveDomain', { DomainName: '.wild.example.com' });
  });

  test('Set, Query and DeleteSnapshotCallbackAuth', async () => {
    const sdk = client();
    await sdk.request('AddLiveDomain', {
      DomainName: 'cb.example.com',
      Region: 'cn-shanghai',
      LiveDomainType: 'liveVideo',
    });
    await sdk.request('SetSnapshotCallbackAuth', {
      DomainName: 'cb.example.com',
      CallbackReqAuth: 'yes',
      CallbackAuthKey: 'sdkCallbackKey1',
    }, { method: 'POST' });
    let query = await sdk.request('QuerySnapshotCallbackAuth', { DomainName: 'cb.example.com' });
    assert.equal(query.DomainName, 'cb.example.com');
    assert.equal(query.CallbackReqAuth, 'yes');
    assert.equal(query.CallbackAuthKey, 'sdkCallbackKey1');  // the caller signed
    const missing = await refused(sdk.request('SetSnapshotCallbackAuth', {
      DomainName: 'cb.example.com',
      CallbackReqAuth: 'yes',
    }));
    assert.equal(missing.code, 'MissingParam');
    const malformed = await refused(sdk.request('SetSnapshotCallbackAuth', {
      DomainName: 'cb.example.com',
      CallbackReqAuth: 'maybe',
      CallbackAuthKey: 'sdkCallbackKey1',
    }));
    assert.equal(malformed.code, 'MalformedParam');
    await sdk.request('DeleteSnapshotCallbackAuth', { DomainName: 'cb.example.com' });
    query = await sdk.request('QuerySnapshotCallbackAuth', { DomainName: 'cb.example.com' });
    assert.equal(query.CallbackReqAuth, 'no');
    assert.equal(query.CallbackAuthKey, '');
    const unknown = await refused(sdk.request('DeleteSnapshotCallbackAuth', {
      DomainName: 'none.example.com',
    }));
    assert.equal(unknown.code, 'InvalidDomain.NotFound');
  });

  test('UpdateLiveSnapshotNotifyConfig without NotifyReqAuth takes the default, no', async () => {
    const sdk = client();
    await sdk.request('AddLiveSnapshotNotifyConfig', {
      DomainName: 'cb.example.com',
      NotifyUrl: 'http://hooks.example.com/notify',
      NotifyReqAuth: 'yes',
      NotifyAuthKey: 'sdkNotifyKey1234',
    });
    await sdk.request('UpdateLiveSnapshotNotifyConfig', {
      DomainName: 'cb.example.com',
      NotifyUrl: 'http://hooks.example.com/other',
    });
    const described = await sdk.request('DescribeLiveSnapshotNotifyConfig', {
      DomainName: 'cb.example.com',
    });
    assert.equal(described.NotifyUrl, 'http://hooks.example.com/other');
    assert.equal(described.NotifyReqAuth, 'no');
    assert.equal(described.NotifyAuthKey, 'sdkNotifyKey1234');
    await sdk.request('DeleteLiveDomain', { DomainName: 'cb.example.com' });
  });
});
