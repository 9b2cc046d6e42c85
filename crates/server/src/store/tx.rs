//! A write transaction ([`WriteTx`]) whose `BEGIN` and `COMMIT` can ride in
//! the trips of its first and last statements on SQLite.
//!
//! sqlx runs a SQLite connection on a thread of its own; every trip to it is
//! a hand-off each way, and sqlx's own `begin`/`commit` are trips that also
//! wait for an acknowledgement. A short transaction — `BEGIN`, a read, its
//! writes, `COMMIT` — was four trips; with `BEGIN` sent in the text of the
//! read and `COMMIT` in the text of the writes it is two (a 5,000-transaction
//! loop on one connection: 181–274 µs a transaction against 109–125 µs). So
//! the transaction's statements are sent as text here, not through sqlx's
//! `Transaction`, and [`WriteTx`] keeps what sqlx's would: a transaction not
//! committed is rolled back before the connection serves anyone else.
//!
//! PostgreSQL keeps sqlx's transaction (each statement is a round trip to
//! the server anyway), with the writer lock taken first.

use std::ops::{Deref, DerefMut};

use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};

use super::rowset::Writes;
use super::{Backend, PG_WRITER_LOCK, Result};

/// What SQLite's write transactions begin with: the write lock up front, so
/// a transaction that reads then writes never fails with
/// SQLITE_BUSY_SNAPSHOT.
const SQLITE_BEGIN: &str = "BEGIN IMMEDIATE";

/// A write transaction (see the module's comment). Dereferences to its
/// connection for statements of its own; [`WriteTx::commit`] or
/// [`WriteTx::commit_with`] ends it. Dropped before either, it is rolled
/// back — on SQLite before the connection goes back to the pool.
pub(super) enum WriteTx {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Any>),
}

/// A SQLite write transaction's connection; `None` once committed.
pub(super) struct SqliteTx(Option<PoolConnection<Any>>);

impl WriteTx {
    /// Begins a write transaction on the writer pool. SQLite: with `first`
    /// in the same trip as the `BEGIN` (its rows returned); PostgreSQL: the
    /// writer lock taken if `locked`, then `first`.
    pub(super) async fn begin(
        writer: &AnyPool,
        backend: Backend,
        first: Writes,
        locked: bool,
    ) -> Result<(WriteTx, Vec<AnyRow>)> {
        match backend {
            Backend::Sqlite => {
                let mut tx = WriteTx::Sqlite(SqliteTx(Some(writer.acquire().await?)));
                // From here a drop rolls back: if the `BEGIN` was sent and
                // this future is dropped before its answer, the transaction
                // may be open.
                let rows = first.run_after(&mut tx, Some(SQLITE_BEGIN), None).await?;
                Ok((tx, rows))
            }
            Backend::Postgres => {
                let mut tx = writer.begin().await?;
                if locked {
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(PG_WRITER_LOCK)
                        .execute(&mut *tx)
                        .await?;
                }
                let mut tx = WriteTx::Postgres(tx);
                let rows = first.run(&mut tx).await?;
                Ok((tx, rows))
            }
        }
    }

    /// Sends `last` and commits, in one trip on SQLite; `last`'s rows.
    pub(super) async fn commit_with(mut self, last: Writes) -> Result<Vec<AnyRow>> {
        match self {
            WriteTx::Sqlite(_) => {
                let rows = last.run_after(&mut self, None, Some("COMMIT")).await?;
                if let WriteTx::Sqlite(SqliteTx(conn)) = &mut self {
                    // Committed: back to the pool as it is.
                    drop(conn.take());
                }
                Ok(rows)
            }
            WriteTx::Postgres(_) => {
                let rows = last.run(&mut self).await?;
                if let WriteTx::Postgres(tx) = self {
                    tx.commit().await?;
                }
                Ok(rows)
            }
        }
    }

    /// Commits.
    pub(super) async fn commit(self) -> Result<()> {
        let nothing = Writes::new(match &self {
            WriteTx::Sqlite(_) => Backend::Sqlite,
            WriteTx::Postgres(_) => Backend::Postgres,
        });
        self.commit_with(nothing).await.map(drop)
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            // Only a committed transaction has no connection, and
            // committing consumes it.
            WriteTx::Sqlite(SqliteTx(conn)) => conn.as_ref().map(|c| &**c).unwrap_or_else(|| {
                unreachable!("a committed write transaction is consumed by its commit")
            }),
            WriteTx::Postgres(tx) => tx,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteTx::Sqlite(SqliteTx(conn)) => {
                conn.as_mut().map(|c| &mut **c).unwrap_or_else(|| {
                    unreachable!("a committed write transaction is consumed by its commit")
                })
            }
            WriteTx::Postgres(tx) => tx,
        }
    }
}

impl Drop for SqliteTx {
    /// A SQLite transaction dropped before its commit (an error, or its
    /// future dropped) is rolled back before its connection serves anyone
    /// else: the connection goes back to the pool only after a `ROLLBACK`,
    /// and is closed instead — which rolls back too — when there is no
    /// runtime to send it on or it fails (as it does when the `BEGIN`
    /// itself failed: nothing was open). (sqlx's `Transaction` does the same on PostgreSQL.)
    fn drop(&mut self) {
        let Some(mut conn) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Err(e) = conn.execute("ROLLBACK").await {
                        tracing::debug!(
                            "a write transaction's rollback: {e}; closing its connection"
                        );
                        conn.close_on_drop();
                    }
                });
            }
            Err(_) => conn.close_on_drop(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Store, StoreError};
    use super::*;

    async fn probe(store: &Store, v: i64) -> Result<WriteTx> {
        let mut tx = store.write_tx().await?;
        sqlx::query("INSERT INTO probe (v) VALUES ($1)")
            .bind(v)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A transaction dropped before its commit — after an error, or with
    /// its future dropped while it waits — leaves nothing, and the writer
    /// goes on (without the rollback, the next `BEGIN` fails: a
    /// transaction is already open on the connection).
    #[tokio::test]
    async fn a_write_transaction_dropped_before_its_commit_leaves_nothing() {
        let dir = tempfile::tempdir().expect("a directory");
        let store = Store::open(&dir.path().join("tx.db"), 1)
            .await
            .expect("a store");
        let mut tx = store.write_tx().await.expect("a transaction");
        sqlx::query("CREATE TABLE probe (v INTEGER)")
            .execute(&mut *tx)
            .await
            .expect("a table");
        tx.commit().await.expect("committed");

        drop(probe(&store, 1).await.expect("a write"));
        let waiting = async {
            let _tx = probe(&store, 2).await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok::<_, StoreError>(())
        };
        assert!(
            tokio::time::timeout(Duration::from_millis(50), waiting)
                .await
                .is_err()
        );
        let tx = probe(&store, 3).await.expect("the writer goes on");
        let mut last = Writes::new(Backend::Sqlite);
        last.statement(|at| {
            (
                format!("INSERT INTO probe (v) VALUES (${at})"),
                vec![super::super::rowset::Bind::Int(4)],
            )
        });
        tx.commit_with(last).await.expect("committed");

        let kept: Vec<i64> = sqlx::query_scalar("SELECT v FROM probe ORDER BY v")
            .fetch_all(&store.reader)
            .await
            .expect("the rows");
        assert_eq!(kept, vec![3, 4]);
        store.close().await;
    }
}
