//! Bulk loads into empty fact tables (`marcador seed` on a new database):
//! on PostgreSQL the fact tables' secondary indexes and foreign keys, and the
//! records' secondary indexes, are set aside for the load and made again at
//! its end. Kept, every fact inserted
//! pays an insertion into each index and, for each foreign key, a lookup
//! and a lock of the row it references (a row lock writes that row's page);
//! made again, an index is one sorted build and a key one join. Measured in
//! `psql` on this project's kind of machine, a million attempt-like rows with
//! three foreign keys and three indexes: 60 s with both in place, 37 s with
//! the indexes made after, 10 s with both made after (validation included).
//!
//! What is set aside is written to `bulk_load_deferred` in the transaction
//! that drops it, so a load that dies leaves the statements that make it
//! again; [`Store::open`] runs them. Only when every fact table is empty: a
//! load beside data keeps every index and check. SQLite keeps its indexes
//! (its foreign keys are not enforced per row there, and its index builds
//! are no cheaper than its inserts in a large cached transaction).

use super::{Backend, Result, Store};

/// The tables a load fills with facts.
const FACT_TABLES: &[&str] = &["dial_attempts", "calls", "ivr_steps"];

/// The tables whose secondary indexes a load sets aside: the fact tables,
/// and the records, which it updates once per attempt but reads only by id
/// (on PostgreSQL an update is a new row version with an entry in every
/// index whose columns it changes: nine indexes, none of the ten million
/// updates of a 10 M-attempt load HOT).
const INDEXED_TABLES: &[&str] = &["dial_attempts", "calls", "ivr_steps", "records"];

/// `'dial_attempts', 'calls', …`: the names as SQL literals (fixed names of
/// this crate, never input).
fn table_list(tables: &[&str]) -> String {
    tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Sets aside the fact tables' (and the records') secondary indexes and
    /// the fact tables' foreign keys for a
    /// bulk load, if the tables are all empty and nothing is set aside
    /// already (PostgreSQL only). Whether it did; [`Store::end_bulk_load`]
    /// makes them again.
    pub async fn begin_bulk_load(&self) -> Result<bool> {
        if self.backend != Backend::Postgres {
            return Ok(false);
        }
        let (indexed, facts) = (table_list(INDEXED_TABLES), table_list(FACT_TABLES));
        let mut tx = self.write_tx().await?;
        let empty: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT NOT EXISTS (SELECT 1 FROM bulk_load_deferred) AND {}",
            FACT_TABLES
                .iter()
                .map(|t| format!("NOT EXISTS (SELECT 1 FROM {t})"))
                .collect::<Vec<_>>()
                .join(" AND ")
        )))
        .fetch_one(&mut *tx)
        .await?;
        if !empty {
            return Ok(false);
        }
        // (table, name, how to drop it, how to make it again): the indexes
        // that back no constraint (not the primary keys), then the foreign
        // keys — made again in that order.
        let aside: Vec<(String, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(
            format!(
                "SELECT i.tablename::text, i.indexname::text, format('DROP INDEX %I', i.indexname), i.indexdef \
                 FROM pg_indexes i WHERE i.schemaname = current_schema() \
                 AND i.tablename IN ({indexed}) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname) \
                 UNION ALL \
                 SELECT t.relname::text, k.conname::text, \
                 format('ALTER TABLE %I DROP CONSTRAINT %I', t.relname, k.conname), \
                 format('ALTER TABLE %I ADD CONSTRAINT %I %s', t.relname, k.conname, \
                        pg_get_constraintdef(k.oid)) \
                 FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid \
                 WHERE k.contype = 'f' AND t.relnamespace = current_schema()::regnamespace \
                 AND t.relname IN ({facts})"
            ),
        ))
        .fetch_all(&mut *tx)
        .await?;
        for (seq, (table, name, drop, remake)) in aside.iter().enumerate() {
            sqlx::query(
                "INSERT INTO bulk_load_deferred (seq, table_name, name, remake) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(seq as i64)
            .bind(table)
            .bind(name)
            .bind(remake)
            .execute(&mut *tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(drop.as_str()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(!aside.is_empty())
    }

    /// Makes again what [`Store::begin_bulk_load`] set aside, in one
    /// transaction (nothing if nothing is). Also run when the store opens,
    /// for a load that died.
    pub async fn end_bulk_load(&self) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let pending: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bulk_load_deferred)")
            .fetch_one(&self.writer)
            .await?;
        if !pending {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        let remakes: Vec<String> =
            sqlx::query_scalar("SELECT remake FROM bulk_load_deferred ORDER BY seq")
                .fetch_all(&mut *tx)
                .await?;
        for remake in &remakes {
            // Written by `begin_bulk_load` from the catalog, never input.
            sqlx::query(sqlx::AssertSqlSafe(remake.as_str()))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM bulk_load_deferred")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
