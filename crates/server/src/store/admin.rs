//! Operations, tokens, the daily quota, and the configuration an operation
//! runs on (skills, agents, activity codes, campaigns, records, routing points).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use marcador_wire::CampaignType;
use marcador_wire::rows::record_fields::{OPT_COUNT, TEL_COUNT};
use sqlx::Row;

use super::{Caller, Result, Store, StoreError, time_zone};

/// An operation's daily quota today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationQuota {
    pub operation: String,
    pub used: i64,
    pub limit: i64,
}
use crate::domain;

/// How long a resolved token is trusted without asking the database: a
/// revocation (or a change of licenses or time zone) made by another process
/// takes effect within this time; one made through this store, at once.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(1);
/// Tokens kept at most; past it the cache starts over.
const AUTH_CACHE_ENTRIES: usize = 10_000;

/// Tokens resolved recently, by their SHA-256 (never the token itself):
/// without it every request would cost a database round trip before its
/// admission. Only valid tokens are kept.
#[derive(Default)]
pub(super) struct AuthCache {
    entries: Mutex<HashMap<[u8; 32], (Caller, Instant)>>,
}

impl AuthCache {
    fn entries(&self) -> MutexGuard<'_, HashMap<[u8; 32], (Caller, Instant)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, hash: &[u8; 32]) -> Option<Caller> {
        let entries = self.entries();
        let (caller, at) = entries.get(hash)?;
        (at.elapsed() < AUTH_CACHE_TTL).then(|| caller.clone())
    }

    fn put(&self, hash: [u8; 32], caller: &Caller) {
        let mut entries = self.entries();
        if entries.len() >= AUTH_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(hash, (caller.clone(), Instant::now()));
    }

    fn clear(&self) {
        self.entries().clear();
    }
}

/// A token as `token list` shows it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub operation: String,
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub operation_id: i64,
    pub name: String,
    pub description: String,
    pub kind: CampaignType,
    pub started: bool,
    pub speed: i64,
    pub skill_id: Option<i64>,
    pub opt_titles: Vec<String>,
    /// Daily dialing window `(hhiiss, hhiiss)` in the operation's zone; all day if `None`.
    pub window: Option<(String, String)>,
    /// Answering-machine detection's country profile (`""`: none).
    pub amd: String,
}

/// A customer record as the store keeps it: its recall time in Unix seconds.
pub type NewRecord = marcador_wire::upload::Record<Option<i64>>;

/// What the engine needs to know of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignSettings {
    pub id: i64,
    pub kind: CampaignType,
    pub started: bool,
    pub speed: i64,
    pub skill_id: Option<i64>,
    /// Daily window `hhiiss`–`hhiiss` (inclusive) in the operation's zone.
    pub start_time: String,
    pub end_time: String,
    /// Whether answered calls pass answering-machine detection.
    pub amd: bool,
    /// Whether a call whose record names an agent goes to that agent when it
    /// is free (edit_campaign's `routing_recall` = yes turns it off).
    pub route_to_agent: bool,
}

/// An upload this large refreshes the planner's statistics of `records`:
/// PostgreSQL would otherwise plan the dialer's pick on a near-empty table and
/// sort the whole campaign on every tick until autovacuum caught up.
const ANALYZE_AFTER_ROWS: i64 = 1_000;

/// The columns of an uploaded record, in the order [`RecordValues`] writes
/// them (a number: `true`); `campaign_id` and `created_at` are the upload's.
const RECORD_COLUMNS: &[(&str, bool)] = &[
    ("customer_id", false),
    ("customer_name", false),
    ("customer_last_name", false),
    ("id_type", false),
    ("age", false),
    ("gender", false),
    ("country", false),
    ("state", false),
    ("city", false),
    ("zone", false),
    ("address", false),
    ("email", false),
    ("tel1", false),
    ("tel2", false),
    ("tel3", false),
    ("tel4", false),
    ("tel5", false),
    ("tel6", false),
    ("tel7", false),
    ("tel8", false),
    ("tel9", false),
    ("tel10", false),
    ("tel_extra", false),
    ("opt1", false),
    ("opt2", false),
    ("opt3", false),
    ("opt4", false),
    ("opt5", false),
    ("opt6", false),
    ("opt7", false),
    ("opt8", false),
    ("opt9", false),
    ("opt10", false),
    ("opt11", false),
    ("opt12", false),
    ("agent_id", false),
    ("recall_at", true),
    ("recall_telephone", false),
    ("next_phone", true),
];

