//! FCPXML 1.8 with one asset clip spanning the version and a marker per comment, every time
//! a rational number of seconds (`1001/30000s` steps at 29.97), from the master's start.

use super::{Sheet, one_line};
use crate::error::AppError;
use std::fmt::Write;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `frames` at `num/den` frames per second as FCPXML time: `n/ds`, reduced.
pub fn time(frames: u64, num: u32, den: u32) -> String {
    let (n, d) = (frames * u64::from(den), u64::from(num));
    if n == 0 {
        return "0s".into();
    }
    let g = gcd(n, d);
    let (n, d) = (n / g, d / g);
    if d == 1 {
        format!("{n}s")
    } else {
        format!("{n}/{d}s")
    }
}

/// Text for an XML attribute: one line, the five special characters escaped.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(sheet: &Sheet) -> Result<String, AppError> {
    let rate = sheet.video_rate()?;
    let (num, den) = (rate.num, rate.den);
    let tc = sheet.clock.start;
    let start = tc.start;
    let end_of_markers = sheet
        .markers
        .iter()
        .map(|m| m.frame + m.duration)
        .max()
        .unwrap_or(1);
    let frames = sheet.frames.unwrap_or(0).max(end_of_markers).max(1) as u64;
    let t = |f: u64| time(f, num, den);
    let title = attr(&sheet.title);
    let tc_format = if tc.drop { "DF" } else { "NDF" };
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n<fcpxml version=\"1.8\">\n  \
         <resources>\n    <format id=\"r1\" frameDuration=\"{fd}\"/>\n    \
         <asset id=\"r2\" name=\"{title}\" src=\"\" start=\"{s}\" duration=\"{d}\" hasVideo=\"1\" format=\"r1\"/>\n  \
         </resources>\n  <library>\n    <event name=\"mm review\">\n      <project name=\"{title}\">\n        \
         <sequence format=\"r1\" duration=\"{d}\" tcStart=\"{s}\" tcFormat=\"{tc_format}\">\n          <spine>\n            \
         <asset-clip name=\"{title}\" ref=\"r2\" format=\"r1\" offset=\"{s}\" start=\"{s}\" duration=\"{d}\" tcFormat=\"{tc_format}\">\n",
        fd = time(1, num, den),
        s = t(start),
        d = t(frames),
    );
    for m in &sheet.markers {
        let _ = writeln!(
            x,
            "              <marker start=\"{}\" duration=\"{}\" value=\"{}\" completed=\"{}\"/>",
            t(start + m.frame.max(0) as u64),
            t(m.duration.max(1) as u64),
            attr(&m.text),
            u8::from(m.resolved)
        );
    }
    x.push_str(
        "            </asset-clip>\n          </spine>\n        </sequence>\n      </project>\n    \
         </event>\n  </library>\n</fcpxml>\n",
    );
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_reduced_fractions() {
        assert_eq!(time(1, 30000, 1001), "1001/30000s");
        assert_eq!(time(30, 30, 1), "1s");
        assert_eq!(time(0, 25, 1), "0s");
        assert_eq!(time(90_000, 25, 1), "3600s");
        assert_eq!(attr("a<b & \"c\"\nd"), "a&lt;b &amp; &quot;c&quot; d");
    }
}
