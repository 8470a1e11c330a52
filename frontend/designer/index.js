// 诚信 process designer: bpmn-js Modeler (Chinese or English UI, config.locale), the stock
// properties panel plus our "诚信属性" group, in-browser lint, and a toolbar talking to the lead's
// JSON APIs. The page (app/templates/designer/modeler.html) passes its config as JSON in
// #designer-config.
import Modeler from 'bpmn-js/lib/Modeler';
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import './designer.css';

import cxModdle from './cx-moddle.json';
import translateModule, { setLocale, t } from './translations';
import ChengxinPropertiesProvider from './provider';
import CompileChecker from './compile-checker';
import { buildLintConfig, flattenIssues } from './lint';
import ProblemsPanel from './problems';
import { getText, sendJson, sendXml } from './api';

const chengxinModule = {
  __init__: [ 'cxPropertiesProvider' ],
  cxPropertiesProvider: [ 'type', ChengxinPropertiesProvider ],
  cxCompileChecker: [ 'type', CompileChecker ]
};

function readConfig() {
  const node = document.getElementById('designer-config');
  try {
    return node ? JSON.parse(node.textContent) : {};
  } catch (e) {
    console.error('designer-config is not valid JSON', e);
    return {};
  }
}

function $(id) {
  return document.getElementById(id);
}

