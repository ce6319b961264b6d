// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// agentgate dashboard: plain JS over the JSON API (docs/dashboard.md). Record contents come
// from confined agents (paths, commands): they only ever reach the page as textContent.
'use strict';

const PAGE = 100;
const state = { offset: 0, total: 0, filters: {}, liveAfter: null };
const $ = (id) => document.getElementById(id);

// Characters that hide or reorder text (control characters, bidi overrides and isolates,
// zero-width ones: an agent's '/tmp/\u202etxt.hsab' reads as '/tmp/bash.txt') are shown as the
// \xHH of their UTF-8 bytes, as `audit tail --text` shows them; keepLines keeps '\n'.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;
const utf8 = new TextEncoder();
function visible(s, keepLines) {
  return String(s).replace(HIDDEN, (c) => keepLines && c === '\n' ? c :
    Array.from(utf8.encode(c), (b) => '\\x' + b.toString(16).padStart(2, '0')).join(''));
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = visible(text);
  if (cls) e.className = cls;
  return e;
}

async function api(path, params) {
  const qs = new URLSearchParams(params || {}).toString();
  const r = await fetch('/api/' + path + (qs ? '?' + qs : ''), { credentials: 'same-origin' });
  const body = await r.json().catch(() => ({ error: 'not JSON (HTTP ' + r.status + ')' }));
  if (!r.ok) throw Object.assign(new Error(body.error || 'HTTP ' + r.status), { status: r.status });
  return body;
}

// A member NAME may be NAME_b64 (bytes that are not UTF-8, docs/audit.md).
function member(rec, name) {
  if (rec[name] !== undefined) return String(rec[name]);
  if (rec[name + '_b64'] !== undefined) {
    const bin = atob(rec[name + '_b64']);
    return Array.from(bin, (c) => {
      const b = c.charCodeAt(0);
      return b >= 0x20 && b < 0x7f ? c : '\\x' + b.toString(16).padStart(2, '0');
    }).join('');
  }
  return '';
}

function objectOf(rec) {
  for (const k of ['path', 'command']) {
    const v = member(rec, k);
    if (v) return v;
  }
  const ip = member(rec, 'ip'), dom = member(rec, 'domain');
  if (ip) return ip + (rec.port !== undefined ? ':' + rec.port : '') + (dom ? ' (' + dom + ')' : '');
  if (dom) return dom;
  switch (rec.type) {
    case 'gap': return rec.lost + ' events lost';
    case 'lifecycle': return member(rec, 'what') + ' ' + member(rec, 'detail');
    case 'seal': return 'seal (' + rec.reason + ')';
    case 'genesis': return 'log ' + rec.log_id + ' file ' + rec.file;
    case 'torn': return rec.bytes + ' bytes of an interrupted record';
    case 'malformed': return rec.line;
  }
  return '';
}

