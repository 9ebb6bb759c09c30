import type { RefreshTrace } from '@mvkit/runtime/ivm/index.ts';

/**
 * MVKIT_IVM_TRACE=1: every statement of each local-engine refresh with its duration, on stderr;
 * MVKIT_IVM_TRACE=explain: with its plan. Read by the CLI only; the runtime gets it as an option.
 */
export function ivmTraceFromEnv(env: NodeJS.ProcessEnv = process.env): RefreshTrace | undefined {
  const v = env.MVKIT_IVM_TRACE;
  if (!v) return undefined;
  return { explain: v === 'explain', write: (line) => { process.stderr.write(line); } };
}
