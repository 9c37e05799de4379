// The inspector page: reads the control plane (/__mock/...) and the
// inspector routes (/__mock/inspect/...) once a second and renders the
// current view. Every change it makes goes through the control routes tests
// use. DOM is built with createElement only, so no value from the mock is
// ever parsed as HTML.
'use strict';

const POLL_MS = 1000;
const VIEWS = ['apps', 'users', 'tokens', 'outbox', 'requests', 'clock'];
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const TIME_CLAIMS = new Set(['iat', 'exp', 'nbf', 'mfa_at', 'auth_time']);

const state = {
  view: 'apps',
  live: true,
  apps: [],
  app: '',          // selected app slug on the users view
  query: '',
  userId: '',       // user whose detail is open
  token: '',        // token on the tokens view
  openRequests: new Set(),
  clock: null,
};

// ---- small helpers -------------------------------------------------------

const $ = (id) => document.getElementById(id);

// h builds an element: h('td', {class: 'num', onclick: fn}, child, ...).
function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const kid of kids) {
    if (kid === null || kid === undefined || kid === false) continue;
    if (Array.isArray(kid)) append(el, kid);
    else el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    const why = data && data.detail ? data.detail : (data && data.error) || res.statusText;
    const err = new Error(why);
    err.status = res.status;
    throw err;
  }
  return data;
}

let toastTimer = 0;
function toast(message, bad) {
  const el = $('toast');
  el.textContent = message;
  el.classList.toggle('bad', !!bad);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.textContent = ''; }, bad ? 8000 : 4000);
}

// act runs a control-plane action, reports failure, and refreshes.
async function act(fn, done) {
  try {
    const result = await fn();
    if (done) toast(typeof done === 'function' ? done(result) : done);
  } catch (err) {
    toast(err.message, true);
  }
  await refresh();
}

// paint replaces el's content only when data changed, so polling keeps
// focus, scroll and selection still while nothing happens.
function paint(el, data, render) {
  const key = JSON.stringify(data);
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.replaceChildren(...[].concat(render(data)));
}

function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

// rel words the distance from the mock clock's now to iso.
function rel(iso, nowIso) {
  if (!iso || !nowIso) return '';
  const s = Math.round((new Date(iso) - new Date(nowIso)) / 1000);
  const a = Math.abs(s);
  let txt;
  if (a < 60) txt = a + ' s';
  else if (a < 3600) txt = Math.round(a / 60) + ' min';
  else if (a < 86400 * 2) txt = (a / 3600).toFixed(a < 36000 ? 1 : 0) + ' h';
  else txt = Math.round(a / 86400) + ' days';
  return s >= 0 ? 'in ' + txt : txt + ' ago';
}

function timeCell(iso) {
  if (!iso) return '—';
  return h('time', { datetime: iso, title: rel(iso, state.clock && state.clock.now) }, fmtTime(iso));
}

function badge(text, kind) { return h('span', { class: 'badge ' + (kind || '') }, text); }

// answeredBy marks an answer that is not the operation's own: an injected
// fault or a Prefer header chose it, so nobody mistakes it for the mock's
// behaviour.
function answeredBy(e) {
  if (e.answered_by === 'fault') {
    return [' ', h('span', { class: 'badge warn', title: 'answered by injected fault ' + (e.fault_id || '') }, 'fault')];
  }
  if (e.answered_by === 'prefer') {
    const pref = (e.request_headers && (e.request_headers.Prefer || e.request_headers.prefer)) || 'Prefer header';
    return [' ', h('span', { class: 'badge info', title: 'chosen by ' + pref }, 'Prefer')];
  }
  return null;
}

function statusBadge(status) {
  const kind = status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'ok';
  return badge(String(status), kind);
}

// table renders rows under columns [{label, cell(row), class}]; rowProps
// gives each tr its attributes, after(row) an optional row that follows.
function table(caption, columns, rows, opts = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, opts.empty || 'Nothing yet.');
  const body = h('tbody');
  for (const row of rows) {
    const tr = h('tr', opts.rowProps ? opts.rowProps(row) : {});
    for (const col of columns) {
      // One wrapper per cell keeps the cell a single block when narrow
      // screens lay each td out as a label/value pair.
      tr.append(h('td', { class: col.class, 'data-label': col.label }, h('div', {}, col.cell(row))));
    }
    body.append(tr);
    if (opts.after) {
      const extra = opts.after(row, columns.length);
      if (extra) body.append(extra);
    }
  }
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'stack' },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      body));
}

