// The designer's one i18n module. The page picks the language (config.locale: 'zh_CN' by
// default, or 'en'); createDesigner() calls setLocale() before the modeler is built.
//  - Chinese: bpmn-js's own English strings go through the community bpmn-js-i18n `zn` table,
//    plus the strings of the properties panel and the linter that it lacks, plus a few wording
//    fixes for our users (EXTRA). Our own strings are written in Chinese and pass through.
//  - English: our own Chinese strings go through EN; bpmn-js's English strings pass through.
// t() is the translate function of bpmn-js, of the properties panel and of our own code.
import zn from 'bpmn-js-i18n/translations/zn';

const EXTRA = {
  // palette tools as their tooltips name them: no English left in a Chinese name, and an
  // expanded sub-process is not a collapsible one
  'Activate lasso tool': '启动套索工具（框选）',
  'Create expanded sub-process': '创建展开的子流程',

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

const translations = { ...zn, ...EXTRA };

// English for our own strings: key = the exact Chinese source text (with its {name}
// placeholders), value = the English text with the same placeholders.
export const EN = {
  // api.js, compile-checker.js: talking to the server
  '页面已过期（CSRF 校验失败），请刷新页面后重试': 'The page has expired (CSRF check failed). Please reload the page and try again.',
  '没有权限，或登录已过期（HTTP {status}）': 'Permission denied, or your session has expired (HTTP {status})',
  '文件太大（HTTP 413）': 'File too large (HTTP 413)',
  '服务器错误（HTTP {status}）': 'Server error (HTTP {status})',
  '无法连接服务器：{error}': 'Cannot reach the server: {error}',
  '无法检查：{error}': 'Cannot check: {error}',

  // index.js: status line, toolbar, deploy result
  '元素 “{id}” 不在图上': 'Element “{id}” is not on the diagram',
  '本地检查发现 {count} 个错误，修正后才能部署': 'Local checks found {count} error(s); fix them before deploying',
  '未提供流程地址（xmlUrl）': 'No process URL provided (xmlUrl)',
  '正在加载流程…': 'Loading process…',
  '已加载“{title}”': 'Loaded “{title}”',
  '已加载流程': 'Loaded the process',
  '{loaded}（导入时有 {count} 条警告）': '{loaded} ({count} import warning(s))',
  '无法加载流程：{error}': 'Cannot load the process: {error}',
  '没有已加载的流程': 'No process is loaded',
  '未提供草稿地址（draftUrl）': 'No draft URL provided (draftUrl)',
  '正在保存草稿…': 'Saving draft…',
  '；': '; ',
  '内容无效': 'Invalid content',
  '草稿未保存：{reason}（{fields}）': 'Draft not saved: {reason} ({fields})',
  '草稿未保存：{reason}': 'Draft not saved: {reason}',
  '已保存草稿（{time}）': 'Draft saved ({time})',
  '已保存草稿': 'Draft saved',
  '未提供校验地址（validateUrl）': 'No validation URL provided (validateUrl)',
  '正在校验…': 'Validating…',
  '服务器校验（{time}）：{count} 个问题': 'Server validation ({time}): {count} problem(s)',
  '服务器校验（{time}）：通过': 'Server validation ({time}): passed',
  '校验通过': 'Validation passed',
  '校验发现 {count} 个问题': 'Validation found {count} problem(s)',
  '无法校验：{error}': 'Cannot validate: {error}',
  '本地检查有错误，不能部署': 'Local checks found errors; cannot deploy',
  '已部署第 {version} 版': 'Deployed version {version}',
  '新增': 'Added',
  '删除': 'Removed',
  '修改': 'Changed',
  '{label}（{count}）：{items}': '{label} ({count}): {items}',
  '、': ', ',
  '与上一版相比没有元素增删改': 'No elements added, removed or changed since the previous version',
  '查看所有版本': 'View all versions',
  '关闭': 'Close',
  '未提供部署地址（deployUrl）': 'No deployment URL provided (deployUrl)',
  '正在部署…': 'Deploying…',
  '部署被拒绝：{count} 个问题': 'Deployment refused: {count} problem(s)',
  '部署失败：{error}': 'Deployment failed: {error}',
  '已下载 {name}': 'Downloaded {name}',
  '无法下载：{error}': 'Cannot download: {error}',
  '已导入 {name}（{count} 条警告，见浏览器控制台）；尚未保存': 'Imported {name} ({count} warning(s), see the browser console); not saved yet',
  '已导入 {name}；尚未保存': 'Imported {name}; not saved yet',
  '{imported}。注意：文件中的流程 id “{processId}” 与本流程 “{processKey}” 不同': '{imported}. Note: the process id “{processId}” in the file differs from this process, “{processKey}”',
  '无法导入 {name}：不是有效的 BPMN 文件（{error}）': 'Cannot import {name}: not a valid BPMN file ({error})',
  '{name}（{id}）': '{name} ({id})',

  // lint.js: our lint rules
  '用户任务必须位于设置了角色的泳道中': 'A user task must lie in a lane that has a role',
  '所在泳道“{lane}”未设置角色': 'Its lane “{lane}” has no role',
  '泳道“{lane}”的角色“{role}”不是已知角色': 'The role “{role}” of lane “{lane}” is not a known role',
  '所在泳道“{lane}”未设置角色（泳道名称也不是角色代码）': 'Its lane “{lane}” has no role (and the lane name is not a role code)',
  '用户任务缺少表单（cx:form）': 'User task has no form (cx:form)',
  '表单“{form}”不存在': 'Form “{form}” does not exist',
  '开始表单“{form}”不存在': 'Start form “{form}” does not exist',
  '“{ref}”': '“{ref}”',
  '卷宗（cx:caseFile）中的 {refs} 不是本流程的用户任务、开始事件或其表单': '{refs} in the case file (cx:caseFile) is not a user task, the start event or a form of them in this process',
  '排他网关有多个出口时必须指定默认流': 'An exclusive gateway with several outgoing flows must have a default flow',
  '排他网关的出口带条件时必须指定默认流：没有条件成立时案件会卡住':
    'An exclusive gateway with a conditional outgoing flow must have a default flow: when no condition holds the case is stuck',
  '包容网关的出口带条件时必须指定默认流：没有条件成立时案件会卡住':
    'An inclusive gateway with a conditional outgoing flow must have a default flow: when no condition holds the case is stuck',
  '服务任务缺少动作（cx:action）': 'Service task has no action (cx:action)',
  '动作“{action}”不在允许的动作中': 'Action “{action}” is not an allowed action',
  '元素 id “{id}” 是引擎保留字，请改名': 'Element id “{id}” is reserved by the engine; please rename it',
  '不支持{construct}：{reason}': 'Not supported: {construct}. {reason}',
  '脚本为空': 'Script is empty',
  '条件表达式为空': 'Condition expression is empty',
  '定时器缺少表达式': 'Timer has no expression',

  // problems.js: the problems list
  '服务器': 'Server',
  '本地检查': 'Local check',
  '错误': 'Error',
  '警告': 'Warning',
  '提示': 'Info',
  '在图中选中此元素': 'Select this element in the diagram',
  '{source}·{category}': '{source} · {category}',
  '整个文件': 'Whole file',
  '（{name}）': ' ({name})',
  '服务器校验': 'Server validation',
  '没有发现问题': 'No problems found',
  '{errors} 个错误，{warnings} 个警告': '{errors} error(s), {warnings} warning(s)',

  // provider.js: our properties group
  '诚信属性': 'Chengxin properties',
  '时间点 timeDate': 'point in time, timeDate',
  '时长 timeDuration': 'duration, timeDuration',
  '周期 timeCycle': 'cycle, timeCycle',
  '正在检查…': 'Checking…',
  '可以编译': 'Compiles',
  '无法编译': 'Does not compile',
  '泳道内的用户任务由该角色办理；泳道名称可以自由填写。': 'User tasks in this lane are handled by this role; the lane name is free text.',
  '未设置 cx:role，按泳道名称识别为“{role}”。另选角色会写入 cx:role。': 'No cx:role set; recognised as “{role}” from the lane name. Choosing another role writes cx:role.',
  '请选择角色：泳道内的用户任务由该角色办理。': 'Choose a role: user tasks in this lane are handled by it.',
  '（未设置）': '(not set)',
  '{label}（{code}）': '{label} ({code})',
  '{value}（未知角色）': '{value} (unknown role)',
  '角色': 'Role',
  '（无开始表单）': '(no start form)',
  '{value}（未知表单）': '{value} (unknown form)',
  '表单': 'Form',
  '登记时填写的表单（可选）。': 'The form filled in at registration (optional).',
  '办理人填写的表单（必填），取自 forms/ 目录。': 'The form the handler fills in (required), from the forms/ directory.',
  '办理期限（工作日）': 'Deadline (working days)',
  '卷宗（参阅此前步骤）': 'Case file (earlier steps shown)',
  '如 register entry_review respond_notice': 'e.g. register entry_review respond_notice',
  '本任务页面的卷宗显示哪些此前步骤提交的材料：用户任务或开始事件的 id，或表单代码，以空格分隔。留空表示此前全部人工步骤。': 'Which earlier steps’ submissions the case file on this task’s page shows: ids of user tasks or the start event, or form keys, separated by spaces. Leave empty for every earlier human step.',
  '如 5 或 explanation_days': 'e.g. 5 or explanation_days',
  '工作日数：数字，或给出天数的流程变量/表达式。留空表示无期限。': 'Working days: a number, or a process variable or expression giving the days. Leave empty for no deadline.',
  '条件': 'Condition',
  "如 entry_decision == 'return'": "e.g. entry_decision == 'return'",
  '默认流在其他条件都不成立时走，不需要条件。': 'The default flow is taken when no other condition holds; it needs no condition.',
  'Python 表达式，为真时走这条顺序流。': 'Python expression; this sequence flow is taken when it is true.',
  '设为默认流': 'Use as default flow',
  '网关的其他条件都不成立时走默认流；设为默认流会清除本流的条件。': 'The gateway takes the default flow when no other condition holds; making this the default flow clears its condition.',
  '时限（工作日）': 'Time limit (working days)',
  '写作 working_days_deadline(N)：从到达此处起 N 个工作日，当日结束时触发。': 'Written as working_days_deadline(N): fires at the end of the Nth working day after arriving here.',
  '改用自定义表达式（高级）': 'Use a custom expression (advanced)',
  '定时器表达式（{kind}）': 'Timer expression ({kind})',
  '如 start_of_day(publication_end)': 'e.g. start_of_day(publication_end)',
  'Python 表达式，结果为 ISO 日期时间，例如 working_days_deadline(5)、start_of_day(repairable_from)。': 'Python expression giving an ISO date-time, e.g. working_days_deadline(5) or start_of_day(repairable_from).',
  '改用工作日数': 'Use a number of working days',
  '脚本': 'Script',
  'Python 脚本，可读写流程变量并调用下方列出的函数。（当前 scriptFormat 为 “{format}”，保存时改为 python）': 'Python script; it can read and write process variables and call the functions listed below. (The current scriptFormat is “{format}”; it becomes python on save.)',
  'Python 脚本，可读写流程变量并调用下方列出的函数。': 'Python script; it can read and write process variables and call the functions listed below.',
  '{value}（未知动作）': '{value} (unknown action)',
  '动作': 'Action',
  '服务任务执行的业务动作。': 'The business action the service task performs.',
  '参数': 'Parameters',
  '按顺序填写：{params}': 'In order: {params}',
  "如 'confirmed'": "e.g. 'confirmed'",
  'Python 表达式，多个参数以逗号分隔，依次为：{params}。': 'Python expressions separated by commas, in order: {params}.',
  'Python 表达式，多个参数以逗号分隔。': 'Python expressions, several parameters separated by commas.',
  '可调用的函数': 'Functions you can call'
};

let english = false;

/** 'en' selects English; anything else (or nothing) selects Chinese. */
export function setLocale(locale) {
  english = locale === 'en';
}

const own = Object.prototype.hasOwnProperty;

/** Translate `text` to the current locale and fill its {name} placeholders from `replacements`. */
export function t(text, replacements) {
  if (typeof text !== 'string') return text;
  replacements = replacements || {};
  const table = english ? EN : translations;
  const template = (own.call(table, text) && table[text]) || text;
  return template.replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : '{' + key + '}'));
}

export default {
  translate: [ 'value', t ]
};
