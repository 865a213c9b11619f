/**
 * One DID: its history fetched with its proofs and verified here (checkpoint, inclusion of each entry, index head,
 * operation chain), the current document, every version with what changed, services, keys and successor links.
 * A failed check turns the page red and names the leaf and the check.
 */
import { type DIDDocument, type DocumentVersion, lookupDivision, parentDid } from '@did-city/method';
import { fetchHistory, trustPolicy } from '../api.ts';
import { t } from '../i18n.ts';
import { englishName } from '../names.ts';
import { useLoad } from '../state.ts';
import { Badge, Banner, Json, Loading, PolicyNotice, Section, time } from '../ui.tsx';
import { checkDid, type DidCheck } from '../verify.ts';
import { diffDocuments } from './diff.ts';

/** The DID's checks, after its parent's (the registry that authorised it), which must verify first. */
async function verifyDid(did: string, policyText: string, depth = 0): Promise<{ result: DidCheck; parent?: DidCheck }> {
  const parentId = parentDid(did);
  const served = await fetchHistory(did);
  if (parentId === undefined || depth > 4) return { result: checkDid(served, policyText) };
  const parent = (await verifyDid(parentId, policyText, depth + 1)).result;
  const result = checkDid(served, policyText, parent.history);
  if (!parent.ok) {
    result.ok = false;
    result.head = {
      ok: result.head.ok,
      problem: `the parent ${parentId} does not verify, so ${did}'s operations cannot be authorised`,
    };
  }
  return { result, parent };
}

async function load(did: string) {
  const policy = await trustPolicy();
  return { policy, ...(await verifyDid(did, policy.text)) };
}

function problemsOf(result: DidCheck): string[] {
  const problems = [result.checkpoint.problem, result.head.problem];
  for (const entry of result.entries) problems.push(entry.inclusion.problem, entry.chain.problem);
  return [...new Set(problems.filter((p): p is string => p !== undefined))];
}

/** The division a city DID names, in Chinese and English, with its level. */
function DivisionLine({ did }: { did: string }) {
  const code = /^did:city:cn:(\d{6})$/.exec(did)?.[1];
  const division = code === undefined ? undefined : lookupDivision(code);
  if (code === undefined || division === undefined) return null;
  return (
    <p data-testid="division-name">
      {division.name} · {englishName(code, division.name, division.level)} · {t(division.level)} · {code}
    </p>
  );
}

function Entries({ result }: { result: DidCheck }) {
  return (
    <table class="entries">
      <thead>
        <tr>
          <th>{t('leaf')}</th>
          <th>{t('operation')}</th>
          <th>{t('time')}</th>
          <th>{t('inclusion')}</th>
          <th>{t('chain')}</th>
        </tr>
      </thead>
      <tbody>
        {result.entries.map((entry) => (
          <tr
            key={entry.index}
            data-testid={`entry-${entry.index}`}
            data-ok={String(entry.inclusion.ok && entry.chain.ok)}
          >
            <td>{entry.index}</td>
            <td>
              {String(entry.operation.type)} #{String(entry.operation.seq)}
            </td>
            <td>{entry.integratedTime}</td>
            <td>
              <Badge check={entry.inclusion} />
              {entry.inclusion.problem && <div class="problem">{entry.inclusion.problem}</div>}
            </td>
            <td>
              <Badge check={entry.chain} />
              {entry.chain.problem && <div class="problem">{entry.chain.problem}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Versions({ versions }: { versions: DocumentVersion[] }) {
  return (
    <ol class="versions">
      {versions.map((version, i) => (
        <li key={version.versionId}>
          <strong>
            {t('version')} {version.versionId}
          </strong>{' '}
          · {t('leaf')} {version.leafIndex} · {time(version.integratedTime)}
          <ul>
            {diffDocuments(
              versions[i - 1]?.document,
              version.document,
              versions[i - 1]?.keyState.updateKeys,
              version.keyState.updateKeys,
            ).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function Keys({ document, updateKeys }: { document: DIDDocument; updateKeys: readonly string[] }) {
  return (
    <>
      <ul>
        {(document.verificationMethod ?? []).map((vm) => (
          <li key={vm.id}>
            <code>{vm.id}</code> {vm.type} <code class="key">{String(vm.publicKeyMultibase ?? '')}</code>
          </li>
        ))}
      </ul>
      <p>
        {t('updateKeys')}:{' '}
        {updateKeys.map((key) => (
          <code key={key} class="key">
            {key}{' '}
          </code>
        ))}
      </p>
    </>
  );
}

export function DidPage({ did }: { did: string }) {
  const { value, error } = useLoad(() => load(did), did);
  if (value === undefined) return <Loading error={error} text={t('verifying')} />;
  const { result, policy, parent } = value;
  const history = result.history;
  const current = history?.versions.at(-1);
  const successor = history?.deactivation?.successor;
  return (
    <>
      <PolicyNotice policy={policy} />
      <Banner ok={result.ok} problems={problemsOf(result)} />
      <h1>{did}</h1>
      <DivisionLine did={did} />
      <p>
        {t('checkpoint')}: <Badge check={result.checkpoint} testid="checkpoint" /> {t('treeSize')}{' '}
        {result.checkpoint.checkpoint?.size ?? '?'} · {t('head')}: <Badge check={result.head} testid="head" />
        {parent && (
          <>
            {' '}
            · {t('parent')} <a href={`#/did/${encodeURIComponent(parent.did)}`}>{parent.did}</a>:{' '}
            <Badge check={parent} testid="parent" />
          </>
        )}
      </p>
      <Section title={t('operation')}>
        <Entries result={result} />
      </Section>
      {history && current && (
        <>
          {history.deactivation && (
            <p class="tag">
              {t('deactivated')} {time(history.deactivation.integratedTime)}
              {successor !== undefined &&
                [successor].flat().map((s) => (
                  <span key={s}>
                    {' '}
                    → {t('successors')}: <a href={`#/did/${encodeURIComponent(s)}`}>{s}</a>
                  </span>
                ))}
            </p>
          )}
          <Section title={t('keys')}>
            <Keys document={current.document} updateKeys={current.keyState.updateKeys} />
          </Section>
          <Section title={t('services')}>
            {(current.document.service ?? []).length === 0 ? (
              <p>{t('none')}</p>
            ) : (
              <ul>
                {(current.document.service ?? []).map((s) => (
                  <li key={s.id}>
                    <code>{s.id}</code> {String(s.type)} <code>{JSON.stringify(s.serviceEndpoint)}</code>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title={`${t('versions')} (${history.versions.length})`}>
            <Versions versions={history.versions} />
          </Section>
          <Section title={t('document')}>
            <Json value={current.document} />
          </Section>
        </>
      )}
    </>
  );
}
