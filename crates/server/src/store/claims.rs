//! Picking records to dial: which of a campaign's records the dialer takes
//! next, and taking them (`dialing`) so nobody takes them twice.
//!
//! A pick reads due recalls first, then the campaign's order (phone column by
//! phone column, then upload order), skipping what the campaign may not dial
//! now: blocked numbers, customers already reached today under Ley 2300, the
//! campaign's filter, records of another preview agent. The engine's picks of
//! a tick run inside the tick's transaction, after its facts are written
//! (`Store::record_engine_tick`): a pick sees every result written so far.
//! [`Picks`] remembers what a transaction took; the records and the counters
//! are written once, at its end.

use std::collections::{BTreeMap, HashMap};

use sqlx::{Any, Transaction};

use super::facts::{CounterDelta, parse_status, tel_columns, write_counters};
use super::filter::{RecordFilter, bind_filter};
use super::rowset::{self, Writes};
use super::{Backend, Result, Store, StoreError};

/// A record picked for dialing: the phone to dial is the record's `next_phone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub record_id: i64,
    pub customer_id: String,
    pub phone: u8,
    pub telephone: String,
    pub agent_id: String,
}

/// Rules a pick obeys beyond the record's own state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimRules {
    /// Skip customers already reached by a person on this local day (`YYYY-mm-dd`).
    pub one_contact_per_day: Option<String>,
    /// Preview: the agent the record is offered to. Records assigned to this
    /// agent come first; records assigned to another agent are skipped.
    pub agent: Option<String>,
    /// Only while this process holds the campaign's dialing lease (checked in
    /// the pick's own transaction, so two processes never dial one campaign).
    pub leased: bool,
}

/// One pick a tick asks for: up to `n` records of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimAsk {
    pub campaign_id: i64,
    pub n: u32,
    pub rules: ClaimRules,
    /// Only if the ask at this index (an earlier one) was made and took
    /// nothing: a preview agent offered the next campaign's record when the
    /// one before had none.
    pub unless: Option<usize>,
}

/// The number a record `r` dials next (`r.next_phone`'s column).
macro_rules! next_phone {
    () => {
        "CASE r.next_phone WHEN 1 THEN r.tel1 WHEN 2 THEN r.tel2 WHEN 3 THEN r.tel3 WHEN 4 THEN r.tel4 \
         WHEN 5 THEN r.tel5 WHEN 6 THEN r.tel6 WHEN 7 THEN r.tel7 WHEN 8 THEN r.tel8 WHEN 9 THEN r.tel9 \
         ELSE r.tel10 END"
    };
}

/// A picked row as the pick's JSON gives it: (pass, mine, key, id, status,
/// next phone, customer id, agent id, the ten phones).
type PickRow = (i64, i64, i64, i64, String, i64, String, String, Vec<String>);

/// What one transaction's picks took: each campaign's records (excluded from
/// its later picks) and counters, written by [`Picks::write`].
#[derive(Debug, Default)]
pub(super) struct Picks {
    taken: HashMap<i64, Vec<[i64; 1]>>,
    deltas: BTreeMap<i64, CounterDelta>,
}

impl Picks {
    /// The campaigns' filters (`campaign_filter`) as one JSON text of
    /// `[id, filter]` pairs, for the campaigns of the JSON array at `param`.
    pub(super) fn filters_sql(backend: Backend, param: &str, n: usize) -> String {
        backend.json_rows(
            "id, filter",
            &format!(
                "SELECT c.id, c.filter FROM campaigns c \
                 WHERE c.id IN (SELECT CAST(value->>0 AS BIGINT) FROM {})",
                rowset::json_table(backend, param, n)
            ),
        )
    }

