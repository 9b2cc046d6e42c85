//! A batch of facts written in a few statements instead of a few per fact.
//!
//! Within one `record_facts` transaction, consecutive attempt and call facts
//! are gathered here: the records their attempts touch are read in one query,
//! each attempt's effect on its record is worked out in memory (two attempts
//! of one record see each other, as one after the other would), and the
//! attempts, the calls and the records' new state are written as multi-row
//! statements when a fact of another kind comes, or at the end. What is
//! stored is what writing each fact on its own would store.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::facts::{
    AttemptFact, CallFact, Fact, RecordWire, record_wire_columns, tel_columns, tels_of,
};
use super::{Result, StoreError};
use crate::domain::RecordStatus;

/// Rows per multi-row statement. Larger is slower per row on SQLite through
/// sqlx (binding grows faster than the parameters: 1,000 rows of 12 took
/// 225 ms, 50 rows' chunks of the same 16 ms); 50 is the fastest measured.
const CHUNK: usize = 50;

/// A record as the batch's attempts see it.
pub(super) struct RecordNow {
    pub campaign_id: i64,
    pub status: RecordStatus,
    pub cycle: i64,
    pub phones_dialed: i64,
    pub last_result: Option<String>,
    pub removed: bool,
    pub tels: Vec<String>,
    pub wire: RecordWire,
}

/// What the batch's attempts leave in one record (the last attempt's values;
/// `attempts` grows by `n`; `at`, the latest start, moves `managed_at` and
/// clears a recall due by then).
struct RecordUpdate {
    status: &'static str,
    last_result: &'static str,
    n: i64,
    cycle: i64,
    phones_dialed: i64,
    next_phone: i64,
    conn_id: String,
    telephone: String,
    at: i64,
}

/// One `dial_attempts` row.
struct AttemptRow<'a> {
    operation_id: i64,
    fact: &'a AttemptFact,
    wire_bytes: i64,
}

#[derive(Default)]
pub(super) struct Appends<'a> {
    records: HashMap<i64, RecordNow>,
    updates: HashMap<i64, RecordUpdate>,
    /// Records in the order their first update came (a stable write order).
    updated: Vec<i64>,
    attempts: Vec<AttemptRow<'a>>,
    calls: Vec<&'a CallFact>,
    /// (operation, customer, local day) of the answered attempts: `contacts`.
    contacts: Vec<(i64, String, String)>,
}

impl<'a> Appends<'a> {
    /// Reads, in one query per [`CHUNK`], the records the attempts of the
    /// run of attempts and calls that starts `facts` touch and the batch has
    /// not read yet.
    pub(super) async fn read_records(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        facts: &[Fact],
    ) -> Result<()> {
        let mut ids: Vec<i64> = facts
            .iter()
            .map_while(|f| match f {
                Fact::Attempt(a) => Some(Some(a.record_id)),
                Fact::Call(_) => Some(None),
                _ => None,
            })
            .flatten()
            .filter(|id| !self.records.contains_key(id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                concat!(
                    "SELECT r.id, r.campaign_id, r.status, r.cycle, r.phones_dialed, r.last_result, ",
                    "r.removed_at, ",
                    tel_columns!(),
                    ", ",
                    record_wire_columns!(),
                    " FROM records r WHERE r.id IN ({})"
                ),
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut **tx).await? {
                let (id, now) = record_now(&row)?;
                self.records.insert(id, now);
            }
        }
        Ok(())
    }

    /// The record of an attempt, as the batch has it (read by [`Appends::read_records`]).
    pub(super) fn record(&mut self, id: i64) -> Option<&mut RecordNow> {
        self.records.get_mut(&id)
    }

    pub(super) fn knows(&self, id: i64) -> bool {
        self.records.contains_key(&id)
    }

