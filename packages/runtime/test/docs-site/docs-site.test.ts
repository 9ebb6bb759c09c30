import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import { buildDocsSite, commentAbove } from '../../src/docs-site/index.ts';
import { launchBrowser } from '../support/browser.ts';
import { REPO, tempDir } from '../platform/helpers.ts';

const BIN = join(REPO, 'packages/cli/src/bin.ts');
const mvkit = (dir: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', BIN, '-p', dir, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('docs site data', () => {
  it('has a node per manifest node, the doc comment, SQL for both targets, verdicts and column lineage from the IR', async () => {
    const project = await loadProject(REPO);
    const manifest = (await compileProject(project, 'redshift')).manifest!;
    const { data, files } = await buildDocsSite(project);
    expect(data.nodes.map((n) => n.name)).toEqual(manifest.nodes.map((n) => n.name));
    for (const n of manifest.nodes) expect(files.has(`models/${n.name}.html`)).toBe(true);

    const hourly = data.nodes.find((n) => n.name === 'delivery_hourly')!;
    // The comment above `export const deliveryHourly` in models/marts/delivery-hourly.ts.
    expect(hourly.description).toBe('Per tenant, campaign, category, channel, country and hour of submission.');
    expect(hourly.file).toBe('models/marts/delivery-hourly.ts');
    // The root project requires incremental refresh, so every MV compiled at all is incremental.
    expect(hourly.eligibility?.verdict).toBe('incremental');
    expect(hourly.local?.mode).toBe('incremental');
    expect(hourly.sql.redshift).toMatch(/^CREATE MATERIALIZED VIEW delivery_hourly/);
    expect(hourly.sql.postgres).not.toBe(hourly.sql.redshift);
    // `delivered: m.countIf(c.delivered_at.isNotNull())` reads messages_enriched.delivered_at.
    const delivered = hourly.columns.find((c) => c.name === 'delivered')!;
    expect(delivered.sources).toEqual([{ node: 'messages_enriched', column: 'delivered_at' }]);
    expect(delivered.definition).toMatch(/delivered_at IS NOT NULL/);

    const enriched = data.nodes.find((n) => n.name === 'messages_enriched')!;
    // derive: delivery_latency_s = secondsBetween(submitted_at, delivered_at), both of the stream join `messages`.
    const latency = enriched.columns.find((c) => c.name === 'delivery_latency_s')!;
    expect(latency.sources.map((s) => `${s.node}.${s.column}`).sort()).toEqual(['messages.delivered_at', 'messages.submitted_at']);
    // A carried dimension column comes from the dimension.
    expect(enriched.columns.find((c) => c.name === 'tenant_name')!.sources).toEqual([{ node: 'tenants', column: 'tenant_name' }]);
    expect(enriched.dependsOn).toContain('campaigns');
    expect(data.nodes.find((n) => n.name === 'campaigns')!.usedBy).toContain('messages_enriched');
    // `assert: { unique: [...] }` in models/marts/delivery-hourly.ts, shown with its Redshift SQL; not run without a target.
    expect(hourly.assertions.map((x) => [x.id, x.level, x.last])).toEqual([['delivery_hourly.unique', 'error', null]]);
    expect(hourly.assertions[0]!.sql).toMatch(/GROUP BY[\s\S]*HAVING COUNT\(\*\) > 1/);
    expect(files.get('models/delivery_hourly.html')).toContain('id="assertions"');
    // Tables have no refresh verdict.
    expect(data.nodes.find((n) => n.name === 'campaigns')!.eligibility).toBeNull();
  });

  it('reads column comments next to their declaration and JSDoc or line comments above a model', async () => {
    const dir = join(import.meta.dirname, 'fixtures/commented');
    const { data } = await buildDocsSite(await loadProject(dir));
    const orders = data.nodes.find((n) => n.name === 'orders')!;
    expect(orders.description).toBe('Orders as the shop records them.');
    expect(orders.columns.find((c) => c.name === 'order_id')!.description).toBe("the shop's order number");
    expect(orders.columns.find((c) => c.name === 'amount')!.description).toBe('What the customer paid, in cents.');
    expect(orders.columns.find((c) => c.name === 'at')!.description).toBeNull();
    const revenue = data.nodes.find((n) => n.name === 'orders_daily')!.columns.find((c) => c.name === 'revenue')!;
    expect(revenue.sources).toEqual([{ node: 'orders', column: 'amount' }]);
    expect(commentAbove(['/**', ' * two', ' * lines', ' */', 'export const x = 1;'], 5)).toBe('two lines');
    expect(commentAbove(['const y = 2;', 'export const x = 1;'], 2)).toBeNull();
  });

  it('a project that does not compile has no site: `mvkit docs` exits 1 naming the model', () => {
    const dir = tempDir('docs-broken');
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'mvkit.config.ts'), "import { defineConfig } from '@mvkit/compiler';\nexport default defineConfig({ name: 'broken' });\n");
    writeFileSync(join(dir, 'models/a.ts'), "import { stream, t } from '@mvkit/compiler';\nexport const a = stream('a', { columns: { tenant_id: t.varchar(8), at: t.timestamp() }, key: ['nope'], tenant: 'tenant_id', eventTime: 'at' });\n");
    const r = mvkit(dir, 'docs', '--out', join(dir, 'site'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/models\/a\.ts:2/);
    expect(r.stderr).toMatch(/nope/);
  }, 120_000);
});

