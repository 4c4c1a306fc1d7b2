//! The player's clock data for a version: its rational frame rate and start timecode as the
//! page hands them to the browser (`data-frame-rate`, `data-start-timecode`).

use serde_json::Value;

/// The version's rate as "num/den": `r_frame_rate`, else `avg_frame_rate`; audio counts in
/// milliseconds (the review contract's nominal 1000/1 rate); 25/1 when the probe says nothing.
pub fn frame_rate(tech: &Value, media: &str) -> String {
    if media == "audio" {
        return "1000/1".to_string();
    }
    ["/video/r_frame_rate", "/video/avg_frame_rate"]
        .iter()
        .filter_map(|p| tech.pointer(p).and_then(Value::as_str))
        .find(|r| is_rate(r))
        .unwrap_or("25/1")
        .to_string()
}

fn is_rate(r: &str) -> bool {
    match r.split_once('/') {
        Some((n, d)) => {
            matches!((n.parse::<u32>(), d.parse::<u32>()), (Ok(n), Ok(d)) if n > 0 && d > 0)
        }
        None => r.parse::<u32>().is_ok_and(|n| n > 0),
    }
}

/// The master's own start timecode (`01:00:00;00` for drop-frame), else 00:00:00:00.
pub fn start_timecode(tech: &Value) -> String {
    tech.get("timecode")
        .and_then(Value::as_str)
        .filter(|t| {
            t.len() <= 12
                && t.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | ';' | '.' | ','))
        })
        .unwrap_or("00:00:00:00")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rate_prefers_r_frame_rate_and_skips_zero() {
        let t = json!({"video": {"r_frame_rate": "0/0", "avg_frame_rate": "30000/1001"}});
        assert_eq!(frame_rate(&t, "video"), "30000/1001");
        assert_eq!(
            frame_rate(&json!({"video": {"r_frame_rate": "25/1"}}), "video"),
            "25/1"
        );
        assert_eq!(frame_rate(&Value::Null, "video"), "25/1");
        assert_eq!(frame_rate(&t, "audio"), "1000/1");
    }

    #[test]
    fn start_timecode_is_the_probes_or_zero() {
        assert_eq!(
            start_timecode(&json!({"timecode": "01:00:00;00"})),
            "01:00:00;00"
        );
        assert_eq!(start_timecode(&json!({"timecode": "<b>"})), "00:00:00:00");
        assert_eq!(start_timecode(&Value::Null), "00:00:00:00");
    }
}
