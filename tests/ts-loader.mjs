// `node --import ./tests/ts-loader.mjs file.test.ts`: how npm test runs each test file when it
// compiled the checkout (KDS_TEST_JS, tests/build-js.mjs): the `.ts` modules load as that
// JavaScript (ts-hooks.mjs), which costs about a third of tsx's start-up (no esbuild service, no
// transform), with source maps on so that stack traces name `.ts` lines as under tsx.
import { register } from 'node:module';

const compiledDir = process.env.KDS_TEST_JS;
if (!compiledDir) throw new Error('ts-loader.mjs: KDS_TEST_JS names no compiled tree; run the file through tsx (node --import tsx)');
process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url, { data: { compiledDir } });
