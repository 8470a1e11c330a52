// Checks run in Node by frontend/selftest.mjs (bundled by esbuild first): our moddle extension
// round-trips our attributes and foreign (Camunda) ones, and our lint rules flag what the server
// refuses. Prints one JSON object; tests/test_frontend_build.py asserts on it.
import { BpmnModdle } from 'bpmn-moddle';
import { Linter } from 'bpmnlint';
import { readFileSync } from 'node:fs';

import cxModdle from './designer/cx-moddle.json';
import { buildLintConfig } from './designer/lint';

// argv: EXAMPLE.bpmn CONFIG.json (the page config's roles, forms and actions)
const [ , , examplePath, configPath ] = process.argv;

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

async function main() {
  const out = {};
  const moddle = new BpmnModdle({ cx: cxModdle });

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
  const svc = moddle.create('bpmn:ServiceTask', { id: 'svc_unknown', 'cx:action': 'no_such_action' });
  broken.rootElements.find((e) => e.$type === 'bpmn:Process').flowElements.push(svc);
  out.brokenErrors = (await lint(moddle, broken, config))
    .filter((r) => r.category === 'error')
    .map((r) => r.rule + ' ' + r.id);

  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
