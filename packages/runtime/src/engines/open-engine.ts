import type { Db } from '../db/db.ts';
import type { Engine } from './engine.ts';
import { localEngine } from './local-engine.ts';
import { redshiftEngine } from './redshift-engine.ts';

/** The engine for a connection: Redshift runs the Redshift DDL, the others the local engine. */
export async function engineFor(db: Db): Promise<Engine> {
  return db.kind === 'redshift' ? redshiftEngine() : localEngine(db.kind);
}
