//! Geometry values of point, line and polygon columns: `[x, y]`, `[[x, y], …]` and
//! `[[[x, y], …], …]` (longitude first).

use serde_json::Value;

use crate::schema::ColumnType;

fn point(v: &Value) -> bool {
    match v.as_array().map(Vec::as_slice) {
        Some([x, y]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y),
            _ => false,
        },
        _ => false,
    }
}

fn line(v: &Value) -> bool {
    v.as_array().is_some_and(|pts| pts.len() >= 2 && pts.iter().all(point))
}

fn ring(v: &Value) -> bool {
    v.as_array().is_some_and(|pts| pts.len() >= 3 && pts.iter().all(point))
}

/// Checks a geometry for a column of `kind`; the error describes the expected shape.
pub fn validate(kind: ColumnType, v: &Value) -> Result<(), String> {
    let ok = match kind {
        ColumnType::Point => point(v),
        ColumnType::Line => line(v),
        ColumnType::Polygon => v.as_array().is_some_and(|rings| !rings.is_empty() && rings.iter().all(ring)),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(match kind {
        ColumnType::Point => "Value must be a valid point: [longitude, latitude]".into(),
        ColumnType::Line => "Value must be a valid line: an array of at least two points".into(),
        _ => "Value must be a valid polygon: an array of rings of at least three points".into(),
    })
}
