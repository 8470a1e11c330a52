// 诚信 rules editor: one DMN decision table in dmn-js (Chinese or English UI, config.locale), with a
// toolbar talking to the rules pages' JSON endpoints (app/rules/views.py): save the draft, check it
// with the server (problems by row), compare it with the version in force, run its decision tests.
// The page (app/templates/rules/editor.html) passes its config as JSON in #rules-config:
//   key, title, xmlUrl, draftUrl (absent: read only), validateUrl, summaryUrl, testsUrl, locale.
import EditingManager from 'dmn-js-shared/lib/base/EditingManager';
import DecisionTableEditor from 'dmn-js-decision-table/lib/Editor';
import { is } from 'dmn-js-shared/lib/util/ModelUtil';

import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn.css';
import './rules.css';

import translateModule, { setLocale, t } from './translations';
import { setLocale as setRequestLocale } from '../designer/translations';
import { getText, sendXml } from '../designer/api';
import { el } from '../designer/problems';

/** dmn-js with the decision table editor only: a rule is one decision table, no DRD to draw. */
class DecisionTableModeler extends EditingManager {
  _getViewProviders() {
    return [ {
      id: 'decisionTable',
      constructor: DecisionTableEditor,
      opens: (element) => is(element, 'dmn:Decision') && is(element.decisionLogic, 'dmn:DecisionTable')
    } ];
  }
}

function $(id) {
  return document.getElementById(id);
}

/** A value of a decision (test) as a person reads it: strings quoted as in the table, one
 * `name = value` per line (COLLECT results: one block per row). */
export function showValue(value) {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.map(showValue).join('\n\n');
  if (typeof value === 'object') {
    return Object.entries(value).map(([ name, v ]) => name + ' = ' + showValue(v)).join('\n');
  }
  return String(value);
}

function readConfig() {
  const node = $('rules-config');
  try {
    return node ? JSON.parse(node.textContent) : {};
  } catch (e) {
    console.error('rules-config is not valid JSON', e);
    return {};
  }
}

function errorText(err) {
  return (err && err.message) || String(err);
}

