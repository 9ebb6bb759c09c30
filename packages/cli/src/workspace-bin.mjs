#!/usr/bin/env node
// The workspace's `mvkit` bin: the TypeScript sources through tsx, which resolves from this
// package rather than the working directory, so node_modules/.bin/mvkit runs from any folder.
// The packed package's bin is the built dist/bin.js instead (publishConfig).
import { register } from 'tsx/esm/api';

register();
// The compiler's worker threads register tsx too (a thread does not inherit this one's loader).
process.env.MVKIT_TSX_API ??= import.meta.resolve('tsx/esm/api');
await import('./bin.ts');
