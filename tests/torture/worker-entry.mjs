// Entry point for worker threads that run child.ts: tsx's `--import tsx` hooks do not reach
// worker threads on Node 20, so each worker registers the TypeScript loader itself first.
import { register } from 'tsx/esm/api';

register();
await import('./child.ts');
