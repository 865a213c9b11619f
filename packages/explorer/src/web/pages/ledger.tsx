/**
 * The ledger: the latest checkpoint verified against the trust policy (log signature, each witness's cosignature and
 * its time), the tree size and root, the whole log checked against that root, and the recent anchoring.
 */
import { t } from '../i18n.ts';
import { loadLedger } from '../ledger-load.ts';
import { useLoad } from '../state.ts';
import { Badge, Banner, Loading, PolicyNotice, Section, time } from '../ui.tsx';

const RECENT = 20;

export function LedgerPage() {
  const { value, error } = useLoad(loadLedger, 'ledger');
  if (value === undefined) return <Loading error={error} />;
  const { checkpoint, log, note, policy } = value;
  const verdict = checkpoint.verdict;
  const problems = [checkpoint.problem, log.problem].filter((p): p is string => p !== undefined);
  const root =
    checkpoint.checkpoint === undefined ? '' : Buffer.from(checkpoint.checkpoint.rootHash).toString('base64');
  return (
    <>
      <PolicyNotice policy={policy} />
      <Banner ok={checkpoint.ok && log.ok} problems={problems} />
      <h1>{t('ledger')}</h1>
      <dl class="facts">
        <dt>{t('treeSize')}</dt>
        <dd data-testid="tree-size">{checkpoint.checkpoint?.size ?? '?'}</dd>
        <dt>{t('rootHash')}</dt>
        <dd>
          <code>{root}</code>
        </dd>
        <dt>{t('logSignature')}</dt>
        <dd>
          <Badge check={{ ok: verdict?.logSigned === true }} /> {checkpoint.checkpoint?.origin}
        </dd>
        <dt>{t('quorum')}</dt>
        <dd>
          <Badge check={{ ok: verdict?.quorum === true }} testid="quorum" />
        </dd>
        <dt>{t('logIndexed')}</dt>
        <dd>
          <Badge check={log} testid="log-index" />
        </dd>
      </dl>
      <Section title={t('witnesses')}>
        <table>
          <thead>
            <tr>
              <th>{t('witness')}</th>
              <th>{t('time')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(verdict?.cosigners ?? []).map((c) => (
              <tr key={c.witness} data-testid="cosigner">
                <td>{c.witness}</td>
                <td>{time(c.timestamp)}</td>
                <td>
                  <Badge check={{ ok: true }} />
                </td>
              </tr>
            ))}
            {(verdict?.invalid ?? []).map((name) => (
              <tr key={name}>
                <td>{name}</td>
                <td />
                <td>
                  <Badge check={{ ok: false, problem: 'signature does not verify' }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title={t('recent')}>
        <table>
          <thead>
            <tr>
              <th>{t('leaf')}</th>
              <th>{t('time')}</th>
              <th>{t('did')}</th>
              <th>{t('operation')}</th>
            </tr>
          </thead>
          <tbody>
            {log.entries
              .slice(-RECENT)
              .reverse()
              .map((entry) => (
                <tr key={entry.index}>
                  <td>{entry.index}</td>
                  <td>{entry.integratedTime}</td>
                  <td>
                    <a href={`#/did/${encodeURIComponent(entry.operation.did)}`}>{entry.operation.did}</a>
                  </td>
                  <td>
                    {String(entry.operation.type)} #{String(entry.operation.seq)}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </Section>
      <Section title={t('checkpoint')}>
        <pre class="json">{note}</pre>
      </Section>
      <Section title={t('trustPolicy')}>
        <p>{t('policyPinned')}</p>
        <pre class="json">{policy.text}</pre>
      </Section>
    </>
  );
}
