//! The store, on one of two backends through sqlx's `Any` driver:
//!
//! - **SQLite** (the default, a file): WAL mode, one writer connection (every
//!   write is a `BEGIN IMMEDIATE` transaction), a pool of readers in parallel.
//! - **PostgreSQL** (`postgres://…`): several processes on one database. Write
//!   transactions that read then write take one transaction-scoped advisory
//!   lock first, so they run one at a time exactly as on SQLite's single
//!   writer; single-statement writes (the quota) and the leases of
//!   [`cluster`](self) run without it.
//!
//! Facts (dial attempts, calls, IVR steps) are appended, and the current state
//! they change (record status, campaign counters, IVR rollups) is updated in the
//! same transaction, so reports are queries over facts and counters, never scans.
//! The SQL is written once in the subset both dialects share; the few places
//! they differ go through [`Backend`].

/// The requests of token `$token` in flight: its leases whose process beat
/// since `$beat` (the lease TTL ago) and whose own expiry has not passed
/// `$now`. The one definition of "in flight" (`Store::admit`, `Store::in_flight`).
macro_rules! leases_in_flight {
    ($token:literal, $beat:literal, $now:literal) => {
        concat!(
            "(SELECT COUNT(*) FROM request_leases l JOIN processes p ON p.id = l.process_id \
             WHERE l.token_id = ",
            $token,
            " AND p.heartbeat_at >= ",
            $beat,
            " AND l.expires_at >= ",
            $now,
            ")"
        )
    };
}

/// Requests counted against operation `$op` on local day `$day` (0 if none).
macro_rules! quota_used {
    ($op:literal, $day:literal) => {
        concat!(
            "COALESCE((SELECT used FROM quota_usage WHERE operation_id = ",
            $op,
            " AND day = ",
            $day,
            "), 0)"
        )
    };
}

mod admin;
mod agent_network;
mod agent_reports;
mod agent_time;
mod agents;
mod alone;
mod appends;
mod bulk;
mod call_actions;
mod calls;
mod campaign_reports;
mod campaigns;
mod claims;
mod cluster;
mod codifies;
mod detail;
mod edits;
mod facts;
mod filter;
mod group;
mod ivr;
mod law2300;
mod records;
mod reports;
mod rowset;
mod skill_reports;
mod smart_waits;
mod surveys;
mod transfers;
mod tx;

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::tz::TimeZone;
use rowset::Writes;
use sqlx::any::AnyRow;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::query::{Query, QueryScalar};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, SqlSafeStr};
use tokio_util::sync::CancellationToken;
use tx::WriteTx;

type Args = <Any as sqlx::Database>::Arguments;