    /// The asks' answers in order, each made inside `tx` (its filter in
    /// `filters`, by campaign; none: no filter).
    pub(super) async fn ask_all(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        backend: Backend,
        process_id: &str,
        asks: &[ClaimAsk],
        filters: &HashMap<i64, String>,
        now: i64,
    ) -> Result<Vec<Vec<Claim>>> {
        let mut answers: Vec<Option<Vec<Claim>>> = Vec::with_capacity(asks.len());
        for ask in asks {
            let made = match ask.unless {
                None => true,
                Some(i) => answers
                    .get(i)
                    .and_then(Option::as_ref)
                    .is_some_and(Vec::is_empty),
            };
            answers.push(if made {
                let filter = filters.get(&ask.campaign_id).map(String::as_str);
                Some(self.pick(tx, backend, process_id, filter, ask, now).await?)
            } else {
                None
            });
        }
        Ok(answers.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Picks up to `ask.n` records (none already taken in this transaction).
    pub(super) async fn pick(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        backend: Backend,
        process_id: &str,
        filter: Option<&str>,
        ask: &ClaimAsk,
        now: i64,
    ) -> Result<Vec<Claim>> {
        let n = ask.n as usize;
        if n == 0 {
            return Ok(Vec::new());
        }
        let filter: Option<RecordFilter> = filter
            .filter(|f| !f.is_empty())
            .and_then(|f| serde_json::from_str(f).ok());
        let (filter_sql, filter_binds) =
            filter.map_or_else(Default::default, |f| f.sql(backend, 8));
        let taken = self.taken.entry(ask.campaign_id).or_default();
        let sql = pick_sql(backend, &ask.rules, &filter_sql, taken.len());
        let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(ask.campaign_id)
            .bind(now)
            .bind(i64::from(ask.n))
            .bind(ask.rules.one_contact_per_day.as_deref().unwrap_or(""))
            .bind(ask.rules.agent.as_deref().unwrap_or(""))
            .bind(process_id)
            .bind(rowset::json(taken)?);
        let text: String = bind_filter!(q, &filter_binds).fetch_one(&mut **tx).await?;
        let mut rows: Vec<PickRow> = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("a pick as JSON: {e}")))?;
        // Due recalls first, the agent's own first within each, then the
        // range's order; a due recall is in the second range too.
        rows.sort_by_key(|r| (r.0, -r.1, r.2, r.3));
        let delta = self.deltas.entry(ask.campaign_id).or_default();
        let mut claims = Vec::with_capacity(n);
        let first_taken = taken.len();
        for (_, _, _, id, status, next_phone, customer_id, agent_id, tels) in rows {
            if claims.len() >= n || taken[first_taken..].contains(&[id]) {
                continue;
            }
            if parse_status(&status)?.counts_as_clean() {
                delta.clean -= 1;
                delta.dial += 1;
            }
            let phone = u8::try_from(next_phone).unwrap_or(1);
            delta.phone = delta.phone.max(i64::from(phone));
            taken.push([id]);
            claims.push(Claim {
                record_id: id,
                customer_id,
                phone,
                telephone: tels
                    .get(usize::from(phone).saturating_sub(1))
                    .cloned()
                    .unwrap_or_default(),
                agent_id,
            });
        }
        Ok(claims)
    }

    /// Queues taking what was picked (`dialing`) and its counters.
    pub(super) fn write(self, writes: &mut Writes) -> Result<()> {
        let backend = writes.backend();
        let taken: Vec<[i64; 1]> = self.taken.into_values().flatten().collect();
        writes.rows(&taken, |param, n| {
            format!(
                "UPDATE records SET status = 'dialing' WHERE id IN \
                 (SELECT CAST(value->>0 AS BIGINT) FROM {})",
                rowset::json_table(backend, param, n)
            )
        })?;
        let deltas: Vec<(i64, CounterDelta)> = self.deltas.into_iter().collect();
        write_counters(writes, &deltas)
    }
}

