/**
 * A small SQL tokenizer shared by both drivers, so the checks that SQLite's two bindings make
 * differently (or not at all) happen once, identically, before a statement reaches either:
 * how many statements a string holds, whether it changes rows, and how many parameters it takes.
 *
 * It understands exactly what can hide a `;` or a `?` from a naive scan: string literals,
 * quoted identifiers ("", ``, []), line and block comments, and the `BEGIN ... END` body of
 * `CREATE TRIGGER` (whose inner statements end in `;`, the same rule `sqlite3_complete` uses).
 */

/** What the scanner learned about one SQL string. */
export interface SqlShape {
  /** Statements with content; trailing `;`, whitespace and comments do not count. */
  readonly statements: number;
  /** The statement's main verb, upper-cased (`SELECT`, `INSERT`, ...; after a `WITH` clause, the verb it leads to). */
  readonly verb: string;
  /** True for INSERT, UPDATE, DELETE and REPLACE: the statements SQLite counts in `changes()`. */
  readonly dml: boolean;
  /** Number of parameter slots (SQLite's rule: `?` takes the next index, `?N` index N, a new name the next index). */
  readonly paramCount: number;
  /** True when the SQL uses `:name`, `@name` or `$name` parameters. */
  readonly namedParams: boolean;
  /** True when the SQL uses `?NNN` parameters. */
  readonly numberedParams: boolean;
  /**
   * The first tokens of the first statement, at any depth: words upper-cased, punctuation as is
   * (`(`, `=`, `.`), quoted identifiers as `"` + their upper-cased name, string literals as `'`.
   * Enough to classify a statement (see {@link classifyStatement}) without a regex over raw SQL.
   */
  readonly head: readonly string[];
}

/** Statements whose effect depends on where they run (see {@link classifyStatement}). */
export type StatementClass =
  /** BEGIN, COMMIT, END, ROLLBACK (not `ROLLBACK TO`): transaction control. */
  | { readonly kind: 'transaction-control'; readonly verb: string }
  /** A PRAGMA that sets a value (`= v` or `(v)`); `name` lower-cased, without the schema. */
  | { readonly kind: 'pragma-set'; readonly name: string }
  /** VACUUM (also `VACUUM INTO`). */
  | { readonly kind: 'vacuum' }
  | { readonly kind: 'other' };