export function createRulesEditor(config) {
  config = config || {};
  setLocale(config.locale);
  setRequestLocale(config.locale);
  const statusEl = $('rules-status');
  const dirtyEl = $('rules-dirty');
  const problemsEl = $('rule-problems');
  const summaryEl = $('rule-summary');
  const testsEl = $('rule-tests');

  const modeler = new DecisionTableModeler({
    container: '#rules-table',
    decisionTable: { additionalModules: [ translateModule ] }
  });
  window.chengxinRules = modeler;

  let dirty = false;
  let busy = false;

  function setStatus(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = 'rules-status small' + (kind ? ' text-' + kind : '');
    statusEl.setAttribute('data-kind', kind || 'info');
  }

  function setDirty(value) {
    dirty = value;
    if (dirtyEl) dirtyEl.hidden = !value;
  }

  modeler.on('viewer.created', ({ viewer }) => {
    viewer.on('elements.changed', () => setDirty(true));
  });

  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  // ----------------------------------------------------------------------- the table

  function decisionTable() {
    const view = modeler.getActiveView();
    return view ? view.element.decisionLogic : null;
  }

  /** Mark (and scroll to) rule `row` (1-based) of the table; null clears the mark. */
  function markRow(row) {
    document.querySelectorAll('#rules-table .cx-marked-row').forEach((cell) => cell.classList.remove('cx-marked-row'));
    const table = decisionTable();
    const rule = row && table && (table.rule || [])[row - 1];
    if (!rule) return false;
    const cells = document.querySelectorAll(`#rules-table td[data-row-id="${CSS.escape(rule.id)}"]`);
    cells.forEach((cell) => cell.classList.add('cx-marked-row'));
    if (cells.length) cells[0].scrollIntoView({ block: 'center' });
    return cells.length > 0;
  }

  async function load() {
    setStatus(t('正在加载决策表…'));
    try {
      const xml = await getText(config.xmlUrl);
      await modeler.importXML(xml);
      setDirty(false);
      setStatus(t('已加载“{title}”', { title: config.title || config.key }));
    } catch (err) {
      console.error(err);
      setStatus(t('无法加载决策表：{error}', { error: errorText(err) }), 'danger');
    }
  }

  async function currentXml() {
    if (!modeler.getDefinitions()) throw new Error(t('没有已加载的决策表'));
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  async function withBusy(button, fn) {
    if (busy) return;
    busy = true;
    const buttons = document.querySelectorAll('.rules-toolbar button');
    buttons.forEach((b) => { b.dataset.wasDisabled = b.disabled ? '1' : ''; b.disabled = true; });
    if (button) button.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } finally {
      busy = false;
      buttons.forEach((b) => { b.disabled = b.dataset.wasDisabled === '1'; delete b.dataset.wasDisabled; });
      if (button) button.removeAttribute('aria-busy');
    }
  }

  // ----------------------------------------------------------------------- problems (by row)

  function showProblems(list) {
    if (!problemsEl) return;
    problemsEl.textContent = '';
    if (!list.length) {
      problemsEl.appendChild(el('li', { class: 'list-group-item text-success', text: t('没有问题') }));
      return;
    }
    list.forEach((p) => {
      const where = p.row ? t('第 {row} 行', { row: p.row }) : t('整表');
      const item = el('li', {
        class: 'list-group-item problem' + (p.row ? ' problem-clickable' : ''),
        'data-row': p.row || null,
        tabindex: p.row ? '0' : null
      }, el('span', { class: 'badge text-bg-danger me-2 problem-row', text: where }),
      el('span', { class: 'problem-message', text: p.message }));
      problemsEl.appendChild(item);
    });
  }

  function activateProblem(event) {
    const item = event.target.closest('.problem[data-row]');
    if (!item) return;
    if (event.type === 'keydown' && event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    markRow(Number(item.getAttribute('data-row')));
  }

  if (problemsEl) {
    problemsEl.addEventListener('click', activateProblem);
    problemsEl.addEventListener('keydown', activateProblem);
  }

  // ----------------------------------------------------------------------- toolbar actions

  async function saveDraft() {
    if (!config.draftUrl) return;
    await withBusy($('btn-rule-save'), async () => {
      setStatus(t('正在保存草稿…'));
      try {
        const xml = await currentXml();
        const { status, body } = await sendXml(config.draftUrl, 'PUT', xml, [ 422 ]);
        if (status === 422) {
          const list = (body && body.problems) || [];
          if (list.length) {
            showProblems(list);
            setStatus(t('草稿未保存：{count} 个问题', { count: list.length }), 'danger');
          } else {
            const error = (body && body.error) || {};
            setStatus(t('草稿未保存：{reason}', { reason: error.message || '' }), 'danger');
          }
          return;
        }
        setDirty(false);
        showProblems([]);
        setStatus(t('已保存草稿：第 {version} 版', { version: body.version }), 'success');
        if (body.editUrl) window.history.replaceState(null, '', body.editUrl);
      } catch (err) {
        setStatus(t('草稿未保存：{reason}', { reason: errorText(err) }), 'danger');
      }
    });
  }

  async function validate() {
    await withBusy($('btn-rule-validate'), async () => {
      setStatus(t('正在校验…'));
      try {
        const { body } = await sendXml(config.validateUrl, 'POST', await currentXml());
        const list = (body && body.problems) || [];
        showProblems(list);
        if (list.length) setStatus(t('校验发现 {count} 个问题', { count: list.length }), 'danger');
        else setStatus(t('校验通过'), 'success');
      } catch (err) {
        setStatus(t('无法校验：{error}', { error: errorText(err) }), 'danger');
      }
    });
  }

  // cells: {column: value} (rows added or removed) or {column: [old, new]} (rows changed)
  function describeCells(cells) {
    return Object.entries(cells || {}).map(([ column, value ]) => column + ' = ' + (Array.isArray(value)
      ? (value[0] == null ? '—' : value[0]) + ' → ' + (value[1] == null ? '—' : value[1]) : value)).join(t('；'));
  }

  function showSummary(body) {
    if (!summaryEl) return;
    summaryEl.textContent = '';
    if (!body.against) {
      summaryEl.appendChild(el('p', { class: 'mb-1', text: t('没有现行版本：全部规则均为新增') }));
    } else {
      summaryEl.appendChild(el('p', { class: 'mb-1', text: t('与现行版本（第 {version} 版）相比：', { version: body.against.version }) }));
    }
    const list = el('ul', { class: 'mb-0 summary-list' });
    if (body.hit_policy) {
      list.appendChild(el('li', { 'data-change': 'hit_policy',
        text: t('命中策略：{old} → {new}', { old: body.hit_policy[0], new: body.hit_policy[1] }) }));
    }
    const columns = body.columns || {};
    (columns.added || []).forEach((name) => list.appendChild(el('li', { 'data-change': 'column-added', text: t('新增列：{name}', { name }) })));
    (columns.removed || []).forEach((name) => list.appendChild(el('li', { 'data-change': 'column-removed', text: t('删除列：{name}', { name }) })));
    const kinds = [ [ 'added', '新增第 {row} 行：{cells}' ], [ 'removed', '删除第 {row} 行：{cells}' ],
      [ 'changed', '修改第 {row} 行：{cells}' ] ];
    kinds.forEach(([ kind, template ]) => (body[kind] || []).forEach((item) => {
      list.appendChild(el('li', { 'data-change': kind, 'data-row': item.row,
        text: t(template, { row: item.row, cells: describeCells(item.cells) }) }));
    }));
    if (!list.children.length) list.appendChild(el('li', { text: t('与现行版本相比没有变化') }));
    summaryEl.appendChild(list);
  }

  async function summary() {
    await withBusy($('btn-rule-summary'), async () => {
      setStatus(t('正在计算变更…'));
      try {
        const { status, body } = await sendXml(config.summaryUrl, 'POST', await currentXml(), [ 422 ]);
        if (status === 422) {
          showProblems(body.problems || []);
          setStatus(t('校验发现 {count} 个问题', { count: (body.problems || []).length }), 'danger');
          return;
        }
        showSummary(body);
        setStatus(t('变更摘要已更新'), 'success');
      } catch (err) {
        setStatus(t('无法计算变更：{error}', { error: errorText(err) }), 'danger');
      }
    });
  }

  function showTests(items) {
    if (!testsEl) return;
    testsEl.textContent = '';
    if (!items.length) {
      testsEl.appendChild(el('p', { class: 'text-muted mb-0', text: t('没有决策测试') }));
      return;
    }
    const head = el('thead', null, el('tr', null, [ '用例', '输入', '期望', '实际', '结果' ]
      .map((label) => el('th', { scope: 'col', text: t(label) }))));
    const rows = items.map((item) => el('tr', {
      class: item.passed ? '' : 'table-danger', 'data-test': item.name, 'data-passed': item.passed ? '1' : '0'
    },
    el('td', { text: item.name }),
    el('td', { text: showValue(item.inputs) }),
    el('td', { text: showValue(item.expected) }),
    el('td', null, el('span', { text: showValue(item.actual) }),
      item.message ? el('div', { class: 'small text-danger', text: item.message }) : null),
    el('td', null, el('span', { class: 'badge ' + (item.passed ? 'text-bg-success' : 'text-bg-danger'),
      text: item.passed ? t('通过') : t('未通过') }))));
    testsEl.appendChild(el('table', { class: 'table table-sm align-middle mb-0', id: 'rule-tests-table' }, head,
      el('tbody', null, rows)));
  }

  async function runTests() {
    await withBusy($('btn-rule-tests'), async () => {
      setStatus(t('正在运行决策测试…'));
      try {
        const { status, body } = await sendXml(config.testsUrl, 'POST', await currentXml(), [ 422 ]);
        if (status === 422) {
          showProblems(body.problems || []);
          setStatus(t('校验发现 {count} 个问题', { count: (body.problems || []).length }), 'danger');
          return;
        }
        const items = body.items || [];
        showTests(items);
        const passed = items.filter((i) => i.passed).length;
        setStatus(t('决策测试：{passed} 个通过，{failed} 个未通过', { passed, failed: items.length - passed }),
          passed === items.length ? 'success' : 'danger');
      } catch (err) {
        setStatus(t('无法运行决策测试：{error}', { error: errorText(err) }), 'danger');
      }
    });
  }

  async function download() {
    try {
      const xml = await currentXml();
      const name = (config.key || 'decision') + '.dmn';
      const url = URL.createObjectURL(new Blob([ xml ], { type: 'application/xml' }));
      const a = el('a', { href: url, download: name });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setStatus(t('已下载 {name}', { name }), 'success');
    } catch (err) {
      setStatus(t('无法下载：{error}', { error: errorText(err) }), 'danger');
    }
  }

  const bind = (id, fn) => { if ($(id)) $(id).addEventListener('click', fn); };
  bind('btn-rule-save', saveDraft);
  bind('btn-rule-validate', validate);
  bind('btn-rule-summary', summary);
  bind('btn-rule-tests', runTests);
  bind('btn-rule-download', download);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 's') {
      event.preventDefault();
      saveDraft();
    }
  });

  const ready = load();
  return { modeler, ready, saveDraft, validate, summary, runTests, download, markRow };
}

function start() {
  if (!$('rules-table')) return;
  window.chengxinRulesEditor = createRulesEditor(readConfig());
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
