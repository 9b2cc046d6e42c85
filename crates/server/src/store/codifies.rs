//! `campaign.php?api=codify` by group commit (`group.rs`): codifies that
//! arrive while another group is being written are written together — one
//! transaction, a few statements for the whole group — and each is answered
//! only after that commit; a codify alone is a group of one. Within a group
//! each codify is decided in arrival order against the state the earlier
//! ones left (two codifies of one record count it as handled once), exactly
//! as one transaction each would. A database error writes nothing of the
//! group, and its codifies are then written one transaction each, so one bad
//! codify cannot fail another.
//!
//! The rules (campaign, type, codes, record) live in [`decide`] alone: the
//! agent API's typing (`agents.rs`) and the engine's typed calls go through
//! [`codify_found`] too (the engine reads what they find in its tick's
//! writes: [`Found::queue`]).

use std::collections::HashMap;

use jiff::Timestamp;
use marcador_wire::CampaignType;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::campaigns::{AUDIT_LOG, AuditEntry};
use super::facts::{
    CallCodeFact, CodifyInput, CodifyRejection, CounterDelta, TypedCall, write_call_codes,
    write_counters,
};
use super::group::{Taken, Write};
use super::rowset::{self, Bind, Writes, select_at};
use super::tx::WriteTx;
use super::{Backend, Result, Store, StoreError};
use crate::domain::RecordStatus;

/// Codifies written in one transaction, at most.
const MAX_GROUP: usize = 256;

/// One codify: of `campaign_id`'s record of `input.customer_id`, when the
/// campaign is the operation's (and of type `kind`, when given).
pub(super) struct Codify {
    pub operation_id: i64,
    pub campaign_id: i64,
    pub kind: Option<CampaignType>,
    pub input: CodifyInput,
    pub now: Timestamp,
    /// The request's audit entry, written with the codify when it is made.
    pub audit: Option<AuditEntry>,
}

impl Codify {
    /// A codify through the API or the engine: of a campaign of type `kind`,
    /// with no audit entry of its own.
    fn of(
        operation_id: i64,
        campaign_id: i64,
        kind: CampaignType,
        input: &CodifyInput,
        now: Timestamp,
    ) -> Self {
        Codify {
            operation_id,
            campaign_id,
            kind: Some(kind),
            input: input.clone(),
            now,
            audit: None,
        }
    }
}

type Outcome = Result<(), CodifyRejection>;

impl Write for Codify {
    type Answer = Outcome;
}

impl Store {
    /// Codifies a customer's record, in a group with the codifies that arrive
    /// meanwhile; answered once the group is committed. On a rejection
    /// nothing of this record is changed.
    pub async fn codify(
        &self,
        operation_id: i64,
        campaign_id: i64,
        kind: CampaignType,
        input: &CodifyInput,
        now: Timestamp,
    ) -> Result<Outcome> {
        self.codify_audited(operation_id, campaign_id, kind, input, now, None)
            .await
    }