pub use admin::{CampaignSettings, NewCampaign, NewRecord, OperationQuota, TokenInfo};
pub use agent_network::{AgentNetworkFact, PhoneReach};
pub use agent_reports::{AgentEvent, AgentPreview, AgentTime, Session, TimeBy};
pub use agent_time::{AGENT_SLOT_SECONDS, AgentInterval, AgentSession, slot_pieces};
pub use agents::{
    AgentCall, AgentCommand, AgentFact, AgentNow, AgentRow, ManualDial, TypeInput, TypeRejection,
};
pub use alone::{FLUSH_EVERY, lock_path};
pub use call_actions::{ActionDetail, ActionTotals, CallActionFact};
pub use calls::{AgentCalls, CallDetail, CodeCount, CodesBy, TypedCodes};
pub use campaign_reports::{AmdAttempt, PhoneCodes, PreviewCall};
pub use campaigns::{ActivityCode, AuditEntry, CampaignInfo, RecallFilter, RemoveSel};
pub use claims::{Claim, ClaimAsk, ClaimRules};
pub use cluster::{Admission, AdmitRequest, HEARTBEAT, LEASE_MARGIN, LEASE_TTL, Lease, ProcessId};
pub use codifies::AgentCodify;
pub use detail::DetailRead;
pub use edits::{
    CampaignEdit, CampaignEditView, DeleteRejection, EditRejection, RecallPlan, RecallRejection,
};
pub use facts::{
    AttemptFact, CallCodeFact, CallFact, CodifyInput, CodifyRejection, EngineTick, EngineWritten,
    Fact, IvrStepFact, TypedCall,
};
pub use filter::{FilterCondition, FilterOp, RecordFilter};
pub use ivr::{IvrCall, IvrStep, QUARTER};
pub use law2300::{Law2300Release, ReleaseDetail};
pub use records::{FindRecord, RecordView};
pub use reports::CampaignSel;
pub use reports::{Campaign3Read, CampaignCounters, IvrOptionTotal, RecentCall};
pub use skill_reports::QueuedCall;
pub use smart_waits::{SmartWaitFact, SmartWaitTotals};
pub use surveys::{SurveyDetail, SurveyFact, SurveyGroup, SurveysBy};
pub use transfers::{TransferDetail, TransferFact, TransferKind, TransferTotals};

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
    /// The token's first characters (as `token list` shows them): who made a change.
    pub token_prefix: String,
    pub operation_id: i64,
    pub licenses: i64,
    pub tz: TimeZone,
}

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A subquery of the strings of the JSON array bound at `param` (`$2`).
    fn json_strings(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
            Backend::Postgres => format!("SELECT json_array_elements_text(CAST({param} AS json))"),
        }
    }

    /// The function that makes a JSON array of its arguments, for a nested
    /// array in [`Backend::json_rows`]'s columns.
    fn json_array(self) -> &'static str {
        match self {
            Backend::Sqlite => "json_array",
            Backend::Postgres => "json_build_array",
        }
    }

    /// A text column as a number where it holds one, NULL where it does not
    /// (so a numeric comparison never matches text, and never fails on it).
    fn numeric(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!(
                "(CASE WHEN {column} <> '' AND {column} NOT GLOB '*[^0-9.-]*' \
                 THEN CAST({column} AS REAL) END)"
            ),
            Backend::Postgres => format!(
                "(CASE WHEN {column} ~ '^-?[0-9]+([.][0-9]+)?$' \
                 THEN CAST({column} AS DOUBLE PRECISION) END)"
            ),
        }
    }

    /// One row, one text column: every row of the query `inner` as a JSON
    /// array of arrays of its `columns` (`[]` for none), in no set order.
    /// A read of many small rows costs a round trip per row through the
    /// driver; this is one.
    fn json_rows(self, columns: &str, inner: &str) -> String {
        match self {
            Backend::Sqlite => {
                format!("SELECT json_group_array(json_array({columns})) FROM ({inner}) t")
            }
            Backend::Postgres => format!(
                "SELECT COALESCE(CAST(json_agg(json_build_array({columns})) AS TEXT), '[]') \
                 FROM ({inner}) t"
            ),
        }
    }

    /// The ASCII unit separator (31) as an SQL expression.
    fn unit_separator(self) -> &'static str {
        match self {
            Backend::Sqlite => "char(31)",
            Backend::Postgres => "chr(31)",
        }
    }
}

/// Where the database is: a SQLite file, or a PostgreSQL URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite://PATH` or
    /// anything else is a SQLite file path.
    pub fn parse(s: &str) -> Location {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Location::Postgres(s.to_owned())
        } else {
            let path = s
                .strip_prefix("sqlite://")
                .or_else(|| s.strip_prefix("sqlite:"))
                .unwrap_or(s);
            Location::Sqlite(PathBuf::from(path))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }
}

impl From<&str> for Location {
    fn from(s: &str) -> Self {
        Location::parse(s)
    }
}

