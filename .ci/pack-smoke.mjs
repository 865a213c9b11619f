// Pack-and-install smoke test, after `pnpm build`: every publishable package packed with `pnpm pack` (workspace
// and catalog versions replaced as a registry would see them), installed into fresh npm projects in a temporary
// directory, and used against a ledger started on loopback (the built all-in-one). Every tarball must hold
// package/LICENSE, identical to the repository's LICENSE.
//   1. a verifying wallet: @did-city/tlog + @did-city/method + did-resolver + did-jwt; its dependency graph must hold
//      neither better-sqlite3 nor express; it resolves a DID through the verifying HttpLedgerReader and verifies a
//      JWT signed by a seeded city's key through getResolver();
//   2. the CLI from its tarball (with the tarballs of its workspace dependencies): `did-city --version` and a
//      verified `did-city resolve --json`.
// npm is asked with --prefer-offline, so a warm cache installs without the network.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const temp = mkdtempSync(join(tmpdir(), 'did-city-pack-'));
const tarballs = join(temp, 'tarballs');
const started = Date.now();
const step = (text) => console.log(`== pack smoke (${((Date.now() - started) / 1000).toFixed(1)} s): ${text}`);
const run = (command, args, cwd, env = {}) =>
  execFileSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
const npmInstall = (cwd, specs, extra = []) =>
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...extra, ...specs], cwd);

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function project(name) {
  const dir = join(temp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  return dir;
}

let ledger;
try {
  // 1. Pack.
  const packageDirs = ['packages', 'drivers'].flatMap((group) =>
    readdirSync(join(repo, group)).map((name) => join(repo, group, name)),
  );
  for (const dir of packageDirs) run('pnpm', ['pack', '--pack-destination', tarballs], dir);
  const tgz = (prefix) => {
    const file = readdirSync(tarballs).find((name) => name.startsWith(prefix));
    if (file === undefined) throw new Error(`no tarball ${prefix}*`);
    return join(tarballs, file);
  };
  // Each tarball carries the licence text, identical to the repository's.
  const license = readFileSync(join(repo, 'LICENSE'), 'utf8');
  for (const file of readdirSync(tarballs)) {
    const packed = run('tar', ['-xzOf', join(tarballs, file), 'package/LICENSE'], tarballs);
    if (packed !== license)
      throw new Error(`${file}: package/LICENSE is missing or differs from the repository's LICENSE`);
  }
  step(`packed ${readdirSync(tarballs).length} packages, each with its LICENSE`);

  // 2. A ledger on loopback: the built all-in-one, seeded on first start.
  const port = await freePort();
  const data = join(temp, 'data');
  const url = `http://127.0.0.1:${port}`;
  ledger = spawn(process.execPath, [join(repo, 'packages/cli/dist/serve/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: data },
    stdio: 'ignore',
  });
  for (let ready = false; !ready; ) {
    if (ledger.exitCode !== null) throw new Error('the all-in-one exited');
    ready = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  step(`all-in-one seeded on ${url}`);

  // 3. A verify-only install.
  const wallet = project('wallet');
  npmInstall(wallet, [tgz('did-city-tlog-'), tgz('did-city-method-'), 'did-resolver@^4.1.0', 'did-jwt@^8.0.9']);
  const graph = run('npm', ['ls', '--all', '--parseable'], wallet);
  for (const heavy of ['better-sqlite3', 'express']) {
    if (graph.split('\n').some((path) => path.endsWith(`/node_modules/${heavy}`)))
      throw new Error(`the verify-only install pulls ${heavy}`);
  }
  writeFileSync(
    join(wallet, 'verify.mjs'),
    `import { readFileSync } from 'node:fs';
import { createCityResolver, getResolver } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { createJWT, EdDSASigner, verifyJWT } from 'did-jwt';
import { Resolver } from 'did-resolver';
const [url, keyFile] = process.argv.slice(2);
const reader = new HttpLedgerReader({ url: url + '/', policy: await (await fetch(url + '/policy')).text() });
const result = await createCityResolver({ reader }).resolve('did:city:cn:130100');
if (result.didDocument?.id !== 'did:city:cn:130100' || result.didResolutionMetadata.ledger === undefined) throw new Error('resolution failed');
const key = JSON.parse(readFileSync(keyFile, 'utf8')).keys[0];
const signer = EdDSASigner(new Uint8Array(Buffer.from(key.secretKey, 'base64url')));
const jwt = await createJWT({ claim: 'smoke' }, { issuer: 'did:city:cn:130100', signer, alg: 'EdDSA' });
const { verified } = await verifyJWT(jwt, { resolver: new Resolver(getResolver({ reader })), proofPurpose: 'assertionMethod' });
if (!verified) throw new Error('the JWT did not verify');
const missing = await new Resolver(getResolver({ reader })).resolve('did:city:cn:130200');
if (missing.didResolutionMetadata.error !== 'notFound') throw new Error('not in did-resolver dialect');
console.log('wallet: resolved and verified');
`,
  );
  run(process.execPath, ['verify.mjs', url, join(data, 'keys/cities/130100.json')], wallet);
  step('verify-only install: no better-sqlite3 or express; resolved a DID and verified a JWT');

  // 4. The CLI from its tarball; native builds skipped (resolving needs no SQLite).
  const cli = project('cli');
  const cliTarballs = [
    'did-city-cli-',
    'did-city-exchange-',
    'did-city-issuer-',
    'did-city-ledger-',
    'did-city-method-',
    'did-city-tlog-',
    'uni-resolver-driver-did-city-',
  ];
  npmInstall(cli, cliTarballs.map(tgz), ['--ignore-scripts']);
  const bin = join(cli, 'node_modules/.bin/did-city');
  const version = run(bin, ['--version'], cli).trim();
  const manifest = JSON.parse(readFileSync(join(repo, 'packages/cli/package.json'), 'utf8'));
  if (version !== `did-city ${manifest.version}`) throw new Error(`did-city --version printed "${version}"`);
  const resolved = JSON.parse(
    run(bin, ['resolve', 'did:city:cn:130100', '--ledger', url, '--json'], cli, { DID_CITY_HOME: join(temp, 'home') }),
  );
  if (resolved.didDocument?.id !== 'did:city:cn:130100') throw new Error('did-city resolve failed');
  step(`the packed did-city bin: ${version}, resolve --json`);
} finally {
  ledger?.kill();
  rmSync(temp, { recursive: true, force: true });
}