    /// [`Store::codify`], with the request's audit entry written in the same
    /// transaction when the codify is made (not when it is rejected).
    pub async fn codify_audited(
        &self,
        operation_id: i64,
        campaign_id: i64,
        kind: CampaignType,
        input: &CodifyInput,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<Outcome> {
        let job = Codify {
            audit,
            ..Codify::of(operation_id, campaign_id, kind, input, now)
        };
        let store = self.clone();
        self.codifies
            .submit(job, move || async move {
                store
                    .codifies
                    .lead(MAX_GROUP, |taken| store.write_codifies(taken))
                    .await
            })
            .await
    }

    /// Writes a group taken from the queue and answers each codify.
    async fn write_codifies(&self, taken: Taken<Codify>) {
        let jobs: Vec<&Codify> = taken.iter().map(|(job, _)| job).collect();
        match self.timed("codify", self.codify_group(&jobs)).await {
            Ok(outcomes) => {
                for ((_, answer), outcome) in taken.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Err(e) if taken.len() == 1 => {
                if let Some((_, answer)) = taken.into_iter().next() {
                    let _ = answer.send(Err(e));
                }
            }
            Err(_) => {
                // Nothing of the group was written: each on its own.
                for (job, answer) in taken {
                    let _ = answer.send(self.codify_group(&[&job]).await.and_then(one));
                }
            }
        }
    }

    /// Writes codifies in one transaction ([`codify_in`]).
    async fn codify_group(&self, jobs: &[&Codify]) -> Result<Vec<Outcome>> {
        // Two trips: `BEGIN` and what they find, their writes and `COMMIT`.
        let mut read = Writes::new(self.backend);
        Found::queue(&mut read, jobs)?;
        let (tx, rows) = self.write_tx_with(read).await?;
        let mut writes = Writes::new(self.backend);
        let outcomes = codify_found(Found::parse(rows.last())?, &mut writes, jobs)?;
        tx.commit_with(writes).await?;
        Ok(outcomes)
    }
}

/// A codify by the agent who had the call (a simulated agent's typing, the
/// demo's history): the record's, and the call's codes when it is made —
/// written with an engine tick's facts, [`Store::record_engine_tick`].
#[derive(Debug, Clone)]
pub struct AgentCodify {
    pub operation_id: i64,
    pub campaign_id: i64,
    pub kind: CampaignType,
    pub input: CodifyInput,
    pub at: Timestamp,
    /// The call the agent had (none: the record's codes only).
    pub call: Option<TypedCall>,
}

/// Agents' codifies as codifies, in order.
pub(super) fn agent_jobs(codifies: &[AgentCodify]) -> Vec<Codify> {
    codifies
        .iter()
        .map(|c| Codify::of(c.operation_id, c.campaign_id, c.kind, &c.input, c.at))
        .collect()
}

/// [`codify_found`] for agents' codifies (`jobs`: [`agent_jobs`] of them),
/// each made one with its call's codes queued in `writes` too.
pub(super) fn agent_codifies(
    found: Found,
    writes: &mut Writes,
    codifies: &[AgentCodify],
    jobs: &[Codify],
) -> Result<Vec<Outcome>> {
    let outcomes = codify_found(found, writes, &jobs.iter().collect::<Vec<_>>())?;
    let codes: Vec<CallCodeFact> = codifies
        .iter()
        .zip(&outcomes)
        .filter(|(_, done)| done.is_ok())
        .filter_map(|(c, _)| {
            let call = c.call.as_ref()?;
            Some(CallCodeFact::typed(
                c.operation_id,
                call.conn_id.clone(),
                call.agent_id,
                &c.input,
                c.at.as_second(),
            ))
        })
        .collect();
    write_call_codes(writes, &codes.iter().collect::<Vec<_>>())?;
    Ok(outcomes)
}

/// Codifies records inside `tx`, each answered in `jobs`' order: what they
/// find is read in one query ([`Found`]), then [`codify_found`].
pub(super) async fn codify_in(
    tx: &mut WriteTx,
    writes: &mut Writes,
    jobs: &[&Codify],
) -> Result<Vec<Outcome>> {
    let found = Found::read(tx, writes.backend(), jobs).await?;
    codify_found(found, writes, jobs)
}

/// Codifies records given what they `found` (read in their transaction,
/// after everything before them), each answered in `jobs`' order: each is
/// decided in memory in order ([`decide`]), and the records, the counters,
/// the audit entries and the typed calls are queued in `writes`, a
/// statement per table (the caller sends them). An agent on the call of a
/// record codified here ends its after-call work: the engine is told
/// through `agent_commands`, in the same transaction.
pub(super) fn codify_found(
    found: Found,
    writes: &mut Writes,
    jobs: &[&Codify],
) -> Result<Vec<Outcome>> {
    let mut records = found.records;
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut deltas: HashMap<i64, CounterDelta> = HashMap::new();
    // (record id) → its update: the last codify of a record wins.
    let mut updates: Vec<Codified> = Vec::new();
    let mut update_of: HashMap<i64, usize> = HashMap::new();
    let mut typed: Vec<&Codify> = Vec::new();
    for &job in jobs {
        let (record, hit) = match decide(&found.campaigns, &found.codes, &mut records, job) {
            Ok(found) => found,
            Err(rejection) => {
                outcomes.push(Err(rejection));
                continue;
            }
        };
        let delta = deltas.entry(job.campaign_id).or_default();
        if record.status.counts_as_clean() {
            // Handled before being dialed: it leaves `clean` and counts as handled.
            delta.clean -= 1;
            delta.dial += 1;
        }
        delta.hits += i64::from(hit) - i64::from(record.hit);
        record.status = RecordStatus::Codified;
        record.hit = hit;
        let row = (
            record.id,
            job.input.cod_act.as_str(),
            job.input.cod_act_2.as_str(),
            job.input.comment.as_str(),
            job.now.as_second(),
            i64::from(hit),
        );
        match update_of.get(&record.id) {
            Some(i) => updates[*i] = row,
            None => {
                update_of.insert(record.id, updates.len());
                updates.push(row);
            }
        }
        typed.push(job);
        outcomes.push(Ok(()));
    }
    write_codified(writes, &updates)?;
    let audits: Vec<_> = typed
        .iter()
        .filter_map(|job| {
            job.audit.as_ref().map(|e| {
                let AuditEntry {
                    at,
                    ip,
                    actor,
                    action,
                    workstation,
                } = e;
                (job.operation_id, at, ip, actor, action, workstation)
            })
        })
        .collect();
    writes.insert(&AUDIT_LOG, &audits)?;
    let mut deltas: Vec<(i64, CounterDelta)> = deltas.into_iter().collect();
    deltas.sort_unstable_by_key(|(id, _)| *id);
    write_counters(writes, &deltas)?;
    if found.on_calls {
        let typed: Vec<_> = typed
            .iter()
            .map(|j| (j.operation_id, j.campaign_id, &j.input, j.now.as_second()))
            .collect();
        super::agents::typed_all(writes, &typed)?;
    }
    Ok(outcomes)
}

/// The outcome of a group of one.
pub(super) fn one(mut outcomes: Vec<Outcome>) -> Result<Outcome> {
    outcomes
        .pop()
        .ok_or_else(|| StoreError::Invalid("a codify was not decided".into()))
}

/// Whether `job` may codify its record, given what the group found and what
/// the earlier codifies of the group left in `records`: the record and the
/// hit of its first code, or why not.
fn decide<'r>(
    campaigns: &HashMap<i64, (i64, String)>,
    codes: &HashMap<(i64, i64, String), bool>,
    records: &'r mut HashMap<(i64, String), RecordNow>,
    job: &Codify,
) -> std::result::Result<(&'r mut RecordNow, bool), CodifyRejection> {
    let Some((operation_id, kind)) = campaigns.get(&job.campaign_id) else {
        return Err(CodifyRejection::UnknownCampaign);
    };
    if *operation_id != job.operation_id {
        return Err(CodifyRejection::UnknownCampaign);
    }
    let Some(actual) = CampaignType::parse(kind) else {
        return Err(CodifyRejection::UnknownCampaign);
    };
    if job.kind.is_some_and(|k| k != actual) {
        return Err(CodifyRejection::WrongType(actual));
    }
    let code = |level: i64, code: &str| {
        codes
            .get(&(job.operation_id, level, code.to_owned()))
            .copied()
    };
    let Some(hit) = code(1, &job.input.cod_act) else {
        return Err(CodifyRejection::UnknownCode(job.input.cod_act.clone()));
    };
    if !job.input.cod_act_2.is_empty() && code(2, &job.input.cod_act_2).is_none() {
        return Err(CodifyRejection::UnknownCode(job.input.cod_act_2.clone()));
    }
    match records.get_mut(&(job.campaign_id, job.input.customer_id.clone())) {
        Some(record) => Ok((record, hit)),
        None => Err(CodifyRejection::UnknownCustomer),
    }
}

/// A codified record's new state: (id, cod_act, cod_act_2, comment, at, hit).
pub(super) type Codified<'a> = (i64, &'a str, &'a str, &'a str, i64, i64);