impl From<&String> for Location {
    fn from(s: &String) -> Self {
        Location::parse(s)
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Self {
        Location::Sqlite(p.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Self {
        Location::Sqlite(p.clone())
    }
}

/// Shown in logs and errors: a PostgreSQL URL without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "{u}")
                }
                Err(_) => f.write_str("postgres://(unparsable URL)"),
            },
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// The advisory lock key every PostgreSQL write transaction takes: the
/// equivalent of SQLite's single writer ("MARC" in ASCII).
const PG_WRITER_LOCK: i64 = 0x4d41_5243;

#[derive(Clone)]
pub struct Store {
    writer: AnyPool,
    reader: AnyPool,
    backend: Backend,
    /// This process's membership: its id and heartbeat (see `cluster`).
    member: Arc<cluster::Member>,
    /// SQLite only: the WAL checkpoints, off the request path.
    checkpointer: Option<Arc<Checkpointer>>,
    auth_cache: Arc<admin::AuthCache>,
    /// Where write transactions are timed (the application's metrics).
    metrics: Option<crate::metrics::SharedMetrics>,
    /// SQLite only: the database file.
    sqlite_path: Option<PathBuf>,
    /// Set once this process serves the SQLite database alone: admission in
    /// memory (`alone`).
    alone: Arc<OnceLock<Arc<alone::Alone>>>,
    /// Codifies waiting for the group being written (`codifies`).
    codifies: Arc<group::Group<codifies::Codify>>,
    /// Audit log entries waiting for the group being written.
    audits: Arc<group::Group<campaigns::Audit>>,
}

impl Store {
    /// Opens (creating if needed) the database and applies the migrations of
    /// its backend: a SQLite file path, or a `postgres://` URL.
    pub async fn open(db: impl Into<Location>, readers: u32) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let location = db.into();
        let backend = location.backend();
        let mut checkpointer = None;
        let (writer, reader) = match &location {
            Location::Sqlite(path) => {
                let file = SqliteConnectOptions::new().filename(path);
                let writer = sqlite_pool(1)
                    .connect_with(AnyConnectOptions::from_url(
                        &file.clone().create_if_missing(true).to_url_lossy(),
                    )?)
                    .await?;
                migrator(backend).run(&writer).await?;
                let checkpoints = sqlite_pool(1)
                    .connect_with(AnyConnectOptions::from_url(&file.clone().to_url_lossy())?)
                    .await?;
                checkpointer = Some(Arc::new(Checkpointer::start(checkpoints, writer.clone())));
                let reader = sqlite_pool(readers.max(1))
                    .connect_with(AnyConnectOptions::from_url(
                        &file.read_only(true).to_url_lossy(),
                    )?)
                    .await?;
                (writer, reader)
            }
            Location::Postgres(url) => {
                let opts: AnyConnectOptions = url.parse()?;
                probe_postgres(&opts).await?;
                let writer = pg_pool(PG_WRITERS).connect_with(opts.clone()).await?;
                migrator(backend).run(&writer).await?;
                let reader = pg_pool(readers.max(1)).connect_with(opts).await?;
                (writer, reader)
            }
        };
        let mut store = Store {
            writer,
            reader,
            backend,
            member: Arc::new(cluster::Member::placeholder()),
            checkpointer,
            auth_cache: Arc::default(),
            metrics: None,
            sqlite_path: match &location {
                Location::Sqlite(path) => Some(path.clone()),
                Location::Postgres(_) => None,
            },
            alone: Arc::default(),
            codifies: Arc::default(),
            audits: Arc::default(),
        };
        // A bulk load that died left indexes and foreign keys set aside.
        // Made again here; if they cannot be (rows a key refuses), the store
        // still opens and says so at every open until they are.
        if let Err(e) = store.end_bulk_load().await {
            tracing::error!("what a bulk load set aside could not be made again: {e}");
        }
        store.member = Arc::new(cluster::Member::join(&store).await?);
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// This store, its write transactions timed into `metrics` (clones made
    /// from it after this share them).
    pub fn with_metrics(mut self, metrics: crate::metrics::SharedMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Runs `work`, a write transaction of `kind`, timing it.
    async fn timed<T>(
        &self,
        kind: &'static str,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let started = std::time::Instant::now();
        let out = work.await;
        if let Some(m) = &self.metrics {
            m.store_transaction(kind, started.elapsed());
        }
        out
    }

    /// A write transaction ([`WriteTx`]). SQLite: `BEGIN IMMEDIATE` takes
    /// the write lock up front, so a transaction that reads then writes
    /// never fails with SQLITE_BUSY_SNAPSHOT. PostgreSQL: the writer advisory
    /// lock, held to the end of the transaction, gives the same one-at-a-time
    /// order across processes.
    async fn write_tx(&self) -> Result<WriteTx> {
        Ok(self.write_tx_with(Writes::new(self.backend)).await?.0)
    }

    /// [`Store::write_tx`] with `first` sent in the same trip as its `BEGIN`
    /// (SQLite); `first`'s rows.
    async fn write_tx_with(&self, first: Writes) -> Result<(WriteTx, Vec<AnyRow>)> {
        WriteTx::begin(&self.writer, self.backend, first, true).await
    }

    /// A write transaction without PostgreSQL's writer lock, for writes
    /// that only append (the audit log): nothing they read can change under
    /// them. The same as [`Store::write_tx`] on SQLite.
    async fn append_tx(&self) -> Result<WriteTx> {
        let none = Writes::new(self.backend);
        Ok(WriteTx::begin(&self.writer, self.backend, none, false)
            .await?
            .0)
    }

    /// Runs a grouping query of `$1` operation over `$2`…`$3`.
    pub(super) async fn ranged<T>(
        &self,
        sql: &'static str,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as(sql)
            .bind(operation_id)
            .bind(from)
            .bind(to)
            .fetch_all(&self.reader)
            .await?)
    }

