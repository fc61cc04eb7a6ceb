//! E-mail addresses: `local@domain.tld`, with the dot-atom characters of
//! RFC 5322 in the local part and a domain of at least two labels whose
//! last label is two or more letters.

use crate::span::{Kind, Span};

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b)
}

fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// Finds e-mail addresses in s.
pub fn find(s: &[u8], out: &mut Vec<Span>) {
    let mut from = 0; // no address starts before this (the end of the last one)
    for at in 0..s.len() {
        if s[at] != b'@' || at < from {
            continue;
        }
        let mut start = at;
        while start > from && is_local(s[start - 1]) {
            start -= 1;
        }
        while start < at && s[start] == b'.' {
            start += 1; // a local part does not start with a dot
        }
        if start == at {
            continue;
        }
        let mut end = at + 1;
        while end < s.len() && is_domain(s[end]) {
            end += 1;
        }
        // Trailing dots and dashes end the sentence, not the domain.
        while end > at + 1 && (s[end - 1] == b'.' || s[end - 1] == b'-') {
            end -= 1;
        }
        if valid_domain(&s[at + 1..end]) {
            out.push(Span {
                start,
                end,
                kind: Kind::Email,
            });
            from = end;
        }
    }
}

fn valid_domain(d: &[u8]) -> bool {
    let labels: Vec<&[u8]> = d.split(|&b| b == b'.').collect();
    if labels.len() < 2 {
        return false;
    }
    let ok_labels = labels
        .iter()
        .all(|l| !l.is_empty() && l.len() <= 63 && l[0] != b'-' && l[l.len() - 1] != b'-');
    let tld = labels[labels.len() - 1];
    ok_labels && tld.len() >= 2 && tld.iter().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::found;

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("mail bob@example.com now", &["bob@example.com"]),
            (
                "Jo.Smith+tag@mail.example.co.uk.",
                &["Jo.Smith+tag@mail.example.co.uk"],
            ),
            ("<alice@ex-ample.org>", &["alice@ex-ample.org"]),
            ("a@b.c", &[]),         // one-letter TLD
            ("bob@localhost", &[]), // one label
            ("@example.com", &[]),  // no local part
            ("bob@10.0.0.1", &[]),  // numeric TLD
            ("bob@-x.com", &[]),    // label starts with a dash
            ("x@@y.com", &[]),
            ("a@b.com,c@d.org", &["a@b.com", "c@d.org"]),
            ("...bob@example.com", &["bob@example.com"]),
            ("über bob@example.com", &["bob@example.com"]),
        ];
        for (input, want) in cases {
            assert_eq!(&found(find, input), want, "{}", input);
        }
    }
}
