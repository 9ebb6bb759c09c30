import { describe, expect, it } from 'vitest';
import { localEngine } from '../../src/engines/local-engine.ts';
import { MAX_PHYSICAL_BYTES, physicalName } from '../../src/versions/physical-name.ts';
import { versionManifest } from '../../src/versions/versioned-manifest.ts';
import { compileVariant } from './fixture.ts';

const names = (m: { nodes: readonly { name: string; model: string }[] }) => Object.fromEntries(m.nodes.map((n) => [n.model, n.name]));

describe('physical names', () => {
  it('a changed model and everything built on it get new names; the rest keep theirs', async () => {
    const engine = await localEngine('postgres');
    const v1 = names(versionManifest(await compileVariant('v1'), engine));
    const v2 = names(versionManifest(await compileVariant('v2'), engine));
    expect(v1.events).toBe('events');
    expect(v2.events_enriched).toBe(v1.events_enriched);
    for (const m of ['events_hourly', 'events_daily', 'tenant_daily', 'tenant_daily_view']) {
      expect(v2[m]).not.toBe(v1[m]);
      expect(v2[m]).toMatch(new RegExp(`^${m}__[0-9a-f]{8}$`));
    }
  });

  it('an engine that creates a node with other statements makes a new version of it and of what is built on it', async () => {
    const engine = await localEngine('postgres');
    const base = names(versionManifest(await compileVariant('v1'), engine));
    const other = { planSql: { ...engine.planSql, create: (n: Parameters<typeof engine.planSql.create>[0], m: Parameters<typeof engine.planSql.create>[1]) => [...engine.planSql.create(n, m), ...(n.name === 'events_daily' ? ['-- another storage layout'] : [])] } };
    const changed = names(versionManifest(await compileVariant('v1'), other));
    expect(changed.events_hourly).toBe(base.events_hourly);
    expect(changed.events_daily).not.toBe(base.events_daily);
    expect(changed.tenant_daily).not.toBe(base.tenant_daily);
  });

  it('a long model name is cut to fit the engine\'s limit, and two cut names stay apart', () => {
    const long = 'a'.repeat(MAX_PHYSICAL_BYTES);
    const a = physicalName(long, '0123456789abcdef');
    const b = physicalName(`${long}b`, '0123456789abcdef');
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(MAX_PHYSICAL_BYTES);
    expect(Buffer.byteLength(b)).toBeLessThanOrEqual(MAX_PHYSICAL_BYTES);
    expect(a).not.toBe(b);
    expect(physicalName('hourly', '0123456789abcdef')).toBe('hourly__01234567');
  });
});
