// The browser scenarios, in order: later ones reuse the room and the signed-in pages of earlier ones.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './standalone.mjs';

const PASSWORD = 'andon-dev';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const shots = join(repoRoot, 'docs/screenshots');
const T = 15_000;

async function shot(page, name) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function signIn(browser, server, user, viewport = DESKTOP) {
  const context = await browser.newContext({ baseURL: server.url, viewport, locale: 'zh-TW' });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('/login');
  await page.locator('input[name=username]').fill(user);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('button[type=submit]').click();
  await page.getByRole('heading', { name: '異常事件' }).waitFor();
  return { context, page, dialogs };
}

/** A REST call with the page's cookie session. */
async function call(page, method, path, data) {
  const response = await page.context().request.fetch(path, {
    method,
    data,
    headers: { 'X-Requested-With': 'andon', Accept: 'application/json' },
  });
  const text = await response.text();
  return { status: response.status(), body: text ? JSON.parse(text) : null };
}

/** Visible controls smaller than a 44 px touch target. */
function smallTargets(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, a.button, .room-link, .breadcrumb a, select, input:not([type=file]):not([type=checkbox]), textarea, summary')]
      .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
      .map((el) => ({ el: el.outerHTML.slice(0, 80), h: Math.round(el.getBoundingClientRect().height), w: Math.round(el.getBoundingClientRect().width) }))
      .filter((r) => r.h < 44 || r.w < 44),
  );
}

function composer(page) {
  return page.getByRole('combobox', { name: '輸入訊息' });
}

async function send(page, text) {
  await composer(page).fill(text);
  await page.getByRole('button', { name: '傳送', exact: true }).click();
}

/**
 * Drops files from outside the page on the middle of `target`, as a person does: Chromium's own
 * drag (enter, over, drop), each event in its own task like a real one.
 */
async function dropFiles(page, target, files) {
  const box = await target.boundingBox();
  assert.ok(box, 'the drop target is visible');
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files, dragOperationsMask: 1 /* copy */ };
  const cdp = await page.context().newCDPSession(page);
  try {
    for (const type of ['dragEnter', 'dragOver', 'drop']) {
      await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
    }
  } finally {
    await cdp.detach();
  }
}

function timeline(page) {
  return page.getByRole('log', { name: '訊息' });
}

async function openRoom(page, roomId) {
  await page.goto(`/rooms/${roomId}`);
  await timeline(page).waitFor();
  await page.getByText('線上', { exact: false }).first().waitFor();
}

