//! Campaign management behind the companion endpoints: speed, recycling
//! (recall_records), the do-not-call list, and the information.php reads
//! (plain data: `api/information.rs` makes the rows).

use std::collections::HashSet;
use std::sync::LazyLock;

use jiff::tz::TimeZone;
use marcador_wire::{CallResult, CampaignType};
use sqlx::Row;

use super::{Result, Store, StoreError};

/// A campaign as information.php describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignInfo {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub kind: CampaignType,
    pub started: bool,
    pub records: i64,
    pub speed: i64,
    /// The highest phone column dialed this cycle.
    pub current_phone: i64,
    pub recycled: i64,
    pub skill_id: Option<i64>,
    /// Its last dial attempt (Unix s).
    pub last_use: Option<i64>,
    /// edit_campaign's turbo_dial flag.
    pub turbo_dial: bool,
}

/// An activity code of the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCode {
    pub code: String,
    pub description: String,
    pub hit: bool,
    pub rpc: bool,
    /// 1 = cod_act, 2 = cod_act_2.
    pub level: i64,
}

/// Which records `recall_records` sends back to dialing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecallFilter {
    /// Records whose last machine result is one of these (codified records excluded).
    Machine(Vec<CallResult>),
    /// Records codified with this activity code (level 1 or 2).
    Code { level: u8, code: String },
}

/// Which records remove_record / clear_campaign take out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveSel {
    /// These customers (every one must be in the campaign).
    Customers(Vec<String>),
    /// Every record.
    All,
    /// Records whose last result is one of these.
    Results(Vec<CallResult>),
}

/// What a set of records contributes to its campaign's counters: count, not
/// clean, the four result buckets, hits (column indices 0–6).
const STATE_SUMS: &str = "COUNT(*), COUNT(CASE WHEN status != 'clean' THEN 1 END), \
     COUNT(CASE WHEN last_result IN ('answer', 'abandon') THEN 1 END), \
     COUNT(CASE WHEN last_result = 'no answer' THEN 1 END), \
     COUNT(CASE WHEN last_result IN ('busy', 'congestion', 'failed', 'chanunavail') THEN 1 END), \
     COUNT(CASE WHEN last_result = 'answer machine' THEN 1 END), COUNT(CASE WHEN hit != 0 THEN 1 END)";

/// The first phone column holding a number (the start of the phone walk).
const FIRST_PHONE: &str = "CASE WHEN tel1 != '' THEN 1 WHEN tel2 != '' THEN 2 WHEN tel3 != '' THEN 3 \
     WHEN tel4 != '' THEN 4 WHEN tel5 != '' THEN 5 WHEN tel6 != '' THEN 6 WHEN tel7 != '' THEN 7 \
     WHEN tel8 != '' THEN 8 WHEN tel9 != '' THEN 9 WHEN tel10 != '' THEN 10 ELSE 0 END";

