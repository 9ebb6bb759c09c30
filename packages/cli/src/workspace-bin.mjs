#!/usr/bin/env node
// The workspace's `mvkit` bin: the TypeScript sources through tsx, which resolves from this
// package rather than the working directory, so node_modules/.bin/mvkit runs from any folder.
// The packed package's bin is the built dist/bin.js instead (publishConfig).
import { register } from 'tsx/esm/api';

register();
await import('./bin.ts');
