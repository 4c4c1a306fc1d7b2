//! CSV of the markers (timecode, frame, seconds, author, text, status), written with the `csv`
//! crate; cells a spreadsheet would run as a formula are quoted as text.

use super::Sheet;
use crate::error::AppError;

/// A cell that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`, so
/// Excel, LibreOffice and Sheets show it instead of evaluating it.
pub fn neutral(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

pub fn render(sheet: &Sheet) -> Result<Vec<u8>, AppError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let fail = |e: ::csv::Error| AppError::Internal(e.into());
    w.write_record(["timecode", "frame", "seconds", "author", "text", "status"])
        .map_err(fail)?;
    let timed = sheet.clock.rate.is_some();
    for m in &sheet.markers {
        let tc = if timed {
            sheet.clock.timecode(m.frame).unwrap_or_default()
        } else {
            String::new()
        };
        let frame = if timed {
            m.frame.to_string()
        } else {
            String::new()
        };
        let seconds = sheet
            .clock
            .seconds(m.frame)
            .filter(|_| timed)
            .map(|s| format!("{s:.3}"))
            .unwrap_or_default();
        let status = if m.resolved { "resolved" } else { "open" };
        w.write_record([
            tc,
            frame,
            seconds,
            neutral(&m.author),
            neutral(&m.text),
            status.to_string(),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for f in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)"] {
            assert!(neutral(f).starts_with('\''), "{f}");
        }
        assert_eq!(neutral("fine"), "fine");
    }
}
