/**
 * Builds (or finds already built) the JavaScript of every `.ts` file of the checkout at `root`
 * into `<root>/.cache/test-js/<content hash>` and returns that folder (see build-js.mjs).
 */
export function buildTestJs(root: string): Promise<string>;
