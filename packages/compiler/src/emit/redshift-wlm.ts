import type { Manifest } from '../manifest.ts';

/*
 * A suggested wlm_json_configuration for a cluster that runs mvkit: a queue for refresh and load
 * (their sessions SET query_group), a dashboard queue with concurrency scaling, and an analysts' queue
 * with query monitoring rules, then the default queue. Automatic WLM, priorities per queue.
 * - Parameter and queue fields: https://docs.aws.amazon.com/redshift/latest/mgmt/workload-mgmt-config.html
 * - Query monitoring rules and their metrics: https://docs.aws.amazon.com/redshift/latest/dg/cm-c-wlm-query-monitoring-rules.html
 * - What concurrency scaling runs: https://docs.aws.amazon.com/redshift/latest/dg/concurrency-scaling.html
 *   (COPY, INSERT, DELETE, UPDATE, CTAS, and the refresh of MVs without aggregation; not writes to a
 *   DISTSTYLE ALL table, not queries on external resources behind a restricted network).
 */

export interface WlmGroups {
  /** The query_group `mvkit refresh` sets (`--query-group`). */
  readonly refresh: string;
  /** The query_group copy.sql sets (`load --redshift-copy --query-group`). */
  readonly load: string;
}

export const DEFAULT_WLM_GROUPS: WlmGroups = { refresh: 'mvkit_refresh', load: 'mvkit_load' };

export interface WlmWarning {
  readonly node: string;
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export function redshiftWlmConfiguration(groups: WlmGroups = DEFAULT_WLM_GROUPS): string {
  const queues = [
    { name: 'mvkit refresh and load', query_group: [groups.refresh, groups.load], user_group: [], auto_wlm: true, priority: 'high', concurrency_scaling: 'auto' },
    { name: 'dashboards', query_group: ['dashboard'], user_group: ['dashboards'], auto_wlm: true, priority: 'normal', concurrency_scaling: 'auto' },
    {
      name: 'analysts', query_group: [], user_group: ['analysts'], auto_wlm: true, priority: 'low', concurrency_scaling: 'off',
      rules: [
        { rule_name: 'analysts_abort_over_30_min', predicate: [{ metric_name: 'query_execution_time', operator: '>', value: 1800 }], action: 'abort' },
        { rule_name: 'analysts_log_nested_loop', predicate: [{ metric_name: 'nested_loop_join_row_count', operator: '>', value: 1000000 }], action: 'log' },
        { rule_name: 'analysts_hop_big_scans', predicate: [{ metric_name: 'scan_row_count', operator: '>', value: 1000000000 }], action: 'change_query_priority', priority: 'lowest' },
      ],
    },
    { name: 'default', auto_wlm: true, priority: 'normal', concurrency_scaling: 'off' },
  ];
  return `${JSON.stringify(queues, null, 2)}\n`;
}

/** The MVs whose refresh cannot run on a concurrency-scaling cluster, and why. */
export function concurrencyScalingWarnings(manifest: Manifest): WlmWarning[] {
  const out: WlmWarning[] = [];
  for (const n of manifest.nodes) {
    if (n.kind !== 'mv') continue;
    const why: string[] = [];
    if (n.role === 'aggregate' || n.role === 'rollup' || /\bGROUP\s+BY\b/i.test(n.sql ?? '')) why.push('it aggregates (concurrency scaling refreshes only MVs without aggregation)');
    if (n.physical.distStyle === 'all') why.push('it is DISTSTYLE ALL (writes to DISTSTYLE ALL are not scaled)');
    if (why.length) out.push({ node: n.name, file: n.file, line: n.line, message: `the refresh of ${n.name} runs on the main cluster, not on concurrency scaling: ${why.join('; ')}` });
  }
  return out;
}