    /// [`Store::ranged`] over `[from, to]` (Unix s) of facts kept in ms, each
    /// row read by `map`.
    pub(super) async fn ranged_ms<T>(
        &self,
        sql: &'static str,
        operation_id: i64,
        (from, to): (i64, i64),
        map: fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let (from, to) = ms_range(from, to);
        let rows = sqlx::query(sql)
            .bind(operation_id)
            .bind(from)
            .bind(to)
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(map).collect()
    }

    /// A detail read (`$1` operation, `$2`…`$3` a range in ms, `$4` the
    /// limit) of facts kept in ms, over `[from, to]` (Unix s).
    pub(super) async fn detail_ms<T>(
        &self,
        sql: &'static str,
        operation_id: i64,
        (from, to): (i64, i64),
        map: fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<detail::DetailRead<T>> {
        let (from, to) = ms_range(from, to);
        let binds = vec![operation_id.into(), from.into(), to.into()];
        self.detail(sql, binds, map).await
    }

    /// A reader connection inside a read-only transaction whose statements
    /// all see one snapshot (see [`Snapshot`]).
    async fn snapshot(&self) -> Result<Snapshot> {
        let conn = self.reader.acquire().await?;
        let mut snapshot = Snapshot { conn, ended: false };
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        snapshot.conn.execute(begin).await?;
        Ok(snapshot)
    }

    async fn insert_id(&self, q: QueryScalar<'_, Any, i64, Args>) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let id = q.fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One statement in its own write transaction; the number of rows it changed.
    async fn execute_one(&self, q: Query<'_, Any, Args>) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let n = q.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Moves a SQLite database's write-ahead log into the file and starts it
    /// over, waiting for readers (nothing on PostgreSQL). For a bulk load:
    /// the background checkpoints are passive, and a writer that never
    /// pauses would grow the log for as long as it writes.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                .execute(&self.writer)
                .await?;
        }
        Ok(())
    }

    /// Readies the writer for a bulk load: on SQLite, a page cache of
    /// [`BULK_CACHE_KIB`] on its connection, so the index pages a large
    /// transaction touches stay in memory instead of being spilled to the log
    /// and read back (`marcador seed`, 1,000,000 attempts in batches of
    /// 500,000: 100 k facts/s with the usual 32 MiB, 106 k with 256 MiB; in
    /// batches of 100,000, 75 k and 88–95 k). Nothing on PostgreSQL,
    /// whose cache is the server's. (Lost if the pool replaces the
    /// connection, after 30 minutes: a load then goes on more slowly.)
    pub async fn for_bulk_load(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA cache_size = -{BULK_CACHE_KIB}"
            )))
            .execute(&self.writer)
            .await?;
        }
        Ok(())
    }

    /// Refreshes the query planner's statistics of `tables` after a bulk load
    /// (all tables if empty): `ANALYZE` on PostgreSQL, `PRAGMA optimize` on SQLite.
    pub async fn analyze(&self, tables: &[&str]) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA optimize").execute(&self.writer).await?;
            }
            Backend::Postgres if tables.is_empty() => {
                sqlx::query("ANALYZE").execute(&self.writer).await?;
            }
            Backend::Postgres => {
                for t in tables {
                    // Table names come from this crate's code, never from input.
                    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {t}")))
                        .execute(&self.writer)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Leaves the cluster (releasing this process's leases at once) and closes
    /// both pools (on SQLite, checkpointing the WAL).
    pub async fn close(&self) {
        if let Some(alone) = self.alone.get() {
            alone.close(&self.writer).await;
        }
        self.member.leave(self).await;
        if let Some(c) = &self.checkpointer {
            c.stop().await;
        }
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// The writer's page cache during a bulk load (SQLite), in KiB: 256 MiB.
const BULK_CACHE_KIB: u32 = 262_144;

/// The SQLite pool: each connection in WAL mode, with a busy timeout and
/// foreign keys on (the `Any` driver takes no SQLite options, so they are set
/// as each connection opens).
fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .test_before_acquire(false)
        // Writes queue for the one writer connection, and the WAL's restart
        // queues with them (`Checkpointer`): behind a bulk load's batch that
        // is seconds, which sqlx would warn of after 2 s.
        .acquire_slow_threshold(Duration::from_secs(60))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                for pragma in [
                    "PRAGMA busy_timeout = 5000",
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA synchronous = NORMAL",
                    // Checkpoints run in the background (`Checkpointer`), not
                    // in whichever commit crosses the WAL size: a checkpoint
                    // syncs the database file, and a request would wait for it.
                    "PRAGMA wal_autocheckpoint = 0",
                    "PRAGMA foreign_keys = ON",
                    // 32 MiB of pages per connection (SQLite's default is
                    // 2 MiB): at a real operation's size, the indexes an
                    // attempt's write touches are spread over far more pages
                    // than that, and each miss is a read from the OS.
                    "PRAGMA cache_size = -32768",
                    // No memory map. In WAL mode a connection that finds the
                    // database changed since its last read drops its cache
                    // and unmaps the whole file, and a live operation writes
                    // every tick (every request, for the audit log): each
                    // read then faulted its pages back in one by one, slower
                    // than read() copies (real_time campaigns over 1,000
                    // campaigns after a write: 1.1–1.3 ms of SQLite with the
                    // map, 0.93–0.99 ms without).
                    "PRAGMA mmap_size = 0",
                ] {
                    conn.execute(pragma).await?;
                }
                Ok(())
            })
        })
}

