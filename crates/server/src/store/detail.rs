//! A detail report being read: rows from one query inside one read snapshot,
//! so it can be read twice — measured against the caps, then sent — and give
//! the same rows both times (`api/stream.rs::detail`). The call reports (cdr_1,
//! cdr_5, act_3) and campaign.php's record reads (detail, find_record,
//! campaign_15) are read this way.

use futures_util::{Stream, StreamExt};
use sqlx::any::AnyRow;

use super::rowset::{Bind, bind_all};
use super::{Result, Snapshot, Store};

/// Rows of `T` from one query inside one read snapshot.
pub struct DetailRead<T> {
    /// Closed when dropped, unless [`DetailRead::finish`] ended it first.
    snapshot: Snapshot,
    /// Binds `$1`…`$n` from `binds`, then `LIMIT` as the last.
    sql: &'static str,
    binds: Vec<Bind>,
    map: fn(&AnyRow) -> Result<T>,
}

impl<T: Send + 'static> DetailRead<T> {
    /// At most `limit` rows, in the report's order.
    pub fn rows(&mut self, limit: u64) -> impl Stream<Item = Result<T>> + Send + '_ {
        let q = bind_all(sqlx::query(self.sql), &self.binds);
        let map = self.map;
        q.bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch(self.snapshot.conn())
            .map(move |row| map(&row?))
    }

    /// After the last read: ends the snapshot, so the connection goes back to
    /// the pool (dropped without this, it is closed).
    pub async fn finish(self) -> Result<()> {
        self.snapshot.end().await
    }
}

impl Store {
    /// `sql` (its last parameter the row limit) over `binds`, each row read by `map`.
    pub(super) async fn detail<T>(
        &self,
        sql: &'static str,
        binds: Vec<Bind>,
        map: fn(&AnyRow) -> Result<T>,
    ) -> Result<DetailRead<T>> {
        Ok(DetailRead {
            snapshot: self.snapshot().await?,
            sql,
            binds,
            map,
        })
    }
}