/// The pick: `$1` campaign, `$2` now, `$3` how many, `$4` the local day
/// (Ley 2300), `$5` the preview agent, `$6` this process, `$7` the records
/// already taken in this transaction (`taken` of them), the filter's from `$8`.
/// Fixed fragments only: the values are bound. One JSON text of
/// [`PickRow`]s, two ranges each at most `$3` long (the second sees the
/// first's records too).
fn pick_sql(backend: Backend, rules: &ClaimRules, filter_sql: &str, taken: usize) -> String {
    let mut sql = format!(
        concat!(
            "r.id, r.status, r.next_phone, r.customer_id, r.agent_id, ",
            tel_columns!(),
            " FROM records r WHERE r.campaign_id = $1 AND r.next_phone > 0 \
             AND r.status IN ('clean', 'dialed') AND (r.recall_at IS NULL OR r.recall_at <= $2) \
             AND r.id NOT IN (SELECT CAST(value->>0 AS BIGINT) FROM {}) \
             AND NOT EXISTS (SELECT 1 FROM dnc d JOIN campaigns c ON c.id = r.campaign_id \
               WHERE d.operation_id = c.operation_id AND d.blocked_until > $2 AND d.telephone = ",
            next_phone!(),
            ")"
        ),
        rowset::json_table(backend, "$7", taken)
    );
    if rules.one_contact_per_day.is_some() {
        // Reached today, unless released from Ley 2300's protection.
        let released = super::law2300::released_sql(
            "(SELECT c.operation_id FROM campaigns c WHERE c.id = r.campaign_id)",
            next_phone!(),
            "r.customer_id",
        );
        sql.push_str(&format!(
            " AND (NOT EXISTS (SELECT 1 FROM contacts k JOIN campaigns c ON c.id = r.campaign_id \
             WHERE k.operation_id = c.operation_id AND k.customer_id = r.customer_id AND k.day = $4) \
             OR {released})"
        ));
    } else {
        sql.push_str(" AND $4 = $4");
    }
    if rules.leased {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM campaign_leases l WHERE l.campaign_id = $1 AND l.process_id = $6)",
        );
    } else {
        sql.push_str(" AND $6 = $6");
    }
    sql.push_str(filter_sql);
    // With an agent, the records assigned to them come first.
    let (mine, agent_first) = if rules.agent.is_some() {
        sql.push_str(" AND r.agent_id IN ('', $5)");
        (
            "CASE WHEN r.agent_id = $5 THEN 1 ELSE 0 END",
            "(r.agent_id = $5) DESC, ",
        )
    } else {
        sql.push_str(" AND $5 = $5");
        ("0", "")
    };
    let array = backend.json_array();
    backend.json_rows(
        &format!(
            "pass, mine, k, id, status, next_phone, customer_id, agent_id, \
             {array}(tel1, tel2, tel3, tel4, tel5, tel6, tel7, tel8, tel9, tel10)"
        ),
        &format!(
            "SELECT * FROM (SELECT 0 AS pass, {mine} AS mine, \
             CAST(r.recall_at AS BIGINT) AS k, {sql} AND r.recall_at IS NOT NULL \
             ORDER BY {agent_first}r.recall_at, r.id LIMIT $3) AS due_picks \
             UNION ALL SELECT * FROM (SELECT 1 AS pass, {mine} AS mine, \
             CAST(r.next_phone AS BIGINT) AS k, {sql} \
             ORDER BY {agent_first}r.next_phone, r.id LIMIT $3) AS next_picks"
        ),
    )
}

impl Store {
    /// [`Store::claim_records_with`] without extra rules.
    pub async fn claim_records(&self, campaign_id: i64, n: u32, now: i64) -> Result<Vec<Claim>> {
        self.claim_records_with(campaign_id, n, now, &ClaimRules::default())
            .await
    }

    /// Picks up to `n` dialable records of a campaign and takes them
    /// (`dialing`), in a transaction of its own with the campaign's filter
    /// read in it. The engine picks inside its tick's transaction instead.
    pub async fn claim_records_with(
        &self,
        campaign_id: i64,
        n: u32,
        now: i64,
        rules: &ClaimRules,
    ) -> Result<Vec<Claim>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.write_tx().await?;
        let filter: Option<String> =
            sqlx::query_scalar("SELECT filter FROM campaigns WHERE id = $1")
                .bind(campaign_id)
                .fetch_optional(&mut *tx)
                .await?;
        let ask = ClaimAsk {
            campaign_id,
            n,
            rules: rules.clone(),
            unless: None,
        };
        let mut picks = Picks::default();
        let claims = picks
            .pick(
                &mut tx,
                self.backend,
                self.process_id(),
                filter.as_deref(),
                &ask,
                now,
            )
            .await?;
        let mut writes = Writes::new(self.backend);
        picks.write(&mut writes)?;
        writes.run(&mut tx).await?;
        tx.commit().await?;
        Ok(claims)
    }
}
