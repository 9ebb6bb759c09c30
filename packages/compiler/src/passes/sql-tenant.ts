import type { Diagnostic } from '../errors.ts';
import type { ModelGraph } from '../graph.ts';

export function sqlTenantPass(_graph: ModelGraph, _sqlOf: ReadonlyMap<string, string>): Diagnostic[] {
  return [];
}
