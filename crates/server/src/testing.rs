//! A real server over a demo dataset on a free port, for the tests of the
//! client and the CLI (and anyone testing an integration against Marcador).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;

use crate::api::AppState;
use crate::clock::{Clock, ManualClock, SharedClock};
use crate::config::{Config, Limits};
use crate::demo::{self, DemoInfo, DemoSize};
use crate::serve::ConnectionStats;
use crate::startup::{Application, StartupError};
use crate::store::{AttemptFact, Backend, Fact, Location, Store, StoreError};
use marcador_wire::CallResult;
use marcador_wire::api::TOKEN_HEADER;
use sqlx::{Connection, Executor};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The application served on its configured address (port 0 for a free one)
/// in a background task, until [`Serving::stop`] or drop.
pub struct Serving {
    pub base: String,
    refusals: Arc<AtomicU64>,
    requests: Arc<AtomicU64>,
    connections: Arc<ConnectionStats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl Serving {
    pub async fn start(
        store: Store,
        config: &Config,
        clock: SharedClock,
    ) -> Result<Serving, StartupError> {
        Self::start_with(store, config, clock, axum::Router::new()).await
    }

    /// [`Serving::start`], with `extra` routes behind the gate (see [`panicking_routes`]).
    pub async fn start_with(
        store: Store,
        config: &Config,
        clock: SharedClock,
        extra: axum::Router<AppState>,
    ) -> Result<Serving, StartupError> {
        let app = Application::with_store(store, config, clock)
            .await?
            .with_routes(extra);
        let base = format!("http://{}", app.local_addr());
        let refusals = app.in_flight_refusals();
        let requests = app.requests();
        let connections = app.connection_stats();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(async move {
            let _ = app
                .run_until(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Serving {
            base,
            refusals,
            requests,
            connections,
            stop: Some(stop),
            served: Some(served),
        })
    }

    /// Requests refused so far because two were in flight on their token.
    pub fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    /// Requests being served now (their leases not yet ended).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Connections refused at the cap and closed by a timeout so far.
    pub fn connections(&self) -> &ConnectionStats {
        &self.connections
    }

    /// Stops serving and waits for in-flight requests and the store to close.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.served.take() {
            let _ = h.await;
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// A served demo operation. The clock stands still at `now` unless moved;
/// the server stops when this is dropped.
pub struct DemoServer {
    pub base: String,
    pub store: Store,
    pub demo: DemoInfo,
    pub clock: Arc<ManualClock>,
    serving: Serving,
    _dir: tempfile::TempDir,
}

impl DemoServer {
    /// Seeds a demo operation of `size` with history up to `now`, under
    /// `token`, and serves it on 127.0.0.1 with `limits`.
    pub async fn start(
        limits: Limits,
        size: DemoSize,
        now: Timestamp,
        token: &str,
    ) -> Result<DemoServer, Box<dyn std::error::Error + Send + Sync>> {
        let dir = tempfile::tempdir()?;
        let config = Config {
            listen: "127.0.0.1:0".into(),
            db: dir.path().join("demo.db").display().to_string(),
            limits,
            ..Config::default()
        };
        let store = Store::open(&config.db, 4).await?;
        let demo = demo::seed(&store, 11, now, Some(token.to_owned()), size).await?;
        let clock = ManualClock::new(now);
        let serving = Serving::start(store.clone(), &config, clock.clone()).await?;
        Ok(DemoServer {
            base: serving.base.clone(),
            store,
            demo,
            clock,
            serving,
            _dir: dir,
        })
    }

    /// Requests refused so far because two were in flight on their token.
    pub fn refusals(&self) -> u64 {
        self.serving.refusals()
    }

    /// Today's quota day of the operation, by the server's clock.
    pub fn today(&self) -> String {
        let tz = jiff::tz::TimeZone::get(demo::TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
        crate::domain::local_day(self.clock.now(), &tz)
    }

    /// Leaves `left` requests of today's quota.
    pub async fn leave_quota(&self, left: i64) -> Result<(), crate::store::StoreError> {
        let caller = self
            .store
            .authenticate(&self.demo.token)
            .await?
            .ok_or_else(|| crate::store::StoreError::Invalid("the demo token is gone".into()))?;
        let limit = caller.licenses * marcador_wire::limits::DAILY_REQUESTS_PER_LICENSE as i64;
        self.store
            .set_quota_used(self.demo.operation_id, &self.today(), limit - left)
            .await
    }
}

/// Six months of a quiet demo operation: a few thousand attempts spread over
/// every day, so that every 31-day window has rows.
pub fn six_months() -> DemoSize {
    DemoSize {
        records: 2_000,
        days: 183,
        attempts_per_hour: 1.0,
        inbound_per_hour: 0.3,
    }
}

/// Where the tests find PostgreSQL: a URL of any database on the server
/// (the tests create and drop their own). `MARCADOR_TEST_PG_URL` overrides it.
pub const DEFAULT_TEST_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The PostgreSQL server the tests use.
pub fn test_pg_url() -> String {
    std::env::var("MARCADOR_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_TEST_PG_URL.to_owned())
}

/// A fresh, empty database of one backend for one test: a SQLite file in a
/// temporary directory, or a new PostgreSQL database (`marcador_t_…`) that is
/// dropped with this value. Test databases turn `synchronous_commit` off:
/// they are thrown away, and commits are then as cheap as SQLite's WAL ones.
pub struct TestDb {
    location: Location,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Result<TestDb, Box<dyn std::error::Error + Send + Sync>> {
        Self::new_with(backend, false).await
    }

    /// [`TestDb::new`]; with `durable`, a PostgreSQL database keeps the
    /// server's own `synchronous_commit` (for benchmarks).
    pub async fn new_with(
        backend: Backend,
        durable: bool,
    ) -> Result<TestDb, Box<dyn std::error::Error + Send + Sync>> {
        let dir = tempfile::tempdir()?;
        match backend {
            Backend::Sqlite => Ok(TestDb {
                location: Location::Sqlite(dir.path().join("test.db")),
                pg_name: None,
                _dir: dir,
            }),
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let admin = test_pg_url();
                let mut url = url::Url::parse(&admin)?;
                let name = format!(
                    "marcador_t_{}_{}",
                    Timestamp::now().as_second(),
                    &crate::domain::generate_token()[..12]
                );
                let mut conn = sqlx::AnyConnection::connect(&admin).await.map_err(|e| {
                    format!(
                        "PostgreSQL is needed for this test and is not reachable at {admin} ({e}); \
                         start it (see README, \"Running on PostgreSQL\") or set MARCADOR_TEST_PG_URL"
                    )
                })?;
                // Names are made here of [a-z0-9_] only.
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await?;
                if !durable {
                    conn.execute(sqlx::AssertSqlSafe(format!(
                        "ALTER DATABASE {name} SET synchronous_commit = off"
                    )))
                    .await?;
                }
                let _ = conn.close().await;
                url.set_path(&format!("/{name}"));
                Ok(TestDb {
                    location: Location::Postgres(url.to_string()),
                    pg_name: Some(name),
                    _dir: dir,
                })
            }
        }
    }

    pub fn location(&self) -> Location {
        self.location.clone()
    }

    /// The database as `--db` and `Config::db` take it.
    pub fn db_arg(&self) -> String {
        match &self.location {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => u.clone(),
        }
    }

    /// A URL sqlx's `Any` driver connects to, for raw checks.
    pub fn url(&self) -> String {
        match &self.location {
            Location::Sqlite(p) => format!("sqlite://{}", p.display()),
            Location::Postgres(u) => u.clone(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Dropped from a thread of its own: this may run inside a runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut conn = sqlx::AnyConnection::connect(&test_pg_url()).await?;
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop a test database: {e}");
        }
    }
}

/// A synthetic dial history for load tests and benchmarks: `n` attempts on
/// the campaign's records in turn (each on its first phone), one a second
/// from `start` (Unix seconds), with results taken in turn from `results`.
/// Write them with [`Store::record_facts`], in batches of the caller's size.
pub async fn attempt_history(
    store: &Store,
    campaign: i64,
    n: usize,
    start: i64,
    results: &[CallResult],
) -> Result<Vec<Fact>, StoreError> {
    let records = store.campaign_record_phones(campaign).await?;
    if records.is_empty() || results.is_empty() {
        return Err(StoreError::Invalid(
            "a history needs records and results".into(),
        ));
    }
    Ok((0..n)
        .map(|i| {
            let (record_id, _, tels) = &records[i % records.len()];
            Fact::Attempt(AttemptFact {
                campaign_id: campaign,
                record_id: *record_id,
                phone: 1,
                telephone: tels.first().cloned().unwrap_or_default(),
                started_at: start + i as i64,
                result: results[i % results.len()],
                raw_status: String::new(),
                hangup_cause: None,
                conn_id: format!("1.0001.{i}.1"),
                amd: None,
            })
        })
        .collect())
}

/// Sends a GET on a raw connection and reads only the status line, leaving
/// the answer unread: with an answer larger than the socket buffers, the
/// request stays in flight until the returned stream is dropped.
pub async fn hold_request(base: &str, token: &str, path: &str) -> std::io::Result<TcpStream> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{TOKEN_HEADER}: {token}\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).await?;
    if &head != b"HTTP/1.1 200" {
        return Err(std::io::Error::other(format!(
            "the held request was answered {:?}",
            String::from_utf8_lossy(&head)
        )));
    }
    Ok(s)
}

/// A path behind the gate whose handler panics, mounted by [`panicking_routes`].
pub const PANIC_PATH: &str = "/api/v2/panic.php";

/// Routes for [`Serving::start_with`]: `GET` [`PANIC_PATH`] panics in its
/// handler, after the request was admitted (to test that a panic is answered
/// in the envelope and ends the request's lease).
pub fn panicking_routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        PANIC_PATH,
        axum::routing::get(|| async {
            if std::hint::black_box(true) {
                panic!("a handler panicked on purpose");
            }
            "unreachable"
        }),
    )
}

/// The ways a client abandons a request, each done on a raw connection by
/// [`abandon`]: the cases the gate must end a lease in (or never take one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abandon {
    /// Connects and closes without sending anything.
    BeforeHead,
    /// Closes in the middle of the headers.
    DuringHead,
    /// Sends a whole GET of the large answer and closes `wait_ms` later, unread.
    AfterHead { wait_ms: u64 },
    /// Sends a whole PUT, head and body, and closes at once.
    AfterBody,
    /// Sends the head and half the body of a PUT, and closes.
    DuringBody,
    /// Reads the first 100 KB of the large answer, and closes.
    MidStream,
    /// Reads the large answer's status line, then stops reading and keeps the
    /// connection open for `hold_ms`: only the deadline can end the request.
    SlowReader { hold_ms: u64 },
    /// Sends the head and half the body of a PUT, and waits for the answer
    /// (the deadline's 504), then closes.
    Deadline,
    /// GETs [`PANIC_PATH`] (mounted with [`panicking_routes`]) and reads the answer.
    Panic,
}

impl Abandon {
    /// Every way but [`Abandon::Panic`] (which needs [`panicking_routes`]),
    /// for a server whose request deadline is `deadline_ms`: a GET closed
    /// 0–18 ms after it was sent (before, during and after its admission),
    /// and a slow reader held past the deadline.
    pub fn every_way(deadline_ms: u64) -> Vec<Abandon> {
        let mut ways = vec![
            Abandon::BeforeHead,
            Abandon::DuringHead,
            Abandon::AfterBody,
            Abandon::DuringBody,
            Abandon::MidStream,
            Abandon::Deadline,
            Abandon::SlowReader {
                hold_ms: deadline_ms + 1_000,
            },
        ];
        ways.extend([0, 1, 3, 6, 12, 18].map(|wait_ms| Abandon::AfterHead { wait_ms }));
        ways
    }
}

/// What [`abandon`] requests: a GET whose answer is far larger than the
/// socket buffers, and a PUT with its body.
pub struct Targets {
    pub large_get: String,
    pub put: String,
    pub put_body: String,
}

/// Abandons one request `how` says, on `base` with `token`. Returns the
/// status of the answer when the way reads one (the status line only).
pub async fn abandon(
    base: &str,
    token: &str,
    how: Abandon,
    targets: &Targets,
) -> std::io::Result<Option<u16>> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await?;
    let head = |method: &str, path: &str, length: usize| {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{TOKEN_HEADER}: {token}\r\n\
             content-type: application/json\r\ncontent-length: {length}\r\n\r\n"
        )
    };
    let body = targets.put_body.as_bytes();
    match how {
        Abandon::BeforeHead => Ok(None),
        Abandon::DuringHead => {
            let h = head("GET", &targets.large_get, 0);
            s.write_all(&h.as_bytes()[..h.len() - 20]).await?;
            Ok(None)
        }
        Abandon::AfterHead { wait_ms } => {
            s.write_all(head("GET", &targets.large_get, 0).as_bytes())
                .await?;
            tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
            Ok(None)
        }
        Abandon::AfterBody => {
            let mut req = head("PUT", &targets.put, body.len()).into_bytes();
            req.extend_from_slice(body);
            s.write_all(&req).await?;
            Ok(None)
        }
        Abandon::DuringBody | Abandon::Deadline => {
            s.write_all(head("PUT", &targets.put, body.len() * 2).as_bytes())
                .await?;
            s.write_all(body).await?;
            if how == Abandon::DuringBody {
                return Ok(None);
            }
            status_line(&mut s).await.map(Some)
        }
        Abandon::MidStream | Abandon::SlowReader { .. } => {
            s.write_all(head("GET", &targets.large_get, 0).as_bytes())
                .await?;
            let status = status_line(&mut s).await?;
            if status != 200 {
                // Refused: the connection stays open, with nothing more to read.
                return Ok(Some(status));
            }
            if let Abandon::SlowReader { hold_ms } = how {
                tokio::time::sleep(std::time::Duration::from_millis(hold_ms)).await;
            } else {
                let mut got = 0;
                let mut buf = vec![0u8; 16 * 1024];
                while got < 100_000 {
                    match s.read(&mut buf).await? {
                        0 => break,
                        n => got += n,
                    }
                }
            }
            Ok(Some(status))
        }
        Abandon::Panic => {
            s.write_all(head("GET", PANIC_PATH, 0).as_bytes()).await?;
            status_line(&mut s).await.map(Some)
        }
    }
}

/// Waits until no request of `token_id` is in flight, at most `within`;
/// `Err` with the count still in flight after that.
pub async fn settled(store: &Store, token_id: i64, within: std::time::Duration) -> Result<(), i64> {
    let start = std::time::Instant::now();
    loop {
        let n = store.in_flight(token_id).await.map_err(|_| -1)?;
        if n == 0 {
            return Ok(());
        }
        if start.elapsed() >= within {
            return Err(n);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Reads `HTTP/1.1 NNN` and returns NNN.
async fn status_line(s: &mut TcpStream) -> std::io::Result<u16> {
    let mut head = [0u8; 12];
    s.read_exact(&mut head).await?;
    std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not a status line: {head:?}")))
}