function kv(obj) {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of Object.entries(obj)) {
    let shown;
    if (v === null || v === undefined || v === '') shown = h('span', { class: 'muted' }, '—');
    else if (Array.isArray(v) && v.some((x) => x instanceof Node)) shown = h('span', {}, v);
    else if (Array.isArray(v)) shown = v.length ? v.join(', ') : h('span', { class: 'muted' }, 'none');
    else if (typeof v === 'boolean') shown = v ? badge('yes', 'ok') : badge('no');
    else if (v instanceof Node) shown = v;
    else if (typeof v === 'object') shown = h('code', {}, JSON.stringify(v));
    else if (typeof v === 'string' && ISO_TIME.test(v)) shown = timeCell(v);
    else shown = String(v);
    dl.append(h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, shown));
  }
  return dl;
}

function pretty(value) {
  if (value === undefined || value === null || value === '') return null;
  return h('pre', { class: 'json', tabindex: '0' }, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

// jwtsIn finds JWT-shaped strings in a journaled body.
function jwtsIn(value, out = []) {
  if (typeof value === 'string') {
    if (/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/.test(value)) out.push(value);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) jwtsIn(v, out);
  }
  return out;
}

// violation splits a journaled validation message ("body.user.id: must be
// a string", "response 200 body.id: is required") into where and rule, the
// location turned into a JSON pointer within the request or response part.
function violation(side, message) {
  const m = /^(?:response (\d{3}) )?(body|query|path|header|cookie)((?:\.[^:\s]+)*): (.*)$/s.exec(message);
  if (!m) return { side, part: '', pointer: '', rule: message };
  const segs = m[3] ? m[3].slice(1).split('.') : [];
  const pointer = '/' + segs.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return { side, part: m[2], pointer: segs.length ? pointer : '(whole ' + m[2] + ')', rule: m[4] };
}

function decodeToken(token) {
  state.token = token;
  $('token-input').value = token;
  location.hash = '#tokens';
  checkToken();
}

// ---- views ---------------------------------------------------------------

async function refreshClock() {
  const c = await api('GET', '/__mock/clock');
  state.clock = c;
  $('clock-now').textContent = fmtTime(c.now);
  $('clock-frozen').textContent = c.frozen ? 'frozen' : '';
  $('clock-big').textContent = fmtTime(c.now);
  $('clock-big').setAttribute('datetime', c.now);
  $('clock-state').textContent = c.frozen ? 'Frozen: time stands still until advanced or unfrozen.' : 'Running: follows the wall clock plus any offset.';
  const fz = $('clock-freeze');
  fz.setAttribute('aria-pressed', String(c.frozen));
  fz.textContent = c.frozen ? 'Unfreeze' : 'Freeze';
}

async function loadApps() {
  try {
    state.apps = await api('GET', '/__mock/inspect/apps');
  } catch (err) {
    state.apps = [];
    state.appsError = err.message;
    return;
  }
  state.appsError = '';
  if (!state.app || !state.apps.some((a) => a.slug === state.app)) state.app = state.apps.length ? state.apps[0].slug : '';
  for (const sel of [$('user-app'), $('req-app')]) {
    const want = state.apps.map((a) => a.slug);
    const keepAny = sel.id === 'req-app';
    const have = [...sel.options].map((o) => o.value).filter((v) => !(keepAny && v === ''));
    if (JSON.stringify(want) !== JSON.stringify(have)) {
      const current = sel.value;
      sel.replaceChildren(...(keepAny ? [h('option', { value: '' }, 'any')] : []),
        ...state.apps.map((a) => h('option', { value: a.slug }, a.display_name + ' (' + a.slug + ')')));
      sel.value = want.includes(current) || (keepAny && current === '') ? current : (keepAny ? '' : state.app);
    }
  }
  if ($('user-app').value !== state.app) $('user-app').value = state.app;
}

function renderApps() {
  if (state.appsError) {
    paint($('apps-list'), state.appsError, (e) => h('p', { class: 'empty' }, e));
    return;
  }
  paint($('apps-list'), state.apps, (apps) => apps.map((a) => h('article', { class: 'panel', 'aria-labelledby': 'app-' + a.slug },
    h('div', { class: 'app-head' },
      h('h3', { id: 'app-' + a.slug }, a.display_name, ' ', h('code', {}, a.slug), ' ',
        badge(a.status, a.status === 'active' ? 'ok' : 'warn')),
      h('button', { class: 'btn ghost small', type: 'button', onclick: () => act(() => api('POST', '/__mock/apps/' + encodeURIComponent(a.slug) + '/keys/rotate'), (r) => 'New signing key ' + r.kid) }, 'Rotate signing key')),
    h('div', { class: 'app-grid' },
      h('div', {}, h('h4', {}, 'App'),
        kv({ id: h('code', {}, a.id), issuer: h('code', {}, a.issuer), created: timeCell(a.created_at), users: a.users,
          live_sessions: a.live_sessions, roles: a.roles,
          providers: a.providers.map((p) => p.provider + (p.enabled ? '' : ' (off)')) }),
        h('h4', {}, 'Signing keys'),
        table(null, [
          { label: 'kid', cell: (k) => h('code', { class: 'nowrap' }, k.kid) },
          { label: 'Created', cell: (k) => timeCell(k.created_at) },
          { label: 'State', cell: (k) => k.signing ? badge('signing', 'ok') : h('span', {}, badge('retired'), ' ', timeCell(k.retired_at)) },
        ], a.signing_keys || [])),
      h('div', {}, h('h4', {}, 'Auth config'), kv(a.auth_config)),
      h('div', {}, h('h4', {}, 'Notifications'), kv(a.notification_settings))))));
}

async function refreshUsers() {
  await loadApps();
  if (!state.app) {
    paint($('users-table'), state.appsError || 'none', () => h('p', { class: 'empty' }, state.appsError || 'No apps.'));
    return;
  }
  const q = new URLSearchParams({ q: state.query, limit: '200' });
  const list = await api('GET', '/__mock/inspect/apps/' + encodeURIComponent(state.app) + '/users?' + q);
  paint($('users-table'), [list, state.userId], () => [
    h('p', { class: 'muted small' }, list.total + (list.total === 1 ? ' user' : ' users') + (state.query ? ' match “' + state.query + '”' : ' in ' + state.app) +
      (list.total > list.users.length ? ', first ' + list.users.length + ' shown' : '')),
    table(null, [
      { label: 'User', cell: (u) => h('button', { type: 'button', class: 'linkish', onclick: () => openUser(u.id), 'aria-label': 'Open user ' + u.username }, u.username) },
      { label: 'Email', cell: (u) => u.email ? [u.email, ' ', u.email_verified ? badge('verified', 'ok') : badge('unverified', 'warn')] : '—' },
      { label: 'Status', cell: (u) => badge(u.status, u.status === 'active' ? 'ok' : 'bad') },
      { label: 'Role', cell: (u) => u.role },
      { label: 'Sessions', cell: (u) => String(u.live_sessions), class: 'num' },
      { label: 'MFA', cell: (u) => u.mfa_factors ? badge(u.mfa_factors + ' on', 'info') : '—' },
    ], list.users, {
      empty: state.query ? 'No user matches.' : 'No users yet: sign one up through the API.',
      rowProps: (u) => u.id === state.userId ? { class: 'selected', 'aria-current': 'true' } : {},
    })]);
  if (!state.userId) {
    paint($('user-detail'), 'none', () => []);
    return;
  }
  let u;
  try {
    u = await api('GET', '/__mock/inspect/apps/' + encodeURIComponent(state.app) + '/users/' + encodeURIComponent(state.userId));
  } catch (err) {
    if (err.status === 404) { state.userId = ''; paint($('user-detail'), 'gone', () => []); return; }
    throw err;
  }
  paint($('user-detail'), [u, state.clock && state.clock.now.slice(0, 16)], () => renderUser(u));
}

function renderUser(u) {
  return [
    h('h3', { id: 'user-heading', tabindex: '-1' }, u.username, ' ', badge(u.status, u.status === 'active' ? 'ok' : 'bad'), ' ', badge(u.role, 'info')),
    kv({ id: h('code', {}, u.id), display_name: u.display_name, created: timeCell(u.created_at), last_used: timeCell(u.last_used_at),
      permissions: u.permissions, failed_logins: u.failed_logins, locked_until: u.locked_until ? timeCell(u.locked_until) : null,
      recovery_codes_left: u.recovery_codes_left, metadata: Object.keys(u.metadata).length ? u.metadata : null }),
    h('h4', {}, 'Contacts'),
    table(null, [
      { label: 'Type', cell: (c) => c.type },
      { label: 'Value', cell: (c) => [c.value, c.is_primary ? [' ', badge('primary', 'info')] : null], class: 'break' },
      { label: 'Verified', cell: (c) => c.verified_at ? timeCell(c.verified_at) : badge('no', 'warn') },
    ], u.contacts, { empty: 'No contacts.' }),
    h('h4', {}, 'Live sessions'),
    table(null, [
      { label: 'Session', cell: (s) => h('code', {}, s.id.slice(0, 8) + '…'), },
      { label: 'Created', cell: (s) => timeCell(s.created_at) },
      { label: 'Expires', cell: (s) => [timeCell(s.expires_at), h('span', { class: 'muted small' }, ' (' + rel(s.expires_at, state.clock && state.clock.now) + ')')] },
      { label: 'AMR', cell: (s) => s.amr.join(', ') },
      { label: 'Token', cell: (s) => s.access_token
        ? h('button', { type: 'button', class: 'btn ghost small', onclick: () => decodeToken(s.access_token), 'aria-label': 'Decode the token of session ' + s.id.slice(0, 8) }, 'Decode token')
        : h('span', { class: 'muted small' }, 'none in journal') },
    ], u.sessions, { empty: 'No live session.' }),
    h('h4', {}, 'MFA factors'),
    table(null, [
      { label: 'Type', cell: (f) => f.type },
      { label: 'Label', cell: (f) => f.label || '—' },
      { label: 'State', cell: (f) => f.enabled ? badge('enabled', 'ok') : badge('pending') },
      { label: 'Created', cell: (f) => timeCell(f.created_at) },
    ], u.factors, { empty: 'No MFA factor.' }),
  ];
}

function openUser(id) {
  state.userId = id;
  refresh().then(() => { const hd = $('user-heading'); if (hd) hd.focus(); });
}

async function checkToken() {
  const out = $('token-result');
  if (!state.token) { paint(out, 'none', () => []); return; }
  const rep = await api('POST', '/__mock/inspect/token', { token: state.token });
  paint(out, rep, renderToken);
}

function claimValue(name, value, now) {
  if (TIME_CLAIMS.has(name) && typeof value === 'number') {
    const iso = new Date(value * 1000).toISOString();
    return [h('code', {}, String(value)), ' ', fmtTime(iso), h('span', { class: 'muted small' }, ' (' + rel(iso, now) + ')')];
  }
  return h('code', {}, typeof value === 'string' ? value : JSON.stringify(value));
}

function renderToken(rep) {
  const verdict = rep.verifies
    ? h('div', { class: 'verdict ok', id: 'token-verdict' }, h('strong', {}, 'Verifies now'),
      h('p', {}, 'Accepted by app ' + rep.app_slug + ' at mock time ' + fmtTime(rep.now) + '.'),
      rep.signature_redacted ? h('p', { class: 'muted small' }, 'Signature not checked: the journal keeps tokens without it. Paste the token your client holds to check it too.') : null)
    : h('div', { class: 'verdict bad', id: 'token-verdict' }, h('strong', {}, 'Refused: ' + rep.reason.replace(/_/g, ' ')),
      h('p', {}, rep.detail),
      rep.reason === 'expired' && rep.session ? h('p', {}, 'Its session is still live: a refresh would issue a new access token.') : null);
  const facts = kv({ app: rep.app_slug || null, issued: rep.issued_at ? timeCell(rep.issued_at) : null,
    expires: rep.expires_at ? [timeCell(rep.expires_at), h('span', { class: 'muted small' }, ' (' + rel(rep.expires_at, rep.now) + ')')] : null,
    session: rep.session ? h('span', {}, h('code', {}, rep.session.id), ' live until ', timeCell(rep.session.expires_at)) : 'not live',
    checked_at: fmtTime(rep.now) });
  const rows = (obj) => Object.entries(obj || {}).map(([k, v]) => ({ k, v }));
  return [verdict, h('div', { class: 'token-cols' },
    h('div', { class: 'panel' }, h('h3', {}, 'Details'), facts,
      h('h4', {}, 'Header'), table(null, [
        { label: 'Field', cell: (r) => h('code', {}, r.k) },
        { label: 'Value', cell: (r) => claimValue(r.k, r.v, rep.now), class: 'break' }], rows(rep.header), { empty: 'Not decodable.' })),
    h('div', { class: 'panel' }, h('h3', {}, 'Claims'), table(null, [
      { label: 'Claim', cell: (r) => h('code', {}, r.k) },
      { label: 'Value', cell: (r) => claimValue(r.k, r.v, rep.now), class: 'break' }], rows(rep.claims), { empty: 'Not decodable.' })))];
}

async function refreshOutbox() {
  const q = new URLSearchParams();
  if ($('outbox-to').value.trim()) q.set('to', $('outbox-to').value.trim());
  if ($('outbox-kind').value) q.set('kind', $('outbox-kind').value);
  let mails;
  try {
    mails = await api('GET', '/__mock/outbox?' + q);
  } catch (err) {
    paint($('outbox-list'), err.message, (m) => h('p', { class: 'empty' }, m));
    return;
  }
  paint($('outbox-list'), mails, () => table(null, [
    { label: 'When', cell: (m) => timeCell(m.created_at) },
    { label: 'Kind', cell: (m) => badge(m.kind.replace(/_/g, ' '), 'info') },
    { label: 'To', cell: (m) => m.to, class: 'break' },
    { label: 'Code', cell: (m) => m.code ? h('span', { class: 'code-big' }, m.code) : '—' },
    { label: 'Link', cell: (m) => m.link ? h('a', { href: m.link, rel: 'noreferrer' }, shortLink(m.link)) : '—', class: 'break' },
    { label: 'App', cell: (m) => m.app_slug },
  ], mails, { empty: 'No mail sent yet.' }));
}

function shortLink(link) {
  try {
    const u = new URL(link);
    const s = u.pathname + u.search;
    return s.length > 60 ? s.slice(0, 57) + '…' : s;
  } catch { return link; }
}

async function refreshRequests() {
  await loadApps();
  const q = new URLSearchParams({ limit: '200' });
  if ($('req-app').value) q.set('app', $('req-app').value);
  if ($('req-status').value) q.set('status', $('req-status').value);
  if ($('req-op').value.trim()) q.set('operation', $('req-op').value.trim());
  if ($('req-method').value) q.set('method', $('req-method').value);
  let entries;
  try {
    entries = await api('GET', '/__mock/requests?' + q);
  } catch (err) {
    paint($('requests-list'), err.message, (m) => h('p', { class: 'empty' }, m));
    return;
  }
  offerOperations(entries);
  paint($('requests-list'), [entries, [...state.openRequests]], () => [
    h('p', { class: 'muted small' }, entries.length + ' requests, newest first'),
    table(null, [
      { label: 'Time', cell: (e) => timeCell(e.at) },
      { label: 'Method', cell: (e) => h('code', {}, e.method) },
      { label: 'Path', cell: (e) => h('code', {}, e.path + (e.query ? '?' + e.query : '')), class: 'break' },
      { label: 'Operation', cell: (e) => e.operation_id || '—' },
      { label: 'Status', cell: (e) => [statusBadge(e.status), answeredBy(e)] },
      { label: 'Duration', cell: (e) => e.duration_ms.toFixed(1) + ' ms', class: 'num' },
      { label: 'Validation', cell: (e) => {
        const n = e.request_errors.length + e.response_errors.length;
        return n ? badge(n + (n === 1 ? ' error' : ' errors'), 'bad') : badge('valid', 'ok');
      } },
      { label: 'Details', cell: (e) => h('button', { type: 'button', class: 'btn ghost small', 'aria-expanded': String(state.openRequests.has(e.id)),
        'aria-controls': 'detail-' + e.id, 'aria-label': 'Details of ' + e.method + ' ' + e.path, onclick: () => toggleRequest(e.id) },
      state.openRequests.has(e.id) ? 'Hide' : 'Show') },
    ], entries, {
      empty: 'No request matches.',
      after: (e, span) => state.openRequests.has(e.id) ? h('tr', { class: 'req-detail', id: 'detail-' + e.id }, h('td', { colspan: String(span) }, requestDetail(e))) : null,
    })]);
}

function toggleRequest(id) {
  if (state.openRequests.has(id)) state.openRequests.delete(id); else state.openRequests.add(id);
  refresh();
}

function requestDetail(e) {
  const issues = [
    ...e.request_errors.map((m) => violation('request', m)),
    ...e.response_errors.map((m) => violation('response', m)),
  ];
  const tokens = [...new Set([...jwtsIn(e.request_body), ...jwtsIn(e.response_body)])];
  return h('div', { class: 'req-detail-body' },
    issues.length ? table('Validation errors', [
      { label: 'Side', cell: (v) => badge(v.side, v.side === 'response' ? 'bad' : 'warn') },
      { label: 'In', cell: (v) => v.part || '—' },
      { label: 'JSON pointer', cell: (v) => v.pointer ? h('code', {}, v.pointer) : '—' },
      { label: 'Rule', cell: (v) => v.rule },
    ], issues) : h('p', { class: 'muted' }, 'Request and response match the spec.'),
    tokens.length ? h('div', { class: 'actions' }, tokens.map((t, i) => h('button', { type: 'button', class: 'btn small', onclick: () => decodeToken(t) },
      'Decode token ' + (tokens.length > 1 ? i + 1 : '')))) : null,
    h('details', {}, h('summary', {}, 'Request headers'), pretty(e.request_headers)),
    e.request_body ? h('details', { open: true }, h('summary', {}, 'Request body'), pretty(e.request_body)) : null,
    e.response_body ? h('details', { open: true }, h('summary', {}, 'Response body'), pretty(e.response_body)) : null);
}

// loadPaths offers the spec's path templates to the fault form.
async function loadPaths() {
  try {
    const cov = await api('GET', '/__mock/coverage');
    const paths = [...new Set((cov.operations || []).map((o) => o.path))].sort();
    $('path-list').replaceChildren(...paths.map((p) => h('option', { value: p })));
  } catch { /* the datalist is a convenience */ }
}

// offerOperations fills the operation datalist from the ids the journal
// has seen, which are the ones a person filters or faults on.
function offerOperations(entries) {
  const list = $('op-list');
  const have = new Set([...list.options].map((o) => o.value));
  for (const e of entries) {
    if (e.operation_id && !have.has(e.operation_id)) {
      have.add(e.operation_id);
      list.append(h('option', { value: e.operation_id }));
    }
  }
}

async function loadHealth() {
  try {
    const hl = await api('GET', '/__mock/health');
    const spec = hl.spec || {};
    $('spec-line').textContent = (spec.title || 'spec') + ' ' + (spec.version || '') + ' · ' + spec.operations + ' operations · ' + (hl.base_url || '');
  } catch (err) {
    $('spec-line').textContent = 'health: ' + err.message;
  }
}

async function refreshFaults() {
  const list = await api('GET', '/__mock/faults');
  paint($('faults-list'), list, () => table(null, [
    { label: 'Matches', cell: (f) => h('code', {}, f.operation_id || (f.method + ' ' + f.path)) },
    { label: 'Effect', cell: (f) => [f.drop_connection ? 'drop connection' : (f.status ? 'status ' + f.status : 'pass through'),
      f.delay_ms ? ', +' + f.delay_ms + ' ms' : ''].join('') },
    { label: 'Left', cell: (f) => f.times ? String(f.times) : 'always', class: 'num' },
    { label: 'Hits', cell: (f) => String(f.hits), class: 'num' },
    { label: 'Remove', cell: (f) => h('button', { type: 'button', class: 'btn ghost small danger', 'aria-label': 'Remove fault ' + (f.operation_id || f.path),
      onclick: () => act(() => api('DELETE', '/__mock/faults/' + encodeURIComponent(f.id)), 'Fault removed') }, 'Remove') },
  ], list, { empty: 'No fault is active: every call behaves.' }));
}

// ---- refresh loop ----------------------------------------------------------

// refresh runs one update at a time; a call during an update queues one
// more, so an action's result always shows, while ticks just skip.
let current = null;
let queued = null;
function refresh() {
  if (!current) {
    current = update().finally(() => { current = null; });
    return current;
  }
  if (!queued) queued = current.then(() => { queued = null; return refresh(); });
  return queued;
}

async function update() {
  try {
    await refreshClock();
    switch (state.view) {
      case 'apps': await loadApps(); renderApps(); break;
      case 'users': await refreshUsers(); break;
      case 'tokens': await checkToken(); break;
      case 'outbox': await refreshOutbox(); break;
      case 'requests': await refreshRequests(); break;
      case 'clock': await refreshFaults(); break;
    }
    document.body.dataset.updated = state.clock ? state.clock.now : '';
  } catch (err) {
    toast(err.message, true);
  }
}

function showView() {
  const want = (location.hash || '#apps').slice(1);
  state.view = VIEWS.includes(want) ? want : 'apps';
  for (const v of VIEWS) $('view-' + v).hidden = v !== state.view;
  for (const a of document.querySelectorAll('.views a')) {
    if (a.getAttribute('href') === '#' + state.view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = $('h-' + state.view).textContent + ' · Inspector · heimdall-mock';
  refresh();
}

function wire() {
  window.addEventListener('hashchange', () => {
    showView();
    $('h-' + state.view).focus();
  });
  $('live-toggle').addEventListener('click', (ev) => {
    state.live = !state.live;
    ev.currentTarget.setAttribute('aria-pressed', String(state.live));
    ev.currentTarget.textContent = state.live ? 'Live updates on' : 'Live updates paused';
  });
  $('user-app').addEventListener('change', (ev) => { state.app = ev.target.value; state.userId = ''; refresh(); });
  let searchTimer = 0;
  $('user-q').addEventListener('input', (ev) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.query = ev.target.value.trim(); refresh(); }, 200);
  });
  $('user-search').addEventListener('submit', (ev) => { ev.preventDefault(); state.query = $('user-q').value.trim(); refresh(); });
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = $('token-input').value.trim();
    refresh();
  });
  $('token-clear').addEventListener('click', () => { state.token = ''; $('token-input').value = ''; refresh(); });
  for (const id of ['outbox-to', 'outbox-kind', 'req-app', 'req-status', 'req-op', 'req-method']) {
    $(id).addEventListener('input', () => refresh());
  }
  for (const id of ['outbox-filters', 'request-filters']) $(id).addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
  $('outbox-clear').addEventListener('click', () => act(() => api('DELETE', '/__mock/outbox'), 'Outbox cleared'));
  $('req-clear').addEventListener('click', () => act(() => api('DELETE', '/__mock/requests'), 'Journal cleared'));
  // Reset wipes what tests are relying on, so it asks first.
  $('reset-open').addEventListener('click', () => $('reset-dialog').showModal());
  $('reset-dialog').addEventListener('close', () => {
    if ($('reset-dialog').returnValue !== 'reset') return;
    act(() => api('POST', '/__mock/reset'), 'Mock reset to its start');
  });

  const clockDone = (c) => 'Mock clock now ' + fmtTime(c.now);
  $('clock-advance').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const by = $('advance-by').value.trim();
    act(() => api('POST', '/__mock/clock', { advance: by }), clockDone);
  });
  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener('click', () => act(() => api('POST', '/__mock/clock', { advance: b.dataset.advance }), clockDone));
  }
  $('clock-set').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(() => api('POST', '/__mock/clock', { set: $('set-to').value.trim() }), clockDone);
  });
  $('clock-freeze').addEventListener('click', () => {
    const frozen = !(state.clock && state.clock.frozen);
    act(() => api('POST', '/__mock/clock', { freeze: frozen }), frozen ? 'Clock frozen' : 'Clock running');
  });
  $('fault-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = {};
    const op = $('fault-op').value.trim();
    if (op) f.operation_id = op;
    if ($('fault-method').value) f.method = $('fault-method').value;
    if ($('fault-path').value.trim()) f.path = $('fault-path').value.trim();
    for (const [id, key] of [['fault-status', 'status'], ['fault-delay', 'delay_ms'], ['fault-times', 'times']]) {
      if ($(id).value !== '') f[key] = Number($(id).value);
    }
    if ($('fault-drop').checked) f.drop_connection = true;
    const body = $('fault-body').value.trim();
    if (body) {
      try { f.body = JSON.parse(body); } catch (err) { toast('Body is not JSON: ' + err.message, true); return; }
    }
    act(() => api('POST', '/__mock/faults', f), (added) => 'Fault ' + added.id + ' added');
  });
  $('faults-clear').addEventListener('click', () => act(() => api('DELETE', '/__mock/faults'), 'All faults removed'));
}

wire();
loadHealth();
loadPaths();
showView();
setInterval(() => {
  if (state.live && !document.hidden && !current) refresh();
}, POLL_MS);
