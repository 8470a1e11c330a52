// Bundle the process designer (app/static/build/designer.js + designer.css) and the rules editor
// (rules.js + rules.css): minified, no CDN.
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

// The Content-Security-Policy (app/core/security.py) allows no inline style: HTML strings carrying
// style="" attributes make the browser refuse them (and report a violation). The packages below build
// such HTML; their styles move to our stylesheets (designer.css, rules.css) and are dropped here. Each
// replacement must still match: a new package version that changes them fails the build.
const INLINE_STYLES = [
  {
    // the properties panel's two containers (designer.css gives the same rules)
    file: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/,
    loader: 'jsx',
    replace: [ [ 'style="height: 100%" ', '' ], [ 'style="flex: none; height: auto" ', '' ] ],
    leftover: /domify\([^)]*style="/
  },
  {
    // dmn-js's bpmn.io logo and its lightbox: same markup and logo, the styles as classes (rules.css)
    file: /dmn-js-shared[\\/]lib[\\/]util[\\/]PoweredByUtil\.js$/,
    loader: 'js',
    replace: [
      [ ' style="vertical-align:middle"', '' ],
      [ "'title=\"Powered by bpmn.io\" ' + 'style=\"position: absolute; bottom: 15px; right: 15px; z-index: 100;\">'",
        "'title=\"Powered by bpmn.io\">'" ],
      [ `<div class="bjs-powered-by-lightbox" style="' + LIGHTBOX_STYLES + '">`, '<div class="bjs-powered-by-lightbox">' ],
      [ `<div class="backdrop" style="' + BACKDROP_STYLES + '"></div>`, '<div class="backdrop"></div>' ],
      [ `<div class="notice" style="' + NOTICE_STYLES + '">`, '<div class="notice">' ],
      [ `rel="noopener" style="margin: 15px 20px 15px 10px; align-self: center;' + '">`, `rel="noopener">` ]
    ],
    leftover: /style="/
  },
  {
    // CodeMirror's styles (the FEEL editor of a cell): style-mod adopts a constructed stylesheet in a
    // shadow root but writes a <style> element into a document, which the CSP refuses; a constructed
    // stylesheet is CSSOM, not inline style, so the document adopts one too
    file: /style-mod[\\/]src[\\/]style-mod\.js$/,
    loader: 'js',
    replace: [ [ 'if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {', 'if (root.adoptedStyleSheets && win.CSSStyleSheet) {' ] ]
  },
  {
    // the invisible drag image of a dragged rule or column (rules.css: .cx-drag-image)
    file: /dmn-js-decision-table[\\/]lib[\\/]features[\\/]drag-and-drop[\\/]DragAndDrop\.js$/,
    loader: 'js',
    replace: [ [ /<span style="\s*visibility: hidden;\s*position: fixed;\s*top: -10000px\s*"><\/span>/, '<span class="cx-drag-image"></span>' ] ],
    leftover: /domify\([^)]*style="/
  }
];
const noInlineStyles = {
  name: 'no-inline-styles',
  setup(esbuild) {
    for (const { file, loader, replace, leftover } of INLINE_STYLES) {
      esbuild.onLoad({ filter: file }, async (args) => {
        let contents = await readFile(args.path, 'utf8');
        for (const [ from, to ] of replace) {
          const found = typeof from === 'string' ? contents.includes(from) : from.test(contents);
          if (!found) throw new Error(`${path.basename(args.path)} no longer has ${from}: update build.mjs`);
          contents = contents.replace(from, to);
        }
        if (leftover && leftover.test(contents)) throw new Error(`${args.path} has new inline styles: strip them in build.mjs`);
        return { contents, loader };
      });
    }
  }
};

const started = Date.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: { designer: 'frontend/designer/index.js', rules: 'frontend/rules/index.js' },
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
console.log('designer and rules bundles built in ' + (Date.now() - started) + ' ms:\n  ' + outputs.join('\n  '));