    /// An attempt's row, and its record's new state.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn attempt(
        &mut self,
        fact: &'a AttemptFact,
        operation_id: i64,
        wire_bytes: i64,
        status: RecordStatus,
        cycle: i64,
        phones_dialed: i64,
        next_phone: i64,
    ) {
        self.attempts.push(AttemptRow {
            operation_id,
            fact,
            wire_bytes,
        });
        if let Some(r) = self.records.get_mut(&fact.record_id) {
            r.status = status;
            r.cycle = cycle;
            r.phones_dialed = phones_dialed;
            r.last_result = Some(fact.result.as_str().to_owned());
        }
        let update = RecordUpdate {
            status: status.as_str(),
            last_result: fact.result.as_str(),
            n: 1,
            cycle,
            phones_dialed,
            next_phone,
            conn_id: fact.conn_id.clone(),
            telephone: fact.telephone.clone(),
            at: fact.started_at,
        };
        match self.updates.get_mut(&fact.record_id) {
            Some(u) => {
                let (n, at) = (u.n + 1, u.at.max(fact.started_at));
                *u = RecordUpdate { n, at, ..update };
            }
            None => {
                self.updated.push(fact.record_id);
                self.updates.insert(fact.record_id, update);
            }
        }
    }

    pub(super) fn call(&mut self, fact: &'a CallFact) {
        self.calls.push(fact);
    }

    /// A customer a person answered for on a day (`contacts`, one row each).
    pub(super) fn contact(&mut self, operation_id: i64, customer_id: String, day: String) {
        self.contacts.push((operation_id, customer_id, day));
    }

    /// Writes everything gathered, and forgets the records read (a fact of
    /// another kind may change them next).
    pub(super) async fn flush(&mut self, tx: &mut Transaction<'static, Any>) -> Result<()> {
        for chunk in self.attempts.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO dial_attempts (operation_id, campaign_id, record_id, started_at, phone, \
                 telephone, result, raw_status, hangup_cause, conn_id, wire_bytes, amd) VALUES {}",
                rows(chunk.len(), &[""; 12])
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                let a = r.fact;
                q = q
                    .bind(r.operation_id)
                    .bind(a.campaign_id)
                    .bind(a.record_id)
                    .bind(a.started_at)
                    .bind(i64::from(a.phone))
                    .bind(a.telephone.as_str())
                    .bind(a.result.as_str())
                    .bind(a.raw_status.as_str())
                    .bind(a.hangup_cause)
                    .bind(a.conn_id.as_str())
                    .bind(r.wire_bytes)
                    .bind(a.amd.map_or("", |m| m.as_str()));
            }
            q.execute(&mut **tx).await?;
        }
        for chunk in self.calls.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO calls (operation_id, started_at, type_interaction, result, telephone, \
                 customer_id, conn_id, campaign_id, rp_id, duration, agent_id, skill_id, ring_seconds, \
                 hang_up, wait_seconds) VALUES {}",
                rows(chunk.len(), &[""; 15])
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for c in chunk {
                q = q
                    .bind(c.operation_id)
                    .bind(c.started_at)
                    .bind(c.type_interaction.as_str())
                    .bind(c.result.as_str())
                    .bind(c.telephone.as_str())
                    .bind(c.customer_id.as_str())
                    .bind(c.conn_id.as_str())
                    .bind(c.campaign_id)
                    .bind(c.rp_id)
                    .bind(c.duration)
                    .bind(c.agent_id)
                    .bind(c.skill_id)
                    .bind(c.ring_seconds)
                    .bind(c.hang_up.as_str())
                    .bind(c.wait_seconds);
            }
            q.execute(&mut **tx).await?;
        }
        self.contacts.sort_unstable();
        self.contacts.dedup();
        for chunk in self.contacts.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO contacts (operation_id, customer_id, day) VALUES {} ON CONFLICT DO NOTHING",
                rows(chunk.len(), &[""; 3])
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (operation_id, customer_id, day) in chunk {
                q = q
                    .bind(*operation_id)
                    .bind(customer_id.as_str())
                    .bind(day.as_str());
            }
            q.execute(&mut **tx).await?;
        }
        // The VALUES of a CTE have no column types on PostgreSQL: each number is cast.
        const INT: &str = "BIGINT";
        const TYPES: [&str; 10] = [INT, "", "", INT, INT, INT, INT, "", "", INT];
        for chunk in self.updated.chunks(CHUNK) {
            let sql = format!(
                "WITH v (id, status, last_result, n, cycle, phones_dialed, next_phone, conn_id, \
                 telephone, at) AS (VALUES {}) \
                 UPDATE records SET status = v.status, last_result = v.last_result, \
                 attempts = attempts + v.n, cycle = v.cycle, phones_dialed = v.phones_dialed, \
                 next_phone = v.next_phone, last_conn_id = v.conn_id, last_telephone = v.telephone, \
                 managed_at = CASE WHEN managed_at > v.at THEN managed_at ELSE v.at END, \
                 recall_at = CASE WHEN recall_at <= v.at THEN NULL ELSE recall_at END \
                 FROM v WHERE records.id = v.id",
                rows(chunk.len(), &TYPES)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                let u = self.updates.get(id).ok_or_else(|| {
                    StoreError::Invalid(format!("record {id} has no update in its batch"))
                })?;
                q = q
                    .bind(*id)
                    .bind(u.status)
                    .bind(u.last_result)
                    .bind(u.n)
                    .bind(u.cycle)
                    .bind(u.phones_dialed)
                    .bind(u.next_phone)
                    .bind(u.conn_id.as_str())
                    .bind(u.telephone.as_str())
                    .bind(u.at);
            }
            q.execute(&mut **tx).await?;
        }
        self.records.clear();
        self.updates.clear();
        self.updated.clear();
        self.attempts.clear();
        self.calls.clear();
        self.contacts.clear();
        Ok(())
    }
}

/// `$from, $from+1, …` (`n` of them).
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(…), (…)`: `n` rows of as many parameters as `types` has, numbered from
/// `$1`, each cast to its type where one is given.
fn rows(n: usize, types: &[&str]) -> String {
    let mut out = String::new();
    let mut next = 1;
    for row in 0..n {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for (i, t) in types.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if t.is_empty() {
                out.push_str(&format!("${next}"));
            } else {
                out.push_str(&format!("CAST(${next} AS {t})"));
            }
            next += 1;
        }
        out.push(')');
    }
    out
}

/// A record's row as the batch keeps it.
fn record_now(row: &AnyRow) -> Result<(i64, RecordNow)> {
    let status: String = row.try_get("status")?;
    Ok((
        row.try_get("id")?,
        RecordNow {
            campaign_id: row.try_get("campaign_id")?,
            status: RecordStatus::parse(&status)
                .ok_or_else(|| StoreError::Invalid(format!("record status {status:?}")))?,
            cycle: row.try_get("cycle")?,
            phones_dialed: row.try_get("phones_dialed")?,
            last_result: row.try_get("last_result")?,
            removed: row.try_get::<Option<i64>, _>("removed_at")?.is_some(),
            tels: tels_of(row)?,
            wire: RecordWire::from_row(row)?,
        },
    ))
}
