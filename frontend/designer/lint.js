// Client-side lint: our rules (the same ones app/engine/definitions.py enforces on deploy), written
// as bpmnlint rules and served by a static resolver, plus a few stock bpmnlint rules as warnings.
// The server stays authoritative; this only gives the designer early, on-canvas feedback.
import StaticResolver from 'bpmnlint/lib/resolver/static-resolver';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition';
import conditionalFlows from 'bpmnlint/rules/conditional-flows';

import { t } from './translations';

export const RESERVED_IDS = [ 'Start', 'End', 'Root' ];
const TIMER_KINDS = [ 'timeDate', 'timeDuration', 'timeCycle' ];

function is(node, type) {
  return !!node && typeof node.$instanceOf === 'function' && node.$instanceOf(type);
}

function isReservedId(id) {
  return !!id && (RESERVED_IDS.includes(id) || id.endsWith('.EndJoin'));
}

/** A lane's role code: cx:role, else the lane's name (what the server does for plain BPMN files). */
export function laneRole(lane) {
  return (lane.get ? lane.get('cx:role') : lane['cx:role']) || lane.name || '';
}

function collectLanes(laneSets, map) {
  (laneSets || []).forEach((laneSet) => {
    (laneSet.lanes || []).forEach((lane) => {
      (lane.flowNodeRef || []).forEach((node) => {
        if (node && node.id) map.set(node.id, lane);
      });
      if (lane.childLaneSet) collectLanes([ lane.childLaneSet ], map);
    });
  });
  return map;
}

function laneOf(node, lanes) {
  let current = node;
  while (current && !is(current, 'bpmn:Process')) {
    if (lanes.has(current.id)) return lanes.get(current.id);
    current = current.$parent;
  }
  return null;
}

function processOf(node) {
  let current = node;
  while (current && !is(current, 'bpmn:Process')) current = current.$parent;
  return current;
}


// ---------------------------------------------------------------------------------------------
// our rules (messages are translated when reported: they carry the element's values)

/** Every user task lies in a lane whose role is a known role code. */
function userTaskLane(config) {
  const roles = (config && config.roles) || [];
  // a rule instance lives for one lint run: lane membership is read once per run and process
  const laneCache = new Map();
  const lanesFor = (process) => {
    if (!laneCache.has(process)) laneCache.set(process, collectLanes(process.laneSets, new Map()));
    return laneCache.get(process);
  };
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:UserTask')) return;
      const process = processOf(node);
      if (!process) return;
      const lane = laneOf(node, lanesFor(process));
      if (!lane) {
        reporter.report(node.id, t('用户任务必须位于设置了角色的泳道中'));
        return;
      }
      const explicit = lane.get('cx:role');
      const role = laneRole(lane);
      const laneName = lane.name || lane.id;
      if (!role) {
        reporter.report(node.id, t('所在泳道“{lane}”未设置角色', { lane: laneName }));
      } else if (roles.includes(role)) {
        return;
      } else if (explicit) {
        reporter.report(node.id, t('泳道“{lane}”的角色“{role}”不是已知角色', { lane: laneName, role }));
      } else {
        reporter.report(node.id, t('所在泳道“{lane}”未设置角色（泳道名称也不是角色代码）', { lane: laneName }));
      }
    }
  };
}

/** Every user task has a known form; a start event's form, when set, is known. */
function userTaskForm(config) {
  const forms = (config && config.forms) || [];
  return {
    check(node, reporter) {
      if (is(node, 'bpmn:UserTask')) {
        const form = node.get('cx:form');
        if (!form) reporter.report(node.id, t('用户任务缺少表单（cx:form）'));
        else if (!forms.includes(form)) reporter.report(node.id, t('表单“{form}”不存在', { form }));
      } else if (is(node, 'bpmn:StartEvent')) {
        const form = node.get('cx:form');
        if (form && !forms.includes(form)) reporter.report(node.id, t('开始表单“{form}”不存在', { form }));
      }
    }
  };
}

/** The splitting rule of app/engine/definitions.py case_file_refs: spaces or commas. */
export function caseFileRefs(value) {
  return (value || '').split(/[\s,\uFF0C]+/).filter(Boolean);
}

/** Every step a user task's case file (cx:caseFile) names is a user task or the start event of
 * its process (by id), or a form one of them uses. */
