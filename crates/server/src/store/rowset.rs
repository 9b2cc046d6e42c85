//! Many rows in one statement, bound as one JSON text; a transaction's
//! writes in one trip ([`Writes`]).
//!
//! Through sqlx on SQLite each bound parameter's name is looked up, so 1,000
//! rows of 12 values took 225 ms as parameters, where their JSON takes a
//! few: the rows of a batch (facts, counters, codifies, an upload's records,
//! audit entries) are serialised as one JSON array of arrays and unpacked by
//! the database ([`Backend::json_table`]). A single row goes the same way, so
//! each write has one SQL text whatever its size.
//!
//! The row count is part of the text on PostgreSQL: it plans a JSON array as
//! 100 rows, and a join against a small table of 100 rows is a seq scan — a
//! lone codify scanned a campaign's records. A `LIMIT` of the count rounded
//! up to a power of two (never fewer than the rows bound) gives the planner
//! the size, so it takes the index; at most a dozen texts per statement.

use serde::Serialize;
use sqlx::Any;
use sqlx::any::AnyRow;

use super::tx::WriteTx;
use super::{Backend, Result, StoreError};

/// Rows per statement, at most.
pub(super) const CHUNK: usize = 1_000;

/// A table written from rows bound as JSON: its name, and its columns in the
/// order of each row's array, each a number (`true`) or text.
pub(super) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, bool)],
    /// After the `SELECT`: a conflict clause (SQLite needs a `WHERE` before one).
    pub tail: &'static str,
}

/// The rows of the JSON array of arrays bound at `param` (`$1`), `rows` of
/// them, as a `FROM` item: one row per element, the element as `value` (its
/// fields read with `value->>0`, `value->>1`, …) and its place in the array
/// as `key`. Both backends unpack it as binary JSON (SQLite's `jsonb_each`,
/// PostgreSQL's `jsonb_array_elements`): reading a field of a text element
/// parses the element again from its start, a row's cost growing with the
/// square of its columns (PostgreSQL's seed loaded 18,653 facts/s through
/// `json`, 23,302 through `jsonb`).
pub(super) fn json_table(backend: Backend, param: &str, rows: usize) -> String {
    match backend {
        Backend::Sqlite => format!("jsonb_each({param})"),
        Backend::Postgres => format!(
            "(SELECT value, key FROM jsonb_array_elements(CAST({param} AS jsonb)) \
             WITH ORDINALITY AS e(value, key) LIMIT {}) AS j",
            rows.max(1).next_power_of_two()
        ),
    }
}

/// `SELECT CAST(value->>0 AS BIGINT) AS a, value->>1 AS b, … FROM` the JSON
/// array of arrays bound at `$1`, `rows` of them.
pub(super) fn select(backend: Backend, columns: &[(&str, bool)], rows: usize) -> String {
    select_at(backend, "$1", columns, rows)
}

/// [`select`] of the array bound at `param`.
pub(super) fn select_at(
    backend: Backend,
    param: &str,
    columns: &[(&str, bool)],
    rows: usize,
) -> String {
    let fields: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, number))| {
            if *number {
                format!("CAST(value->>{i} AS BIGINT) AS {name}")
            } else {
                format!("value->>{i} AS {name}")
            }
        })
        .collect();
    format!(
        "SELECT {} FROM {}",
        fields.join(", "),
        json_table(backend, param, rows)
    )
}

/// [`select`] with each element's place in the array as `key` (to insert
/// in the array's order: `ORDER BY v.key` over it).
pub(super) fn select_keyed(backend: Backend, columns: &[(&str, bool)], rows: usize) -> String {
    select(backend, columns, rows).replacen("SELECT ", "SELECT key, ", 1)
}

/// Writes of one transaction, sent together (any rows a `RETURNING` gives
/// come back from [`Writes::run`]).
///
/// Each statement reads its rows from one JSON parameter. On SQLite the
/// statements queued are one text — `$1`, `$2`, … each one's rows — run in
/// one trip to the connection's thread: through sqlx a trip is a hand-off
/// between threads each way, dearer than a small statement, and a batch of
/// facts was ten of them before its writes went together. PostgreSQL runs
/// them one after the other (its extended protocol takes one statement per
/// message). Statements run in the order queued; nothing is sent until
/// [`Writes::run`], so a read in between does not see them — queue only
/// what no later read of the transaction looks at.
pub(super) struct Writes {
    backend: Backend,
    /// (SQL, the values it binds, in order).
    statements: Vec<(String, Vec<Bind>)>,
    /// Values bound so far: on SQLite the next statement's `$1` is `$(binds + 1)`.
    binds: usize,
}

/// A value bound to a `$n` of a query built at run time (a statement queued
/// in [`Writes`], a detail read's, a record filter's).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Bind {
    Int(i64),
    Float(f64),
    Text(String),
}

impl From<i64> for Bind {
    fn from(v: i64) -> Self {
        Bind::Int(v)
    }
}

impl From<&str> for Bind {
    fn from(v: &str) -> Self {
        Bind::Text(v.to_owned())
    }
}