impl Store {
    pub async fn skill_exists(&self, operation_id: i64, skill_id: i64) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM skills WHERE id = $1 AND operation_id = $2")
                .bind(skill_id)
                .bind(operation_id)
                .fetch_one(&self.reader)
                .await?;
        Ok(n == 1)
    }

    /// Which of `customer_ids` the campaign already holds.
    pub async fn existing_customers(
        &self,
        campaign_id: i64,
        customer_ids: &[String],
    ) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for chunk in customer_ids.chunks(500) {
            let json =
                serde_json::to_string(chunk).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT customer_id FROM records WHERE campaign_id = $1 AND customer_id IN ({})",
                self.backend.json_strings("$2")
            )))
            .bind(campaign_id)
            .bind(json)
            .fetch_all(&self.reader)
            .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Sets a campaign's speed (0–100); false if the campaign is not the operation's.
    pub async fn set_speed(&self, operation_id: i64, id: i64, speed: i64) -> Result<bool> {
        let q = sqlx::query("UPDATE campaigns SET speed = $3 WHERE id = $1 AND operation_id = $2")
            .bind(id)
            .bind(operation_id)
            .bind(speed.clamp(0, 100));
        Ok(self.execute_one(q).await? == 1)
    }

    /// Sends matching records back to `clean` for a new cycle: the campaign's
    /// `recycled` count and cycle move on, its counters follow the records.
    /// Returns how many records were recalled.
    pub async fn recall_records(&self, campaign_id: i64, filter: &RecallFilter) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let (cond, arg) = match filter {
            RecallFilter::Machine(results) => (
                format!(
                    "removed_at IS NULL AND status IN ('dialed', 'clean') AND last_result IN ({})",
                    self.backend.json_strings("$2")
                ),
                serde_json::to_string(&results.iter().map(|r| r.as_str()).collect::<Vec<_>>())
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
            ),
            RecallFilter::Code { level: 2, code } => (
                "removed_at IS NULL AND status != 'dialing' AND cod_act_2 = $2".to_owned(),
                code.clone(),
            ),
            RecallFilter::Code { code, .. } => (
                "removed_at IS NULL AND status != 'dialing' AND cod_act = $2".to_owned(),
                code.clone(),
            ),
        };
        // Counter changes of the matching records, before they change.
        let sums = format!("SELECT {STATE_SUMS} FROM records WHERE campaign_id = $1 AND {cond}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sums))
            .bind(campaign_id)
            .bind(&arg)
            .fetch_one(&mut *tx)
            .await?;
        let n: i64 = row.try_get(0)?;
        if n == 0 {
            return Ok(0);
        }
        let v = |i: usize| -> Result<i64> { Ok(row.try_get::<i64, _>(i)?) };
        let update = format!(
            "UPDATE records SET status = 'clean', last_result = NULL, phones_dialed = 0, \
             next_phone = {FIRST_PHONE}, cod_act = '', cod_act_2 = '', comment = '', codified_at = NULL, hit = 0 \
             WHERE campaign_id = $1 AND {cond}"
        );
        sqlx::query(sqlx::AssertSqlSafe(update))
            .bind(campaign_id)
            .bind(&arg)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE campaigns SET clean = clean + $2, dial = dial - $2, answer = answer - $3, \
             no_answer = no_answer - $4, busy_congestion_failed = busy_congestion_failed - $5, \
             answer_machine = answer_machine - $6, hits = hits - $7, recycled = recycled + 1, \
             cycle = cycle + 1, current_phone = 1 WHERE id = $1",
        )
        .bind(campaign_id)
        .bind(v(1)?)
        .bind(v(2)?)
        .bind(v(3)?)
        .bind(v(4)?)
        .bind(v(5)?)
        .bind(v(6)?)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE campaign_phones SET dialed = 0 WHERE campaign_id = $1")
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n as u64)
    }

    /// Blocks numbers for the operation until `until` (a later block wins).
    pub async fn add_dnc(&self, operation_id: i64, entries: &[(String, i64)]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (telephone, until) in entries {
            sqlx::query(
                "INSERT INTO dnc (operation_id, telephone, blocked_until) VALUES ($1, $2, $3) \
                 ON CONFLICT (operation_id, telephone) DO UPDATE \
                 SET blocked_until = CASE WHEN dnc.blocked_until > excluded.blocked_until \
                 THEN dnc.blocked_until ELSE excluded.blocked_until END",
            )
            .bind(operation_id)
            .bind(telephone)
            .bind(until)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether `telephone` is on the operation's do-not-call list at `now` (Unix s).
    pub async fn number_blocked(
        &self,
        operation_id: i64,
        telephone: &str,
        now: i64,
    ) -> Result<bool> {
        let hit: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM dnc WHERE operation_id = $1 AND telephone = $2 AND blocked_until > $3",
        )
        .bind(operation_id)
        .bind(telephone)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        Ok(hit.is_some())
    }

    /// The do-not-call numbers still blocked at `now` (Unix s), with the
    /// time each leaves the list, by number; at most `cap + 1` of them.
    pub async fn dnc_list(
        &self,
        operation_id: i64,
        now: i64,
        cap: u64,
    ) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT telephone, blocked_until FROM dnc WHERE operation_id = $1 AND blocked_until > $2 \
             ORDER BY telephone LIMIT $3",
        )
        .bind(operation_id)
        .bind(now)
        .bind(cap as i64 + 1)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Recalls still to come after `now` (Unix s), soonest first: (when,
    /// number, campaign, agent, how it was made); at most `cap + 1` of them.
    pub async fn recalls(
        &self,
        operation_id: i64,
        now: i64,
        cap: u64,
    ) -> Result<Vec<(i64, String, i64, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT r.recall_at, CASE WHEN r.recall_telephone <> '' THEN r.recall_telephone ELSE r.tel1 END, \
             r.campaign_id, r.agent_id, r.recall_style FROM records r JOIN campaigns c ON c.id = r.campaign_id \
             WHERE r.recall_at > $2 AND c.operation_id = $1 AND r.status <> 'codified' \
             ORDER BY r.recall_at, r.id LIMIT $3",
        )
        .bind(operation_id)
        .bind(now)
        .bind(cap as i64 + 1)
        .fetch_all(&self.reader)
        .await?)
    }

    /// The operation's calling profile name and time zone.
    pub async fn operation_calling(&self, operation_id: i64) -> Result<(String, TimeZone)> {
        let row = sqlx::query("SELECT calling_profile, time_zone FROM operations WHERE id = $1")
            .bind(operation_id)
            .fetch_one(&self.reader)
            .await?;
        Ok((
            row.try_get(0)?,
            super::time_zone(&row.try_get::<String, _>(1)?)?,
        ))
    }

    pub async fn set_calling_profile(&self, operation_id: i64, profile: &str) -> Result<()> {
        let q = sqlx::query("UPDATE operations SET calling_profile = $2 WHERE id = $1")
            .bind(operation_id)
            .bind(profile);
        self.execute_one(q).await?;
        Ok(())
    }

    /// The operation's campaigns (or one), for information.php.
    pub async fn campaign_infos(
        &self,
        operation_id: i64,
        only: Option<i64>,
    ) -> Result<Vec<CampaignInfo>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.description, c.type, c.status, c.records, c.speed, c.current_phone, \
             c.recycled, c.skill_id, c.turbo_dial, \
             (SELECT MAX(a.started_at) FROM dial_attempts a WHERE a.operation_id = c.operation_id \
              AND a.campaign_id = c.id) AS last_use \
             FROM campaigns c WHERE c.operation_id = $1 AND ($2 IS NULL OR c.id = $2) ORDER BY c.id",
        )
        .bind(operation_id)
        .bind(only)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("type")?;
                Ok(CampaignInfo {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    kind: CampaignType::parse(&kind)
                        .ok_or_else(|| StoreError::Invalid(format!("campaign type {kind:?}")))?,
                    started: r.try_get::<String, _>("status")? == "started",
                    records: r.try_get("records")?,
                    speed: r.try_get("speed")?,
                    current_phone: r.try_get("current_phone")?,
                    recycled: r.try_get("recycled")?,
                    skill_id: r.try_get("skill_id")?,
                    last_use: r.try_get("last_use")?,
                    turbo_dial: r.try_get::<i64, _>("turbo_dial")? != 0,
                })
            })
            .collect()
    }

    /// The operation's skills (or one): (id, name, description).
    pub async fn skill_infos(
        &self,
        operation_id: i64,
        only: Option<i64>,
    ) -> Result<Vec<(i64, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, name, description FROM skills WHERE operation_id = $1 AND ($2 IS NULL OR id = $2) ORDER BY id",
        )
        .bind(operation_id)
        .bind(only)
        .fetch_all(&self.reader)
        .await?)
    }

    /// The operation's routing points (or one): (id, name, last IVR step's time).
    pub async fn routing_point_infos(
        &self,
        operation_id: i64,
        only: Option<i64>,
    ) -> Result<Vec<(i64, String, Option<i64>)>> {
        Ok(sqlx::query_as(
            "SELECT p.id, p.name, (SELECT MAX(s.entered_at) FROM ivr_steps s WHERE s.operation_id = p.operation_id \
             AND s.rp_id = p.id AND s.entered_at > 0) AS last_use \
             FROM routing_points p WHERE p.operation_id = $1 AND ($2 IS NULL OR p.id = $2) ORDER BY p.id",
        )
        .bind(operation_id)
        .bind(only)
        .fetch_all(&self.reader)
        .await?)
    }

    /// The operation's activity codes (or those with one code), by level then code.
    pub async fn activity_code_infos(
        &self,
        operation_id: i64,
        only: Option<&str>,
    ) -> Result<Vec<ActivityCode>> {
        let rows: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT code, description, hit, rpc, level FROM activity_codes \
             WHERE operation_id = $1 AND ($2 IS NULL OR code = $2) ORDER BY level, code",
        )
        .bind(operation_id)
        .bind(only)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, description, hit, rpc, level)| ActivityCode {
                code,
                description,
                hit: hit != 0,
                rpc: rpc != 0,
                level,
            })
            .collect())
    }

    /// The operation's name (token_info describes the token by it).
    pub async fn operation_name(&self, operation_id: i64) -> Result<String> {
        Ok(
            sqlx::query_scalar("SELECT name FROM operations WHERE id = $1")
                .bind(operation_id)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    /// Removes records from a campaign in one transaction: their unanswered
    /// attempts leave the reports, answered ones stay; the counters follow.
    /// `Err(customer)` names a customer that is not in the campaign (nothing changed).
    pub async fn remove_records(
        &self,
        campaign_id: i64,
        sel: &RemoveSel,
        now: i64,
    ) -> Result<std::result::Result<u64, String>> {
        let mut tx = self.write_tx().await?;
        let (cond, arg) = match sel {
            RemoveSel::Customers(ids) => (
                format!("customer_id IN ({})", self.backend.json_strings("$2")),
                serde_json::to_string(ids).map_err(|e| StoreError::Invalid(e.to_string()))?,
            ),
            RemoveSel::All => ("$2 = $2".to_owned(), String::new()),
            RemoveSel::Results(results) => (
                format!("last_result IN ({})", self.backend.json_strings("$2")),
                serde_json::to_string(&results.iter().map(|r| r.as_str()).collect::<Vec<_>>())
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
            ),
        };
        let cond = format!("campaign_id = $1 AND removed_at IS NULL AND {cond}");
        if let RemoveSel::Customers(ids) = sel {
            let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT customer_id FROM records WHERE {cond}"
            )))
            .bind(campaign_id)
            .bind(&arg)
            .fetch_all(&mut *tx)
            .await?;
            if let Some(missing) = ids.iter().find(|c| !found.contains(c)) {
                return Ok(Err(missing.clone()));
            }
        }
        let mut sums = format!("SELECT {STATE_SUMS}");
        for n in 1..=10 {
            sums.push_str(&format!(", COUNT(CASE WHEN tel{n} != '' THEN 1 END)"));
        }
        sums.push_str(&format!(" FROM records WHERE {cond}"));
        let row = sqlx::query(sqlx::AssertSqlSafe(sums))
            .bind(campaign_id)
            .bind(&arg)
            .fetch_one(&mut *tx)
            .await?;
        let v = |i: usize| -> Result<i64> { Ok(row.try_get::<i64, _>(i)?) };
        let n = v(0)?;
        if n > 0 {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM dial_attempts WHERE result != 'answer' \
                 AND record_id IN (SELECT id FROM records WHERE {cond})"
            )))
            .bind(campaign_id)
            .bind(&arg)
            .execute(&mut *tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE records SET removed_at = {now}, removed_customer_id = customer_id, \
                 customer_id = customer_id || {sep} || id, next_phone = 0 WHERE {cond}",
                sep = self.backend.unit_separator()
            )))
            .bind(campaign_id)
            .bind(&arg)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE campaigns SET records = records - $2, clean = clean - $3, dial = dial - $4, \
                 answer = answer - $5, no_answer = no_answer - $6, \
                 busy_congestion_failed = busy_congestion_failed - $7, \
                 answer_machine = answer_machine - $8, hits = hits - $9 WHERE id = $1",
            )
            .bind(campaign_id)
            .bind(n)
            .bind(n - v(1)?)
            .bind(v(1)?)
            .bind(v(2)?)
            .bind(v(3)?)
            .bind(v(4)?)
            .bind(v(5)?)
            .bind(v(6)?)
            .execute(&mut *tx)
            .await?;
            for phone in 1..=10usize {
                sqlx::query(
                    "UPDATE campaign_phones SET with_phone = \
                     CASE WHEN with_phone > $3 THEN with_phone - $3 ELSE 0 END \
                     WHERE campaign_id = $1 AND phone = $2",
                )
                .bind(campaign_id)
                .bind(phone as i64)
                .bind(v(6 + phone)?)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(n as u64))
    }
}

