// Started by crash.test.ts: `tsx crash-child.ts <url> <manifest.json> <node> <seconds>` refreshes every
// MV of the manifest on the database, the refresh of <node> sleeping <seconds> inside its transaction.
import { readFileSync } from 'node:fs';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import { refreshAll } from '../../src/ivm/index.ts';

const [url, manifestFile, pauseNode, pauseSeconds] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestFile!, 'utf8')) as Manifest;
const db = await openPostgres(url!);
await refreshAll(db, manifest, {
  pauseInTransaction: (node) => (node === pauseNode ? Number(pauseSeconds) : 0),
  onProgress: (_d, _t, r) => process.stdout.write(`refreshed ${r.node}\n`) });
await db.close();
