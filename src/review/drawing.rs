//! A comment's drawing: shapes in coordinates 0..1 of the picture (x right, y down), checked
//! field by field so only known tools, colours and bounded sizes are stored.

use crate::error::AppError;
use serde::Deserialize;
use serde_json::Value;

pub const MAX_SHAPES: usize = 500;
pub const MAX_BYTES: usize = 64 * 1024;
pub const MAX_POINTS: usize = 2000;
pub const MAX_TEXT: usize = 200;
pub const COLOURS: &[&str] = &[
    "#ff3b30", "#ffcc00", "#34c759", "#0a84ff", "#ffffff", "#000000",
];

type Point = [f64; 2];

#[derive(Deserialize)]
#[serde(tag = "tool", rename_all = "lowercase", deny_unknown_fields)]
enum Shape {
    Pen {
        color: String,
        width: f64,
        points: Vec<Point>,
    },
    Line {
        color: String,
        width: f64,
        from: Point,
        to: Point,
    },
    Arrow {
        color: String,
        width: f64,
        from: Point,
        to: Point,
    },
    Rect {
        color: String,
        width: f64,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Ellipse {
        color: String,
        width: f64,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Text {
        color: String,
        size: f64,
        at: Point,
        text: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Drawing {
    shapes: Vec<Value>,
}

fn bad(m: impl Into<String>) -> AppError {
    AppError::bad_request("invalid-drawing", m)
}

fn unit(v: f64) -> bool {
    v.is_finite() && (0.0..=1.0).contains(&v)
}

fn check_point(p: &Point) -> Result<(), AppError> {
    if unit(p[0]) && unit(p[1]) {
        Ok(())
    } else {
        Err(bad("Coordinates must be between 0 and 1 of the picture."))
    }
}

fn check_common(color: &str, width: f64) -> Result<(), AppError> {
    if !COLOURS.contains(&color) {
        return Err(bad(format!("color must be one of {}.", COLOURS.join(" "))));
    }
    if !(width.is_finite() && (0.001..=0.05).contains(&width)) {
        return Err(bad("width must be between 0.001 and 0.05."));
    }
    Ok(())
}

fn check_box(x: f64, y: f64, w: f64, h: f64) -> Result<(), AppError> {
    let ok = [x, y, w, h].iter().all(|v| unit(*v)) && x + w <= 1.0 + 1e-9 && y + h <= 1.0 + 1e-9;
    if ok {
        Ok(())
    } else {
        Err(bad(
            "A box must lie inside the picture (x + w <= 1, y + h <= 1).",
        ))
    }
}

/// Checks a drawing as the client sent it; returns it to store unchanged.
pub fn validate(v: &Value) -> Result<Value, AppError> {
    let size = serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX);
    if size > MAX_BYTES {
        return Err(bad("A drawing may take at most 64 KiB."));
    }
    let d: Drawing =
        serde_json::from_value(v.clone()).map_err(|_| bad("A drawing is {\"shapes\": [...]}."))?;
    if d.shapes.len() > MAX_SHAPES {
        return Err(bad(format!(
            "A drawing may have at most {MAX_SHAPES} shapes."
        )));
    }
    for raw in &d.shapes {
        let shape: Shape = serde_json::from_value(raw.clone())
            .map_err(|e| bad(format!("Not a shape this editor knows: {e}.")))?;
        match &shape {
            Shape::Pen {
                color,
                width,
                points,
            } => {
                check_common(color, *width)?;
                if points.is_empty() || points.len() > MAX_POINTS {
                    return Err(bad(format!("A pen stroke has 1 to {MAX_POINTS} points.")));
                }
                points.iter().try_for_each(check_point)?;
            }
            Shape::Line {
                color,
                width,
                from,
                to,
            }
            | Shape::Arrow {
                color,
                width,
                from,
                to,
            } => {
                check_common(color, *width)?;
                check_point(from)?;
                check_point(to)?;
            }
            Shape::Rect {
                color,
                width,
                x,
                y,
                w,
                h,
            }
            | Shape::Ellipse {
                color,
                width,
                x,
                y,
                w,
                h,
            } => {
                check_common(color, *width)?;
                check_box(*x, *y, *w, *h)?;
            }
            Shape::Text {
                color,
                size,
                at,
                text,
            } => {
                check_common(color, 0.001)?;
                if !(size.is_finite() && (0.005..=0.2).contains(size)) {
                    return Err(bad("Text size must be between 0.005 and 0.2."));
                }
                check_point(at)?;
                if text.trim().is_empty() || text.chars().count() > MAX_TEXT {
                    return Err(bad(format!(
                        "Text on a drawing has 1 to {MAX_TEXT} characters."
                    )));
                }
            }
        }
    }
    Ok(v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_shapes_pass_and_bad_ones_are_named() {
        let ok = json!({"shapes": [
            {"tool":"pen","color":"#ff3b30","width":0.004,"points":[[0.1,0.2],[0.3,0.4]]},
            {"tool":"arrow","color":"#ffcc00","width":0.01,"from":[0,0],"to":[1,1]},
            {"tool":"rect","color":"#34c759","width":0.01,"x":0.5,"y":0.5,"w":0.5,"h":0.5},
            {"tool":"ellipse","color":"#0a84ff","width":0.01,"x":0.1,"y":0.1,"w":0.2,"h":0.2},
            {"tool":"text","color":"#ffffff","size":0.03,"at":[0.5,0.5],"text":"logo"},
        ]});
        assert!(validate(&ok).is_ok());
        for bad in [
            json!({"shapes": [{"tool":"laser","color":"#ff3b30","width":0.004}]}),
            json!({"shapes": [{"tool":"line","color":"#ff3b30","width":0.004,"from":[0,0],"to":[1.2,0]}]}),
            json!({"shapes": [{"tool":"rect","color":"#ff3b30","width":0.004,"x":0.6,"y":0,"w":0.5,"h":0.1}]}),
            json!({"shapes": [{"tool":"line","color":"red","width":0.004,"from":[0,0],"to":[1,0]}]}),
            json!({"shapes": [{"tool":"line","color":"#ff3b30","width":0.9,"from":[0,0],"to":[1,0]}]}),
            json!({"shapes": "no"}),
            json!([1, 2]),
            json!({"shapes": vec![json!({"tool":"line","color":"#ff3b30","width":0.004,"from":[0,0],"to":[1,0]}); 501]}),
            json!({"shapes": [{"tool":"pen","color":"#ff3b30","width":0.004,"points": vec![[0.5, 0.5]; 2001]}]}),
        ] {
            assert_eq!(
                validate(&bad).unwrap_err().code(),
                "invalid-drawing",
                "{bad}"
            );
        }
    }
}
