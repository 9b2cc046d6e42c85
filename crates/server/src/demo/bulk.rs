//! An operation at a real contact center's size, for measuring Marcador
//! against its storage engine (`marcador seed`, `scripts/bench-floor.sh`):
//! a thousand campaigns of very different sizes (the n-th has 1/n of the
//! first's traffic, as a few big campaigns and a long tail do), a year of
//! predictive attempts in the calling hours with each one's call, and inbound
//! callers walking IVR menus. Unlike the demo's history (`demo/mod.rs`) there
//! are no agents' shifts or codifies: this is volume, written through the same
//! fact path (`Store::record_facts`), so every counter matches its facts.
//! The shares of results, ring times, raw statuses and menu walks are the
//! simulated world's (`engine::world`).

use jiff::civil::Time;
use jiff::{Timestamp, ToSpan};
use marcador_wire::rows::PULSE;
use marcador_wire::{CallResult, CampaignType, HangUp, TypeInteraction, conn_id};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::RESULT_SHARES;
use crate::engine::world;
use crate::store::{
    AttemptFact, CallFact, Fact, IvrStepFact, NewCampaign, NewRecord, Result, Store, StoreError,
};

/// How big an operation to build.
#[derive(Debug, Clone)]
pub struct BulkSize {
    /// Predictive attempts over the whole history (each with its call).
    pub attempts: u64,
    pub campaigns: usize,
    /// Days of history before `now`.
    pub days: i64,
    /// Attempts per record over the history: a campaign holds its attempts ÷ this.
    pub attempts_per_record: u64,
    /// Inbound callers per 100 attempts (each walks an IVR menu).
    pub inbound_per_100: u64,
    /// Facts per transaction ([`BATCH`] by default).
    pub batch: usize,
}

impl Default for BulkSize {
    fn default() -> Self {
        BulkSize {
            attempts: 10_000_000,
            campaigns: 1_000,
            days: 365,
            attempts_per_record: 10,
            inbound_per_100: 20,
            batch: BATCH,
        }
    }
}

/// What [`seed`] built.
#[derive(Debug, Clone, Default)]
pub struct BulkInfo {
    pub operation_id: i64,
    pub token: String,
    /// The campaigns, the largest first.
    pub campaign_ids: Vec<i64>,
    pub records: u64,
    pub attempts: u64,
    pub calls: u64,
    pub ivr_steps: u64,
    /// Seconds spent writing the history's facts (not the records).
    pub fact_seconds: f64,
    /// `record_facts` transactions so far.
    pub batches: u64,
}

impl BulkInfo {
    pub fn facts(&self) -> u64 {
        self.attempts + self.calls + self.ivr_steps
    }
}

/// Where [`seed`] is, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Records uploaded so far, of the total.
    Records(u64, u64),
    /// Days of history written so far, of the total, and facts so far.
    Days(i64, i64, u64),
}

/// Facts per `record_facts` transaction, by default. Large: each transaction writes
/// every index page its facts touch (a thousand campaigns' places in the
/// by-campaign indexes, the records of its attempts) and a record dialed
/// several times in one batch is updated once. 1,000,000 attempts into
/// SQLite: 20,000 a batch 68–74 k facts/s, 200,000 87 k, 500,000 106–112 k;
/// into PostgreSQL, 20,000 32 k and 500,000 39 k. The seed's peak memory
/// is then about 1.1 GB, the writer's page cache and the batch made ahead
/// included (0.94 GB when batches were made one after the other).
pub const BATCH: usize = 500_000;
/// Local calling hours: 07:00 to 21:00, Colombia's.
const FIRST_HOUR: i64 = 7;
const CALLING_SECONDS: i64 = 14 * 3600;
/// The operation's zone.
const TZ: &str = "America/Bogota";
/// IVR menus: three routing points with the same options.
const MENU: &[(&str, u32)] = &[("1", 40), ("2", 25), ("3", 15), ("ASESOR", 10), (PULSE, 10)];
const AGENTS: usize = 200;

