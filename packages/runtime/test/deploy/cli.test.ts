import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
// Inside the repository (tmp/ is ignored) so that the copy resolves @mvkit/compiler.
mkdirSync(join(ROOT, 'tmp'), { recursive: true });
const work = mkdtempSync(join(ROOT, 'tmp', 'deploy-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function project(name: string): string {
  const dir = join(work, name);
  cpSync(FIXTURE_DIR, dir, { recursive: true, filter: (src) => !src.includes('.mvkit') });
  return dir;
}

function mvkit(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, '-p', dir, ...args], { encoding: 'utf8', env: { ...process.env, VITEST: '', MVKIT_FIXTURE_PGLITE: join(dir, 'pglite'), ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mvkit plan / apply / refresh / status', () => {
  // Each command is a fresh process (tsx + PGlite start): slow, so a generous timeout.
  it('run end to end on PGlite; --json prints data', { timeout: 400_000 }, () => {
    const dir = project('e2e');
    const plan = JSON.parse(mvkit(dir, ['plan', '--json']).stdout) as { stages: { action: string; node: string }[] };
    expect(plan.stages.map((s) => s.action)).toEqual(Array(8).fill('create'));
    const applied = mvkit(dir, ['apply']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('applied 8 stage(s) to local');
    expect(mvkit(dir, ['apply']).stdout).toContain('no changes');
    expect(mvkit(dir, ['plan']).stdout).toBe('Plan for shop on local (pglite): no changes.\n');
    // New events and their kind, loaded: the chain has input changes to refresh (a refresh
    // with none skips every MV without a statement, so there would be nothing to trace).
    mkdirSync(join(dir, 'landing/b1'), { recursive: true });
    writeFileSync(join(dir, 'landing/b1/kinds.ndjson'), '{"op":"insert","kind":"buy","label":"Buy","note":"n"}\n');
    writeFileSync(join(dir, 'landing/b1/events.ndjson'), '{"tenant_id":"t1","event_id":"e1","kind":"buy","amount":3,"at":"2026-11-01T00:00:00"}\n');
    const loaded = mvkit(dir, ['load']);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(mvkit(dir, ['refresh', '--select', 'events_enriched']).code).toBe(0);
    // MVKIT_IVM_TRACE is read by the CLI and handed to the engine: every statement on stderr.
    const traced = mvkit(dir, ['refresh', '--select', 'events_hourly+', '--threads', '2', '--json'], { MVKIT_IVM_TRACE: '1' });
    const refreshed = JSON.parse(traced.stdout) as { node: string }[];
    expect(refreshed.map((r) => r.node)).toEqual(['events_hourly', 'events_daily', 'tenant_daily']);
    for (const node of ['events_hourly', 'events_daily', 'tenant_daily']) expect(traced.stderr).toMatch(new RegExp(`^\\[ivm ${node}\\] total \\d`, 'm'));
    const status = JSON.parse(mvkit(dir, ['status', '--json']).stdout) as { nodes: { node: string; deployment: string; lastRefresh: unknown }[] };
    expect(status.nodes.every((n) => n.deployment === 'up to date')).toBe(true);
    expect(status.nodes.find((n) => n.node === 'tenant_daily')!.lastRefresh).not.toBeNull();
    const changed = mvkit(dir, ['plan'], { MVKIT_FIXTURE: 'measure' });
    expect(changed.stdout).toContain('~ rebuild events_hourly (definition changed)');
    expect(changed.stdout).toContain('  ~ rebuild events_daily (upstream events_hourly rebuilt)');
  });

  it('a refused connection is one line and a hint, no stack trace', () => {
    const r = mvkit(project('refused'), ['plan', '--target', 'pg'], { MVKIT_DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mvkit: cannot connect to postgres://u:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1\n  hint: check the host, port and credentials, and that the server is running\n');
  });
});

describe('mvkit dev', () => {
  it('applies on start, and on each save recompiles and applies the new plan; a broken file prints its diagnostic', { timeout: 400_000 }, async () => {
    const dir = project('dev');
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, '-p', dir, 'dev', '--apply'], { env: { ...process.env, VITEST: '', MVKIT_FIXTURE_PGLITE: join(dir, 'pglite') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const until = (text: string, from = 0) => new Promise<number>((done, fail) => {
      const check = () => {
        const i = out.indexOf(text, from);
        if (i >= 0) { clearInterval(timer); done(i + text.length); }
      };
      const timer = setInterval(check, 50);
      child.once('exit', () => { clearInterval(timer); fail(new Error(`dev exited:\n${out}`)); });
    });
    try {
      let at = await until('applied 8 stage(s)');
      const file = join(dir, 'models/shop.ts');
      writeFileSync(file, readFileSync(file, 'utf8').replace('amount: m.sum(c.amount),', 'amount: m.sum(c.amount),\n      min_amount: m.min(c.amount),'));
      at = await until('~ rebuild events_hourly (definition changed)', at);
      at = await until('applied 8 stage(s)', at);
      writeFileSync(file, readFileSync(file, 'utf8').replace('m.min(c.amount)', 'm.min(c.nope)'));
      await until('error unknown-column', at);
      expect(out.slice(at)).toMatch(/models\/shop\.ts:\d+:\d+: error unknown-column \[events_hourly\]: unknown column "nope" of "events_hourly" read in a callback; columns: /);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
