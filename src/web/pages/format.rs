//! How pages print things: durations, resolutions, sizes, dates, status labels, and JSON for
//! `<script type="application/json">` blocks.

use crate::status::PublicState;
use time::OffsetDateTime;
use time::macros::format_description;

/// `1:02:03` or `2:03`; empty when unknown.
pub fn duration(seconds: Option<f64>) -> String {
    let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return String::new();
    };
    let total = s.round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// `1920×1080`; empty when unknown.
pub fn resolution(width: Option<i64>, height: Option<i64>) -> String {
    match (width, height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => format!("{w}×{h}"),
        _ => String::new(),
    }
}

/// Decimal units, as file browsers show them: `1.5 GB`.
pub fn size(bytes: i64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes.max(0) as f64;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else if v < 10.0 {
        format!("{v:.1} {}", units[i])
    } else {
        format!("{v:.0} {}", units[i])
    }
}

/// `2026-11-26` for lists.
pub fn date(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// `2026-11-26 14:05 UTC` for details.
pub fn datetime(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// RFC 3339 for `<time datetime>`.
pub fn iso(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A badge's words: the state's label (`crate::status`), with the percent while processing.
pub fn badge(state: PublicState, percent: Option<u8>) -> String {
    match (state, percent) {
        (PublicState::Processing, Some(p)) => format!("{} {p}%", state.label()),
        _ => state.label().to_string(),
    }
}

/// JSON safe to place inside `<script type="application/json">`: `<`, `>` and `&` are escaped
/// so no value can close the element or start a comment.
pub fn script_json(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_people_read_them() {
        assert_eq!(duration(Some(5.02)), "0:05");
        assert_eq!(duration(Some(3723.0)), "1:02:03");
        assert_eq!(duration(None), "");
        assert_eq!(resolution(Some(1920), Some(1080)), "1920×1080");
        assert_eq!(resolution(None, Some(1080)), "");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(1_500_000_000), "1.5 GB");
        assert_eq!(size(42_000_000), "42 MB");
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let v = serde_json::json!({"title": "</script><script>alert(1)</script> & <!--"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>'), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
