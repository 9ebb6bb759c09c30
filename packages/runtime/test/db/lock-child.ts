import { appendFileSync } from 'node:fs';
import { acquireDirLock } from '../../src/db/dir-lock.ts';

/**
 * A process that holds a data directory's lock: `hold DIR MS LOG` holds it MS milliseconds and
 * writes `start PID` / `end PID` to LOG around that; `hold DIR forever` until it is killed.
 */
const [dir, ms, log] = process.argv.slice(2);
const lock = await acquireDirLock(dir!, { command: 'lock-child', onWait: () => undefined });
if (log) appendFileSync(log, `start ${process.pid} ${Date.now()}\n`);
process.stdout.write('held\n');
if (ms === 'forever') await new Promise(() => setInterval(() => undefined, 60_000));
await new Promise((r) => setTimeout(r, Number(ms)));
if (log) appendFileSync(log, `end ${process.pid} ${Date.now()}\n`);
lock.release();
