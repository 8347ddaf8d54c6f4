/**
 * Kysely's `orderBy()` / `limit()` on UPDATE and DELETE for SQLite builds whose parser lacks the
 * `UPDATE/DELETE ... ORDER BY ... LIMIT` grammar (the backend reports it in
 * `capabilities.updateDeleteLimit`). Such a query is rewritten the way SQLite itself implements
 * the grammar (sqlite3LimitWhere): the ORDER BY and LIMIT move into a rowid subquery,
 *
 *   DELETE FROM t [AS x] WHERE rowid IN (SELECT rowid FROM t [AS x] WHERE w ORDER BY o LIMIT n [OFFSET m])
 *
 * so the same rows change, in the same order, on every driver. A WITHOUT ROWID table is keyed by
 * its primary key instead (`(k1, k2) IN (SELECT k1, k2 ...)`, as SQLite does), found with
 * `pragma_table_list` / `pragma_table_info` before the statement runs.
 *
 * Why at execution, not in the query compiler: the dialect hands Kysely its compiler before the
 * driver is chosen (that happens when Kysely first initializes the driver, and a DSN may say
 * `auto`), so only the connection knows what the SQLite in use can parse. The compiled query
 * carries its operation node, which is rewritten and compiled again with Kysely's own SQLite
 * compiler; parameters come out in the order of the new SQL text. Builds that have the grammar
 * run Kysely's SQL untouched.
 */
import {
  AliasNode,
  BinaryOperationNode,
  FromNode,
  IdentifierNode,
  OperatorNode,
  RawNode,
  SelectionNode,
  SqliteQueryCompiler,
  TableNode,
  WhereNode,
  type CompiledQuery,
  type DeleteQueryNode,
  type OperationNode,
  type RootOperationNode,
  type SelectQueryNode,
  type UpdateQueryNode,
} from 'kysely';
import { SqliteError } from '../drivers/errors.js';
import type { DriverName } from '../drivers/types.js';
import { UpdateDeleteLimitError } from './errors.js';

type LimitedWrite = DeleteQueryNode | UpdateQueryNode;

/** True when `node` is an UPDATE or DELETE with ORDER BY or LIMIT. */
export function isLimitedWrite(node: RootOperationNode | undefined): node is LimitedWrite {
  if (node === undefined || (node.kind !== 'DeleteQueryNode' && node.kind !== 'UpdateQueryNode')) return false;
  const write = node as LimitedWrite;
  return write.limit !== undefined || write.orderBy !== undefined;
}

/** Runs one read-only statement on the connection (for the schema lookups). */
export type ReadRows = (sql: string, params: readonly unknown[]) => Promise<readonly Record<string, unknown>[]>;

/** How rows of the target table are named in the subquery. */
type RowKey = { readonly kind: 'rowid' } | { readonly kind: 'columns'; readonly columns: readonly string[] };

/**
 * Rewrites `compiled` (whose node passed {@link isLimitedWrite}) into its subquery form. Throws
 * `SqliteError` (SQLITE_ERROR) for ORDER BY without LIMIT, as SQLite does where it has the
 * grammar, and {@link UpdateDeleteLimitError} where no rewrite gives SQLite's result (joins, views).
 */
export async function rewriteLimitedWrite(compiled: CompiledQuery, driver: DriverName, read: ReadRows): Promise<CompiledQuery> {
  const node = compiled.query as LimitedWrite;
  const statement = node.kind === 'DeleteQueryNode' ? 'DELETE' : 'UPDATE';
  if (node.limit === undefined) {
    // the message SQLite gives where it parses ORDER BY on UPDATE/DELETE
    throw new SqliteError('SQLITE_ERROR', `ORDER BY without LIMIT on ${statement}`, driver, compiled.sql, undefined);
  }
  const target = targetOf(node);
  if (target === undefined) {
    throw new UpdateDeleteLimitError(compiled.sql, statement, driver, 'join', handRewrite(statement, 'join', '<table>'));
  }
  const table = tableOf(target);
  const key = await rowKeyOf(table, read);
  if (key === 'view') throw new UpdateDeleteLimitError(compiled.sql, statement, driver, 'view', handRewrite(statement, 'view', `"${table.name}"`));
  const keyNode = keyExpression(key, aliasOf(target));
  const select: SelectQueryNode = Object.freeze({
    kind: 'SelectQueryNode',
    from: FromNode.create([target]),
    selections: Object.freeze(selectionsOf(key, aliasOf(target))),
    ...(node.where ? { where: node.where } : {}),
    ...(node.orderBy ? { orderBy: node.orderBy } : {}),
    limit: node.limit,
    // with a LIMIT present, the only thing SQLite accepts after it is OFFSET (e.g. from modifyEnd)
    ...(node.endModifiers?.length ? { endModifiers: node.endModifiers as SelectQueryNode['endModifiers'] } : {}),
  });
  const outer = Object.freeze({
    ...node,
    where: WhereNode.create(BinaryOperationNode.create(keyNode, OperatorNode.create('in'), select)),
    orderBy: undefined,
    limit: undefined,
    endModifiers: undefined,
  }) as LimitedWrite;
  return new SqliteQueryCompiler().compileQuery(outer, compiled.queryId);
}