/// An uploaded record as one JSON array of [`RECORD_COLUMNS`].
struct RecordValues<'a>(&'a NewRecord);

impl serde::Serialize for RecordValues<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let r = self.0;
        let mut seq = s.serialize_seq(Some(RECORD_COLUMNS.len()))?;
        for text in [
            &r.customer_id,
            &r.customer_name,
            &r.customer_last_name,
            &r.id_type,
            &r.age,
            &r.gender,
            &r.country,
            &r.state,
            &r.city,
            &r.zone,
            &r.address,
            &r.email,
        ] {
            seq.serialize_element(text)?;
        }
        for i in 0..TEL_COUNT {
            seq.serialize_element(r.tels.get(i).map_or("", String::as_str))?;
        }
        seq.serialize_element(&r.tel_extra)?;
        for i in 0..OPT_COUNT {
            seq.serialize_element(r.opts.get(i).map_or("", String::as_str))?;
        }
        seq.serialize_element(&r.agent_id)?;
        seq.serialize_element(&r.recall)?;
        seq.serialize_element(&r.recall_telephone)?;
        seq.serialize_element(&i64::from(domain::next_phone_after(&r.tels, 0)))?;
        seq.end()
    }
}

/// The numbers of campaign `$1`'s records past id `$2`, for find_record.
const INSERT_RECORD_PHONES: &str = "INSERT INTO record_phones (telephone, record_id) \
     SELECT t, id FROM (SELECT tel1 AS t, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel2, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel3, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel4, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel5, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel6, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel7, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel8, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel9, id FROM records WHERE campaign_id = $1 AND id > $2 \
     UNION SELECT tel10, id FROM records WHERE campaign_id = $1 AND id > $2) AS p \
     WHERE t <> '' ON CONFLICT DO NOTHING";

/// Sets an operation's count of requests for a day (`$1`, `$2`, `$3`).
pub(super) const SET_QUOTA_USED: &str = "INSERT INTO quota_usage (operation_id, day, used) \
     VALUES ($1, $2, $3) ON CONFLICT (operation_id, day) DO UPDATE SET used = excluded.used";