/// Builds the operation `name` in `store` with a year (or `size.days`) of
/// history up to `now`, telling `progress` as it goes. The same `seed` gives
/// the same operation.
pub async fn seed(
    store: &Store,
    name: &str,
    seed: u64,
    size: &BulkSize,
    now: Timestamp,
    mut progress: impl FnMut(Progress),
) -> Result<BulkInfo> {
    if size.campaigns == 0 || size.days < 1 || size.attempts_per_record == 0 {
        return Err(StoreError::Invalid(
            "a bulk operation needs campaigns, days and attempts per record".into(),
        ));
    }
    if store.operation_id(name).await?.is_some() {
        return Err(StoreError::Invalid(format!(
            "the database already holds an operation named {name:?}: seed another name or a fresh database"
        )));
    }
    let rng = StdRng::seed_from_u64(seed);
    // Licenses enough that a benchmark's requests never meet the daily quota.
    let operation_id = store.create_operation(name, TZ, 1_000_000, now).await?;
    let token = store.create_token(operation_id, None, now).await?;
    for (code, description) in [
        ("001", "Venta"),
        ("002", "Volver a llamar"),
        ("003", "No interesado"),
    ] {
        store
            .put_activity_code(operation_id, 1, code, description, code == "001", true)
            .await?;
    }
    let skill = store.create_skill(operation_id, "Ventas").await?;
    let mut agents = Vec::with_capacity(AGENTS);
    for a in 0..AGENTS {
        let code = format!("{}", 2_000 + a);
        agents.push(
            store
                .put_agent(operation_id, &code, &format!("Agente {a}"), &[skill], None)
                .await?,
        );
    }
    let mut rps = Vec::new();
    for n in 1..=3 {
        rps.push(
            store
                .create_routing_point(operation_id, &format!("IVR {n}"))
                .await?,
        );
    }
    let menu: Vec<(String, u32)> = MENU.iter().map(|(o, w)| ((*o).to_owned(), *w)).collect();

    let tz = jiff::tz::TimeZone::get(TZ).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let today = now.to_zoned(tz.clone()).date();
    let mut days = Vec::with_capacity(size.days as usize);
    for back in (1..=size.days).rev() {
        let day = today
            .checked_sub(back.days())
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        // Sundays are quiet.
        let factor = if day.weekday() == jiff::civil::Weekday::Sunday {
            0.3
        } else {
            1.0
        };
        days.push((day, factor));
    }
    let day_weights: f64 = days.iter().map(|(_, f)| f).sum();

    // Campaign n (from 1) has 1/n of the first's attempts.
    let harmonic: f64 = (1..=size.campaigns).map(|n| 1.0 / n as f64).sum();
    let mut campaigns = Vec::with_capacity(size.campaigns);
    let records_total: u64 = (1..=size.campaigns)
        .map(|n| records_for(size, harmonic, n))
        .sum();
    let mut records_done = 0;
    for n in 1..=size.campaigns {
        let id = store
            .create_campaign(
                &NewCampaign {
                    operation_id,
                    name: format!("Campaña {n:04}"),
                    description: String::new(),
                    kind: CampaignType::Predictive,
                    started: false,
                    speed: 100,
                    skill_id: Some(skill),
                    opt_titles: vec!["Producto".into(), "Ciudad".into()],
                    window: None,
                    amd: String::new(),
                },
                now,
            )
            .await?;
        let count = records_for(size, harmonic, n);
        let records: Vec<NewRecord> = (0..count).map(|i| record(n, i)).collect();
        store.insert_records(id, &records, now).await?;
        let ids: Vec<i64> = store
            .campaign_record_phones(id)
            .await?
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        let per_day = size.attempts as f64 / harmonic / n as f64 / day_weights;
        campaigns.push(Campaign {
            id,
            n,
            ids,
            next: 0,
            per_day,
        });
        records_done += count;
        progress(Progress::Records(records_done, records_total));
    }
    store.analyze(&["records"]).await?;
    store.for_bulk_load().await?;

    let mut info = BulkInfo {
        operation_id,
        token,
        campaign_ids: campaigns.iter().map(|c| c.id).collect(),
        records: records_total,
        ..BulkInfo::default()
    };
    let started = std::time::Instant::now();
    // Into empty fact tables on PostgreSQL: their indexes and foreign keys are
    // made after the load, in its time (`store/bulk.rs`).
    store.begin_bulk_load().await?;
    // The history is made on a thread of its own, a batch ahead of the
    // writes: making a batch (draws, strings, fresh memory) costs time the
    // database's thread does not need this one for (1,000,000 attempts
    // into SQLite, alternated five times: 1.01–1.23× the facts a second).
    // One batch waits while another is written — two in memory, not one.
    let history = History {
        rng,
        days,
        tz,
        campaigns,
        size: size.clone(),
        skill,
        agents,
        rps,
        menu,
        operation_id,
    };
    // A write that fails stops the maker at its next batch (`_stop`).
    let (mut told, _stop, maker) = history.start();
    let total_days = size.days;
    while let Some(m) = told.recv().await {
        match m {
            Made::Facts(mut facts, turn) => {
                // Taken: the next batch may be made while this one is written.
                drop(turn);
                write(store, &mut facts, &mut info).await?;
            }
            Made::Day(done) => progress(Progress::Days(done, total_days, info.facts())),
        }
    }
    maker
        .await
        .map_err(|e| StoreError::Invalid(format!("making the history: {e}")))??;
    store.end_bulk_load().await?;
    info.fact_seconds = started.elapsed().as_secs_f64();
    store.analyze(&[]).await?;
    Ok(info)
}

