//! What a transform answers for one record.

/// The answer for one record when it did not fail. A failure is the `Err`
/// of the transform's `Result<Output, String>`: the record is then
/// ProcessingFailed, its original data goes to the error output with the
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Ok: the new data goes on to the destination, with optional partition
    /// keys for dynamic partitioning.
    Data {
        /// The transformed record.
        data: Vec<u8>,
        /// Partition keys, in the order they were added.
        partition_keys: Vec<(String, String)>,
    },
    /// Dropped: the record is deliberately left out; it is counted, not an
    /// error.
    Dropped,
}

impl Output {
    /// Ok with `data` and no partition keys.
    pub fn data(data: impl Into<Vec<u8>>) -> Output {
        Output::Data {
            data: data.into(),
            partition_keys: Vec::new(),
        }
    }

    /// Dropped.
    pub fn dropped() -> Output {
        Output::Dropped
    }

    /// Adds a partition key to an Ok answer; a Dropped answer carries none,
    /// so there it does nothing.
    pub fn with_partition_key(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Output {
        if let Output::Data { partition_keys, .. } = &mut self {
            partition_keys.push((key.into(), value.into()));
        }
        self
    }
}
