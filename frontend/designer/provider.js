// Our properties-panel provider: the group "诚信属性" with the attributes the engine reads
// (cx:role, cx:form, cx:due, cx:caseFile, cx:unit, cx:item, cx:onComplete, cx:action, cx:params), gateway conditions and default flows,
// working-day timers and Python scripts. Every expression or script field is compiled by the
// server's sandbox as the designer types (see compile-checker.js).
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import {
  Group,
  SelectEntry,
  TextFieldEntry,
  TextAreaEntry,
  CheckboxEntry,
  NumberFieldEntry,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
  isTextAreaEntryEdited,
  isCheckboxEntryEdited,
  isNumberFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { useEffect, useMemo, useRef, useState } from '@bpmn-io/properties-panel/preact/hooks';

import { t } from './translations';

export const GROUP_ID = 'chengxin';
// labels are translated when shown: the locale is set after this module is loaded
export function groupLabel() {
  return t('诚信属性');
}
const LOW_PRIORITY = 500;
const DAYS_RE = /^\s*working_days_deadline\(\s*(\d+)\s*\)\s*$/;
const TIMER_KINDS = [ 'timeDate', 'timeDuration', 'timeCycle' ];
const TIMER_KIND_LABEL = {
  timeDate: () => t('时间点 timeDate'),
  timeDuration: () => t('时长 timeDuration'),
  timeCycle: () => t('周期 timeCycle')
};

// ---------------------------------------------------------------------------------------------
// helpers

function getTimerDefinition(element) {
  const bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:Event')) return null;
  return (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition')) || null;
}

function timerKind(timerDef) {
  return TIMER_KINDS.find((k) => timerDef.get(k)) || null;
}

function timerExpression(timerDef) {
  const kind = timerKind(timerDef);
  const expr = kind && timerDef.get(kind);
  return expr ? (expr.get('body') || '') : '';
}

function gatewayOf(element) {
  if (!is(element, 'bpmn:SequenceFlow')) return null;
  const source = getBusinessObject(element).get('sourceRef');
  return source && is(source, 'bpmn:ExclusiveGateway') || source && is(source, 'bpmn:InclusiveGateway') ? source : null;
}

function isDefaultFlow(element) {
  const gateway = gatewayOf(element);
  return !!gateway && gateway.get('default') === getBusinessObject(element);
}

/** `unknownLabel(value)`: the label of a current value that is not among the options. */
function withUnknown(options, current, unknownLabel) {
  if (current && !options.some((o) => o.value === current)) {
    return [ ...options, { value: current, label: unknownLabel(current) } ];
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// compile check shown under a field

function CompileStatus({ result, forId }) {
  let text = '';
  let state = 'idle';
  if (result && result.pending) {
    text = t('正在检查…');
    state = 'pending';
  } else if (result && result.unavailable) {
    state = 'unavailable';
    text = result.message;
  } else if (result) {
    state = result.ok ? 'ok' : 'error';
    text = result.message || (result.ok ? t('可以编译') : t('无法编译'));
  }
  return (
    <div class={ 'cx-compile cx-compile-' + state } id={ forId + '-compile' } data-compile-for={ forId }
      data-state={ state } aria-live="polite">{ text }</div>
  );
}

/** A text field or text area holding Python, checked by the server as the designer types. */
function CodeEntry(props) {
  const {
    element, id, label, getValue, setValue, mode, multiline, description, placeholder, disabled, rows, toSource
  } = props;
  const checker = useService('cxCompileChecker');
  const panelDebounce = useService('debounceInput');
  const [ result, setResult ] = useState(null);
  const last = useRef({ key: null, source: undefined });
  const fieldKey = element.id + '#' + id;
  const value = getValue(element) || '';

  const check = (source, immediate) => {
    last.current = { key: fieldKey, source };
    const sent = toSource && source.trim() ? toSource(source) : source;
    checker.check(fieldKey, sent, mode, setResult, { immediate });
  };
  const checkRef = useRef(check);
  checkRef.current = check;

  // the stored value changed (selection, undo, the debounced commit of our own typing), or what
  // it is checked as (e.g. the service task's action)
  const sentAs = toSource ? toSource('\u0000') : '';
  const lastSentAs = useRef(sentAs);
  useEffect(() => {
    const keyChanged = last.current.key !== fieldKey;
    if (keyChanged || last.current.source !== value || lastSentAs.current !== sentAs) {
      lastSentAs.current = sentAs;
      check(value, keyChanged);
    }
  }, [ value, fieldKey, mode, sentAs ]);

  useEffect(() => () => checker.cancel(fieldKey), [ fieldKey ]);

  // see every keystroke, not only the debounced commit, so the check starts ~400 ms after typing
  const debounce = useMemo(() => (fn) => {
    const debounced = panelDebounce(fn);
    const wrapped = (raw) => {
      checkRef.current(raw == null ? '' : String(raw), false);
      return debounced(raw);
    };
    wrapped.cancel = () => debounced.cancel && debounced.cancel();
    wrapped.flush = () => debounced.flush && debounced.flush();
    return wrapped;
  }, [ panelDebounce ]);

  const Entry = multiline ? TextAreaEntry : TextFieldEntry;
  return (
    <div class="cx-code-entry" data-cx-entry={ id }>
      <Entry
        element={ element }
        id={ id }
        label={ label }
        description={ description }
        placeholder={ placeholder }
        disabled={ disabled }
        getValue={ getValue }
        setValue={ setValue }
        debounce={ debounce }
        rows={ rows }
        monospace={ multiline }
        autoResize={ multiline }
      />
      { disabled ? null : <CompileStatus result={ value || (result && result.pending) ? result : null } forId={ id } /> }
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// entries

function RoleEntry({ element, id }) {
  const modeling = useService('modeling');
  const config = useService('config.chengxin');
  const bo = getBusinessObject(element);
  const roles = config.roles || [];
  const explicit = bo.get('cx:role') || '';
  const name = bo.get('name') || '';
  // plain BPMN files name the lane after the role; the server falls back to the name (lane_role)
  const byName = !explicit ? roles.find((r) => r.code === name) : null;
  const current = explicit || (byName ? byName.code : '');
  const description = explicit
    ? t('泳道内的用户任务由该角色办理；泳道名称可以自由填写。')
    : byName
      ? t('未设置 cx:role，按泳道名称识别为“{role}”。另选角色会写入 cx:role。', { role: byName.label })
      : t('请选择角色：泳道内的用户任务由该角色办理。');
  const getOptions = () => withUnknown(
    [ { value: '', label: t('（未设置）') },
      ...roles.map((r) => ({ value: r.code, label: t('{label}（{code}）', { label: r.label, code: r.code }) })) ],
    current, (value) => t('{value}（未知角色）', { value }));
  return (
    <SelectEntry
      element={ element }
      id={ id }
      label={ t('角色') }
      description={ description }
      getValue={ () => current }
      setValue={ (value) => modeling.updateProperties(element, { 'cx:role': value || undefined }) }
      getOptions={ getOptions }
    />
  );
}

function FormEntry({ element, id }) {
  const modeling = useService('modeling');
  const config = useService('config.chengxin');
  const bo = getBusinessObject(element);
  const forms = config.forms || [];
  const current = bo.get('cx:form') || '';
  const isStart = is(element, 'bpmn:StartEvent');
  const getOptions = () => withUnknown(
    [ { value: '', label: isStart ? t('（无开始表单）') : t('（未设置）') },
      ...forms.map((f) => ({ value: f.key, label: t('{label}（{code}）', { label: f.title, code: f.key }) })) ],
    current, (value) => t('{value}（未知表单）', { value }));
  return (
    <SelectEntry
      element={ element }
      id={ id }
      label={ t('表单') }
      description={ isStart ? t('登记时填写的表单（可选）。') : t('办理人填写的表单（必填），取自 forms/ 目录。') }
      getValue={ () => bo.get('cx:form') || '' }
      setValue={ (value) => modeling.updateProperties(element, { 'cx:form': value || undefined }) }
      getOptions={ getOptions }
    />
  );
}

function DueEntry({ element, id }) {
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  return (
    <CodeEntry
      element={ element }
      id={ id }
      label={ t('办理期限（工作日）') }
      mode="expression"
      placeholder={ t('如 5 或 explanation_days') }
      description={ t('工作日数：数字，或给出天数的流程变量/表达式。留空表示无期限。') }
      getValue={ () => bo.get('cx:due') || '' }
      setValue={ (value) => modeling.updateProperties(element, { 'cx:due': value || undefined }) }
    />
  );
}

function CaseFileEntry({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return (
    <TextFieldEntry
      element={ element }
      id={ id }
      label={ t('卷宗（参阅此前步骤）') }
      placeholder={ t('如 register entry_review respond_notice') }
      description={ t('本任务页面的卷宗显示哪些此前步骤提交的材料：用户任务或开始事件的 id，或表单代码，以空格分隔。留空表示此前全部人工步骤。') }
      getValue={ () => bo.get('cx:caseFile') || '' }
      setValue={ (value) => modeling.updateProperties(element, { 'cx:caseFile': (value || '').trim() || undefined }) }
      debounce={ debounce }
    />
  );
}

/** A user task's own expression (cx:unit, cx:item) or completion script (cx:onComplete). */
function TaskCodeEntry({ element, id, attr, label, mode, placeholder, description }) {
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  return (
    <CodeEntry
      element={ element }
      id={ id }
      label={ label }
      mode={ mode }
      multiline={ mode === 'script' }
      rows={ 3 }
      placeholder={ placeholder }
      description={ description }
      getValue={ () => bo.get(attr) || '' }
      setValue={ (value) => modeling.updateProperties(element, { [attr]: value || undefined }) }
    />
  );
}

function UnitEntry({ element, id }) {
  return <TaskCodeEntry element={ element } id={ id } attr="cx:unit" label={ t('办理单位（表达式）') } mode="expression"
    placeholder="measure_task['unit']"
    description={ t('得到单位代码的表达式（如多实例任务的每一项的实施单位）。泳道角色按任务确定单位（联动实施单位）时必填；留空则按泳道角色和案件确定。') } />;
}

function ItemEntry({ element, id }) {
  return <TaskCodeEntry element={ element } id={ id } attr="cx:item" label={ t('办理事项（表达式）') } mode="expression"
    placeholder="measure_task['label']"
    description={ t('本任务对应的事项（不超过 100 字），显示在待办和任务页面，区分多实例任务的各项。可留空。') } />;
}

function OnCompleteEntry({ element, id }) {
  return <TaskCodeEntry element={ element } id={ id } attr="cx:onComplete" label={ t('办理后脚本') } mode="script"
    placeholder="record_sanction_answer(measure_task['id'], sanction_outcome, sanction_on, sanction_note)"
    description={ t('任务办理提交时、流程继续之前运行的 Python 脚本，可读取本任务的表单数据（多实例任务的每一项各运行一次）。可留空。') } />;
}

function ConditionEntry({ element, id }) {
  const modeling = useService('modeling');
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const bo = getBusinessObject(element);
  const isDefault = isDefaultFlow(element);
  const getValue = () => {
    const expr = bo.get('conditionExpression');
    return expr ? (expr.get('body') || '') : '';
  };
  const setValue = (value) => {
    const expr = bo.get('conditionExpression');
    if (!value) {
      modeling.updateProperties(element, { conditionExpression: undefined });
    } else if (expr) {
      commandStack.execute('element.updateModdleProperties', {
        element, moddleElement: expr, properties: { body: value }
      });
    } else {
      const created = bpmnFactory.create('bpmn:FormalExpression', { body: value });
      modeling.updateProperties(element, { conditionExpression: created });
    }
  };
  return (
    <CodeEntry
      element={ element }
      id={ id }
      label={ t('条件') }
      mode="expression"
      disabled={ isDefault }
      placeholder={ t("如 entry_decision == 'return'") }
      description={ isDefault ? t('默认流在其他条件都不成立时走，不需要条件。') : t('Python 表达式，为真时走这条顺序流。') }
      getValue={ getValue }
      setValue={ setValue }
    />
  );
}

function DefaultFlowEntry({ element, id }) {
  const commandStack = useService('commandStack');
  const elementRegistry = useService('elementRegistry');
  const bo = getBusinessObject(element);
  const gateway = gatewayOf(element);
  const setValue = (checked) => {
    const gatewayShape = element.source || elementRegistry.get(gateway.id);
    const commands = [];
    if (checked && bo.get('conditionExpression')) {
      commands.push({ cmd: 'element.updateProperties', context: { element, properties: { conditionExpression: undefined } } });
    }
    commands.push({
      cmd: 'element.updateProperties',
      context: { element: gatewayShape, properties: { default: checked ? bo : undefined } }
    });
    commandStack.execute('properties-panel.multi-command-executor', commands);
  };
  return (
    <CheckboxEntry
      element={ element }
      id={ id }
      label={ t('设为默认流') }
      description={ t('网关的其他条件都不成立时走默认流；设为默认流会清除本流的条件。') }
      getValue={ () => isDefaultFlow(element) }
      setValue={ setValue }
    />
  );
}

const advancedTimers = new Set();

function TimerEntry({ element, id }) {
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const timerDef = getTimerDefinition(element);
  const debounce = useService('debounceInput');
  const [ , forceRender ] = useState(0);
  const kind = timerKind(timerDef);
  const expression = timerExpression(timerDef);
  const match = DAYS_RE.exec(expression);
  const simple = !advancedTimers.has(element.id) && (!kind || kind === 'timeDate') && (!expression.trim() || match);

  const write = (kindToWrite, body) => {
    const existing = timerDef.get(kindToWrite);
    if (existing && body) {
      commandStack.execute('element.updateModdleProperties', {
        element, moddleElement: existing, properties: { body }
      });
      return;
    }
    const properties = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
    if (body) {
      const expr = bpmnFactory.create('bpmn:FormalExpression', { body });
      expr.$parent = timerDef;
      properties[kindToWrite] = expr;
    }
    commandStack.execute('element.updateModdleProperties', { element, moddleElement: timerDef, properties });
  };

  if (simple) {
    return (
      <div class="cx-timer" data-entry-id={ id }>
        <NumberFieldEntry
          element={ element }
          id={ id + '-days' }
          label={ t('时限（工作日）') }
          min={ 1 }
          step={ 1 }
          description={ t('写作 working_days_deadline(N)：从到达此处起 N 个工作日，当日结束时触发。') }
          getValue={ () => (match ? parseInt(match[1], 10) : undefined) }
          setValue={ (n) => {
            const days = Math.trunc(Number(n));
            write('timeDate', Number.isFinite(days) && days > 0 ? 'working_days_deadline(' + days + ')' : '');
          } }
          debounce={ debounce }
        />
        <button type="button" class="cx-link-button" onClick={ () => { advancedTimers.add(element.id); forceRender((x) => x + 1); } }>
          { t('改用自定义表达式（高级）') }
        </button>
      </div>
    );
  }
  const currentKind = kind || 'timeDate';
  return (
    <div class="cx-timer" data-entry-id={ id }>
      <CodeEntry
        element={ element }
        id={ id + '-expression' }
        label={ t('定时器表达式（{kind}）', { kind: TIMER_KIND_LABEL[currentKind]() }) }
        mode="expression"
        placeholder={ t('如 start_of_day(publication_end)') }
        description={ t('Python 表达式，结果为 ISO 日期时间，例如 working_days_deadline(5)、start_of_day(repairable_from)。') }
        getValue={ () => timerExpression(timerDef) }
        setValue={ (value) => write(currentKind, value || '') }
      />
      { DAYS_RE.test(expression) && currentKind === 'timeDate' ? (
        <button type="button" class="cx-link-button" onClick={ () => { advancedTimers.delete(element.id); forceRender((x) => x + 1); } }>
          { t('改用工作日数') }
        </button>
      ) : null }
    </div>
  );
}

function ScriptEntry({ element, id }) {
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  const format = bo.get('scriptFormat');
  return (
    <CodeEntry
      element={ element }
      id={ id }
      label={ t('脚本') }
      mode="script"
      multiline
      rows={ 6 }
      placeholder="set_record_status('confirmed')"
      description={ format && format.toLowerCase() !== 'python'
        ? t('Python 脚本，可读写流程变量并调用下方列出的函数。（当前 scriptFormat 为 “{format}”，保存时改为 python）', { format })
        : t('Python 脚本，可读写流程变量并调用下方列出的函数。') }
      getValue={ () => bo.get('script') || '' }
      setValue={ (value) => modeling.updateProperties(element, { script: value || undefined, scriptFormat: 'python' }) }
    />
  );
}

function ActionEntry({ element, id }) {
  const modeling = useService('modeling');
  const config = useService('config.chengxin');
  const bo = getBusinessObject(element);
  const actions = config.actions || [];
  const current = bo.get('cx:action') || '';
  const getOptions = () => withUnknown(
    [ { value: '', label: t('（未设置）') },
      ...actions.map((a) => ({ value: a.name, label: t('{label}（{code}）', { label: a.label, code: a.name }) })) ],
    current, (value) => t('{value}（未知动作）', { value }));
  return (
    <SelectEntry
      element={ element }
      id={ id }
      label={ t('动作') }
      description={ t('服务任务执行的业务动作。') }
      getValue={ () => bo.get('cx:action') || '' }
      setValue={ (value) => modeling.updateProperties(element, { 'cx:action': value || undefined }) }
      getOptions={ getOptions }
    />
  );
}

function ParamsEntry({ element, id }) {
  const modeling = useService('modeling');
  const config = useService('config.chengxin');
  const bo = getBusinessObject(element);
  const actionName = bo.get('cx:action') || '';
  const action = (config.actions || []).find((a) => a.name === actionName);
  const params = action && action.params && action.params.length ? action.params.join(', ') : '';
  // the server compiles `action(params)` as a script: check exactly that
  const toSource = actionName
    ? (value) => actionName + '(' + value + ')'
    : (value) => '(' + value + ',)';
  return (
    <CodeEntry
      element={ element }
      id={ id }
      label={ t('参数') }
      mode={ actionName ? 'script' : 'expression' }
      toSource={ toSource }
      placeholder={ params ? t('按顺序填写：{params}', { params }) : t("如 'confirmed'") }
      description={ params
        ? t('Python 表达式，多个参数以逗号分隔，依次为：{params}。', { params })
        : t('Python 表达式，多个参数以逗号分隔。') }
      getValue={ () => bo.get('cx:params') || '' }
      setValue={ (value) => modeling.updateProperties(element, { 'cx:params': value || undefined }) }
    />
  );
}

/** What scripts and expressions may call (helpers and domain actions), from the page config. */
function FunctionsHelp({ id }) {
  const config = useService('config.chengxin');
  const helpers = config.helpers || [];
  const actions = config.actions || [];
  if (!helpers.length && !actions.length) return null;
  return (
    <details class="cx-functions bio-properties-panel-entry" data-entry-id={ id }>
      <summary>{ t('可调用的函数') }</summary>
      <ul>
        { helpers.map((h) => <li key={ h.name }><code>{ h.name }()</code> — { h.label }</li>) }
        { actions.map((a) => (
          <li key={ a.name }><code>{ a.name }({ (a.params || []).join(', ') })</code> — { a.label }</li>
        )) }
      </ul>
    </details>
  );
}

// ---------------------------------------------------------------------------------------------
// the provider

export function chengxinEntries(element) {
  const entries = [];
  const bo = getBusinessObject(element);
  if (!bo) return entries;

  if (is(element, 'bpmn:Lane')) {
    entries.push({ id: 'cx-role', component: RoleEntry, isEdited: isSelectEntryEdited });
  }
  if (is(element, 'bpmn:StartEvent') || is(element, 'bpmn:UserTask')) {
    entries.push({ id: 'cx-form', component: FormEntry, isEdited: isSelectEntryEdited });
  }
  if (is(element, 'bpmn:UserTask')) {
    entries.push({ id: 'cx-due', component: DueEntry, isEdited: isTextFieldEntryEdited });
    entries.push({ id: 'cx-case-file', component: CaseFileEntry, isEdited: isTextFieldEntryEdited });
    entries.push({ id: 'cx-unit', component: UnitEntry, isEdited: isTextFieldEntryEdited });
    entries.push({ id: 'cx-item', component: ItemEntry, isEdited: isTextFieldEntryEdited });
    entries.push({ id: 'cx-on-complete', component: OnCompleteEntry, isEdited: isTextAreaEntryEdited });
  }
  if (gatewayOf(element)) {
    entries.push({ id: 'cx-condition', component: ConditionEntry, isEdited: isTextFieldEntryEdited });
    entries.push({ id: 'cx-default-flow', component: DefaultFlowEntry, isEdited: isCheckboxEntryEdited });
  }
  if (getTimerDefinition(element)) {
    entries.push({ id: 'cx-timer', component: TimerEntry, isEdited: (node) => isNumberFieldEntryEdited(node) || isTextFieldEntryEdited(node) });
  }
  if (is(element, 'bpmn:ScriptTask')) {
    entries.push({ id: 'cx-script', component: ScriptEntry, isEdited: isTextAreaEntryEdited });
  }
  if (is(element, 'bpmn:ServiceTask')) {
    entries.push({ id: 'cx-action', component: ActionEntry, isEdited: isSelectEntryEdited });
    entries.push({ id: 'cx-params', component: ParamsEntry, isEdited: isTextFieldEntryEdited });
  }
  const hasCode = entries.some((e) => [ 'cx-due', 'cx-condition', 'cx-timer', 'cx-script', 'cx-params' ].includes(e.id));
  if (hasCode) {
    entries.push({ id: 'cx-functions', component: FunctionsHelp });
  }
  return entries;
}

export default class ChengxinPropertiesProvider {
  constructor(propertiesPanel) {
    propertiesPanel.registerProvider(LOW_PRIORITY, this);
  }

  getGroups(element) {
    return (groups) => {
      // the stock timer group speaks ISO 8601; our engine reads Python expressions: ours replaces it
      groups = groups.filter((g) => g.id !== 'timer');
      const entries = chengxinEntries(element);
      if (!entries.length) return groups;
      const group = { id: GROUP_ID, label: groupLabel(), entries, component: Group, shouldOpen: true };
      const general = groups.findIndex((g) => g.id === 'general');
      groups.splice(general >= 0 ? general + 1 : 0, 0, group);
      return groups;
    };
  }
}

ChengxinPropertiesProvider.$inject = [ 'propertiesPanel' ];
