//! Several processes on one database: membership, the per-token requests in
//! flight, and the one process that dials each campaign. Nothing is kept in
//! a process's memory that another process would need: the database is the
//! shared state, on SQLite as on PostgreSQL.
//!
//! Every store is a member: it registers a row in `processes` when it opens
//! and beats every [`HEARTBEAT`]. A member whose last beat is older than
//! [`LEASE_TTL`] is dead, and so is every lease it held:
//!
//! - a request lease (one per request in flight) no longer counts against its
//!   token, so a process killed mid-request never locks a token out;
//!   (a live process ends each lease when its request ends, however it ends:
//!   `api/gate.rs`; and every lease carries an expiry, its request's deadline
//!   plus [`LEASE_MARGIN`], after which it is void whatever its process does);
//! - a campaign lease is taken over by the next live process that syncs its
//!   campaigns; the records the dead process had picked but not reported are
//!   let go as dialed on the phone it was dialing, never dialed again on it.
//!
//! A member that closes cleanly deletes its row: its leases end at once.

use std::time::Duration;

use jiff::Timestamp;
use sqlx::{AnyConnection, AnyPool, Row};
use tokio_util::sync::CancellationToken;

use super::alone::{self, Alone, Decision};
use super::tx::WriteTx;
use super::{Backend, Result, Store, StoreError};
use crate::domain::{self, RecordStatus};
use marcador_wire::CallResult;

/// How often a member beats.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// A member silent this long is dead; its leases are void.
pub const LEASE_TTL: Duration = Duration::from_secs(5);
/// A request lease outlives its request's deadline by at most this much,
/// even if its process lives on and never releases it.
pub const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// Rows of members dead this long are deleted.
const FORGET_AFTER_MS: i64 = 3_600_000;
/// Namespace of the per-token advisory locks on PostgreSQL ("LE" in the high bytes).
const PG_TOKEN_LOCK_BASE: i64 = 0x4c45 << 48;

/// A process's identity in the cluster.
pub type ProcessId = String;

/// A request in flight, counted until released: a row of `request_leases`,
/// or, in a process serving a SQLite database alone, its token's count in
/// memory (`alone`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease(Held);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    Row(i64),
    Memory { token_id: i64 },
}

/// One request asking to be admitted.
struct Ask<'a> {
    token_id: i64,
    process_id: &'a str,
    now: i64,
    expires_at: i64,
    max_in_flight: i64,
    operation_id: i64,
    day: &'a str,
    limit: i64,
    /// Whether the request counts against the quota (the agent API's do not).
    counted: bool,
}

impl Ask<'_> {
    /// Takes the lease, or says which limit refused it.
    async fn decide(&self, conn: &mut AnyConnection) -> Result<Admission> {
        // Twice at most: a refusal whose reason is gone by the time it is read
        // (a lease ended in between) is asked again once.
        for _ in 0..2 {
            if let Some(id) = self.take(conn).await? {
                return Ok(Admission::Admitted(Lease(Held::Row(id))));
            }
            let (in_flight, used): (i64, i64) = sqlx::query_as(concat!(
                "SELECT ",
                leases_in_flight!("$1", "$2", "$3"),
                ", ",
                quota_used!("$4", "$5")
            ))
            .bind(self.token_id)
            .bind(self.now - ttl_ms())
            .bind(self.now)
            .bind(self.operation_id)
            .bind(self.day)
            .fetch_one(&mut *conn)
            .await?;
            if in_flight >= self.max_in_flight {
                return Ok(Admission::Busy);
            }
            if used >= self.limit {
                return Ok(Admission::OverQuota);
            }
        }
        Ok(Admission::Busy)
    }

    /// Inserts the lease if fewer than `max_in_flight` of the token's leases
    /// are live and fewer than `limit` requests were counted today; its
    /// trigger counts this one. `None`: nothing written, nothing counted.
    async fn take(&self, conn: &mut AnyConnection) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(concat!(
            "INSERT INTO request_leases (token_id, process_id, taken_at, expires_at, operation_id, day, counted) \
             SELECT $1, $2, $3, $4, $7, $8, $10 WHERE ",
            leases_in_flight!("$1", "$5", "$3"),
            " < $6 AND ",
            quota_used!("$7", "$8"),
            " < $9 RETURNING id"
        ))
        .bind(self.token_id)
        .bind(self.process_id)
        .bind(self.now)
        .bind(self.expires_at)
        .bind(self.now - ttl_ms())
        .bind(self.max_in_flight)
        .bind(self.operation_id)
        .bind(self.day)
        .bind(self.limit)
        .bind(i64::from(self.counted))
        .fetch_optional(&mut *conn)
        .await?)
    }
}

