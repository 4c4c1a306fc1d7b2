//! Byte ranges, the one place mm reads and writes them: the `Range` header as a client sends it
//! (RFC 9110 14.1.2), the range resolved against an object's size, the `Content-Range` of a
//! partial answer, and the 416 answer. The edge, the S3 pass-through and the local presigned
//! GET all use these.

use actix_web::HttpResponse;
use actix_web::http::header;

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
    /// Parses one `Range` header value: `bytes=a-b`, `bytes=a-` or `bytes=-n`, the unit in any
    /// case, whitespace around the parts allowed. `None` for anything else, which the caller
    /// ignores and answers with the whole object, as RFC 9110 14.2 allows: several ranges
    /// (players never ask for them and multipart bodies defeat caches), a reversed range (an
    /// invalid range-spec), other units, signs or empty numbers.
    pub fn parse_header(value: &str) -> Option<Self> {
        let (unit, spec) = value.split_once('=')?;
        if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
            return None;
        }
        let (a, b) = spec.trim().split_once('-')?;
        let num = |s: &str| -> Option<u64> {
            (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        match (a.trim(), b.trim()) {
            ("", n) => num(n).map(RangeRequest::Last),
            (a, "") => num(a).map(RangeRequest::From),
            (a, b) => {
                let (a, b) = (num(a)?, num(b)?);
                (a <= b).then_some(RangeRequest::FromTo(a, b))
            }
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

impl ByteRange {
    /// The `Content-Range` value of a partial answer carrying this range of `size` bytes.
    pub fn content_range(self, size: u64) -> String {
        format!("bytes {}-{}/{size}", self.start, self.end)
    }
}

/// `bytes a-b/size` (a `Content-Range` S3 answered) into the range served and the object's
/// full size.
pub fn parse_content_range(v: &str) -> Option<(ByteRange, u64)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, size) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        ByteRange {
            start: a.trim().parse().ok()?,
            end: b.trim().parse().ok()?,
        },
        size.trim().parse().ok()?,
    ))
}

/// The one 416 answer: `Content-Range: bytes */<size>` and the `{code, message}` body.
pub fn unsatisfiable(size: u64) -> HttpResponse {
    HttpResponse::RangeNotSatisfiable()
        .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "code": "range-not-satisfiable",
            "message": "The requested range lies outside the object.",
        }))
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

    /// The RFC 9110 cases, each with what mm answers for an object of 10 000 bytes: the
    /// range served (206), the whole object (`Whole`: the header is ignored, 200), or 416.
    #[test]
    fn rfc_9110_range_table() {
        #[derive(Debug, PartialEq)]
        enum Answer {
            Part(u64, u64),
            Whole,
            Unsatisfiable,
        }
        use Answer::*;
        let size = 10_000;
        let cases = [
            ("bytes=0-499", Part(0, 499)),
            ("bytes=500-999", Part(500, 999)),
            // Suffix: the last n bytes; more than the object is all of it; zero is nothing.
            ("bytes=-500", Part(9_500, 9_999)),
            ("bytes=-20000", Part(0, 9_999)),
            ("bytes=-0", Unsatisfiable),
            // Open-ended, and a last position past the end is clamped.
            ("bytes=9500-", Part(9_500, 9_999)),
            ("bytes=0-", Part(0, 9_999)),
            ("bytes=9990-20000", Part(9_990, 9_999)),
            // Starting at or past the end.
            ("bytes=10000-", Unsatisfiable),
            ("bytes=10000-10010", Unsatisfiable),
            // Reversed is an invalid range-spec: the header is ignored.
            ("bytes=500-100", Whole),
            // Several ranges: answered whole.
            ("bytes=0-0,-1", Whole),
            ("bytes=0-1, 4-5", Whole),
            // Whitespace and the unit's case.
            ("bytes= 0-9", Part(0, 9)),
            (" Bytes = 1-2 ", Part(1, 2)),
            ("BYTES=5-9", Part(5, 9)),
            // Not a byte range at all.
            ("items=0-1", Whole),
            ("bytes=a-b", Whole),
            ("bytes=+1-2", Whole),
            ("bytes=-", Whole),
            ("bytes=", Whole),
            ("bytes", Whole),
            ("", Whole),
        ];
        for (header, want) in cases {
            let got = match RangeRequest::parse_header(header) {
                None => Whole,
                Some(r) => match r.resolve(size) {
                    Some(b) => Part(b.start, b.end),
                    None => Unsatisfiable,
                },
            };
            assert_eq!(got, want, "{header:?}");
        }
        let r = ByteRange { start: 0, end: 499 };
        assert_eq!(r.content_range(size), "bytes 0-499/10000");
        let res = unsatisfiable(size);
        assert_eq!(res.status(), 416);
        assert_eq!(
            res.headers().get(header::CONTENT_RANGE).unwrap(),
            "bytes */10000"
        );
    }

    #[test]
    fn ranges_parse_as_rfc_9110_says() {
        use RangeRequest::*;
        let parse_range = RangeRequest::parse_header;
        assert_eq!(parse_range("bytes=0-99"), Some(FromTo(0, 99)));
        assert_eq!(parse_range("bytes=100-"), Some(From(100)));
        assert_eq!(parse_range("bytes=-5"), Some(Last(5)));
        assert_eq!(parse_range("Bytes = 1-2"), Some(FromTo(1, 2)));
        for ignored in [
            "bytes=5-1",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes",
        ] {
            assert_eq!(parse_range(ignored), None, "{ignored}");
        }
    }
}
