//! The exported ABI functions, emitted into the author's crate by
//! [`export!`](crate::export) and [`export_batch!`](crate::export_batch).

/// Emits the ABI v1 exports (`sluice_abi_version_1`, `sluice_alloc`,
/// `sluice_transform`) for a per-record function
/// `fn(&Record<'_>) -> Result<Output, String>`. Use it once, at the crate
/// root of a `cdylib` crate:
///
/// ```ignore
/// fn upper(r: &sluice_transform::Record<'_>) -> Result<sluice_transform::Output, String> {
///     let text = std::str::from_utf8(r.data).map_err(|e| e.to_string())?;
///     Ok(sluice_transform::Output::data(text.to_uppercase()))
/// }
/// sluice_transform::export!(upper);
/// ```
#[macro_export]
macro_rules! export {
    ($f:expr) => {
        $crate::__exports_common!();

        #[no_mangle]
        pub extern "C" fn sluice_transform(ptr: *const u8, len: u32) -> i32 {
            let f: fn(
                &$crate::Record<'_>,
            ) -> ::std::result::Result<$crate::Output, ::std::string::String> = $f;
            // SAFETY: the host passes the buffer sluice_alloc returned, filled
            // with len bytes (ABI v1).
            unsafe { $crate::__private::transform(ptr, len, f) }
        }
    };
}

/// Like [`export!`] for a function that sees the whole batch:
/// `fn(&Batch<'_>) -> Result<Vec<Result<Output, String>>, String>`, answering
/// every record in order. Its `Err` fails the whole batch (the host retries
/// it, then sends it to the error output).
#[macro_export]
macro_rules! export_batch {
    ($f:expr) => {
        $crate::__exports_common!();

        #[no_mangle]
        pub extern "C" fn sluice_transform(ptr: *const u8, len: u32) -> i32 {
            let f: fn(
                &$crate::Batch<'_>,
            ) -> ::std::result::Result<
                ::std::vec::Vec<::std::result::Result<$crate::Output, ::std::string::String>>,
                ::std::string::String,
            > = $f;
            // SAFETY: as in export!.
            unsafe { $crate::__private::transform_batch(ptr, len, f) }
        }
    };
}

/// Not public API: the exports both macros emit, the ABI version marker
/// and the allocator the host writes batches into.
#[doc(hidden)]
#[macro_export]
macro_rules! __exports_common {
    () => {
        #[no_mangle]
        pub extern "C" fn sluice_abi_version_1() {}

        #[no_mangle]
        pub extern "C" fn sluice_alloc(size: u32) -> *mut u8 {
            $crate::__private::alloc(size)
        }
    };
}

/// Not public API: what the macros call.
#[doc(hidden)]
pub mod __private {
    use std::cell::RefCell;

    use crate::codec::{process_batch, process_whole_batch, Batch, Record};
    use crate::host::set_output;
    use crate::output::Output;

    thread_local! {
        // The input buffer the host writes batches into, reused and grown.
        static INPUT: RefCell<Vec<u8>> = RefCell::new(Vec::new());
        // The encoded response, reused across batches.
        static OUTPUT: RefCell<Vec<u8>> = RefCell::new(Vec::new());
    }

    /// `sluice_alloc`: a buffer of at least `size` bytes, or null when it
    /// cannot be allocated (the host then fails the batch).
    pub fn alloc(size: u32) -> *mut u8 {
        let size = (size as usize).max(1);
        INPUT.with(|b| {
            let mut b = b.borrow_mut();
            if b.len() < size {
                let more = size - b.len();
                if b.try_reserve_exact(more).is_err() {
                    return std::ptr::null_mut();
                }
                b.resize(size, 0);
            }
            b.as_mut_ptr()
        })
    }

    unsafe fn input<'a>(ptr: *const u8, len: u32) -> &'a [u8] {
        if ptr.is_null() || len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(ptr, len as usize)
        }
    }

    fn finish(result: Result<(), String>, out: &[u8]) -> i32 {
        match result {
            Ok(()) => {
                set_output(out);
                0
            }
            Err(message) => {
                set_output(message.as_bytes());
                1
            }
        }
    }

    /// `sluice_transform` for a per-record function.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes that stay untouched during
    /// the call.
    pub unsafe fn transform(
        ptr: *const u8,
        len: u32,
        f: fn(&Record<'_>) -> Result<Output, String>,
    ) -> i32 {
        let input = input(ptr, len);
        OUTPUT.with(|o| {
            let mut out = o.borrow_mut();
            let r = process_batch(input, &mut out, f);
            finish(r, &out)
        })
    }

    /// `sluice_transform` for a whole-batch function.
    ///
    /// # Safety
    /// As for [`transform`].
    pub unsafe fn transform_batch(
        ptr: *const u8,
        len: u32,
        f: fn(&Batch<'_>) -> Result<Vec<Result<Output, String>>, String>,
    ) -> i32 {
        let input = input(ptr, len);
        OUTPUT.with(|o| {
            let mut out = o.borrow_mut();
            let r = process_whole_batch(input, &mut out, f);
            finish(r, &out)
        })
    }
}
