// Checks run in Node by frontend/selftest.mjs (bundled by esbuild first): our moddle extension
// round-trips our attributes and foreign (Camunda) ones, our lint rules flag what the server
// refuses, and the designer speaks the page's language (every string our code passes to t() has
// an English entry). Prints one JSON object; tests/test_frontend_build.py asserts on it. A failed
// i18n check throws (exit status 1).
import { BpmnModdle } from 'bpmn-moddle';
import { Linter } from 'bpmnlint';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import cxModdle from './designer/cx-moddle.json';
import { buildLintConfig } from './designer/lint';
import { EN, setLocale, t } from './designer/translations';

// defined by frontend/selftest.mjs
const REPO_ROOT = __REPO_ROOT__;
const DESIGNER_DIR = path.join(REPO_ROOT, 'frontend', 'designer');

// argv: EXAMPLE.bpmn CONFIG.json [PALETTE_DIR] (the page config's roles, forms, actions and
// refused constructs; a directory of *.bpmn models of the palette to lint)
const [ , , examplePath, configPath, paletteDir ] = process.argv;

const CAMUNDA = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn" modeler:executionPlatform="Camunda Platform">
  <bpmn:process id="p" isExecutable="true" camunda:historyTimeToLive="180">
    <bpmn:userTask id="t" camunda:assignee="\${approver}" camunda:formKey="embedded:app:forms/a.html">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="priority" value="high" /></camunda:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`;

function byId(definitions, id) {
  let found = null;
  const visit = (node) => {
    if (!node || found || typeof node !== 'object') return;
    if (node.id === id && node.$type) { found = node; return; }
    for (const key of [ 'rootElements', 'flowElements', 'laneSets', 'lanes' ]) {
      (node[key] || []).forEach(visit);
    }
  };
  visit(definitions);
  return found;
}

async function lint(moddle, definitions, config) {
  const linter = new Linter(buildLintConfig(config));
  const results = await linter.lint(definitions);
  const rows = [];
  for (const [ rule, reports ] of Object.entries(results)) {
    reports.forEach((r) => rows.push({ rule, id: r.id, category: r.category, message: r.message }));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// i18n

// a string literal passed as the first argument of t( ... )
const T_CALL = /(?<![\w$.])t\(\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|(`))/g;
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

function unescape(literal) {
  return literal.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, esc) => {
    if (esc.length > 1 && (esc[0] === 'u' || esc[0] === 'x')) {
      return String.fromCodePoint(parseInt(esc.replace(/^[ux]\{?|\}$/g, ''), 16));
    }
    return { n: '\n', t: '\t', r: '\r' }[esc] || esc;
  });
}

function designerSources() {
  return readdirSync(DESIGNER_DIR).filter((f) => f.endsWith('.js')).sort()
    .map((file) => ({ file, source: readFileSync(path.join(DESIGNER_DIR, file), 'utf8') }));
}

/** { keys: [ [ file, text ] ], templates: [ file ] } for every t('...') / t("...") / t(`...`). */
function translatedLiterals(sources) {
  const keys = [];
  const templates = [];
  sources.forEach(({ file, source }) => {
    for (const m of source.matchAll(T_CALL)) {
      if (m[3]) templates.push(file);
      else keys.push([ file, unescape(m[1] !== undefined ? m[1] : m[2]) ]);
    }
  });
  return { keys, templates };
}