/// One request to admit ([`Store::admit`]).
#[derive(Debug, Clone, Copy)]
pub struct AdmitRequest<'a> {
    pub token_id: i64,
    pub operation_id: i64,
    /// The operation's local day the request is counted on.
    pub day: &'a str,
    /// The operation's daily quota.
    pub limit: i64,
    pub max_in_flight: i64,
    pub deadline: Duration,
    /// Whether it counts against the quota (the agent API's do not).
    pub counted: bool,
}

/// What the gate decides for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted(Lease),
    /// The token already has the maximum in flight, across every process.
    Busy,
    /// The operation's daily quota is used up.
    OverQuota,
}

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

fn ttl_ms() -> i64 {
    LEASE_TTL.as_millis() as i64
}

/// This process's membership; its heartbeat stops when the last store clone drops.
pub(super) struct Member {
    pub(super) id: ProcessId,
    stop: CancellationToken,
}

impl Drop for Member {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Member {
    /// A member not yet registered (only while the store is being opened).
    pub(super) fn placeholder() -> Member {
        Member {
            id: String::new(),
            stop: CancellationToken::new(),
        }
    }

    /// Registers this process and starts its heartbeat.
    pub(super) async fn join(store: &Store) -> Result<Member> {
        let id = domain::generate_token()[..24].to_owned();
        let now = now_ms();
        register(&store.writer, &id, now).await?;
        let stop = CancellationToken::new();
        tokio::spawn(beat(store.writer.clone(), id.clone(), stop.clone()));
        Ok(Member { id, stop })
    }

    /// Stops beating and deletes this member's row: its leases end now.
    pub(super) async fn leave(&self, store: &Store) {
        self.stop.cancel();
        let gone = async {
            sqlx::query("DELETE FROM request_leases WHERE process_id = $1")
                .bind(&self.id)
                .execute(&store.writer)
                .await?;
            sqlx::query("DELETE FROM processes WHERE id = $1")
                .bind(&self.id)
                .execute(&store.writer)
                .await?;
            Ok::<_, sqlx::Error>(())
        };
        if let Err(e) = gone.await {
            tracing::warn!(error = %e, "could not leave the cluster; leases end when the heartbeat expires");
        }
    }
}

async fn register(pool: &AnyPool, id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO processes (id, pid, host, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
    )
    .bind(id)
    .bind(i64::from(std::process::id()))
    .bind(std::env::var("HOSTNAME").unwrap_or_default())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

async fn beat(pool: AnyPool, id: ProcessId, stop: CancellationToken) {
    let mut every = tokio::time::interval(HEARTBEAT);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        let now = now_ms();
        let step = async {
            let n = sqlx::query("UPDATE processes SET heartbeat_at = $2 WHERE id = $1")
                .bind(&id)
                .bind(now)
                .execute(&pool)
                .await?
                .rows_affected();
            if n == 0 {
                // Forgotten after a long stall: join again under the same id.
                register(&pool, &id, now).await?;
            }
            sqlx::query("DELETE FROM processes WHERE heartbeat_at < $1")
                .bind(now - FORGET_AFTER_MS)
                .execute(&pool)
                .await?;
            // Leases that no longer count (their process died, or they
            // expired) are only rows now: swept here, off the request path.
            sqlx::query(
                "DELETE FROM request_leases WHERE expires_at < $1 OR process_id NOT IN \
                 (SELECT id FROM processes WHERE heartbeat_at >= $2)",
            )
            .bind(now)
            .bind(now - ttl_ms())
            .execute(&pool)
            .await?;
            Ok::<_, StoreError>(())
        };
        if let Err(e) = step.await {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "heartbeat failed");
        }
    }
}

impl Store {
    /// This process's id in the cluster.
    pub fn process_id(&self) -> &str {
        &self.member.id
    }

