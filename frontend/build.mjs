// Bundle the process designer: app/static/build/designer.js + designer.css (minified, no CDN).
//   node frontend/build.mjs                 -> app/static/build/
//   node frontend/build.mjs --outdir DIR    -> DIR (tests build into a temp dir)
//   node frontend/build.mjs --dev           -> not minified, with inline source maps
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--outdir');
const outdir = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : path.join(root, 'app', 'static', 'build');
const dev = args.includes('--dev');

// The Content-Security-Policy (app/core/security.py) allows no inline style. The properties panel builds
// its two containers from HTML carrying style="" attributes, which the browser then refuses: drop
// them here (designer.css gives the same rules). A new panel version that changes them fails the build.
const PANEL_INLINE_STYLES = [ 'style="height: 100%" ', 'style="flex: none; height: auto" ' ];
const noInlineStyles = {
  name: 'no-inline-styles',
  setup(esbuild) {
    esbuild.onLoad({ filter: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      for (const style of PANEL_INLINE_STYLES) {
        if (!contents.includes(style)) throw new Error(`bpmn-js-properties-panel no longer has ${style}: update build.mjs`);
        contents = contents.replace(style, '');
      }
      if (/domify\([^)]*style="/.test(contents)) throw new Error('bpmn-js-properties-panel has new inline styles: strip them in build.mjs');
      return { contents, loader: 'jsx' };
    });
  }
};

const started = Date.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: { designer: 'frontend/designer/index.js' },
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: [ 'es2020' ],
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [ noInlineStyles ],
  // our provider is written in JSX; the properties panel brings its own preact
  jsx: 'automatic',
  jsxImportSource: '@bpmn-io/properties-panel/preact',
  loader: {
    '.js': 'jsx',
    '.woff': 'file',
    '.woff2': 'file',
    '.ttf': 'file',
    '.eot': 'file',
    '.svg': 'file'
  },
  assetNames: 'assets/[name]-[hash]',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' }
});

const outputs = Object.entries(result.metafile.outputs)
  .map(([ file, info ]) => path.relative(root, file) + ' ' + Math.round(info.bytes / 1024) + ' KB');
console.log('designer bundle built in ' + (Date.now() - started) + ' ms:\n  ' + outputs.join('\n  '));
