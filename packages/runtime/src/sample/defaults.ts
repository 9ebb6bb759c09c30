/** The defaults of `mvkit generate` and `mvkit demo`; a module of its own so their --help imports nothing else. */
export const PROJECT_SAMPLE_DEFAULTS = { seed: 42, tenants: 3, events: 2000, batches: 6, hours: 24, start: new Date('2026-11-26T00:00:00Z') } as const;
