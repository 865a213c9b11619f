import './polyfill.ts';
import './style.css';
import { render } from 'preact';
import { lang, setLang, t } from './i18n.ts';
import { ApplyPage } from './pages/apply.tsx';
import { CitiesPage } from './pages/cities.tsx';
import { ConsolePage } from './pages/console.tsx';
import { CredentialPage } from './pages/credential.tsx';
import { DidPage } from './pages/did.tsx';
import { LedgerPage } from './pages/ledger.tsx';
import { signal, useSignal } from './state.ts';

/** Hash routes (#/did/…, #/ledger, …): the node serves one page, and any link works after a reload. */
const route = signal(location.hash.slice(1) || '/');
addEventListener('hashchange', () => route.set(location.hash.slice(1) || '/'));

const NAV = [
  ['/', 'cities'],
  ['/ledger', 'ledger'],
  ['/credential', 'credential'],
  ['/console', 'console'],
  ['/apply', 'apply'],
] as const;

function Page({ path }: { path: string }) {
  if (path.startsWith('/did/')) return <DidPage did={decodeURIComponent(path.slice(5))} />;
  if (path === '/ledger') return <LedgerPage />;
  if (path === '/credential') return <CredentialPage />;
  if (path === '/console') return <ConsolePage />;
  if (path === '/apply') return <ApplyPage />;
  if (path.startsWith('/apply/')) return <ApplyPage id={decodeURIComponent(path.slice(7))} />;
  return <CitiesPage />;
}

function App() {
  const path = useSignal(route);
  const language = useSignal(lang);
  return (
    <>
      <header>
        <a class="brand" href="#/">
          {t('title')}
        </a>
        <nav>
          {NAV.map(([href, key]) => (
            <a href={`#${href}`} aria-current={path === href ? 'page' : undefined} key={href}>
              {t(key)}
            </a>
          ))}
        </nav>
        <button type="button" class="lang" onClick={() => setLang(language === 'zh' ? 'en' : 'zh')}>
          {t('language')}
        </button>
      </header>
      <main>
        <Page path={path} />
      </main>
    </>
  );
}

setLang(lang.get());
render(<App />, document.getElementById('app')!);
