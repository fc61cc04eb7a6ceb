//! The redact transform: replaces personal data in JSON or plain-text
//! records. E-mail addresses become `[EMAIL]`, payment card numbers (13 to
//! 19 digits, optionally grouped, with an issuer's prefix and length,
//! Luhn-checked) `[CARD]` or `****1234`, IPv4 and IPv6 addresses `[IP]`. In
//! JSON only string values and keys are touched (and, if asked, bare numbers
//! that are card numbers), so JSON stays JSON.
//!
//! Parameters: `CARD=mask|last4` (default mask), `REDACT=email,card,ip`
//! (default all), `CARD_IN_NUMBERS=false|true` (default false). A bad
//! parameter fails the whole batch; a record that is not UTF-8 is
//! ProcessingFailed.

mod card;
mod email;
mod ip;
mod json;
mod redactor;
mod span;

pub use redactor::{CardMode, Redactor};

use sluice_transform::{param, Batch, Output};

fn transform(batch: &Batch<'_>) -> Result<Vec<Result<Output, String>>, String> {
    let r = Redactor::from_params(
        param("CARD").as_deref(),
        param("REDACT").as_deref(),
        param("CARD_IN_NUMBERS").as_deref(),
    )?;
    Ok(batch
        .records
        .iter()
        .map(|rec| r.redact_record(rec.data).map(Output::data))
        .collect())
}

sluice_transform::export_batch!(transform);