/// How often the WAL is checkpointed (SQLite). Often, so each checkpoint
/// syncs little: measured under load (`scripts/bench-keepalive.sh`), every
/// 100 ms kept the p99 of admissions near 3 ms; every second, near 14 ms.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Frames (pages) in the WAL past which it is started over. While a writer
/// never pauses and readers always hold a snapshot, passive checkpoints copy
/// frames back but the log never starts over: under codifies and
/// real_time polls it grew 22 MB a second (670 MB in 30 s), and every read
/// searched it. 8,192 pages is 32 MiB of the default 4 KiB pages.
pub const WAL_RESTART_FRAMES: i64 = 8_192;

/// Copies the SQLite WAL back into the database file every
/// [`CHECKPOINT_EVERY`], on a connection of its own: a `PASSIVE` checkpoint
/// takes no write lock, so the writer goes on committing meanwhile. (SQLite's
/// automatic checkpoint would run inside a commit and sync the file there: a
/// request's write would wait for it — the p99 of every admission.) When the
/// log has grown past [`WAL_RESTART_FRAMES`], a `RESTART` checkpoint makes
/// the next write start it over: it waits (up to the busy timeout) for
/// readers of the old frames and holds writers back meanwhile — a pause of a
/// few milliseconds every few seconds under a heavy write load, instead of a
/// log without end. (`TRUNCATE` would also give the file's space back, but
/// growing it again cost a quarter of the codifies a second.)
///
/// The `RESTART` runs on the writer's own connection, queued between two
/// write transactions. On a connection of its own it had to take the write
/// lock first, and SQLite's busy handler only polls for it (sleeps of up to
/// 100 ms between tries): against a writer that frees the lock for
/// microseconds between transactions it often lost for seconds (the WAL
/// test's log peaked at 37–95 MB in six runs against a restart size of
/// 32 MiB). Queued on the writer's pool it finds the lock free and waits
/// only for readers (37–39 MB in six runs).
struct Checkpointer {
    pool: AnyPool,
    stop: CancellationToken,
}

