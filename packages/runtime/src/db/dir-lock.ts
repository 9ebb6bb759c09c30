import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { LockError } from '../errors.ts';

/**
 * A cross-process lock on a PGlite data directory. PGlite is one process's database: a second
 * process that opens the same directory, even to read, corrupts it or loses writes. So every
 * open takes `<dataDir>.lock` first (`.mvkit/pglite.lock` for `.mvkit/pglite`).
 *
 * The file is created complete and atomically: its content is written to a private temporary
 * file that is then hard-linked to the lock's name (link fails when the name exists). It names
 * the holder (pid, host, command, start time); it is removed on close and on exit, and a file
 * whose holder is dead (killed) is stale and taken over.
 */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** `mvkit load`: what waiters are told. */
  readonly command: string;
  /** The full command line. */
  readonly argv: string;
  readonly startedAt: string;
  /** Tells this holding from an earlier one by a process of the same pid. */
  readonly nonce: string;
  /** Linux: the holder process's start (clock ticks since boot) and the boot: a reused pid is not the holder. */
  readonly procStart?: string;
  readonly bootId?: string;
}

export interface DirLockOptions {
  /** false: fail at once, naming the holder, instead of waiting. */
  readonly wait?: boolean;
  /** Give up waiting after this many milliseconds (default: wait until it is free). */
  readonly timeoutMs?: number;
  /** What waiters are told holds the directory (default: the command line). */
  readonly command?: string;
  /** Told once per holder while waiting (default: a line on stderr). */
  readonly onWait?: (message: string) => void;
}

let defaults: DirLockOptions = {};

/** The CLI's choice for every data directory this process opens (--no-wait, --lock-timeout, the command's name). */
export function setDirLockDefaults(options: DirLockOptions): void {
  defaults = { ...options };
}

export interface DirLock {
  readonly path: string;
  release(): void;
}

const POLL_MS = 150;
const held = new Map<string, LockHolder>();

export const lockPathOf = (dataDir: string) => `${resolve(dataDir).replace(/[\\/]+$/, '')}.lock`;

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The start of a process on Linux (field 22 of /proc/PID/stat), else undefined. */
function procStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}
const bootId = () => readText('/proc/sys/kernel/random/boot_id')?.trim();

function parse(text: string | undefined): LockHolder | undefined {
  if (!text) return undefined;
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.nonce === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `h` still runs. Another host's process cannot be checked: it counts as alive. */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  if (h.bootId && bootId() && h.bootId !== bootId()) return false;
  if (h.pid === process.pid) return [...held.values()].some((x) => x.nonce === h.nonce);
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = procStart(h.pid);
  return !(h.procStart && start && start !== h.procStart);
}

const clock = (iso: string) => new Date(iso).toTimeString().slice(0, 8);

/** `mvkit load (pid 1234, since 17:02:11)`. */
export function describeHolder(h: LockHolder): string {
  return `${h.command} (pid ${h.pid}${h.host === hostname() ? '' : ` on ${h.host}`}, since ${clock(h.startedAt)})`;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Creates `path` with `text` if it does not exist; false if it does. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** Removes `path` if it still holds `text`: moved aside first, so that only one remover gets it, and put back if it changed meanwhile. */
function removeIfUnchanged(path: string, text: string): void {
  const aside = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: someone else removed it
  }
  if (readText(aside) === text) {
    unlinkSync(aside);
    return;
  }
  // A fresh file replaced the stale one between our read and the rename: give it back.
  try {
    linkSync(aside, path);
  } catch {
    /* taken again meanwhile */
  }
  unlinkSync(aside);
}

/**
 * Removes a stale lock file. Two waiters can find the same stale file: the removal happens under
 * a short-lived guard (`.lock.takeover`, created exclusively), and the file is removed only if it
 * is still the stale one that was read, so a fresh lock taken meanwhile is never removed.
 */
