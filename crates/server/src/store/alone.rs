//! Admission in memory, for the one process that serves a SQLite database.
//!
//! On PostgreSQL several processes serve one database, so a request's slot
//! and its count against the quota are rows every process sees (`cluster`).
//! A SQLite file is served by one process: [`Store::serve_alone`] makes sure
//! of it with an exclusive lock on a file beside the database (the kernel
//! frees it when the process dies, however it dies), and from then on this
//! process admits in its own memory — a token's requests in flight are a
//! number in a map, and the quota a count loaded once per operation and day —
//! with no write on the request's path.
//!
//! What a crash may lose is bounded: the requests counted since the last
//! flush, every [`FLUSH_EVERY`] (a clean stop flushes). Slots are not written
//! at all: a process that dies has no requests in flight left to count.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use sqlx::AnyPool;
use tokio_util::sync::CancellationToken;

use super::{Result, StoreError};

/// How often the counts of the quota are written to the database: what a
/// crash may lose at most.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The file beside a SQLite database that its serving process holds locked.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-serving");
    PathBuf::from(name)
}

/// One operation's count for one local day.
#[derive(Debug, Clone, Copy)]
struct Count {
    /// Everything counted: in the database, plus `unflushed`.
    used: i64,
    /// Counted here and not yet written.
    unflushed: i64,
}

#[derive(Default)]
struct Counts {
    /// Requests in flight, by token.
    in_flight: HashMap<i64, i64>,
    /// The quota, by operation and day; only days seen since the start.
    quota: HashMap<(i64, String), Count>,
}

/// What one admission asks (see `cluster::AdmitRequest`).
pub(super) struct Ask<'a> {
    pub token_id: i64,
    pub operation_id: i64,
    pub day: &'a str,
    pub limit: i64,
    pub max_in_flight: i64,
    pub counted: bool,
}

/// What one admission decided.
pub(super) enum Decision {
    Admitted,
    Busy,
    OverQuota,
    /// The day's count is not loaded yet: load it, then ask again.
    Unknown,
}

/// The in-memory gate of a process serving a SQLite database alone.
pub(super) struct Alone {
    counts: Mutex<Counts>,
    /// One flush (or a count set by hand) at a time, so a count set while a
    /// flush is writing is not added to.
    writing: tokio::sync::Mutex<()>,
    /// The lock file, held while serving.
    lock: Mutex<Option<File>>,
    stop: CancellationToken,
}

impl Alone {
    /// Locks `db`'s serving lock, or says which process holds it.
    pub(super) fn lock(db: &Path) -> Result<Arc<Alone>> {
        let path = lock_path(db);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Invalid(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Invalid(format!(
                    "another process is serving the SQLite database {} (it holds {}); a SQLite \
                     database is served by one process — to serve one database from several, \
                     use PostgreSQL",
                    db.display(),
                    path.display()
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Invalid(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )));
            }
        }
        Ok(Arc::new(Alone {
            counts: Mutex::default(),
            writing: tokio::sync::Mutex::new(()),
            lock: Mutex::new(Some(file)),
            stop: CancellationToken::new(),
        }))
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        // A panic while the lock was held cannot leave the counts half-changed
        // (each change is one statement): go on with them.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits, refuses, or asks for the day's count first.
    pub(super) fn decide(&self, ask: &Ask<'_>) -> Decision {
        let mut counts = self.counts();
        let Counts { in_flight, quota } = &mut *counts;
        let key = (ask.operation_id, ask.day.to_owned());
        let Some(count) = quota.get_mut(&key) else {
            return Decision::Unknown;
        };
        let flying = in_flight.entry(ask.token_id).or_insert(0);
        if *flying >= ask.max_in_flight {
            return Decision::Busy;
        }
        if count.used >= ask.limit {
            return Decision::OverQuota;
        }
        *flying += 1;
        if ask.counted {
            count.used += 1;
            count.unflushed += 1;
        }
        Decision::Admitted
    }