/// Writes codified records' new state, one statement for all of them.
pub(super) fn write_codified(writes: &mut Writes, rows: &[Codified<'_>]) -> Result<()> {
    let backend = writes.backend();
    writes.rows(rows, |param, n| {
        format!(
            "UPDATE records SET status = 'codified', cod_act = v.cod_act, cod_act_2 = v.cod_act_2, \
         comment = v.comment, codified_at = v.at, managed_at = v.at, hit = v.hit, next_phone = 0 \
         FROM ({}) v WHERE records.id = v.id",
            select_at(
                backend,
                param,
                &[
                    ("id", true),
                    ("cod_act", false),
                    ("cod_act_2", false),
                    ("comment", false),
                    ("at", true),
                    ("hit", true),
                ],
                n
            )
        )
    })
}

/// A record as the group's codifies see it.
struct RecordNow {
    id: i64,
    status: RecordStatus,
    hit: bool,
}

/// What a group's codifies find.
pub(super) struct Found {
    /// campaign → (operation, type).
    campaigns: HashMap<i64, (i64, String)>,
    /// (operation, level, code) → hit.
    codes: HashMap<(i64, i64, String), bool>,
    /// (campaign, customer) → the record.
    records: HashMap<(i64, String), RecordNow>,
    /// Whether an agent is on the call (or its after-call work) of any of
    /// them: only then is each codify's typed call looked for.
    on_calls: bool,
}

impl Found {
    /// Reads what `jobs` find in one query (one trip to the database): the
    /// campaigns, codes and records they name, each table's rows as one JSON
    /// array, and whether an agent is on any of their calls.
    async fn read(tx: &mut WriteTx, backend: Backend, jobs: &[&Codify]) -> Result<Found> {
        let mut read = Writes::new(backend);
        Found::queue(&mut read, jobs)?;
        let rows = read.run(tx).await?;
        Found::parse(rows.last())
    }

    /// Queues [`Found::read`]'s query in `writes`, last (its one row comes
    /// back last, for [`Found::parse`]).
    pub(super) fn queue(writes: &mut Writes, jobs: &[&Codify]) -> Result<()> {
        let backend = writes.backend();
        let campaigns: Vec<[i64; 1]> = jobs.iter().map(|j| [j.campaign_id]).collect();
        let mut codes: Vec<(i64, i64, &str)> = Vec::new();
        for j in jobs {
            codes.push((j.operation_id, 1, &j.input.cod_act));
            if !j.input.cod_act_2.is_empty() {
                codes.push((j.operation_id, 2, &j.input.cod_act_2));
            }
        }
        let keys: Vec<(i64, &str)> = jobs
            .iter()
            .map(|j| (j.campaign_id, j.input.customer_id.as_str()))
            .collect();
        let binds = vec![
            Bind::Text(rowset::json(&campaigns)?),
            Bind::Text(rowset::json(&codes)?),
            Bind::Text(rowset::json(&keys)?),
        ];
        writes.statement(|first| {
            let p = |i: usize| format!("${}", first + i - 1);
            let key_columns = &[("campaign_id", true), ("customer_id", false)];
            let campaigns_sql = backend.json_rows(
                "id, operation_id, type",
                &format!(
                    "SELECT c.id, c.operation_id, c.type FROM campaigns c \
                     WHERE c.id IN (SELECT CAST(value->>0 AS BIGINT) FROM {})",
                    rowset::json_table(backend, &p(1), campaigns.len())
                ),
            );
            let codes_sql = backend.json_rows(
                "operation_id, level, code, hit",
                &format!(
                    "SELECT a.operation_id, a.level, a.code, a.hit FROM activity_codes a JOIN ({}) v \
                     ON a.operation_id = v.operation_id AND a.level = v.level AND a.code = v.code",
                    select_at(
                        backend,
                        &p(2),
                        &[("operation_id", true), ("level", true), ("code", false)],
                        codes.len()
                    )
                ),
            );
            let records_sql = backend.json_rows(
                "id, campaign_id, customer_id, status, hit",
                &format!(
                    "SELECT r.id, r.campaign_id, r.customer_id, r.status, r.hit FROM records r \
                     JOIN ({}) v ON r.campaign_id = v.campaign_id AND r.customer_id = v.customer_id",
                    select_at(backend, &p(3), key_columns, keys.len())
                ),
            );
            let on_calls_sql = format!(
                "SELECT COUNT(*) FROM agent_status s JOIN ({}) v \
                 ON s.campaign_id = v.campaign_id AND s.customer_id = v.customer_id",
                select_at(backend, &p(3), key_columns, keys.len())
            );
            let sql = format!(
                "SELECT '[' || ({campaigns_sql}) || ',' || ({codes_sql}) || ',' || ({records_sql}) \
                 || ',' || CAST(({on_calls_sql}) AS TEXT) || ']'"
            );
            (sql, binds)
        });
        Ok(())
    }

    /// What [`Found::queue`]'s row says.
    pub(super) fn parse(row: Option<&AnyRow>) -> Result<Found> {
        let row = row.ok_or_else(|| StoreError::Invalid("what codifies find: no row".into()))?;
        let text: String = row.try_get(0)?;
        type Read = (
            Vec<(i64, i64, String)>,
            Vec<(i64, i64, String, i64)>,
            Vec<(i64, i64, String, String, i64)>,
            i64,
        );
        let (campaigns, codes, rows, on_calls): Read = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("what codifies find, as JSON: {e}")))?;
        let mut records = HashMap::with_capacity(rows.len());
        for (id, campaign_id, customer_id, status, hit) in rows {
            let status = RecordStatus::parse(&status)
                .ok_or_else(|| StoreError::Invalid(format!("record status {status:?}")))?;
            records.insert(
                (campaign_id, customer_id),
                RecordNow {
                    id,
                    status,
                    hit: hit != 0,
                },
            );
        }
        Ok(Found {
            campaigns: campaigns
                .into_iter()
                .map(|(id, op, kind)| (id, (op, kind)))
                .collect(),
            codes: codes
                .into_iter()
                .map(|(op, level, code, hit)| ((op, level, code), hit != 0))
                .collect(),
            records,
            on_calls: on_calls > 0,
        })
    }
}
