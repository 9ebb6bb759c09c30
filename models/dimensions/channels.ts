import { dimension, t } from '@mvkit/compiler';

export const channels = dimension('channels', {
  columns: {
    channel_id: t.varchar(16),
    channel_name: t.varchar(32),
    provider: t.varchar(32),
  },
  key: ['channel_id'],
  tenant: { global: 'WhatsApp, SMS and RCS are the same channels for every tenant' },
});
