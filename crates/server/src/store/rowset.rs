//! Many rows in one statement, bound as one JSON text.
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
use sqlx::{Any, Transaction};

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

/// Inserts `rows` (each serialised as a JSON array in `table`'s column
/// order), [`CHUNK`] rows a statement.
pub(super) async fn insert<R: Serialize>(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &Table,
    rows: &[R],
) -> Result<()> {
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
    execute(tx, rows, |n| {
        format!(
            "INSERT INTO {} ({}) {}{}",
            table.name,
            names.join(", "),
            select(backend, table.columns, n),
            table.tail
        )
    })
    .await
}

/// Runs the statement `sql(n)` makes for `n` rows, which reads them from
/// `$1` (with [`select`]), over `rows`, [`CHUNK`] rows at a time.
pub(super) async fn execute<R: Serialize>(
    tx: &mut Transaction<'static, Any>,
    rows: &[R],
    sql: impl Fn(usize) -> String,
) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        sqlx::query(sqlx::AssertSqlSafe(sql(chunk.len())))
            .bind(json(chunk)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Rows as the JSON text [`select`] reads.
pub(super) fn json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("rows as JSON: {e}")))
}
