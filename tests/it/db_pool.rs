//! The database pool never makes a request wait forever: an exhausted pool answers 503 with
//! `{code, message}` after MM_DB_TIMEOUT, and frees up when the connection comes back.

use crate::harness::TestDb;
use actix_web::ResponseError;
use mm::db::{Db, DbError};
use mm::error::AppError;
use secrecy::SecretString;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn exhausted_pool_gives_503_after_the_timeout_and_recovers() {
    let test_db = TestDb::new().await;
    let db = Db::new(
        &SecretString::from(test_db.url.clone()),
        1,
        Duration::from_secs(1),
    )
    .unwrap();

    // Hold the only connection for 3 s.
    let holder = {
        let db = db.clone();
        tokio::spawn(async move {
            use diesel::RunQueryDsl;
            db.run(|c| diesel::sql_query("SELECT pg_sleep(3)").execute(c))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    let start = Instant::now();
    let err = db.ping().await.expect_err("the pool is exhausted");
    let waited = start.elapsed();
    assert!(matches!(err, DbError::Unavailable(_)), "{err:?}");
    assert!(
        waited < Duration::from_secs(3),
        "gave up at the pool timeout, not after the holder"
    );

    let app_err = AppError::from(err);
    assert_eq!(app_err.status_code(), 503);
    assert_eq!(app_err.code(), "database-unavailable");
    let body = actix_web::body::to_bytes(app_err.error_response().into_body())
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["code"], "database-unavailable");
    assert!(json["message"].as_str().unwrap().contains("try again"));

    holder.await.unwrap().expect("the long query finishes");
    db.ping()
        .await
        .expect("the pool serves again once the connection is back");
}
