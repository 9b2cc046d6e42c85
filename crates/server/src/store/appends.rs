//! A batch of facts written in a few statements instead of a few per fact.
//!
//! Within one `record_facts` transaction, consecutive attempt, call and IVR
//! step facts are gathered here: the records their attempts touch are read in
//! one query, each attempt's effect on its record is worked out in memory (two
//! attempts of one record see each other, as one after the other would), and
//! the attempts, calls, steps, contacts and the records' new state are queued
//! a statement per table with the transaction's other writes
//! (`rowset::Writes`), sent at its end. No other kind of fact changes a
//! record, so what the batch read stays true to its end. Each statement's
//! rows are bound as one JSON text and unpacked by the database
//! (`rowset.rs`), read back the same way (`Backend::json_rows`). What is
//! stored is what writing each fact on its own would store.

use std::collections::HashMap;

use super::facts::{
    AttemptFact, CallFact, Fact, IvrStepFact, RecordWire, record_wire_columns, record_wire_json,
    tel_columns,
};
use super::rowset::{self, CHUNK, Table, Writes, json, select_at};
use super::tx::WriteTx;
use super::{Backend, Result, StoreError};
use crate::domain::RecordStatus;

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

pub(super) struct Appends<'a> {
    /// The SQL differs only in how JSON is unpacked.
    backend: Backend,
    records: HashMap<i64, RecordNow>,
    updates: HashMap<i64, RecordUpdate>,
    /// Records in the order their first update came (a stable write order).
    updated: Vec<i64>,
    attempts: Vec<AttemptRow<'a>>,
    calls: Vec<&'a CallFact>,
    steps: Vec<&'a IvrStepFact>,
    /// (operation, customer, local day) of the answered attempts: `contacts`.
    contacts: Vec<(i64, String, String)>,
}

impl<'a> Appends<'a> {
    pub(super) fn new(backend: Backend) -> Self {
        Appends {
            backend,
            records: HashMap::new(),
            updates: HashMap::new(),
            updated: Vec::new(),
            attempts: Vec::new(),
            calls: Vec::new(),
            steps: Vec::new(),
            contacts: Vec::new(),
        }
    }

