// Started by sync-kill.test.ts: `tsx sync-kill-child.ts <local url> <operational url> <manifest.json> <model>`
// syncs every served model, and stops inside <model>'s operational transaction (rows and position
// written, not committed), saying so on stdout, until it is killed.
import { readFileSync } from 'node:fs';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import { syncServed } from '../../src/serving/sync.ts';

const [localUrl, opUrl, manifestFile, victim] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestFile!, 'utf8')) as Manifest;
const local = await openPostgres(localUrl!);
const op = await openPostgres(opUrl!);
await syncServed(local, op, manifest, {
  beforeCommit: async (model) => {
    process.stdout.write(`before commit ${model}\n`);
    if (model === victim) await new Promise(() => setInterval(() => undefined, 60_000));
  },
});
process.stdout.write('finished\n');
await local.close();
await op.close();
