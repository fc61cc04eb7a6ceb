//! The Rust SDK's benchmark transform: ASCII-upper-cases each record's data
//! and answers Ok.

use sluice_transform::{Output, Record};

fn upper(r: &Record<'_>) -> Result<Output, String> {
    Ok(Output::data(r.data.to_ascii_uppercase()))
}

sluice_transform::export!(upper);
