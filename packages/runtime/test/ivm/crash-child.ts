// Started by crash.test.ts: refreshes every MV of the manifest in the given file, on the given
// database, with MVKIT_IVM_PAUSE_IN_REFRESH making one refresh sleep inside its transaction.
import { readFileSync } from 'node:fs';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import { refreshAll } from '../../src/ivm/index.ts';

const [url, manifestFile] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestFile!, 'utf8')) as Manifest;
const db = await openPostgres(url!);
await refreshAll(db, manifest, { onProgress: (_d, _t, r) => process.stdout.write(`refreshed ${r.node}\n`) });
await db.close();
