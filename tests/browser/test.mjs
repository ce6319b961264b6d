// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// The dashboard's page in headless Chromium (run by run.sh, which starts the dashboards and
// passes their URLs and tokens in the environment). Prints "ok - NAME" / "not ok - NAME: WHY".
import http from 'node:http';
import puppeteer from 'puppeteer-core';

const env = process.env;
const shots = env.SHOTS;
let failed = 0;

function ok(name) { console.log('ok - browser: ' + name); }
function notOk(name, why) { failed++; console.log('not ok - browser: ' + name + ': ' + String(why).replace(/\n/g, ' ')); }
async function test(name, fn) {
  try {
    await fn();
    ok(name);
  } catch (e) {
    notOk(name, e && e.message ? e.message : e);
  }
}
function assert(cond, why) { if (!cond) throw new Error(why); }

// A plain HTTP GET (TCP or unix socket): { status, body }.
function get(url, { token, socketPath } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, socketPath,
      headers: token ? { Authorization: 'Bearer ' + token } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function open(browser, url, token) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1100 });
  await page.goto(url + '/?token=' + token, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-loaded]', { timeout: 20000 });
  await page.waitForFunction(() => !/verifying/.test(document.getElementById('verify-badge').textContent),
    { timeout: 20000 });
  return page;
}

const rows = (page) => page.$$eval('#records tbody tr', (trs) => trs.map((tr) => ({
  cls: tr.className, cells: Array.from(tr.cells, (td) => td.textContent) })));
const badge = (page) => page.$eval('#verify-badge', (b) => ({ cls: b.className, text: b.textContent }));

