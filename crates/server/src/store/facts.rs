//! Facts and the state they move, in one transaction: a dial attempt updates
//! its record and its campaign's counters; an IVR step updates the hourly
//! rollup; a codify marks the record so the dialer never picks it again.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use marcador_wire::rows::Campaign3Row;
use marcador_wire::rows::record_fields::TEL_NAMES;
use marcador_wire::{AmdResult, CallResult, CampaignType, HangUp, TypeInteraction};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::AgentCommand;
use super::appends::{Appends, RecordRead};
use super::claims::{Claim, ClaimAsk, Picks};
use super::codifies::AgentCodify;
use super::rowset::{self, Writes};
use super::tx::WriteTx;
use super::{Backend, Result, Store, StoreError, time_zone};
use crate::domain::{self, RecordStatus, ResultBucket};

/// A dial attempt of a campaign record, as telephony reported it.
#[derive(Debug, Clone)]
pub struct AttemptFact {
    pub campaign_id: i64,
    pub record_id: i64,
    /// The phone column dialed, 1…10.
    pub phone: u8,
    pub telephone: String,
    pub started_at: i64,
    pub result: CallResult,
    /// What telephony said (e.g. Asterisk DIALSTATUS), kept beside `result`.
    pub raw_status: String,
    /// Q.850 hang-up cause, when known.
    pub hangup_cause: Option<i64>,
    pub conn_id: String,
    /// What answering-machine detection said of an answer (none: it did not run).
    pub amd: Option<AmdResult>,
}

/// A call of the operation, in any direction.
#[derive(Debug, Clone)]
pub struct CallFact {
    pub operation_id: i64,
    pub started_at: i64,
    pub type_interaction: TypeInteraction,
    pub result: CallResult,
    pub telephone: String,
    pub customer_id: String,
    pub conn_id: String,
    pub campaign_id: Option<i64>,
    pub rp_id: Option<i64>,
    pub duration: i64,
    /// The agent who talked (its id in the store), if one did.
    pub agent_id: Option<i64>,
    /// The skill it was for.
    pub skill_id: Option<i64>,
    /// From dialing (or arriving) to an answer, or to the end when nothing answered.
    pub ring_seconds: i64,
    pub hang_up: HangUp,
    /// Seconds it waited in its skill's queue for an agent (none: it never queued).
    pub wait_seconds: Option<i64>,
}

/// The codes typed on a call (or [`TIMEOUT_ACW`](marcador_wire::calls::TIMEOUT_ACW)).
/// One per call: typing it again replaces them.
#[derive(Debug, Clone)]
pub struct CallCodeFact {
    pub operation_id: i64,
    pub conn_id: String,
    pub agent_id: Option<i64>,
    pub cod_act: String,
    pub cod_act_2: String,
    pub comments: String,
    pub typed_at: i64,
}

/// A caller passing one menu option of a routing point.
#[derive(Debug, Clone)]
pub struct IvrStepFact {
    pub operation_id: i64,
    pub rp_id: i64,
    pub conn_id: String,
    /// The digit or label pressed, or `PULSE`.
    pub option: String,
    pub entered_at: i64,
    pub seconds: i64,
}

#[derive(Debug, Clone)]
pub enum Fact {
    Attempt(AttemptFact),
    Call(CallFact),
    IvrStep(IvrStepFact),
    /// An agent's state now (the last one of a batch is what stays).
    Agent(super::agents::AgentFact),
    /// Codes typed on a call without a record to codify (TIMEOUTACW).
    CallCode(CallCodeFact),
    /// A state an agent left, with how long it lasted.
    AgentInterval(super::agent_time::AgentInterval),
    /// An agent's session from log-in to log-out.
    AgentSession(super::agent_time::AgentSession),
    /// A hold or mute an agent had on a call.
    CallAction(super::call_actions::CallActionFact),
    /// A caller's survey after its talk.
    Survey(super::surveys::SurveyFact),
    /// A leg of a call an agent handed to another, when it ended.
    Transfer(super::transfers::TransferFact),
    /// How an agent's phone is reached now (the last one of a batch stays).
    AgentNetwork(super::agent_network::AgentNetworkFact),
    /// A queued caller offered a call back, as it stands now.
    SmartWait(super::smart_waits::SmartWaitFact),
    /// A customer released from Ley 2300's protection.
    Law2300Release(super::law2300::Law2300Release),
    /// How many callers wait in a skill's queue now (the last one of a batch stays).
    SkillQueue {
        operation_id: i64,
        skill_id: i64,
        in_queue: i64,
    },
}

