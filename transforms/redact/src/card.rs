//! Payment card numbers: 13 to 19 digits, optionally grouped with single
//! spaces or dashes, that pass the Luhn check (so most order numbers,
//! phone numbers and timestamps of that length are left alone).

use crate::span::{Kind, Span};

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the digits pass the Luhn checksum.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// Finds card numbers in s.
pub fn find(s: &[u8], out: &mut Vec<Span>) {
    let mut i = 0;
    while i < s.len() {
        if !s[i].is_ascii_digit() || (i > 0 && is_word(s[i - 1])) || is_decimal_fraction(s, i) {
            i += 1;
            continue;
        }
        // A run of digits with single separators between digits. `ends`
        // holds (end offset, digit count) at every group boundary.
        let start = i;
        let mut digits = Vec::with_capacity(19);
        let mut ends = Vec::new();
        let mut j = i;
        loop {
            while j < s.len() && s[j].is_ascii_digit() {
                digits.push(s[j]);
                j += 1;
            }
            ends.push((j, digits.len()));
            if j + 1 < s.len()
                && (s[j] == b' ' || s[j] == b'-')
                && s[j + 1].is_ascii_digit()
                && digits.len() < 19
            {
                j += 1;
                continue;
            }
            break;
        }
        // The longest prefix, ending at a group boundary that is not inside
        // a word, that looks like a card.
        let found = ends.iter().rev().find(|&&(end, n)| {
            (13..=19).contains(&n) && (end == s.len() || !is_word(s[end])) && luhn(&digits[..n])
        });
        match found {
            Some(&(end, n)) => {
                out.push(Span {
                    start,
                    end,
                    kind: Kind::Card {
                        last4: [digits[n - 4], digits[n - 3], digits[n - 2], digits[n - 1]],
                    },
                });
                i = end;
            }
            None => {
                // Skip this digit run (not its separators: a card may follow).
                i += 1;
                while i < s.len() && s[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
    }
}

/// Whether the digit at i follows "<digit>.", as in 3.14159…
fn is_decimal_fraction(s: &[u8], i: usize) -> bool {
    i >= 2 && s[i - 1] == b'.' && s[i - 2].is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::found;

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("4111111111111111", &["4111111111111111"]),
            ("card 4111 1111 1111 1111 exp", &["4111 1111 1111 1111"]),
            ("4111-1111-1111-1111", &["4111-1111-1111-1111"]),
            ("amex 378282246310005.", &["378282246310005"]),
            ("4111 1111 1111 1111 2024", &["4111 1111 1111 1111"]),
            ("order 4111111111111112", &[]), // Luhn fails
            ("order 1234567890123", &[]),    // 13 digits, Luhn fails
            ("4111111111111111111111", &[]), // 22 digits
            ("x4111111111111111", &[]),      // inside a word
            ("4111111111111111y", &[]),
            ("pi 3.4111111111111111", &[]), // a fraction
            ("4111  1111 1111 1111", &[]),  // double space breaks the run
            (
                "4111111111111111,5500005555555559",
                &["4111111111111111", "5500005555555559"],
            ),
            ("tel 0049 170 1234567", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(&found(find, input), want, "{}", input);
        }
    }

    #[test]
    fn luhn_values() {
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b"79927398710"));
        assert!(luhn(b"4111111111111111"));
    }
}
