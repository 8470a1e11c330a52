// Chinese UI for the modeler: the community bpmn-js-i18n `zn` table, plus the strings of the
// properties panel and the linter that it lacks, plus a few wording fixes for our users.
import zn from 'bpmn-js-i18n/translations/zn';

const EXTRA = {
  // wording: our users say 泳道, not 通道
  'Add lane above': '在上方添加泳道',
  'Add lane below': '在下方添加泳道',
  'Divide into two lanes': '分成两个泳道',
  'Divide into three lanes': '分成三个泳道',
  'Lane': '泳道',

  // element types as the properties panel header names them
  'Collaboration': '协作',
  'Participant': '参与者（池）',
  'Process': '流程',
  'Task': '任务',
  'User Task': '用户任务',
  'Script Task': '脚本任务',
  'Service Task': '服务任务',
  'Manual Task': '手工任务',
  'Send Task': '发送任务',
  'Receive Task': '接收任务',
  'Business Rule Task': '业务规则任务',
  'Call Activity': '调用活动',
  'Start Event': '开始事件',
  'End Event': '结束事件',
  'Timer Start Event': '定时开始事件',
  'Timer Boundary Event': '定时边界事件',
  'Timer Boundary Event (Non Interrupting)': '定时边界事件（非中断）',
  'Timer Intermediate Catch Event': '定时中间捕获事件',
  'Message Start Event': '消息开始事件',
  'Terminate End Event': '终止结束事件',
  'Intermediate Throw Event': '中间抛出事件',
  'Exclusive Gateway': '排他网关',
  'Parallel Gateway': '并行网关',
  'Inclusive Gateway': '包容网关',
  'Event Based Gateway': '事件网关',
  'Sequence Flow': '顺序流',
  'Default Flow': '默认流',
  'Conditional Flow': '条件流',
  'Collapsed Sub Process': '子流程（折叠）',
  'Expanded Sub Process': '子流程（展开）',
  'Text Annotation': '文本注释',
  'Data Object Reference': '数据对象',
  'Data Store Reference': '数据存储',
  'Group': '分组',

  // properties panel (bpmn-js-properties-panel + @bpmn-io/properties-panel)
  'General': '常规',
  'Name': '名称',
  'ID': 'ID',
  'Process ID': '流程 ID',
  'Process name': '流程名称',
  'Participant Name': '参与者名称',
  'Documentation': '文档',
  'Element documentation': '元素说明',
  'Process documentation': '流程说明',
  'Executable': '可执行',
  'Timer': '定时器',
  'Type': '类型',
  'Value': '值',
  '<none>': '<无>',
  '<empty>': '<空>',
  'Date': '日期',
  'Duration': '时长',
  'Cycle': '周期',
  'Message': '消息',
  'Signal': '信号',
  'Error': '错误',
  'Escalation': '升级',
  'Link': '链接',
  'Compensation': '补偿',
  'Completion': '完成',
  'Completion condition': '完成条件',
  'Multi-instance': '多实例',
  'Loop cardinality': '循环次数',
  'Activity reference': '活动引用',
  'Wait for completion': '等待完成',
  'Cancel remaining instances': '取消剩余实例',
  'Code': '代码',
  'Create new ...': '新建…',
  'Global message reference': '全局消息引用',
  'Global signal reference': '全局信号引用',
  'Global error reference': '全局错误引用',
  'Global escalation reference': '全局升级引用',
  'ID must be unique.': 'ID 必须唯一。',
  'ID must not be empty.': 'ID 不能为空。',
  'ID must not contain spaces.': 'ID 不能包含空格。',
  'ID must not contain prefix.': 'ID 不能包含前缀。',
  'ID must be a valid QName.': 'ID 必须是合法的 QName（字母或下划线开头）。',
  'Select an element to edit its properties.': '选择一个元素以编辑其属性。',
  'Multiple elements are selected. Select a single element to edit its properties.': '已选择多个元素。请只选择一个元素来编辑属性。',
  'Section contains an error': '此部分有错误',
  'Section contains edits': '此部分已填写',
  'Toggle section': '展开/折叠',
  'Open documentation': '打开文档',
  'Create new list item': '新增列表项',
  'Create': '新建',
  'Delete item': '删除',
  'Toggle list item': '展开/折叠列表项',

  // linter (bpmn-js-bpmnlint + the bpmnlint rules we enable)
  'Toggle linting overlays': '显示/隐藏检查标记',
  '{errors} Errors, {warnings} Warnings': '{errors} 个错误，{warnings} 个警告',
  'No Issues': '没有问题',
  'Issues for child elements': '子元素的问题',
  'Process is missing start event': '流程缺少开始事件',
  'Sub process is missing start event': '子流程缺少开始事件',
  'Process is missing end event': '流程缺少结束事件',
  'Sub process is missing end event': '子流程缺少结束事件',
  'Element is not connected': '元素未连接',
  'SequenceFlow is a duplicate': '重复的顺序流',
  'Duplicate outgoing sequence flows': '重复的出口顺序流',
  'Duplicate incoming sequence flows': '重复的入口顺序流',
  'Event has multiple event definitions': '事件有多个事件定义',
  'Sequence flow is missing condition': '顺序流缺少条件（或设为默认流）'
};

export const translations = { ...zn, ...EXTRA };

export function customTranslate(template, replacements) {
  replacements = replacements || {};
  const text = translations[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : '{' + key + '}'));
}

export default {
  translate: [ 'value', customTranslate ]
};
