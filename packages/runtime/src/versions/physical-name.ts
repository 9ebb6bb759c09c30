import { createHash } from 'node:crypto';
import type { ManifestNode } from '@mvkit/compiler';

/**
 * The longest physical name: the compiler's limit for model names (passes/names.ts,
 * MAX_MODEL_NAME_BYTES), so that the engine's derived names (mvkit.ivm_capture_<name>, ...) fit
 * Postgres' 63 bytes as they do for a model; well within Redshift's 127.
 */
export const MAX_PHYSICAL_BYTES = 63 - 'ivm_capture_'.length;

/** Derived nodes (MVs and views) are versioned; landing and dimension tables keep their names. */
export const isVersioned = (n: Pick<ManifestNode, 'kind'>): boolean => n.kind !== 'table';

/**
 * The relation a version of a derived node is stored in: `<model>__<8 hex of its fingerprint>`.
 * The fingerprint hashes the definition and the parents' fingerprints (compile.ts), so a change
 * gives the node and everything downstream new names. A name too long to take the suffix is cut,
 * and the suffix then hashes the whole name too, so two cut names never meet.
 */
export function physicalName(model: string, fingerprint: string): string {
  const full = `${model}__${fingerprint.slice(0, 8)}`;
  if (Buffer.byteLength(full, 'utf8') <= MAX_PHYSICAL_BYTES) return full;
  const hash = createHash('sha1').update(`${model}\0${fingerprint}`).digest('hex').slice(0, 8);
  let head = model;
  while (Buffer.byteLength(`${head}__${hash}`, 'utf8') > MAX_PHYSICAL_BYTES) head = head.slice(0, -1);
  return `${head}__${hash}`;
}

/**
 * What a version is identified by: the node's fingerprint, the statements the engine creates it
 * with (a change of the emitter or of the engine's storage is a new version, as it is a rebuild
 * for a plain apply), and its parents' physical names (a new parent version is a new version).
 */
export function versionKey(n: Pick<ManifestNode, 'fingerprint'>, ddl: readonly string[], parents: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify({ fingerprint: n.fingerprint, ddl, parents })).digest('hex');
}
