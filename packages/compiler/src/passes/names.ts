import type { Model } from '../dsl/model.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import { POSTGRES_RESERVED, REDSHIFT_RESERVED, reservedIn } from './reserved-words.ts';

/**
 * Postgres cuts identifiers at 63 bytes (NAMEDATALEN - 1), Redshift at 127. The local engine
 * runs every project and derives names from model and column names, so the limits are its own:
 * `mvkit.ivm_capture_<model>` (12 bytes of prefix) and `_ivm_del_<column>` (9 bytes) must fit
 * in 63. A longer name would be truncated by Postgres, and two truncated names may collide.
 */
export const MAX_MODEL_NAME_BYTES = 63 - 'ivm_capture_'.length;
export const MAX_COLUMN_NAME_BYTES = 63 - '_ivm_del_'.length;

/** Names are written into SQL unquoted, so they are lower-case identifiers (Postgres folds the rest). */
const SHAPE = /^[a-z_][a-z0-9_]*$/;

type Kind = 'model' | 'landing table' | 'column';

interface NamedThing {
  readonly kind: Kind;
  readonly name: string;
  /** Its role in the model, for the message (see whatOf). */
  readonly role: string;
}

/** What the name is, for the message: `measure "x"`, `the discriminator column`... Written only for a message. */
function whatOf(m: Model, n: NamedThing): string {
  if (n.role === 'model') return `model "${m.name}"`;
  if (n.role === 'landing') return `the landing table "${n.name}" of "${m.name}"`;
  if (n.role === 'discriminator') return `the discriminator column "${n.name}" of "${m.name}"`;
  return `${n.role} "${n.name}" of "${m.name}"`;
}

/**
 * The names a model puts on a target: its relation name and every column it declares or
 * derives (measures, including the `_sum`/`_count` pair of an avg, buckets, derived columns,
 * pivots), and a stream join's landing table and discriminator column.
 */
function namesOf(m: Model): NamedThing[] {
  const out: NamedThing[] = [{ kind: 'model', name: m.name, role: 'model' }];
  const roles = new Map<string, string>();
  switch (m.kind) {
    case 'aggregate': case 'rollup':
      for (const s of m.measures) roles.set(s.name, 'measure');
      if (m.bucket) roles.set(m.bucket.name, 'bucket');
      break;
    case 'enrichment':
      for (const d of m.derive) roles.set(d.name, 'derived column');
      break;
    case 'streamJoin':
      for (const p of m.pivot) roles.set(p.name, 'pivot column');
      out.push({ kind: 'landing table', name: m.landing, role: 'landing' });
      out.push({ kind: 'column', name: m.discriminator, role: 'discriminator' });
      break;
    default:
      break;
  }
  for (const c of Object.keys(m.columns)) out.push({ kind: 'column', name: c, role: roles.get(c) ?? 'column' });
  return out;
}

const isReserved = (n: string) => POSTGRES_RESERVED.has(n) || REDSHIFT_RESERVED.has(n);

/** Renames that read better than a suffix for the words analysts reach for most. */
const USUAL: Readonly<Record<string, readonly string[]>> = {
  timestamp: ['event_time', 'created_at'], open: ['is_open', 'opened_at'], new: ['is_new', 'new_value'], old: ['old_value', 'previous_value'],
  top: ['top_n', 'rank'], percent: ['pct', 'share'], user: ['user_id', 'user_name'], group: ['group_id', 'group_name'], order: ['order_id', 'order_no'],
};

/** Two renames that are neither reserved nor too long. */
function alternatives(name: string, kind: Kind): string[] {
  if (kind === 'column' && USUAL[name]) return [...USUAL[name]];
  const suffixes = kind === 'column' ? ['_id', '_name', '_value', '_at'] : ['s', '_events', '_data'];
  return suffixes.map((s) => `${name}${s}`).filter((n) => !isReserved(n)).slice(0, 2);
}

function renameHint(kind: Kind, name: string, why: string): string {
  const alt = alternatives(name, kind).map((a) => `"${a}"`).join(' or ');
  return `rename the ${kind} "${name}" (${why}), e.g. to ${alt}`;
}

/**
 * Names checked against what both targets accept unquoted: the lower-case identifier shape,
 * the reserved words of Postgres and Redshift (rejected, never quoted: see reserved-words.ts),
 * and the byte limits above. Every check applies whatever targets the project declares.
 */
export function namesPass(graph: ModelGraph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    // A column carried from an input is reported once, at the model that names it first.
    const inherited = new Set((graph.deps.get(m.name) ?? []).flatMap((d) => Object.keys(graph.models.get(d)?.columns ?? {})));
    const seen = new Set<string>();
    for (const n of namesOf(m)) {
      const key = `${n.kind}:${n.name}`;
      if (seen.has(key) || (n.kind === 'column' && inherited.has(n.name))) continue;
      seen.add(key);
      out.push(...checkName(m, n));
    }
  }
  return out;
}

function checkName(m: Model, n: NamedThing): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { name, kind } = n;
  if (typeof name !== 'string' || !SHAPE.test(name)) {
    const fixed = String(name).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^(?=[0-9])/, '_');
    out.push(diag(m, 'invalid-name', `${whatOf(m, n)} is not a lower-case identifier: names are written unquoted into the SQL of both targets, so they are [a-z_][a-z0-9_]* (Postgres would fold upper case to lower case; other characters need quotes)`,
      `rename the ${kind} "${name}", e.g. to "${fixed}"`));
    return out;
  }
  const reserved = reservedIn(name);
  if (reserved) {
    const silent = name === 'user' || name.startsWith('current_') || name === 'session_user' || name === 'system_user';
    out.push(diag(m, 'reserved-word', `${whatOf(m, n)} is a reserved word in ${reserved}: mvkit does not quote names, and the ${kind === 'column' ? 'DDL and every query that names it' : 'DDL'} would fail${silent ? ` (worse, an unquoted ${name} in a SELECT reads the session's ${name === 'user' ? 'user name' : name} instead of the column)` : ''}`,
      renameHint(kind, name, `reserved in ${reserved}`)));
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (kind === 'column' && bytes > MAX_COLUMN_NAME_BYTES) {
    out.push(diag(m, 'name-too-long', `${whatOf(m, n)} is ${bytes} bytes long; column names are limited to ${MAX_COLUMN_NAME_BYTES} bytes: Postgres cuts identifiers at 63 bytes (Redshift at 127), and the local engine adds up to 9 bytes to a column name for its own columns (_ivm_del_<column>, _ivm_nn_<column>)`,
      `shorten the column name to ${MAX_COLUMN_NAME_BYTES} bytes or fewer`));
  } else if (kind !== 'column' && bytes > MAX_MODEL_NAME_BYTES) {
    out.push(diag(m, 'name-too-long', `${whatOf(m, n)} is ${bytes} bytes long; relation names are limited to ${MAX_MODEL_NAME_BYTES} bytes: Postgres cuts identifiers at 63 bytes (Redshift at 127), and the local engine adds up to 12 bytes to a relation name for its own objects (mvkit.ivm_capture_<name>, mvkit.ivm_log_<name>, <name>__ivm_trunc)`,
      `shorten the ${kind} name to ${MAX_MODEL_NAME_BYTES} bytes or fewer`));
  }
  if (kind === 'column' && name.startsWith('_ivm_')) {
    out.push(diag(m, 'reserved-name', `${whatOf(m, n)} starts with "_ivm_", the prefix of the local engine's hidden columns (_ivm_k, _ivm_count, _ivm_seq...)`, `rename the column "${name}" without the "_ivm_" prefix`));
  }
  return out;
}
