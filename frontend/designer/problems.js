// The problems list (#problems): lint issues (live) and the server's problems (from 校验/部署).
// Each row is a `.problem[data-element-id]`; activating it selects the element on the canvas.
import { t } from './translations';

// translated when shown (the locale is set after this module is loaded)
const SOURCE_LABEL = { server: () => t('服务器'), lint: () => t('本地检查') };
const CATEGORY_LABEL = { error: () => t('错误'), warning: () => t('警告'), info: () => t('提示') };

function label(labels, key) {
  return labels[key] ? labels[key]() : key;
}

// A DOM element, text only through textContent (never HTML): the one builder of the designer and
// the rules editor.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([ key, value ]) => {
    if (value == null || value === false) return;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  });
  children.flat().forEach((child) => {
    if (child == null) return;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  });
  return node;
}

export default class ProblemsPanel {
  /**
   * @param {HTMLElement} list the <ul id="problems">
   * @param {HTMLElement} counter element showing the count
   * @param {(id: string) => string} nameOf element id -> name
   * @param {(id: string) => boolean} focusElement selects an element, false when it is not on the canvas
   */
  constructor(list, counter, nameOf, focusElement) {
    this.list = list;
    this.counter = counter;
    this.nameOf = nameOf;
    this.focusElement = focusElement;
    this.server = [];
    this.serverNote = '';
    this.lint = [];
    list.addEventListener('click', (event) => this._activate(event));
    list.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') this._activate(event);
    });
  }

  setLint(rows) {
    this.lint = rows;
    this.render();
  }

  setServer(problems, note) {
    this.server = (problems || []).map((p) => ({
      element_id: p.element_id || '',
      element_name: p.element_name || '',
      message: p.message || String(p),
      category: 'error'
    }));
    this.serverNote = note || '';
    this.render();
  }

  clearServer() {
    this.setServer([], '');
  }

  lintErrorCount() {
    return this.lint.filter((p) => p.category === 'error').length;
  }

  _activate(event) {
    const row = event.target.closest('.problem');
    if (!row || !this.list.contains(row)) return;
    const id = row.getAttribute('data-element-id');
    if (!id) return;
    if (event.type === 'keydown') event.preventDefault();
    this.focusElement(id);
    this.list.querySelectorAll('.problem.active').forEach((r) => r.classList.remove('active'));
    row.classList.add('active');
  }

  _row(problem, source) {
    const id = problem.element_id || '';
    const name = problem.element_name || (id ? this.nameOf(id) : '') || '';
    const category = problem.category || 'error';
    const clickable = !!id;
    return el('li', {
      class: 'problem list-group-item list-group-item-action problem-' + category + (clickable ? ' problem-clickable' : ''),
      'data-element-id': id,
      'data-source': source,
      'data-category': category,
      tabindex: clickable ? '0' : null,
      role: clickable ? 'button' : null,
      title: clickable ? t('在图中选中此元素') : null
    },
    el('span', { class: 'problem-badge badge ' + (category === 'error' ? 'text-bg-danger' : category === 'warning' ? 'text-bg-warning' : 'text-bg-secondary'),
      text: category === 'error' ? label(SOURCE_LABEL, source)
        : t('{source}·{category}', { source: label(SOURCE_LABEL, source), category: label(CATEGORY_LABEL, category) }) }),
    ' ',
    id ? el('code', { class: 'problem-id', text: id }) : el('span', { class: 'problem-id text-muted', text: t('整个文件') }),
    name ? el('span', { class: 'problem-name', text: t('（{name}）', { name }) }) : null,
    el('div', { class: 'problem-message', text: problem.message }));
  }

  render() {
    const list = this.list;
    list.textContent = '';
    if (this.serverNote || this.server.length) {
      list.appendChild(el('li', { class: 'list-group-item problems-heading', text: this.serverNote || t('服务器校验') }));
      this.server.forEach((p) => list.appendChild(this._row(p, 'server')));
    }
    this.lint.forEach((p) => list.appendChild(this._row(p, 'lint')));
    if (!this.server.length && !this.lint.length) {
      list.appendChild(el('li', { class: 'list-group-item text-muted problems-empty', text: t('没有发现问题') }));
    }
    const errors = this.server.length + this.lintErrorCount();
    const warnings = this.lint.length - this.lintErrorCount();
    if (this.counter) {
      this.counter.textContent = t('{errors} 个错误，{warnings} 个警告', { errors, warnings });
      this.counter.className = 'badge ' + (errors ? 'text-bg-danger' : warnings ? 'text-bg-warning' : 'text-bg-success');
    }
  }
}