/// The body of a codify, already checked for its required fields.
#[derive(Debug, Clone)]
pub struct CodifyInput {
    pub customer_id: String,
    pub cod_act: String,
    pub cod_act_2: String,
    pub comment: String,
}

impl CallCodeFact {
    /// The codes of a codify, typed on `conn_id` by `agent_id` at `at`.
    pub(super) fn typed(
        operation_id: i64,
        conn_id: String,
        agent_id: i64,
        input: &CodifyInput,
        at: i64,
    ) -> Self {
        CallCodeFact {
            operation_id,
            conn_id,
            agent_id: Some(agent_id),
            cod_act: input.cod_act.clone(),
            cod_act_2: input.cod_act_2.clone(),
            comments: input.comment.clone(),
            typed_at: at,
        }
    }
}

/// The call a codify types, and its agent.
#[derive(Debug, Clone)]
pub struct TypedCall {
    pub conn_id: String,
    pub agent_id: i64,
}

/// Why a codify changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodifyRejection {
    UnknownCampaign,
    WrongType(CampaignType),
    UnknownCustomer,
    UnknownCode(String),
}

/// Changes to a campaign's counters, applied in one statement.
#[derive(Debug, Default)]
pub(super) struct CounterDelta {
    pub clean: i64,
    pub dial: i64,
    pub buckets: [i64; 4],
    pub hits: i64,
    pub phone: i64,
}

/// What one batch of facts adds to shared counters: summed in memory while the
/// facts are applied, then written once per key before the commit. A counter
/// row is touched once per batch instead of once per attempt; what is stored
/// is the same as writing each fact on its own.
#[derive(Default)]
struct Tally {
    campaigns: BTreeMap<i64, CampaignTally>,
    /// (campaign, local day) → attempts.
    days: BTreeMap<(i64, String), i64>,
    /// (operation, hour, routing point, option) → (calls, seconds).
    ivr: BTreeMap<(i64, i64, i64, String), (i64, i64)>,
    /// Agents' time per half hour.
    agents: super::agent_time::AgentTally,
}

/// A campaign touched by the batch: what attempts need to know of it, and
/// what they add to its counters.
struct CampaignTally {
    operation_id: i64,
    cycle: i64,
    tz: TimeZone,
    delta: CounterDelta,
    /// Records newly dialed on phone column n+1.
    phones: [i64; 10],
}

impl Tally {
    /// The campaign's entry ([`Tally::read_campaigns`] read every campaign
    /// the batch's attempts name).
    fn campaign(&mut self, campaign_id: i64) -> Result<&mut CampaignTally> {
        self.campaigns
            .get_mut(&campaign_id)
            .ok_or_else(|| StoreError::Invalid(format!("campaign {campaign_id} does not exist")))
    }

    /// A caller's step through an IVR option, in its hour's rollup.
    fn ivr_step(&mut self, s: &IvrStepFact) {
        let key = (
            s.operation_id,
            s.entered_at.div_euclid(ROLLUP_SECONDS),
            s.rp_id,
            s.option.clone(),
        );
        let bucket = self.ivr.entry(key).or_default();
        bucket.0 += 1;
        bucket.1 += s.seconds;
    }

