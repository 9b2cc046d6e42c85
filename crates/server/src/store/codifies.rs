//! `campaign.php?api=codify` by group commit (`group.rs`): codifies that
//! arrive while another group is being written are written together — one
//! transaction, a few statements for the whole group — and each is answered
//! only after that commit; a codify alone is written as one transaction of
//! its own. Within a group each codify is decided in arrival order
//! against the state the earlier ones left (two codifies of one record count
//! it as handled once), exactly as one transaction each would. A database
//! error writes nothing of the group, and its codifies are then written one
//! transaction each, so one bad codify cannot fail another.

use std::collections::HashMap;

use jiff::Timestamp;
use marcador_wire::CampaignType;
use sqlx::{Any, Transaction};

use super::appends::{self, select};
use super::facts::{CodifyInput, CodifyRejection, CounterDelta, write_counters};
use super::group::{Taken, Write};
use super::{Result, Store, StoreError};
use crate::domain::RecordStatus;

/// Codifies written in one transaction, at most.
const MAX_GROUP: usize = 256;

pub(super) struct Codify {
    operation_id: i64,
    campaign_id: i64,
    kind: CampaignType,
    input: CodifyInput,
    now: Timestamp,
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
        let job = Codify {
            operation_id,
            campaign_id,
            kind,
            input: input.clone(),
            now,
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
        if taken.len() == 1 {
            // Alone: its own transaction, each lookup by its index (the
            // group's joins against a JSON list are planned for many rows).
            for (job, answer) in taken {
                let _ = answer.send(self.codify_job(&job).await);
            }
            return;
        }
        let jobs: Vec<&Codify> = taken.iter().map(|(job, _)| job).collect();
        match self.timed("codify", self.codify_group(&jobs)).await {
            Ok(outcomes) => {
                for ((_, answer), outcome) in taken.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Err(_) => {
                // Nothing of the group was written: each on its own.
                for (job, answer) in taken {
                    let _ = answer.send(self.codify_job(&job).await);
                }
            }
        }
    }

    /// One codify in its own transaction.
    async fn codify_job(&self, job: &Codify) -> Result<Outcome> {
        self.codify_call(
            job.operation_id,
            job.campaign_id,
            job.kind,
            &job.input,
            job.now,
            None,
        )
        .await
    }

    /// Writes a group of codifies in one transaction: what each one finds is
    /// read in one query per table, each is decided in memory in order, and
    /// the records, the counters and the typed calls are written a statement
    /// per table.
    async fn codify_group(&self, jobs: &[&Codify]) -> Result<Vec<Outcome>> {
        let backend = self.backend;
        let mut tx = self.write_tx().await?;
        let found = Found::read(&mut tx, backend, jobs).await?;
        let mut records = found.records;
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut deltas: HashMap<i64, CounterDelta> = HashMap::new();
        // (record id) → its update: the last codify of a record wins.
        let mut updates: Vec<(i64, &str, &str, &str, i64, i64)> = Vec::new();
        let mut update_of: HashMap<i64, usize> = HashMap::new();
        let mut typed: Vec<&Codify> = Vec::new();
        for &job in jobs {
            let outcome = (|| {
                let Some((operation_id, kind)) = found.campaigns.get(&job.campaign_id) else {
                    return Err(CodifyRejection::UnknownCampaign);
                };
                if *operation_id != job.operation_id {
                    return Err(CodifyRejection::UnknownCampaign);
                }
                let Some(actual) = CampaignType::parse(kind) else {
                    return Err(CodifyRejection::UnknownCampaign);
                };
                if actual != job.kind {
                    return Err(CodifyRejection::WrongType(actual));
                }
                let code = |level: i64, code: &str| {
                    found
                        .codes
                        .get(&(job.operation_id, level, code.to_owned()))
                        .copied()
                };
                let Some(hit) = code(1, &job.input.cod_act) else {
                    return Err(CodifyRejection::UnknownCode(job.input.cod_act.clone()));
                };
                if !job.input.cod_act_2.is_empty() && code(2, &job.input.cod_act_2).is_none() {
                    return Err(CodifyRejection::UnknownCode(job.input.cod_act_2.clone()));
                }
                let key = (job.campaign_id, job.input.customer_id.clone());
                if !records.contains_key(&key) {
                    return Err(CodifyRejection::UnknownCustomer);
                }
                Ok((key, hit))
            })();
            let (record, hit) = match outcome {
                Ok((key, hit)) => match records.get_mut(&key) {
                    Some(record) => (record, hit),
                    None => {
                        outcomes.push(Err(CodifyRejection::UnknownCustomer));
                        continue;
                    }
                },
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
        let sql = format!(
            "UPDATE records SET status = 'codified', cod_act = v.cod_act, cod_act_2 = v.cod_act_2, \
             comment = v.comment, codified_at = v.at, managed_at = v.at, hit = v.hit, next_phone = 0 \
             FROM ({}) v WHERE records.id = v.id",
            select(
                backend,
                &[
                    ("id", true),
                    ("cod_act", false),
                    ("cod_act_2", false),
                    ("comment", false),
                    ("at", true),
                    ("hit", true),
                ]
            )
        );
        appends::execute(&mut tx, &sql, &updates).await?;
        let mut deltas: Vec<(i64, CounterDelta)> = deltas.into_iter().collect();
        deltas.sort_unstable_by_key(|(id, _)| *id);
        write_counters(&mut tx, backend, &deltas).await?;
        // An agent on the call of a record codified here ends its after-call work.
        if found.on_calls {
            for job in typed {
                super::agents::typed_in(
                    &mut tx,
                    job.operation_id,
                    job.campaign_id,
                    &job.input,
                    job.now.as_second(),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}

/// A record as the group's codifies see it.
struct RecordNow {
    id: i64,
    status: RecordStatus,
    hit: bool,
}

/// What a group's codifies find, read in one query per table.
struct Found {
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
    async fn read(
        tx: &mut Transaction<'static, Any>,
        backend: super::Backend,
        jobs: &[&Codify],
    ) -> Result<Found> {
        let campaigns: Vec<[i64; 1]> = jobs.iter().map(|j| [j.campaign_id]).collect();
        let sql = format!(
            "SELECT c.id, c.operation_id, c.type FROM campaigns c \
             WHERE c.id IN (SELECT CAST(value->>0 AS BIGINT) FROM {})",
            backend.json_table("$1")
        );
        let campaigns: Vec<(i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(appends::json(&campaigns)?)
            .fetch_all(&mut **tx)
            .await?;
        let mut codes: Vec<(i64, i64, &str)> = Vec::new();
        for j in jobs {
            codes.push((j.operation_id, 1, &j.input.cod_act));
            if !j.input.cod_act_2.is_empty() {
                codes.push((j.operation_id, 2, &j.input.cod_act_2));
            }
        }
        let sql = format!(
            "SELECT a.operation_id, a.level, a.code, a.hit FROM activity_codes a JOIN ({}) v \
             ON a.operation_id = v.operation_id AND a.level = v.level AND a.code = v.code",
            select(
                backend,
                &[("operation_id", true), ("level", true), ("code", false)]
            )
        );
        let codes: Vec<(i64, i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(appends::json(&codes)?)
            .fetch_all(&mut **tx)
            .await?;
        let keys: Vec<(i64, &str)> = jobs
            .iter()
            .map(|j| (j.campaign_id, j.input.customer_id.as_str()))
            .collect();
        let sql = format!(
            "SELECT r.id, r.campaign_id, r.customer_id, r.status, r.hit FROM records r JOIN ({}) v \
             ON r.campaign_id = v.campaign_id AND r.customer_id = v.customer_id",
            select(backend, &[("campaign_id", true), ("customer_id", false)])
        );
        let rows: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(appends::json(&keys)?)
            .fetch_all(&mut **tx)
            .await?;
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
        let sql = format!(
            "SELECT COUNT(*) FROM agent_status s JOIN ({}) v \
             ON s.campaign_id = v.campaign_id AND s.customer_id = v.customer_id",
            select(backend, &[("campaign_id", true), ("customer_id", false)])
        );
        let on_calls: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(appends::json(&keys)?)
            .fetch_one(&mut **tx)
            .await?;
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
