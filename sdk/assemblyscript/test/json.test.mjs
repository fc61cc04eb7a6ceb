// Tests of the SDK's JSON reader (assembly/json.ts) through the probe
// module's "json:<path>\n<document>" command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Guest, rec, text } from '../testing/host.mjs';

const wasm = fileURLToPath(new URL('./probe.wasm', import.meta.url));
if (!existsSync(wasm)) {
  throw new Error(`${wasm} is missing: build it with sdk/assemblyscript/build.sh (or run test.sh)`);
}
const guest = await Guest.load(wasm);
const enc = new TextEncoder();

function lookup(path, doc) {
  const body = typeof doc === 'string' ? enc.encode(doc) : doc;
  const data = new Uint8Array([...enc.encode(`json:${path}\n`), ...body]);
  const a = guest.transform({ records: [rec('j', data)] }).records[0];
  return a.result === 'Ok' ? text(a) : a.errorMessage;
}

test('lookups', async (t) => {
  const doc = JSON.stringify({
    id: 7, name: 'caf\u00e9', temp: -21.5e1, ok: true, off: false, none: null,
    meta: { site: 'berlin', 'a.b': 1, deep: { x: [1, 2, { y: 'z' }] } },
    tags: ['a', 'b'], empty: {}, list: [],
  });
  const cases = [
    ['id', 'number:7:7.0'],
    ['name', 'string:caf\u00e9'],
    ['temp', 'number:-215:-215.0'],
    ['ok', 'bool:true:yes'],
    ['off', 'bool:false:no'],
    ['none', 'null:null'],
    ['meta.site', 'string:berlin'],
    ['meta.deep.x.2.y', 'string:z'],
    ['meta.deep.x.1', 'number:2:2.0'],
    ['meta.deep.x.3', 'missing'],
    ['meta.deep.x.01', 'missing'],
    ['meta.deep.x.-1', 'missing'],
    ['tags', 'array:["a","b"]:2'],
    ['list', 'array:[]:0'],
    ['empty', 'object:{}'],
    ['meta.a.b', 'missing'],
    ['nope', 'missing'],
    ['id.x', 'missing'],
    ['name.0', 'missing'],
    ['', `object:${doc}`],
  ];
  for (const [path, want] of cases) {
    await t.test(path || '(root)', () => assert.equal(lookup(path, doc), want));
  }
});

test('strings are unescaped', async (t) => {
  const cases = [
    ['{"s":"a\\"b\\\\c\\/d"}', 'string:a"b\\c/d'],
    ['{"s":"\\b\\f\\n\\r\\t"}', 'string:\b\f\n\r\t'],
    ['{"s":"\\u00e9\\u20AC"}', 'string:\u00e9\u20ac'],
    ['{"s":"\\ud83d\\ude00"}', 'string:\u{1f600}'],
    ['{"s":"\u{1f600}\u00e9x"}', 'string:\u{1f600}\u00e9x'],
    ['{"s":"\\ud800"}', 'string:\ufffd'],
    ['{"s\\u0021":"key escaped"}', 'missing'],
    ['{"s!":"no"}', 'missing'],
    ['{"\\u0073":"key escaped"}', 'string:key escaped'],
    ['{"s":1,"s":2}', 'number:2:2.0'],
    [' \n\t{ "s" : "spaced" } \r\n', 'string:spaced'],
  ];
  for (const [doc, want] of cases) {
    await t.test(doc, () => assert.equal(lookup('s', doc), want));
  }
});

test('numbers', async (t) => {
  const cases = [
    ['0', '0.0'], ['-0', '0.0'], ['1.5', '1.5'], ['1e3', '1000.0'], ['1E+2', '100.0'],
    ['2.5e-3', '0.0025'], ['123456789012', '123456789012.0'], ['-7', '-7.0'],
  ];
  for (const [n, want] of cases) {
    await t.test(n, () => assert.equal(lookup('n', `{"n":${n}}`), `number:${n}:${want}`));
  }
});

