// Asks the server's sandbox whether an expression or a script compiles (config.compileUrl).
// Results are cached by (mode, source); requests for one field are debounced, and an answer that
// arrives after a newer request for the same field was started is dropped.
import { sendJson } from './api';
import { t } from './translations';

export const DEBOUNCE_MS = 400;

export default class CompileChecker {
  constructor(config) {
    this._url = config && config.compileUrl;
    this._cache = new Map();
    this._pending = new Map(); // fieldKey -> { timer, controller, seq }
    this._seq = 0;
  }

  cached(source, mode) {
    return this._cache.get(mode + '\u0000' + source);
  }

  /**
   * Check `source`; `callback(result)` is called with { ok, message } (or { pending: true } first).
   * `fieldKey` identifies the field so that a newer check supersedes an older one.
   * Returns a function that cancels the check.
   */
  check(fieldKey, source, mode, callback, { immediate = false } = {}) {
    this.cancel(fieldKey);
    source = source == null ? '' : String(source);
    if (!this._url || !source.trim()) {
      callback(null);
      return () => {};
    }
    const cacheKey = mode + '\u0000' + source;
    const hit = this._cache.get(cacheKey);
    if (hit) {
      callback(hit);
      return () => {};
    }
    const seq = ++this._seq;
    const entry = { seq, controller: null, timer: null };
    this._pending.set(fieldKey, entry);
    callback({ pending: true });
    const run = () => {
      entry.timer = null;
      entry.controller = typeof AbortController !== 'undefined' ? new AbortController() : null;
      sendJson(this._url, { source, mode }, [ 400, 422 ], entry.controller && entry.controller.signal)
        .then(({ status, body }) => {
          if (!body || typeof body !== 'object' || !('ok' in body)) {
            // not an answer from the sandbox (a CSRF failure, a proxy error page...): do not cache
            const message = (body && body.error && body.error.message) || ('HTTP ' + status);
            return { ok: false, unavailable: true, message: t('无法检查：{error}', { error: message }) };
          }
          const result = { ok: !!body.ok, message: body.message || '' };
          this._cache.set(cacheKey, result);
          return result;
        }, (err) => {
          if (err && err.name === 'AbortError') return null;
          return { ok: false, unavailable: true, message: t('无法检查：{error}', { error: (err && err.message) || String(err) }) };
        })
        .then((result) => {
          const current = this._pending.get(fieldKey);
          if (!result || !current || current.seq !== seq) return;
          this._pending.delete(fieldKey);
          callback(result);
        });
    };
    if (immediate) run();
    else entry.timer = setTimeout(run, DEBOUNCE_MS);
    return () => this.cancel(fieldKey);
  }

  cancel(fieldKey) {
    const entry = this._pending.get(fieldKey);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.controller) entry.controller.abort();
    this._pending.delete(fieldKey);
  }
}

CompileChecker.$inject = [ 'config.chengxin' ];