    /// The records the attempts of `facts` touch that the batch has not
    /// read yet, as the JSON rows [`Appends::records_sql`] reads.
    pub(super) fn records_wanted(&self, facts: &[Fact]) -> Vec<[i64; 1]> {
        let mut ids: Vec<[i64; 1]> = facts
            .iter()
            .filter_map(|f| match f {
                Fact::Attempt(a) if !self.records.contains_key(&a.record_id) => Some([a.record_id]),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// A query of the `n` records whose ids are bound at `param`, their rows
    /// one JSON value ([`RecordRead`]s).
    pub(super) fn records_sql(backend: Backend, param: &str, n: usize) -> String {
        let array = backend.json_array();
        let inner = format!(
            concat!(
                "SELECT r.id, r.campaign_id, r.status, r.cycle, r.phones_dialed, r.last_result, ",
                "r.removed_at, ",
                tel_columns!(),
                ", ",
                record_wire_columns!(),
                " FROM records r WHERE r.id IN (SELECT CAST(value->>0 AS BIGINT) FROM {})"
            ),
            rowset::json_table(backend, param, n)
        );
        backend.json_rows(
            &format!(
                "id, campaign_id, status, cycle, phones_dialed, last_result, removed_at, \
                 {array}(tel1, tel2, tel3, tel4, tel5, tel6, tel7, tel8, tel9, tel10), \
                 {}",
                record_wire_json(backend)
            ),
            &inner,
        )
    }

    /// Keeps the records read.
    pub(super) fn records_found(&mut self, rows: Vec<RecordRead>) -> Result<()> {
        for row in rows {
            let (id, now) = record_now(row)?;
            self.records.insert(id, now);
        }
        Ok(())
    }

    /// Reads the records `ids` name, [`CHUNK`] at a time.
    pub(super) async fn read_records(&mut self, tx: &mut WriteTx, ids: &[[i64; 1]]) -> Result<()> {
        for chunk in ids.chunks(CHUNK) {
            let sql = Self::records_sql(self.backend, "$1", chunk.len());
            let text: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(json(chunk)?)
                .fetch_one(&mut **tx)
                .await?;
            let rows: Vec<RecordRead> = serde_json::from_str(&text)
                .map_err(|e| StoreError::Invalid(format!("records read as JSON: {e}")))?;
            self.records_found(rows)?;
        }
        Ok(())
    }

    /// The record of an attempt, as the batch has it (read by `read_batch` or [`Appends::read_records`]).
    pub(super) fn record(&mut self, id: i64) -> Option<&mut RecordNow> {
        self.records.get_mut(&id)
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

    /// A caller's step through an IVR option (its hourly rollup is the tally's).
    pub(super) fn ivr_step(&mut self, fact: &'a IvrStepFact) {
        self.steps.push(fact);
    }

    /// A customer a person answered for on a day (`contacts`, one row each).
    pub(super) fn contact(&mut self, operation_id: i64, customer_id: String, day: String) {
        self.contacts.push((operation_id, customer_id, day));
    }

    /// Queues writing everything gathered.
    pub(super) fn flush(self, w: &mut Writes) -> Result<()> {
        let backend = self.backend;
        let attempts: Vec<_> = self
            .attempts
            .iter()
            .map(|r| {
                let a = r.fact;
                (
                    r.operation_id,
                    a.campaign_id,
                    a.record_id,
                    a.started_at,
                    i64::from(a.phone),
                    a.telephone.as_str(),
                    a.result.as_str(),
                    a.raw_status.as_str(),
                    a.hangup_cause,
                    a.conn_id.as_str(),
                    r.wire_bytes,
                    a.amd.map_or("", |m| m.as_str()),
                )
            })
            .collect();
        w.insert(&ATTEMPTS, &attempts)?;
        let calls: Vec<_> = self
            .calls
            .iter()
            .map(|c| {
                (
                    c.operation_id,
                    c.started_at,
                    c.type_interaction.as_str(),
                    c.result.as_str(),
                    c.telephone.as_str(),
                    c.customer_id.as_str(),
                    c.conn_id.as_str(),
                    c.campaign_id,
                    c.rp_id,
                    c.duration,
                    c.agent_id,
                    c.skill_id,
                    c.ring_seconds,
                    c.hang_up.as_str(),
                    c.wait_seconds,
                )
            })
            .collect();
        w.insert(&CALLS, &calls)?;
        let steps: Vec<_> = self
            .steps
            .iter()
            .map(|s| {
                (
                    s.operation_id,
                    s.rp_id,
                    s.conn_id.as_str(),
                    s.option.as_str(),
                    s.entered_at,
                    s.seconds,
                )
            })
            .collect();
        w.insert(&IVR_STEPS, &steps)?;
        let mut contacts = self.contacts;
        contacts.sort_unstable();
        contacts.dedup();
        w.insert(&CONTACTS, &contacts)?;
        let mut rows = Vec::with_capacity(self.updated.len());
        for id in &self.updated {
            let u = self.updates.get(id).ok_or_else(|| {
                StoreError::Invalid(format!("record {id} has no update in its batch"))
            })?;
            rows.push((
                *id,
                u.status,
                u.last_result,
                u.n,
                u.cycle,
                u.phones_dialed,
                u.next_phone,
                u.conn_id.as_str(),
                u.telephone.as_str(),
                u.at,
            ));
        }
        w.rows(&rows, |param, n| {
            format!(
                "UPDATE records SET status = v.status, last_result = v.last_result, \
             attempts = records.attempts + v.n, cycle = v.cycle, phones_dialed = v.phones_dialed, \
             next_phone = v.next_phone, last_conn_id = v.conn_id, last_telephone = v.telephone, \
             managed_at = CASE WHEN records.managed_at > v.at THEN records.managed_at ELSE v.at END, \
             recall_at = CASE WHEN records.recall_at <= v.at THEN NULL ELSE records.recall_at END \
             FROM ({}) v WHERE records.id = v.id",
                select_at(backend, param, RECORD_UPDATES, n)
            )
        })
    }
}

const ATTEMPTS: Table = Table {
    name: "dial_attempts",
    columns: &[
        ("operation_id", true),
        ("campaign_id", true),
        ("record_id", true),
        ("started_at", true),
        ("phone", true),
        ("telephone", false),
        ("result", false),
        ("raw_status", false),
        ("hangup_cause", true),
        ("conn_id", false),
        ("wire_bytes", true),
        ("amd", false),
    ],
    tail: "",
};

const CALLS: Table = Table {
    name: "calls",
    columns: &[
        ("operation_id", true),
        ("started_at", true),
        ("type_interaction", false),
        ("result", false),
        ("telephone", false),
        ("customer_id", false),
        ("conn_id", false),
        ("campaign_id", true),
        ("rp_id", true),
        ("duration", true),
        ("agent_id", true),
        ("skill_id", true),
        ("ring_seconds", true),
        ("hang_up", false),
        ("wait_seconds", true),
    ],
    tail: "",
};

const IVR_STEPS: Table = Table {
    name: "ivr_steps",
    columns: &[
        ("operation_id", true),
        ("rp_id", true),
        ("conn_id", false),
        ("option", false),
        ("entered_at", true),
        ("seconds", true),
    ],
    tail: "",
};

const CONTACTS: Table = Table {
    name: "contacts",
    columns: &[
        ("operation_id", true),
        ("customer_id", false),
        ("day", false),
    ],
    tail: " WHERE true ON CONFLICT DO NOTHING",
};

/// The values of a batch's record updates (`WITH v AS …`).
const RECORD_UPDATES: &[(&str, bool)] = &[
    ("id", true),
    ("status", false),
    ("last_result", false),
    ("n", true),
    ("cycle", true),
    ("phones_dialed", true),
    ("next_phone", true),
    ("conn_id", false),
    ("telephone", false),
    ("at", true),
];

/// A record's row as [`Appends::records_sql`] reads it: id, campaign,
/// status, cycle, phones dialed, last result, removed at, its ten numbers,
/// (name, last name, id type, customer id) and its twelve optional fields.
pub(super) type RecordRead = (
    i64,
    i64,
    String,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Vec<String>,
    (String, String, String, String),
    Vec<String>,
);

/// A record's row as the batch keeps it.
fn record_now(row: RecordRead) -> Result<(i64, RecordNow)> {
    let (id, campaign_id, status, cycle, phones_dialed, last_result, removed_at, tels, who, opts) =
        row;
    Ok((
        id,
        RecordNow {
            campaign_id,
            status: RecordStatus::parse(&status)
                .ok_or_else(|| StoreError::Invalid(format!("record status {status:?}")))?,
            cycle,
            phones_dialed,
            last_result,
            removed: removed_at.is_some(),
            tels,
            wire: RecordWire::from((who, opts)),
        },
    ))
}
