//! The host's services: logging, key-value lookups and parameters.
//!
//! On `wasm32` these call the `sluice` imports of ABI v1. On any other
//! target (native `cargo test`), [`log`] writes to stderr and [`kv_get`]
//! answers [`KvError::NotGranted`], so a transform's logic can be tested
//! natively.

use std::fmt;

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "sluice")]
    extern "C" {
        pub fn set_output(ptr: *const u8, len: u32);
        pub fn log(level: i32, ptr: *const u8, len: u32);
        pub fn kv_get(
            bucket_ptr: *const u8,
            bucket_len: u32,
            key_ptr: *const u8,
            key_len: u32,
            out_ptr: *mut u8,
            out_cap: u32,
        ) -> i32;
    }
}

/// A log level of the host's structured log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Debug.
    Debug = 0,
    /// Info.
    Info = 1,
    /// Warn.
    Warn = 2,
    /// Error.
    Error = 3,
}

/// Writes `message` to the host's log, tagged with the module's name and
/// version. Does nothing when logging is not granted to the module.
pub fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        imports::log(level as i32, message.as_ptr(), message.len() as u32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("sluice log {:?}: {}", level, message);
}

/// Why [`kv_get`] found no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvError {
    /// The bucket is not granted to this module.
    NotGranted,
    /// The lookup failed: the bucket does not exist or the host could not
    /// reach it.
    Failed,
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::NotGranted => f.write_str("key-value bucket not granted to this module"),
            KvError::Failed => f.write_str("key-value lookup failed"),
        }
    }
}

impl std::error::Error for KvError {}

/// Reads the current value of `key` in the JetStream key-value bucket
/// `bucket`: `Ok(None)` when there is no such key (or it was deleted).
pub fn kv_get(bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
    let mut buf = vec![0u8; 256];
    loop {
        let n = raw_kv_get(bucket, key, &mut buf);
        match n {
            -1 => return Ok(None),
            -2 => return Err(KvError::NotGranted),
            n if n < 0 => return Err(KvError::Failed),
            n if n as usize <= buf.len() => {
                buf.truncate(n as usize);
                return Ok(Some(buf));
            }
            // Too small: the value is n bytes; it may change again, so loop.
            n => buf.resize(n as usize, 0),
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn raw_kv_get(bucket: &str, key: &str, out: &mut [u8]) -> i32 {
    unsafe {
        imports::kv_get(
            bucket.as_ptr(),
            bucket.len() as u32,
            key.as_ptr(),
            key.len() as u32,
            out.as_mut_ptr(),
            out.len() as u32,
        )
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn raw_kv_get(_bucket: &str, _key: &str, _out: &mut [u8]) -> i32 {
    -2
}

/// A parameter granted to the module by its pipeline (an environment
/// variable), or `None` when it is not set or not UTF-8.
pub fn param(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Hands the answer to the host (ABI `set_output`). Natively it keeps a copy
/// that [`last_output`] returns, for tests.
pub(crate) fn set_output(bytes: &[u8]) {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        imports::set_output(bytes.as_ptr(), bytes.len() as u32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    LAST_OUTPUT.with(|o| *o.borrow_mut() = bytes.to_vec());
}

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static LAST_OUTPUT: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::new());
}

/// The bytes last passed to `set_output` on this thread (native builds only,
/// for tests of the exported entry points).
#[cfg(not(target_arch = "wasm32"))]
pub fn last_output() -> Vec<u8> {
    LAST_OUTPUT.with(|o| o.borrow().clone())
}
