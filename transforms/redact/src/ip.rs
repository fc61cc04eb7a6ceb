//! IPv4 (`192.168.0.1`) and IPv6 (`2001:db8::1`, `::ffff:10.0.0.1`)
//! addresses, checked by parsing, not by pattern: every IPv4 part is 0 to
//! 255, an IPv6 address has eight groups or one `::`.

use crate::span::{Kind, Span};

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Parses an IPv4 address at the start of s; returns its length.
fn ipv4_len(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    for part in 0..4 {
        if part > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v = 0u32;
        while i < s.len() && s[i].is_ascii_digit() && i - start < 3 {
            v = v * 10 + u32::from(s[i] - b'0');
            i += 1;
        }
        if i == start || v > 255 {
            return None;
        }
    }
    Some(i)
}

/// Whether s is exactly one IPv6 address.
fn is_ipv6(s: &[u8]) -> bool {
    let text = match std::str::from_utf8(s) {
        Ok(t) => t,
        Err(_) => return false,
    };
    let (head, tail, compressed) = match text.find("::") {
        Some(p) => (&text[..p], &text[p + 2..], true),
        None => (text, "", false),
    };
    if tail.contains("::") {
        return false;
    }
    let mut groups = 0;
    for (k, part) in [head, tail].iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        let pieces: Vec<&str> = part.split(':').collect();
        for (n, p) in pieces.iter().enumerate() {
            let last = n == pieces.len() - 1 && (k == 1 || !compressed);
            if last && p.contains('.') {
                if ipv4_len(p.as_bytes()) != Some(p.len()) {
                    return false;
                }
                groups += 2;
            } else if !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_hexdigit()) {
                groups += 1;
            } else {
                return false;
            }
        }
    }
    if compressed {
        groups >= 1 && groups <= 7
    } else {
        groups == 8
    }
}

/// Whether an IPv6 address may end before s[e]: not inside a word, and not
/// followed by more of an address (1:2:3:4:5:6:7:8:9, 1::2::3).
fn v6_end_ok(s: &[u8], e: usize) -> bool {
    if e == s.len() {
        return true;
    }
    let next = s.get(e + 1).copied().unwrap_or(b' ');
    let more = (s[e] == b':' && (next == b':' || next.is_ascii_hexdigit()))
        || (s[e] == b'.' && next.is_ascii_hexdigit());
    !is_word(s[e]) && !more
}

fn is_v6_char(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// Finds IPv4 and IPv6 addresses in s.
pub fn find(s: &[u8], out: &mut Vec<Span>) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let boundary = i == 0 || !(is_word(s[i - 1]) || s[i - 1] == b'.' || s[i - 1] == b':');
        if !boundary || !(b.is_ascii_hexdigit() || b == b':') {
            i += 1;
            continue;
        }
        // IPv6 first: it may end in an IPv4 address. Take the longest prefix
        // (at most 45 bytes) of the run of address characters that parses.
        let mut end = i;
        while end < s.len() && is_v6_char(s[end]) {
            end += 1;
        }
        let mut found = None;
        if (end == s.len() || !is_word(s[end])) && s[i..end].contains(&b':') {
            let mut e = end.min(i + 45);
            while e > i + 1 {
                if v6_end_ok(s, e) && is_ipv6(&s[i..e]) {
                    found = Some(e);
                    break;
                }
                e -= 1;
            }
        }
        if found.is_none() && b.is_ascii_digit() {
            if let Some(n) = ipv4_len(&s[i..]) {
                let e = i + n;
                // Not followed by more of a dotted number (1.2.3.4.5) or a word.
                let more = e < s.len()
                    && (is_word(s[e])
                        || (s[e] == b'.' && s.get(e + 1).map_or(false, |c| c.is_ascii_digit())));
                if !more {
                    found = Some(e);
                }
            }
        }
        match found {
            Some(e) => {
                out.push(Span {
                    start: i,
                    end: e,
                    kind: Kind::Ip,
                });
                i = e;
            }
            None => {
                // Skip the rest of this word so its tail is not a new start.
                i += 1;
                while i < s.len() && (is_word(s[i]) || s[i] == b'.' || s[i] == b':') {
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::found;

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "from 192.168.0.1 to 10.0.0.255.",
                &["192.168.0.1", "10.0.0.255"],
            ),
            ("host 10.1.2.3:8080", &["10.1.2.3"]),
            ("256.1.1.1", &[]),
            ("1.2.3", &[]),
            ("v1.2.3.4", &[]),
            ("oid 1.2.3.4.5", &[]),
            (
                "2001:db8:85a3:0:0:8a2e:370:7334",
                &["2001:db8:85a3:0:0:8a2e:370:7334"],
            ),
            ("addr 2001:db8::1, next", &["2001:db8::1"]),
            ("loopback ::1", &["::1"]),
            ("[fe80::1]:443", &["fe80::1"]),
            ("mapped ::ffff:192.0.2.128 ok", &["::ffff:192.0.2.128"]),
            ("at 12:30:45 today", &[]),
            ("mac 00:1a:2b:3c:4d:5e", &[]),
            ("std::vector", &[]),
            ("1::2::3", &[]),
            ("unreachable fe80::1: timeout", &["fe80::1"]),
            ("1:2:3:4:5:6:7:8:9", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(&found(find, input), want, "{}", input);
        }
    }
}
