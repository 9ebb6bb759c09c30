import { esc, lineageSvg, type GraphNode } from './lineage-svg.ts';
import { SITE_CSS, SITE_JS } from './site-assets.ts';
import type { NodeDoc, SiteData } from './site-data.ts';

/** File names under models/ and src/: the node names are SQL identifiers, the sources relative paths. */
export const modelHref = (name: string) => `models/${name}.html`;
const sourceHref = (file: string) => `src/${file.replace(/[^A-Za-z0-9._-]/g, '_')}.html`;

function verdictOf(n: NodeDoc): GraphNode['verdict'] {
  if (n.eligibility) return n.eligibility.verdict === 'incremental' ? 'incremental' : n.eligibility.verdict === 'invalid' ? 'invalid' : 'full';
  return 'none';
}

function graphNodes(nodes: readonly NodeDoc[], root: string): GraphNode[] {
  return nodes.map((n) => ({
    name: n.name, kind: n.kind, dependsOn: n.dependsOn, href: root + modelHref(n.name), verdict: verdictOf(n),
    label: n.eligibility ? `${n.role} · ${n.eligibility.verdict}` : n.role,
  }));
}

function page(title: string, root: string, body: string, data: SiteData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${esc(data.project)}</title><link rel="stylesheet" href="${root}site.css"></head>
<body data-root="${root}">
<header><a class="home" href="${root}index.html">${esc(data.project)}</a>
<input id="search" type="search" placeholder="Search models and columns" aria-label="search models and columns" autocomplete="off">
<div id="results" role="listbox"></div>
<span class="muted">generated ${esc(data.generatedAt)}</span></header>
<main>${body}</main>
<script src="${root}search-index.js"></script><script src="${root}site.js"></script>
</body></html>
`;
}

function badge(n: NodeDoc): string {
  if (!n.eligibility) return '';
  return `<span class="badge ${n.eligibility.verdict}" title="Redshift incremental refresh">${esc(n.eligibility.verdict)}</span>`;
}

function indexPage(data: SiteData): string {
  const rows = data.nodes.map((n) => `<tr><td><a href="${modelHref(n.name)}">${esc(n.name)}</a></td><td>${n.kind}</td><td>${n.role}</td>`
    + `<td>${badge(n)}</td><td>${n.local ? esc(n.local.mode) : ''}</td>`
    + `<td>${n.status ? (n.status.stale ? '<span class="badge stale">stale</span>' : esc(n.status.deployment)) : ''}</td>`
    + `<td class="muted">${esc(n.description ?? '')}</td><td><a href="${sourceHref(n.file)}#L${n.line}">${esc(n.file)}:${n.line}</a></td></tr>`).join('\n');
  const fresh = data.freshness.length
    ? `<h2>Freshness${data.statusTarget ? ` on ${esc(data.statusTarget)}` : ''}</h2><table><tr><th>stream</th><th>newest event</th></tr>${data.freshness.map((f) => `<tr><td>${esc(f.stream)}</td><td>${esc(f.newestEvent ?? 'no events yet')}</td></tr>`).join('')}</table>`
    : '';
  const mvs = data.nodes.filter((n) => n.kind === 'mv');
  const incremental = mvs.filter((n) => n.eligibility?.verdict === 'incremental').length;
  return page('Lineage', '', `<h1>${esc(data.project)}</h1>
<p class="muted">${data.nodes.length} nodes: ${data.nodes.filter((n) => n.kind === 'table').length} tables, ${mvs.length} materialized views (${incremental} refresh incrementally on Redshift), ${data.nodes.filter((n) => n.kind === 'view').length} views.</p>
<h2>Lineage</h2><div class="graph" id="lineage">${lineageSvg(graphNodes(data.nodes, ''))}</div>
${fresh}
<h2>Models</h2><table id="models"><tr><th>node</th><th>kind</th><th>role</th><th>Redshift refresh</th><th>local engine</th><th>state</th><th>description</th><th>declared in</th></tr>
${rows}</table>`, data);
}

function columnsTable(n: NodeDoc): string {
  const rows = n.columns.map((c) => {
    const src = c.sources.map((s) => `<a href="${s.node}.html#col-${esc(s.column)}">${esc(s.node)}.${esc(s.column)}</a>`).join(', ');
    const flags = [n.key?.includes(c.name) ? 'key' : '', n.tenant === c.name ? 'tenant' : '', n.eventTime === c.name ? 'event time' : ''].filter(Boolean).join(', ');
    return `<tr id="col-${esc(c.name)}"><td><code>${esc(c.name)}</code>${flags ? ` <span class="muted">(${flags})</span>` : ''}</td><td><code>${esc(c.type)}</code></td><td>${c.nullable ? 'yes' : 'no'}</td>`
      + `<td>${esc(c.description ?? '')}</td><td>${c.definition ? `<code>${esc(c.definition)}</code>` : ''}</td><td>${src}</td></tr>`;
  }).join('\n');
  return `<table id="columns"><tr><th>column</th><th>type</th><th>nullable</th><th>description</th><th>definition</th><th>from</th></tr>${rows}</table>`;
}

function modelPage(n: NodeDoc, data: SiteData): string {
  const link = (name: string) => `<a href="${name}.html">${esc(name)}</a>`;
  const near = new Set([n.name, ...n.dependsOn, ...n.usedBy]);
  const neighbours = graphNodes(data.nodes.filter((x) => near.has(x.name)), '../')
    .map((g) => ({ ...g, dependsOn: g.dependsOn.filter((d) => near.has(d)) }));
  const p = n.physical;
  const physical = [p.distStyle ? `DISTSTYLE ${p.distStyle.toUpperCase()}` : '', p.distKey ? `DISTKEY(${p.distKey})` : '', p.sortKey.length ? `SORTKEY(${p.sortKey.join(', ')})` : '',
    n.kind === 'mv' ? `AUTO REFRESH ${p.autoRefresh ? 'YES' : 'NO'}` : '', p.backup ? '' : 'BACKUP NO'].filter(Boolean).join(' · ') || 'defaults';
  const elig = n.eligibility
    ? `<h2>Incremental refresh</h2><p id="verdict">Redshift: ${badge(n)}${n.local ? ` · local engine: <span class="badge ${n.local.mode}">${n.local.mode}</span>${n.local.reason ? ` <span class="muted">${esc(n.local.reason)}</span>` : ''}` : ''}</p>`
      + (n.eligibility.reasons.length ? `<ul id="reasons">${n.eligibility.reasons.map((r) => `<li><code>${esc(r.code)}</code> ${esc(r.message)}${r.hint ? `<br><span class="muted">hint: ${esc(r.hint)}</span>` : ''}</li>`).join('')}</ul>` : '<p class="muted">No reason against an incremental refresh.</p>')
    : '';
  const state = n.status
    ? `<h2>Deployed state${data.statusTarget ? ` on ${esc(data.statusTarget)}` : ''}</h2><dl class="facts"><dt>deployment</dt><dd>${esc(n.status.deployment)}</dd>`
      + (n.kind === 'mv' ? `<dt>freshness</dt><dd>${n.status.stale === null ? esc(n.status.staleness ?? 'unknown') : n.status.stale ? `<span class="badge stale">stale</span> ${esc(n.status.staleness ?? '')}` : 'fresh'}</dd><dt>last refresh</dt><dd>${esc(n.status.lastRefresh ?? 'never')}</dd>` : '')
      + '</dl>'
    : '';
  const asserts = n.assertions.length
    ? `<h2>Assertions</h2><table id="assertions"><tr><th>assertion</th><th>level</th><th>holds when</th><th>last result</th><th>SQL (Redshift)</th></tr>${n.assertions.map((a) => `<tr><td><code>${esc(a.id)}</code></td><td>${a.level}</td><td>${esc(a.description)}</td>`
      + `<td>${a.last ? `<span class="badge ${a.last.status === 'pass' ? 'incremental' : a.level === 'error' ? 'invalid' : 'full'}">${a.last.status}</span>${a.last.status === 'fail' ? ` ${a.last.failingRows} row(s)` : ''} <span class="muted">${esc(a.last.command)} ${esc(a.last.at)}</span>` : '<span class="muted">not run here</span>'}</td>`
      + `<td><details><summary>SQL</summary><pre>${esc(a.sql)}</pre></details></td></tr>`).join('')}</table>`
    : '';
  const warnings = n.warnings.length ? `<h2>Warnings</h2><ul>${n.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  return page(n.name, '../', `<h1 id="model-name">${esc(n.name)}</h1>
<p>${esc(n.description ?? '')}</p>
<dl class="facts">
<dt>kind</dt><dd>${n.kind} (${n.role})${n.model !== n.name ? `, declared by model ${esc(n.model)}` : ''}</dd>
<dt>declared in</dt><dd><a id="source-link" href="../${sourceHref(n.file)}#L${n.line}">${esc(n.file)}:${n.line}</a></dd>
<dt>key</dt><dd>${n.key ? n.key.map((k) => `<code>${esc(k)}</code>`).join(', ') : 'none'}</dd>
<dt>tenant column</dt><dd>${n.tenant ? `<code>${esc(n.tenant)}</code>` : 'none (global)'}</dd>
${n.eventTime ? `<dt>event time</dt><dd><code>${esc(n.eventTime)}</code></dd>` : ''}
<dt>physical design</dt><dd>${esc(physical)}</dd>
<dt>reads</dt><dd>${n.dependsOn.map(link).join(', ') || 'nothing (a source)'}</dd>
<dt>read by</dt><dd>${n.usedBy.map(link).join(', ') || 'nothing'}</dd>
</dl>
${elig}
<h2>Columns</h2>${columnsTable(n)}
<h2>Lineage</h2><div class="graph">${lineageSvg(neighbours, n.name)}</div>
${asserts}${state}${warnings}
<h2>SQL</h2>
<details open id="sql-redshift"><summary>Redshift</summary><pre>${esc(n.sql.redshift)}</pre></details>
<details id="sql-postgres"><summary>Postgres (local engine)</summary><pre>${esc(n.sql.postgres)}</pre></details>`, data);
}

function sourcePage(file: string, text: string, data: SiteData): string {
  const lines = text.split('\n').map((l, i) => `<div id="L${i + 1}"><span class="ln">${i + 1}</span>${esc(l)}</div>`).join('');
  return page(file, '../', `<h1>${esc(file)}</h1><div class="src">${lines}</div>`, data);
}

/**
 * The whole site as files (path relative to the output directory → content). Every link is
 * relative, so the pages work opened from the file system as well as served.
 */
export function renderSite(data: SiteData, sources: ReadonlyMap<string, string>): Map<string, string> {
  const files = new Map<string, string>();
  files.set('index.html', indexPage(data));
  files.set('site.css', SITE_CSS);
  files.set('site.js', SITE_JS);
  const index = data.nodes.map((n) => ({ name: n.name, kind: n.kind, href: modelHref(n.name), columns: n.columns.map((c) => ({ name: c.name, type: c.type })) }));
  files.set('search-index.js', `window.MVKIT_SEARCH = ${JSON.stringify(index)};\n`);
  files.set('site.json', JSON.stringify(data, null, 2) + '\n');
  for (const n of data.nodes) files.set(modelHref(n.name), modelPage(n, data));
  for (const [file, text] of sources) files.set(sourceHref(file), sourcePage(file, text, data));
  return files;
}