function caseFileSteps() {
  const known = new Map();
  const knownFor = (process) => {
    if (!known.has(process)) {
      const names = new Set();
      const visit = (elements) => (elements || []).forEach((el) => {
        if (is(el, 'bpmn:UserTask') || (is(el, 'bpmn:StartEvent') && el.$parent === process)) {
          names.add(el.id);
          if (el.get('cx:form')) names.add(el.get('cx:form'));
        }
        if (is(el, 'bpmn:SubProcess')) visit(el.flowElements);
      });
      visit(process.flowElements);
      known.set(process, names);
    }
    return known.get(process);
  };
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:UserTask')) return;
      const process = processOf(node);
      const refs = caseFileRefs(node.get('cx:caseFile'));
      if (!process || !refs.length) return;
      const unknown = refs.filter((ref) => !knownFor(process).has(ref));
      if (unknown.length) {
        const refs = unknown.map((ref) => t('“{ref}”', { ref })).join(t('、'));
        reporter.report(node.id, t('卷宗（cx:caseFile）中的 {refs} 不是本流程的用户任务、开始事件或其表单', { refs }));
      }
    }
  };
}

/** An exclusive gateway with more than one way out names its default flow; so does an exclusive
 * or inclusive gateway with a conditional way out (no condition true would strand the case). */
function gatewayDefault() {
  return {
    check(node, reporter) {
      const exclusive = is(node, 'bpmn:ExclusiveGateway');
      if ((!exclusive && !is(node, 'bpmn:InclusiveGateway')) || node.default) return;
      // `outgoing` is missing from files written by other tools: the flows leaving it are what count
      const flows = (node.$parent && node.$parent.flowElements) || [];
      const outgoing = node.outgoing && node.outgoing.length ? node.outgoing
        : flows.filter((el) => is(el, 'bpmn:SequenceFlow') && el.sourceRef === node);
      if (exclusive && outgoing.length > 1) {
        reporter.report(node.id, t('排他网关有多个出口时必须指定默认流'));
      } else if (outgoing.some((flow) => flow.conditionExpression)) {
        reporter.report(node.id, exclusive ? t('排他网关的出口带条件时必须指定默认流：没有条件成立时案件会卡住')
          : t('包容网关的出口带条件时必须指定默认流：没有条件成立时案件会卡住'));
      }
    }
  };
}

/** A service task names a known action (cx:action). */
function serviceTaskAction(config) {
  const actions = (config && config.actions) || [];
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:ServiceTask')) return;
      const action = node.get('cx:action');
      if (!action) reporter.report(node.id, t('服务任务缺少动作（cx:action）'));
      else if (actions.length && !actions.includes(action)) reporter.report(node.id, t('动作“{action}”不在允许的动作中', { action }));
    }
  };
}

/** Ids the engine uses internally. */
function reservedIds() {
  return {
    check(node, reporter) {
      if (!(is(node, 'bpmn:FlowNode') || is(node, 'bpmn:SequenceFlow'))) return;
      if (isReservedId(node.id)) {
        reporter.report(node.id, t('元素 id “{id}” 是引擎保留字，请改名', { id: node.id }));
      }
    }
  };
}

/** Scripts, timers and conditions that are present but empty are refused on deploy. */
function codeRequired() {
  return {
    check(node, reporter) {
      if (is(node, 'bpmn:ScriptTask') && !(node.script || '').trim()) {
        reporter.report(node.id, t('脚本为空'));
      }
      if (is(node, 'bpmn:SequenceFlow') && node.conditionExpression && !(node.conditionExpression.body || '').trim()) {
        reporter.report(node.id, t('条件表达式为空'));
      }
      if (is(node, 'bpmn:Event')) {
        (node.eventDefinitions || []).forEach((def) => {
          if (!is(def, 'bpmn:TimerEventDefinition')) return;
          const kind = TIMER_KINDS.find((k) => def[k]);
          if (!kind || !(def[kind].body || '').trim()) {
            reporter.report(node.id, t('定时器缺少表达式'));
          }
        });
      }
    }
  };
}

// Placements of the server's table of refused constructs (app/engine/palette.py PLACEMENTS):
// same names, same meaning, read from the moddle tree instead of the XML.
function parentKind(node) {
  const parent = node.$parent;
  if (!parent) return '';
  if (is(parent, 'bpmn:SubProcess') && parent.triggeredByEvent) return 'event-sub-process';
  return parent.$type;
}

function hasAncestor(node, type) {
  for (let current = node.$parent; current; current = current.$parent) {
    if (is(current, type)) return true;
  }
  return false;
}

function containsMultiInstanceSubProcess(element) {
  if (!element) return false;
  if (is(element, 'bpmn:SubProcess') && is(element.loopCharacteristics, 'bpmn:MultiInstanceLoopCharacteristics')) return true;
  return (element.flowElements || []).some(containsMultiInstanceSubProcess);
}

