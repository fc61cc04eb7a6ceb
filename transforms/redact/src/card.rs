//! Payment card numbers, recognised by what makes a number a card number:
//! 13 to 19 digits, optionally grouped with single spaces or single dashes
//! (one kind of separator per number), beginning with an issuer's prefix at
//! a length that issuer issues, and passing the Luhn check; and the context:
//! a run of digits that touches a letter or a digit, or follows `<digit>.`
//! (a decimal fraction), is not one.
//!
//! Luhn alone passes 1 number in 10; the prefix and length rules are what
//! leave timestamps (epoch seconds, milliseconds, microseconds and
//! nanoseconds all begin with `1` until 2033), order numbers and phone
//! numbers alone.

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

/// Card lengths as a bit set: bit n is length n.
const fn lengths(min: u32, max: u32) -> u32 {
    let mut set = 0;
    let mut n = min;
    while n <= max {
        set |= 1 << n;
        n += 1;
    }
    set
}

/// One issuer's range of prefixes: the first `digits` digits of a card, read
/// as a number, are in lo..=hi, and the card's length is in `lengths`.
struct Issuer {
    digits: usize,
    lo: u32,
    hi: u32,
    lengths: u32,
}

const fn issuer(digits: usize, lo: u32, hi: u32, lengths: u32) -> Issuer {
    Issuer {
        digits,
        lo,
        hi,
        lengths,
    }
}

/// The issuers' identification ranges (ISO/IEC 7812 IINs as the networks
/// publish them). UATP (prefix 1, airline accounts) is left out on purpose:
/// its prefix is the prefix of every timestamp of this decade.
const ISSUERS: &[Issuer] = &[
    issuer(1, 4, 4, 1 << 13 | 1 << 16 | 1 << 19), // Visa, Visa Electron
    issuer(2, 51, 55, 1 << 16),                   // Mastercard
    issuer(4, 2221, 2720, 1 << 16),               // Mastercard 2-series
    issuer(2, 34, 34, 1 << 15),                   // American Express
    issuer(2, 37, 37, 1 << 15),                   // American Express
    issuer(4, 6011, 6011, lengths(16, 19)),       // Discover
    issuer(3, 644, 649, lengths(16, 19)),         // Discover
    issuer(2, 65, 65, lengths(16, 19)),           // Discover, RuPay
    issuer(3, 300, 305, lengths(14, 19)),         // Diners Club
    issuer(4, 3095, 3095, lengths(14, 19)),       // Diners Club
    issuer(2, 36, 36, lengths(14, 19)),           // Diners Club International
    issuer(2, 38, 39, lengths(14, 19)),           // Diners Club
    issuer(4, 3528, 3589, lengths(16, 19)),       // JCB
    issuer(2, 62, 62, lengths(16, 19)),           // UnionPay
    issuer(2, 50, 50, lengths(13, 19)),           // Maestro, Verve, RuPay
    issuer(2, 56, 58, lengths(13, 19)),           // Maestro
    issuer(2, 60, 60, lengths(16, 19)),           // RuPay
    issuer(2, 63, 63, lengths(13, 19)),           // Maestro, InterPayment
    issuer(2, 67, 67, lengths(13, 19)),           // Maestro
    issuer(4, 2200, 2204, lengths(16, 19)),       // Mir
    issuer(2, 81, 82, 1 << 16),                   // RuPay
    issuer(4, 9792, 9792, 1 << 16),               // Troy
];

/// Whether digits (13 to 19 of them) begin with an issuer's prefix at a
/// length that issuer uses.
pub fn issued(digits: &[u8]) -> bool {
    let n = digits.len();
    ISSUERS.iter().any(|is| {
        is.lengths & (1 << n) != 0
            && n >= is.digits
            && (is.lo..=is.hi).contains(&prefix(digits, is.digits))
    })
}

fn prefix(digits: &[u8], k: usize) -> u32 {
    digits[..k]
        .iter()
        .fold(0, |v, d| v * 10 + u32::from(d - b'0'))
}

/// Whether digits are a card number: length, issuer and Luhn.
pub fn is_card(digits: &[u8]) -> bool {
    (13..=19).contains(&digits.len()) && issued(digits) && luhn(digits)
}

