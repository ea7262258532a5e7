#!/usr/bin/env node
// Runs s3rver (the npm package pinned in package.json) on 127.0.0.1 for
// livesnap's tests and benchmarks.
//
//   node --openssl-legacy-provider s3rver_main.js --modules BUILD/s3rver/npm/node_modules --directory DATA
//        [--port 0] [--bucket NAME]... [--service-endpoint livesnap.test]
//        [--ready-file FILE] [--verbose]
//
// Port 0 picks a free port. Once listening, the port is written to the ready
// file (renamed into place, so a reader never sees it half written) and
// printed. Buckets are created at start; objects live in DATA, so a server
// restarted on the same directory still has them. SIGTERM or SIGINT stop it.
// s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node 17+
// (OpenSSL 3) offers only with the legacy provider: without the flag every
// truncated listing fails with 500 InternalError.
'use strict';

const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const options = { port: 0, buckets: [], serviceEndpoint: 'livesnap.test', verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--modules': options.modules = next(); break;
      case '--directory': options.directory = next(); break;
      case '--port': options.port = Number(next()); break;
      case '--bucket': options.buckets.push(next()); break;
      case '--service-endpoint': options.serviceEndpoint = next(); break;
      case '--ready-file': options.readyFile = next(); break;
      case '--verbose': options.verbose = true; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!options.modules || !options.directory) {
    throw new Error('--modules and --directory are required');
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`bad --port ${options.port}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const S3rver = require(path.resolve(options.modules, 's3rver'));
  fs.mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: !options.verbose,
    serviceEndpoint: options.serviceEndpoint,
    configureBuckets: options.buckets.map(name => ({ name })),
  });
  const { port } = await server.run();
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (options.readyFile) {
    fs.writeFileSync(`${options.readyFile}.tmp`, `${port}\n`);
    fs.renameSync(`${options.readyFile}.tmp`, options.readyFile);
  }
  console.log(`s3rver ready on 127.0.0.1:${port}`);
}

main().catch(error => {
  console.error(`s3rver_main: ${error.stack || error}`);
  process.exit(1);
});