test('invalid documents', async (t) => {
  const cases = [
    ['', 'not JSON: empty input'],
    ['   ', 'not JSON: empty input'],
    ['{"a":1,}', 'not JSON: expected a string key at byte 7'],
    ['{"a":1', 'not JSON: unexpected end of input at byte 6'],
    ["{'a':1}", 'not JSON: expected a string key at byte 1'],
    ['{"a" 1}', "not JSON: expected ':' at byte 5"],
    ['{"a":1 "b":2}', "not JSON: expected ',' or '}' at byte 7"],
    ['[1 2]', "not JSON: expected ',' or ']' at byte 3"],
    ['{"a":01}', "not JSON: expected ',' or '}' at byte 6"],
    ['{"a":1.}', 'not JSON: bad number at byte 5'],
    ['{"a":-}', 'not JSON: bad number at byte 5'],
    ['{"a":1e}', 'not JSON: bad number at byte 5'],
    ['{"a":.5}', 'not JSON: unexpected character at byte 5'],
    ['{"a":tru}', 'not JSON: unexpected character at byte 5'],
    ['{"a":NaN}', 'not JSON: unexpected character at byte 5'],
    ['{"a":"x\ty"}', 'not JSON: control character in string at byte 7'],
    ['{"a":"\\x"}', 'not JSON: bad escape in string at byte 6'],
    ['{"a":"\\u12G4"}', 'not JSON: bad \\u escape at byte 6'],
    ['{"a":"abc', 'not JSON: unterminated string at byte 9'],
    ['{"a":1} x', 'not JSON: data after the JSON value at byte 8'],
    ['{"a":1}{}', 'not JSON: data after the JSON value at byte 7'],
    ['plain text', 'not JSON: unexpected character at byte 0'],
  ];
  for (const [doc, want] of cases) {
    await t.test(doc || '(empty)', () => assert.equal(lookup('a', doc), want));
  }
});

test('invalid UTF-8 inside strings', async (t) => {
  const wrap = (bytes) => new Uint8Array([...enc.encode('{"a":"'), ...bytes, ...enc.encode('"}')]);
  const cases = [
    ['lone continuation', [0x80]],
    ['overlong', [0xc0, 0xaf]],
    ['surrogate', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['truncated', [0xe2, 0x82]],
    ['0xff', [0xff]],
  ];
  for (const [name, bytes] of cases) {
    await t.test(name, () => assert.equal(lookup('a', wrap(bytes)), 'not JSON: invalid UTF-8 at byte 6'));
  }
  assert.equal(lookup('a', wrap([0xe2, 0x82, 0xac])), 'string:\u20ac');
});

test('nesting is capped', () => {
  const nest = (n) => '['.repeat(n) + ']'.repeat(n);
  assert.equal(lookup('', nest(512)).slice(0, 8), 'array:[[');
  assert.equal(lookup('', nest(513)), 'not JSON: nesting deeper than 512 at byte 512');
  assert.equal(lookup('', nest(100000)), 'not JSON: nesting deeper than 512 at byte 512');
});

test('long strings: special bytes at every offset of the 8-byte fast path', () => {
  for (let k = 0; k < 20; k++) {
    const a = 'a'.repeat(k);
    const b = 'b'.repeat(k + 3);
    for (const [raw, want] of [['\\"', '"'], ['\\\\', '\\'], ['\\n', '\n'], ['\u00e9', '\u00e9'], ['\u{1f600}', '\u{1f600}'], ['~', '~'], [' ', ' ']]) {
      assert.equal(lookup('s', `{"s":"${a}${raw}${b}"}`), `string:${a}${want}${b}`, `k=${k} raw=${raw}`);
    }
    assert.equal(lookup('s', `{"s":"${a}"}`), `string:${a}`);
    assert.equal(lookup('s', `{"s":"${a}\x1f${b}"}`), `not JSON: control character in string at byte ${6 + k}`);
    assert.equal(lookup('s', `{"s":"${a}\x7f${b}"}`), `string:${a}\x7f${b}`, 'DEL is allowed in JSON strings');
    assert.equal(lookup('s', new Uint8Array([...enc.encode(`{"s":"${a}`), 0xc3, ...enc.encode(`${b}"}`)])), `not JSON: invalid UTF-8 at byte ${6 + k}`);
    assert.equal(lookup('s', `{"s":"${a}`), `not JSON: unterminated string at byte ${6 + k}`);
  }
});
