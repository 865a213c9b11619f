/**
 * The city applicant page: the city's key is generated in this browser and offered as a key file to download
 * (required before applying); the create operation is signed here and submitted with the contact details; then
 * `#/apply/<id>` watches the application (approvals, objections) until it is anchored or rejected.
 */
import { createOperation, createSigner, type DocumentContent, lookupDivision, signOperation } from '@did-city/method';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.ts';
import { download, keyFileText, type NamedKey, newKey } from '../keyfile.ts';
import { apply, type Registration, view } from '../registrations.ts';

function ApplyForm() {
  const [code, setCode] = useState('');
  const [key, setKey] = useState<NamedKey | undefined>();
  const [saved, setSaved] = useState(false);
  const [contact, setContact] = useState({ organisation: '', email: '' });
  const [error, setError] = useState('');
  const division = /^\d{6}$/.test(code) ? lookupDivision(code) : undefined;
  const did = `did:city:cn:${code}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (key === undefined || division === undefined) return;
    try {
      const document: DocumentContent = {
        verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: key.publicKeyMultibase }],
        authentication: ['#key-1'],
        assertionMethod: ['#key-1'],
      };
      const unsigned = createOperation({ did, updateKeys: [key.publicKeyMultibase], document });
      const operation = await signOperation(unsigned, [createSigner(key)]);
      const registration = await apply(operation, contact);
      location.hash = `#/apply/${encodeURIComponent(registration.id)}`;
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <form onSubmit={submit} class="stack">
      <label for="code">{t('divisionCode')}</label>
      <input
        id="code"
        inputMode="numeric"
        maxLength={6}
        value={code}
        onInput={(e) => setCode(e.currentTarget.value.trim())}
      />
      <p data-testid="division">
        {code.length === 6 ? (division ? `${division.name} · ${did}` : t('unknownCode')) : ''}
      </p>
      <button type="button" onClick={() => setKey(newKey(`city-${code || 'key'}`))} disabled={division === undefined}>
        {t('generateKey')}
      </button>
      {key && (
        <>
          <p>
            <code class="key" data-testid="city-key">
              {key.publicKeyMultibase}
            </code>
          </p>
          <button
            type="button"
            onClick={() => {
              download(`did-city-${code}-keys.json`, keyFileText([key]));
              setSaved(true);
            }}
          >
            {t('downloadKey')}
          </button>
          <p class="note">{t('downloadFirst')}</p>
        </>
      )}
      <label for="organisation">{t('organisation')}</label>
      <input
        id="organisation"
        value={contact.organisation}
        onInput={(e) => setContact({ ...contact, organisation: e.currentTarget.value })}
      />
      <label for="email">{t('email')}</label>
      <input
        id="email"
        type="email"
        value={contact.email}
        onInput={(e) => setContact({ ...contact, email: e.currentTarget.value })}
      />
      <button
        type="submit"
        disabled={key === undefined || !saved || contact.organisation === '' || contact.email === ''}
      >
        {t('submit')}
      </button>
      {error && (
        <p role="alert" class="problem">
          {error}
        </p>
      )}
    </form>
  );
}

function Watch({ id }: { id: string }) {
  const [registration, setRegistration] = useState<Registration | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const poll = async () => {
      try {
        const next = await view(id);
        if (!live) return;
        setRegistration(next);
        // `approved`: the threshold is reached and the create is being anchored; keep watching until it is.
        if (next.status === 'pending' || next.status === 'approved') setTimeout(poll, 1500);
      } catch (e) {
        if (live) setError((e as Error).message);
      }
    };
    void poll();
    return () => {
      live = false;
    };
  }, [id]);
  if (registration === undefined) return <p>{error || t('loading')}</p>;
  return (
    <section>
      <h2>
        {t('applicationStatus')}:{' '}
        <span data-testid="application-status" data-status={registration.status}>
          {registration.status}
        </span>
      </h2>
      <p>
        {registration.did} · {t('approvals')} {registration.approvals.length}/{registration.threshold}
      </p>
      {(registration.objections ?? []).map((o) => (
        <p key={o.key} class="problem">
          {t('objections')}: {o.reason}
        </p>
      ))}
      {registration.rejection && <p class="problem">{registration.rejection.reason}</p>}
      {registration.status === 'anchored' && (
        <p>
          {t('anchoredAs')} <a href={`#/did/${encodeURIComponent(registration.did)}`}>{registration.did}</a>
        </p>
      )}
    </section>
  );
}

export function ApplyPage({ id }: { id?: string }) {
  return (
    <>
      <h1>{t('apply')}</h1>
      {id === undefined ? <ApplyForm /> : <Watch id={id} />}
    </>
  );
}