interface TableRef {
  readonly schema: string | undefined;
  readonly name: string;
}

/** The single target table (maybe aliased), or undefined when the statement joins others. */
function targetOf(node: LimitedWrite): OperationNode | undefined {
  if (node.kind === 'DeleteQueryNode') {
    if (node.from.froms.length !== 1 || node.using !== undefined || node.joins?.length) return undefined;
    return node.from.froms[0];
  }
  if (node.table === undefined || node.from !== undefined || node.joins?.length) return undefined;
  return node.table;
}

function aliasOf(target: OperationNode): string | undefined {
  if (!AliasNode.is(target) || !IdentifierNode.is(target.alias)) return undefined;
  return target.alias.name;
}

function tableOf(target: OperationNode): TableRef {
  const table = AliasNode.is(target) ? target.node : target;
  if (!TableNode.is(table)) return { schema: undefined, name: '' };
  return { schema: table.table.schema?.name, name: table.table.identifier.name };
}

/**
 * `rowid` for tables that have one, the primary key for WITHOUT ROWID tables, `view` for views.
 * A name not found is left to SQLite (it reports "no such table" for the rewritten statement).
 */
async function rowKeyOf(table: TableRef, read: ReadRows): Promise<RowKey | 'view'> {
  const found = await read('select schema, type, wr from pragma_table_list where name = ? collate nocase', [table.name]);
  // unqualified names resolve temp first, then main, then attached databases in order
  const order = (s: unknown): number => (s === 'temp' ? 0 : s === 'main' ? 1 : 2);
  const entry = [...found]
    .filter((r) => table.schema === undefined || String(r.schema).toLowerCase() === table.schema.toLowerCase())
    .sort((a, b) => order(a.schema) - order(b.schema))[0];
  if (entry === undefined) return { kind: 'rowid' };
  if (entry.type === 'view') return 'view';
  if (Number(entry.wr) !== 1) return { kind: 'rowid' };
  const pk = await read('select name from pragma_table_info(?, ?) where pk > 0 order by pk', [table.name, entry.schema]);
  return { kind: 'columns', columns: pk.map((r) => String(r.name)) };
}

/**
 * `rowid` / `"alias".rowid`, or the primary key as a row value. Never a quoted `"rowid"`, which
 * SQLite builds that accept double-quoted strings would read as the string 'rowid' on a table
 * without rowids, matching every row instead of failing.
 */
function keyExpression(key: RowKey, alias: string | undefined): OperationNode {
  if (key.kind === 'rowid') {
    return alias === undefined ? RawNode.createWithSql('rowid') : RawNode.createWithChildren([IdentifierNode.create(alias), RawNode.createWithSql('.rowid')]);
  }
  const parts: OperationNode[] = [RawNode.createWithSql('(')];
  key.columns.forEach((column, i) => {
    if (i > 0) parts.push(RawNode.createWithSql(', '));
    parts.push(column_(column, alias));
  });
  parts.push(RawNode.createWithSql(')'));
  return RawNode.createWithChildren(parts);
}

function selectionsOf(key: RowKey, alias: string | undefined): SelectionNode[] {
  const cols = key.kind === 'rowid' ? [keyExpression(key, alias)] : key.columns.map((c) => column_(c, alias));
  return cols.map((c) => SelectionNode.create(c as Parameters<typeof SelectionNode.create>[0]));
}

function column_(column: string, alias: string | undefined): OperationNode {
  const id = IdentifierNode.create(column);
  return alias === undefined ? id : RawNode.createWithChildren([IdentifierNode.create(alias), RawNode.createWithSql('.'), id]);
}

function handRewrite(statement: 'DELETE' | 'UPDATE', reason: 'join' | 'view', table: string): string {
  const head = statement === 'DELETE' ? `delete from ${table}` : `update ${table} set ...`;
  if (reason === 'view') {
    return `run the ${statement} on the view's underlying table: ${statement.toLowerCase()} ... where rowid in (select rowid from <table> where ... order by ... limit ...)`;
  }
  return `${head} where ${table}.rowid in (select ${table}.rowid from ${table} join ... where ... order by ... limit ... [offset ...])`;
}
