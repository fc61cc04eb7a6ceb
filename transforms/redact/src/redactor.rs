//! The redactor: which kinds of PII to replace and how.

use std::borrow::Cow;

use crate::span::{resolve, Kind, Span};
use crate::{card, email, ip, json};

/// How a card number is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardMode {
    /// `[CARD]`.
    Mask,
    /// `****` and the last four digits, as in `****1234`.
    Last4,
}

/// Replaces e-mail addresses with `[EMAIL]`, card numbers with `[CARD]`
/// (or `****1234`) and IP addresses with `[IP]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redactor {
    /// Redact e-mail addresses.
    pub email: bool,
    /// Redact payment card numbers.
    pub card: bool,
    /// Redact IPv4 and IPv6 addresses.
    pub ip: bool,
    /// How card numbers are replaced.
    pub card_mode: CardMode,
    /// Also redact card numbers written as bare JSON numbers (off by
    /// default: a numeric field holds an amount, an id or a timestamp far
    /// more often than a card).
    pub card_in_numbers: bool,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            email: true,
            card: true,
            ip: true,
            card_mode: CardMode::Mask,
            card_in_numbers: false,
        }
    }
}

impl Redactor {
    /// Builds a redactor from the module's parameters: `CARD` (`mask`, the
    /// default, or `last4`), `REDACT` (a comma-separated subset of
    /// `email,card,ip`; all three by default) and `CARD_IN_NUMBERS`
    /// (`false`, the default, or `true`).
    pub fn from_params(
        card: Option<&str>,
        kinds: Option<&str>,
        card_in_numbers: Option<&str>,
    ) -> Result<Redactor, String> {
        let mut r = Redactor::default();
        match card.map(str::trim) {
            None | Some("") | Some("mask") => {}
            Some("last4") => r.card_mode = CardMode::Last4,
            Some(other) => return Err(format!("parameter CARD is {:?}; use mask or last4", other)),
        }
        match card_in_numbers.map(str::trim) {
            None | Some("") | Some("false") => {}
            Some("true") => r.card_in_numbers = true,
            Some(other) => {
                return Err(format!(
                    "parameter CARD_IN_NUMBERS is {:?}; use true or false",
                    other
                ))
            }
        }
        if let Some(kinds) = kinds.map(str::trim).filter(|k| !k.is_empty()) {
            r.email = false;
            r.card = false;
            r.ip = false;
            for k in kinds.split(',').map(str::trim) {
                match k {
                    "email" => r.email = true,
                    "card" => r.card = true,
                    "ip" => r.ip = true,
                    other => {
                        return Err(format!(
                            "parameter REDACT names {:?}; use email, card or ip",
                            other
                        ))
                    }
                }
            }
        }
        Ok(r)
    }

    fn replacement(&self, kind: Kind) -> Cow<'static, str> {
        match kind {
            Kind::Email => Cow::Borrowed("[EMAIL]"),
            Kind::Ip => Cow::Borrowed("[IP]"),
            Kind::Card { last4 } => match self.card_mode {
                CardMode::Mask => Cow::Borrowed("[CARD]"),
                CardMode::Last4 => Cow::Owned(format!("****{}", String::from_utf8_lossy(&last4))),
            },
        }
    }

    /// Redacts plain text; borrows the input when nothing was found.
    pub fn redact_text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let b = s.as_bytes();
        let mut spans: Vec<Span> = Vec::new();
        if self.email && b.contains(&b'@') {
            email::find(b, &mut spans);
        }
        if self.card {
            card::find(b, &mut spans);
        }
        if self.ip {
            ip::find(b, &mut spans);
        }
        if spans.is_empty() {
            return Cow::Borrowed(s);
        }
        resolve(&mut spans);
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for sp in &spans {
            // Spans start and end at ASCII bytes, so these are char boundaries.
            out.push_str(&s[at..sp.start]);
            out.push_str(&self.replacement(sp.kind));
            at = sp.end;
        }
        out.push_str(&s[at..]);
        Cow::Owned(out)
    }

    /// The replacement for a bare JSON number that is a card number, when
    /// `card_in_numbers` asks for it.
    pub fn redact_number(&self, token: &str) -> Option<String> {
        let d = token.as_bytes();
        if !self.card || !self.card_in_numbers || !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if !card::is_card(d) {
            return None;
        }
        let last4 = [d[d.len() - 4], d[d.len() - 3], d[d.len() - 2], d[d.len() - 1]];
        Some(self.replacement(Kind::Card { last4 }).into_owned())
    }

    /// Redacts one record: JSON (when it starts with `{` or `[` and its
    /// strings lex) string by string, anything else as plain text. A record
    /// that is not UTF-8 is an error.
    pub fn redact_record(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        let text = std::str::from_utf8(data).map_err(|e| {
            format!(
                "record is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            )
        })?;
        let first = text.bytes().find(|b| !b.is_ascii_whitespace());
        if matches!(first, Some(b'{') | Some(b'[')) {
            if let Some(out) = json::redact(self, text) {
                return Ok(out.into_bytes());
            }
        }
        Ok(self.redact_text(text).into_owned().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text() {
        let r = Redactor::default();
        let cases = [
            (
                "user bob@example.com paid with 4111-1111-1111-1111 from 203.0.113.9",
                "user [EMAIL] paid with [CARD] from [IP]",
            ),
            ("order 1234567890123 shipped", "order 1234567890123 shipped"),
            ("client 2001:db8::7 and ::1", "client [IP] and [IP]"),
            ("nothing to see", "nothing to see"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(r.redact_text(input), want, "{}", input);
        }
        let last4 = Redactor {
            card_mode: CardMode::Last4,
            ..Redactor::default()
        };
        assert_eq!(
            last4.redact_text("card 5500 0055 5555 5559."),
            "card ****5559."
        );
    }

    #[test]
    fn records() {
        let r = Redactor::default();
        assert_eq!(
            r.redact_record(b"  {\"ip\":\"10.0.0.1\"}\n").unwrap(),
            b"  {\"ip\":\"[IP]\"}\n"
        );
        // Not JSON after all: redacted as text.
        assert_eq!(
            r.redact_record(b"[10.0.0.1] \"open").unwrap(),
            b"[[IP]] \"open"
        );
        let err = r.redact_record(b"ok \xff").unwrap_err();
        assert_eq!(err, "record is not UTF-8 (invalid byte at offset 3)");
    }

    #[test]
    fn params() {
        assert_eq!(
            Redactor::from_params(None, None, None).unwrap(),
            Redactor::default()
        );
        let r = Redactor::from_params(Some("last4"), Some("card, ip"), Some("true")).unwrap();
        assert_eq!(
            (r.email, r.card, r.ip, r.card_mode, r.card_in_numbers),
            (false, true, true, CardMode::Last4, true)
        );
        assert_eq!(
            Redactor::from_params(Some("hide"), None, None).unwrap_err(),
            "parameter CARD is \"hide\"; use mask or last4"
        );
        assert_eq!(
            Redactor::from_params(None, Some("email,phone"), None).unwrap_err(),
            "parameter REDACT names \"phone\"; use email, card or ip"
        );
        assert_eq!(
            Redactor::from_params(None, None, Some("yes")).unwrap_err(),
            "parameter CARD_IN_NUMBERS is \"yes\"; use true or false"
        );
        let only_email = Redactor::from_params(None, Some("email"), None).unwrap();
        assert_eq!(
            only_email.redact_text("a@b.com 10.0.0.1"),
            "[EMAIL] 10.0.0.1"
        );
    }
}
