// What the console's browser tests share: free loopback ports, waiting for
// a condition, a real livesnapd started from a config file, and Debian's
// Chromium driven by playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';

// A port free on 127.0.0.1 now, for TCP (RTMP, the API) or UDP (SRT).
export function freePort(kind = 'tcp') {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const probe = dgram.createSocket('udp4');
      probe.once('error', reject);
      probe.bind(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
      return;
    }
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// The first truthy value of `check()`, asked every `everyMs` (a throw counts
// as not yet); throws naming `what` after `timeoutMs`.
export async function waitFor(what, check, timeoutMs = 30000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

// livesnapd started with `config` (a file), its output copied to `logPath`;
// resolves once it says it is ready. stop() ends it with SIGTERM.
export async function startLivesnapd(livesnapd, config, { env = {}, logPath } = {}) {
  const child = spawn(livesnapd, ['-c', config], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = logPath ? fs.createWriteStream(logPath) : null;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let log = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log += chunk.toString();
      if (logFile) logFile.write(chunk);
      if (log.includes('livesnapd ready')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`livesnapd exited (${code}):\n${log}`)));
    setTimeout(() => reject(new Error(`livesnapd not ready in 60 s:\n${log}`)), 60000).unref();
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return {
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (logFile) logFile.end();
    },
  };
}

// A livesnapd of its own on free ports, with auth off, its data in `dataDir`
// and its config beside it; `serverLines` go into its [server] section.
// Resolves to startLivesnapd's handle with `base`, the URL of its API.
export async function startLocalLivesnapd(livesnapd, dataDir, { serverLines = '', logPath } = {}) {
  const apiPort = await freePort();
  const config = `${dataDir}.toml`;
  fs.writeFileSync(
    config,
    `[server]
data_dir = "${dataDir}"
${serverLines}
[rtmp]
listen = "127.0.0.1:${await freePort()}"
[api]
listen = "127.0.0.1:${apiPort}"
`,
  );
  const handle = await startLivesnapd(livesnapd, config, { logPath });
  return { ...handle, base: `http://127.0.0.1:${apiPort}` };
}

// Chromium with a profile of its own under `profileDir`, headless, with
// playwright-core from `npmDir` (npm ci of this directory's package-lock.json).
export function launchChromium(npmDir, profileDir) {
  const { chromium } = createRequire(path.join(npmDir, 'package.json'))('playwright-core');
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 860 },
  });
}