    /// Knows the day's count from the database (`used`), unless it is
    /// known already; the operation's earlier days with nothing left to
    /// write are forgotten.
    pub(super) fn learn(&self, operation_id: i64, day: &str, used: i64) {
        let mut counts = self.counts();
        counts
            .quota
            .retain(|(op, d), c| *op != operation_id || d == day || c.unflushed > 0);
        counts
            .quota
            .entry((operation_id, day.to_owned()))
            .or_insert(Count { used, unflushed: 0 });
    }

    /// Ends one of the token's requests.
    pub(super) fn release(&self, token_id: i64) {
        let mut counts = self.counts();
        if let Some(n) = counts.in_flight.get_mut(&token_id) {
            *n -= 1;
            if *n <= 0 {
                counts.in_flight.remove(&token_id);
            }
        }
    }

    pub(super) fn in_flight(&self, token_id: i64) -> i64 {
        self.counts().in_flight.get(&token_id).copied().unwrap_or(0)
    }

    /// The day's count, if known here.
    pub(super) fn used(&self, operation_id: i64, day: &str) -> Option<i64> {
        self.counts()
            .quota
            .get(&(operation_id, day.to_owned()))
            .map(|c| c.used)
    }

    /// Sets the day's count (administration and tests), in the database and here.
    pub(super) async fn set_used(
        &self,
        writer: &AnyPool,
        operation_id: i64,
        day: &str,
        used: i64,
    ) -> Result<()> {
        let _writing = self.writing.lock().await;
        sqlx::query(super::admin::SET_QUOTA_USED)
            .bind(operation_id)
            .bind(day)
            .bind(used)
            .execute(writer)
            .await?;
        self.counts()
            .quota
            .insert((operation_id, day.to_owned()), Count { used, unflushed: 0 });
        Ok(())
    }

    /// Writes the counts not yet written, in one transaction.
    pub(super) async fn flush(&self, writer: &AnyPool) -> Result<()> {
        let _writing = self.writing.lock().await;
        let pending: Vec<((i64, String), i64)> = {
            let mut counts = self.counts();
            counts
                .quota
                .iter_mut()
                .filter(|(_, c)| c.unflushed > 0)
                .map(|(k, c)| (k.clone(), std::mem::take(&mut c.unflushed)))
                .collect()
        };
        if pending.is_empty() {
            return Ok(());
        }
        let written = async {
            let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
            for ((operation_id, day), n) in &pending {
                sqlx::query(
                    "INSERT INTO quota_usage (operation_id, day, used) VALUES ($1, $2, $3) \
                     ON CONFLICT (operation_id, day) DO UPDATE SET used = used + excluded.used",
                )
                .bind(operation_id)
                .bind(day)
                .bind(n)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        };
        if let Err(e) = written.await {
            // Counted all the same: written with the next flush.
            let mut counts = self.counts();
            for (key, n) in pending {
                if let Some(c) = counts.quota.get_mut(&key) {
                    c.unflushed += n;
                }
            }
            return Err(e.into());
        }
        Ok(())
    }

    /// Flushes every [`FLUSH_EVERY`] until [`Alone::close`].
    pub(super) fn start_flushing(self: &Arc<Self>, writer: AnyPool) {
        let alone = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FLUSH_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = alone.stop.cancelled() => return,
                    _ = every.tick() => {}
                }
                if let Err(e) = alone.flush(&writer).await {
                    if writer.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "the quota's counts were not written; next time");
                }
            }
        });
    }

    /// Stops flushing and lets the lock go, writing nothing (a gate never used).
    pub(super) fn stop_now(&self) {
        self.stop.cancel();
        if let Some(file) = self.lock.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = file.unlock();
        }
    }

    /// Stops flushing, writes what is left and lets the lock go.
    pub(super) async fn close(&self, writer: &AnyPool) {
        self.stop.cancel();
        if let Err(e) = self.flush(writer).await {
            tracing::warn!(error = %e, "the quota's last counts were not written");
        }
        self.stop_now();
    }
}
