// The analyzer worker's entry when the compiler runs from its TypeScript sources: a worker does
// not inherit the process's TypeScript loader, so tsx is registered here, from where the
// compiler's thread found it (workerData.tsx), before the worker's module is imported.
import { workerData } from 'node:worker_threads';

const { register } = await import(workerData.tsx);
register();
await import('./analyzer-worker.ts');
