// Minimal host page for the real Vitessce app: renders <Vitessce config height={H} theme="light" />
// with the view config fetched from ?config=URL (default ./vitessce.json) and H from ?height=
// (pixels, default 800). Plain ES module (no JSX) so that it runs unbundled; `react`,
// `react-dom/client` and `vitessce` come from the import map.
// State for the test is published on window.__vitessceCheck.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { Vitessce } from 'vitessce';

const state = { config: null, lastConfig: null, error: null };
window.__vitessceCheck = state;

async function main() {
  const url = new URLSearchParams(location.search).get('config') ?? './vitessce.json';
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  state.config = await res.json();
  const height = Number(new URLSearchParams(location.search).get('height') ?? 800);
  createRoot(document.getElementById('root')).render(
    createElement(Vitessce, {
      config: state.config,
      height: Number.isFinite(height) && height > 0 ? height : 800,
      theme: 'light',
      // Vitessce reports the upgraded, auto-initialised config here (zoom/target after fitting, filled scopes).
      onConfigChange: (c) => {
        state.lastConfig = c;
      },
    }),
  );
  document.body.dataset.mounted = 'true';
}

main().catch((e) => {
  state.error = String(e?.stack ?? e);
  document.body.dataset.error = state.error;
});
