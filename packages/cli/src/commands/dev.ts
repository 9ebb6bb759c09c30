import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { projectDir } from '../project-options.ts';

/** The CLI's own entry: src/bin.ts run through tsx from sources, dist/bin.js (beside this bundle) once built. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const BIN = FROM_SOURCES ? join(dirname(fileURLToPath(import.meta.url)), '..', 'bin.ts') : fileURLToPath(new URL('./bin.js', import.meta.url));

/**
 * Model files are ES modules: a process imports each once. Every recompile runs in a fresh
 * child (`tsx bin.ts plan|apply`), which sees the saved files and prints diagnostics and the plan.
 */
function runChild(dir: string, args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...(FROM_SOURCES ? ['--import', 'tsx'] : []), BIN, '-p', dir, ...args], { stdio: 'inherit', env: process.env });
    child.on('exit', (code) => done(code ?? 1));
    child.on('error', () => done(1));
  });
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('Watch models/ and macros/: on every save recompile, print diagnostics and the plan against the local engine; apply it with --apply.')
    .option('-t, --target <name>', 'a local target (pglite or postgres) of mvkit.config.ts', 'local')
    .option('--apply', 'apply the plan after each successful compile')
    .option('--allow-destructive', 'with --apply: run destructive stages too')
    .action(async (opts: { target: string; apply?: boolean; allowDestructive?: boolean }, cmd: Command) => {
      const { watch } = await import('chokidar');
      const dir = resolve(projectDir(cmd));
      const paths = ['models', 'macros'].map((p) => join(dir, p)).filter(existsSync);
      const args = [opts.apply ? 'apply' : 'plan', '--target', opts.target, ...(opts.allowDestructive ? ['--allow-destructive'] : [])];
      let running = false;
      let again = false;
      let timer: NodeJS.Timeout | undefined;
      const cycle = async (why: string) => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        process.stdout.write(`\n── ${new Date().toLocaleTimeString()} ${why}: mvkit ${args.join(' ')}\n`);
        await runChild(dir, args);
        running = false;
        if (again) {
          again = false;
          await cycle('more changes');
        }
      };
      const watcher = watch(paths, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 } });
      watcher.on('all', (event, path) => {
        clearTimeout(timer);
        timer = setTimeout(() => void cycle(`${event} ${path.slice(dir.length + 1)}`), 150);
      });
      await new Promise<void>((ready) => watcher.on('ready', () => ready()));
      process.stdout.write(`watching ${paths.map((p) => p.slice(dir.length + 1)).join(', ')} (Ctrl-C to stop)\n`);
      await cycle('start');
      await new Promise<void>((stop) => process.once('SIGINT', () => void watcher.close().then(() => stop())));
    });
}
