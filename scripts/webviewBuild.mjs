// The esbuild options of the webview bundle, in one place: esbuild.mjs builds what ships with them
// and bench/webview.bench.ts measures exactly that build. Paths are relative to the project root.

/** The options every bundle of the project shares; `production` minifies and drops sourcemaps. */
export function commonBuildOptions(production) {
  return { bundle: true, minify: production, sourcemap: !production, sourcesContent: false, logLevel: 'silent' };
}

/**
 * The webview bundle (browser): an ES module, so that what only one panel needs (the chart library)
 * loads as its own chunk when shown.
 */
export function webviewBuildOptions(production) {
  return {
    ...commonBuildOptions(production),
    entryPoints: { webview: 'src/webview/main.tsx' },
    outdir: 'dist',
    platform: 'browser',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunk-[hash]',
    target: ['chrome120'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
  };
}