const PLACEMENTS = {
  'anywhere': () => true,
  'process-start': (node) => parentKind(node) === 'bpmn:Process',
  'event-sub-process-interrupting': (node) => parentKind(node) === 'event-sub-process' && node.isInterrupting !== false,
  'event-sub-process': (node) => parentKind(node) === 'event-sub-process',
  'parallel-multiple': (node) => node.parallelMultiple === true,
  'cancels-multi-instance-sub-process': (node) => node.cancelActivity !== false && containsMultiInstanceSubProcess(node.attachedToRef),
  'outside-transaction': (node) => (is(node, 'bpmn:BoundaryEvent')
    ? !is(node.attachedToRef, 'bpmn:Transaction') : !hasAncestor(node, 'bpmn:Transaction')),
  'without-decision': (node) => !node.get('cx:decision'),
  'data-association': (node) => (node.dataInputAssociations || []).length > 0 || (node.dataOutputAssociations || []).length > 0,
  'loop-without-limit': (node) => is(node.loopCharacteristics, 'bpmn:StandardLoopCharacteristics')
    && !node.loopCharacteristics.loopCondition && !node.loopCharacteristics.loopMaximum
};

/** 'startEvent' → 'bpmn:StartEvent' (the server's table names XML elements). */
function moddleType(localName) {
  return 'bpmn:' + localName.charAt(0).toUpperCase() + localName.slice(1);
}

function rowMatches(row, node) {
  const typed = row.tags.some((tag) => (tag === '*' ? is(node, 'bpmn:FlowNode') : node.$type === moddleType(tag)));
  if (!typed) return false;
  if (row.definitions.length) {
    const kinds = (node.eventDefinitions || []).map((d) => d.$type);
    const hit = row.definitions.some((d) => (d === 'none' ? kinds.length === 0 : kinds.includes(moddleType(d))));
    if (!hit) return false;
  }
  const placement = PLACEMENTS[row.where];
  return !!placement && placement(node);
}

/** Constructs the engine cannot run here: the server's table (page config `refused`), first row wins. */
function refusedConstruct(config) {
  const rows = (config && config.refused) || [];
  return {
    check(node, reporter) {
      const row = rows.find((r) => rowMatches(r, node));
      if (row) reporter.report(node.id, t('不支持{construct}：{reason}', { construct: row.construct, reason: row.reason }));
    }
  };
}

const OUR_RULES = {
  'user-task-lane': userTaskLane,
  'user-task-form': userTaskForm,
  'gateway-default': gatewayDefault,
  'case-file-steps': caseFileSteps,
  'service-task-action': serviceTaskAction,
  'reserved-ids': reservedIds,
  'code-required': codeRequired,
  'refused-construct': refusedConstruct
};

const STOCK_RULES = {
  'start-event-required': startEventRequired,
  'end-event-required': endEventRequired,
  'no-disconnected': noDisconnected,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'single-event-definition': singleEventDefinition,
  'conditional-flows': conditionalFlows
};

/**
 * The `{ config, resolver }` object bpmn-js-bpmnlint wants, built from the page config
 * (known role codes and form keys).
 */
export function buildLintConfig(pageConfig) {
  const roles = ((pageConfig && pageConfig.roles) || []).map((r) => r.code);
  const forms = ((pageConfig && pageConfig.forms) || []).map((f) => f.key);
  const actions = ((pageConfig && pageConfig.actions) || []).map((a) => a.name);
  const refused = (pageConfig && pageConfig.refused) || [];
  const cache = {};
  Object.entries(OUR_RULES).forEach(([ name, rule ]) => {
    cache['rule:bpmnlint-plugin-chengxin/' + name] = rule;
  });
  Object.entries(STOCK_RULES).forEach(([ name, rule ]) => {
    cache['rule:bpmnlint/' + name] = rule;
  });
  const rules = {
    'chengxin/user-task-lane': [ 'error', { roles } ],
    'chengxin/user-task-form': [ 'error', { forms } ],
    'chengxin/gateway-default': 'error',
    'chengxin/case-file-steps': 'error',
    'chengxin/service-task-action': [ 'error', { actions } ],
    'chengxin/reserved-ids': 'error',
    'chengxin/code-required': 'error',
    'chengxin/refused-construct': [ 'error', { refused } ]
  };
  Object.keys(STOCK_RULES).forEach((name) => { rules[name] = 'warn'; });
  return { config: { rules }, resolver: new StaticResolver(cache) };
}

/** Flatten the issues of a `linting.completed` event into problem rows. */
export function flattenIssues(issues) {
  const rows = [];
  Object.values(issues || {}).forEach((reports) => {
    reports.forEach((report) => {
      rows.push({
        element_id: report.actualElementId || report.id,
        message: report.message,
        // a rule that crashed ('rule-error') is our bug: show it, but do not block deploy on it
        category: report.category === 'error' ? 'error' : (report.category === 'info' ? 'info' : 'warning'),
        rule: report.rule
      });
    });
  });
  rows.sort((a, b) => (a.category === b.category ? 0 : a.category === 'error' ? -1 : 1));
  return rows;
}