const FIRST_SIGNIFICANT = /^\s*(\S)/;
const OTHER: StatementClass = Object.freeze({ kind: 'other' });
const CONTROL_VERBS = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK']);
/** Number of tokens kept in {@link SqlShape.head}. */
const HEAD_TOKENS = 8;

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE']);
const MAIN_VERBS = new Set(['SELECT', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE']);
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Scans `sql` once; never throws (an unterminated literal simply runs to the end, SQLite reports it). */
export function scanSql(sql: string): SqlShape {
  const s = new Scanner(sql);
  return s.run();
}

class Scanner {
  readonly #sql: string;
  #i = 0;
  #statements = 0;
  #inStatement = false;
  #words: string[] = []; // keywords of the current statement at paren depth 0, first few only
  #firstWords: string[] | undefined;
  #head: string[] = []; // first tokens of the current statement at any depth, see SqlShape.head
  #firstHead: string[] | undefined;
  #depth = 0;
  #trigger: 'no' | 'head' | 'body' | 'after-semi' | 'ended' = 'no';
  #nextParam = 0;
  #names = new Map<string, number>();
  #named = false;
  #numbered = false;

  constructor(sql: string) {
    this.#sql = sql;
  }

  run(): SqlShape {
    const sql = this.#sql;
    while (this.#i < sql.length) {
      const c = sql[this.#i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') this.#i++;
      else if (c === '-' && sql[this.#i + 1] === '-') this.#skipTo('\n', 2, 1);
      else if (c === '/' && sql[this.#i + 1] === '*') this.#skipTo('*/', 2, 2);
      else if (c === "'" || c === '"' || c === '`') this.#quoted(c, c);
      else if (c === '[') this.#quoted('[', ']');
      else if (c === ';') this.#semicolon();
      else if (c === '?') this.#positional();
      else if ((c === ':' || c === '@' || c === '$') && IDENT_PART.test(sql[this.#i + 1] ?? '')) this.#namedParam();
      else if (IDENT_START.test(c)) this.#word();
      else this.#punct(c);
    }
    this.#endStatement();
    const words = this.#firstWords ?? [];
    const verb = mainVerb(words);
    return {
      statements: this.#statements,
      verb,
      dml: DML.has(verb),
      paramCount: this.#nextParam,
      namedParams: this.#named,
      numberedParams: this.#numbered,
      head: this.#firstHead ?? this.#head,
    };
  }

  #skipTo(end: string, skip: number, endLen: number): void {
    const j = this.#sql.indexOf(end, this.#i + skip);
    this.#i = j < 0 ? this.#sql.length : j + endLen;
  }

  #quoted(open: string, close: string): void {
    this.#content();
    let j = this.#i + 1;
    for (;;) {
      const k = this.#sql.indexOf(close, j);
      if (k < 0) { j = this.#sql.length; break; }
      // a doubled quote is an escaped quote, except for [] identifiers which have no escape
      if (open !== '[' && this.#sql[k + 1] === close) { j = k + 2; continue; }
      j = k + 1;
      break;
    }
    this.#headToken(open === "'" ? "'" : `"${this.#sql.slice(this.#i + 1, Math.max(this.#i + 1, j - 1)).toUpperCase()}`);
    this.#i = j;
    this.#token('');
  }

  #semicolon(): void {
    this.#i++;
    if (this.#trigger === 'body') { this.#trigger = 'after-semi'; return; }
    if (this.#trigger === 'after-semi') return;
    this.#endStatement();
  }

  #endStatement(): void {
    if (this.#inStatement) {
      this.#statements++;
      this.#firstWords ??= this.#words;
      this.#firstHead ??= this.#head;
    }
    this.#inStatement = false;
    this.#words = [];
    this.#head = [];
    this.#depth = 0;
    this.#trigger = 'no';
  }

  #positional(): void {
    this.#content();
    let j = this.#i + 1;
    while (j < this.#sql.length && this.#sql[j]! >= '0' && this.#sql[j]! <= '9') j++;
    if (j > this.#i + 1) {
      const n = Number(this.#sql.slice(this.#i + 1, j));
      this.#nextParam = Math.max(this.#nextParam, n);
      this.#numbered = true;
    } else {
      this.#nextParam++;
    }
    this.#i = j;
    this.#token('');
  }

  #namedParam(): void {
    this.#content();
    let j = this.#i + 1;
    while (j < this.#sql.length && IDENT_PART.test(this.#sql[j]!)) j++;
    const name = this.#sql.slice(this.#i, j);
    if (!this.#names.has(name)) this.#names.set(name, ++this.#nextParam);
    this.#named = true;
    this.#i = j;
    this.#token('');
  }

  #word(): void {
    this.#content();
    let j = this.#i + 1;
    while (j < this.#sql.length && IDENT_PART.test(this.#sql[j]!)) j++;
    const w = this.#sql.slice(this.#i, j).toUpperCase();
    this.#i = j;
    this.#headToken(w);
    this.#token(w);
  }

  #punct(c: string): void {
    this.#content();
    this.#i++;
    this.#headToken(c);
    if (c === '(') this.#depth++;
    else if (c === ')') this.#depth = Math.max(0, this.#depth - 1);
    this.#token(c);
  }

  #content(): void {
    this.#inStatement = true;
  }

  #headToken(token: string): void {
    if (this.#head.length < HEAD_TOKENS) this.#head.push(token);
  }

  /** Tracks the few leading words needed for the verb and the CREATE TRIGGER state. */
  #token(word: string): void {
    if (this.#depth === 0 && this.#words.length < 64 && word !== '(' && word !== ')') this.#words.push(word);
    if (this.#trigger === 'after-semi') this.#trigger = word === 'END' ? 'ended' : 'body';
    else if (this.#trigger === 'head' && word === 'BEGIN') this.#trigger = 'body';
    else if (this.#trigger === 'no' && word === 'TRIGGER' && isCreateTrigger(this.#words)) this.#trigger = 'head';
  }
}

function isCreateTrigger(words: readonly string[]): boolean {
  // CREATE [TEMP|TEMPORARY] TRIGGER
  if (words[0] !== 'CREATE') return false;
  return words.length === 2 || (words.length === 3 && (words[1] === 'TEMP' || words[1] === 'TEMPORARY'));
}

function mainVerb(words: readonly string[]): string {
  const first = words.find((w) => w !== '') ?? '';
  if (first !== 'WITH') return first;
  // `WITH a AS (...), b AS (...) <verb>`: the parenthesized bodies were skipped (depth > 0)
  return words.find((w) => MAIN_VERBS.has(w)) ?? first;
}

/**
 * Classifies the first statement of a scanned SQL string by what it does to the connection:
 * transaction control, a PRAGMA that sets a value, VACUUM, or anything else. Comments, quoting
 * (`pragma "main"."journal_mode"`) and both PRAGMA forms (`= v`, `(v)`) are handled by the
 * scanner; reading a PRAGMA (`pragma journal_mode`) is `other`.
 */
export function classifyStatement(shape: SqlShape): StatementClass {
  const head = shape.head;
  const verb = head[0] ?? '';
  if (CONTROL_VERBS.has(verb)) {
    // ROLLBACK [TRANSACTION] TO [SAVEPOINT] name undoes part of a transaction and keeps it open
    const next = head[1] === 'TRANSACTION' ? head[2] : head[1];
    if (verb === 'ROLLBACK' && next === 'TO') return OTHER;
    return { kind: 'transaction-control', verb };
  }
  if (verb === 'VACUUM') return { kind: 'vacuum' };
  if (verb !== 'PRAGMA') return OTHER;
  // PRAGMA [schema.]name [= value | (value)]
  const dotted = head[2] === '.';
  const name = unquote(head[dotted ? 3 : 1] ?? '');
  const after = head[dotted ? 4 : 2];
  if (after !== '=' && after !== '(') return OTHER;
  return { kind: 'pragma-set', name: name.toLowerCase() };
}

/** A cheap test before a scan: true when the SQL may be one that {@link classifyStatement} flags. */
export function mayNeedClassifying(sql: string): boolean {
  const m = FIRST_SIGNIFICANT.exec(sql);
  // b(egin) c(ommit) e(nd) r(ollback) v(acuum) p(ragma), or a leading comment (- or /)
  return m !== null && 'bcervpBCERVP-/'.includes(m[1]!);
}

function unquote(token: string): string {
  return token.startsWith('"') ? token.slice(1) : token;
}
