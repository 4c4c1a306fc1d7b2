//! Normalization of the object path of an edge URL, before any scope check: percent-decoding
//! exactly once, and refusing everything that could name a different object than it seems to.

use crate::signing::MAX_PATH_BYTES;

/// Why a path was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Traversal, encoded separators, double encoding, control characters, bad UTF-8.
    #[error("The object path is not allowed: {0}.")]
    Invalid(&'static str),
    /// A path ending in `/`: the edge never lists directories.
    #[error("Directories are not listed.")]
    Directory,
}

/// Decodes the raw (still percent-encoded) object path of a request URI into the storage key
/// it names, or refuses it. Rules, in order:
/// - only visible ASCII may arrive raw; a raw backslash is refused;
/// - each `%XX` is decoded once; `%2F`/`%5C` (encoded separators) and `%25` (which would leave a
///   `%` behind, i.e. double encoding) are refused, as is a `%` not followed by two hex digits;
/// - the decoded bytes must be valid UTF-8 (overlong forms such as `%C0%AE` are not) without
///   control characters (C0, DEL, C1);
/// - no empty, `.` or `..` segment; a trailing `/` asks for a listing and is refused apart.
pub fn normalize(raw: &str) -> Result<String, PathError> {
    use PathError::Invalid;
    if raw.is_empty() {
        return Err(Invalid("it is empty"));
    }
    if raw.len() > MAX_PATH_BYTES * 3 {
        return Err(Invalid("it is too long"));
    }
    let mut out = Vec::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .ok_or(Invalid("a % escape is cut short"))?;
                let d = (hex_val(hex[0]), hex_val(hex[1]));
                let (Some(hi), Some(lo)) = d else {
                    return Err(Invalid("a % escape is not hexadecimal"));
                };
                let c = hi << 4 | lo;
                match c {
                    b'/' | b'\\' => return Err(Invalid("it holds an encoded separator")),
                    b'%' => return Err(Invalid("it is encoded twice")),
                    _ => out.push(c),
                }
                i += 3;
            }
            b'\\' => return Err(Invalid("it holds a backslash")),
            0x21..=0x7e => {
                out.push(b);
                i += 1;
            }
            _ => return Err(Invalid("it holds a raw space, control or non-ASCII byte")),
        }
    }
    let path = String::from_utf8(out).map_err(|_| Invalid("it is not valid UTF-8"))?;
    if path.len() > MAX_PATH_BYTES {
        return Err(Invalid("it is too long"));
    }
    if path.chars().any(char::is_control) {
        return Err(Invalid("it holds a control character"));
    }
    let (body, directory) = match path.strip_suffix('/') {
        Some(body) => (body, true),
        None => (path.as_str(), false),
    };
    for seg in body.split('/') {
        match seg {
            "" => return Err(Invalid("it holds an empty segment")),
            "." | ".." => return Err(Invalid("it holds a . or .. segment")),
            _ => {}
        }
    }
    if directory {
        return Err(PathError::Directory);
    }
    Ok(path)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_singly_encoded_paths_decode() {
        assert_eq!(
            normalize("previews/a/b/index.m3u8").unwrap(),
            "previews/a/b/index.m3u8"
        );
        assert_eq!(
            normalize("previews/a/seg%20001.m4s").unwrap(),
            "previews/a/seg 001.m4s"
        );
        assert_eq!(
            normalize("previews/%C3%A9t%C3%A9/x").unwrap(),
            "previews/été/x"
        );
        assert_eq!(normalize("previews/a.b/..x").unwrap(), "previews/a.b/..x");
    }

    #[test]
    fn every_trick_is_refused() {
        for raw in [
            "previews/../masters/x",
            "previews/a/./x",
            "previews/%2e%2e/masters/x",
            "previews/%2E%2E%2Fmasters",
            "previews%2fa",
            "previews%5ca",
            "previews/a\\..\\b",
            "previews/a%00.m3u8",
            "previews/%252e%252e/x",
            "previews/%c0%ae%c0%ae/x",
            "previews/%e0%80%af",
            "previews/%ff",
            "previews//a",
            "/previews/a",
            "previews/a%0a",
            "previews/a%7f",
            "previews/a%c2%85",
            "previews/a%",
            "previews/a%4",
            "previews/a%zz",
            "previews/a b",
            "",
            ".",
            "..",
        ] {
            assert!(
                matches!(normalize(raw), Err(PathError::Invalid(_))),
                "{raw:?} gave {:?}",
                normalize(raw)
            );
        }
        assert_eq!(normalize("previews/a/"), Err(PathError::Directory));
        assert!(normalize(&"a/".repeat(1000)).is_err());
    }
}