/** Chinese text in our code outside comments and t('...') literals: user-visible, untranslated. */
function untranslatedChinese(sources) {
  const found = [];
  sources.filter(({ file }) => file !== 'translations.js').forEach(({ file, source }) => {
    source.split('\n').forEach((line, index) => {
      const code = line
        .replace(T_CALL, 't(')
        .replace(/\/\*.*?\*\//g, '')
        .replace(/^\s*(\/\*|\*).*$/, '')
        .replace(/(^|\s)\/\/.*$/, '');
      if (CJK.test(code)) found.push(file + ':' + (index + 1) + ': ' + line.trim());
    });
  });
  return found;
}

async function i18nChecks(moddle, example, config) {
  const failures = [];
  const expect = (what, actual, expected) => {
    if (actual !== expected) failures.push(what + ': expected ' + JSON.stringify(expected) + ', got ' + JSON.stringify(actual));
  };
  const reservedMessage = async () => {
    const defs = (await moddle.fromXML(example, 'bpmn:Definitions')).rootElement;
    byId(defs, 'end_exempted').id = 'End';
    const row = (await lint(moddle, defs, config)).find((r) => r.rule === 'chengxin/reserved-ids' && r.id === 'End');
    return row && row.message;
  };

  // English: our Chinese strings through EN, bpmn-js's English strings unchanged
  setLocale('en');
  expect('en: our string', t('已部署第 {version} 版', { version: 3 }), 'Deployed version 3');
  expect('en: bpmn-js string', t('Create start event'), 'Create start event');
  expect('en: bpmn-js template', t('{errors} Errors, {warnings} Warnings', { errors: 1, warnings: 2 }), '1 Errors, 2 Warnings');
  expect('en: lint message', await reservedMessage(), 'Element id “End” is reserved by the engine; please rename it');

  // Chinese (the default): bpmn-js's English strings through zn + EXTRA, ours unchanged
  for (const locale of [ 'zh_CN', undefined, 'fr' ]) {
    setLocale(locale);
    const label = String(locale);
    expect(label + ': bpmn-js string', t('Create start event'), '创建开始事件');
    expect(label + ': our wording', t('Add lane above'), '在上方添加泳道');
    expect(label + ': our string', t('已部署第 {version} 版', { version: 3 }), '已部署第 3 版');
    expect(label + ': unknown string', t('没有这个词条'), '没有这个词条');
  }
  expect('zh_CN: lint message', await reservedMessage(), '元素 id “End” 是引擎保留字，请改名');

  // every string our code passes to t() has an English entry, with the same placeholders
  const sources = designerSources();
  const { keys, templates } = translatedLiterals(sources);
  if (keys.length < 100) failures.push('found only ' + keys.length + ' t() calls in ' + DESIGNER_DIR);
  const missing = [ ...new Set(keys.filter(([ , text ]) => !Object.prototype.hasOwnProperty.call(EN, text))
    .map(([ file, text ]) => file + ': ' + text)) ];
  if (missing.length) failures.push('strings passed to t() without an EN entry:\n  ' + missing.join('\n  '));
  if (templates.length) failures.push('t() called with a template literal (not checkable) in: ' + templates.join(', '));
  const placeholders = (text) => (text.match(/{[^}]+}/g) || []).sort().join(' ');
  const mismatched = Object.entries(EN).filter(([ zh, en ]) => placeholders(zh) !== placeholders(en)).map(([ zh ]) => zh);
  if (mismatched.length) failures.push('EN entries whose placeholders differ from the Chinese:\n  ' + mismatched.join('\n  '));
  const untranslated = untranslatedChinese(sources);
  if (untranslated.length) failures.push('Chinese text not passed to t():\n  ' + untranslated.join('\n  '));

  setLocale('zh_CN');
  if (failures.length) throw new Error('i18n checks failed:\n' + failures.join('\n'));
  const used = new Set(keys.map(([ , text ]) => text));
  return {
    enEntries: Object.keys(EN).length,
    calls: keys.length,
    unusedEntries: Object.keys(EN).filter((k) => !used.has(k))
  };
}

