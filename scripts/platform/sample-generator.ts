import {
  CAMPAIGN_NAMES, CATEGORIES, CHANNEL_MIX, CHANNEL_PROFILES, CHANNELS, PLANS, PLATFORM_ERROR_CODES, PLATFORM_REJECT_RATE,
  REGIONS, TENANT_NAMES, type Category, type ChannelId,
} from './catalog.ts';
import { hash32, Prng } from '@mvkit/runtime/sample/index.ts';

export type StreamFeed = 'message_submissions' | 'delivery_receipts';
export type DimensionFeed = 'tenants' | 'campaigns' | 'channels';
export type Feed = StreamFeed | DimensionFeed;
/** One CDC record: column values as text (timestamps ISO 8601 UTC); dimension records add `op` and `changed_at`. */
export type CdcRecord = Record<string, string | null>;
export type DimensionOp = 'insert' | 'update' | 'delete';

/** Loading order inside a batch: master data first, then events. */
export const FEEDS: readonly Feed[] = ['tenants', 'channels', 'campaigns', 'message_submissions', 'delivery_receipts'];

interface Tenant { tenant_id: string; tenant_name: string; plan: string; region: string; weight: number }
interface Campaign { tenant_id: string; campaign_id: string; campaign_name: string; category: Category; live: boolean; used: boolean }
interface Pending { arrival: number; seq: number; feed: Feed; record: CdcRecord }

export interface SampleGeneratorOptions {
  readonly seed: number;
  readonly tenants: number;
  /** Start of traffic: the first dimension snapshot is stamped with it. */
  readonly start: Date;
  /** How late a delayed submission lands (its receipts overtake it), in seconds. */
  readonly lateSubmissionS?: number;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Deterministic messaging traffic. Messages are scheduled with their whole future (sent, delivered or
 * failed, read), each record with an arrival time; `drain(t)` hands out what has arrived by t.
 * Receipts may overtake their submission and are sometimes duplicated, as carriers do.
 */
export class SampleGenerator {
  private readonly rng: Prng;
  private readonly tenants: Tenant[] = [];
  private readonly campaigns: Campaign[] = [];
  private readonly heap: Pending[] = [];
  private readonly idPrefix: string;
  private readonly lateSubmissionS: number;
  private nextMessage = 0;
  private nextCampaign = new Map<string, number>();

