//! Test data: reproducible bytes, digests, and SQL against a test app's database.

use super::TestApp;

/// Reproducible pseudo-random bytes (xorshift), so a corrupted or misplaced byte anywhere
/// shows; a different `seed` gives different bytes.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    // Odd and distinct for every seed (xorshift needs a non-zero state).
    let mut x = (seed << 1) ^ 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, data))
}

/// Runs one SQL query returning a count (`SELECT count(*) AS n ...`).
pub fn count(app: &TestApp, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(&mut app.db.conn())
        .unwrap()
        .n
}

/// Rows in `table`, for "nothing half-created" checks.
pub fn rows(app: &TestApp, table: &str) -> i64 {
    count(app, &format!("SELECT count(*) AS n FROM {table}"))
}

/// Runs one SQL statement; returns the rows it touched.
pub fn exec(app: &TestApp, sql: &str) -> usize {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql).execute(&mut app.db.conn()).unwrap()
}
