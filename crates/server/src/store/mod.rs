//! The store: SQLite in WAL mode, one writer connection (every write is a
//! `BEGIN IMMEDIATE` transaction), a pool of readers that run in parallel.
//!
//! Facts (dial attempts, calls, IVR steps) are appended, and the current state
//! they change (record status, campaign counters, IVR rollups) is updated in the
//! same transaction, so reports are queries over facts and counters, never scans.

mod admin;
mod campaigns;
mod facts;
mod reports;

use std::path::Path;
use std::time::Duration;

use jiff::tz::TimeZone;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::query::{Query, QueryScalar};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{SqlSafeStr, Sqlite, Transaction};

type Args = <Sqlite as sqlx::Database>::Arguments;

pub use admin::{CampaignSettings, NewCampaign, NewRecord, TokenInfo};
pub use campaigns::{RecallFilter, RemoveSel};
pub use facts::{
    AttemptFact, CallFact, Claim, ClaimRules, CodifyInput, CodifyRejection, Fact, IvrStepFact,
};
pub use reports::Campaign3Read;
pub use reports::CampaignSel;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who is calling: what a valid token resolves to.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: i64,
    pub operation_id: i64,
    pub licenses: i64,
    pub tz: TimeZone,
}

#[derive(Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub async fn open(path: &Path, readers: u32) -> Result<Store> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        migrator().run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(readers.max(1))
            .connect_with(opts.read_only(true))
            .await?;
        Ok(Store { writer, reader })
    }

    /// A write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// transaction that reads then writes never fails with SQLITE_BUSY_SNAPSHOT.
    async fn write_tx(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// One `INSERT … RETURNING id` in its own write transaction.
    async fn insert_id(&self, q: QueryScalar<'_, Sqlite, i64, Args>) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let id = q.fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One statement in its own write transaction; the number of rows it changed.
    async fn execute_one(&self, q: Query<'_, Sqlite, Args>) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let n = q.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Closes both pools (checkpointing the WAL).
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// The versioned migrations, embedded at compile time. Add a file to
/// `migrations/sqlite` and a line here; never edit one that has shipped.
/// (sqlx's `migrate!` macro needs its `macros` feature, which would build the
/// SQLite driver twice.)
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "schema",
        include_str!("../../migrations/sqlite/0001_schema.sql"),
    ),
    (
        2,
        "dialing",
        include_str!("../../migrations/sqlite/0002_dialing.sql"),
    ),
    (
        3,
        "compliance",
        include_str!("../../migrations/sqlite/0003_compliance.sql"),
    ),
    (
        4,
        "removal",
        include_str!("../../migrations/sqlite/0004_removal.sql"),
    ),
    (
        5,
        "contacts",
        include_str!("../../migrations/sqlite/0005_contacts.sql"),
    ),
];

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Reads an operation's time zone name, failing clearly on an unknown one.
pub fn time_zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|e| StoreError::Invalid(format!("unknown time zone {name:?}: {e}")))
}
