// Drives the console in Debian's headless Chromium (playwright-core, no
// downloaded browser) against the real hub run.sh started. Each step
// asserts what a clerk or an operator would see; a failure exits non-zero
// with the step's name, and a screenshot of the page at that moment.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const URL = process.env.CONSOLE_URL;
const DOC = process.env.DOC;
const REMOTE_DOC = process.env.REMOTE_DOC;
const SHOTS = process.env.ARTIFACTS;
const PASSWORDS = {
  'quantri': 'mat-khau-quan-tri-2026',
  'vanthu.vp': 'mat-khau-van-phong-2026',
  'minh.syt': 'mat-khau-so-y-te-2026',
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
// The demo CA is not in the browser's store; the hub is on loopback.
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 } });
let page = await context.newPage();
let agent = null;
let step = '';

async function logIn(p, name, password = PASSWORDS[name]) {
  await p.goto(URL + '/');
  await p.fill('#login-name', name);
  await p.fill('#login-password', password);
  await p.click('#login-submit');
}

async function run(name, fn) {
  step = name;
  const started = Date.now();
  await fn();
  console.log(`ok   ${name} (${Date.now() - started} ms)`);
}

try {
  await run('an operator logs in and sees who has not received', async () => {
    await logIn(page, 'quantri');
    const row = page.locator(`#board tr[data-id="${DOC}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /đã nhận 1\/3/);
    const missing = await row.locator('td.missing').innerText();
    assert.match(missing, /Sở Tài chính/);
    assert.match(missing, /UBND xã Y Tịch/);
    assert.doesNotMatch(missing, /Sở Y tế/);
    assert.match(await page.locator('#silent').innerText(), /UBND xã Y Tịch/);
    await page.waitForSelector('#live.on');
    // The commune never polled and the document has waited: an alert,
    // raised by the hub and shown without a reload.
    await page.waitForSelector('#alerts li[data-alert="silent/000.21.30.H99"]', { timeout: 15000 });
    assert.match(await page.locator('#alerts').innerText(), /UBND xã Y Tịch/);
    await page.screenshot({ path: `${SHOTS}/board.png`, fullPage: true });
  });

  await run('an agent acknowledges and the row changes without a reload', async () => {
    await page.evaluate(() => { window.__notReloaded = true; });
    const [cmd, ...args] = process.env.FINANCE_AGENT_CMD.split(' ');
    agent = spawn(cmd, args, { stdio: 'ignore' });
    const row = page.locator(`#board tr[data-id="${DOC}"]`);
    await page.waitForFunction(
      (id) => /đã nhận 2\/3/.test(document.querySelector(`#board tr[data-id="${id}"]`)?.innerText || ''),
      DOC, { timeout: 20000 });
    assert.equal(await page.evaluate(() => window.__notReloaded), true);
    assert.doesNotMatch(await row.locator('td.missing').innerText(), /Sở Tài chính/);
  });

  await run('the document page, a resend and a paper copy', async () => {
    await page.click(`#board tr[data-id="${DOC}"] a`);
    await page.waitForSelector('#recipients');
    const ytich = page.locator('#recipients tr[data-recipient="000.21.30.H99"]');
    assert.match(await ytich.innerText(), /MẤT LIÊN LẠC/);
    assert.match(await page.locator('dl.facts').innerText(), /45\/UBND-VP/);
    await page.click('#resend');
    await page.waitForSelector('#toast:not([hidden])');
    assert.match(await page.locator('#toast').innerText(), /Đã gửi lại cho 1 đơn vị/);
    await ytich.locator('.paper-button').click();
    await page.fill('form.paper-form input[name=carried_by]', 'Nguyễn Văn An, văn thư');
    // A redraw while the clerk is typing (here a second resend) keeps the
    // form and what was typed in it.
    await page.click('#resend');
    await page.waitForFunction(() => /gửi lại 2 lần/.test(document.querySelector('#recipients tr[data-recipient="000.21.30.H99"]')?.innerText || ''));
    assert.equal(await page.inputValue('form.paper-form input[name=carried_by]'), 'Nguyễn Văn An, văn thư');
    await page.fill('form.paper-form input[name=signed_by]', 'Hoàng Thị Mai');
    await page.click('form.paper-form button[type=submit]');
    await page.waitForFunction(() => /Bản giấy/.test(document.querySelector('#recipients tr[data-recipient="000.21.30.H99"] td.state')?.innerText || ''));
    assert.match(await ytich.innerText(), /Hoàng Thị Mai/);
    assert.match(await ytich.innerText(), /account:quantri/);
    await page.screenshot({ path: `${SHOTS}/document.png`, fullPage: true });
  });

  await run('the English switch and Vietnam time', async () => {
    await page.click('#lang');
    await page.waitForSelector('text=Paper copy');
    const sent = await page.locator('dl.facts').innerText();
    assert.match(sent, /\d\d\/\d\d\/\d{4} \d\d:\d\d/);
    await page.click('#lang');
  });

  await run('each unit\'s service this month', async () => {
    await page.click('a[href="#/service"]');
    await page.waitForSelector('#service');
    const text = await page.locator('#service').innerText();
    assert.match(text, /UBND xã Y Tịch/);
    assert.match(text, /Sở Y tế/);
    await page.screenshot({ path: `${SHOTS}/service.png`, fullPage: true });
  });

  await run('logging out ends the session', async () => {
    await page.click('#logout');
    await page.waitForSelector('#login');
    const status = await page.evaluate(async () => (await fetch('/api/board')).status);
    assert.equal(status, 401);
  });

  await run('a clerk of another agency cannot see or act on the document', async () => {
    await logIn(page, 'minh.syt');
    await page.waitForSelector('#board, #board-empty');
    assert.equal(await page.locator(`tr[data-id="${DOC}"]`).count(), 0);
    await page.goto(`${URL}/#/doc/${DOC}`);
    await page.waitForSelector('#page-error');
    assert.match(await page.locator('#page-error').innerText(), /no document/);
    const forged = await page.evaluate(async (id) => {
      const s = await (await fetch('/api/session')).json();
      const post = (path, body, headers) => fetch(path, {
        method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return {
        resend: (await post(`/api/documents/${id}/resend`, {}, { 'X-CSRF-Token': s.csrf_token })).status,
        paper: (await post(`/api/documents/${id}/paper`, { recipient: '000.21.30.H99', carried_by: 'x', signed_by: 'y' }, { 'X-CSRF-Token': s.csrf_token })).status,
        noToken: (await post(`/api/documents/${id}/resend`, {}, {})).status,
        suspend: (await post('/api/agencies/000.21.30.H99/suspend', {}, { 'X-CSRF-Token': s.csrf_token })).status,
        form: (await fetch(`/api/documents/${id}/resend`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': s.csrf_token }, body: 'a=b' })).status,
      };
    }, DOC);
    assert.deepEqual(forged, { resend: 404, paper: 404, noToken: 403, suspend: 403, form: 415 });
    await page.click('#logout');
    await page.waitForSelector('#login');
  });

  await run('an agency beyond the hub shows the bridge it waits for', async () => {
    await logIn(page, 'quantri');
    await page.waitForSelector('#board, #board-empty');
    await page.goto(`${URL}/#/doc/${REMOTE_DOC}`);
    const row = page.locator('tr[data-recipient="000.00.00.G22"]');
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /Văn phòng Chính phủ/);
    assert.match(text, /qua cầu nối quoc-gia: chờ cầu nối nhận/);
    assert.equal(await row.getAttribute('class'), 'outstanding');
    await page.click('#logout');
    await page.waitForSelector('#login');
  });

  await run('wrong passwords lock the account', async () => {
    for (let i = 0; i < 5; i++) {
      await logIn(page, 'vanthu.vp', 'sai-mat-khau-2026');
      await page.waitForFunction(() => /wrong account name or password/.test(document.querySelector('#login-error')?.innerText || ''));
    }
    await logIn(page, 'vanthu.vp');
    await page.waitForFunction(() => /locked/.test(document.querySelector('#login-error')?.innerText || ''));
  });

  await run('a board over the limit waits, then goes live when a place frees', async () => {
    // run.sh allows two live boards: the third is answered 503 and retries.
    const boards = [];
    for (let i = 0; i < 3; i++) {
      const c = await browser.newContext({ ignoreHTTPSErrors: true });
      const p = await c.newPage();
      await logIn(p, 'quantri');
      await p.locator(`#board tr[data-id="${DOC}"]`).waitFor();
      boards.push({ c, p });
      if (i < 2) await p.waitForSelector('#live.on');
    }
    await boards[2].p.waitForTimeout(3000);
    assert.equal(await boards[2].p.locator('#live.on').count(), 0, 'a third board went live over the limit');
    await boards[0].c.close();
    await boards[2].p.waitForSelector('#live.on', { timeout: 15000 });
    for (const b of boards.slice(1)) await b.c.close();
  });

  await run('the board on a phone', async () => {
    const phone = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await logIn(p, 'quantri');
    await p.locator(`#board tr[data-id="${DOC}"]`).waitFor();
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 400, `the page is ${width}px wide on a 390px screen`);
    await p.screenshot({ path: `${SHOTS}/board-phone.png`, fullPage: true });
    await phone.close();
  });
  console.log('all browser checks passed; screenshots in ' + SHOTS);
} catch (e) {
  console.error(`FAIL ${step}: ${e.stack || e}`);
  try { await page.screenshot({ path: `${SHOTS}/failure.png`, fullPage: true }); } catch (_) { /* page gone */ }
  process.exitCode = 1;
} finally {
  if (agent) agent.kill();
  await browser.close();
}
