//! Byte ranges: as a client asks for them (`Range` header forms) and as resolved against an
//! object's size.

/// An inclusive byte range, already checked against the object's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A range as asked for, before the object's size is known (`bytes=a-b`, `a-`, `-n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeRequest {
    From(u64),
    FromTo(u64, u64),
    Last(u64),
}

impl RangeRequest {
    /// The concrete range for an object of `size` bytes; `None` when it is unsatisfiable.
    pub fn resolve(self, size: u64) -> Option<ByteRange> {
        if size == 0 {
            return None;
        }
        let (start, end) = match self {
            RangeRequest::From(a) => (a, size - 1),
            RangeRequest::FromTo(a, b) => (a, b.min(size - 1)),
            RangeRequest::Last(0) => return None,
            RangeRequest::Last(n) => (size.saturating_sub(n), size - 1),
        };
        (start <= end && start < size).then_some(ByteRange { start, end })
    }
}

impl RangeRequest {
    /// Parses one `Range` header value (`bytes=a-b`, `bytes=a-`, `bytes=-n`). `None` for
    /// anything else, including several ranges: the caller then serves the whole object, as
    /// RFC 9110 allows.
    pub fn parse_header(value: &str) -> Option<Self> {
        let spec = value.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (a, b) = spec.split_once('-')?;
        let num = |s: &str| -> Option<u64> {
            let s = s.trim();
            (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        match (a.trim().is_empty(), b.trim().is_empty()) {
            (true, false) => num(b).map(RangeRequest::Last),
            (false, true) => num(a).map(RangeRequest::From),
            (false, false) => Some(RangeRequest::FromTo(num(a)?, num(b)?)),
            (true, true) => None,
        }
    }

    /// The `Range` header value that asks for this range.
    pub fn header_value(self) -> String {
        match self {
            RangeRequest::From(a) => format!("bytes={a}-"),
            RangeRequest::FromTo(a, b) => format!("bytes={a}-{b}"),
            RangeRequest::Last(n) => format!("bytes=-{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_headers_parse_and_resolve() {
        let p = RangeRequest::parse_header;
        assert_eq!(p("bytes=0-9"), Some(RangeRequest::FromTo(0, 9)));
        assert_eq!(p("bytes=5-"), Some(RangeRequest::From(5)));
        assert_eq!(p("bytes=-3"), Some(RangeRequest::Last(3)));
        for bad in [
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "items=0-1",
            "bytes=0-1,3-4",
            "bytes=+1-2",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
        let r = |a, b| Some(ByteRange { start: a, end: b });
        assert_eq!(RangeRequest::FromTo(0, 9).resolve(5), r(0, 4));
        assert_eq!(RangeRequest::Last(3).resolve(10), r(7, 9));
        assert_eq!(RangeRequest::Last(30).resolve(10), r(0, 9));
        assert_eq!(RangeRequest::From(10).resolve(10), None);
        assert_eq!(RangeRequest::FromTo(4, 3).resolve(10), None);
        assert_eq!(RangeRequest::From(0).resolve(0), None);
        assert_eq!(RangeRequest::FromTo(2, 5).header_value(), "bytes=2-5");
    }
}