/// Finds card numbers in s.
pub fn find(s: &[u8], out: &mut Vec<Span>) {
    let mut i = 0;
    while i < s.len() {
        if !s[i].is_ascii_digit() || (i > 0 && is_word(s[i - 1])) || is_decimal_fraction(s, i) {
            i += 1;
            continue;
        }
        // A run of digits with single separators between digits, all of
        // one kind. `ends` holds (end offset, digit count) at every group
        // boundary.
        let start = i;
        let mut digits = Vec::with_capacity(19);
        let mut ends = Vec::new();
        let mut sep = None;
        let mut j = i;
        loop {
            while j < s.len() && s[j].is_ascii_digit() {
                digits.push(s[j]);
                j += 1;
            }
            ends.push((j, digits.len()));
            if j + 1 < s.len()
                && (s[j] == b' ' || s[j] == b'-')
                && sep.map_or(true, |c| c == s[j])
                && s[j + 1].is_ascii_digit()
                && digits.len() < 19
            {
                sep = Some(s[j]);
                j += 1;
                continue;
            }
            break;
        }
        // The longest prefix, ending at a group boundary that is not inside
        // a word, that is a card number.
        let found = ends.iter().rev().find(|&&(end, n)| {
            (end == s.len() || !is_word(s[end])) && is_card(&digits[..n])
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
            ("amex 3782 822463 10005", &["3782 822463 10005"]),
            ("4111 1111 1111 1111 2024", &["4111 1111 1111 1111"]),
            ("order 4111111111111112", &[]), // Luhn fails
            ("order 1234567890123", &[]),    // 13 digits, Luhn fails
            ("4111111111111111111111", &[]), // 22 digits
            ("x4111111111111111", &[]),      // inside a word
            ("4111111111111111y", &[]),
            ("pi 3.4111111111111111", &[]), // a fraction
            ("4111  1111 1111 1111", &[]),  // double space breaks the run
            ("4111 1111-1111 1111", &[]),   // mixed separators
            (
                "4111111111111111,5500005555555559",
                &["4111111111111111", "5500005555555559"],
            ),
            ("tel 0049 170 1234567", &[]),
            ("ts 1700000000004", &[]), // epoch ms passing Luhn: no issuer starts with 1
            ("ts=1733011200000007", &[]), // epoch µs passing Luhn
            ("4222222222222", &["4222222222222"]), // Visa, 13 digits
            ("5105105105105100", &["5105105105105100"]), // Mastercard
            ("2223000048400011", &["2223000048400011"]), // Mastercard 2-series
            ("6011111111111117", &["6011111111111117"]), // Discover
            ("6445644564456445", &["6445644564456445"]), // Discover 644-649
            ("30569309025904", &["30569309025904"]), // Diners Club, 14 digits
            ("3530111333300000", &["3530111333300000"]), // JCB
            ("6200000000000005", &["6200000000000005"]), // UnionPay
            ("6759649826438453", &["6759649826438453"]), // Maestro
            ("2200000000000004", &["2200000000000004"]), // Mir
            ("4111111111111111110", &["4111111111111111110"]), // Visa, 19 digits
            ("5105105105105100005", &[]), // Luhn, but Mastercard is 16 digits only
            ("3782822463100052", &[]),    // Luhn, but Amex is 15 digits only
            ("9111111111111110", &[]),    // Luhn, but no issuer starts with 91
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

    /// Epoch-millisecond timestamps of every day from 2001 to 2033, at
    /// 50,000 different instants: none is a card, though 1 in 10 passes
    /// Luhn.
    #[test]
    fn timestamps_are_not_cards() {
        let mut luhn_ok = 0;
        let mut t: u64 = 1_000_000_000_000; // 2001-09-09
        let step = (2_000_000_000_000 - t) / 50_000 + 7;
        for _ in 0..50_000 {
            let s = t.to_string();
            assert!(!is_card(s.as_bytes()), "{}", s);
            if luhn(s.as_bytes()) {
                luhn_ok += 1;
            }
            let mut v = Vec::new();
            find(format!("at {} and {}000", s, s).as_bytes(), &mut v);
            assert!(v.is_empty(), "{}", s);
            t += step;
        }
        assert!(luhn_ok > 4_000, "only {} passed Luhn", luhn_ok);
    }
}