/// What the history's maker tells the writer, in order.
enum Made {
    /// A batch to write, with the turn it was made in: the next is made
    /// only once this one is taken.
    Facts(Vec<Fact>, tokio::sync::OwnedSemaphorePermit),
    /// Days made so far.
    Day(i64),
}

/// Closes the maker's turns when the writer is done (or gives up), so a
/// maker waiting for its turn stops.
struct CloseOnDrop(std::sync::Arc<tokio::sync::Semaphore>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Everything the history is drawn from.
struct History {
    rng: StdRng,
    days: Vec<(jiff::civil::Date, f64)>,
    tz: jiff::tz::TimeZone,
    campaigns: Vec<Campaign>,
    size: BulkSize,
    skill: i64,
    agents: Vec<i64>,
    rps: Vec<i64>,
    menu: Vec<(String, u32)>,
    operation_id: i64,
}

/// What [`History::start`] gives the writer: what is made, in order; the
/// maker's turns, closed when dropped; the maker itself.
type Maker = (
    tokio::sync::mpsc::UnboundedReceiver<Made>,
    CloseOnDrop,
    tokio::task::JoinHandle<Result<()>>,
);

impl History {
    /// Starts making the history on a thread of its own ([`History::make`]).
    fn start(self) -> Maker {
        let (made, told) = tokio::sync::mpsc::unbounded_channel();
        let ahead = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
        let maker = tokio::task::spawn_blocking({
            let ahead = ahead.clone();
            move || self.make(&made, &ahead)
        });
        (told, CloseOnDrop(ahead), maker)
    }

    /// Makes the history day by day, a batch of facts at a time, each
    /// batch begun only with a turn from `ahead`. Stops quietly when the
    /// writer is gone.
    fn make(
        mut self,
        out: &tokio::sync::mpsc::UnboundedSender<Made>,
        ahead: &std::sync::Arc<tokio::sync::Semaphore>,
    ) -> Result<()> {
        let turn = || {
            tokio::runtime::Handle::current()
                .block_on(ahead.clone().acquire_owned())
                .ok()
        };
        let mut permit = turn();
        let mut facts: Vec<Fact> = Vec::new();
        let batch = self.size.batch.max(1);
        // Hands a full (or the `last`) batch over with its turn, then waits
        // for the next turn; false when the writer is gone.
        let mut hand_over = |facts: &mut Vec<Fact>, last: bool| {
            if !last && facts.len() < batch {
                return true;
            }
            let Some(turn_now) = permit.take() else {
                return false;
            };
            if out
                .send(Made::Facts(std::mem::take(facts), turn_now))
                .is_err()
            {
                return false;
            }
            permit = if last { None } else { turn() };
            last || permit.is_some()
        };
        let mut seq = 0u64;
        let days = std::mem::take(&mut self.days);
        for (done, (day, factor)) in days.into_iter().enumerate() {
            let opens = day
                .to_datetime(Time::constant(FIRST_HOUR as i8, 0, 0, 0))
                .to_zoned(self.tz.clone())
                .map_err(|e| StoreError::Invalid(e.to_string()))?
                .timestamp()
                .as_second();
            let mut day_attempts = 0u64;
            for c in &mut self.campaigns {
                let n = world::poisson(&mut self.rng, c.per_day * factor);
                let mut times: Vec<i64> = (0..n)
                    .map(|_| opens + self.rng.random_range(0..CALLING_SECONDS))
                    .collect();
                times.sort_unstable();
                for at in times {
                    seq += 1;
                    attempt(
                        &mut self.rng,
                        c,
                        at,
                        seq,
                        self.skill,
                        &self.agents,
                        self.operation_id,
                        &mut facts,
                    );
                    day_attempts += 1;
                }
                if !hand_over(&mut facts, false) {
                    return Ok(());
                }
            }
            // Inbound callers through the day, each walking one of the menus.
            let inbound = day_attempts * self.size.inbound_per_100 / 100;
            for _ in 0..inbound {
                seq += 1;
                let at = opens + self.rng.random_range(0..CALLING_SECONDS);
                let rp = self.rps[self.rng.random_range(0..self.rps.len())];
                inbound_call(
                    &mut self.rng,
                    &self.menu,
                    at,
                    seq,
                    rp,
                    self.skill,
                    &self.agents,
                    self.operation_id,
                    &mut facts,
                );
                if !hand_over(&mut facts, false) {
                    return Ok(());
                }
            }
            if out.send(Made::Day(done as i64 + 1)).is_err() {
                return Ok(());
            }
        }
        hand_over(&mut facts, true);
        Ok(())
    }
}

/// A campaign being dialed: its records' ids, dialed round and round.
struct Campaign {
    id: i64,
    n: usize,
    ids: Vec<i64>,
    next: usize,
    per_day: f64,
}

fn records_for(size: &BulkSize, harmonic: f64, n: usize) -> u64 {
    let attempts = size.attempts as f64 / harmonic / n as f64;
    ((attempts / size.attempts_per_record as f64).ceil() as u64).max(10)
}

/// Campaign `n`'s `i`-th customer: two numbers on every third record.
fn record(n: usize, i: u64) -> NewRecord {
    let tels = (0..numbers_of(i)).map(|c| phone_of(n, i, c)).collect();
    NewRecord {
        customer_id: customer_of(n, i),
        customer_name: "Cliente".into(),
        customer_last_name: format!("Número {i}"),
        id_type: "CC".into(),
        country: "COL".into(),
        city: "Bogotá".into(),
        tels,
        opts: vec![
            ["Vida", "Hogar", "Autos", "Salud"][i as usize % 4].into(),
            "Bogotá".into(),
        ],
        ..NewRecord::default()
    }
}

/// How many numbers record `i` has: two on every third.
fn numbers_of(i: u64) -> u64 {
    if i.is_multiple_of(3) { 2 } else { 1 }
}

fn customer_of(n: usize, i: u64) -> String {
    format!("{}", 1_000_000_000 + n as u64 * 10_000_000 + i)
}

/// A mobile number (10 digits from 3): campaign, record and phone column.
fn phone_of(n: usize, i: u64, column: u64) -> String {
    format!(
        "3{:09}",
        (n as u64 * 1_000_003 + i * 7 + column) % 1_000_000_000
    )
}

/// One predictive attempt of campaign `c` at `at`, and its call.
#[allow(clippy::too_many_arguments)]
fn attempt(
    rng: &mut StdRng,
    c: &mut Campaign,
    at: i64,
    seq: u64,
    skill: i64,
    agents: &[i64],
    operation_id: i64,
    facts: &mut Vec<Fact>,
) {
    let i = c.next % c.ids.len();
    let pass = (c.next / c.ids.len()) as u64;
    c.next += 1;
    let record_id = c.ids[i];
    let column = pass % numbers_of(i as u64);
    let telephone = phone_of(c.n, i as u64, column);
    let result = world::pick(rng, RESULT_SHARES, |s| s.1).0;
    let ring = world::ring_seconds(rng, result);
    let ending = world::ending(result);
    let conn = conn_id::format(1, c.n as u32, at, seq);
    let agent = (result == CallResult::Answer).then(|| agents[rng.random_range(0..agents.len())]);
    let talk = if agent.is_some() {
        rng.random_range(20..400)
    } else {
        0
    };
    let answered = matches!(result, CallResult::Answer | CallResult::Abandon);
    facts.push(Fact::Call(CallFact {
        operation_id,
        started_at: at,
        type_interaction: TypeInteraction::OutPre,
        result,
        telephone: telephone.clone(),
        customer_id: customer_of(c.n, i as u64),
        conn_id: conn.clone(),
        campaign_id: Some(c.id),
        rp_id: None,
        duration: ring + talk,
        agent_id: agent,
        skill_id: Some(skill),
        ring_seconds: ring,
        hang_up: if agent.is_some() {
            HangUp::Customer
        } else {
            HangUp::System
        },
        wait_seconds: answered.then(|| rng.random_range(0..=2)),
    }));
    facts.push(Fact::Attempt(AttemptFact {
        campaign_id: c.id,
        record_id,
        phone: column as u8 + 1,
        telephone,
        started_at: at,
        result,
        raw_status: ending.raw_status(),
        hangup_cause: Some(i64::from(ending.q850)),
        conn_id: conn,
        amd: None,
    }));
}

/// An inbound caller: its walk through `menu` of routing point `rp`, then
/// its call, taken by an agent unless it hung up in the menu.
#[allow(clippy::too_many_arguments)]
fn inbound_call(
    rng: &mut StdRng,
    menu: &[(String, u32)],
    at: i64,
    seq: u64,
    rp: i64,
    skill: i64,
    agents: &[i64],
    operation_id: i64,
    facts: &mut Vec<Fact>,
) {
    let conn = conn_id::format(1, 9_000, at, seq);
    let steps = world::walk_menu(rng, menu);
    let hung_up = world::hangs_up_in_menu(rng, &steps);
    let mut entered = at;
    for (option, seconds) in &steps {
        facts.push(Fact::IvrStep(IvrStepFact {
            operation_id,
            rp_id: rp,
            conn_id: conn.clone(),
            option: option.clone(),
            entered_at: entered,
            seconds: *seconds,
        }));
        entered += seconds;
    }
    let agent = (!hung_up).then(|| agents[rng.random_range(0..agents.len())]);
    let talk = if agent.is_some() {
        rng.random_range(30..500)
    } else {
        0
    };
    facts.push(Fact::Call(CallFact {
        operation_id,
        started_at: at,
        type_interaction: TypeInteraction::Inbound,
        result: if hung_up {
            CallResult::Abandon
        } else {
            CallResult::Answer
        },
        telephone: world::caller(rng),
        customer_id: String::new(),
        conn_id: conn,
        campaign_id: None,
        rp_id: Some(rp),
        duration: entered - at + talk,
        agent_id: agent,
        skill_id: (!hung_up).then_some(skill),
        ring_seconds: 0,
        hang_up: HangUp::Customer,
        wait_seconds: (!hung_up).then(|| rng.random_range(0..60)),
    }));
}

/// Writes the facts gathered, counting them.
async fn write(store: &Store, facts: &mut Vec<Fact>, info: &mut BulkInfo) -> Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    for f in facts.iter() {
        match f {
            Fact::Attempt(_) => info.attempts += 1,
            Fact::Call(_) => info.calls += 1,
            Fact::IvrStep(_) => info.ivr_steps += 1,
            _ => {}
        }
    }
    store.record_facts(facts).await?;
    // The log is started over after each batch (the background checkpoints
    // never catch up with a writer that does not pause).
    info.batches += 1;
    store.checkpoint().await?;
    facts.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A history of `days` days of one campaign, about 100 attempts a day,
    /// cut in batches of `batch` facts.
    fn small_history(days: i64, batch: usize) -> History {
        let tz = jiff::tz::TimeZone::UTC;
        let first = jiff::civil::date(2026, 1, 5);
        History {
            rng: StdRng::seed_from_u64(1),
            days: (0..days)
                .map(|d| (first.checked_add(d.days()).unwrap(), 1.0))
                .collect(),
            tz,
            campaigns: vec![Campaign {
                id: 1,
                n: 1,
                ids: vec![1, 2, 3],
                next: 0,
                per_day: 100.0,
            }],
            size: BulkSize {
                batch,
                ..BulkSize::default()
            },
            skill: 1,
            agents: vec![1],
            rps: vec![1],
            menu: vec![("1".into(), 1)],
            operation_id: 1,
        }
    }

    #[tokio::test]
    async fn the_history_is_made_one_batch_ahead_and_stops_when_the_writer_is_gone() {
        let (mut told, stop, maker) = small_history(30, 50).start();
        // The first batch comes with its turn; while the writer holds it, the
        // maker waits: nothing else is told, not even the day's end.
        let Some(Made::Facts(first, turn)) = told.recv().await else {
            panic!("a batch first");
        };
        assert!(first.len() >= 50, "{}", first.len());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(told.try_recv().is_err(), "made more than a batch ahead");
        // Taken: the maker goes on, one batch more (the day's inbound
        // callers), and waits again.
        drop(turn);
        let Some(Made::Facts(_, _second)) = told.recv().await else {
            panic!("a second batch");
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(told.try_recv().is_err(), "made more than a batch ahead");
        // The writer gives up (a failed write): the waiting maker stops.
        drop(told);
        drop(stop);
        tokio::time::timeout(std::time::Duration::from_secs(10), maker)
            .await
            .expect("the maker stopped")
            .unwrap()
            .unwrap();
    }

    /// Every fact the maker hands over, in order (as text: facts are not
    /// comparable), and the days it told.
    async fn everything_made(history: History) -> (Vec<String>, Vec<i64>) {
        let (mut told, _stop, maker) = history.start();
        let (mut facts, mut days) = (Vec::new(), Vec::new());
        while let Some(m) = told.recv().await {
            match m {
                Made::Facts(f, _) => facts.extend(f.iter().map(|f| format!("{f:?}"))),
                Made::Day(d) => days.push(d),
            }
        }
        maker.await.unwrap().unwrap();
        (facts, days)
    }

    #[tokio::test]
    async fn every_fact_made_is_handed_over_once_in_order_and_each_day_told_once() {
        // Cut in batches of 50, or in one batch at the end: the same facts.
        let (cut, days) = everything_made(small_history(5, 50)).await;
        let (whole, whole_days) = everything_made(small_history(5, usize::MAX)).await;
        assert_eq!(days, [1, 2, 3, 4, 5]);
        assert_eq!(whole_days, days);
        assert!(whole.len() >= 2 * 5 * 80, "{}", whole.len());
        assert_eq!(cut, whole);
    }
}
