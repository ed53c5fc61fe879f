// Builds the extension host bundle (node, CJS, `vscode` external), the headless CLI, the webview
// bundle (browser) and the demo services. `--watch` rebuilds on change with a problem-matcher
// friendly log; `--production` minifies and drops sourcemaps.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { commonBuildOptions, webviewBuildOptions } from './scripts/webviewBuild.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints esbuild's start/end markers and errors in the format of the `$esbuild-watch` problem matcher. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

/**
 * js-tiktoken's rank tables are 3.4 MB of data needed only when tokens are first counted. They are
 * copied once to dist/ranks/ and loaded from there on demand, instead of being inlined into both
 * the extension and the CLI bundle (which made each ~6 MB and slowed every activation).
 */
const TIKTOKEN_RANKS = ['o200k_base', 'cl100k_base'];
const tiktokenRanksPlugin = {
  name: 'tiktoken-ranks',
  setup(build) {
    build.onResolve({ filter: /^js-tiktoken\/ranks\// }, (args) => {
      const name = args.path.slice('js-tiktoken/ranks/'.length);
      if (!TIKTOKEN_RANKS.includes(name)) return { errors: [{ text: `rank table ${name} is not shipped; add it to TIKTOKEN_RANKS` }] };
      return { path: `./ranks/${name}.cjs`, external: true };
    });
  },
};

function copyTiktokenRanks() {
  mkdirSync('dist/ranks', { recursive: true });
  for (const name of TIKTOKEN_RANKS) copyFileSync(`node_modules/js-tiktoken/dist/ranks/${name}.cjs`, `dist/ranks/${name}.cjs`);
}

const common = { ...commonBuildOptions(production), plugins: [problemMatcherPlugin] };

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [problemMatcherPlugin, tiktokenRanksPlugin],
  // jsonc-parser's UMD entry requires its parts through a runtime `require` esbuild cannot follow; its ES module build bundles.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

function demoEntries() {
  const entries = {};
  for (const dir of ['demo/servers', 'demo/agents']) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.ts')) entries[`demo/${path.basename(file, '.ts')}`] = path.join(dir, file);
    }
  }
  if (existsSync('demo/launch.ts')) entries['demo/launch'] = 'demo/launch.ts';
  return entries;
}

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  {
    ...nodeCommon,
    entryPoints: { cli: 'src/extension/cli.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
  },
  { ...webviewBuildOptions(production), plugins: [problemMatcherPlugin] },
  { ...nodeCommon, entryPoints: demoEntries(), outdir: 'dist' },
];

/** Chunks of earlier builds have other hashes: removed, so that neither the page nor the package picks up a stale one. */
function removeOldWebviewChunks() {
  if (!existsSync('dist')) return;
  for (const name of readdirSync('dist')) if (/^chunk-\w+\.js(\.map)?$/.test(name)) rmSync(path.join('dist', name));
}

async function main() {
  copyTiktokenRanks();
  removeOldWebviewChunks();
  const contexts = await Promise.all(builds.filter((b) => Object.keys(b.entryPoints).length > 0).map((b) => esbuild.context(b)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  try {
    const results = await Promise.all(contexts.map((ctx) => ctx.rebuild()));
    if (results.some((r) => r.errors.length > 0)) process.exitCode = 1;
  } catch {
    // esbuild already printed the errors through the plugin
    process.exitCode = 1;
  } finally {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
