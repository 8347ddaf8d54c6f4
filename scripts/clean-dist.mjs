// Removes dist/ before a build, so a packed tarball never ships a compiled file whose source was
// deleted or renamed.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
