// Values in and out are the same on both drivers (FACTS: better-sqlite3 rounds big integers,
// returns Buffer, refuses booleans and binds undefined as NULL; wasm throws on undefined).
import * as assert from 'uvu/assert';
import { DualSqliteError } from '../../dsn/base-error.js';
import { matrix } from '../helpers/matrix.js';
import { memory, throwsCode } from './_util.js';

matrix('drivers: values', (test, driver) => {
  const one = (sql: string, params: unknown[] = []): unknown => {
    const b = memory(driver);
    try {
      return b.execute(sql, params).rows[0]!.v;
    } finally {
      b.close();
    }
  };

  const ints: Array<[string, number | bigint]> = [
    ['0', 0],
    ['-1', -1],
    ['2147483648', 2147483648],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-9007199254740991', Number.MIN_SAFE_INTEGER],
    ['9007199254740993', 9007199254740993n],
    ['-9007199254740993', -9007199254740993n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
  ];
  for (const [lit, want] of ints) {
    test(`integer literal ${lit} reads back as ${typeof want} ${want}`, () => {
      const v = one(`select ${lit} as v`);
      assert.is(typeof v, typeof want);
      assert.is(v, want);
    });
  }

  test('bigint parameters bind and round-trip exactly', () => {
    for (const v of [2n ** 62n + 1n, -(2n ** 63n), 5n]) {
      const got = one('select ? as v', [v]);
      assert.is(BigInt(got as number | bigint), v);
    }
    assert.is(one('select ? as v', [5n]), 5);
  });

  test('a bigint outside int64 is INVALID_PARAMETER naming the index', () => {
    const b = memory(driver);
    throwsCode(() => b.execute('select ?, ? as v', [1, 2n ** 63n]), 'INVALID_PARAMETER', /parameter 2 \(index 1\)/);
    b.close();
  });

  test('floats stay floats', () => {
    assert.is(one('select 1.5 as v'), 1.5);
    assert.is(one('select ? as v', [0.1]), 0.1);
  });

  test('blobs come back as Buffer (a Uint8Array subclass), bound from a Uint8Array or a Buffer', () => {
    const v = one("select x'00ff10' as v") as Buffer;
    assert.ok(Buffer.isBuffer(v));
    assert.instance(v, Uint8Array);
    assert.equal([...v], [0, 255, 16]);
    const empty = one("select x'' as v") as Buffer;
    assert.ok(Buffer.isBuffer(empty));
    assert.is(empty.length, 0);
    const bound = one('select ? as v', [new Uint8Array([1, 2, 3])]) as Buffer;
    assert.ok(Buffer.isBuffer(bound));
    assert.equal([...bound], [1, 2, 3]);
    const fromBuffer = one('select ? as v', [Buffer.from([9, 8])]) as Buffer;
    assert.ok(Buffer.isBuffer(fromBuffer));
    assert.equal([...fromBuffer], [9, 8]);
  });

  test('NaN is INVALID_PARAMETER (SQLite would store NULL); +-Infinity round-trips as a REAL', () => {
    const b = memory(driver);
    throwsCode(() => b.execute('select ?, ? as v', [1, Number.NaN]), 'INVALID_PARAMETER', /parameter 2 \(index 1\) is NaN/);
    b.close();
    assert.is(one('select ? as v', [Infinity]), Infinity);
    assert.is(one('select ? as v', [-Infinity]), -Infinity);
    assert.is(one('select typeof(?) as v', [Infinity]), 'real');
  });

  test('a result column named __proto__ is kept as an own property, with every other column', () => {
    const b = memory(driver);
    b.execute('create table t (a, "__proto__")', []);
    b.execute("insert into t values (1, 'p'), (2, x'01')", []);
    for (const sql of ['select a, "__proto__" from t order by a', 'select * from t order by a']) {
      const rows = b.execute(sql, []).rows;
      assert.is(rows.length, 2);
      for (const row of rows) {
        assert.is(Object.getPrototypeOf(row), Object.prototype);
        assert.equal(Object.keys(row), ['a', '__proto__']);
      }
      assert.is(rows[0]!['__proto__'], 'p');
      assert.ok(Buffer.isBuffer(rows[1]!['__proto__']));
      assert.is(JSON.stringify(rows[0]), '{"a":1,"__proto__":"p"}');
      assert.equal([...b.iterate(sql, [])].map((r) => Object.keys(r)), [['a', '__proto__'], ['a', '__proto__']]);
    }
    assert.equal(Object.keys(b.execute('select 1 as "__proto__", null as x', []).rows[0]!), ['__proto__', 'x']);
    b.close();
  });

  // node:sqlite on Node 22 bound an empty view of a zero-length ArrayBuffer as NULL
  test('an empty blob binds as an empty blob however its buffer was made', () => {
    for (const empty of [new Uint8Array(0), new Uint8Array(new ArrayBuffer(0)), Buffer.alloc(0), new Uint8Array(4).subarray(2, 2)]) {
      const b = memory(driver);
      const row = b.execute('select ? as v, typeof(?) as t', [empty, empty]).rows[0]!;
      b.close();
      assert.is(row.t, 'blob');
      assert.is((row.v as Uint8Array).length, 0);
    }
  });

  test('a blob bound from a Buffer slice binds only the slice', () => {
    const big = Buffer.from([1, 2, 3, 4, 5]);
    const v = one('select ? as v', [big.subarray(1, 3)]) as Uint8Array;
    assert.equal([...v], [2, 3]);
  });

  test('booleans bind as 1 and 0', () => {
    assert.is(one('select ? as v', [true]), 1);
    assert.is(one('select ? as v', [false]), 0);
    assert.is(one('select typeof(?) as v', [true]), 'integer');
  });

  test('integer-valued numbers bind as SQLite integers (integer division, typeof)', () => {
    assert.is(one('select typeof(?) as v', [1]), 'integer');
    assert.is(one('select 3 / ? as v', [2]), 1);
    assert.is(one('select typeof(?) as v', [1.5]), 'real');
    assert.is(one('select 3 / ? as v', [2.0]), 1);
    assert.is(one('select typeof(?) as v', [2 ** 60]), 'real');
  });

  test('undefined is INVALID_PARAMETER naming the parameter index', () => {
    const b = memory(driver);
    const err = throwsCode(() => b.execute('select ?, ?', [1, undefined]), 'INVALID_PARAMETER', /parameter 2 \(index 1\) is undefined/);
    assert.ok(err instanceof DualSqliteError);
    b.close();
  });

  test('Date binds as its ISO-8601 string', () => {
    const d = new Date(Date.UTC(2024, 1, 29, 12, 30, 5, 123));
    assert.is(one('select ? as v', [d]), '2024-02-29T12:30:05.123Z');
    const b = memory(driver);
    throwsCode(() => b.execute('select ?', [new Date(NaN)]), 'INVALID_PARAMETER', /invalid Date/);
    b.close();
  });

  test('other objects, symbols and functions are INVALID_PARAMETER', () => {
    const b = memory(driver);
    for (const bad of [{ a: 1 }, [1], Symbol('s'), () => 1, new Map()]) {
      throwsCode(() => b.execute('select ? as v', [bad]), 'INVALID_PARAMETER', /parameter 1/);
    }
    b.close();
  });

  test('text with a NUL character or a lone surrogate is INVALID_PARAMETER (wasm would cut or alter it)', () => {
    const b = memory(driver);
    throwsCode(() => b.execute('select ? as v', ['a\0b']), 'INVALID_PARAMETER', /parameter 1 .*NUL/);
    throwsCode(() => b.execute('select ?, ? as v', ['ok', 'a\uD800b']), 'INVALID_PARAMETER', /parameter 2 .*lone UTF-16 surrogate/);
    assert.equal(b.execute('select ? as v', ['\uD83D\uDE00']).rows, [{ v: '😀' }], 'a proper surrogate pair is fine');
    b.close();
  });

  test('null, text and unicode round-trip', () => {
    assert.is(one('select ? as v', [null]), null);
    assert.is(one('select ? as v', ['héllo ✓ 𝄞']), 'héllo ✓ 𝄞');
    assert.is(one('select ? as v', ['']), '');
  });

  test('parameter count must match on both drivers', () => {
    const b = memory(driver);
    throwsCode(() => b.execute('select ?, ?', [1]), 'PARAMETER_COUNT_MISMATCH', /takes 2 parameter\(s\), 1 given/);
    throwsCode(() => b.execute('select ?', [1, 2]), 'PARAMETER_COUNT_MISMATCH', /takes 1 parameter\(s\), 2 given/);
    b.close();
  });

  test('named parameters are refused the same way', () => {
    const b = memory(driver);
    throwsCode(() => b.execute('select :a', [1]), 'INVALID_PARAMETER', /named .* parameters are not supported/);
    throwsCode(() => b.execute('select ?1', [1]), 'INVALID_PARAMETER', /numbered \(\?NNN\)/);
    b.close();
  });

  test('stored values keep their type through a table', () => {
    const b = memory(driver);
    b.execute('create table t (i integer, r real, s text, b blob, n)', []);
    b.execute('insert into t values (?, ?, ?, ?, ?)', [2n ** 60n, 2.5, 'x', new Uint8Array([7]), null]);
    const row = b.execute('select * from t', []).rows[0]!;
    assert.is(row.i, 2n ** 60n);
    assert.is(row.r, 2.5);
    assert.is(row.s, 'x');
    assert.equal([...(row.b as Uint8Array)], [7]);
    assert.is(row.n, null);
    b.close();
  });
});

// Every selected driver side by side on random values: whatever goes in, all give back the same thing.
import { suite } from 'uvu';
import fc from 'fast-check';
import { matrixDrivers } from '../helpers/matrix.js';

const parity = suite('drivers: values, every driver side by side (property)');
const sideBySide = matrixDrivers();
if (sideBySide.length >= 2) {
  parity(`random parameters read back identically (value and typeof) on ${sideBySide.join(', ')}`, () => {
    const [first, ...others] = sideBySide.map((d) => memory(d));
    const value = fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.double({ noNaN: true }),
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }).filter((t) => !t.includes('\0') && (t as string & { isWellFormed(): boolean }).isWellFormed()),
      fc.uint8Array({ maxLength: 64 }),
      fc.boolean(),
      fc.constant(null),
      fc.date({ noInvalidDate: true }),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (params) => {
        const sql = `select ${params.map((_, i) => `? as v${i}, typeof(?) as t${i}`).join(', ')}`;
        const doubled = params.flatMap((p) => [p, p]);
        const a = first!.execute(sql, doubled).rows;
        for (const other of others) assert.equal(other.execute(sql, doubled).rows, a);
      }),
      { numRuns: 300 },
    );
    for (const b of [first!, ...others]) b.close();
  });
}
parity.run();
