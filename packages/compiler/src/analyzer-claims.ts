/**
 * How the worker thread and the compiler's thread share a project's MVs (analyzer-pool.ts).
 * Each component of MVs is meant for one of them, alternately in the order the components come
 * (the even ones for the worker). Both go through the manifest in order and say how far they
 * are. A thread that comes to the first MV of a component meant for the other takes it when
 * the other is more than LAG nodes behind (still loading, or slower), so that neither waits long
 * for the other. A component is taken at its first MV only (a thread that comes later to one of
 * its MVs has passed its first one), once (compare-and-swap), and its MVs are analyzed by that
 * thread alone, in order.
 */
export interface Claims {
  /** The component of each node, -1 for the nodes that are not MVs to analyze. */
  readonly componentOf: Int32Array;
  /** Per component: the node index of its first MV, where it is taken (or not) once and for all. */
  readonly firstOf: Int32Array;
  /** Per component: 0 nobody, 1 the worker, 2 the compiler's thread. */
  readonly claims: Int32Array;
  /** [unused, the worker's node index, the compiler thread's node index]. */
  readonly positions: Int32Array;
}

export type Side = 1 | 2;

/** Nodes the other thread may be behind before its components are taken. */
const LAG = 64;

/** Whether `side` analyzes node i, which it has come to: claims its component if it is the first there. */
export function takes(c: Claims, side: Side, i: number, lag = LAG): boolean {
  Atomics.store(c.positions, side, i);
  const component = c.componentOf[i]!;
  if (component < 0) return false;
  const owner = Atomics.load(c.claims, component);
  if (owner !== 0) return owner === side;
  // Left at its first MV for the other thread, which has not come to it yet.
  if (i !== c.firstOf[component]) return false;
  const meant: Side = component % 2 === 0 ? 1 : 2;
  const other: Side = side === 1 ? 2 : 1;
  if (meant !== side && Atomics.load(c.positions, other) + lag > i) return false;
  return Atomics.compareExchange(c.claims, component, 0, side) === 0;
}
