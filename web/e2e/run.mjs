// Browser tests: Debian's Chromium driven by playwright-core against a real standalone.
// Each scenario is a plain async function; the run ends with "N passed, N failed, N skipped"
// and writes test-results/browser.json for the repository's test command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { hostileScenarios } from './hostile.mjs';
import { scenarios as ordinaryScenarios } from './scenarios.mjs';
import { Standalone, webRoot } from './standalone.mjs';

class Skip extends Error {}

const only = process.env.ANDON_E2E_ONLY;
const scenarios = [...ordinaryScenarios, ...hostileScenarios];
const started = Date.now();
const results = [];
const server = new Standalone();
let browser;

try {
  await server.start();
  browser = await chromium.launch({
    executablePath: process.env.ANDON_TEST_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
  const shared = {};
  for (const scenario of scenarios) {
    if (only && !scenario.name.includes(only) && !scenario.name.startsWith('two users')) continue;
    const t0 = Date.now();
    try {
      await withTimeout(scenario.run({ browser, server, shared, skip: (reason) => { throw new Skip(reason); } }), scenario.timeoutMs ?? 60_000);
      results.push({ name: scenario.name, outcome: 'passed', ms: Date.now() - t0 });
      console.log(`  ✓ ${scenario.name} (${Date.now() - t0} ms)`);
    } catch (error) {
      if (error instanceof Skip) {
        results.push({ name: scenario.name, outcome: 'skipped', reason: error.message });
        console.log(`  - ${scenario.name} (skipped: ${error.message})`);
      } else {
        results.push({ name: scenario.name, outcome: 'failed', error: String(error?.stack ?? error) });
        console.log(`  ✗ ${scenario.name}\n    ${String(error?.stack ?? error).split('\n').join('\n    ')}`);
      }
    }
  }
} catch (error) {
  results.push({ name: 'browser test setup', outcome: 'failed', error: String(error?.stack ?? error) });
  console.log(`  ✗ setup: ${error?.stack ?? error}`);
} finally {
  await browser?.close().catch(() => {});
  await server.dispose().catch(() => {});
}

const count = (o) => results.filter((r) => r.outcome === o).length;
const summary = { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), seconds: Math.round((Date.now() - started) / 1000), results };
mkdirSync(join(webRoot, 'test-results'), { recursive: true });
writeFileSync(join(webRoot, 'test-results/browser.json'), JSON.stringify(summary, null, 2));
if (summary.failed) {
  console.log('\nstandalone warnings and errors:\n' + server.warnings.join(''));
  console.log('\nstandalone output (tail):\n' + server.output.slice(-40).join(''));
}
console.log(`\nbrowser tests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped (${summary.seconds} s)`);
process.exit(summary.failed ? 1 : 0);

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}
