import { describe, expect, it } from 'vitest';
import { compileProject, stream, streamJoin, t } from '../src/index.ts';

/* A stream with a Redshift streaming source cannot land in a stream join's shared table. */
describe('stream source in a stream join', () => {
  it('is an error naming the stream, the join and the fix', async () => {
    const src = { kinesis: { stream: 'checkouts', iamRole: 'default' } } as const;
    const checkouts = stream('checkouts', { columns: { tenant_id: t.varchar(8), order_id: t.varchar(8), at: t.timestamp() }, key: ['tenant_id', 'order_id'], tenant: 'tenant_id', eventTime: 'at', source: src });
    const payments = stream('payments', { columns: { tenant_id: t.varchar(8), order_id: t.varchar(8), paid_at: t.timestamp() }, key: ['tenant_id', 'order_id'], tenant: 'tenant_id', eventTime: 'paid_at' });
    const joined = streamJoin('order_payments', {
      streams: { checkout: checkouts, payment: payments }, key: ['tenant_id', 'order_id'], tenant: 'tenant_id', landing: 'order_events', discriminator: 'event_stream',
      pivot: ({ checkout, payment }) => ({ checkout_at: checkout.min('at'), paid_at: payment.min('paid_at') }),
    });
    const result = await compileProject({ dir: '/', config: { name: 'j' }, models: [checkouts, payments, joined], macros: {}, loadDiagnostics: [] }, 'redshift');
    const d = result.diagnostics.find((x) => x.code === 'stream-source-joined');
    expect(d?.severity).toBe('error');
    expect(d?.message).toBe('stream "checkouts" has a source (Redshift streaming ingestion) but lands in stream join "order_payments": a streaming MV reads one stream, not a shared landing table');
  });
});