function recordRow(rec) {
  const tr = el('tr');
  const dec = rec.decision || '';
  tr.className = rec.type === 'malformed' ? 'malformed' :
    dec === 'DENY' ? (rec.mode === 'simulate' ? 'deny simulate' : 'deny') :
    dec === 'ALLOW' ? 'allow' : 'other';
  tr.dataset.seq = rec.seq !== undefined ? rec.seq : '';
  const cells = [
    [rec.seq !== undefined ? rec.seq : '?', 'seq'],
    [(rec.time || '').replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1Z'), 'time'],
    [rec.type, 'type'],
    [member(rec, 'agent') + (rec.container_name ? ' [' + member(rec, 'container_name') + ']' : ''), 'agent'],
    [rec.action || '', 'action'],
    [objectOf(rec), 'obj'],
    [dec + (rec.mode === 'simulate' && dec === 'DENY' ? ' (simulate)' : ''), 'decision'],
    [rec.rule !== undefined ? rec.rule : '', 'rule'],
    [member(rec, 'reason') || (dec === 'DENY' ? '—' : ''), 'reason'],
    [member(rec, 'policy'), 'policy'],
  ];
  for (const [text, cls] of cells) tr.appendChild(el('td', text, cls));
  return tr;
}

function filterParams() {
  const p = {};
  for (const [k, v] of Object.entries(state.filters)) if (v) p[k] = v;
  return p;
}

function showError(id, msg) {
  const e = $(id);
  e.textContent = msg || '';
  e.hidden = !msg;
}

async function loadRecords() {
  const body = await api('records', Object.assign(filterParams(), { offset: state.offset, limit: PAGE }));
  const tb = $('records').tBodies[0];
  tb.replaceChildren(...body.records.map(recordRow));
  state.total = body.total;
  const first = body.total ? state.offset + 1 : 0;
  $('page-info').textContent = first + '–' + (state.offset + body.records.length) + ' of ' + body.total +
    ' (newest first)';
  $('prev').disabled = state.offset === 0;
  $('next').disabled = state.offset + PAGE >= body.total;
}

async function loadSummary() {
  const s = await api('summary', filterParams());
  const tb = $('agents').tBodies[0];
  const list = $('agent-list');
  tb.replaceChildren();
  for (const a of s.agents) {
    const tr = el('tr');
    const name = el('td', a.agent || '(none)', 'agent');
    name.addEventListener('click', () => { $('f-agent').value = a.agent; apply(); });
    tr.append(name, el('td', a.allow), el('td', a.deny, a.deny ? 'deny' : ''));
    tr.appendChild(el('td', Object.entries(a.actions).map(([k, v]) => k + ' ' + v.allow + '/' + v.deny).join(', ')));
    tb.appendChild(tr);
    if (!Array.from(list.options).some((o) => o.value === a.agent)) {
      const o = el('option');
      o.value = a.agent;
      list.appendChild(o);
    }
  }
  const top = $('top-denied');
  top.replaceChildren();
  for (const [kind, items] of Object.entries(s.top_denied || {})) {
    top.appendChild(el('h4', kind + 's'));
    const ol = el('ol');
    for (const [obj, n] of items) ol.appendChild(el('li', obj + ' — ' + n + '×'));
    top.appendChild(ol);
  }
  if (!top.childNodes.length) top.appendChild(el('p', 'nothing denied', 'dim'));
}

async function loadTimeline() {
  const t = await api('timeline', Object.assign(filterParams(), { buckets: 60 }));
  const c = $('timeline');
  const ctx = c.getContext('2d');
  const n = t.allow.length;
  const max = Math.max(1, ...t.allow.map((a, i) => a + t.deny[i]));
  ctx.clearRect(0, 0, c.width, c.height);
  const w = c.width / n, h = c.height - 4;
  for (let i = 0; i < n; i++) {
    const ha = (t.allow[i] / max) * h, hd = (t.deny[i] / max) * h;
    ctx.fillStyle = '#4caf6a';
    ctx.fillRect(i * w + 1, c.height - ha, w - 2, ha);
    ctx.fillStyle = '#d64545';
    ctx.fillRect(i * w + 1, c.height - ha - hd, w - 2, hd);
  }
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  $('timeline-range').textContent = t.start ? 'from ' + t.start + ', ' + n + ' buckets of ' +
    t.bucket_ms + ' ms; ' + sum(t.allow) + ' allowed, ' + sum(t.deny) + ' denied (peak ' + max + ')' :
    'no decisions';
  c.dataset.allowed = sum(t.allow);
  c.dataset.denied = sum(t.deny);
}

async function loadVerify() {
  const badge = $('verify-badge');
  const dl = $('verify');
  let v;
  try {
    v = await api('verify');
  } catch (e) {
    badge.textContent = 'verify: ' + e.message;
    badge.className = 'badge bad';
    return;
  }
  // intact: green; unsealed tail of a log still being written: amber; anything else: red.
  badge.className = 'badge ' + (v.status === 0 ? 'ok' : v.status === 1 ? 'warn' : 'bad');
  badge.textContent = 'chain: ' + v.verdict;
  badge.dataset.status = v.status;
  dl.replaceChildren();
  const rows = [['verdict', v.verdict + ' (audit verify status ' + v.status + ')'],
    ['records', v.records + (v.records ? ' (seq ' + v.first_seq + '..' + v.last_seq + ')' : '')],
    ['seals verified', v.seals], ['events lost in gaps', v.gaps_lost],
    ['key', v.pubkey_given ? 'the operator\'s (--pubkey)' : 'the log\'s own (no --pubkey given)']];
  if (v.status > 1) rows.push(['first bad seq', v.bad_seq], ['where', v.where]);
  if (v.why) rows.push(['why', v.why]);
  if (v.note) rows.push(['note', v.note]);
  for (const [k, val] of rows) dl.append(el('dt', k), el('dd', val));
  const s = await api('records', { type: 'seal,gap,torn,malformed', limit: 50 });
  $('seals').tBodies[0].replaceChildren(...s.records.map((r) => {
    const tr = el('tr', undefined, r.type === 'seal' ? '' : 'deny');
    tr.append(el('td', r.seq !== undefined ? r.seq : '?'), el('td', r.time || ''), el('td', r.type), el('td', objectOf(r)));
    return tr;
  }));
}

function liveLine(rec) {
  const li = el('li', (rec.time || '').slice(11, 23) + ' ' + (rec.decision || rec.type) + ' ' +
    (rec.action || '') + ' ' + objectOf(rec), rec.decision === 'DENY' ? 'deny' : '');
  li.dataset.seq = rec.seq;
  return li;
}

async function pollLive() {
  const state_el = $('live-state');
  try {
    if (state.liveAfter === null) {
      const last = await api('records', { limit: 1 });
      state.liveAfter = last.records.length && last.records[0].seq !== undefined ? last.records[0].seq : -1;
    }
    const params = { limit: 200 };
    if (state.liveAfter >= 0) params.after = state.liveAfter;
    const body = await api('live', params);
    const ul = $('live');
    for (const rec of body.records) {
      if (rec.seq !== undefined && rec.seq > state.liveAfter) state.liveAfter = rec.seq;
      ul.insertBefore(liveLine(rec), ul.firstChild);
    }
    while (ul.childNodes.length > 200) ul.removeChild(ul.lastChild);
    const src = body.source === 'stream' ? (body.connected ? 'stream' : 'stream down: ' + body.why) : 'file';
    state_el.textContent = 'live: ' + src + (body.missed ? ', ' + body.missed + ' missed' : '');
    state_el.className = 'badge ' + (body.source !== 'stream' || body.connected ? 'live-on' : 'warn');
    if (body.records.length) refreshAll(false);
  } catch (e) {
    state_el.textContent = 'live: ' + e.message;
    state_el.className = 'badge bad';
  }
}

async function refreshAll(withVerify) {
  try {
    showError('filter-error', '');
    await Promise.all([loadRecords(), loadSummary(), loadTimeline(), withVerify ? loadVerify() : null]);
    document.body.dataset.loaded = '1';
  } catch (e) {
    showError('filter-error', e.message);
    document.body.dataset.loaded = 'error';
  }
}

function apply(ev) {
  if (ev) ev.preventDefault();
  state.filters = Object.fromEntries(new FormData($('filters')).entries());
  state.offset = 0;
  refreshAll(false);
}

// The learned policy as a person reviews it: what is added, unused, in conflict, then the YAML.
function proposalText(p) {
  const what = r => [r.decision, r.action, r.pattern || r.cidr || '',
    r.ports ? 'ports ' + JSON.stringify(r.ports) : '',
    r.count !== undefined ? '(' + r.count + ' seen)' : '',
    r.risks && r.risks.length ? 'RISK: ' + r.risks.join(', ') : ''].filter(Boolean).join(' ');
  const lines = [];
  (p.add || []).forEach(r => lines.push('+ ' + what(r)));
  (p.unused || []).forEach(r => lines.push('- unused: ' + what(r)));
  (p.conflicts || []).forEach(c => lines.push('! conflict: ' + what(c.rule || c) +
    (c.denied_by ? ' denied by ' + (typeof c.denied_by === 'string' ? c.denied_by : JSON.stringify(c.denied_by)) : '')));
  return (lines.length ? lines.join('\n') : 'nothing to add') + '\n\n' + (p.yaml || '');
}

async function propose(ev) {
  ev.preventDefault();
  $('proposal').textContent = '';
  try {
    const p = await api('proposal', { agent: $('p-agent').value });
    showError('proposal-error', '');
    $('proposal').textContent = visible(proposalText(p), true);
  } catch (e) {
    showError('proposal-error', e.message + ' (HTTP ' + e.status + ')');
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  $('filters').addEventListener('submit', apply);
  $('clear').addEventListener('click', () => { $('filters').reset(); apply(); });
  $('prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); loadRecords(); });
  $('next').addEventListener('click', () => { state.offset += PAGE; loadRecords(); });
  $('proposal-form').addEventListener('submit', propose);
  try {
    const info = await api('info');
    $('log-name').textContent = info.log + ' — ' + info.records + ' records in ' + info.files + ' file(s)';
  } catch (e) {
    $('log-name').textContent = e.message;
  }
  await refreshAll(true);
  setInterval(pollLive, 1500);
  setInterval(loadVerify, 15000);
  pollLive();
});
