import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takes, type Claims, type Side } from '../src/analyzer-claims.ts';

// Two threads share a project's MVs (analyzer-claims.ts), each going through the manifest in
// order at its own pace. Whatever the interleaving, every MV must be analyzed by exactly one
// of them, and every MV of a component by the same one (the chain rule reads the MVs an MV
// names, which are in its component).
describe('the worker and the compiler thread taking components', () => {
  it('every MV once, every component whole, under any interleaving', () => {
    fc.assert(fc.property(
      // Per node: its component, or -1 (not an MV to analyze); components numbered by first appearance below.
      fc.array(fc.integer({ min: -1, max: 12 }), { minLength: 1, maxLength: 120 }),
      // The schedule: which thread steps next (true: the worker), and a late start for one of them.
      fc.array(fc.boolean(), { minLength: 1, maxLength: 700 }),
      fc.integer({ min: 0, max: 100 }),
      fc.boolean(),
      // The lag a thread may be behind before its components are taken (64 in use; small ones interleave more).
      fc.integer({ min: 0, max: 70 }),
      (raw, schedule, delay, workerLate, lag) => {
        const number = new Map<number, number>();
        const componentOf = Int32Array.from(raw.map((c) => (c < 0 ? -1 : (number.has(c) ? number.get(c)! : (number.set(c, number.size), number.size - 1)))));
        const firstOf = new Int32Array(number.size);
        const seen = new Set<number>();
        componentOf.forEach((c, i) => { if (c >= 0 && !seen.has(c)) { seen.add(c); firstOf[c] = i; } });
        const claims: Claims = { componentOf, firstOf, claims: new Int32Array(number.size), positions: new Int32Array(3) };
        const next: Record<Side, number> = { 1: 0, 2: 0 };
        const took = new Map<number, Side>();
        const step = (side: Side) => {
          // The pass calls takes for each MV node in order.
          while (next[side] < componentOf.length && componentOf[next[side]]! < 0) next[side]++;
          if (next[side] >= componentOf.length) return;
          const i = next[side]++;
          if (takes(claims, side, i, lag)) {
            expect(took.has(i), `node ${i} taken twice`).toBe(false);
            took.set(i, side);
          }
        };
        let k = 0;
        const late: Side = workerLate ? 1 : 2;
        for (; k < delay; k++) step(late === 1 ? 2 : 1);
        for (const worker of schedule) step(worker ? 1 : 2);
        // Each thread then runs to its end, in either order.
        for (const side of [schedule.length % 2 ? 1 : 2, schedule.length % 2 ? 2 : 1] as Side[]) for (let n = 0; n < componentOf.length; n++) step(side);
        const bySide = new Map<number, Side>();
        componentOf.forEach((c, i) => {
          if (c < 0) return;
          const side = took.get(i);
          expect(side, `node ${i} of component ${c} analyzed by nobody`).toBeDefined();
          if (bySide.has(c)) expect(side, `component ${c} split between the threads`).toBe(bySide.get(c));
          else bySide.set(c, side!);
        });
      },
    ), { numRuns: 500 });
  });
});
