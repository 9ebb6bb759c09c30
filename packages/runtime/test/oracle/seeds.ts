import type { RunOptions } from './run-random.ts';

/** The seeds of a run: MVKIT_ORACLE_SEED replays one, MVKIT_ORACLE_RUNS changes how many. */
export function randomSeeds(runs: number, base: number): number[] {
  const one = process.env.MVKIT_ORACLE_SEED;
  if (one) return [Number(one)];
  const n = Number(process.env.MVKIT_ORACLE_RUNS ?? runs);
  return Array.from({ length: n }, (_, i) => base + i);
}

/** MVKIT_ORACLE_MEMBER_INPUTS=0 leaves out models reading a stream-join member stream, to look past a failure there. */
export function runOptions(): RunOptions {
  return { memberInputs: process.env.MVKIT_ORACLE_MEMBER_INPUTS !== '0' };
}

/** Operations per project: MVKIT_ORACLE_OPS overrides the test's count. */
export function opsPerProject(ops: number): number {
  return Number(process.env.MVKIT_ORACLE_OPS ?? ops);
}
