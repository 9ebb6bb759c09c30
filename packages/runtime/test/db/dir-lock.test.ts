import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDirLock, lockPathOf } from '../../src/db/dir-lock.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { LockError } from '../../src/errors.ts';

const CHILD = resolve(import.meta.dirname, 'lock-child.ts');
const BIN = resolve(import.meta.dirname, '../../../cli/src/bin.ts');
const SHOP = resolve(import.meta.dirname, '../deploy/fixtures/shop');
const work = mkdtempSync(join(tmpdir(), 'mvkit-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const dataDir = () => join(work, `d${++n}`, 'pglite');

/** A process holding the lock of `dir`; resolves once it holds it. */
function holder(dir: string, ms: number | 'forever', log?: string): ChildProcess & { holding: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(ms), ...(log ? [log] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const holding = new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('held')) ok(); });
    child.on('exit', (code) => fail(new Error(`lock child exited ${code} before holding`)));
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return Object.assign(child, { holding, exited });
}

/** An mvkit command on the shop fixture and the PGlite directory `dir`; `onErr` sees its stderr so far. */
function mvkit(command: string, dir: string, flags: string[], onErr?: (err: string) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, '-p', SHOP, command, ...flags], { env: { ...process.env, VITEST: '', MVKIT_FIXTURE_PGLITE: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); onErr?.(err); });
    child.on('exit', (code) => done({ code, out, err }));
  });
}
const status = (dir: string, flags: string[], onErr?: (err: string) => void) => mvkit('status', dir, flags, onErr);

const HELD_BY = (pid: number) => new RegExp(`lock-child \\(pid ${pid}, since \\d\\d:\\d\\d:\\d\\d\\)`);

describe('the PGlite data directory lock', () => {
  it('another mvkit process fails fast with --no-wait, gives up after --lock-timeout, or waits and then runs; SIGTERM releases it', { timeout: 480_000 }, async () => {
    const dir = dataDir();
    const h = holder(dir, 'forever');
    await h.holding;
    const fast = await status(dir, ['--no-wait']);
    expect(fast.code).toBe(1);
    expect(fast.err).toMatch(HELD_BY(h.pid!));
    expect(fast.err).toContain(`mvkit: ${dir} is in use by lock-child`);
    expect(fast.err).toMatch(/hint: wait for it to finish, or run without --no-wait/);
    expect(fast.err).not.toMatch(/\n\s+at /);

    const timedOut = await status(dir, ['--lock-timeout', '1']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.err).toMatch(new RegExp(`waiting for ${HELD_BY(h.pid!).source} to release ${dir} …`));
    expect(timedOut.err).toMatch(/gave up after 1s waiting for lock-child/);

    expect((await status(dir, ['--lock-timeout', 'soon'])).code).toBe(2);

    h.kill('SIGTERM');
    await h.exited;
    expect(existsSync(lockPathOf(dir))).toBe(false);

    // Without a flag it waits, saying for whom, and runs once the holder has ended (here: SIGINT).
    const h2 = holder(dir, 'forever');
    await h2.holding;
    const waited = await status(dir, [], (err) => { if (err.includes('waiting for')) h2.kill('SIGINT'); });
    expect(waited.err).toMatch(new RegExp(`waiting for ${HELD_BY(h2.pid!).source}`));
    expect(waited.code).toBe(0);
    expect(await h2.exited).toBeNull(); // ended by the signal, after releasing the lock
  });

  it('a lock whose holder was killed (SIGKILL) is stale: the next open takes it over at once', { timeout: 300_000 }, async () => {
    const dir = dataDir();
    const h = holder(dir, 'forever');
    await h.holding;
    await expect(acquireDirLock(dir, { wait: false })).rejects.toBeInstanceOf(LockError);
    h.kill('SIGKILL');
    await h.exited;
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid).toBe(h.pid);
    const db = await openPglite(dir, { wait: false });
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid).toBe(process.pid);
    await expect(acquireDirLock(dir, { wait: false })).rejects.toThrow(/already open in this process/);
    await db.close();
    expect(existsSync(lockPathOf(dir))).toBe(false);
  });

  it('processes racing for a lock left stale by a dead process hold it one at a time, each once', { timeout: 180_000 }, async () => {
    const dir = dataDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await acquireDirLock(dir).then((l) => l.release()); // creates the parent directory
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), command: 'mvkit load', argv: '', startedAt: new Date().toISOString(), nonce: 'dead' }));
    const log = join(work, `race-${n}.log`);
    const children = Array.from({ length: 6 }, () => holder(dir, 150, log));
    expect(await Promise.all(children.map((c) => c.exited))).toEqual(Array(6).fill(0));
    const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(events).toHaveLength(12);
    // start, end, start, end…: never two holders at once, and each holder's end follows its start.
    events.forEach(([what, pid], i) => {
      expect(what).toBe(i % 2 === 0 ? 'start' : 'end');
      if (i % 2 === 1) expect(pid).toBe(events[i - 1]![1]);
    });
    expect(new Set(events.map((e) => e[1])).size).toBe(6);
    expect(existsSync(lockPathOf(dir))).toBe(false);
  });

  it('two mvkit apply processes at once: one applies, the other waits and finds nothing to do', { timeout: 480_000 }, async () => {
    const dir = dataDir();
    const [a, b] = await Promise.all([mvkit('apply', dir, []), mvkit('apply', dir, [])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [first, second] = a.out.includes('applied') ? [a, b] : [b, a];
    expect(first.out).toMatch(/applied 8 stage\(s\) to local/);
    expect(second.out).toContain('no changes: local matches the project.');
    expect((a.err + b.err)).toMatch(/waiting for mvkit apply \(pid \d+, since [\d:]+\) to release/);
    const db = await openPglite(dir);
    expect(await db.query('SELECT status, progress FROM mvkit.applies')).toEqual([{ status: 'succeeded', progress: 8 }]);
    await db.close();
  });
});
