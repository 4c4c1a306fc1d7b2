//! StorageError: what can go wrong talking to a bucket, classified for HTTP mapping.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("object not found: {0}")]
    NotFound(String),
    #[error("invalid object key {0:?}")]
    InvalidKey(String),
    #[error("the requested range is not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    /// A request the backend cannot honour as asked (an oversized header value, say).
    #[error("{0}")]
    InvalidInput(String),
    #[error("object is larger than {0} bytes")]
    TooLarge(u64),
    #[error("multipart upload not found: {0}")]
    NoSuchUpload(String),
    #[error("invalid part: {0}")]
    InvalidPart(String),
    #[error("object is under retention until {0}")]
    Retained(String),
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("storage backend error: {0}")]
    Backend(String),
    #[error(transparent)]
    Io(std::io::Error),
}

impl StorageError {
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            StorageError::NotFound(_) | StorageError::NoSuchUpload(_)
        ) || matches!(self, StorageError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }

    /// The caller asked for something impossible (bad key, range, part): a 4xx, not a 5xx.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            StorageError::InvalidKey(_)
                | StorageError::InvalidInput(_)
                | StorageError::RangeNotSatisfiable { .. }
                | StorageError::TooLarge(_)
                | StorageError::InvalidPart(_)
                | StorageError::Retained(_)
        )
    }

    /// The stable code a client sees for the errors that have their own.
    pub fn code(&self) -> Option<&'static str> {
        Some(match self {
            StorageError::InvalidKey(_) => "invalid-key",
            StorageError::InvalidInput(_) => "invalid-input",
            StorageError::RangeNotSatisfiable { .. } => "range-not-satisfiable",
            StorageError::TooLarge(_) => "too-large",
            StorageError::NoSuchUpload(_) => "no-such-upload",
            StorageError::InvalidPart(_) => "invalid-part",
            StorageError::Retained(_) => "retained",
            _ => return None,
        })
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

impl From<std::io::Error> for StorageError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound {
            StorageError::NotFound(e.to_string())
        } else {
            StorageError::Io(e)
        }
    }
}
