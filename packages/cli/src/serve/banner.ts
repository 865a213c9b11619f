/**
 * What the all-in-one prints: on first start where the tokens are kept (never the tokens), on every start the curl
 * lines to try. The lines never contain a secret: the one that needs an institute token reads it from tokens.json.
 */
import { isAbsolute, relative } from 'node:path';
import type { Tokens } from './layout.ts';

/** `./data` for a directory under the working directory (as the README shows it), else the absolute path. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
}

export function tryLines(options: { publicUrl: string; dataDir: string }): string[] {
  const { publicUrl: url } = options;
  const data = displayPath(options.dataDir);
  const token = `$(node -p "require('${data}/tokens.json').institutes['institute-a']")`;
  return [
    `curl ${url}/1.0/identifiers/did:city:cn:130100`,
    `curl ${url}/1.0/identifiers/did:city:cn:371200`,
    `curl ${url}/checkpoint`,
    `curl -H "Authorization: Bearer ${token}" '${url}/registrations?status=anchored'`,
    `curl -H 'Content-Type: application/json' --data-binary @${data}/credentials/130100.json ${url}/issuer/credentials/verify`,
    `curl '${url}/1.0/identifiers/did:city:cn?resourceName=CityIdentityCredential&resourceType=JsonSchema'`,
    `curl ${url}/data/110000/catalogue`,
    dataFetchLine(options),
  ];
}

/** Tianjin fetches Beijing's newest air-quality release with its grant, signed with its own key (serve/exchange.ts). */
export function dataFetchLine(options: { publicUrl: string; dataDir: string }): string {
  const data = displayPath(options.dataDir);
  const files = `--keys ${data}/keys/cities/120000.json --grant ${data}/exchange/grants/110000-120000.jwt`;
  return `pnpm did-city data fetch did:city:cn:110000 air-quality-hourly --as did:city:cn:120000 ${files} --ledger ${options.publicUrl}`;
}

export function tryText(options: { publicUrl: string; dataDir: string }): string {
  const comments = [
    'resolve Shijiazhuang through the Universal Resolver driver route',
    'Laiwu, merged into Jinan in 2019: deactivated, with Jinan as its successor and canonicalId',
    'the latest checkpoint, co-signed by two of the three witnesses',
    'the anchored registrations, with an institute token from tokens.json',
    "verify Shijiazhuang's city identity credential",
    "the registry's JSON Schema of city identity credentials, a DID-Linked Resource of did:city:cn, checked against its anchored checksum",
    "Beijing's data catalogue (DCAT): an hourly air-quality sample dataset and its releases",
    "Tianjin fetches Beijing's newest release with the grant Beijing issued it, signing with its own key (RFC 9421); the payload is checked against its anchored checksum",
  ];
  const lines = tryLines(options).flatMap((line, i) => [`  # ${comments[i]}`, `  ${line}`]);
  const explorer = `Open ${options.publicUrl}/ in a browser: the explorer, which verifies what it shows in the browser.`;
  return [explorer, 'Try it:', ...lines].join('\n');
}

/** The registry's own linked resources (serve/seed-resources.ts): one `resource get` line per DID URL. */
export function resourceLines(
  publicUrl: string,
  resources: ReadonlyArray<{ url: string; resourceName: string; resourceType: string; resourceVersion?: string }>,
): string {
  const width = Math.max(0, ...resources.map((resource) => resource.url.length));
  const lines = resources.map((resource) => {
    const version = resource.resourceVersion === undefined ? '' : ` ${resource.resourceVersion}`;
    return `  pnpm --silent did-city resource get --url ${resource.url.padEnd(width)} --ledger ${publicUrl}  # ${resource.resourceType} ${resource.resourceName}${version}`;
  });
  const header =
    'The registry publishes its credential schemas, credentials context and division table as linked resources of did:city:cn; each line gets one, checked against the checksum anchored on the ledger:';
  return [header, `  pnpm --silent did-city resource list --did did:city:cn --ledger ${publicUrl}`, ...lines].join(
    '\n',
  );
}

/**
 * Where the operator's tokens are and what each is for, never the tokens: stdout ends up in journald, container
 * logs and CI output, which other people read.
 */
export function tokenText(tokens: Tokens, file: string): string {
  const where = displayPath(file);
  const institutes = Object.keys(tokens.institutes).map((name) => `  institutes.${name.padEnd(12)} GET /registrations`);
  return [
    `Operator tokens were created in ${where} (mode 0600); read them from there, e.g. node -p "require('${where}').admin":`,
    `  ${'admin'.padEnd(23)} POST /governance/operations`,
    ...institutes,
    `  ${'issuer'.padEnd(23)} POST /issuer/credentials/issue, /issuer/credentials/status`,
  ].join('\n');
}