/// An audit entry of an operation, waiting for its group.
pub(super) struct Audit(i64, AuditEntry);

impl super::group::Write for Audit {
    type Answer = ();
}

/// Audit entries written in one statement, at most.
const AUDITS_PER_GROUP: usize = 1_000;

pub(super) const AUDIT_LOG: super::rowset::Table = super::rowset::Table {
    name: "audit_log",
    columns: &[
        ("operation_id", true),
        ("at", true),
        ("ip", false),
        ("actor", false),
        ("action", false),
        ("workstation", false),
    ],
    tail: "",
};

/// A change made through the API, for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub ip: String,
    /// Who made it: the token's prefix (or the demo).
    pub actor: String,
    pub action: String,
    /// The client's name (its User-Agent).
    pub workstation: String,
}

impl Store {
    /// Appends a change to the operation's audit log: with the changes
    /// that arrive meanwhile, in one statement (group commit, `group.rs`),
    /// answered once committed.
    pub async fn audit(&self, operation_id: i64, e: &AuditEntry) -> Result<()> {
        let store = self.clone();
        self.audits
            .submit(Audit(operation_id, e.clone()), move || async move {
                store
                    .audits
                    .lead(AUDITS_PER_GROUP, |taken| store.write_audits(taken))
                    .await
            })
            .await
    }

