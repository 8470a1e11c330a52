// Talking to the server: CSRF header on every write, JSON errors turned into readable messages.
import { t } from './translations';

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

export class HttpError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

async function parseBody(response) {
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      return await response.json();
    } catch (e) {
      return null;
    }
  }
  return await response.text();
}

function messageOf(status, body) {
  if (body && typeof body === 'object') {
    if (body.error && body.error.message) return body.error.message;
    if (body.message) return body.message;
  }
  if (status === 400 && typeof body === 'string' && /CSRF/i.test(body)) {
    return t('页面已过期（CSRF 校验失败），请刷新页面后重试');
  }
  if (status === 401 || status === 403) return t('没有权限，或登录已过期（HTTP {status}）', { status });
  if (status === 413) return t('文件太大（HTTP 413）');
  return t('服务器错误（HTTP {status}）', { status });
}

/**
 * fetch() wrapper. Resolves with { status, body } for 2xx and for the statuses listed in
 * `accept` (e.g. 422 carrying problems); throws HttpError otherwise.
 */
export async function request(url, { method = 'GET', body, contentType, accept = [], signal } = {}) {
  const headers = { 'Accept': 'application/json, application/xml;q=0.9, */*;q=0.5' };
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
  if (contentType) headers['Content-Type'] = contentType;
  let response;
  try {
    response = await fetch(url, { method, body, headers, credentials: 'same-origin', signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new HttpError(t('无法连接服务器：{error}', { error: (err && err.message) || String(err) }), 0, null);
  }
  const parsed = await parseBody(response);
  if (response.ok || accept.includes(response.status)) {
    return { status: response.status, body: parsed };
  }
  throw new HttpError(messageOf(response.status, parsed), response.status, parsed);
}

export function getText(url) {
  return request(url).then(({ body }) => (typeof body === 'string' ? body : JSON.stringify(body)));
}

export function sendXml(url, method, xml, accept) {
  return request(url, { method, body: xml, contentType: 'application/xml', accept });
}

export function sendJson(url, data, accept, signal) {
  return request(url, { method: 'POST', body: JSON.stringify(data), contentType: 'application/json', accept, signal });
}
