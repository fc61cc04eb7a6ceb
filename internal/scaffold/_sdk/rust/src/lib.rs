//! Guest SDK for Sluice transforms, ABI v1 (`sdk/ABI.md`).
//!
//! A transform is a function from one record to `Result<Output, String>`,
//! exported with one macro, in a `cdylib` crate built for `wasm32-wasi`:
//!
//! ```ignore
//! use sluice_transform::{Output, Record};
//!
//! fn upper(r: &Record<'_>) -> Result<Output, String> {
//!     let text = std::str::from_utf8(r.data).map_err(|_| "record is not UTF-8".to_string())?;
//!     Ok(Output::data(text.to_uppercase()).with_partition_key("kind", "text"))
//! }
//!
//! sluice_transform::export!(upper);
//! ```
//!
//! - `Ok(Output::data(..))`: the record is transformed; `Ok(Output::dropped())`:
//!   it is left out on purpose; `Err(message)`: it is ProcessingFailed and its
//!   original data goes to the error output with `message`.
//! - [`export_batch!`] takes a function that sees the whole [`Batch`] instead,
//!   and can fail the whole batch.
//! - [`log`], [`kv_get`] and [`param`] reach the host's services.
//!
//! # Panics
//!
//! Rust on `wasm32-wasi` is built with `panic=abort`: there is no unwinding
//! and `catch_unwind` cannot catch anything. A panic prints its message to
//! stderr (which the host writes to its log, tagged with the module) and then
//! traps; the host fails the whole batch with the trap, retries it, and
//! replaces the instance. So a panic never goes unnoticed, but it costs the
//! whole batch: report a bad record with `Err(message)` instead, and avoid
//! `unwrap` on anything that depends on the data.
//!
//! # Memory
//!
//! The SDK owns one input buffer (the host writes each batch there) and one
//! output buffer; both are grown as needed and reused for later batches. A
//! [`Record`] borrows from the input buffer and is valid only during the call.

mod codec;
mod export;
mod host;
mod output;
pub mod testing;

pub use codec::{
    decode_batch, process_batch, process_whole_batch, Batch, DecodeError, KinesisMetadata, Record,
    ResponseWriter, BATCH_MAGIC, RESPONSE_MAGIC, RESULT_DROPPED, RESULT_OK,
    RESULT_PROCESSING_FAILED,
};
#[doc(hidden)]
pub use export::__private;
#[cfg(not(target_arch = "wasm32"))]
pub use host::last_output;
pub use host::{kv_get, log, param, KvError, Level};
pub use output::Output;
