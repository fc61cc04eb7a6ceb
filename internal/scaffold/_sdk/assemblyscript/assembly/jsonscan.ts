// A validating scanner for JSON text (RFC 8259) over raw bytes in memory.
// It checks the whole grammar, including the UTF-8 inside strings, and
// returns where each value ends; json.ts builds lookups on top of it. The
// scanner keeps its state in plain globals and uses no managed locals, so a
// deeply nested document costs no collector work; nesting is capped at
// MAX_DEPTH so recursion cannot exhaust the stack.

/** The deepest nesting of objects and arrays the reader accepts. */
export const MAX_DEPTH: i32 = 512;

/** Returned by scan functions on an error; `scanError` and `scanErrorAt` say what and where. */
export const FAIL: usize = <usize>-1;

/** What went wrong in the last failed scan ("" when none). */
export let scanError: string = "";
/** Where (an absolute address) the last failed scan stopped. */
export let scanErrorAt: usize = 0;

function fail(what: string, at: usize): usize {
  scanError = what;
  scanErrorAt = at;
  return FAIL;
}

/** Skips JSON whitespace from `p`; returns the first other position (or `end`). */
export function skipWs(p: usize, end: usize): usize {
  while (p < end) {
    const c = load<u8>(p);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    p++;
  }
  return p;
}

function isHex(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 6);
}

function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

// Checks one UTF-8 sequence whose lead byte (>= 0x80) is at p; returns the position after it.
function scanUtf8(p: usize, end: usize): usize {
  const c = <u32>load<u8>(p);
  let n: usize;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 1;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 2;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 3;
    if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
  } else {
    return fail("invalid UTF-8", p);
  }
  if (end - p <= n) return fail("invalid UTF-8", p);
  const c1 = <u32>load<u8>(p + 1);
  if (c1 < lo || c1 > hi) return fail("invalid UTF-8", p);
  for (let i: usize = 2; i <= n; i++) {
    const ci = <u32>load<u8>(p + i);
    if (ci < 0x80 || ci > 0xbf) return fail("invalid UTF-8", p);
  }
  return p + 1 + n;
}

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

// Whether any of the 8 bytes of x is a quote, a backslash, a control
// character or a non-ASCII byte: the bytes scanString must look at one by one.
// @ts-ignore: decorator
@inline
function special8(x: u64): bool {
  const q = x ^ (ONES * 0x22);
  const b = x ^ (ONES * 0x5c);
  return ((x | ((x - ONES * 0x20) & ~x) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS) != 0;
}

/** Scans a string starting at its opening quote; returns the position after the closing quote. */
export function scanString(p: usize, end: usize): usize {
  p++; // opening quote
  while (p < end) {
    // Plain ASCII runs go 8 bytes at a time: one bounds-checked load instead of eight.
    while (end - p >= 8 && !special8(load<u64>(p))) p += 8;
    if (p >= end) break;
    const c = <u32>load<u8>(p);
    if (c == 0x22) return p + 1;
    if (c == 0x5c) {
      if (p + 1 >= end) break;
      const e = <u32>load<u8>(p + 1);
      if (e == 0x75) { // \uXXXX
        if (end - p < 6) return fail("short \\u escape", p);
        for (let i: usize = 2; i < 6; i++) {
          if (!isHex(<u32>load<u8>(p + i))) return fail("bad \\u escape", p);
        }
        p += 6;
      } else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
        p += 2;
      } else {
        return fail("bad escape in string", p);
      }
    } else if (c < 0x20) {
      return fail("control character in string", p);
    } else if (c < 0x80) {
      p++;
    } else {
      p = scanUtf8(p, end);
      if (p == FAIL) return FAIL;
    }
  }
  return fail("unterminated string", p);
}

/** Scans a number; returns the position after it. */
export function scanNumber(p: usize, end: usize): usize {
  const start = p;
  if (p < end && load<u8>(p) == 0x2d) p++;
  if (p >= end) return fail("bad number", start);
  let c = <u32>load<u8>(p);
  if (c == 0x30) {
    p++;
  } else if (c >= 0x31 && c <= 0x39) {
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  } else {
    return fail("bad number", start);
  }
  if (p < end && load<u8>(p) == 0x2e) {
    p++;
    if (p >= end || !isDigit(<u32>load<u8>(p))) return fail("bad number", start);
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    if (p >= end || !isDigit(<u32>load<u8>(p))) return fail("bad number", start);
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  }
  return p;
}

function scanLiteral(p: usize, end: usize, word: string): usize {
  const n = <usize>word.length;
  if (end - p < n) return fail("unexpected character", p);
  for (let i: usize = 0; i < n; i++) {
    if (<u32>load<u8>(p + i) != <u32>word.charCodeAt(<i32>i)) return fail("unexpected character", p);
  }
  return p + n;
}

/** Scans one value (no surrounding whitespace) at `p`; returns the position after it. */
export function scanValue(p: usize, end: usize, depth: i32): usize {
  if (p >= end) return fail("unexpected end of input", p);
  const c = <u32>load<u8>(p);
  if (c == 0x22) return scanString(p, end);
  if (c == 0x7b) return scanObject(p, end, depth + 1);
  if (c == 0x5b) return scanArray(p, end, depth + 1);
  if (c == 0x74) return scanLiteral(p, end, "true");
  if (c == 0x66) return scanLiteral(p, end, "false");
  if (c == 0x6e) return scanLiteral(p, end, "null");
  if (c == 0x2d || isDigit(c)) return scanNumber(p, end);
  return fail("unexpected character", p);
}

function scanObject(p: usize, end: usize, depth: i32): usize {
  if (depth > MAX_DEPTH) return fail("nesting deeper than " + MAX_DEPTH.toString(), p);
  p = skipWs(p + 1, end);
  if (p < end && load<u8>(p) == 0x7d) return p + 1;
  for (;;) {
    if (p >= end) return fail("unexpected end of input", p);
    if (load<u8>(p) != 0x22) return fail("expected a string key", p);
    p = scanString(p, end);
    if (p == FAIL) return FAIL;
    p = skipWs(p, end);
    if (p >= end || load<u8>(p) != 0x3a) return fail("expected ':'", p);
    p = scanValue(skipWs(p + 1, end), end, depth);
    if (p == FAIL) return FAIL;
    p = skipWs(p, end);
    if (p >= end) return fail("unexpected end of input", p);
    const c = load<u8>(p);
    if (c == 0x7d) return p + 1;
    if (c != 0x2c) return fail("expected ',' or '}'", p);
    p = skipWs(p + 1, end);
  }
  return FAIL; // not reached
}

function scanArray(p: usize, end: usize, depth: i32): usize {
  if (depth > MAX_DEPTH) return fail("nesting deeper than " + MAX_DEPTH.toString(), p);
  p = skipWs(p + 1, end);
  if (p < end && load<u8>(p) == 0x5d) return p + 1;
  for (;;) {
    p = scanValue(p, end, depth);
    if (p == FAIL) return FAIL;
    p = skipWs(p, end);
    if (p >= end) return fail("unexpected end of input", p);
    const c = load<u8>(p);
    if (c == 0x5d) return p + 1;
    if (c != 0x2c) return fail("expected ',' or ']'", p);
    p = skipWs(p + 1, end);
  }
  return FAIL; // not reached
}