    async fn write_audits(&self, taken: super::group::Taken<Audit>) {
        let rows: Vec<_> = taken
            .iter()
            .map(|(Audit(op, e), _)| (op, e.at, &e.ip, &e.actor, &e.action, &e.workstation))
            .collect();
        let written = async {
            let tx = self.append_tx().await?;
            let mut writes = super::rowset::Writes::new(self.backend);
            writes.insert(&AUDIT_LOG, &rows)?;
            tx.commit_with(writes).await?;
            Ok::<_, StoreError>(())
        }
        .await;
        let failed = written.err().map(|e| e.to_string());
        for (_, answer) in taken {
            let _ = answer.send(match &failed {
                None => Ok(()),
                Some(e) => Err(StoreError::Invalid(format!("the audit log: {e}"))),
            });
        }
    }

    /// The changes made in `[from, to]`, oldest first; at most `cap + 1`.
    pub async fn audit_log(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        cap: u64,
    ) -> Result<Vec<AuditEntry>> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT at, ip, actor, action, workstation FROM audit_log \
             WHERE operation_id = $1 AND at BETWEEN $2 AND $3 ORDER BY at, id LIMIT $4",
        )
        .bind(operation_id)
        .bind(from)
        .bind(to)
        .bind(i64::try_from(cap).unwrap_or(i64::MAX - 1) + 1)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, ip, actor, action, workstation)| AuditEntry {
                at,
                ip,
                actor,
                action,
                workstation,
            })
            .collect())
    }

    /// The last time a number was reached by a person since `since` (Unix s):
    /// its latest answered attempt, in any campaign of the operation, unless
    /// the number or that record's customer was released from Ley 2300.
    pub async fn last_contact(
        &self,
        operation_id: i64,
        telephone: &str,
        since: i64,
    ) -> Result<Option<i64>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT MAX(a.started_at) FROM record_phones p JOIN records r ON r.id = p.record_id \
                 JOIN campaigns c ON c.id = r.campaign_id \
                 JOIN dial_attempts a ON a.record_id = r.id AND a.telephone = p.telephone \
                 WHERE p.telephone = $2 AND c.operation_id = $1 AND a.result = $3 AND a.started_at >= $4 \
                 AND NOT {}",
                super::law2300::released_sql("$1", "p.telephone", "r.customer_id")
            )
        });
        Ok(sqlx::query_scalar(SQL.as_str())
            .bind(operation_id)
            .bind(telephone)
            .bind(CallResult::Answer.as_str())
            .bind(since)
            .fetch_one(&self.reader)
            .await?)
    }
}
