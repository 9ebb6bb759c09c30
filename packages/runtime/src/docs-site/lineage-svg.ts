/**
 * The lineage graph as one SVG picture, laid out here (no layout library, nothing fetched):
 * a node's column is its longest path from a source, and within a column nodes are ordered by
 * the mean row of their parents (one barycenter sweep), which keeps a chain's edges short.
 */
export interface GraphNode {
  readonly name: string;
  readonly kind: 'table' | 'mv' | 'view';
  readonly dependsOn: readonly string[];
  readonly href: string;
  /** Shown under the name: e.g. the role and the refresh verdict. */
  readonly label: string;
  /** incremental, full, invalid or none: the box's colour. */
  readonly verdict: 'incremental' | 'full' | 'invalid' | 'none';
}

const W = 190;
const H = 46;
const GAP_X = 70;
const GAP_Y = 22;
const PAD = 16;

/** Text and attribute values of the site's HTML and SVG. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Placed { readonly x: number; readonly y: number }

export function layout(nodes: readonly GraphNode[]): Map<string, Placed> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const layer = new Map<string, number>();
  const layerOf = (name: string, trail: Set<string>): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    const n = byName.get(name);
    if (!n || trail.has(name)) return 0;
    trail.add(name);
    const l = n.dependsOn.filter((d) => byName.has(d)).reduce((m, d) => Math.max(m, layerOf(d, trail) + 1), 0);
    trail.delete(name);
    layer.set(name, l);
    return l;
  };
  for (const n of nodes) layerOf(n.name, new Set());
  const columns: string[][] = [];
  for (const n of nodes) (columns[layer.get(n.name)!] ??= []).push(n.name);
  const row = new Map<string, number>();
  columns.forEach((col, ci) => {
    if (ci > 0) {
      const bary = (name: string) => {
        const ps = byName.get(name)!.dependsOn.map((d) => row.get(d)).filter((r): r is number => r !== undefined);
        return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
      };
      col.sort((a, b) => bary(a) - bary(b) || a.localeCompare(b));
    }
    col.forEach((name, i) => row.set(name, i));
  });
  const tallest = Math.max(...columns.map((c) => c.length), 1);
  const out = new Map<string, Placed>();
  columns.forEach((col, ci) => {
    // Centre shorter columns against the tallest one.
    const offset = ((tallest - col.length) * (H + GAP_Y)) / 2;
    col.forEach((name, i) => out.set(name, { x: PAD + ci * (W + GAP_X), y: PAD + offset + i * (H + GAP_Y) }));
  });
  return out;
}

export function lineageSvg(nodes: readonly GraphNode[], highlight: string | null = null): string {
  const pos = layout(nodes);
  const xs = [...pos.values()];
  const width = Math.max(...xs.map((p) => p.x + W), 0) + PAD;
  const height = Math.max(...xs.map((p) => p.y + H), 0) + PAD;
  const edges: string[] = [];
  for (const n of nodes) {
    const to = pos.get(n.name)!;
    for (const d of n.dependsOn) {
      const from = pos.get(d);
      if (!from) continue;
      const x1 = from.x + W, y1 = from.y + H / 2, x2 = to.x, y2 = to.y + H / 2, mx = (x1 + x2) / 2;
      const hot = highlight !== null && (d === highlight || n.name === highlight);
      edges.push(`<path class="edge${hot ? ' hot' : ''}" data-from="${esc(d)}" data-to="${esc(n.name)}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 6},${y2}" marker-end="url(#arrow)"/>`);
    }
  }
  const boxes = nodes.map((n) => {
    const p = pos.get(n.name)!;
    const shape = n.kind === 'table'
      ? `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="14"/>`
      : n.kind === 'view' ? `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="23"/>` : `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="3"/>`;
    return `<a href="${esc(n.href)}" class="node ${n.kind} v-${n.verdict}${n.name === highlight ? ' current' : ''}" data-node="${esc(n.name)}"><title>${esc(n.name)} (${n.kind})</title>${shape}`
      + `<text x="${p.x + W / 2}" y="${p.y + 19}" class="name">${esc(n.name.length > 26 ? n.name.slice(0, 25) + '…' : n.name)}</text>`
      + `<text x="${p.x + W / 2}" y="${p.y + 36}" class="label">${esc(n.label)}</text></a>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="lineage" role="img" aria-label="lineage graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>'
    + edges.join('') + boxes.join('') + '</svg>';
}