    /// The campaigns the attempts among `facts` name that the batch has not
    /// read yet, as the JSON rows [`Tally::campaigns_sql`] reads.
    fn campaigns_wanted(&self, facts: &[Fact]) -> Vec<[i64; 1]> {
        let mut ids: Vec<[i64; 1]> = facts
            .iter()
            .filter_map(|f| match f {
                Fact::Attempt(a) if !self.campaigns.contains_key(&a.campaign_id) => {
                    Some([a.campaign_id])
                }
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// A query of the `n` campaigns whose ids are bound at `param`, their
    /// rows one JSON value ([`CampaignRead`]s).
    fn campaigns_sql(backend: Backend, param: &str, n: usize) -> String {
        backend.json_rows(
            "id, operation_id, cycle, time_zone",
            &format!(
                "SELECT c.id, c.operation_id, c.cycle, o.time_zone FROM campaigns c \
                 JOIN operations o ON o.id = c.operation_id \
                 WHERE c.id IN (SELECT CAST(value->>0 AS BIGINT) FROM {})",
                rowset::json_table(backend, param, n)
            ),
        )
    }

    /// Keeps the campaigns read.
    fn campaigns_found(&mut self, rows: Vec<CampaignRead>) -> Result<()> {
        for (id, operation_id, cycle, tz) in rows {
            self.campaigns.insert(
                id,
                CampaignTally {
                    operation_id,
                    cycle,
                    tz: time_zone(&tz)?,
                    delta: CounterDelta::default(),
                    phones: [0; 10],
                },
            );
        }
        Ok(())
    }

    /// Writes the sums: one statement per table, whatever the number of
    /// campaigns, days and rollup buckets (rows bound as JSON, `rowset`).
    fn write(self, w: &mut Writes) -> Result<()> {
        let backend = w.backend();
        let deltas: Vec<(i64, &CounterDelta)> = self
            .campaigns
            .iter()
            .map(|(id, c)| (*id, &c.delta))
            .collect();
        write_counters(w, &deltas)?;
        let phones: Vec<(i64, i64, i64)> = self
            .campaigns
            .iter()
            .flat_map(|(id, c)| {
                c.phones
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n != 0)
                    .map(|(column, n)| (*id, column as i64 + 1, *n))
            })
            .collect();
        w.rows(&phones, |param, n| {
            format!(
                "UPDATE campaign_phones SET dialed = campaign_phones.dialed + v.n FROM ({}) v \
             WHERE campaign_phones.campaign_id = v.campaign_id AND campaign_phones.phone = v.phone",
                rowset::select_at(
                    backend,
                    param,
                    &[("campaign_id", true), ("phone", true), ("n", true)],
                    n
                )
            )
        })?;
        let days: Vec<_> = self.days.iter().map(|((c, day), n)| (c, day, n)).collect();
        w.insert(&CAMPAIGN_DAYS, &days)?;
        let ivr: Vec<_> = self
            .ivr
            .iter()
            .map(|((op, hour, rp, option), (calls, seconds))| {
                (op, hour, rp, option, calls, seconds)
            })
            .collect();
        w.insert(&IVR_ROLLUP, &ivr)?;
        super::agent_time::write_tally(w, &self.agents)
    }
}

/// Adds each campaign's delta to its counters: one statement for all of them.
pub(super) fn write_counters<D: std::borrow::Borrow<CounterDelta>>(
    w: &mut Writes,
    deltas: &[(i64, D)],
) -> Result<()> {
    let backend = w.backend();
    let counters: Vec<_> = deltas
        .iter()
        .map(|(id, d)| {
            let d = d.borrow();
            let [answer, no_answer, failed, machine] = d.buckets;
            (
                *id, d.clean, d.dial, answer, no_answer, failed, machine, d.hits, d.phone,
            )
        })
        .collect();
    w.rows(&counters, |param, n| {
        format!(
            "UPDATE campaigns SET clean = campaigns.clean + v.clean, dial = campaigns.dial + v.dial, \
             answer = campaigns.answer + v.answer, no_answer = campaigns.no_answer + v.no_answer, \
             busy_congestion_failed = campaigns.busy_congestion_failed + v.failed, \
             answer_machine = campaigns.answer_machine + v.machine, hits = campaigns.hits + v.hits, \
             current_phone = CASE WHEN campaigns.current_phone < v.phone THEN v.phone \
             ELSE campaigns.current_phone END \
             FROM ({}) v WHERE campaigns.id = v.id",
            rowset::select_at(backend, param, COUNTER_COLUMNS, n)
        )
    })
}

/// A campaign's sums, in the order [`write_counters`] makes them.
const COUNTER_COLUMNS: &[(&str, bool)] = &[
    ("id", true),
    ("clean", true),
    ("dial", true),
    ("answer", true),
    ("no_answer", true),
    ("failed", true),
    ("machine", true),
    ("hits", true),
    ("phone", true),
];

const CAMPAIGN_DAYS: rowset::Table = rowset::Table {
    name: "campaign_days",
    columns: &[("campaign_id", true), ("day", false), ("attempts", true)],
    tail: " WHERE true ON CONFLICT (campaign_id, day) \
           DO UPDATE SET attempts = campaign_days.attempts + excluded.attempts",
};

const IVR_ROLLUP: rowset::Table = rowset::Table {
    name: "ivr_rollup",
    columns: &[
        ("operation_id", true),
        ("hour", true),
        ("rp_id", true),
        ("option", false),
        ("calls", true),
        ("seconds", true),
    ],
    tail: " WHERE true ON CONFLICT (operation_id, hour, rp_id, option) \
           DO UPDATE SET calls = ivr_rollup.calls + excluded.calls, \
           seconds = ivr_rollup.seconds + excluded.seconds",
};

/// The record fields a campaign_3 row shows, read by column name.
#[derive(Clone)]
pub(super) struct RecordWire {
    pub customer_name: String,
    pub customer_last_name: String,
    pub id_type: String,
    pub customer_id: String,
    pub opts: Vec<String>,
}

/// `r.tel1` … `r.tel10`.
macro_rules! tel_columns {
    () => {
        "r.tel1, r.tel2, r.tel3, r.tel4, r.tel5, r.tel6, r.tel7, r.tel8, r.tel9, r.tel10"
    };
}
pub(super) use tel_columns;

/// `tel1`…`tel10` of a row that selected [`tel_columns!`].
pub(super) fn tels_of(row: &AnyRow) -> Result<Vec<String>> {
    (1..=10)
        .map(|n| Ok(row.try_get::<String, _>(TEL_NAMES[n - 1])?))
        .collect()
}

/// Column list (`r.` = records) of [`RecordWire`], shared by every query that builds campaign_3 rows.
macro_rules! record_wire_columns {
    () => {
        "r.customer_name, r.customer_last_name, r.id_type, \
         COALESCE(r.removed_customer_id, r.customer_id) AS customer_id, r.opt1, r.opt2, r.opt3, \
         r.opt4, r.opt5, r.opt6, r.opt7, r.opt8, r.opt9, r.opt10, r.opt11, r.opt12"
    };
}
pub(super) use record_wire_columns;

/// [`RecordWire`]'s fields as a `json_rows` read gives them (the columns of
/// [`record_wire_json`]): (name, last name, id type, customer id), the opts.
pub(super) type RecordWireJson = ((String, String, String, String), Vec<String>);

/// [`RecordWire`]'s fields as two JSON arrays, for [`Backend::json_rows`]'
/// columns over a query that selected [`record_wire_columns!`].
pub(super) fn record_wire_json(backend: Backend) -> String {
    let array = backend.json_array();
    format!(
        "{array}(customer_name, customer_last_name, id_type, customer_id), \
         {array}(opt1, opt2, opt3, opt4, opt5, opt6, opt7, opt8, opt9, opt10, opt11, opt12)"
    )
}

impl From<RecordWireJson> for RecordWire {
    fn from(
        ((customer_name, customer_last_name, id_type, customer_id), opts): RecordWireJson,
    ) -> Self {
        RecordWire {
            customer_name,
            customer_last_name,
            id_type,
            customer_id,
            opts,
        }
    }
}

impl RecordWire {
    /// The campaign_3 row of one attempt on this record: the one row mapping.
    pub(super) fn campaign_3_row(
        self,
        campaign_id: i64,
        date: String,
        telephone: String,
        result: &str,
        conn_id: String,
    ) -> Campaign3Row {
        let mut row = Campaign3Row {
            campaign_id: campaign_id.to_string(),
            customer_name: self.customer_name,
            customer_last_name: self.customer_last_name,
            id_type: self.id_type,
            customer_id: self.customer_id,
            date,
            telephone,
            result: CallResult::parse(result)
                .map(|r| r.campaign_3().to_owned())
                .unwrap_or_default(),
            conn_id,
            ..Campaign3Row::default()
        };
        row.set_opts(&self.opts);
        row
    }
}

/// Length of a response date (`2025-04-03 12:28:00`), for sizing rows before they are written.
const DATE_PLACEHOLDER: &str = "0000-00-00 00:00:00";

impl Store {
    /// Appends facts, and the state they change, in one transaction.
    pub async fn record_facts(&self, facts: &[Fact]) -> Result<()> {
        self.timed(
            "facts",
            self.write_tick(&EngineTick {
                facts,
                ..EngineTick::default()
            }),
        )
        .await
        .map(drop)
    }

    /// An engine tick's store work, in one transaction (see [`EngineTick`]):
    /// one trip less for each part than a transaction of its own, and all or
    /// nothing — when it fails, no pick is taken and no command is consumed.
    pub async fn record_engine_tick(&self, tick: &EngineTick<'_>) -> Result<EngineWritten> {
        self.timed("facts", self.write_tick(tick)).await
    }

    async fn write_tick(&self, tick: &EngineTick<'_>) -> Result<EngineWritten> {
        let EngineTick {
            facts,
            codifies,
            commands_of,
            claims,
            now,
        } = *tick;
        let mut tally = Tally::default();
        let mut batch = Appends::new(self.backend);
        let records = batch.records_wanted(facts);
        // The transaction's `BEGIN` and its first read go in one trip, its
        // last writes and `COMMIT` in another.
        let mut first = Writes::new(self.backend);
        let read = queue_read(&mut first, &tally, &records, facts, claims)?;
        let (mut tx, rows) = self.write_tx_with(first).await?;
        let filters = match read {
            Some(read) => {
                read.found(rows.last(), &mut tx, &mut tally, &mut batch)
                    .await?
            }
            None => HashMap::new(),
        };
        // Attempts, calls and IVR steps are gathered (`appends`); the writes of
        // the kinds a batch has many of are queued in `writes` and sent
        // together at the end, the rare kinds written as they come.
        let mut writes = Writes::new(self.backend);
        let mut status = Vec::new();
        let mut codes = Vec::new();
        let mut intervals = Vec::new();
        let mut actions = Vec::new();
        let mut network = Vec::new();
        for f in facts {
            match f {
                Fact::Attempt(a) => apply_attempt(&mut tally, &mut batch, a)?,
                Fact::Call(c) => batch.call(c),
                Fact::IvrStep(s) => {
                    tally.ivr_step(s);
                    batch.ivr_step(s);
                }
                Fact::Agent(a) => status.push(a),
                Fact::CallCode(c) => codes.push(c),
                Fact::AgentInterval(i) => {
                    super::agent_time::apply_interval(&mut intervals, &mut tally.agents, i)
                }
                Fact::AgentSession(s) => super::agent_time::apply_session(&mut tx, s).await?,
                Fact::CallAction(a) => actions.push(a),
                Fact::Survey(s) => super::surveys::apply_survey(&mut tx, s).await?,
                Fact::Transfer(t) => super::transfers::apply_transfer(&mut tx, t).await?,
                Fact::AgentNetwork(n) => network.push(n),
                Fact::SmartWait(w) => super::smart_waits::apply_smart_wait(&mut tx, w).await?,
                Fact::Law2300Release(r) => super::law2300::apply_release(&mut tx, r).await?,
                Fact::SkillQueue {
                    operation_id,
                    skill_id,
                    in_queue,
                } => {
                    sqlx::query(
                        "INSERT INTO skill_status (skill_id, operation_id, in_queue) VALUES ($1, $2, $3) \
                         ON CONFLICT (skill_id) DO UPDATE SET in_queue = excluded.in_queue",
                    )
                    .bind(skill_id)
                    .bind(operation_id)
                    .bind(in_queue)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        batch.flush(&mut writes)?;
        super::agents::write_status(&mut writes, &status)?;
        write_call_codes(&mut writes, &codes)?;
        super::agent_time::write_intervals(&mut writes, &intervals)?;
        super::call_actions::write_call_actions(&mut writes, &actions)?;
        super::agent_network::write_network(&mut writes, &network)?;
        tally.write(&mut writes)?;
        if let Some(operation_id) = commands_of {
            super::agents::take_commands(&mut writes, operation_id)?;
        }
        // The first pick goes in the same trip as the last writes before it
        // (the facts', or the codifies' when there are any), read after them.
        // With codifies, what they find is read in the facts' trip (after
        // them), and their writes and the first pick go in the next.
        let mut picks = Picks::new(self.backend, self.process_id(), &filters, now);
        let first_ask = claims.first();
        let queue_first = |picks: &mut Picks, w: &mut Writes| match first_ask {
            Some(ask) => picks.queue(w, ask),
            None => Ok(false),
        };
        let jobs = super::codifies::agent_jobs(codifies);
        let mut first_queued = false;
        if codifies.is_empty() {
            first_queued = queue_first(&mut picks, &mut writes)?;
        } else {
            super::codifies::Found::queue(&mut writes, &jobs.iter().collect::<Vec<_>>())?;
        }
        // Whichever trip is the last carries the `COMMIT`: the facts' when
        // nothing follows them, the codifies' when nothing is picked, else
        // the take's.
        let mut written = EngineWritten::default();
        if codifies.is_empty() && first_ask.is_none() {
            written.commands = super::agents::commands_of(&tx.commit_with(writes).await?)?;
            return Ok(written);
        }
        let mut returned = writes.run(&mut tx).await?;
        let mut first_row = first_queued.then(|| returned.pop()).flatten();
        let found = (!codifies.is_empty()).then(|| returned.pop());
        written.commands = super::agents::commands_of(&returned)?;
        if let Some(found) = found {
            let found = super::codifies::Found::parse(found.as_ref())?;
            let mut after = Writes::new(self.backend);
            written.codified = super::codifies::agent_codifies(found, &mut after, codifies, &jobs)?;
            if first_ask.is_none() {
                tx.commit_with(after).await?;
                return Ok(written);
            }
            first_queued = queue_first(&mut picks, &mut after)?;
            let mut rows = after.run(&mut tx).await?;
            first_row = first_queued.then(|| rows.pop()).flatten();
        }
        // The picks see every fact and codify above.
        let mut take = Writes::new(self.backend);
        if let Some(ask) = first_ask {
            let first = picks.picked(ask, first_row.as_ref())?;
            written.claims = picks.ask_all(&mut tx, claims, Some(first)).await?;
            picks.take(&mut take)?;
        }
        tx.commit_with(take).await?;
        Ok(written)
    }
}

/// One engine tick's store work, made in one transaction in this order: the
/// facts gathered since the last tick, the simulated agents' codifies (each
/// after its call's attempt), the agent API's commands taken, then the
/// dialer's picks (which see all of that: a customer reached in this batch
/// is not picked again today under Ley 2300).
#[derive(Debug, Default, Clone, Copy)]
pub struct EngineTick<'a> {
    pub facts: &'a [Fact],
    pub codifies: &'a [AgentCodify],
    /// Take the agent API's commands of this operation (what
    /// [`Store::take_agent_commands`] returns, without a trip of its own).
    pub commands_of: Option<i64>,
    /// The picks, in order.
    pub claims: &'a [ClaimAsk],
    /// Now, in Unix seconds: which recalls are due, which blocks still hold.
    pub now: i64,
}

/// What [`Store::record_engine_tick`] brings back.
#[derive(Debug, Default)]
pub struct EngineWritten {
    /// The agent API's commands taken (agent id, command).
    pub commands: Vec<(i64, AgentCommand)>,
    /// Each codify's outcome, in order.
    pub codified: Vec<std::result::Result<(), CodifyRejection>>,
    /// Each ask's records, in order (none for an ask not made).
    pub claims: Vec<Vec<Claim>>,
}

/// A campaign as a batch reads it: id, operation, cycle, time zone.
type CampaignRead = (i64, i64, i64, String);

/// What a batch reads before it writes, in one query ([`queue_read`], sent
/// in the same trip as the transaction's `BEGIN`): the campaigns its
/// attempts name and their records (past [`rowset::CHUNK`] records, the rest
/// a query per chunk, [`BatchRead::found`]), and the filters of the
/// campaigns it picks from (returned by campaign).
struct BatchRead<'f> {
    /// The records past the first [`rowset::CHUNK`], read afterwards.
    rest: &'f [[i64; 1]],
}

/// Queues the read of what `facts` change and `claims` pick from in
/// `writes` (none when there is nothing to read).
fn queue_read<'f>(
    writes: &mut Writes,
    tally: &Tally,
    records: &'f [[i64; 1]],
    facts: &[Fact],
    claims: &[ClaimAsk],
) -> Result<Option<BatchRead<'f>>> {
    let backend = writes.backend();
    let campaigns = tally.campaigns_wanted(facts);
    let mut picked_from: Vec<[i64; 1]> = claims.iter().map(|a| [a.campaign_id]).collect();
    picked_from.sort_unstable();
    picked_from.dedup();
    if campaigns.is_empty() && records.is_empty() && picked_from.is_empty() {
        return Ok(None);
    }
    let (first, rest) = records.split_at(records.len().min(rowset::CHUNK));
    let mut binds = vec![
        rowset::Bind::Text(rowset::json(&campaigns)?),
        rowset::Bind::Text(rowset::json(first)?),
    ];
    if !picked_from.is_empty() {
        binds.push(rowset::Bind::Text(rowset::json(&picked_from)?));
    }
    writes.statement(|at| {
        let p = |i: usize| format!("${}", at + i);
        // A batch without picks reads as it did before there were any (one text).
        let filters_sql = if picked_from.is_empty() {
            String::new()
        } else {
            format!(
                " || ',' || ({})",
                Picks::filters_sql(backend, &p(2), picked_from.len())
            )
        };
        (
            format!(
                "SELECT '[' || ({}) || ',' || ({}){filters_sql} || ']'",
                Tally::campaigns_sql(backend, &p(0), campaigns.len()),
                Appends::records_sql(backend, &p(1), first.len())
            ),
            binds,
        )
    });
    Ok(Some(BatchRead { rest }))
}

impl BatchRead<'_> {
    /// What the read found (its row: `row`), into `tally` and `batch`, the
    /// records past the first chunk read in `tx`; the picked campaigns'
    /// filters.
    async fn found(
        self,
        row: Option<&AnyRow>,
        tx: &mut WriteTx,
        tally: &mut Tally,
        batch: &mut Appends<'_>,
    ) -> Result<HashMap<i64, String>> {
        let row = row.ok_or_else(|| StoreError::Invalid("a batch's read found no row".into()))?;
        let text: String = row.try_get(0)?;
        /// The campaigns, the records, the filters (read only with picks).
        #[derive(serde::Deserialize)]
        struct Read(
            Vec<CampaignRead>,
            Vec<RecordRead>,
            #[serde(default)] Vec<(i64, Option<String>)>,
        );
        let Read(campaign_rows, record_rows, filters) = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("a batch's reads as JSON: {e}")))?;
        tally.campaigns_found(campaign_rows)?;
        batch.records_found(record_rows)?;
        batch.read_records(tx, self.rest).await?;
        Ok(filters
            .into_iter()
            .filter_map(|(id, f)| Some((id, f?)))
            .collect())
    }
}