async function main() {
  const out = {};
  const moddle = new BpmnModdle({ cx: cxModdle });
  setLocale('zh_CN');

  // 1. our attributes survive a round trip, and new ones are written as cx:*
  const example = readFileSync(examplePath, 'utf8');
  const { rootElement: defs, warnings } = await moddle.fromXML(example, 'bpmn:Definitions');
  out.importWarnings = warnings.map((w) => w.message);
  const lane = byId(defs, 'Lane_reviewer');
  lane.set('cx:role', 'reviewer');
  const service = moddle.create('bpmn:ServiceTask', { id: 'svc', 'cx:action': 'set_record_status', 'cx:params': "'confirmed'" });
  defs.rootElements.find((e) => e.$type === 'bpmn:Process').flowElements.push(service);
  const { xml } = await moddle.toXML(defs, { format: true });
  out.roundTrip = {
    form: xml.includes('cx:form="entry_review"'),
    due: xml.includes('cx:due="entry_review_days"'),
    caseFile: xml.includes('cx:caseFile="register entry_review respond_notice"'),
    role: /<bpmn:lane id="Lane_reviewer" name="reviewer" cx:role="reviewer">/.test(xml),
    action: xml.includes('cx:action="set_record_status"') && xml.includes('cx:params="&#39;confirmed&#39;"'),
    namespace: xml.includes('xmlns:cx="https://chengxin.example.org/schema/bpmn/1.0"')
  };

  // 2. foreign attributes and extension elements survive
  const camunda = await moddle.fromXML(CAMUNDA, 'bpmn:Definitions');
  const camundaXml = (await moddle.toXML(camunda.rootElement)).xml;
  out.camunda = [
    'camunda:assignee="${approver}"', 'camunda:formKey="embedded:app:forms/a.html"',
    'camunda:historyTimeToLive="180"', '<camunda:property name="priority" value="high" />',
    'modeler:executionPlatform="Camunda Platform"'
  ].filter((s) => !camundaXml.includes(s));

  // 3. lint: the shipped example is clean; broken copies are flagged like the server would
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  const clean = (await moddle.fromXML(example, 'bpmn:Definitions')).rootElement;
  out.cleanErrors = (await lint(moddle, clean, config)).filter((r) => r.category === 'error');

  const broken = (await moddle.fromXML(example, 'bpmn:Definitions')).rootElement;
  byId(broken, 'entry_review').set('cx:form', undefined);         // missing form
  byId(broken, 'objection_review').set('cx:form', 'no_such_form'); // unknown form
  byId(broken, 'gw_entry').default = undefined;                    // gateway without default
  byId(broken, 'end_exempted').id = 'End';                          // reserved id
  byId(broken, 'Lane_handler').set('cx:role', 'nobody');           // unknown role
  byId(broken, 'notify').script = '  ';                             // empty script
  byId(broken, 'publication_decision').set('cx:caseFile', 'register no_such_step'); // unknown case-file step
  const svc = moddle.create('bpmn:ServiceTask', { id: 'svc_unknown', 'cx:action': 'no_such_action' });
  broken.rootElements.find((e) => e.$type === 'bpmn:Process').flowElements.push(svc);
  out.brokenErrors = (await lint(moddle, broken, config))
    .filter((r) => r.category === 'error')
    .map((r) => r.rule + ' ' + r.id);

  // 4. models of the palette: the elements our refused-construct rule flags, per file
  if (paletteDir) {
    out.palette = {};
    out.paletteErrors = {}; // every error of every rule: [rule, element, message]
    for (const file of readdirSync(paletteDir).filter((f) => f.endsWith('.bpmn')).sort()) {
      const model = (await moddle.fromXML(readFileSync(path.join(paletteDir, file), 'utf8'), 'bpmn:Definitions')).rootElement;
      const results = await lint(moddle, model, config);
      out.palette[file] = results
        .filter((r) => r.rule === 'chengxin/refused-construct')
        .map((r) => [ r.id, r.category, r.message ]);
      out.paletteErrors[file] = results.filter((r) => r.category === 'error').map((r) => [ r.rule, r.id, r.message ]);
    }
  }

  // 5. the designer speaks the page's language (config.locale)
  out.i18n = await i18nChecks(moddle, example, config);

  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
