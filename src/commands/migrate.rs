//! `mm migrate`: apply (or revert the newest of) the embedded migrations.

use crate::config::Config;
use crate::db::MIGRATIONS;
use anyhow::{Context, anyhow};
use diesel::{Connection, PgConnection};
use diesel_migrations::MigrationHarness;
use secrecy::ExposeSecret;

pub fn run(config: &Config, revert: bool) -> anyhow::Result<()> {
    let url = config
        .database_url
        .as_ref()
        .ok_or_else(|| anyhow!("DATABASE_URL is not set (alias POSTGRES_URL)"))?;
    if revert {
        let mut conn = PgConnection::establish(url.expose_secret())
            .map_err(|e| anyhow!("DATABASE_URL: cannot reach PostgreSQL: {e}"))?;
        let v = conn
            .revert_last_migration(MIGRATIONS)
            .map_err(|e| anyhow!("{e}"))
            .context("reverting the newest migration")?;
        println!("reverted {v}");
        return Ok(());
    }
    let applied = crate::db::migrate_url(url.expose_secret()).context("DATABASE_URL")?;
    if applied.is_empty() {
        println!("database is up to date");
    }
    for v in applied {
        println!("applied {v}");
    }
    Ok(())
}