  constructor(readonly options: SampleGeneratorOptions) {
    this.rng = new Prng(options.seed);
    this.idPrefix = hash32(`${options.seed}/${options.start.toISOString()}`).toString(36).padStart(7, '0').slice(0, 7);
    this.lateSubmissionS = options.lateSubmissionS ?? 600;
    const at = options.start.getTime();
    for (const c of CHANNELS) this.push(at, 'channels', { op: 'insert', changed_at: iso(at), ...c });
    const regions = Object.keys(REGIONS);
    for (let i = 0; i < options.tenants; i++) {
      const base = TENANT_NAMES[i % TENANT_NAMES.length] as string;
      const t: Tenant = {
        tenant_id: `t${String(i + 1).padStart(3, '0')}`,
        tenant_name: i < TENANT_NAMES.length ? base : `${base} ${Math.floor(i / TENANT_NAMES.length) + 1}`,
        plan: this.rng.weighted([[PLANS[0], 5], [PLANS[1], 3], [PLANS[2], 2]]),
        region: this.rng.pick(regions),
        weight: 1 / (i + 1) ** 0.8,
      };
      this.tenants.push(t);
      this.push(at, 'tenants', { op: 'insert', changed_at: iso(at), tenant_id: t.tenant_id, tenant_name: t.tenant_name, plan: t.plan, region: t.region });
      const n = this.rng.int(3, 6);
      for (let k = 0; k < n; k++) this.addCampaign(t, at, this.rng.pick(CATEGORIES));
    }
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Submits `count` messages with submission times spread over [fromMs, toMs). */
  submit(count: number, fromMs: number, toMs: number): void {
    for (let i = 0; i < count; i++) this.scheduleMessage(fromMs + this.rng.next() * (toMs - fromMs));
  }

  /** A few master-data changes at `atMs`: renames, re-categorizations, new and withdrawn campaigns, plan changes. */
  changeDimensions(atMs: number, changes = this.rng.int(1, 3)): void {
    for (let i = 0; i < changes; i++) {
      const kind = this.rng.weighted([['rename', 3], ['move', 3], ['new', 2], ['draft', 1], ['plan', 1]] as const);
      const t = this.rng.pick(this.tenants);
      const live = this.campaigns.filter((c) => c.tenant_id === t.tenant_id && c.live);
      if (kind === 'rename' && live.length) {
        const c = this.rng.pick(live);
        c.campaign_name = `${c.campaign_name.replace(/ v\d+$/, '')} v${this.rng.int(2, 9)}`;
        this.pushCampaign(c, atMs, 'update');
      } else if (kind === 'move' && live.length) {
        const c = this.rng.pick(live);
        c.category = this.rng.pick(CATEGORIES.filter((k) => k !== c.category));
        this.pushCampaign(c, atMs, 'update');
      } else if (kind === 'new') {
        this.addCampaign(t, atMs, this.rng.pick(CATEGORIES));
      } else if (kind === 'draft') {
        // A draft that never sends: created, then withdrawn a little later (a delete with no traffic to lose).
        const c = this.addCampaign(t, atMs, this.rng.pick(CATEGORIES), false);
        this.pushCampaign(c, atMs + 1000, 'delete');
        this.campaigns.splice(this.campaigns.indexOf(c), 1);
      } else {
        t.plan = this.rng.pick(PLANS.filter((p) => p !== t.plan));
        this.push(atMs, 'tenants', { op: 'update', changed_at: iso(atMs), tenant_id: t.tenant_id, tenant_name: t.tenant_name, plan: t.plan, region: t.region });
      }
    }
  }

  /** Every record that has arrived by `untilMs`, per feed, in arrival order. */
  drain(untilMs: number): Map<Feed, CdcRecord[]> {
    const out = new Map<Feed, CdcRecord[]>();
    while (this.heap.length && (this.heap[0] as Pending).arrival <= untilMs) {
      const p = this.pop();
      let list = out.get(p.feed);
      if (!list) out.set(p.feed, (list = []));
      list.push(p.record);
    }
    return out;
  }

  private addCampaign(t: Tenant, atMs: number, category: Category, live = true): Campaign {
    const n = (this.nextCampaign.get(t.tenant_id) ?? 0) + 1;
    this.nextCampaign.set(t.tenant_id, n);
    const c: Campaign = { tenant_id: t.tenant_id, campaign_id: `c${String(n).padStart(3, '0')}`, campaign_name: this.rng.pick(CAMPAIGN_NAMES[category]), category, live, used: false };
    this.campaigns.push(c);
    this.pushCampaign(c, atMs, 'insert');
    return c;
  }

  private pushCampaign(c: Campaign, atMs: number, op: DimensionOp): void {
    const rec: CdcRecord = op === 'delete'
      ? { op, changed_at: iso(atMs), tenant_id: c.tenant_id, campaign_id: c.campaign_id, campaign_name: null, category: null }
      : { op, changed_at: iso(atMs), tenant_id: c.tenant_id, campaign_id: c.campaign_id, campaign_name: c.campaign_name, category: c.category };
    this.push(atMs, 'campaigns', rec);
  }

  private scheduleMessage(submittedMs: number): void {
    const r = this.rng;
    const tenant = r.weighted(this.tenants.map((t) => [t, t.weight] as const));
    const campaigns = this.campaigns.filter((c) => c.tenant_id === tenant.tenant_id && c.live);
    const campaign = r.pick(campaigns);
    campaign.used = true;
    const channel: ChannelId = r.weighted(CHANNEL_MIX[campaign.category]);
    const profile = CHANNEL_PROFILES[channel];
    const id = `m${this.idPrefix}${(this.nextMessage++).toString(36).padStart(7, '0')}`;
    const tenant_id = tenant.tenant_id;
    const late = r.chance(0.03);
    const arrival = submittedMs + (late ? this.lateSubmissionS * 1000 * (0.5 + r.next()) : r.logNormal(300, 0.5));
    this.push(arrival, 'message_submissions', {
      tenant_id, message_id: id, campaign_id: campaign.campaign_id, channel_id: channel,
      recipient_country: r.pick(REGIONS[tenant.region] as readonly string[]), submitted_at: iso(submittedMs),
    });
    const receipt = (status: string, atMs: number, error_code: string | null = null) => {
      const rec = { tenant_id, message_id: id, status, error_code, event_at: iso(atMs) };
      const arrive = atMs + r.logNormal(400, 0.8);
      this.push(arrive, 'delivery_receipts', rec);
      if (r.chance(0.015)) this.push(arrive + r.logNormal(20_000, 1), 'delivery_receipts', { ...rec });
    };
    if (r.chance(PLATFORM_REJECT_RATE)) {
      receipt('failed', submittedMs + r.logNormal(300, 0.4), r.pick(PLATFORM_ERROR_CODES));
      return;
    }
    const sentMs = submittedMs + r.logNormal(350, 0.5);
    receipt('sent', sentMs);
    if (!r.chance(profile.deliver)) {
      receipt('failed', sentMs + r.logNormal(25_000, 1), r.pick(profile.errorCodes));
      return;
    }
    const deliveredMs = sentMs + Math.min(r.logNormal(profile.latencyMedianS, profile.latencySigma), 900) * 1000;
    receipt('delivered', deliveredMs);
    if (profile.read && r.chance(profile.read)) receipt('read', deliveredMs + Math.min(r.logNormal(90, 1.3), 4 * 3600) * 1000);
  }

  // A binary min-heap on (arrival, insertion order): the same seed drains the same records in the same order.
  private seq = 0;
  private push(arrival: number, feed: Feed, record: CdcRecord): void {
    const h = this.heap;
    h.push({ arrival, seq: this.seq++, feed, record });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Pending, h[p] as Pending)) break;
      [h[i], h[p]] = [h[p] as Pending, h[i] as Pending];
      i = p;
    }
  }

  private pop(): Pending {
    const h = this.heap;
    const top = h[0] as Pending;
    const last = h.pop() as Pending;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const rr = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Pending, h[m] as Pending)) m = l;
        if (rr < h.length && this.less(h[rr] as Pending, h[m] as Pending)) m = rr;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Pending, h[i] as Pending];
        i = m;
      }
    }
    return top;
  }

  private less(a: Pending, b: Pending): boolean {
    return a.arrival < b.arrival || (a.arrival === b.arrival && a.seq < b.seq);
  }
}