pub(super) fn parse_status(s: &str) -> Result<RecordStatus> {
    RecordStatus::parse(s)
        .ok_or_else(|| StoreError::Invalid(format!("unknown record status {s:?}")))
}

/// `Some(hit flag)` if the operation has that activity code at that level.
pub(super) async fn code_hit(
    tx: &mut WriteTx,
    operation_id: i64,
    level: i64,
    code: &str,
) -> Result<Option<bool>> {
    let hit: Option<i64> = sqlx::query_scalar(
        "SELECT hit FROM activity_codes WHERE operation_id = $1 AND level = $2 AND code = $3",
    )
    .bind(operation_id)
    .bind(level)
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(hit.map(|h| h != 0))
}

/// An attempt's effect on its record and its campaign's counters, worked
/// out in memory (`batch` writes it).
fn apply_attempt<'a>(tally: &mut Tally, batch: &mut Appends<'a>, a: &'a AttemptFact) -> Result<()> {
    if !(1..=10).contains(&a.phone) {
        return Err(StoreError::Invalid(format!(
            "phone column {} is not 1..10",
            a.phone
        )));
    }
    let campaign = tally.campaign(a.campaign_id)?;
    let (operation_id, cycle) = (campaign.operation_id, campaign.cycle);

    let record = batch
        .record(a.record_id)
        .filter(|r| r.campaign_id == a.campaign_id)
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "record {} is not in campaign {}",
                a.record_id, a.campaign_id
            ))
        })?;
    if record.removed {
        // Removed while its call was in progress: the call fact stays, the
        // campaign no longer counts the record.
        return Ok(());
    }
    let status = record.status;
    let phones_dialed = if record.cycle < cycle {
        0
    } else {
        record.phones_dialed
    };

    let delta = &mut campaign.delta;
    delta.phone = delta.phone.max(i64::from(a.phone));
    if status.counts_as_clean() {
        delta.clean -= 1;
        delta.dial += 1;
    }
    if let Some(old) = record.last_result.as_deref().and_then(CallResult::parse) {
        delta.buckets[ResultBucket::of(old).index()] -= 1;
    }
    delta.buckets[ResultBucket::of(a.result).index()] += 1;

    let bit = 1i64 << (a.phone - 1);
    if phones_dialed & bit == 0 {
        campaign.phones[usize::from(a.phone - 1)] += 1;
    }
    let day = Timestamp::from_second(a.started_at)
        .map(|t| domain::local_day(t, &campaign.tz))
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    *tally.days.entry((a.campaign_id, day.clone())).or_default() += 1;
    let next_phone = match status.after_attempt() {
        RecordStatus::Codified => 0,
        _ => domain::next_phone_after_attempt(&record.tels, a.phone, a.result),
    };
    let contact = (a.result == CallResult::Answer).then(|| record.wire.customer_id.clone());
    let row = record.wire.clone().campaign_3_row(
        a.campaign_id,
        DATE_PLACEHOLDER.to_owned(),
        a.telephone.clone(),
        a.result.as_str(),
        a.conn_id.clone(),
    );
    // +1 for the comma between rows.
    let wire_bytes = serde_json::to_vec(&row)
        .map(|v| v.len() as i64 + 1)
        .unwrap_or(0);
    if let Some(customer_id) = contact {
        batch.contact(operation_id, customer_id, day);
    }
    batch.attempt(
        a,
        operation_id,
        wire_bytes,
        status.after_attempt(),
        cycle,
        phones_dialed | bit,
        i64::from(next_phone),
    );
    Ok(())
}