function takeOverStale(path: string, staleText: string, me: LockHolder): boolean {
  const guard = `${path}.takeover`;
  const guardText = JSON.stringify(me);
  if (!createExclusive(guard, guardText)) {
    const text = readText(guard);
    const g = parse(text);
    // A guard whose holder died during its few milliseconds of takeover is stale too.
    if (text !== undefined && (!g || !holderAlive(g))) removeIfUnchanged(guard, text);
    return false;
  }
  try {
    if (readText(path) === staleText) removeIfUnchanged(path, staleText);
  } finally {
    if (readText(guard) === guardText) unlinkSync(guard);
  }
  return true;
}

function releaseSync(path: string): void {
  const h = held.get(path);
  if (!h) return;
  held.delete(path);
  if (parse(readText(path))?.nonce === h.nonce) {
    try {
      unlinkSync(path);
    } catch {
      /* gone already */
    }
  }
  if (!held.size) uninstallExitHooks();
}

// Released on every way out: close, normal exit, an uncaught error (exit), and SIGINT/SIGTERM/SIGHUP.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const onExit = () => {
  for (const path of [...held.keys()]) releaseSync(path);
};
const onSignal = (signal: NodeJS.Signals) => {
  // When the command handles the signal itself (mvkit run ends its batch on Ctrl-C), it keeps
  // working and holds the lock until it closes or exits.
  if (process.listenerCount(signal) > 1) return;
  onExit();
  process.kill(process.pid, signal); // the default action, now that no listener is left
};
let hooked = false;
function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}
function uninstallExitHooks(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the lock of `dataDir`, waiting while another live process holds it (unless told not to). */
export async function acquireDirLock(dataDir: string, options: DirLockOptions = {}): Promise<DirLock> {
  const o = { ...defaults, ...options };
  const path = lockPathOf(dataDir);
  const dir = shown(resolve(dataDir));
  if (held.has(path)) {
    throw new LockError(`${dir} is already open in this process`, { hint: 'close the first connection before opening the directory again' });
  }
  mkdirSync(dirname(path), { recursive: true });
  const start = procStart(process.pid);
  const boot = bootId();
  const me: LockHolder = {
    pid: process.pid, host: hostname(),
    command: o.command ?? `${basename(process.argv[1] ?? 'node')} ${process.argv.slice(2).join(' ')}`.trim(),
    argv: process.argv.slice(1).join(' ').slice(0, 500),
    startedAt: new Date().toISOString(), nonce: randomUUID(),
    ...(start ? { procStart: start } : {}), ...(boot ? { bootId: boot } : {}),
  };
  const text = JSON.stringify(me);
  const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
  let told: string | undefined;
  for (;;) {
    if (createExclusive(path, text)) break;
    const current = readText(path);
    if (current === undefined) continue; // released between the two calls
    const h = parse(current);
    // A file that does not parse was not written by this lock (link creates it whole): treat it as stale.
    if (!h || !holderAlive(h)) {
      // Another process is taking it over: give it the moment that takes.
      if (!takeOverStale(path, current, me)) await sleep(10 + Math.random() * 20);
      continue;
    }
    const who = describeHolder(h);
    if (o.wait === false) {
      throw new LockError(`${dir} is in use by ${who}`, { hint: `wait for it to finish, or run without --no-wait to wait for it; the lock file is ${shown(path)}` });
    }
    if (Date.now() >= deadline) {
      throw new LockError(`gave up after ${(o.timeoutMs ?? 0) / 1000}s waiting for ${who} to release ${dir}`, { hint: 'try again when it has finished, or raise --lock-timeout' });
    }
    if (told !== h.nonce) {
      told = h.nonce;
      (o.onWait ?? ((m: string) => process.stderr.write(`mvkit: ${m}\n`)))(`waiting for ${who} to release ${dir} …`);
    }
    await sleep(Math.min(POLL_MS + Math.random() * POLL_MS, Math.max(deadline - Date.now(), 10)));
  }
  held.set(path, me);
  installExitHooks();
  return { path, release: () => releaseSync(path) };
}

/** Who holds the lock of `dataDir` now (a live process), if anyone. */
export function dirLockHolder(dataDir: string): LockHolder | undefined {
  const h = parse(readText(lockPathOf(dataDir)));
  return h && holderAlive(h) ? h : undefined;
}
