// tsx's `--import tsx` hooks do not reach worker threads on Node 20: register them here first.
import { register } from 'tsx/esm/api';

register();
await import('./uri-worker.ts');