/// The one writer of `call_codes`: a call typed again keeps its last codes.
/// Queues the calls' codes (the last of a call's in `codes` stays).
pub(super) fn write_call_codes(w: &mut Writes, codes: &[&CallCodeFact]) -> Result<()> {
    let rows: Vec<_> = rowset::last_by(codes, |c| (c.operation_id, c.conn_id.clone()))
        .map(|c| {
            (
                c.operation_id,
                &c.conn_id,
                c.agent_id,
                &c.cod_act,
                &c.cod_act_2,
                &c.comments,
                c.typed_at,
            )
        })
        .collect();
    w.insert(&CALL_CODES, &rows)
}

pub(super) const CALL_CODES: rowset::Table = rowset::Table {
    name: "call_codes",
    columns: &[
        ("operation_id", true),
        ("conn_id", false),
        ("agent_id", true),
        ("cod_act", false),
        ("cod_act_2", false),
        ("comments", false),
        ("typed_at", true),
    ],
    tail: " WHERE true ON CONFLICT (operation_id, conn_id) DO UPDATE SET \
           agent_id = excluded.agent_id, cod_act = excluded.cod_act, \
           cod_act_2 = excluded.cod_act_2, comments = excluded.comments, typed_at = excluded.typed_at",
};

/// Seconds in a rollup bucket.
pub(super) const ROLLUP_SECONDS: i64 = 3600;
