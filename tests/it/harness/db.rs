//! A fresh database per test, created from a template that holds every migration. The
//! template's name carries a hash of `migrations/`, so a changed migration makes a new one.

use diesel::{Connection, PgConnection, RunQueryDsl};
use std::hash::{DefaultHasher, Hash, Hasher};

pub fn admin_url_default() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Replaces the database name of a PostgreSQL URL.
pub fn url_with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    u.set_path(db);
    u.to_string()
}

fn migrations_hash() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut files: Vec<_> = walk(std::path::Path::new(dir));
    files.sort();
    let mut h = DefaultHasher::new();
    for f in files {
        f.hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub struct TestDb {
    pub name: String,
    pub url: String,
    admin: String,
}

impl TestDb {
    /// The URL of the test server's `postgres` database (TEST_DATABASE_URL).
    pub fn admin_url() -> String {
        admin_url_default()
    }

    pub async fn new() -> TestDb {
        Self::on(admin_url_default()).await
    }

    /// A fresh migrated database on the server at `admin` (a URL to its `postgres` database).
    pub async fn on(admin: String) -> TestDb {
        tokio::task::spawn_blocking(move || Self::create(&admin))
            .await
            .expect("database setup task")
    }

    /// An empty database with no migrations applied (for migration tests).
    pub async fn empty() -> TestDb {
        let admin = admin_url_default();
        tokio::task::spawn_blocking(move || {
            let name = format!("mm_test_{}", uuid::Uuid::new_v4().simple());
            let mut c = PgConnection::establish(&admin).expect("TEST_DATABASE_URL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .expect("create database");
            TestDb {
                url: url_with_db(&admin, &name),
                name,
                admin,
            }
        })
        .await
        .unwrap()
    }

    fn create(admin: &str) -> TestDb {
        let template = format!("mm_tpl_{}", migrations_hash());
        let mut c = PgConnection::establish(admin).expect("TEST_DATABASE_URL reachable");
        // One process builds the template; the others wait on the advisory lock.
        diesel::sql_query("SELECT pg_advisory_lock(727274)")
            .execute(&mut c)
            .unwrap();
        #[derive(diesel::QueryableByName)]
        struct Exists {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            exists: bool,
        }
        let exists = diesel::sql_query(format!(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{template}') AS exists"
        ))
        .get_result::<Exists>(&mut c)
        .unwrap()
        .exists;
        if !exists {
            // Build under another name and rename, so a crash never leaves a half-migrated template.
            let building = format!("{template}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut c)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut c)
                .unwrap();
            mm::db::migrate_url(&url_with_db(admin, &building)).expect("migrations apply");
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
                .execute(&mut c)
                .unwrap();
        }
        diesel::sql_query("SELECT pg_advisory_unlock(727274)")
            .execute(&mut c)
            .unwrap();
        let name = format!("mm_test_{}", uuid::Uuid::new_v4().simple());
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut c)
            .expect("create test database from template");
        TestDb {
            url: url_with_db(admin, &name),
            name,
            admin: admin.to_string(),
        }
    }

    /// A direct connection for assertions on rows.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("test database reachable")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut c);
        }
    }
}
