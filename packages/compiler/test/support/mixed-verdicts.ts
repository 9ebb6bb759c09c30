/**
 * SQL models with a verdict of each kind, over users_hourly (an aggregate), events (a stream) and
 * kinds (a dimension), as the text of a model file's exports (they import sqlModel and t): an MV
 * on users_hourly (the chain rule makes it full when users_hourly counts distinct users), an
 * outer join, and SQL that does not parse.
 */
export const mixedVerdictModels = `export const top = sqlModel('users_top', {
  materialized: 'mv', sql: 'SELECT tenant_id, MAX(users) AS peak FROM {{ref "users_hourly"}} GROUP BY tenant_id',
  columns: { tenant_id: t.varchar(32), peak: t.bigint() }, tenant: 'tenant_id',
});
export const outer = sqlModel('events_labelled', {
  materialized: 'mv', sql: 'SELECT e.tenant_id, e.id, k.label FROM {{ref "events"}} e LEFT JOIN {{ref "kinds"}} k ON k.tenant_id = e.tenant_id AND k.k = e.k',
  columns: { tenant_id: t.varchar(32), id: t.varchar(64), label: t.varchar(64) }, tenant: 'tenant_id',
});
export const broken = sqlModel('broken_mv', {
  materialized: 'mv', sql: 'SELECT tenant_id, COUNT(*) AS n FROM {{ref "events"}} GROUP BY tenant_id HAVING',
  columns: { tenant_id: t.varchar(32), n: t.bigint() }, tenant: 'tenant_id',
});
`;
