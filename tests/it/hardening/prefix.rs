//! Two deployments on one Redis cannot share a key prefix: the prefix is claimed for one
//! database at start, and a second database on it refuses to start, naming MM_REDIS_PREFIX.

use crate::harness::TestApp;
use mm::config::Role;

#[tokio::test(flavor = "multi_thread")]
async fn a_second_database_on_the_same_prefix_refuses_to_start() {
    let first = TestApp::spawn(Role::All).await;
    let claim: Option<String> = redis::cmd("GET")
        .arg(format!("{}deployment", first.redis_prefix))
        .query_async(&mut first.redis().await)
        .await
        .unwrap();
    assert!(claim.is_some(), "the prefix is claimed at start");

    // Another deployment (its own fresh database) pointed at the same prefix.
    let refused = TestApp::builder(Role::Worker)
        .env("MM_REDIS_PREFIX", first.redis_prefix.clone())
        .try_spawn()
        .await;
    let err = format!("{:#}", refused.err().expect("a second database is refused"));
    assert!(err.contains("MM_REDIS_PREFIX"), "{err}");
    assert!(err.contains(&first.redis_prefix), "{err}");
    assert!(err.contains("another deployment"), "{err}");

    // Roles of the same deployment (same database) share the prefix as before.
    let worker = TestApp::builder(Role::Worker)
        .env("MM_REDIS_PREFIX", first.redis_prefix.clone())
        .env("DATABASE_URL", first.db.url.clone())
        .spawn()
        .await;
    worker.stop().await;
    // And the first deployment keeps serving.
    let r = first
        .client
        .get(first.url("/api/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