export const scenarios = [
  {
    name: 'a failed sign-in says the credentials are invalid and clears the password',
    run: async ({ browser, server }) => {
      for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
        const context = await browser.newContext({ baseURL: server.url, viewport, locale: 'zh-TW' });
        const page = await context.newPage();
        page.setDefaultTimeout(T);
        await page.goto('/');
        await page.waitForURL('**/login');
        await page.getByRole('heading', { name: '登入 Andon' }).waitFor();
        await shot(page, `login-${size}`);
        if (size === 'phone') assert.deepEqual(await smallTargets(page), [], 'controls smaller than 44 px on the sign-in page');
        if (size === 'desktop') {
          await page.getByLabel('帳號').fill('operator@andon.local');
          await page.getByLabel('密碼').fill('wrong-password');
          await page.getByRole('button', { name: '登入' }).click();
          await page.getByRole('alert').filter({ hasText: '帳號或密碼錯誤' }).waitFor();
          assert.equal(await page.getByLabel('密碼').inputValue(), '');
          assert.equal(await page.evaluate(() => JSON.stringify(localStorage).includes('token')), false);
        }
        await context.close();
      }
    },
  },
  {
    name: 'two users in two browsers chat in one room and each sees the other',
    run: async ({ browser, server, shared }) => {
      const operator = await signIn(browser, server, 'operator@andon.local');
      const maintenance = await signIn(browser, server, 'maintenance@andon.local');
      const created = await call(operator.page, 'POST', '/api/rooms', {
        title: '三號線輸送帶停止',
        incident_type: 'equipment_failure',
        severity: 'high',
        location: 'A 棟',
        line: 'Line 3',
        equipment_id: 'CV-301',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const roomId = created.body.room_id;
      for (const [user_id, role] of [['maintenance@andon.local', 'editor'], ['quality@andon.local', 'viewer']]) {
        const added = await call(operator.page, 'POST', `/api/rooms/${roomId}/members`, { user_id, role });
        assert.ok(added.status === 201 || added.status === 409, `add ${user_id}: ${added.status}`);
      }
      Object.assign(shared, { roomId, operator, maintenance });
      await openRoom(operator.page, roomId);
      await openRoom(maintenance.page, roomId);

      await send(operator.page, '輸送帶馬達溫度 85°C，已停線');
      await timeline(maintenance.page).getByText('輸送帶馬達溫度 85°C，已停線').waitFor();
      await send(maintenance.page, '收到，五分鐘內到場');
      await timeline(operator.page).getByText('收到，五分鐘內到場').waitFor();
      // Each sees the sender's name on the other's message.
      await timeline(operator.page).getByText('陳大華', { exact: true }).waitFor();
      await timeline(maintenance.page).getByText('林小明', { exact: true }).waitFor();
    },
  },
  {
    name: 'room list and room at desktop and phone size (screenshots), touch targets at least 44 px',
    run: async ({ browser, server, shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const { page } = shared.operator;
      await page.goto('/');
      await page.getByRole('link', { name: '三號線輸送帶停止' }).first().waitFor();
      await shot(page, 'rooms-desktop');
      await openRoom(page, shared.roomId);
      await timeline(page).getByText('收到，五分鐘內到場').waitFor();
      await shot(page, 'room-desktop');

      const phone = await signIn(browser, server, 'operator@andon.local', PHONE);
      await phone.page.getByRole('link', { name: '三號線輸送帶停止' }).first().waitFor();
      await shot(phone.page, 'rooms-phone');
      assert.deepEqual(await smallTargets(phone.page), [], 'controls smaller than 44 px in the room list on a phone');
      await openRoom(phone.page, shared.roomId);
      await timeline(phone.page).getByText('收到，五分鐘內到場').waitFor();
      await shot(phone.page, 'room-phone');
      assert.deepEqual(await smallTargets(phone.page), [], 'controls smaller than 44 px in the room on a phone');
      await phone.context.close();
    },
  },
  {
    name: 'the room list shows new activity without a reload',
    timeoutMs: 60_000,
    run: async ({ shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const { operator, maintenance } = shared;
      const other = await call(operator.page, 'POST', '/api/rooms', { title: '二號線缺料', incident_type: 'material_shortage', severity: 'low' });
      assert.equal(other.status, 201);
      await operator.page.goto('/');
      const cards = operator.page.getByRole('list', { name: '異常事件' }).getByRole('heading', { level: 3 });
      await operator.page.waitForFunction(() => document.querySelector('.room-grid h3')?.textContent === '二號線缺料');
      // Activity in the older room, from someone else: it moves to the top of the list by itself.
      const posted = await call(maintenance.page, 'POST', `/api/rooms/${shared.roomId}/messages`, {
        type: 'message',
        client_id: crypto.randomUUID(),
        message_type: 'text',
        content: '備品已領出',
      });
      assert.equal(posted.status, 201);
      await operator.page.waitForFunction(() => document.querySelector('.room-grid h3')?.textContent === '三號線輸送帶停止', null, { timeout: 30_000 });
      await operator.page.getByRole('status').filter({ hasText: '有新的活動' }).waitFor();
      assert.equal(await cards.first().textContent(), '三號線輸送帶停止');
      await openRoom(operator.page, shared.roomId);
    },
  },
  {
    name: 'a viewer sees the messages but cannot send',
    run: async ({ browser, server, shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const viewer = await signIn(browser, server, 'quality@andon.local');
      await openRoom(viewer.page, shared.roomId);
      await timeline(viewer.page).getByText('輸送帶馬達溫度 85°C，已停線').waitFor();
      await viewer.page.getByText('你是檢視者，只能閱讀訊息').waitFor();
      assert.equal(await composer(viewer.page).count(), 0, 'a viewer has no composer');
      assert.equal(await viewer.page.getByRole('button', { name: '傳送', exact: true }).count(), 0);
      // A message sent after the viewer arrived reaches them live.
      await send(shared.operator.page, '品保請確認批號 L2401');
      await timeline(viewer.page).getByText('品保請確認批號 L2401').waitFor();
      await viewer.context.close();
    },
  },
  {
    name: 'a plant user who joins a room reads it at once, with no "connection lost" on the way',
    run: async ({ browser, server, shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const manager = await signIn(browser, server, 'viewer@andon.local');
      await manager.page.goto(`/rooms/${shared.roomId}`);
      // Watch the page from before the join for the banner a refused first connection would show.
      await manager.page.evaluate(() => {
        window.__sawConnectionLost = false;
        new MutationObserver(() => {
          if (document.body.textContent.includes('連線中斷')) window.__sawConnectionLost = true;
        }).observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      await manager.page.getByRole('button', { name: '加入（檢視者）' }).click();
      await timeline(manager.page).getByText('輸送帶馬達溫度 85°C，已停線').waitFor();
      await manager.page.getByText('你是檢視者，只能閱讀訊息').waitFor();
      assert.equal(await manager.page.evaluate(() => window.__sawConnectionLost), false, 'the chat said the connection was lost right after the join');
      await manager.context.close();
    },
  },
  {
    name: 'a message <img src=x onerror=alert(1)> shows as text and fires no dialog',
    run: async ({ shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const payload = '<img src=x onerror=alert(1)>';
      await send(shared.operator.page, payload);
      for (const who of [shared.operator, shared.maintenance]) {
        // The sender may see the broadcast for a moment before its ack replaces the pending copy:
        // wait for the text, then for the timeline to settle on one copy.
        const shown = timeline(who.page).getByText(payload, { exact: true });
        await shown.first().waitFor();
        for (let i = 0; i < 100 && (await shown.count()) !== 1; i++) await who.page.waitForTimeout(100);
        if ((await shown.count()) !== 1) {
          const copies = await shown.evaluateAll((nodes) => nodes.map((n) => n.closest('li')?.outerHTML));
          assert.fail(`the message shows once, but shows ${copies.length} times: ${copies.join(' | ')}`);
        }
        assert.equal(await timeline(who.page).locator('img[src="x"]').count(), 0);
      }
      await shared.operator.page.waitForTimeout(500);
      assert.deepEqual([...shared.operator.dialogs, ...shared.maintenance.dialogs], []);
    },
  },
  {
    name: 'a reload keeps the session and the room',
    run: async ({ shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const { page } = shared.maintenance;
      await page.reload();
      await timeline(page).getByText('收到，五分鐘內到場').waitFor();
      assert.ok(page.url().endsWith(`/rooms/${shared.roomId}`), page.url());
      assert.equal(await page.locator('input[name=password]').count(), 0);
    },
  },
  {
    name: 'history loads upward as the timeline is scrolled to the top',
    timeoutMs: 90_000,
    run: async ({ browser, server, shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const { operator } = shared;
      const created = await call(operator.page, 'POST', '/api/rooms', { title: '烤箱溫度紀錄', incident_type: 'quality_issue', severity: 'medium' });
      assert.equal(created.status, 201);
      const roomId = created.body.room_id;
      await call(operator.page, 'POST', `/api/rooms/${roomId}/members`, { user_id: 'maintenance@andon.local', role: 'editor' });
      // 60 readings, paced under the send limit (10 a second per user).
      for (let n = 1; n <= 60; n += 1) {
        const posted = await call(operator.page, 'POST', `/api/rooms/${roomId}/messages`, {
          type: 'message',
          client_id: crypto.randomUUID(),
          message_type: 'text',
          content: `爐溫紀錄 #${n}`,
        });
        assert.equal(posted.status, 201, JSON.stringify(posted.body));
        await new Promise((r) => setTimeout(r, 110));
      }
      const reader = await signIn(browser, server, 'maintenance@andon.local');
      await openRoom(reader.page, roomId);
      const log = timeline(reader.page);
      await log.getByText('爐溫紀錄 #60', { exact: true }).waitFor();
      assert.equal(await log.getByText('爐溫紀錄 #1', { exact: true }).count(), 0, 'only the latest page at first');
      await log.evaluate((el) => {
        el.scrollTop = 0;
      });
      await log.getByText('爐溫紀錄 #1', { exact: true }).waitFor();
      const texts = await log.locator('.message .text').allTextContents();
      assert.equal(texts.filter((t) => t.startsWith('爐溫紀錄')).length, 60, 'every reading once');
      await reader.context.close();
    },
  },
  {
    name: 'an image dropped by one user appears as a thumbnail for the other',
    run: async ({ shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const { page } = shared.operator;
      const png = await page.evaluate(() => {
        const canvas = document.createElement('canvas');
        canvas.width = 96;
        canvas.height = 64;
        const g = canvas.getContext('2d');
        g.fillStyle = '#b91c1c';
        g.fillRect(0, 0, 96, 64);
        return canvas.toDataURL('image/png').split(',')[1];
      });
      // The dropped file is read from disk when it is sent: the folder stays until then.
      const folder = mkdtempSync(join(tmpdir(), 'andon-web-e2e-drop-'));
      try {
        const file = join(folder, 'defect.png');
        writeFileSync(file, Buffer.from(png, 'base64'));
        await dropFiles(page, page.getByRole('region', { name: '對話', exact: true }), [file]);
        // The drop hint is gone once the file is dropped; the image waits, previewed, for its upload.
        await page.locator('.drop-overlay').waitFor({ state: 'detached' });
        const staged = page.getByRole('region', { name: '上傳前預覽', exact: true });
        await staged.getByRole('img', { name: 'defect.png' }).waitFor();
        await page.getByRole('textbox', { name: '說明（選填）' }).fill('輸送帶表面刮傷');
        await page.getByRole('button', { name: '上傳', exact: true }).click();
        await staged.waitFor({ state: 'detached' });
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
      const thumb = timeline(shared.maintenance.page).locator('img[src*="/thumbnail"]').first();
      await thumb.waitFor();
      await shared.maintenance.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await thumb.elementHandle());
    },
  },
  {
    name: 'after the server closes the sockets the client reconnects and resumes with no gap; an offline send is delivered',
    timeoutMs: 120_000,
    run: async ({ server, shared }) => {
      assert.ok(shared.roomId, 'needs the chat scenario');
      const { operator, maintenance } = shared;
      const urls = [];
      maintenance.page.on('websocket', (ws) => urls.push(ws.url()));

      await server.stop(); // SIGTERM: standalone closes its sockets with 1001
      await maintenance.page.getByText('連線中斷，正在重新連線…').waitFor();
      await send(operator.page, '停機期間送出的訊息');
      await operator.page.getByText('等待連線後傳送').waitFor();

      await server.start();
      // Messages committed while the maintenance page is still away.
      for (const n of [1, 2, 3]) {
        const posted = await call(operator.page, 'POST', `/api/rooms/${shared.roomId}/messages`, {
          type: 'message',
          client_id: crypto.randomUUID(),
          message_type: 'text',
          content: `恢復後補發 ${n}`,
        });
        assert.equal(posted.status, 201, JSON.stringify(posted.body));
      }
      // The sender sees the offline message leave the queue, then the other user sees it.
      await operator.page.getByText('等待連線後傳送').waitFor({ state: 'detached', timeout: 45_000 });
      const log = timeline(maintenance.page);
      for (const text of ['恢復後補發 1', '恢復後補發 2', '恢復後補發 3', '停機期間送出的訊息']) {
        try {
          await log.getByText(text, { exact: true }).waitFor({ timeout: 45_000 });
        } catch (error) {
          // Say which side stalled: what the sender shows for its send, and what the other user has.
          const sender = await timeline(operator.page).locator('.pending').allTextContents();
          const seen = await log.locator('.message .text').allTextContents();
          throw new Error(`"${text}" never reached the other user; the sender shows pending [${sender.join(' | ')}], the other user the last [${seen.slice(-6).join(' | ')}]: ${error.message}`);
        }
      }
      for (const text of ['恢復後補發 1', '恢復後補發 2', '恢復後補發 3', '停機期間送出的訊息', '收到，五分鐘內到場']) {
        assert.equal(await log.getByText(text, { exact: true }).count(), 1, `${text} once`);
      }
      const order = await log.locator('.message .text').allTextContents();
      const idx = [1, 2, 3].map((n) => order.indexOf(`恢復後補發 ${n}`));
      assert.deepEqual([...idx].sort((a, b) => a - b), idx, 'in order');
      assert.ok(urls.some((u) => /[?&]last_seq=\d+/.test(u)), `a reconnect resumed by last_seq: ${urls.join(', ')}`);
      assert.equal(await maintenance.page.getByText('連線中斷，正在重新連線…').count(), 0);
    },
  },
];
