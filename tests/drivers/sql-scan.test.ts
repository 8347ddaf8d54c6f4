// The shared tokenizer decides, for both drivers, how many statements a string holds, whether it
// is DML, and how many parameters it takes. Table-driven over the cases that fool naive scans.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyStatement, mayNeedClassifying, scanSql } from '../../drivers/sql-scan.js';

const count = suite('sql-scan: statement count');
const statements: Array<[string, number]> = [
  ['select 1', 1],
  ['select 1;', 1],
  ['select 1;  \n -- trailing comment\n /* block */ ;', 1],
  ['select 1; select 2', 2],
  ['select 1;select 2;', 2],
  ["select 'a;b'", 1],
  ["select 'it''s; fine'", 1],
  ['select "a;b" from t', 1],
  ['select `a;b` from t', 1],
  ['select [a;b] from t', 1],
  ['select 1 -- ; select 2', 1],
  ['select 1 /* ; select 2 */', 1],
  ['', 0],
  ['   ', 0],
  [';;', 0],
  ['-- only a comment', 0],
  ['/* only */', 0],
  ['create trigger tr after insert on t begin insert into u values (1); update u set x = 2; end', 1],
  ['create temp trigger tr after insert on t begin insert into u values (1); end;', 1],
  ['create trigger tr after insert on t begin select case when 1 then 2 end; end; select 1', 2],
  ["create trigger tr after insert on t begin select ';'; end", 1],
  ['create table trigger_log (x); select 1', 2],
  ["select x'00;01'", 1],
];
for (const [sql, n] of statements) {
  count(`${JSON.stringify(sql)} -> ${n}`, () => assert.is(scanSql(sql).statements, n));
}
count.run();

const verbs = suite('sql-scan: verb and DML');
const verbCases: Array<[string, string, boolean]> = [
  ['select 1', 'SELECT', false],
  ['  SELECT 1', 'SELECT', false],
  ['-- c\ninsert into t values (1)', 'INSERT', true],
  ['/* c */ update t set x = 1', 'UPDATE', true],
  ['delete from t', 'DELETE', true],
  ['replace into t values (1)', 'REPLACE', true],
  ['with a as (select 1) select * from a', 'SELECT', false],
  ['with a as (select 1), b as (insert into t select 1) insert into t select * from a', 'INSERT', true],
  ['with recursive a(n) as (select 1 union all select n+1 from a where n < 3) delete from t where x in a', 'DELETE', true],
  ['pragma user_version', 'PRAGMA', false],
  ['create table t (x)', 'CREATE', false],
  ['explain insert into t values (1)', 'EXPLAIN', false],
  ['values (1), (2)', 'VALUES', false],
];
for (const [sql, verb, dml] of verbCases) {
  verbs(`${sql} -> ${verb}`, () => {
    const s = scanSql(sql);
    assert.is(s.verb, verb);
    assert.is(s.dml, dml);
  });
}
verbs.run();

const params = suite('sql-scan: parameters');
const paramCases: Array<[string, number, boolean]> = [
  ['select 1', 0, false],
  ['select ?', 1, false],
  ['select ?, ?, ?', 3, false],
  ["select '?', \"?\", ? -- ?\n /* ? */", 1, false],
  ['select ?3', 3, false],
  ['select ?2, ?', 3, false],
  ['select :a, :b, :a', 2, true],
  ['select @a', 1, true],
  ['select $a', 1, true],
];
for (const [sql, n, named] of paramCases) {
  params(`${sql} -> ${n}`, () => {
    const s = scanSql(sql);
    assert.is(s.paramCount, n);
    assert.is(s.namedParams, named);
  });
}
params.run();

// What core's statement policy refuses rests on this classification (tests/core/tx-refusals.test.ts).
const classes = suite('sql-scan: statement classes');
const classCases: Array<[string, string]> = [
  ['commit', 'transaction-control COMMIT'],
  ['  /* c */ END TRANSACTION', 'transaction-control END'],
  ['rollback', 'transaction-control ROLLBACK'],
  ['rollback to sp', 'other'],
  ['ROLLBACK TRANSACTION TO SAVEPOINT sp', 'other'],
  ['begin immediate', 'transaction-control BEGIN'],
  ['vacuum', 'vacuum'],
  ["vacuum into 'x.db'", 'vacuum'],
  ['pragma journal_mode', 'other'],
  ['pragma journal_mode = wal', 'pragma-set journal_mode'],
  ['PRAGMA main.journal_mode=WAL', 'pragma-set journal_mode'],
  ['pragma "main"."journal_mode"(\'wal\')', 'pragma-set journal_mode'],
  ['pragma foreign_keys(0)', 'pragma-set foreign_keys'],
  ['-- note\npragma foreign_keys = off', 'pragma-set foreign_keys'],
  ['select * from pragma_journal_mode', 'other'],
  ["select 'commit'", 'other'],
  ['create table commit_log (x)', 'other'],
];
for (const [sql, want] of classCases) {
  classes(`${JSON.stringify(sql)} -> ${want}`, () => {
    const c = classifyStatement(scanSql(sql));
    const got = c.kind === 'transaction-control' ? `${c.kind} ${c.verb}` : c.kind === 'pragma-set' ? `${c.kind} ${c.name}` : c.kind;
    assert.is(got, want);
    if (want !== 'other') assert.ok(mayNeedClassifying(sql), 'the cheap pre-check lets it through');
  });
}
classes.run();