    /// Admits one request of `token_id` if fewer than `max_in_flight` of the
    /// token's requests are in flight in live processes and the operation's
    /// quota for `day` has room (at most `limit`), counting it (unless it is
    /// not `counted`). A refused request takes no lease and is not counted.
    /// The lease is void after `deadline` plus [`LEASE_MARGIN`] even if it is
    /// never released.
    ///
    /// Serving a SQLite database alone ([`Store::serve_alone`]), this is a
    /// decision in memory (the day's count read once). Otherwise one
    /// statement takes the lease if both limits have room, and counts the
    /// request by the lease's trigger (migration 0007). On SQLite it is atomic
    /// on its own (one round trip, across processes too); on PostgreSQL its
    /// count is not atomic with its insert, so it runs under the token's
    /// advisory lock. A refusal reads which limit refused it.
    pub async fn admit(&self, request: AdmitRequest<'_>) -> Result<Admission> {
        if let Some(alone) = self.alone.get() {
            return self.timed("admit", self.admit_alone(alone, request)).await;
        }
        self.timed("admit", self.admit_in(request)).await
    }

    async fn admit_alone(&self, alone: &Alone, request: AdmitRequest<'_>) -> Result<Admission> {
        let ask = alone::Ask {
            token_id: request.token_id,
            operation_id: request.operation_id,
            day: request.day,
            limit: request.limit,
            max_in_flight: request.max_in_flight,
            counted: request.counted,
        };
        loop {
            match alone.decide(&ask) {
                Decision::Admitted => {
                    return Ok(Admission::Admitted(Lease(Held::Memory {
                        token_id: request.token_id,
                    })));
                }
                Decision::Busy => return Ok(Admission::Busy),
                Decision::OverQuota => return Ok(Admission::OverQuota),
                Decision::Unknown => {
                    let used = self
                        .quota_used_in_db(request.operation_id, request.day)
                        .await?;
                    alone.learn(request.operation_id, request.day, used);
                }
            }
        }
    }

    /// Makes this process the one that serves its SQLite database: an
    /// exclusive lock on a file beside it (`DB-serving`; refused, naming it,
    /// while another process holds it), then admission in memory, the
    /// quota's counts written every [`FLUSH_EVERY`](alone::FLUSH_EVERY).
    /// Several processes serve one PostgreSQL database: nothing to do there.
    pub fn serve_alone(&self) -> Result<()> {
        let Some(path) = &self.sqlite_path else {
            return Ok(());
        };
        if self.alone.get().is_some() {
            return Ok(());
        }
        let alone = Alone::lock(path)?;
        alone.start_flushing(self.writer.clone());
        if let Err(extra) = self.alone.set(alone) {
            // Set by a clone meanwhile: this one lets its lock go.
            extra.stop_now();
        }
        Ok(())
    }

