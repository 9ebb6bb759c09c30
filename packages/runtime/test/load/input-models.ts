import { buildGraph, compileManifest, dimension, stream, t, type Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';

/** A stream with a column of every type the DSL has, a stream whose event time may be empty, and a dimension. */
export function inputManifest(): Manifest {
  const readings = stream('readings', {
    columns: {
      tenant_id: t.varchar(8), reading_id: t.varchar(32), at: t.timestamp(), day: t.date(),
      small: t.smallint(), i: t.int(), big: t.bigint(), amount: t.numeric(10, 2), ratio: t.double(),
      flag: t.boolean(), note: t.varchar(24),
    },
    key: ['tenant_id', 'reading_id'],
    tenant: 'tenant_id',
    eventTime: 'at',
  });
  const pings = stream('pings', {
    columns: { tenant_id: t.varchar(8), ping_id: t.varchar(32), at: t.timestamp() },
    key: ['tenant_id', 'ping_id'],
    tenant: 'tenant_id',
    eventTime: 'at',
    eventTimeOptional: true,
  });
  const places = dimension('places', {
    columns: { place_id: t.varchar(8), name: t.varchar(32), pop: t.bigint() },
    key: ['place_id'],
    tenant: { global: 'places are the same for every tenant' },
  });
  return compileManifest(buildGraph([readings, pings, places]), { target: 'postgres', projectName: 'input', projectDir: import.meta.dirname });
}

export async function createInputTables(db: Db, manifest: Manifest): Promise<void> {
  for (const n of manifest.nodes) if (n.kind === 'table') for (const s of n.ddl) await db.exec(s);
}
