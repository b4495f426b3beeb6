// Hostile input in a real browser: XSS payloads in messages, room fields, file names and display
// names (a development account whose directory fields are payloads, see standalone.mjs) must show as
// text: no dialog fires and no element of theirs exists in the page.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const T = 15_000;
const mark = (n) => `window.__xss=(window.__xss||0)+1;alert(${n})`;
// Each payload tries a different way out of text: tags with handlers, a closed attribute, a
// javascript: URL, markup the highlight of message search must not let through, and template syntax.
const payloads = [
  `<img src=x onerror="${mark(11)}">`,
  `"><svg onload="${mark(12)}">`,
  `<script>${mark(13)}</script>`,
  `<iframe src="javascript:${mark(14)}"></iframe>`,
  `<a href="javascript:${mark(15)}" id=xss-link>click</a>`,
  `</mark><img src=x onerror="${mark(16)}"><mark>`,
  `<details open ontoggle="${mark(17)}">`,
  `{{constructor.constructor('${mark(18)}')()}}`,
  `<math><mtext></mtext><mglyph><style><img src=x onerror="${mark(19)}"></style></mglyph></math>`,
  `javascript:${mark(20)}`,
];

async function signIn(browser, server, user) {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, locale: 'zh-TW' });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('/login');
  await page.locator('input[name=username]').fill(user);
  await page.locator('input[name=password]').fill('andon-dev');
  await page.locator('button[type=submit]').click();
  await page.getByRole('heading', { name: '異常事件' }).waitFor();
  return { context, page, dialogs };
}

async function call(page, method, path, options = {}) {
  const response = await page.context().request.fetch(path, { method, ...options, headers: { 'X-Requested-With': 'andon', Accept: 'application/json', ...(options.headers ?? {}) } });
  const text = await response.text();
  return { status: response.status(), body: text ? JSON.parse(text) : null };
}

/** Elements a payload would have created, and whether any of its script ran. */
function injected(page) {
  return page.evaluate(() => ({
    ran: window.__xss ?? 0,
    elements: [...document.querySelectorAll('img[src="x"], svg[onload], iframe, #xss-link, details[ontoggle], math, [onerror], [onload], [onmouseover], [ontoggle], script:not([src])')].map((e) => e.outerHTML.slice(0, 120)),
  }));
}

export const hostileScenarios = [
  {
    name: 'XSS payloads in room fields, messages, file names, search hits and display names stay inert text',
    timeoutMs: 120_000,
    run: async ({ browser, server }) => {
      // An earlier scenario stops and restarts the server; if it failed half-way, start it again.
      if (!(await fetch(`${server.url}/login`).then((r) => r.ok, () => false))) await server.start();
      const hostile = await signIn(browser, server, 'hostile@andon.local');
      const { page } = hostile;
      let tried = 0;

      // Room fields.
      const created = await call(page, 'POST', '/api/rooms', {
        data: { title: `XSS ${payloads[0]}`, incident_type: 'other', severity: 'high', description: payloads.join('\n'), location: payloads[1], line: payloads[2], station: payloads[3], equipment_id: payloads[4] },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      tried += 6;
      const roomId = created.body.room_id;
      assert.equal((await call(page, 'POST', `/api/rooms/${roomId}/members`, { data: { user_id: 'operator@andon.local', role: 'editor' } })).status, 201);
      // Messaging and files learn of the room by events: wait until both answer for it.
      for (let i = 0; ; i++) {
        const [messages, files] = await Promise.all([call(page, 'GET', `/api/rooms/${roomId}/messages`), call(page, 'GET', `/api/rooms/${roomId}/files`)]);
        if (messages.status === 200 && files.status === 200) break;
        assert.ok(i < 100, `messaging and files never learnt of the room: ${messages.status} ${files.status}`);
        await page.waitForTimeout(100);
      }

      // Messages, from the account whose display name is a payload.
      for (const payload of payloads) {
        const sent = await call(page, 'POST', `/api/rooms/${roomId}/messages`, { data: { client_id: randomUUID(), message_type: 'text', content: `needle ${payload}` } });
        assert.equal(sent.status, 201, JSON.stringify(sent.body));
        tried += 1;
      }

      // File names (a text file: its name is shown in the timeline and the file list); the server
      // drops folders from a name, so what is shown is the stored name.
      const storedNames = [];
      for (const payload of payloads.slice(0, 5)) {
        const uploaded = await call(page, 'POST', `/api/rooms/${roomId}/files`, {
          multipart: { file: { name: `${payload}.txt`, mimeType: 'text/plain', buffer: Buffer.from('temperature 85\n') }, description: payload },
        });
        assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
        storedNames.push(uploaded.body.filename);
        tried += 2;
      }

      // The room list, the room, then message search (whose hits are HTML with <mark>), for the
      // hostile account and for a colleague who sees its name.
      const operator = await signIn(browser, server, 'operator@andon.local');
      for (const who of [hostile, operator]) {
        await who.page.goto('/');
        await who.page.getByText(`XSS ${payloads[0]}`, { exact: true }).first().waitFor();
        await who.page.goto(`/rooms/${roomId}`);
        await who.page.getByRole('log', { name: '訊息' }).getByText(`needle ${payloads[payloads.length - 1]}`, { exact: true }).waitFor();
        for (const name of storedNames) await who.page.getByText(name, { exact: true }).first().waitFor();
        await who.page.goto('/');
        const search = who.page.locator('.message-search input[type=search]');
        await search.fill('needle');
        await search.press('Enter');
        await who.page.locator('.message-search mark').first().waitFor();
        await who.page.locator('.message-search').getByText(payloads[5].slice(7, 20), { exact: false }).first().waitFor();
        await search.fill('onerror');
        await search.press('Enter');
        await who.page.locator('.message-search mark').first().waitFor();
        await who.page.waitForTimeout(500);
        const found = await injected(who.page);
        assert.deepEqual(found, { ran: 0, elements: [] });
        tried += 2;
      }

      // The display name is shown, as text, in the header of the hostile account's own page.
      await page.goto('/');
      await page.getByText('<img src=x onerror=', { exact: false }).first().waitFor();
      assert.deepEqual(await injected(page), { ran: 0, elements: [] });
      assert.deepEqual([...hostile.dialogs, ...operator.dialogs], []);
      tried += 4;

      await hostile.context.close();
      await operator.context.close();
      if (process.env.ANDON_TEST_TALLY_DIR) {
        mkdirSync(process.env.ANDON_TEST_TALLY_DIR, { recursive: true });
        writeFileSync(join(process.env.ANDON_TEST_TALLY_DIR, `${randomUUID()}.tally`), `hostile_inputs ${tried}\n`);
      }
    },
  },
];