    async fn admit_in(&self, request: AdmitRequest<'_>) -> Result<Admission> {
        let AdmitRequest {
            token_id,
            operation_id,
            day,
            limit,
            max_in_flight,
            deadline,
            counted,
        } = request;
        let now = now_ms();
        let ask = Ask {
            token_id,
            process_id: &self.member.id,
            now,
            expires_at: now.saturating_add(
                i64::try_from((deadline + LEASE_MARGIN).as_millis()).unwrap_or(i64::MAX),
            ),
            max_in_flight,
            operation_id,
            day,
            limit,
            counted,
        };
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.writer.acquire().await?;
                ask.decide(&mut conn).await
            }
            Backend::Postgres => {
                let mut tx = self.writer.begin().await?;
                // The token's requests are admitted one at a time across processes.
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_TOKEN_LOCK_BASE | token_id)
                    .execute(&mut *tx)
                    .await?;
                let admission = ask.decide(&mut tx).await?;
                tx.commit().await?;
                Ok(admission)
            }
        }
    }

    /// Ends a request lease.
    pub async fn release(&self, lease: Lease) -> Result<()> {
        let id = match lease.0 {
            Held::Row(id) => id,
            Held::Memory { token_id } => {
                if let Some(alone) = self.alone.get() {
                    alone.release(token_id);
                }
                return Ok(());
            }
        };
        let release = async {
            sqlx::query("DELETE FROM request_leases WHERE id = $1")
                .bind(id)
                .execute(&self.writer)
                .await?;
            Ok(())
        };
        self.timed("release", release).await
    }

    /// Requests of `token_id` in flight in live processes (the count
    /// [`Store::admit`] compares with the limit).
    pub async fn in_flight(&self, token_id: i64) -> Result<i64> {
        if let Some(alone) = self.alone.get() {
            return Ok(alone.in_flight(token_id));
        }
        let now = now_ms();
        Ok(
            sqlx::query_scalar(concat!("SELECT ", leases_in_flight!("$1", "$2", "$3")))
                .bind(token_id)
                .bind(now - ttl_ms())
                .bind(now)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    /// Takes the dialing lease of every started campaign of the operation that
    /// no live process holds (taking over from dead ones), gives up the leases
    /// of stopped campaigns, and returns the campaigns this process dials.
    pub async fn hold_campaigns(&self, operation_id: i64) -> Result<Vec<i64>> {
        let now = now_ms();
        let me = &self.member.id;
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "DELETE FROM campaign_leases WHERE process_id = $2 AND campaign_id IN \
             (SELECT id FROM campaigns WHERE operation_id = $1 AND status != 'started')",
        )
        .bind(operation_id)
        .bind(me)
        .execute(&mut *tx)
        .await?;
        let dead: Vec<(i64, String)> = sqlx::query_as(
            "SELECT l.campaign_id, l.process_id FROM campaign_leases l \
             JOIN campaigns c ON c.id = l.campaign_id \
             LEFT JOIN processes p ON p.id = l.process_id \
             WHERE c.operation_id = $1 AND l.process_id != $2 \
             AND (p.id IS NULL OR p.heartbeat_at < $3)",
        )
        .bind(operation_id)
        .bind(me)
        .bind(now - ttl_ms())
        .fetch_all(&mut *tx)
        .await?;
        for (campaign_id, holder) in dead {
            let released = release_orphans(&mut tx, campaign_id).await?;
            sqlx::query(
                "UPDATE campaign_leases SET process_id = $2, taken_at = $3 WHERE campaign_id = $1",
            )
            .bind(campaign_id)
            .bind(me)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tracing::warn!(
                campaign = campaign_id,
                from = %holder,
                to = %me,
                released,
                "took over the dialing of a campaign whose process is gone"
            );
        }
        sqlx::query(
            "INSERT INTO campaign_leases (campaign_id, process_id, taken_at) \
             SELECT id, $2, $3 FROM campaigns WHERE operation_id = $1 AND status = 'started' \
             ON CONFLICT (campaign_id) DO NOTHING",
        )
        .bind(operation_id)
        .bind(me)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let held: Vec<i64> = sqlx::query_scalar(
            "SELECT l.campaign_id FROM campaign_leases l JOIN campaigns c ON c.id = l.campaign_id \
             WHERE c.operation_id = $1 AND l.process_id = $2 ORDER BY l.campaign_id",
        )
        .bind(operation_id)
        .bind(me)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(held)
    }
}

/// Records a dead process picked and never reported: their call died with
/// the process. Each is let go as dialed on the phone it was being dialed on
/// (as a failed attempt would), so it is never dialed on it again this cycle.
async fn release_orphans(tx: &mut WriteTx, campaign_id: i64) -> Result<u64> {
    let rows = sqlx::query(concat!(
        "SELECT r.id, r.next_phone, ",
        super::facts::tel_columns!(),
        " FROM records r WHERE r.campaign_id = $1 AND r.status = 'dialing'"
    ))
    .bind(campaign_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let phone = u8::try_from(row.try_get::<i64, _>("next_phone")?).unwrap_or(0);
        let next = if phone == 0 {
            0
        } else {
            domain::next_phone_after_attempt(
                &super::facts::tels_of(row)?,
                phone,
                CallResult::Failed,
            )
        };
        sqlx::query("UPDATE records SET status = $2, next_phone = $3 WHERE id = $1")
            .bind(row.try_get::<i64, _>("id")?)
            .bind(RecordStatus::Dialed.as_str())
            .bind(i64::from(next))
            .execute(&mut **tx)
            .await?;
    }
    Ok(rows.len() as u64)
}
