/** Small shared pieces: the verified / failed badge, the policy notice, a JSON block, times. */
import type { ComponentChildren } from 'preact';
import { pinPolicy } from './api.ts';
import { t } from './i18n.ts';
import type { Check } from './verify.ts';

export function Badge({ check, testid }: { check: Check; testid?: string }) {
  return (
    <span
      class={check.ok ? 'badge ok' : 'badge bad'}
      data-testid={testid}
      data-ok={String(check.ok)}
      title={check.problem}
    >
      {check.ok ? `✓ ${t('verified')}` : `✗ ${t('failed')}`}
    </span>
  );
}

export function Banner({ ok, problems }: { ok: boolean; problems: string[] }) {
  return (
    <div class={ok ? 'banner ok' : 'banner bad'} role="status" data-testid="verdict" data-ok={String(ok)}>
      <strong>{ok ? `✓ ${t('allVerified')}` : `✗ ${t('notVerified')}`}</strong>
      {problems.length > 0 && (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function PolicyNotice({ policy }: { policy: { text: string; served: string } }) {
  if (policy.text === policy.served) return null;
  return (
    <div class="banner bad" role="alert">
      {t('policyChanged')}{' '}
      <button
        type="button"
        onClick={() => {
          pinPolicy(policy.served);
          location.reload();
        }}
      >
        {t('pinServed')}
      </button>
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function Loading({ error, text }: { error?: string | undefined; text?: string }) {
  if (error !== undefined) {
    return (
      <div class="banner bad" role="alert" data-testid="verdict" data-ok="false">
        {error}
      </div>
    );
  }
  return <p aria-busy="true">{text ?? t('loading')}</p>;
}

/** POSIX seconds or RFC 3339 as an ISO time without milliseconds. */
export function time(value: number | string): string {
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
