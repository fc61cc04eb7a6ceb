//! JSON records: redaction inside string values (and keys) only, so the
//! output is still valid JSON. Bare JSON numbers are left alone unless
//! `card_in_numbers` asks for card numbers among them: then a number that is
//! a card number becomes the string "[CARD]".
//!
//! This is a lexer, not a parser: it finds strings and numbers and copies
//! everything else as it is. A string it cannot lex (unterminated, a bad
//! escape) makes the record plain text instead.

use crate::redactor::Redactor;
use std::borrow::Cow;

/// Redacts a JSON text, or returns `None` if its strings do not lex.
pub fn redact(r: &Redactor, s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0; // s[copied..i] is still to be copied
    while i < b.len() {
        match b[i] {
            b'"' => {
                let (decoded, end) = lex_string(s, i)?;
                if let Cow::Owned(new) = r.redact_text(&decoded) {
                    out.push_str(&s[copied..i]);
                    write_string(&mut out, &new);
                    copied = end;
                }
                i = end;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                if let Some(replacement) = r.redact_number(&s[start..i]) {
                    out.push_str(&s[copied..start]);
                    write_string(&mut out, &replacement);
                    copied = i;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[copied..]);
    Some(out)
}

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let h = b.get(i..i + 4)?;
    let t = std::str::from_utf8(h).ok()?;
    u32::from_str_radix(t, 16).ok()
}

/// Decodes the string starting at the quote at `start`; returns it and the
/// offset just past its closing quote.
fn lex_string(s: &str, start: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = s.as_bytes();
    let mut i = start + 1;
    // Fast path: no escapes.
    while i < b.len() && b[i] != b'"' && b[i] != b'\\' {
        i += 1;
    }
    if i < b.len() && b[i] == b'"' {
        return Some((Cow::Borrowed(&s[start + 1..i]), i + 1));
    }
    let mut out = String::from(&s[start + 1..i]);
    loop {
        let c = *b.get(i)?;
        match c {
            b'"' => return Some((Cow::Owned(out), i + 1)),
            b'\\' => {
                let e = *b.get(i + 1)?;
                i += 2;
                let ch = match e {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let mut cp = hex4(b, i)?;
                        i += 4;
                        if (0xD800..0xDC00).contains(&cp) {
                            // a surrogate pair: \uD83D\uDE00
                            if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
                                return None;
                            }
                            let lo = hex4(b, i + 2)?;
                            if !(0xDC00..0xE000).contains(&lo) {
                                return None;
                            }
                            i += 6;
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        }
                        char::from_u32(cp)?
                    }
                    _ => return None,
                };
                out.push(ch);
            }
            _ => {
                // Copy up to the next quote or backslash (whole UTF-8 chars).
                let from = i;
                while i < b.len() && b[i] != b'"' && b[i] != b'\\' {
                    i += 1;
                }
                out.push_str(&s[from..i]);
            }
        }
    }
}

/// Appends v as a JSON string.
fn write_string(out: &mut String, v: &str) {
    out.push('"');
    for ch in v.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redactor::CardMode;

    #[test]
    fn table() {
        let r = Redactor::default();
        let last4 = Redactor {
            card_mode: CardMode::Last4,
            ..Redactor::default()
        };
        let numbers = Redactor {
            card_in_numbers: true,
            ..Redactor::default()
        };
        let cases: &[(&Redactor, &str, Option<&str>)] = &[
            (&r, r#"{"a":"bob@example.com"}"#, Some(r#"{"a":"[EMAIL]"}"#)),
            (
                &r,
                r#"{"note": "mail\nbob@example.com", "n": 5}"#,
                Some(r#"{"note": "mail\n[EMAIL]", "n": 5}"#),
            ),
            (
                &r,
                r#"{"q":"say \"hi\" from 10.0.0.1"}"#,
                Some(r#"{"q":"say \"hi\" from [IP]"}"#),
            ),
            (
                &r,
                r#"{"card":4111111111111111,"ts":1700000000004}"#,
                Some(r#"{"card":4111111111111111,"ts":1700000000004}"#),
            ),
            (
                &numbers,
                r#"{"card":4111111111111111,"ts":1700000000004,"amex":[378282246310005]}"#,
                Some(r#"{"card":"[CARD]","ts":1700000000004,"amex":["[CARD]"]}"#),
            ),
            (
                &numbers,
                r#"{"neg":-4111111111111111,"f":4111111111111111.0}"#,
                Some(r#"{"neg":-4111111111111111,"f":4111111111111111.0}"#),
            ),
            (
                &r,
                r#"{"card":"4111-1111-1111-1111","at":"1700000000004","n":"card 5500 0055 5555 5559"}"#,
                Some(r#"{"card":"[CARD]","at":"1700000000004","n":"card [CARD]"}"#),
            ),
            (
                &last4,
                r#"{"card":"4111 1111 1111 1111"}"#,
                Some(r#"{"card":"****1111"}"#),
            ),
            (
                &r,
                r#"{"e":"bob\u0040example.com"}"#,
                Some(r#"{"e":"[EMAIL]"}"#),
            ),
            (
                &r,
                r#"{"u":"caf\u00e9 \ud83d\ude00 bob@example.com"}"#,
                Some("{\"u\":\"café 😀 [EMAIL]\"}"),
            ),
            (
                &r,
                r#"{"clean":"nothing here","x":[1,2.5,-3e2,true,null]}"#,
                Some(r#"{"clean":"nothing here","x":[1,2.5,-3e2,true,null]}"#),
            ),
            (&r, r#"{"a":"unterminated"#, None),
            (&r, r#"{"a":"bad \x escape"}"#, None),
            (&r, r#"{"a":"\ud83d alone"}"#, None),
        ];
        for (red, input, want) in cases {
            assert_eq!(redact(red, input).as_deref(), *want, "{}", input);
        }
    }
}