export function createDesigner(config) {
  config = config || {};
  // before anything translates: the modeler, the lint rules and our provider all use t()
  setLocale(config.locale);
  const statusEl = $('designer-status');
  const dirtyEl = $('designer-dirty');
  const deployBtn = $('btn-deploy');
  const deployBlocked = $('deploy-blocked');
  const resultEl = $('deploy-result');

  const modeler = new Modeler({
    container: '#canvas',
    propertiesPanel: { parent: '#properties', layout: { groups: { chengxin: { open: true } } } },
    additionalModules: [
      translateModule,
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      chengxinModule,
      lintModule
    ],
    moddleExtensions: { cx: cxModdle },
    linting: { active: true, bpmnlint: buildLintConfig(config) },
    chengxin: config
  });
  window.chengxinModeler = modeler;

  const canvas = modeler.get('canvas');
  const elementRegistry = modeler.get('elementRegistry');
  const selection = modeler.get('selection');
  const eventBus = modeler.get('eventBus');

  let dirty = false;
  let busy = false;
  let lastGoodXml = null;

  // ----------------------------------------------------------------------- palette tooltips

  // Each palette tool names itself in a tooltip (diagram-js shows it on hover), and also when
  // reached with the keyboard: the tools take focus, focus shows the same tooltip, and Enter or
  // Space picks the tool as a click does.
  const PALETTE_ENTRY = '#canvas .djs-palette .entry[data-action]';
  const paletteEntry = (event) => (event.target.closest ? event.target.closest(PALETTE_ENTRY) : null);
  function focusablePalette() {
    document.querySelectorAll(PALETTE_ENTRY).forEach((entry) => { entry.tabIndex = 0; });
  }
  eventBus.on('palette.changed', focusablePalette);
  document.addEventListener('focusin', (event) => {
    const entry = paletteEntry(event);
    if (entry) entry.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
  });
  document.addEventListener('focusout', (event) => {
    const entry = paletteEntry(event);
    if (entry) entry.dispatchEvent(new MouseEvent('mouseout', { bubbles: true, relatedTarget: event.relatedTarget }));
  });
  document.addEventListener('keydown', (event) => {
    const entry = (event.key === 'Enter' || event.key === ' ') && paletteEntry(event);
    if (!entry) return;
    event.preventDefault();
    entry.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
  focusablePalette();

  // ----------------------------------------------------------------------- status line

  function setStatus(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = 'designer-status small' + (kind ? ' text-' + kind : '');
    statusEl.setAttribute('data-kind', kind || 'info');
  }

  function setDirty(value) {
    dirty = value;
    if (dirtyEl) dirtyEl.hidden = !value;
  }

  eventBus.on('commandStack.changed', (event) => {
    if (event && event.trigger === 'clear') return;
    setDirty(true);
  });

  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  // ----------------------------------------------------------------------- selecting elements

  function nameOf(id) {
    const element = elementRegistry.get(id);
    const bo = element ? getBusinessObject(element) : null;
    return (bo && bo.name) || '';
  }

  function findShape(id) {
    let element = elementRegistry.get(id);
    if (!element) {
      // a process (or anything else without a shape) is shown by its pool
      element = elementRegistry.filter((e) => is(e, 'bpmn:Participant') &&
        e.businessObject.processRef && e.businessObject.processRef.id === id)[0];
    }
    if (!element) {
      element = elementRegistry.filter((e) => e.businessObject && e.businessObject.id === id && !e.labelTarget)[0];
    }
    return element || null;
  }

  function focusElement(id) {
    const element = findShape(id);
    if (!element) {
      setStatus(t('元素 “{id}” 不在图上', { id }), 'warning');
      return false;
    }
    if (canvas.findRoot) {
      const root = canvas.findRoot(element);
      if (root && root !== canvas.getRootElement()) canvas.setRootElement(root);
    }
    if (element !== canvas.getRootElement()) {
      selection.select(element);
      canvas.scrollToElement(element, { top: 80, bottom: 80, left: 120, right: 120 });
    }
    return true;
  }

  const problems = new ProblemsPanel($('problems'), $('problems-count'), nameOf, focusElement);
  problems.render();

  function updateDeployState() {
    const errors = problems.lintErrorCount();
    const blocked = errors > 0;
    if (deployBtn) {
      deployBtn.disabled = blocked || busy;
      if (blocked) deployBtn.setAttribute('aria-describedby', 'deploy-blocked');
      else deployBtn.removeAttribute('aria-describedby');
    }
    if (deployBlocked) {
      deployBlocked.hidden = !blocked;
      deployBlocked.textContent = blocked ? t('本地检查发现 {count} 个错误，修正后才能部署', { count: errors }) : '';
    }
  }

  eventBus.on('linting.completed', (event) => {
    // stock bpmnlint rules report in English (translated here); ours report translated already
    const rows = flattenIssues(event.issues).map((row) => ({ ...row, message: t(row.message) }));
    problems.setLint(rows);
    updateDeployState();
  });

  // ----------------------------------------------------------------------- loading

  function fitDiagram() {
    // the whole diagram when it stays readable (>= 0.8), else fitted to the height (a wide
    // process scrolls sideways); either way it starts at its top left, clear of the palette
    canvas.zoom(1);
    const { inner, outer } = canvas.viewbox();
    if (!inner.width || !inner.height) return;
    const PALETTE = 150;
    let scale = Math.min(1, (outer.width - PALETTE - 20) / inner.width, (outer.height - 60) / inner.height);
    if (scale < 0.8) scale = Math.max(0.5, Math.min(1, (outer.height - 60) / inner.height));
    canvas.viewbox({
      x: inner.x - PALETTE / scale,
      y: inner.y - 30 / scale,
      width: outer.width / scale,
      height: outer.height / scale
    });
  }

  async function importXml(xml, what) {
    const result = await modeler.importXML(xml);
    lastGoodXml = xml;
    fitDiagram();
    const warnings = (result && result.warnings) || [];
    if (warnings.length) console.warn('[designer] import warnings', warnings);
    return warnings;
  }

  async function load() {
    if (!config.xmlUrl) {
      setStatus(t('未提供流程地址（xmlUrl）'), 'danger');
      return;
    }
    setStatus(t('正在加载流程…'));
    try {
      const xml = await getText(config.xmlUrl);
      const warnings = await importXml(xml);
      setDirty(false);
      const loaded = config.title ? t('已加载“{title}”', { title: config.title }) : t('已加载流程');
      setStatus(warnings.length ? t('{loaded}（导入时有 {count} 条警告）', { loaded, count: warnings.length }) : loaded,
        warnings.length ? 'warning' : null);
    } catch (err) {
      console.error(err);
      setStatus(t('无法加载流程：{error}', { error: errorText(err) }), 'danger');
    }
  }

  async function currentXml() {
    if (!modeler.getDefinitions()) throw new Error(t('没有已加载的流程'));
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  // ----------------------------------------------------------------------- toolbar actions

  async function withBusy(button, fn) {
    if (busy) return;
    busy = true;
    const buttons = document.querySelectorAll('.designer-toolbar button');
    buttons.forEach((b) => { b.dataset.wasDisabled = b.disabled ? '1' : ''; b.disabled = true; });
    if (button) button.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } finally {
      busy = false;
      buttons.forEach((b) => { b.disabled = b.dataset.wasDisabled === '1'; delete b.dataset.wasDisabled; });
      if (button) button.removeAttribute('aria-busy');
      updateDeployState();
    }
  }

  function errorText(err) {
    return (err && err.message) || String(err);
  }

  async function saveDraft() {
    if (!config.draftUrl) return setStatus(t('未提供草稿地址（draftUrl）'), 'danger');
    await withBusy($('btn-save'), async () => {
      setStatus(t('正在保存草稿…'));
      try {
        const xml = await currentXml();
        const { status, body } = await sendXml(config.draftUrl, 'PUT', xml, [ 422 ]);
        if (status === 422) {
          const error = (body && body.error) || {};
          const fields = error.fields ? Object.values(error.fields).flat().join(t('；')) : '';
          const reason = error.message || t('内容无效');
          setStatus(fields ? t('草稿未保存：{reason}（{fields}）', { reason, fields }) : t('草稿未保存：{reason}', { reason }),
            'danger');
          return;
        }
        setDirty(false);
        setStatus(body && body.saved_at ? t('已保存草稿（{time}）', { time: formatTime(body.saved_at) }) : t('已保存草稿'), 'success');
      } catch (err) {
        setStatus(t('草稿未保存：{reason}', { reason: errorText(err) }), 'danger');
      }
    });
  }

  async function validate() {
    if (!config.validateUrl) return setStatus(t('未提供校验地址（validateUrl）'), 'danger');
    await withBusy($('btn-validate'), async () => {
      setStatus(t('正在校验…'));
      try {
        const xml = await currentXml();
        const { body } = await sendXml(config.validateUrl, 'POST', xml, [ 422 ]);
        const list = (body && body.problems) || [];
        const time = formatTime(new Date().toISOString());
        const note = list.length
          ? t('服务器校验（{time}）：{count} 个问题', { time, count: list.length })
          : t('服务器校验（{time}）：通过', { time });
        problems.setServer(list, note);
        if (body && body.ok && !list.length) setStatus(t('校验通过'), 'success');
        else setStatus(t('校验发现 {count} 个问题', { count: list.length }), 'danger');
      } catch (err) {
        setStatus(t('无法校验：{error}', { error: errorText(err) }), 'danger');
      }
    });
  }

  // deploy: a Bootstrap modal asks for the comment, then POST
  const modalEl = $('deploy-modal');
  function modal() {
    const bs = window.bootstrap;
    return bs && bs.Modal ? bs.Modal.getOrCreateInstance(modalEl) : null;
  }

  function openDeploy() {
    if (problems.lintErrorCount() > 0) {
      updateDeployState();
      setStatus(t('本地检查有错误，不能部署'), 'danger');
      return;
    }
    const m = modal();
    if (m) m.show();
    else {
      modalEl.classList.add('show');
      modalEl.style.display = 'block';
      $('deploy-comment').focus();
    }
  }

  function closeDeploy() {
    const m = modal();
    if (m) m.hide();
    else {
      modalEl.classList.remove('show');
      modalEl.style.display = 'none';
    }
  }

  if (modalEl) {
    modalEl.addEventListener('shown.bs.modal', () => $('deploy-comment').focus());
  }

  function showDeployResult(body) {
    if (!resultEl) return;
    const summary = (body && body.summary) || {};
    const versionsUrl = (body && body.versionsUrl) || config.versionsUrl;
    resultEl.textContent = '';
    const title = document.createElement('div');
    title.className = 'fw-bold';
    title.textContent = t('已部署第 {version} 版', { version: body.version });
    resultEl.appendChild(title);
    const parts = [ [ 'added', t('新增') ], [ 'removed', t('删除') ], [ 'changed', t('修改') ] ];
    const ul = document.createElement('ul');
    ul.className = 'mb-1 small deploy-summary';
    let any = false;
    parts.forEach(([ key, label ]) => {
      const items = summary[key] || [];
      if (!items.length) return;
      any = true;
      const li = document.createElement('li');
      li.setAttribute('data-change', key);
      li.textContent = t('{label}（{count}）：{items}', { label, count: items.length, items: items.map(describeChange).join(t('、')) });
      ul.appendChild(li);
    });
    if (!any) {
      const li = document.createElement('li');
      li.textContent = t('与上一版相比没有元素增删改');
      ul.appendChild(li);
    }
    resultEl.appendChild(ul);
    if (versionsUrl) {
      const a = document.createElement('a');
      a.href = versionsUrl;
      a.id = 'deploy-versions-link';
      a.textContent = t('查看所有版本');
      resultEl.appendChild(a);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'btn-close float-end';
    close.setAttribute('aria-label', t('关闭'));
    close.addEventListener('click', () => { resultEl.hidden = true; });
    resultEl.insertBefore(close, resultEl.firstChild);
    resultEl.hidden = false;
  }

  function processIdOf() {
    const defs = modeler.getDefinitions();
    const process = defs && (defs.rootElements || []).find((e) => is(e, 'bpmn:Process'));
    return process ? process.id : null;
  }

  async function deploy() {
    if (!config.deployUrl) return setStatus(t('未提供部署地址（deployUrl）'), 'danger');
    const comment = ($('deploy-comment').value || '').trim();
    const confirmBtn = $('deploy-confirm');
    confirmBtn.disabled = true;
    await withBusy(deployBtn, async () => {
      setStatus(t('正在部署…'));
      if (resultEl) resultEl.hidden = true;
      try {
        const xml = await currentXml();
        const { status, body } = await sendJson(config.deployUrl, { xml, comment }, [ 422 ]);
        closeDeploy();
        if (status === 422 || !(body && body.ok)) {
          const list = (body && body.problems) || [];
          const refused = t('部署被拒绝：{count} 个问题', { count: list.length });
          problems.setServer(list, refused);
          setStatus(refused, 'danger');
          return;
        }
        problems.clearServer();
        $('deploy-comment').value = '';
        setDirty(false);
        setStatus(t('已部署第 {version} 版', { version: body.version }), 'success');
        showDeployResult(body);
      } catch (err) {
        closeDeploy();
        setStatus(t('部署失败：{error}', { error: errorText(err) }), 'danger');
      } finally {
        confirmBtn.disabled = false;
      }
    });
  }

  async function download() {
    try {
      const xml = await currentXml();
      const name = (config.processKey || processIdOf() || 'process') + '.bpmn';
      const blob = new Blob([ xml ], { type: 'application/xml' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setStatus(t('已下载 {name}', { name }), 'success');
    } catch (err) {
      setStatus(t('无法下载：{error}', { error: errorText(err) }), 'danger');
    }
  }

  async function upload(event) {
    const input = event.target;
    const file = input.files && input.files[0];
    if (!file) return;
    try {
      const text = await file.text();
      const previous = lastGoodXml;
      try {
        const warnings = await importXml(text);
        problems.clearServer();
        if (resultEl) resultEl.hidden = true;
        setDirty(true);
        const processId = processIdOf();
        const otherKey = config.processKey && processId && processId !== config.processKey;
        const imported = warnings.length
          ? t('已导入 {name}（{count} 条警告，见浏览器控制台）；尚未保存', { name: file.name, count: warnings.length })
          : t('已导入 {name}；尚未保存', { name: file.name });
        setStatus(otherKey
          ? t('{imported}。注意：文件中的流程 id “{processId}” 与本流程 “{processKey}” 不同',
            { imported, processId, processKey: config.processKey })
          : imported,
        warnings.length || otherKey ? 'warning' : 'success');
      } catch (err) {
        if (previous && !modeler.getDefinitions()) {
          try { await modeler.importXML(previous); } catch (e) { /* keep the error below */ }
        }
        setStatus(t('无法导入 {name}：不是有效的 BPMN 文件（{error}）', { name: file.name, error: errorText(err) }), 'danger');
      }
    } finally {
      input.value = '';
    }
  }

  $('btn-save') && $('btn-save').addEventListener('click', saveDraft);
  $('btn-validate') && $('btn-validate').addEventListener('click', validate);
  deployBtn && deployBtn.addEventListener('click', openDeploy);
  $('deploy-confirm') && $('deploy-confirm').addEventListener('click', deploy);
  $('btn-download') && $('btn-download').addEventListener('click', download);
  $('upload-bpmn') && $('upload-bpmn').addEventListener('change', upload);

  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 's') {
      event.preventDefault();
      saveDraft();
    }
  });

  // ----------------------------------------------------------------------- layout

  const root = $('designer');
  function fitHeight() {
    if (!root) return;
    const top = root.getBoundingClientRect().top + window.scrollY;
    const height = Math.max(520, window.innerHeight - top - 12);
    root.style.height = height + 'px';
    canvas.resized();
  }
  window.addEventListener('resize', fitHeight);
  fitHeight();

  updateDeployState();
  const ready = load();
  return { modeler, ready, problems, focusElement, saveDraft, validate, deploy, download };
}

function formatTime(iso) {
  const date = new Date(iso);
  if (isNaN(date.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds());
}

function describeChange(item) {
  if (item == null) return '';
  if (typeof item === 'string') return item;
  const id = item.element_id || item.id || '';
  const name = item.element_name || item.name || '';
  return name ? t('{name}（{id}）', { name, id }) : id;
}

function start() {
  if (!document.getElementById('canvas')) return;
  const designer = createDesigner(readConfig());
  window.chengxinDesigner = designer;
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
