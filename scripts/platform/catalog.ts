/** The sample's master data and the shapes of its traffic, per channel. */

export const CHANNELS = [
  { channel_id: 'whatsapp', channel_name: 'WhatsApp', provider: 'Meta Cloud API' },
  { channel_id: 'sms', channel_name: 'SMS', provider: 'Carrier aggregator' },
  { channel_id: 'rcs', channel_name: 'RCS Business Messaging', provider: 'Google Jibe' },
  { channel_id: 'viber', channel_name: 'Viber', provider: 'Rakuten Viber' },
] as const;

export type ChannelId = (typeof CHANNELS)[number]['channel_id'];

export interface ChannelProfile {
  /** Probability that an accepted message is delivered (else the carrier reports a failure). */
  readonly deliver: number;
  /** Delivery latency after `sent`, log-normal: median seconds and sigma of the log. */
  readonly latencyMedianS: number;
  readonly latencySigma: number;
  /** Probability that a delivered message is read; only WhatsApp and RCS report reads. */
  readonly read: number;
  readonly errorCodes: readonly string[];
}

export const CHANNEL_PROFILES: Record<ChannelId, ChannelProfile> = {
  whatsapp: { deliver: 0.965, latencyMedianS: 1.2, latencySigma: 0.9, read: 0.68, errorCodes: ['131026', '131047', '131049', '131000'] },
  sms: { deliver: 0.93, latencyMedianS: 6, latencySigma: 1.2, read: 0, errorCodes: ['30003', '30005', '30006', '30007'] },
  rcs: { deliver: 0.91, latencyMedianS: 2.5, latencySigma: 1, read: 0.47, errorCodes: ['NOT_RCS_CAPABLE', 'TTL_EXPIRED', 'AGENT_BLOCKED'] },
  viber: { deliver: 0.9, latencyMedianS: 3.5, latencySigma: 1.1, read: 0, errorCodes: ['NOT_VIBER_USER', 'USER_BLOCKED', 'TTL_EXPIRED'] },
};

/** Rejected by the platform before reaching a carrier: a `failed` receipt and no `sent`. */
export const PLATFORM_REJECT_RATE = 0.015;
export const PLATFORM_ERROR_CODES = ['INVALID_NUMBER', 'OPTED_OUT', 'RATE_LIMITED'] as const;

export const TENANT_NAMES = [
  'Acme Retail', 'Nimbus Bank', 'Globex Travel', 'Umbrella Health', 'Initech Telecom', 'Stark Logistics',
  'Wayne Foods', 'Hooli Media', 'Soylent Energy', 'Cyberdyne Mobility', 'Tyrell Insurance', 'Wonka Sweets',
  'Oscorp Pharma', 'Vandelay Imports', 'Gringotts Payments', 'Monarch Airlines', 'Pied Piper Cloud', 'Duff Beverages',
] as const;

export const PLANS = ['starter', 'growth', 'enterprise'] as const;

export const REGIONS: Record<string, readonly string[]> = {
  eu: ['DE', 'FR', 'ES', 'IT', 'NL', 'GB'],
  na: ['US', 'CA', 'MX'],
  latam: ['BR', 'AR', 'CO', 'CL'],
  apac: ['IN', 'ID', 'SG', 'AU', 'PH'],
  mea: ['AE', 'SA', 'ZA', 'NG', 'EG'],
};

export const CATEGORIES = ['marketing', 'otp', 'transactional', 'alerts', 'service'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CAMPAIGN_NAMES: Record<Category, readonly string[]> = {
  marketing: ['Black Friday Promo', 'Winter Sale', 'Loyalty Rewards', 'Back in Stock', 'New Collection'],
  otp: ['Login OTP', 'Payment OTP', 'Signup Verification'],
  transactional: ['Order Updates', 'Shipping Notifications', 'Payment Receipts'],
  alerts: ['Fraud Alerts', 'Balance Alerts', 'Outage Alerts'],
  service: ['Appointment Reminders', 'Support Follow-up', 'Feedback Survey'],
};

/** Which channels a campaign of a category uses (OTPs lean on SMS, marketing on rich channels). */
export const CHANNEL_MIX: Record<Category, readonly (readonly [ChannelId, number])[]> = {
  marketing: [['whatsapp', 5], ['rcs', 2], ['sms', 2], ['viber', 1]],
  otp: [['sms', 6], ['whatsapp', 3], ['rcs', 1]],
  transactional: [['whatsapp', 4], ['sms', 4], ['rcs', 1], ['viber', 1]],
  alerts: [['sms', 5], ['whatsapp', 4], ['viber', 1]],
  service: [['whatsapp', 6], ['sms', 2], ['rcs', 2]],
};

/** Relative traffic by hour of day (UTC): quiet nights, a peak in the afternoon. */
export function diurnalWeight(hourOfDay: number): number {
  const h = ((hourOfDay % 24) + 24) % 24;
  return 0.25 + (h >= 6 && h <= 22 ? Math.sin((Math.PI * (h - 6)) / 16) : 0);
}
