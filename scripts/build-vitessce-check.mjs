#!/usr/bin/env node
// Builds the host page that loads an `stnmf export-vitessce` folder in the real Vitessce app
// (the published `vitessce` npm package), for test/viewer-vitessce-app.test.ts and for looking at
// an export by hand.
//
// Vitessce's npm package ships a prebuilt browser bundle (node_modules/vitessce/dist, ES modules)
// whose only eager bare imports are react, react/jsx-runtime and react-dom; three and
// @react-three/* are imported only by the lazily loaded 3-D/XR chunks, which an AnnData export
// never opens. So instead of re-bundling Vitessce's 19 MB (a full `vite build` of the page takes
// ~40 s), this script copies that bundle as is, builds React into small ES modules with Vite's
// JS API (React ships CommonJS only; ~2 s), and writes test/vitessce-app/{index.html,main.js}
// with an import map tying the names together. The folder is static: any HTTP server can serve it.
//
// Usage: node scripts/build-vitessce-check.mjs [OUT_DIR]      (default dist/vitessce-check)
//        then serve OUT_DIR and the export, and open OUT_DIR/index.html?config=<URL of vitessce.json>
//        (optionally &height=<pixels> for the Vitessce grid, default 800)
// Needs vitessce, react and react-dom: fetched by scripts/fetch-vitessce.mjs into
// .cache/vitessce-check (what `npm test` does), or installed in the repo's node_modules.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PAGE_SRC = join(REPO, 'test', 'vitessce-app');
/** The folder whose node_modules holds vitessce: the repo's own install first, else the fetched cache. */
function packagesRoot(repo) {
  if (packageDir('vitessce', repo)) return repo;
  const cache = join(repo, '.cache', 'vitessce-check');
  return existsSync(join(cache, 'node_modules', 'vitessce', 'package.json')) ? cache : repo;
}

/** The React modules Vitessce's bundle imports, and the file each becomes. */
const REACT_ENTRIES = {
  react: 'react.js',
  'react/jsx-runtime': 'react-jsx-runtime.js',
  'react-dom': 'react-dom.js',
  'react-dom/client': 'react-dom-client.js',
};

/**
 * The folder of an installed package, found along Node's lookup path from the repo (not through
 * require.resolve: vitessce's "exports" map hides its package.json and has no require condition).
 */
function packageDir(name, repo) {
  const req = createRequire(join(repo, 'package.json'));
  for (const base of req.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, 'package.json'))) return join(base, name);
  }
  return null;
}

/**
 * Versions of the packages the page is built from, or an explanation of what is missing.
 * @returns {{ vitessce: string, react: string, reactDom: string } | string}
 */
export function vitessceCheckVersions(repo = REPO) {
  const out = {};
  const root = packagesRoot(repo);
  for (const [key, name] of [['vitessce', 'vitessce'], ['react', 'react'], ['reactDom', 'react-dom']]) {
    const dir = packageDir(name, root);
    if (!dir) return `${name} is not installed (run: node scripts/fetch-vitessce.mjs)`;
    out[key] = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  }
  return out;
}

/**
 * Builds the page into `outDir` (replaced). Returns the build time in seconds and the versions.
 * @param {string} outDir
 */
export async function buildVitessceCheck(outDir, repo = REPO) {
  const t0 = Date.now();
  const versions = vitessceCheckVersions(repo);
  if (typeof versions === 'string') throw new Error(`build-vitessce-check: ${versions}`);
  const { build } = await import(pathToFileURL(createRequire(join(repo, 'package.json')).resolve('vite')).href);
  // React and Vitessce resolve from wherever they are installed (the repo or the fetched cache).
  const root = packagesRoot(repo);
  const req = createRequire(join(root, 'package.json'));
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'vendor'), { recursive: true });

  // One ES module per React entry, re-exporting the CommonJS module's names (read from the
  // module itself so that a React update cannot silently drop one).
  const ident = /^[A-Za-z_$][\w$]*$/;
  const shims = {};
  for (const spec of Object.keys(REACT_ENTRIES)) {
    const names = Object.keys(req(spec)).filter((k) => k !== 'default' && ident.test(k));
    shims[`virtual-react-shim:${spec}`] = `import m from ${JSON.stringify(spec)};\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`;
  }
  const entries = Object.fromEntries(Object.entries(REACT_ENTRIES).map(([spec, file]) => [file.replace(/\.js$/, ''), `virtual-react-shim:${spec}`]));
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'react-esm-shims',
        enforce: 'pre',
        resolveId: (id) => (id in shims ? `\0${id}` : null),
        load: (id) => (id.startsWith('\0') ? (shims[id.slice(1)] ?? null) : null),
      },
    ],
    build: {
      outDir: join(out, 'vendor'),
      emptyOutDir: false,
      target: 'es2020',
      sourcemap: false,
      minify: true,
      lib: { entry: entries, formats: ['es'], fileName: (_format, name) => `${name}.js` },
      // rollupOptions.input, unlike lib.entry, is not resolved as a path, so the virtual ids pass.
      // Shared React internals go to one chunk, so the page and Vitessce use one React instance.
      rollupOptions: { input: entries, output: { chunkFileNames: '[name]-[hash].js' } },
    },
  });

  cpSync(join(packageDir('vitessce', root), 'dist'), join(out, 'vitessce'), { recursive: true });
  const imports = { vitessce: './vitessce/index.min.js' };
  for (const [spec, file] of Object.entries(REACT_ENTRIES)) imports[spec] = `./vendor/${file}`;
  const html = readFileSync(join(PAGE_SRC, 'index.html'), 'utf8').replace('__IMPORT_MAP__', JSON.stringify({ imports }));
  writeFileSync(join(out, 'index.html'), html);
  cpSync(join(PAGE_SRC, 'main.js'), join(out, 'main.js'));
  writeFileSync(join(out, 'versions.json'), JSON.stringify(versions, null, 1) + '\n');
  return { seconds: (Date.now() - t0) / 1000, versions };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? join(REPO, 'dist', 'vitessce-check');
  const { seconds, versions } = await buildVitessceCheck(outDir);
  console.log(`build-vitessce-check: ${outDir} (vitessce ${versions.vitessce}, react ${versions.react}) in ${seconds.toFixed(1)} s`);
}

