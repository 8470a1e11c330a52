// Runs frontend/selftest-entry.js in Node (bundled by esbuild, so it sees the same modules as the
// browser bundle). Usage: node frontend/selftest.mjs EXAMPLE.bpmn CONFIG.json
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  absWorkingDir: root,
  entryPoints: [ 'frontend/selftest-entry.js' ],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning',
  jsx: 'automatic',
  jsxImportSource: '@bpmn-io/properties-panel/preact',
  loader: { '.js': 'jsx' },
  // the i18n checks read the designer's sources from the repository (the bundle runs from a temp dir)
  define: { __REPO_ROOT__: JSON.stringify(root) },
  // CommonJS modules inside an ES module bundle still call require() for Node built-ins
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
});
const dir = mkdtempSync(path.join(tmpdir(), 'cx-selftest-'));
const file = path.join(dir, 'selftest.mjs');
writeFileSync(file, result.outputFiles[0].text);
try {
  await import(pathToFileURL(file).href);
} finally {
  // the import has finished evaluating the module; its async main() holds no file handle
  setTimeout(() => rmSync(dir, { recursive: true, force: true }), 0);
}