/// `query` with `values` bound to its next parameters, in order.
pub(super) fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    values: &'q [Bind],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            Bind::Int(v) => query.bind(*v),
            Bind::Float(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.as_str()),
        };
    }
    query
}

impl Writes {
    pub(super) fn new(backend: Backend) -> Self {
        Writes {
            backend,
            statements: Vec::new(),
            binds: 0,
        }
    }

    pub(super) fn backend(&self) -> Backend {
        self.backend
    }

    /// Queues the statement `sql(param, n)` makes for `n` rows read from the
    /// parameter named `param` (with [`select_at`]), over `rows`, [`CHUNK`]
    /// rows at a time. No rows, no statement.
    pub(super) fn rows<R: Serialize>(
        &mut self,
        rows: &[R],
        sql: impl Fn(&str, usize) -> String,
    ) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let rows = json(chunk)?;
            self.statement(|first| {
                (
                    sql(&format!("${first}"), chunk.len()),
                    vec![Bind::Text(rows)],
                )
            });
        }
        Ok(())
    }

    /// Queues the statement `make(first)` gives with its parameters numbered
    /// from `$first` on, and the values they bind, in that order. A
    /// statement queued last that returns one row (a read after the writes)
    /// finds its row last in what [`Writes::run`] returns.
    pub(super) fn statement(&mut self, make: impl FnOnce(usize) -> (String, Vec<Bind>)) {
        let first = match self.backend {
            Backend::Sqlite => self.binds + 1,
            Backend::Postgres => 1,
        };
        let (sql, binds) = make(first);
        self.binds += binds.len();
        self.statements.push((sql, binds));
    }

    /// Queues inserting `rows` (each serialised as a JSON array in `table`'s
    /// column order).
    pub(super) fn insert<R: Serialize>(&mut self, table: &Table, rows: &[R]) -> Result<()> {
        let backend = self.backend;
        let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
        self.rows(rows, |param, n| {
            format!(
                "INSERT INTO {} ({}) {}{}",
                table.name,
                names.join(", "),
                select_at(backend, param, table.columns, n),
                table.tail
            )
        })
    }

    /// Sends what was queued; the rows any statement returned (`RETURNING`),
    /// in order.
    pub(super) async fn run(self, tx: &mut WriteTx) -> Result<Vec<AnyRow>> {
        self.run_after(tx, None, None).await
    }

    /// [`Writes::run`], on SQLite with `begin` sent first and `commit` last
    /// in the same trip ([`WriteTx`]'s own statements; none on PostgreSQL).
    pub(super) async fn run_after(
        self,
        tx: &mut WriteTx,
        begin: Option<&str>,
        commit: Option<&str>,
    ) -> Result<Vec<AnyRow>> {
        let statements = self.statements;
        match self.backend {
            Backend::Sqlite => {
                let mut text = String::new();
                for sql in begin
                    .into_iter()
                    .chain(statements.iter().map(|(sql, _)| sql.as_str()))
                    .chain(commit)
                {
                    text.push_str(sql);
                    text.push_str(";\n");
                }
                if text.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = sqlx::query(sqlx::AssertSqlSafe(text));
                for (_, binds) in &statements {
                    query = bind_all(query, binds);
                }
                Ok(query.fetch_all(&mut **tx).await?)
            }
            Backend::Postgres => {
                let mut out = Vec::new();
                for (sql, binds) in &statements {
                    let query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                    out.extend(bind_all(query, binds).fetch_all(&mut **tx).await?);
                }
                Ok(out)
            }
        }
    }
}

/// `items` with only the last of each key, in the order of their keys' first
/// appearance: an upsert's rows, where two of one key in one statement would
/// be an error on PostgreSQL ("cannot affect row a second time") and the
/// last one is what writing them one by one leaves.
pub(super) fn last_by<'a, T, K: std::hash::Hash + Eq>(
    items: &[&'a T],
    key: impl Fn(&T) -> K,
) -> impl Iterator<Item = &'a T> {
    let mut at: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    let mut kept: Vec<&'a T> = Vec::with_capacity(items.len());
    for item in items {
        match at.entry(key(item)) {
            std::collections::hash_map::Entry::Occupied(e) => kept[*e.get()] = item,
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(kept.len());
                kept.push(item);
            }
        }
    }
    kept.into_iter()
}

/// Rows as the JSON text [`select`] reads.
pub(super) fn json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("rows as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::last_by;

    #[test]
    fn an_upserts_rows_keep_the_last_of_each_key_in_first_seen_order() {
        let rows = [(1, "a"), (2, "b"), (1, "c"), (3, "d"), (2, "e")];
        let refs: Vec<&(i32, &str)> = rows.iter().collect();
        let kept: Vec<_> = last_by(&refs, |r| r.0).copied().collect();
        assert_eq!(kept, [(1, "c"), (2, "e"), (3, "d")]);
        assert_eq!(last_by::<(i32, &str), i32>(&[], |r| r.0).count(), 0);
    }
}
