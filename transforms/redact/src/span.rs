//! A piece of text to redact, and how overlapping findings are resolved.

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An e-mail address.
    Email,
    /// A payment card number; its last four digits.
    Card {
        /// The last four digits, for `CARD=last4`.
        last4: [u8; 4],
    },
    /// An IPv4 or IPv6 address.
    Ip,
}

/// Bytes start..end of the text are one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: Kind,
}

/// Sorts spans and drops those that overlap an earlier one (the earliest
/// start wins; on a tie, the longest).
pub fn resolve(spans: &mut Vec<Span>) {
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut end = 0;
    spans.retain(|s| {
        if s.start < end {
            return false;
        }
        end = s.end;
        true
    });
}

/// The text of each span `find` reports in `s`, for the finders' tests.
#[cfg(test)]
pub fn found<'a>(find: fn(&[u8], &mut Vec<Span>), s: &'a str) -> Vec<&'a str> {
    let mut v = Vec::new();
    find(s.as_bytes(), &mut v);
    v.iter().map(|sp| &s[sp.start..sp.end]).collect()
}
