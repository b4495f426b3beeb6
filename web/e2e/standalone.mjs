// Starts Andon standalone from its build output on a free loopback port, with a temporary data
// folder and the SPA root pointed at web/dist, and waits for /health/ready.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = resolve(here, '..');
export const repoRoot = resolve(webRoot, '..');

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function standaloneDll() {
  const configured = process.env.ANDON_STANDALONE_DLL;
  if (configured) return resolve(configured);
  for (const config of ['Release', 'Debug']) {
    const dll = join(repoRoot, 'standalone/Andon.Standalone/bin', config, 'net10.0/Andon.Standalone.dll');
    if (existsSync(dll)) return dll;
  }
  throw new Error('standalone is not built: run `dotnet build standalone/Andon.Standalone -c Release` first');
}

export class Standalone {
  constructor() {
    this.dll = standaloneDll();
    this.dataDir = mkdtempSync(join(tmpdir(), 'andon-web-e2e-'));
    this.output = [];
    /** Every warning and error the server logged (kept whole; output keeps only the latest lines). */
    this.warnings = [];
    this.process = null;
    this.port = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    const dist = join(webRoot, 'dist');
    if (!existsSync(join(dist, 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first');
    const d = this.dataDir;
    const env = {
      ...process.env,
      ASPNETCORE_URLS: this.url,
      URLS: this.url,
      ASPNETCORE_ENVIRONMENT: 'Production',
      DOTNET_gcServer: '0',
      ConnectionStrings__Identity: `Data Source=${join(d, 'identity.db')}`,
      ConnectionStrings__Rooms: `Data Source=${join(d, 'rooms.db')}`,
      ConnectionStrings__Messaging: `Data Source=${join(d, 'messaging.db')}`,
      ConnectionStrings__Files: `Data Source=${join(d, 'files.db')}`,
      Identity__KeysPath: join(d, 'keys/identity'),
      Gateway__KeysPath: join(d, 'keys/gateway'),
      Storage__Disk__Root: join(d, 'objects'),
      Gateway__SpaRoot: dist,
      // Many sign-ins from one address in a short run.
      Gateway__LoginFailuresPerMinute: '50',
      // A development account whose directory fields are XSS payloads (e2e/hostile.mjs).
      Directory__Static__Users__5__UserId: 'hostile@andon.local',
      Directory__Static__Users__5__Password: 'andon-dev',
      Directory__Static__Users__5__DisplayName: '<img src=x onerror="window.__xss=1;alert(\'name\')">"><svg onload=alert(2)>',
      Directory__Static__Users__5__JobTitle: '<script>alert(3)</script>',
      Directory__Static__Users__5__Office: '"><iframe src=javascript:alert(4)>',
      Directory__Static__Users__5__Department: '<b onmouseover=alert(5)>dept</b>',
    };
    this.process = spawn('dotnet', [this.dll], { cwd: dirname(this.dll), env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      this.output.push(String(chunk));
      if (/^(warn|fail|crit):/m.test(String(chunk))) this.warnings.push(String(chunk));
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    this.process.stdout.on('data', keep);
    this.process.stderr.on('data', keep);
    const exited = new Promise((_, reject) =>
      this.process.once('exit', (code) => reject(new Error(`standalone exited with ${code}:\n${this.output.join('')}`))),
    );
    exited.catch(() => {});
    await Promise.race([this.waitReady(90_000), exited]);
  }

  async waitReady(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`${this.url}/health/ready`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`standalone was not ready after ${timeoutMs} ms:\n${this.output.join('')}`);
  }

  /** Stops the process (SIGTERM: sockets are closed with 1001 "going away"). */
  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(timer);
    this.process = null;
  }

  async dispose() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