impl Checkpointer {
    fn start(pool: AnyPool, writer: AnyPool) -> Checkpointer {
        let stop = CancellationToken::new();
        let (p, s) = (pool.clone(), stop.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(CHECKPOINT_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = s.cancelled() => return,
                    _ = every.tick() => {}
                }
                // (busy, frames in the log, frames copied back)
                let done = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&p)
                    .await;
                let done = match done {
                    Ok((_, frames, _)) if frames > WAL_RESTART_FRAMES => {
                        sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                            .execute(&writer)
                            .await
                            .map(|_| ())
                    }
                    done => done.map(|_| ()),
                };
                if let Err(e) = done {
                    if p.is_closed() || writer.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        });
        Checkpointer { pool, stop }
    }

    async fn stop(&self) {
        self.stop.cancel();
        self.pool.close().await;
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Connections of a PostgreSQL process's write pool: write transactions queue
/// on the writer lock in the database, the leases and the quota do not.
const PG_WRITERS: u32 = 8;

/// A PostgreSQL pool; a connection that cannot be had in 10 s is an error, not a hang.
/// How long opening a PostgreSQL database waits for its first connection.
const PG_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects once before the pools are made, so a database that cannot be
/// reached fails within seconds saying why — refused, no such host, a
/// password refused, no such database — rather than as a pool's timeout.
async fn probe_postgres(opts: &AnyConnectOptions) -> Result<()> {
    use sqlx::{ConnectOptions, Connection};
    match tokio::time::timeout(PG_CONNECT_TIMEOUT, opts.connect()).await {
        Ok(Ok(conn)) => {
            // Only a check: how it closes does not matter.
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(StoreError::Invalid(format!("cannot connect: {e}"))),
        Err(_) => Err(StoreError::Invalid(format!(
            "cannot connect: no answer within {} s",
            PG_CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

fn pg_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
}

/// A reader connection in a read-only snapshot transaction. [`Snapshot::end`]
/// ends the transaction and gives the connection back to the pool; dropped
/// without it (a report abandoned mid-stream, an error), the connection is
/// closed instead: a connection whose statement was dropped mid-stream must
/// never go back to the pool (sqlx returned such connections still in the
/// transaction, and the next reads on them saw the old snapshot).
pub(crate) struct Snapshot {
    conn: PoolConnection<Any>,
    ended: bool,
}

impl Snapshot {
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.conn
    }

    pub(crate) async fn end(mut self) -> Result<()> {
        self.conn.execute("ROLLBACK").await?;
        self.ended = true;
        Ok(())
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if !self.ended {
            self.conn.close_on_drop();
        }
    }
}

/// The versioned migrations of each backend, embedded at compile time, kept
/// side by side under the same versions: add a file to `migrations/sqlite`
/// and to `migrations/postgres` and a line here; never edit one that has
/// shipped. (sqlx's `migrate!` macro needs its `macros` feature, which would
/// build the drivers twice.)
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "schema",
        include_str!("../../migrations/sqlite/0001_schema.sql"),
        include_str!("../../migrations/postgres/0001_schema.sql"),
    ),
    (
        2,
        "dialing",
        include_str!("../../migrations/sqlite/0002_dialing.sql"),
        include_str!("../../migrations/postgres/0002_dialing.sql"),
    ),
    (
        3,
        "compliance",
        include_str!("../../migrations/sqlite/0003_compliance.sql"),
        include_str!("../../migrations/postgres/0003_compliance.sql"),
    ),
    (
        4,
        "removal",
        include_str!("../../migrations/sqlite/0004_removal.sql"),
        include_str!("../../migrations/postgres/0004_removal.sql"),
    ),
    (
        5,
        "contacts",
        include_str!("../../migrations/sqlite/0005_contacts.sql"),
        include_str!("../../migrations/postgres/0005_contacts.sql"),
    ),
    (
        6,
        "cluster",
        include_str!("../../migrations/sqlite/0006_cluster.sql"),
        include_str!("../../migrations/postgres/0006_cluster.sql"),
    ),
    (
        7,
        "admission",
        include_str!("../../migrations/sqlite/0007_admission.sql"),
        include_str!("../../migrations/postgres/0007_admission.sql"),
    ),
    (
        8,
        "agents",
        include_str!("../../migrations/sqlite/0008_agents.sql"),
        include_str!("../../migrations/postgres/0008_agents.sql"),
    ),
    (
        9,
        "call detail",
        include_str!("../../migrations/sqlite/0009_call_detail.sql"),
        include_str!("../../migrations/postgres/0009_call_detail.sql"),
    ),
    (
        10,
        "records_view",
        include_str!("../../migrations/sqlite/0010_records_view.sql"),
        include_str!("../../migrations/postgres/0010_records_view.sql"),
    ),
    (
        11,
        "ivr_calls",
        include_str!("../../migrations/sqlite/0011_ivr_calls.sql"),
        include_str!("../../migrations/postgres/0011_ivr_calls.sql"),
    ),
    (
        12,
        "agent_time",
        include_str!("../../migrations/sqlite/0012_agent_time.sql"),
        include_str!("../../migrations/postgres/0012_agent_time.sql"),
    ),
    (
        13,
        "call_actions",
        include_str!("../../migrations/sqlite/0013_call_actions.sql"),
        include_str!("../../migrations/postgres/0013_call_actions.sql"),
    ),
    (
        14,
        "surveys",
        include_str!("../../migrations/sqlite/0014_surveys.sql"),
        include_str!("../../migrations/postgres/0014_surveys.sql"),
    ),
    (
        15,
        "transfers",
        include_str!("../../migrations/sqlite/0015_transfers.sql"),
        include_str!("../../migrations/postgres/0015_transfers.sql"),
    ),
    (
        16,
        "law2300 releases",
        include_str!("../../migrations/sqlite/0016_law2300_releases.sql"),
        include_str!("../../migrations/postgres/0016_law2300_releases.sql"),
    ),
    (
        17,
        "agent network",
        include_str!("../../migrations/sqlite/0017_agent_network.sql"),
        include_str!("../../migrations/postgres/0017_agent_network.sql"),
    ),
    (
        18,
        "smart waits",
        include_str!("../../migrations/sqlite/0018_smart_waits.sql"),
        include_str!("../../migrations/postgres/0018_smart_waits.sql"),
    ),
    (
        19,
        "campaign_days_by_day",
        include_str!("../../migrations/sqlite/0019_campaign_days_by_day.sql"),
        include_str!("../../migrations/postgres/0019_campaign_days_by_day.sql"),
    ),
    (
        20,
        "bulk loads",
        include_str!("../../migrations/sqlite/0020_bulk_loads.sql"),
        include_str!("../../migrations/postgres/0020_bulk_loads.sql"),
    ),
];

fn migrator(backend: Backend) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sqlite, postgres)| {
                let sql = match backend {
                    Backend::Sqlite => *sqlite,
                    Backend::Postgres => *postgres,
                };
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

/// A range of whole seconds `[from, to]` (Unix s, as the API reads them) in
/// milliseconds, `to`'s last millisecond included: how the facts kept in ms
/// (agents' states, holds and mutes, surveys) are selected.
pub(crate) fn ms_range(from: i64, to: i64) -> (i64, i64) {
    (from * 1000, to * 1000 + 999)
}

/// Reads an operation's time zone name, failing clearly on an unknown one.
pub fn time_zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|e| StoreError::Invalid(format!("unknown time zone {name:?}: {e}")))
}