const browser = await puppeteer.launch({ executablePath: env.CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  await test('a request without the token gets 401 and nothing else', async () => {
    for (const path of ['/', '/app.js', '/api/records', '/api/verify']) {
      const r = await get(env.GOOD_URL + path);
      assert(r.status === 401, path + ': HTTP ' + r.status);
      assert(!r.body.includes('seq'), path + ': the body carries records');
    }
  });
  await test('a wrong token gets 401', async () => {
    const r = await get(env.GOOD_URL + '/api/records', { token: env.GOOD_TOKEN.replace(/^./, (c) => c === 'a' ? 'b' : 'a') });
    assert(r.status === 401, 'HTTP ' + r.status);
    const q = await get(env.GOOD_URL + '/?token=' + 'f'.repeat(64));
    assert(q.status === 401, '?token=: HTTP ' + q.status);
  });
  await test('the page loads nothing from elsewhere (CSP self only)', async () => {
    const r = await get(env.GOOD_URL + '/', { token: env.GOOD_TOKEN });
    assert(r.status === 200, 'HTTP ' + r.status);
    assert(/default-src 'none'/.test(r.headers['content-security-policy']), 'no CSP');
    assert(!/https?:\/\//.test(r.body), 'the page names an outside URL');
  });

  const page = await open(browser, env.GOOD_URL, env.GOOD_TOKEN);
  await test('the token in the URL becomes a cookie and leaves the URL', async () => {
    assert(!page.url().includes('token='), page.url());
    const cookies = await page.cookies();
    const c = cookies.find((x) => x.name === 'agentgate_token');
    assert(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
  });
  await test('records of the recorded log are rows, newest first', async () => {
    const r = await rows(page);
    const total = Number(env.GOOD_RECORDS);
    assert(r.length === Math.min(100, total), r.length + ' rows');
    assert(Number(r[0].cells[0]) === total - 1 && Number(r[1].cells[0]) === total - 2, 'first seqs ' + r[0].cells[0]);
    const info = await page.$eval('#page-info', (e) => e.textContent);
    assert(info.includes('of ' + total), info);
  });
  await test('a deny is shown with its rule and reason (policy no longer on disk)', async () => {
    const r = await rows(page);
    const d = r.find((x) => x.cls.includes('deny') && x.cells[5] === '/etc/shadow');
    assert(d, 'no deny row for /etc/shadow');
    assert(d.cells[6] === 'DENY' && d.cells[7] === '0' && d.cells[8] === 'secrets stay on the host' &&
      d.cells[9] === 'fixture-secrets', JSON.stringify(d.cells));
  });
  await test('the verify badge is green for the intact log', async () => {
    const b = await badge(page);
    assert(b.cls.includes('ok') && b.text.includes('intact'), JSON.stringify(b));
    const seals = await page.$$eval('#seals tbody tr', (t) => t.map((r) => r.cells[2].textContent));
    assert(seals.filter((s) => s === 'seal').length >= 3, 'seals listed: ' + seals);
  });
  await page.screenshot({ path: shots + '/dashboard.png', fullPage: false });
  await test('per-agent summary and top denied', async () => {
    const agents = await page.$$eval('#agents tbody tr', (t) => t.map((r) => r.cells[0].textContent));
    assert(agents.length === 2, 'agents ' + agents);
    const top = await page.$eval('#top-denied', (e) => e.textContent);
    assert(top.includes('pastebin.com') && top.includes('/etc/shadow'), top);
    const t = await page.$eval('#timeline', (c) => ({ a: Number(c.dataset.allowed), d: Number(c.dataset.denied) }));
    assert(t.d === Number(env.GOOD_DENIED) && t.a > 0, JSON.stringify(t));
  });
  await test('the decision filter applies server-side', async () => {
    await page.select('#f-decision', 'deny');
    await page.click('#apply');
    await page.waitForFunction((n) => document.getElementById('page-info').textContent.includes('of ' + n),
      { timeout: 10000 }, env.GOOD_DENIED);
    const r = await rows(page);
    assert(r.length === Number(env.GOOD_DENIED) && r.every((x) => x.cls.includes('deny')), r.map((x) => x.cls).join());
  });
  await page.screenshot({ path: shots + '/dashboard-denied.png', fullPage: false });
  await test('action, agent and text filters narrow the rows', async () => {
    await page.select('#f-action', 'network');
    await page.type('#f-q', 'pastebin');
    await page.click('#apply');
    await page.waitForFunction(() => document.querySelectorAll('#records tbody tr').length > 0 &&
      Array.from(document.querySelectorAll('#records tbody tr')).every((tr) => tr.cells[4].textContent === 'network'),
    { timeout: 10000 });
    const r = await rows(page);
    assert(r.every((x) => x.cells[5].includes('pastebin')), JSON.stringify(r.map((x) => x.cells[5])));
    await page.click('#clear');
    await page.type('#f-agent', '/agentgate/exec-231');
    await page.click('#apply');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#records tbody tr'))
      .every((tr) => tr.cells[3].textContent === '/agentgate/exec-231'), { timeout: 10000 });
    assert((await rows(page)).length === 2, 'rows for the agent: ' + (await rows(page)).length);
  });
  await test('a bad time filter is a clear error, not a crash', async () => {
    await page.click('#clear');
    await page.type('#f-from', 'yesterday');
    await page.click('#apply');
    await page.waitForSelector('#filter-error:not([hidden])', { timeout: 10000 });
    const e = await page.$eval('#filter-error', (x) => x.textContent);
    assert(e.includes('RFC 3339'), e);
    const r = await get(env.GOOD_URL + '/api/records?limit=5000', { token: env.GOOD_TOKEN });
    assert(r.status === 400 && JSON.parse(r.body).error.includes('limit'), r.status + ' ' + r.body);
  });
  await test('the proposal panel shows the policy learn proposes for one agent', async () => {
    await page.type('#p-agent', '/agentgate/exec-211');
    await page.click('#proposal-form button');
    await page.waitForFunction(() => document.querySelector('#proposal').textContent.includes('rules:'),
      { timeout: 60000 });
    const t = await page.$eval('#proposal', (x) => x.textContent);
    assert(/^\+ allow file_read /im.test(t), t.slice(0, 400));
    assert(t.includes('file_read') && t.includes('rules:'), t.slice(0, 400));
  });
  await test('a proposal for an agent with no records is a clear error', async () => {
    const r = await get(env.GOOD_URL + '/api/proposal?agent=/no/such/agent', { token: env.GOOD_TOKEN });
    assert(r.status === 422 && JSON.parse(r.body).error.length > 10, r.status + ' ' + r.body);
  });
  await page.close();

  await test('the verify badge turns red for a tampered log', async () => {
    const p = await open(browser, env.TAMPERED_URL, env.TAMPERED_TOKEN);
    const b = await badge(p);
    assert(b.cls.includes('bad') && b.text.includes('edited'), JSON.stringify(b));
    const where = await p.$eval('#verify', (e) => e.textContent);
    assert(/first bad seq/.test(where), where);
    await p.screenshot({ path: shots + '/dashboard-tampered.png', fullPage: false });
    await p.close();
  });
  await test('a log from another host\'s key: bad signature', async () => {
    const p = await open(browser, env.OTHERKEY_URL, env.OTHERKEY_TOKEN);
    const b = await badge(p);
    assert(b.cls.includes('bad') && b.text.includes('signature'), JSON.stringify(b));
    await p.close();
  });
  await test('an empty log: no rows, a red badge, no error', async () => {
    const p = await open(browser, env.EMPTY_URL, env.EMPTY_TOKEN);
    assert((await rows(p)).length === 0, 'rows in an empty log');
    const b = await badge(p);
    assert(b.cls.includes('bad'), JSON.stringify(b));
    assert(await p.$eval('#filter-error', (e) => e.hidden), 'an error is shown');
    await p.close();
  });
  await test('a malformed line is shown as such, as text, and the chain is red', async () => {
    const p = await open(browser, env.MALFORMED_URL, env.MALFORMED_TOKEN);
    await p.click('#next'); /* line 21 of 122: on the second page, newest first */
    await p.waitForFunction(() => document.getElementById('page-info').textContent.startsWith('101'),
      { timeout: 10000 });
    const r = await rows(p);
    const m = r.find((x) => x.cls === 'malformed');
    assert(m && m.cells[5].includes('<script>'), 'no malformed row shown as text');

    assert(await p.evaluate(() => !document.querySelector('#records script')), 'markup from the log was parsed');
    assert((await badge(p)).cls.includes('bad'), 'badge not red');
    await p.close();
  });
  await test('a bidi override in a path is shown as its bytes, not applied', async () => {
    /* gen_audit_log's '/tmp/' + U+202E + 'txt.hsab' would read as '/tmp/bash.txt'. */
    const p = await open(browser, env.LIVE_URL, env.LIVE_TOKEN);
    const cells = (await rows(p)).flatMap((r) => r.cells);
    assert(cells.some((c) => c.includes('/tmp/\\xe2\\x80\\xaetxt.hsab')), 'no such row: ' + cells.slice(0, 12));
    assert(!cells.some((c) => c.includes('\u202e')), 'a bidi override reached the page');
    await p.close();
  });
  await test('decisions arrive live from the stream socket', async () => {
    const p = await open(browser, env.LIVE_URL, env.LIVE_TOKEN);
    await p.waitForFunction(() => document.querySelectorAll('#live li').length >= 3 &&
      /live: stream/.test(document.getElementById('live-state').textContent), { timeout: 15000 });
    const seqs = await p.$$eval('#live li', (l) => l.map((x) => Number(x.dataset.seq)));
    assert(seqs[0] > seqs[seqs.length - 1], 'newest first: ' + seqs);
    await p.close();
  });
  await test('concurrent viewers get the same answers', async () => {
    const pages = await Promise.all([0, 1, 2].map(() => open(browser, env.GOOD_URL, env.GOOD_TOKEN)));
    const reqs = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      get(env.GOOD_URL + '/api/' + ['records', 'summary', 'timeline', 'verify'][i % 4], { token: env.GOOD_TOKEN })));
    assert(reqs.every((r) => r.status === 200), reqs.map((r) => r.status).join());
    const totals = reqs.filter((_, i) => i % 4 === 0).map((r) => JSON.parse(r.body).total);
    assert(totals.every((t) => t === Number(env.GOOD_RECORDS)), totals.join());
    for (const p of pages) assert((await rows(p)).length === Math.min(100, Number(env.GOOD_RECORDS)), 'a page lost rows');
    await Promise.all(pages.map((p) => p.close()));
  });
  await test('the unix socket answers with the token, 401 without', async () => {
    const a = await get('http://localhost/api/info', { socketPath: env.UNIX_SOCK, token: env.UNIX_TOKEN });
    const b = await get('http://localhost/api/info', { socketPath: env.UNIX_SOCK });
    assert(a.status === 200 && b.status === 401, a.status + ' ' + b.status);
  });
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
