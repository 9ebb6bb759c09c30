/** The seeds of a run: MVKIT_ORACLE_SEED replays one, MVKIT_ORACLE_RUNS changes how many. */
export function randomSeeds(runs: number, base: number): number[] {
  const one = process.env.MVKIT_ORACLE_SEED;
  if (one) return [Number(one)];
  const n = Number(process.env.MVKIT_ORACLE_RUNS ?? runs);
  return Array.from({ length: n }, (_, i) => base + i);
}
