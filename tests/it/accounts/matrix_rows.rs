//! The matrix covers the API: every operation of the OpenAPI document (built from the routes'
//! registration, so it lists every `/api` route) has a row in `matrix::routes()`, and every row
//! names a documented operation.

use super::matrix_routes::routes;
use crate::api_contract::{fits, operations};

#[test]
fn every_documented_operation_has_a_matrix_row_and_every_row_an_operation() {
    let ops = operations();
    let rows = routes();
    let missing: Vec<String> = ops
        .iter()
        .filter(|(m, t)| {
            !rows
                .iter()
                .any(|r| r.method.as_str() == m && fits(t, r.path))
        })
        .map(|(m, t)| format!("{m} {t}"))
        .collect();
    let stray: Vec<String> = rows
        .iter()
        .filter(|r| {
            !ops.iter()
                .any(|(m, t)| r.method.as_str() == m && fits(t, r.path))
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        missing.is_empty() && stray.is_empty(),
        "operations without a matrix row:\n{}\nrows without an operation:\n{}",
        missing.join("\n"),
        stray.join("\n")
    );
}
