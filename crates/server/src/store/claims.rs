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

use sqlx::Row;
use sqlx::any::AnyRow;

use super::facts::{CounterDelta, parse_status, tel_columns, write_counters};
use super::filter::RecordFilter;
use super::rowset::{self, Bind, Writes};
use super::tx::WriteTx;
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

/// One transaction's picks: what they read by (this process, the campaigns'
/// filters, now) and what they took — each campaign's records (excluded
/// from its later picks) and counters, written by [`Picks::take`].
pub(super) struct Picks<'a> {
    backend: Backend,
    process_id: &'a str,
    /// Each campaign's filter (`campaign_filter`) as stored; none: no filter.
    filters: &'a HashMap<i64, String>,
    now: i64,
    taken: HashMap<i64, Vec<[i64; 1]>>,
    deltas: BTreeMap<i64, CounterDelta>,
}

impl<'a> Picks<'a> {
    pub(super) fn new(
        backend: Backend,
        process_id: &'a str,
        filters: &'a HashMap<i64, String>,
        now: i64,
    ) -> Self {
        Picks {
            backend,
            process_id,
            filters,
            now,
            taken: HashMap::new(),
            deltas: BTreeMap::new(),
        }
    }

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

    /// The asks' answers in order, each made inside `tx` — the first
    /// already made if `first` holds its answer ([`Picks::queue`]).
    pub(super) async fn ask_all(
        &mut self,
        tx: &mut WriteTx,
        asks: &[ClaimAsk],
        first: Option<Vec<Claim>>,
    ) -> Result<Vec<Vec<Claim>>> {
        let mut answers: Vec<Option<Vec<Claim>>> = Vec::with_capacity(asks.len());
        answers.extend(first.map(Some));
        for ask in &asks[answers.len().min(asks.len())..] {
            let made = match ask.unless {
                None => true,
                Some(i) => answers
                    .get(i)
                    .and_then(Option::as_ref)
                    .is_some_and(Vec::is_empty),
            };
            answers.push(if made {
                let mut read = Writes::new(self.backend);
                let rows = if self.queue(&mut read, ask)? {
                    read.run(tx).await?
                } else {
                    Vec::new()
                };
                Some(self.picked(ask, rows.last())?)
            } else {
                None
            });
        }
        Ok(answers.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Queues the pick `ask` (none of the records already taken in this
    /// transaction) in `writes`, last: its row comes back last from
    /// [`Writes::run`], for [`Picks::picked`]. Whether it was queued (not
    /// for an ask of no record).
    pub(super) fn queue(&mut self, writes: &mut Writes, ask: &ClaimAsk) -> Result<bool> {
        if ask.n == 0 {
            return Ok(false);
        }
        let backend = self.backend;
        let filter: Option<RecordFilter> = self
            .filters
            .get(&ask.campaign_id)
            .filter(|f| !f.is_empty())
            .and_then(|f| serde_json::from_str(f).ok());
        let taken = self.taken.entry(ask.campaign_id).or_default();
        let mut binds = vec![
            Bind::Int(ask.campaign_id),
            Bind::Int(self.now),
            Bind::Int(i64::from(ask.n)),
            Bind::Text(ask.rules.one_contact_per_day.clone().unwrap_or_default()),
            Bind::Text(ask.rules.agent.clone().unwrap_or_default()),
            Bind::Text(self.process_id.to_owned()),
            Bind::Text(rowset::json(taken)?),
        ];
        let taken = taken.len();
        writes.statement(|first| {
            let (filter_sql, filter_binds) =
                filter.map_or_else(Default::default, |f| f.sql(backend, first + binds.len()));
            binds.extend(filter_binds);
            (
                pick_sql(backend, first, &ask.rules, &filter_sql, taken),
                binds,
            )
        });
        Ok(true)
    }

    /// The records of a pick [`Picks::queue`] made (its row: `row`; none for
    /// an ask of no record), taken in order up to the ask's number.
    pub(super) fn picked(&mut self, ask: &ClaimAsk, row: Option<&AnyRow>) -> Result<Vec<Claim>> {
        let n = ask.n as usize;
        let (Some(row), true) = (row, n > 0) else {
            return Ok(Vec::new());
        };
        let text: String = row.try_get(0)?;
        let mut rows: Vec<PickRow> = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("a pick as JSON: {e}")))?;
        // Due recalls first, the agent's own first within each, then the
        // range's order; a due recall is in the second range too.
        rows.sort_by_key(|r| (r.0, -r.1, r.2, r.3));
        let taken = self.taken.entry(ask.campaign_id).or_default();
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

    /// Queues taking what was picked (`dialing`) and moving its counters in
    /// `writes`.
    pub(super) fn take(self, writes: &mut Writes) -> Result<()> {
        let backend = self.backend;
        let taken: Vec<[i64; 1]> = self.taken.into_values().flatten().collect();
        writes.rows(&taken, |param, n| {
            format!(
                "UPDATE records SET status = 'dialing' WHERE id IN \
                 (SELECT CAST(value->>0 AS BIGINT) FROM {})",
                rowset::json_table(backend, param, n)
            )
        })?;
        let deltas: Vec<(i64, CounterDelta)> = self.deltas.into_iter().collect();
        write_counters(writes, &deltas)?;
        Ok(())
    }
}

/// The pick, its parameters numbered from `$first` (`p(1)` below): `p(1)`
/// campaign, `p(2)` now, `p(3)` how many, `p(4)` the local day (Ley 2300),
/// `p(5)` the preview agent, `p(6)` this process, `p(7)` the records already
/// taken in this transaction (`taken` of them), the filter's after them
/// (`filter_sql`). Fixed fragments only: the values are bound. One JSON
/// text of [`PickRow`]s, two ranges each at most `p(3)` long (the second
/// sees the first's records too).
fn pick_sql(
    backend: Backend,
    first: usize,
    rules: &ClaimRules,
    filter_sql: &str,
    taken: usize,
) -> String {
    let p = |i: usize| format!("${}", first + i - 1);
    let (campaign, now, n, day, agent, process) = (p(1), p(2), p(3), p(4), p(5), p(6));
    let mut sql = format!(
        concat!(
            "r.id, r.status, r.next_phone, r.customer_id, r.agent_id, ",
            tel_columns!(),
            " FROM records r WHERE r.campaign_id = {campaign} AND r.next_phone > 0 \
             AND r.status IN ('clean', 'dialed') AND (r.recall_at IS NULL OR r.recall_at <= {now}) \
             AND r.id NOT IN (SELECT CAST(value->>0 AS BIGINT) FROM {taken}) \
             AND NOT EXISTS (SELECT 1 FROM dnc d JOIN campaigns c ON c.id = r.campaign_id \
               WHERE d.operation_id = c.operation_id AND d.blocked_until > {now} AND d.telephone = ",
            next_phone!(),
            ")"
        ),
        campaign = campaign,
        now = now,
        taken = rowset::json_table(backend, &p(7), taken)
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
             WHERE k.operation_id = c.operation_id AND k.customer_id = r.customer_id AND k.day = {day}) \
             OR {released})"
        ));
    } else {
        sql.push_str(&format!(" AND {day} = {day}"));
    }
    if rules.leased {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM campaign_leases l WHERE l.campaign_id = {campaign} \
             AND l.process_id = {process})"
        ));
    } else {
        sql.push_str(&format!(" AND {process} = {process}"));
    }
    sql.push_str(filter_sql);
    // With an agent, the records assigned to them come first.
    let (mine, agent_first) = if rules.agent.is_some() {
        sql.push_str(&format!(" AND r.agent_id IN ('', {agent})"));
        (
            format!("CASE WHEN r.agent_id = {agent} THEN 1 ELSE 0 END"),
            format!("(r.agent_id = {agent}) DESC, "),
        )
    } else {
        sql.push_str(&format!(" AND {agent} = {agent}"));
        ("0".to_owned(), String::new())
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
             ORDER BY {agent_first}r.recall_at, r.id LIMIT {n}) AS due_picks \
             UNION ALL SELECT * FROM (SELECT 1 AS pass, {mine} AS mine, \
             CAST(r.next_phone AS BIGINT) AS k, {sql} \
             ORDER BY {agent_first}r.next_phone, r.id LIMIT {n}) AS next_picks"
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
        let filters: HashMap<i64, String> = filter
            .map(|f| HashMap::from([(campaign_id, f)]))
            .unwrap_or_default();
        let mut picks = Picks::new(self.backend, self.process_id(), &filters, now);
        let claims = picks
            .ask_all(&mut tx, std::slice::from_ref(&ask), None)
            .await?
            .pop()
            .unwrap_or_default();
        let mut take = Writes::new(self.backend);
        picks.take(&mut take)?;
        tx.commit_with(take).await?;
        Ok(claims)
    }
}
