/**
 * The worker thread of analyzer-pool.ts: it loads the SQL parser and the analyzer, runs them on
 * a few hundred MVs shaped like a project's (so that V8 has compiled and optimized them), then
 * analyzes the MVs of the manifest it is sent with the very function the compiler calls in its
 * own thread (analyzeManifestMvs).
 */
import { parentPort } from 'node:worker_threads';
import { initAnalyzer, SqlParseError } from './analyzer/index.ts';
import { takes } from './analyzer-claims.ts';
import type { Manifest, ManifestNode } from './manifest.ts';
import { analyzeManifestMvs } from './passes/eligibility.ts';
import type { AnalysisJob, AnalysisReply, WorkerAnalysis } from './analyzer-pool.ts';

/** About 600 MVs in batches of 60: the analyzer is optimized by then (its time per MV is flat). */
const WARM_ROUNDS = 10;
const WARM_BATCH = 20;

const port = parentPort!;
let job: AnalysisJob | undefined;
port.on('message', (message: AnalysisJob) => {
  job = message;
  if (warm) run(message);
});
let warm = false;

await initAnalyzer();
await warmUp();
warm = true;
if (job) run(job);

function run(j: AnalysisJob): void {
  let reply: AnalysisReply;
  try {
    const include = new Set(j.include);
    const nodes = j.nodes.map((n) => ({ ...n, ddl: [n.ddl] })) as unknown as ManifestNode[];
    const manifest = { nodes } as unknown as Manifest;
    const indexOf = new Map(nodes.map((n, i) => [n, i]));
    // With a split, only the components this thread takes (analyzer-claims.ts).
    const split = j.split;
    const mine = split ? (i: number) => takes(split, 1, i) : (i: number) => include.has(i);
    const analyses: WorkerAnalysis[] = analyzeManifestMvs(manifest, (n) => mine(indexOf.get(n)!)).map(({ node, result, error }) => error
      ? { index: indexOf.get(node)!, error: { message: error.message, line: error.line, column: error.column } }
      : { index: indexOf.get(node)!, result: result! });
    reply = { id: j.id, analyses };
  } catch (e) {
    reply = { id: j.id, failed: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  port.postMessage(reply);
}

/**
 * MVs of the shapes the compiler emits (an enrichment's join, an hourly aggregate with
 * conditional counts, a daily rollup), each name varied: the analyzer's functions are run often
 * enough to be optimized before the project's MVs arrive. Stops as soon as a job is waiting.
 */
async function warmUp(): Promise<void> {
  const shapes = (i: number) => [
    `CREATE MATERIALIZED VIEW w_e${i}\nBACKUP YES\nDISTKEY (id)\nSORTKEY (tenant_id, id)\nAUTO REFRESH NO\nAS\nSELECT\n  i.tenant_id,\n  i.id,\n  i.k${i % 7},\n  i.amount,\n  i.at,\n  d1.label\nFROM w_s${i} AS i\nJOIN w_d${i} AS d1 ON d1.tenant_id = i.tenant_id AND d1.k = i.k;`,
    `CREATE MATERIALIZED VIEW w_a${i}\nBACKUP YES\nDISTKEY (tenant_id)\nSORTKEY (tenant_id, hour)\nAUTO REFRESH NO\nAS\nSELECT\n  tenant_id,\n  label,\n  DATE_TRUNC('hour', at) AS hour,\n  COUNT(*) AS n,\n  SUM(amount) AS total,\n  SUM(CASE WHEN amount > ${i} THEN 1 ELSE 0 END) AS big,\n  MAX(amount) AS max_amount\nFROM w_e${i}\nGROUP BY tenant_id, label, DATE_TRUNC('hour', at);`,
    `CREATE MATERIALIZED VIEW w_r${i}\nBACKUP YES\nDISTKEY (tenant_id)\nSORTKEY (tenant_id, day)\nAUTO REFRESH NO\nAS\nSELECT\n  tenant_id,\n  DATE_TRUNC('day', hour) AS day,\n  SUM(n) AS n,\n  SUM(total) AS total,\n  MAX(max_amount) AS max_amount\nFROM w_a${i}\nWHERE tenant_id <> 'x${i}'\nGROUP BY tenant_id, DATE_TRUNC('day', hour);`,
  ];
  const column = (name: string, type: string) => ({ name, type });
  for (let round = 0; round < WARM_ROUNDS && !job; round++) {
    const nodes: unknown[] = [];
    for (let i = round * WARM_BATCH; i < (round + 1) * WARM_BATCH; i++) {
      nodes.push({ name: `w_s${i}`, kind: 'table', columns: [column('tenant_id', 'VARCHAR(32)'), column('id', 'VARCHAR(64)'), column('amount', 'BIGINT'), column('at', 'TIMESTAMP')], ddl: [''] });
      nodes.push({ name: `w_d${i}`, kind: 'table', columns: [column('tenant_id', 'VARCHAR(32)'), column('k', 'VARCHAR(32)'), column('label', 'VARCHAR(64)')], ddl: [''] });
      const [e, a, r] = shapes(i);
      for (const [name, ddl] of [[`w_e${i}`, e], [`w_a${i}`, a], [`w_r${i}`, r]] as const) nodes.push({ name, kind: 'mv', columns: [], ddl: [ddl] });
    }
    try {
      analyzeManifestMvs({ nodes } as unknown as Manifest);
    } catch (e) {
      if (!(e instanceof SqlParseError)) throw e;
    }
    // Lets a job that has arrived be read.
    await new Promise((r) => setImmediate(r));
  }
}
