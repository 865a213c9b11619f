/**
 * Credential check: paste or drop a credential (VC-JWT, vc+jwt, or a Data Integrity JSON credential). Who issued
 * it about whom is read here; whether it verifies, status included, is asked of the node's VC API verifier
 * (`POST /issuer/credentials/verify`), and the issuer's DID links to its page, which this browser verifies itself.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { t } from '../i18n.ts';
import { Badge, Json } from '../ui.tsx';

interface Parsed {
  credential: unknown;
  issuer: string;
  subject: string;
  format: string;
}

function base64UrlJson(part: string): Record<string, unknown> {
  const text = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

function idOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : '';
}

export function parseCredential(text: string): Parsed {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(trimmed)) {
    const payload = base64UrlJson(trimmed.split('.')[1]!);
    const vc = (payload['vc'] ?? payload) as Record<string, unknown>;
    const subject = typeof payload['sub'] === 'string' ? payload['sub'] : idOf(vc['credentialSubject']);
    return {
      credential: trimmed,
      issuer: idOf(payload['iss'] ?? vc['issuer']),
      subject,
      format: payload['vc'] ? 'VC-JWT' : 'vc+jwt',
    };
  }
  const json = JSON.parse(trimmed) as Record<string, unknown>;
  const credential = (json['verifiableCredential'] ?? json) as Record<string, unknown>;
  if (typeof credential === 'string') return parseCredential(credential);
  return {
    credential,
    issuer: idOf(credential['issuer']),
    subject: idOf(credential['credentialSubject']),
    format: 'Data Integrity',
  };
}

interface Verdict {
  verified: boolean;
  errors: Array<{ code?: string; detail?: string; message?: string }>;
  warnings: unknown[];
}

async function verify(credential: unknown): Promise<Verdict> {
  const response = await fetch('/issuer/credentials/verify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ verifiableCredential: credential }),
  });
  const body = (await response.json()) as Partial<Verdict> & { detail?: string };
  if (response.status !== 200 && response.status !== 400) throw new ApiError(response.status, String(body.detail));
  if (body.verified === undefined) return { verified: false, errors: [{ detail: String(body.detail) }], warnings: [] };
  return { verified: body.verified, errors: body.errors ?? [], warnings: body.warnings ?? [] };
}

function statusOf(verdict: Verdict): string {
  const revoked = verdict.errors.some((e) => /revok|status/i.test(`${e.code ?? ''} ${e.detail ?? e.message ?? ''}`));
  return revoked ? t('revoked') : t('active');
}

export function CredentialPage() {
  const [text, setText] = useState('');
  const [state, setState] = useState<{ parsed?: Parsed; verdict?: Verdict; error?: string }>({});
  const check = async () => {
    try {
      const parsed = parseCredential(text);
      setState({ parsed });
      setState({ parsed, verdict: await verify(parsed.credential) });
    } catch (error) {
      setState({ error: String((error as Error).message ?? error) });
    }
  };
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    const file = event.dataTransfer?.files[0];
    if (file !== undefined) setText(await file.text());
  };
  const { parsed, verdict, error } = state;
  return (
    <>
      <h1>{t('credential')}</h1>
      <p class="note">{t('verifiedByNode')}</p>
      <label for="credential-input">{t('paste')}</label>
      <textarea
        id="credential-input"
        rows={10}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setState({});
        }}
        onDrop={onDrop}
      />
      <button type="button" onClick={check}>
        {t('check')}
      </button>
      {error !== undefined && (
        <div class="banner bad" role="alert" data-testid="credential-verdict" data-ok="false">
          {error}
        </div>
      )}
      {parsed && (
        <dl class="facts">
          <dt>{t('issuer')}</dt>
          <dd>
            <a href={`#/did/${encodeURIComponent(parsed.issuer)}`}>{parsed.issuer}</a>
          </dd>
          <dt>{t('subject')}</dt>
          <dd>
            <a href={`#/did/${encodeURIComponent(parsed.subject)}`}>{parsed.subject}</a>
          </dd>
          <dt>{t('format')}</dt>
          <dd>{parsed.format}</dd>
          {verdict && (
            <>
              <dt>{t('verifies')}</dt>
              <dd data-testid="credential-verdict" data-ok={String(verdict.verified)}>
                <Badge check={{ ok: verdict.verified }} />
              </dd>
              <dt>{t('status')}</dt>
              <dd data-testid="credential-status">{statusOf(verdict)}</dd>
            </>
          )}
        </dl>
      )}
      {verdict && verdict.errors.length > 0 && <Json value={verdict.errors} />}
    </>
  );
}
