/**
 * The institute console: sign in with the institute's token (kept in this tab's sessionStorage), load the
 * institute's key file (read in the page, kept in memory, never uploaded), then approve or object to pending
 * applications. Each decision is a signature made here; the node receives only the proof.
 */
import { lookupDivision } from '@did-city/method';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.ts';
import { type NamedKey, parseKeyFile } from '../keyfile.ts';
import { approve, pending, type Registration, reject } from '../registrations.ts';

const TOKEN_KEY = 'did-city-explorer/institute-token';

function Application({
  registration,
  keyPair,
  onDone,
}: {
  registration: Registration;
  keyPair?: NamedKey;
  onDone: (message: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const code = registration.did.split(':').at(-1) ?? '';
  const signed = registration.approvals.some((a) => a.key === keyPair?.publicKeyMultibase);
  const act = async (what: 'approve' | 'reject') => {
    if (keyPair === undefined) return;
    setBusy(true);
    try {
      const after =
        what === 'approve' ? await approve(registration, keyPair) : await reject(registration, keyPair, reason);
      onDone(`${registration.did}: ${after.status} (${after.approvals.length}/${after.threshold})`);
    } catch (error) {
      onDone(`${registration.did}: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="application" data-testid={`application-${code}`}>
      <strong>{registration.did}</strong> {lookupDivision(code)?.name ?? ''}
      <div>
        {registration.contact?.organisation} · {registration.contact?.email} · {registration.submittedAt}
      </div>
      <div>
        {t('approvals')}: {registration.approvals.length}/{registration.threshold}
        {(registration.objections ?? []).length > 0 &&
          ` · ${t('objections')}: ${registration.objections!.map((o) => o.reason).join('; ')}`}
      </div>
      <div class="actions">
        <button type="button" disabled={keyPair === undefined || busy || signed} onClick={() => act('approve')}>
          {signed ? t('approved') : t('approve')}
        </button>
        <input
          aria-label={t('reason')}
          placeholder={t('reason')}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        <button
          type="button"
          disabled={keyPair === undefined || busy || reason.trim() === ''}
          onClick={() => act('reject')}
        >
          {t('reject')}
        </button>
      </div>
    </li>
  );
}

export function ConsolePage() {
  const [token, setToken] = useState(sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [signedIn, setSignedIn] = useState(sessionStorage.getItem(TOKEN_KEY) !== null);
  const [keys, setKeys] = useState<NamedKey[]>([]);
  const [list, setList] = useState<Registration[] | undefined>();
  const [message, setMessage] = useState('');
  const refresh = async () => {
    try {
      setList(await pending(sessionStorage.getItem(TOKEN_KEY) ?? ''));
    } catch (error) {
      setMessage((error as Error).message);
      setList(undefined);
    }
  };
  useEffect(() => {
    if (signedIn) void refresh();
  }, [signedIn]);
  const signIn = (event: Event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    setSignedIn(true);
    void refresh();
  };
  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setSignedIn(false);
    setKeys([]);
    setList(undefined);
    setToken('');
  };
  const loadKeys = async (file: File | undefined) => {
    if (file === undefined) return;
    try {
      setKeys(parseKeyFile(await file.text()));
      setMessage('');
    } catch (error) {
      setMessage((error as Error).message);
    }
  };
  return (
    <>
      <h1>{t('console')}</h1>
      {!signedIn ? (
        <form onSubmit={signIn}>
          <label for="token">{t('token')}</label>{' '}
          <input
            id="token"
            type="password"
            autoComplete="off"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />{' '}
          <button type="submit">{t('signIn')}</button>
        </form>
      ) : (
        <>
          <p>
            <button type="button" onClick={signOut}>
              {t('signOut')}
            </button>{' '}
            <button type="button" onClick={refresh}>
              {t('refresh')}
            </button>
          </p>
          <p>
            <label for="keyfile">{t('keyFile')}</label>{' '}
            <input
              id="keyfile"
              type="file"
              accept=".json,application/json"
              onChange={(e) => loadKeys(e.currentTarget.files?.[0])}
            />
          </p>
          <p class="note">{t('keyStays')}</p>
          {keys[0] && (
            <p data-testid="institute-key">
              {t('signingAs')} {keys[0].name}: <code class="key">{keys[0].publicKeyMultibase}</code>
            </p>
          )}
        </>
      )}
      {message && (
        <p role="status" data-testid="console-message">
          {message}
        </p>
      )}
      {list !== undefined && (
        <section>
          <h2>
            {t('pendingApplications')} ({list.length})
          </h2>
          <ul class="applications">
            {list.map((registration) => (
              <Application
                key={registration.id}
                registration={registration}
                keyPair={keys[0]}
                onDone={(text) => {
                  setMessage(text);
                  void refresh();
                }}
              />
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