impl Store {
    pub async fn create_operation(
        &self,
        name: &str,
        tz: &str,
        licenses: i64,
        now: Timestamp,
    ) -> Result<i64> {
        time_zone(tz)?;
        if licenses < 1 {
            return Err(StoreError::Invalid("licenses must be at least 1".into()));
        }
        self.insert_id(
            sqlx::query_scalar(
                "INSERT INTO operations (name, time_zone, licenses, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(name)
            .bind(tz)
            .bind(licenses)
            .bind(now.as_second()),
        )
        .await
    }

    pub async fn operation_id(&self, name: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM operations WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    /// Stores the hash of `token` (or of a new random one) for the operation and
    /// returns the token: the only time it is ever shown.
    pub async fn create_token(
        &self,
        operation_id: i64,
        token: Option<String>,
        now: Timestamp,
    ) -> Result<String> {
        let token = token.unwrap_or_else(domain::generate_token);
        if !domain::token_is_well_formed(&token) {
            return Err(StoreError::Invalid(domain::TOKEN_RULE.into()));
        }
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO tokens (operation_id, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(operation_id)
        .bind(domain::hash_token(&token).as_slice())
        .bind(domain::token_prefix(&token))
        .bind(now.as_second())
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Invalid("that token already exists".into())
            }
            e => e.into(),
        })?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT t.id, o.name, t.prefix, t.created_at, t.revoked_at FROM tokens t \
             JOIN operations o ON o.id = t.operation_id ORDER BY t.id",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get(0)?,
                    operation: r.try_get(1)?,
                    prefix: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    revoked_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Revokes a token by id; false if there is no such active token.
    pub async fn revoke_token(&self, id: i64, now: Timestamp) -> Result<bool> {
        let q =
            sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(now.as_second());
        let revoked = self.execute_one(q).await? == 1;
        // At once in this process; in another, within the cache's TTL.
        self.auth_cache.clear();
        Ok(revoked)
    }

    /// Resolves a presented token to its operation; `None` if unknown or revoked.
    /// A token resolved in the last [`AUTH_CACHE_TTL`] is answered from memory.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Caller>> {
        if !domain::token_is_well_formed(token) {
            return Ok(None);
        }
        let hash = domain::hash_token(token);
        if let Some(caller) = self.auth_cache.get(&hash) {
            return Ok(Some(caller));
        }
        let row = sqlx::query(
            "SELECT t.id, t.token_hash, o.id, o.time_zone, o.licenses, t.prefix FROM tokens t \
             JOIN operations o ON o.id = t.operation_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(hash.as_slice())
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: Vec<u8> = row.try_get(1)?;
        if !domain::token_matches(token, &stored) {
            return Ok(None);
        }
        let tz: String = row.try_get(3)?;
        let caller = Caller {
            token_id: row.try_get(0)?,
            operation_id: row.try_get(2)?,
            tz: time_zone(&tz)?,
            licenses: row.try_get(4)?,
            token_prefix: row.try_get(5)?,
        };
        self.auth_cache.put(hash, &caller);
        Ok(Some(caller))
    }

    /// Requests counted for the operation on `day` (serving alone, what this
    /// process counted too, written or not).
    pub async fn quota_used(&self, operation_id: i64, day: &str) -> Result<i64> {
        if let Some(used) = self.alone.get().and_then(|a| a.used(operation_id, day)) {
            return Ok(used);
        }
        self.quota_used_in_db(operation_id, day).await
    }

    /// Requests counted for the operation on `day`, as the database has them.
    pub(super) async fn quota_used_in_db(&self, operation_id: i64, day: &str) -> Result<i64> {
        Ok(
            sqlx::query_scalar(concat!("SELECT ", quota_used!("$1", "$2")))
                .bind(operation_id)
                .bind(day)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    /// Each operation's quota today, in its own time zone: requests counted
    /// and the limit (licenses × 1,000), by name (`GET /metrics`).
    pub async fn quotas_today(&self, now: Timestamp) -> Result<Vec<OperationQuota>> {
        let rows = sqlx::query("SELECT id, name, time_zone, licenses FROM operations ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (id, tz): (i64, String) = (r.try_get("id")?, r.try_get("time_zone")?);
            let licenses: i64 = r.try_get("licenses")?;
            let day = domain::local_day(now, &time_zone(&tz)?);
            out.push(OperationQuota {
                operation: r.try_get("name")?,
                used: self.quota_used(id, &day).await?,
                limit: licenses
                    .saturating_mul(marcador_wire::limits::DAILY_REQUESTS_PER_LICENSE as i64),
            });
        }
        Ok(out)
    }

    /// Sets the count for a day (administration and tests); serving a SQLite
    /// file alone, here and in memory at once (`alone`).
    pub async fn set_quota_used(&self, operation_id: i64, day: &str, used: i64) -> Result<()> {
        if let Some(alone) = self.alone.get() {
            return alone.set_used(&self.writer, operation_id, day, used).await;
        }
        let mut tx = self.write_tx().await?;
        sqlx::query(SET_QUOTA_USED)
            .bind(operation_id)
            .bind(day)
            .bind(used)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_skill(&self, operation_id: i64, name: &str) -> Result<i64> {
        self.insert_id(
            sqlx::query_scalar(
                "INSERT INTO skills (operation_id, name) VALUES ($1, $2) RETURNING id",
            )
            .bind(operation_id)
            .bind(name),
        )
        .await
    }

    /// Creates or replaces an activity code (`level` 1 = cod_act, 2 = cod_act_2).
    pub async fn put_activity_code(
        &self,
        operation_id: i64,
        level: i64,
        code: &str,
        description: &str,
        hit: bool,
        rpc: bool,
    ) -> Result<()> {
        let q = sqlx::query(
            "INSERT INTO activity_codes (operation_id, level, code, description, hit, rpc) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (operation_id, level, code) \
             DO UPDATE SET description = excluded.description, hit = excluded.hit, rpc = excluded.rpc",
        )
        .bind(operation_id)
        .bind(level)
        .bind(code)
        .bind(description)
        .bind(i64::from(hit))
        .bind(i64::from(rpc));
        self.execute_one(q).await?;
        Ok(())
    }

    pub async fn create_campaign(&self, c: &NewCampaign, now: Timestamp) -> Result<i64> {
        if !(0..=100).contains(&c.speed) {
            return Err(StoreError::Invalid("speed is 0 to 100".into()));
        }
        let titles =
            serde_json::to_string(&c.opt_titles).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self.write_tx().await?;
        let id = sqlx::query_scalar(
            "INSERT INTO campaigns (operation_id, name, description, type, status, speed, skill_id, opt_titles, created_at, \
             start_time, end_time, amd) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(c.operation_id)
        .bind(&c.name)
        .bind(&c.description)
        .bind(c.kind.as_str())
        .bind(if c.started { "started" } else { "stopped" })
        .bind(c.speed)
        .bind(c.skill_id)
        .bind(titles)
        .bind(now.as_second())
        .bind(c.window.as_ref().map_or("000000", |w| w.0.as_str()))
        .bind(c.window.as_ref().map_or("235959", |w| w.1.as_str()))
        .bind(&c.amd)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO campaign_phones (campaign_id, phone) VALUES ($1, 1), ($1, 2), ($1, 3), \
             ($1, 4), ($1, 5), ($1, 6), ($1, 7), ($1, 8), ($1, 9), ($1, 10)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn create_routing_point(&self, operation_id: i64, name: &str) -> Result<i64> {
        self.insert_id(
            sqlx::query_scalar(
                "INSERT INTO routing_points (operation_id, name) VALUES ($1, $2) RETURNING id",
            )
            .bind(operation_id)
            .bind(name),
        )
        .await
    }

    /// Inserts records into a campaign in one transaction (all or none), keeping
    /// the campaign's `records`/`clean` counters and per-phone counts current.
    pub async fn insert_records(
        &self,
        campaign_id: i64,
        records: &[NewRecord],
        now: Timestamp,
    ) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        // Ids are given in order and only this writer inserts records: the
        // upload's records are those past the largest id now.
        let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM records")
            .fetch_one(&mut *tx)
            .await?;
        let mut with_phone = [0i64; TEL_COUNT];
        for r in records {
            if r.tels.len() > TEL_COUNT || r.opts.len() > OPT_COUNT {
                return Err(StoreError::Invalid(format!(
                    "customer_id {}: at most {TEL_COUNT} phones and {OPT_COUNT} opts",
                    r.customer_id
                )));
            }
            for (i, n) in with_phone.iter_mut().enumerate() {
                if r.tels.get(i).is_some_and(|t| !t.is_empty()) {
                    *n += 1;
                }
            }
        }
        // A customer already in the campaign, or twice in the upload: the
        // first in the upload's order is named, and nothing is written.
        let ids: Vec<[&str; 1]> = records.iter().map(|r| [r.customer_id.as_str()]).collect();
        let existing: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT customer_id FROM records WHERE campaign_id = $2 \
             AND customer_id IN (SELECT value->>0 FROM {})",
            super::rowset::json_table(self.backend, "$1", ids.len())
        )))
        .bind(super::rowset::json(&ids)?)
        .bind(campaign_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut seen: std::collections::HashSet<&str> =
            existing.iter().map(String::as_str).collect();
        if let Some(r) = records.iter().find(|r| !seen.insert(&r.customer_id)) {
            return Err(StoreError::Invalid(format!(
                "customer_id {} is already in the campaign",
                r.customer_id
            )));
        }
        let names: Vec<&str> = RECORD_COLUMNS.iter().map(|(n, _)| *n).collect();
        // In the upload's order: records are dialed in id order.
        for chunk in records.chunks(super::rowset::CHUNK) {
            let insert = format!(
                "INSERT INTO records (campaign_id, created_at, {}) \
                 SELECT CAST($2 AS BIGINT), CAST($3 AS BIGINT), {} FROM ({}) v ORDER BY v.key",
                names.join(", "),
                names.join(", "),
                super::rowset::select_keyed(self.backend, RECORD_COLUMNS, chunk.len()),
            );
            let rows: Vec<RecordValues> = chunk.iter().map(RecordValues).collect();
            sqlx::query(sqlx::AssertSqlSafe(insert))
                .bind(super::rowset::json(&rows)?)
                .bind(campaign_id)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                        StoreError::Invalid(format!("campaign {campaign_id} does not exist"))
                    }
                    e => e.into(),
                })?;
        }
        sqlx::query(INSERT_RECORD_PHONES)
            .bind(campaign_id)
            .bind(before)
            .execute(&mut *tx)
            .await?;
        let n = records.len() as i64;
        sqlx::query(
            "UPDATE campaigns SET records = records + $2, clean = clean + $2 WHERE id = $1",
        )
        .bind(campaign_id)
        .bind(n)
        .execute(&mut *tx)
        .await?;
        for (i, count) in with_phone.iter().enumerate() {
            if *count > 0 {
                sqlx::query(
                    "UPDATE campaign_phones SET with_phone = with_phone + $3 WHERE campaign_id = $1 AND phone = $2",
                )
                .bind(campaign_id)
                .bind(i as i64 + 1)
                .bind(count)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        if n >= ANALYZE_AFTER_ROWS {
            self.analyze(&["records"]).await?;
        }
        Ok(n as u64)
    }

    /// Record ids of a campaign with their phones, in id order (for the demo and the engine).
    pub async fn campaign_record_phones(
        &self,
        campaign_id: i64,
    ) -> Result<Vec<(i64, String, Vec<String>)>> {
        let rows = sqlx::query(
            "SELECT id, customer_id, tel1, tel2, tel3, tel4, tel5, tel6, tel7, tel8, tel9, tel10 \
             FROM records WHERE campaign_id = $1 ORDER BY id",
        )
        .bind(campaign_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let tels = (2..2 + TEL_COUNT)
                    .map(|i| r.try_get::<String, _>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((r.try_get(0)?, r.try_get(1)?, tels))
            })
            .collect()
    }

    /// Every campaign of the operation with what the dialer needs, in id order.
    pub async fn campaign_settings(&self, operation_id: i64) -> Result<Vec<CampaignSettings>> {
        let rows = sqlx::query(
            "SELECT id, type, status, speed, skill_id, start_time, end_time, amd, routing_recall FROM campaigns \
             WHERE operation_id = $1 ORDER BY id",
        )
        .bind(operation_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(1)?;
                Ok(CampaignSettings {
                    id: r.try_get(0)?,
                    kind: CampaignType::parse(&kind)
                        .ok_or_else(|| StoreError::Invalid(format!("campaign type {kind:?}")))?,
                    started: r.try_get::<String, _>(2)? == "started",
                    speed: r.try_get(3)?,
                    skill_id: r.try_get(4)?,
                    start_time: r.try_get(5)?,
                    end_time: r.try_get(6)?,
                    amd: !r.try_get::<String, _>(7)?.is_empty(),
                    route_to_agent: r.try_get::<i64, _>(8)? == 0,
                })
            })
            .collect()
    }

    /// Starts or stops a campaign of the operation; false if it is not there.
    pub async fn set_campaign_started(
        &self,
        operation_id: i64,
        id: i64,
        started: bool,
    ) -> Result<bool> {
        let q = sqlx::query("UPDATE campaigns SET status = $3 WHERE id = $1 AND operation_id = $2")
            .bind(id)
            .bind(operation_id)
            .bind(if started { "started" } else { "stopped" });
        Ok(self.execute_one(q).await? == 1)
    }

    /// Activity codes of a level with their hit flag, in code order.
    pub async fn activity_codes(
        &self,
        operation_id: i64,
        level: i64,
    ) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT code, hit FROM activity_codes WHERE operation_id = $1 AND level = $2 ORDER BY code",
        )
        .bind(operation_id)
        .bind(level)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(c, hit)| (c, hit != 0)).collect())
    }

    pub async fn skill_id(&self, operation_id: i64, name: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM skills WHERE operation_id = $1 AND name = $2 ORDER BY id LIMIT 1",
        )
        .bind(operation_id)
        .bind(name)
        .fetch_optional(&self.reader)
        .await?)
    }

    pub async fn routing_point_id(&self, operation_id: i64, name: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM routing_points WHERE operation_id = $1 AND name = $2 ORDER BY id LIMIT 1",
        )
        .bind(operation_id)
        .bind(name)
        .fetch_optional(&self.reader)
        .await?)
    }
}
