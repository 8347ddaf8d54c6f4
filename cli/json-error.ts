/** `--json` failures: the error as JSON on stdout (scripts parse one stream), the exit code as usual. */
import { DualSqliteError } from '../dsn/base-error.js';
import { EXIT } from './args.js';
import { println, type CliIo } from './io.js';

/** Prints `{ ok: false, code, message }` and returns the exit code the error deserves. */
export function failJson(error: unknown, io: CliIo): number {
  const coded = error instanceof DualSqliteError;
  const code = coded ? error.code : 'UNEXPECTED';
  const message = error instanceof Error ? error.message : String(error);
  println(io.stdout, JSON.stringify({ ok: false, code, message, ...details(error) }, null, 2));
  println(io.stderr, `dual-sqlite: ${coded ? `${error.name} [${code}]` : 'unexpected error'}: ${message}`);
  return coded && (code.startsWith('DSN_') || code === 'CLI_USAGE') ? EXIT.USAGE : EXIT.PROBLEM;
}

/** Machine-readable fields of the library's errors (holders, problems, pid...). */
function details(error: unknown): Record<string, unknown> {
  if (!(error instanceof DualSqliteError)) return {};
  const out: Record<string, unknown> = {};
  // `dsn` of a DsnError is the redacted quote, never the input
  for (const key of ['holders', 'problems', 'pid', 'running', 'database', 'dest', 'file', 'path', 'option', 'dsn', 'kind', 'host', 'port', 'marker', 'present', 'leftovers', 'state']) {
    if (key in error) out[key] = (error as unknown as Record<string, unknown>)[key];
  }
  return out;
}