describe('mvkit docs --serve', () => {
  it('serves the written site and nothing outside it', async () => {
    const dir = join(import.meta.dirname, 'fixtures/commented');
    const out = join(tempDir('docs-serve'), 'site');
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, '-p', dir, 'docs', '--out', out, '--serve', '--port', '0'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let text = '';
        child.stdout.on('data', (b: Buffer) => {
          text += b.toString();
          const m = /serving the docs at (http:\/\/\S+)/.exec(text);
          if (m) resolveUrl(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`mvkit docs --serve exited with ${code}`)));
      });
      const index = await fetch(url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/text\/html/);
      expect(await index.text()).toContain('orders_daily');
      const model = await fetch(`${url}models/orders.html`);
      expect(await model.text()).toContain("the shop's order number");
      // A path that climbs out of the site is not read.
      const outside = await fetch(`${url}..%2F..%2Fpackage.json`);
      expect(outside.status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});

describe('docs site in a real browser', () => {
  it('renders the graph with every node, a model page with its columns, SQL and verdict, deployed freshness, and search by column', async () => {
    // A new project (mvkit init), deployed and refreshed on PGlite, so the pages carry the deployed
    // state too: freshness, and the last results of the assertions the refresh ran.
    const dir = join(tempDir('docs-site'), 'shop');
    expect(spawnSync(process.execPath, ['--import', 'tsx', BIN, 'init', dir], { cwd: REPO, encoding: 'utf8' }).status).toBe(0);
    for (const args of [['apply'], ['generate', '--seed', '3'], ['load'], ['refresh']]) {
      const r = mvkit(dir, ...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const out = join(dir, 'site');
    const r = mvkit(dir, 'docs', '--out', out, '--target', 'local', '--json');
    expect(r.status, r.stderr).toBe(0);
    const data = JSON.parse(r.stdout) as { nodes: { name: string; kind: string; columns: { name: string }[]; status: { deployment: string } | null }[]; freshness: { stream: string; newestEvent: string | null }[] };
    // The manifest as `mvkit compile` writes it (a project outside the repository loads in the CLI).
    expect(mvkit(dir, 'compile', '--target', 'redshift', '--out', join(dir, 'compiled')).status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'compiled/manifest.json'), 'utf8')) as Manifest;
    expect(data.nodes.map((n) => n.name).sort()).toEqual(manifest.nodes.map((n) => n.name).sort());
    expect(data.nodes.every((n) => n.status?.deployment === 'up to date')).toBe(true);
    expect(data.freshness.length).toBeGreaterThan(0);
    expect(data.freshness.every((f) => f.newestEvent !== null)).toBe(true);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      await page.goto(`file://${out}/index.html`);
      const drawn = await page.$$eval('#lineage svg a.node', (as) => as.map((a) => a.getAttribute('data-node')));
      expect(drawn.sort()).toEqual(manifest.nodes.map((n) => n.name).sort());
      const edges = await page.$$eval('#lineage svg path.edge', (ps) => ps.length);
      expect(edges).toBe(manifest.nodes.reduce((s, n) => s + n.dependsOn.length, 0));
      const boxes = await page.$$eval('#lineage svg a.node rect', (rs) => rs.map((r) => (r as unknown as { getBBox(): { width: number; height: number } }).getBBox()).map((b) => b.width * b.height));
      expect(boxes.every((a) => a > 0)).toBe(true);
      mkdirSync(join(REPO, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(REPO, 'test-artifacts/docs-site-index.png'), fullPage: true });

      const mv = manifest.nodes.find((n) => n.kind === 'mv')!;
      await page.click(`#lineage svg a.node[data-node="${mv.name}"]`);
      await page.waitForSelector('#model-name');
      expect(await page.textContent('#model-name')).toBe(mv.name);
      const cols = await page.$$eval('#columns tr[id^="col-"]', (trs) => trs.map((tr) => tr.id.slice(4)));
      expect(cols).toEqual(mv.columns.map((c) => c.name));
      expect(await page.textContent('#sql-redshift pre')).toContain(`CREATE MATERIALIZED VIEW ${mv.name}`);
      expect(await page.textContent('#verdict')).toMatch(/incremental|full/);
      expect(await page.textContent('main')).toContain('up to date');
      await page.screenshot({ path: join(REPO, 'test-artifacts/docs-site-model.png'), fullPage: true });
      // A model with assertions shows each with the result of the refresh that ran it.
      const asserted = data.nodes.find((n) => (n as { assertions?: { last: unknown }[] }).assertions?.length) as { name: string; assertions: { id: string; last: { status: string; command: string } | null }[] } | undefined;
      expect(asserted).toBeDefined();
      expect(asserted!.assertions.every((a) => a.last?.command === 'refresh')).toBe(true);
      await page.goto(`file://${out}/models/${asserted!.name}.html`);
      const shown = await page.$$eval('#assertions tr td:first-child code', (cs) => cs.map((c) => c.textContent));
      expect(shown).toEqual(asserted!.assertions.map((a) => a.id));
      expect(await page.textContent('#assertions')).not.toContain('not run here');

      const column = mv.columns.at(-1)!.name;
      await page.fill('#search', column);
      const hits = await page.$$eval('#results a', (as) => as.map((a) => a.getAttribute('href')));
      expect(hits).toContain(`../models/${mv.name}.html#col-${column}`);
      await page.click(`#results a[href="../models/${mv.name}.html#col-${column}"]`);
      await page.waitForURL(new RegExp(`#col-${column}$`));
      expect(await page.textContent(`#col-${column} td`)).toContain(column);
    } finally {
      await browser.close();
    }
    // The source link points at the line that declares the model.
    const html = readFileSync(join(out, `models/${manifest.nodes.find((n) => n.kind === 'mv')!.name}.html`), 'utf8');
    expect(html).toMatch(/id="source-link" href="\.\.\/src\/[^"]+#L\d+"/);
  }, 240_000);
});
