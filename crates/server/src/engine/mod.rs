//! The engine: the operation's dialer and agents as one discrete-event loop.
//!
//! Events — pacing ticks, telephony's reports ([`telephony::TelEvent`]), the
//! engine's own deadlines (ring timeout, the 2 seconds an answered customer
//! waits for an agent, the end of after-call work) — are processed in time
//! order from one queue, against a clock the caller advances:
//! [`Engine::run_until`]. The engine talks to telephony only through
//! [`telephony::Telephony`]'s commands and events, so the simulator
//! (`sim.rs`) and real telephony are interchangeable. With the simulator, the
//! same seed, setup and sequence of `run_until` calls give the same calls: a
//! test runs an 8-hour day in seconds, and `marcador demo` runs the same loop
//! against a (possibly sped-up) wall clock ([`live::run_live`]).
//!
//! The rooms: this file is the loop (queue, clock, dispatch, facts);
//! `dialer.rs` paces campaigns and follows each customer call from dial to
//! hang-up; `agents.rs` is the agents' states, legs, bridging and after-call
//! work; `inbound.rs` is the simulated inbound traffic (IVR menus, queues)
//! and internal calls; `world.rs` is what the simulated world draws from;
//! `pacing.rs` decides how many lines to dial; `gauges.rs` publishes the
//! dialer's and agents' gauges for `GET /metrics`.
//!
//! Campaign dialers are state in this loop rather than separate tasks because
//! they share agents: one loop keeps them consistent and deterministic. Every
//! tick is one transaction ([`Store::record_engine_tick`]): the facts since the
//! last tick, the simulated agents' codifies, the agent API's commands taken,
//! and the records the dialer picks (taken there, so no two dialers take one
//! record). Every result is written as facts, so the reports show exactly the
//! calls this engine placed.

mod agents;
mod call_actions;
mod dialer;
mod gauges;
mod inbound;
pub mod live;
mod manual;
mod network;
pub mod pacing;
pub mod sim;
mod smart_wait;
pub mod telephony;
mod transfer;
pub mod world;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use jiff::Timestamp;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::calling::CallingProfile;
use crate::domain::CallAction;
use crate::store::{
    AgentCodify, ClaimAsk, EngineTick, EngineWritten, Fact, Result, Store, StoreError,
};
use agents::Agent;
use dialer::{Campaign, LiveCall};
use inbound::InboundCall;
use pacing::PacingProfile;
use telephony::{CallRef, Command, TelEvent, Telephony, Timed};

pub use live::run_live;

/// Ticks in a row a batch of facts the database failed to take is written
/// again before it is dropped (a minute at the usual tick).
const FACT_TRIES: u32 = 60;

/// A failure that may pass (the database busy or out of reach), not one
/// about the facts themselves (refused, or breaking a constraint: writing
/// them again would fail again).
fn passing(e: &StoreError) -> bool {
    match e {
        StoreError::Db(sqlx::Error::Database(db)) => db.kind() == sqlx::error::ErrorKind::Other,
        StoreError::Db(_) => true,
        StoreError::Invalid(_) | StoreError::Migrate(_) => false,
    }
}

/// How the engine behaves.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub operation_id: i64,
    /// Seed of the engine's own choices (activity codes, after-call work).
    pub seed: u64,
    /// Pacing decisions are taken every `tick_ms`.
    pub tick_ms: i64,
    /// An answered call waits at most this long for an agent before it is abandoned.
    pub max_wait_ms: i64,
    /// A call that has not been answered this long after the dial is hung up: no answer.
    pub ring_timeout_ms: i64,
    /// A simulated agent's after-call work per call: uniform in this range.
    pub acw_ms: (i64, i64),
    /// A person's after-call work ends at the latest this long after the
    /// call (typing the call ends it earlier).
    pub wrap_up_ms: i64,
    /// Time an agent looks at a preview record before dialing it.
    pub preview_ms: i64,
    /// Share of connected campaign calls the agent codifies (the rest stay dialed).
    pub codify_share: f64,
    pub pacing: PacingProfile,
    /// At most this many lines per free agent at speed 100 (speed 0 = 1 line).
    pub max_lines_per_agent: f64,
    /// Inbound traffic: callers arriving at routing points.
    pub inbound: Vec<InboundSim>,
    /// Internal calls, transfers and conferences per hour (calls_last_10 shows every type).
    pub other_calls_per_hour: f64,
    /// The pause codes simulated agents take breaks in (none: they never pause on their own).
    pub breaks: Vec<String>,
    /// Smart wait's call backs: attempts at most, and the time between them.
    pub callback_attempts: i64,
    pub callback_retry_ms: i64,
}

/// Callers of one routing point: they walk its menu (one to three options,
/// `PULSE` ends the walk), then wait in the skill's queue for an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundSim {
    pub rp_id: i64,
    /// The skill whose agents answer after the menu (none: the IVR ends the call).
    pub skill_id: Option<i64>,
    /// Options with their weights; include `PULSE` for callers who press nothing.
    pub options: Vec<(String, u32)>,
    pub calls_per_hour: f64,
    /// Questions of the survey callers are offered after their talk (0: none).
    pub survey_questions: usize,
    /// Smart wait: a caller queued this long is offered a call back (none: never).
    pub smart_wait_ms: Option<i64>,
}

impl EngineConfig {
    pub fn new(operation_id: i64, seed: u64) -> Self {
        EngineConfig {
            operation_id,
            seed,
            tick_ms: 1_000,
            max_wait_ms: 2_000,
            ring_timeout_ms: 30_000,
            acw_ms: (10_000, 30_000),
            wrap_up_ms: 60_000,
            preview_ms: 8_000,
            codify_share: 0.9,
            pacing: PacingProfile::default(),
            max_lines_per_agent: 6.0,
            inbound: Vec::new(),
            other_calls_per_hour: 0.0,
            breaks: Vec::new(),
            callback_attempts: 3,
            callback_retry_ms: 120_000,
        }
    }
}

/// What the engine has done, for reports, tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineStats {
    pub attempts: u64,
    pub human_answers: u64,
    pub abandons: u64,
    pub connected: u64,
    pub codified: u64,
    pub inbound: u64,
    pub inbound_abandoned: u64,
    /// Agent time talking or in after-call work, and agent time staffed (ms).
    pub busy_ms: i64,
    pub staffed_ms: i64,
}

impl EngineStats {
    /// Abandoned ÷ human-answered calls.
    pub fn abandon_rate(&self) -> f64 {
        if self.human_answers == 0 {
            0.0
        } else {
            self.abandons as f64 / self.human_answers as f64
        }
    }

    /// Talk + after-call work ÷ staffed time.
    pub fn occupancy(&self) -> f64 {
        if self.staffed_ms == 0 {
            0.0
        } else {
            self.busy_ms as f64 / self.staffed_ms as f64
        }
    }
}

/// What the queue holds. Telephony's reports are queued at the time they
/// happened; everything else is the engine's own deadline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Tick,
    Tel(TelEvent),
    RingTimeout(CallRef),
    WaitExpired(CallRef),
    AfterCallEnd {
        agent: usize,
        call: CallRef,
    },
    /// An agent's phone has rung this long without answering (its log-in `serial`).
    AgentRingTimeout {
        agent: usize,
        serial: u64,
    },
    PreviewDial {
        agent: usize,
        call: CallRef,
    },
    /// A simulated inbound caller finished the menu.
    MenuDone(CallRef),
    /// A simulated inbound caller in the queue gave up.
    PatienceOut(CallRef),
    /// A queued caller has waited long enough to be offered a call back.
    SmartWaitOffer(CallRef),
    /// A simulated inbound caller's talk ended (with whichever agent has it).
    InboundTalkEnd(CallRef),
    /// A simulated agent hands its call to another free agent of the skill.
    SimTransfer {
        agent: usize,
        call: CallRef,
    },
    /// A simulated agent's break is over (its log-in `serial`).
    BreakEnd {
        agent: usize,
        serial: u64,
    },
    /// A simulated agent holds or mutes its call, or stops.
    CallAction {
        agent: usize,
        call: CallRef,
        action: CallAction,
        on: bool,
    },
}

pub struct Engine {
    store: Store,
    tel: Box<dyn Telephony>,
    cfg: EngineConfig,
    rng: StdRng,
    now: i64,
    seq: u64,
    queue: BinaryHeap<Reverse<(i64, u64, Event)>>,
    campaigns: BTreeMap<i64, Campaign>,
    agents: Vec<Agent>,
    /// Answered calls waiting for an agent, per skill, oldest first.
    waiting: BTreeMap<i64, VecDeque<CallRef>>,
    calls: BTreeMap<CallRef, LiveCall>,
    inbound: BTreeMap<CallRef, InboundCall>,
    /// Inbound callers talking with an agent.
    inbound_talks: BTreeMap<CallRef, inbound::InboundTalk>,
    /// Calls handed from one agent to another, by the leg now talking.
    transfers: BTreeMap<CallRef, transfer::Transfer>,
    /// Calls placed to numbers outside that callers were handed to, by the placed call.
    outside: BTreeMap<CallRef, transfer::Outside>,
    /// Inbound callers queued for an agent, per skill, oldest first.
    queued: BTreeMap<i64, VecDeque<CallRef>>,
    /// Callers who accepted a call back, by their inbound call, until it ends.
    callbacks: BTreeMap<CallRef, smart_wait::Callback>,
    /// Each skill's queue length as last written (real_time skills).
    queues_written: BTreeMap<i64, i64>,
    next_call: CallRef,
    facts: Vec<Fact>,
    /// Simulated agents' codifies, made with the next facts (after them).
    codifies: Vec<AgentCodify>,
    /// Ticks in a row whose facts the database failed to take (they are kept
    /// and written again, up to [`FACT_TRIES`]).
    failed_writes: u32,
    /// Telephony's reports not yet queued (kept to reuse the allocation).
    reported: Vec<Timed>,
    codes: Vec<(String, bool)>,
    mean_talk_ms: f64,
    mean_answer_ms: f64,
    /// Ring times of the last answered calls (ms), for the chance an answer comes late.
    answer_times: VecDeque<i64>,
    /// The operation's calling profile and zone: checked at every dial.
    profile: CallingProfile,
    tz: jiff::tz::TimeZone,
    stats: EngineStats,
    /// Where its gauges go (`GET /metrics`), if anywhere.
    published: Option<gauges::Published>,
}

impl Engine {
    /// An engine for the operation's campaigns and agents as the store has
    /// them, placing calls through `tel`, starting at `start`. Simulated
    /// agents are logged in (their legs opened) at `start`; people log in
    /// through the agent API.
    pub async fn new(
        store: Store,
        tel: impl Telephony + 'static,
        cfg: EngineConfig,
        start: Timestamp,
    ) -> Result<Self> {
        let start_ms = start.as_millisecond();
        let agents = store
            .agents(cfg.operation_id)
            .await?
            .into_iter()
            .map(|row| Agent::new(row, start_ms))
            .collect();
        let codes = store.activity_codes(cfg.operation_id, 1).await?;
        let (profile, tz) = store.operation_calling(cfg.operation_id).await?;
        let profile = CallingProfile::parse(&profile).unwrap_or(CallingProfile::Colombia);
        let mut cfg = cfg;
        cfg.pacing.window_ms = profile.abandon_window_ms();
        let mut e = Engine {
            profile,
            tz,
            rng: StdRng::seed_from_u64(cfg.seed),
            store,
            tel: Box::new(tel),
            now: start_ms,
            seq: 0,
            queue: BinaryHeap::new(),
            campaigns: BTreeMap::new(),
            agents,
            waiting: BTreeMap::new(),
            calls: BTreeMap::new(),
            inbound: BTreeMap::new(),
            inbound_talks: BTreeMap::new(),
            transfers: BTreeMap::new(),
            outside: BTreeMap::new(),
            queued: BTreeMap::new(),
            callbacks: BTreeMap::new(),
            queues_written: BTreeMap::new(),
            next_call: 0,
            facts: Vec::new(),
            codifies: Vec::new(),
            failed_writes: 0,
            reported: Vec::new(),
            codes,
            mean_talk_ms: 120_000.0,
            mean_answer_ms: 10_000.0,
            answer_times: VecDeque::with_capacity(dialer::ANSWER_SAMPLES),
            stats: EngineStats::default(),
            published: None,
            cfg,
        };
        e.sync_campaigns().await?;
        e.owed_call_backs().await?;
        for agent in 0..e.agents.len() {
            if e.agents[agent].simulated {
                e.log_in(agent);
            }
        }
        e.schedule(e.now, Event::Tick);
        Ok(e)
    }

    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The engine's current time.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.now).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Notified when telephony has reports for the engine (real telephony only).
    pub fn wake(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        self.tel.wake()
    }

    /// Processes every event up to `until`, then writes the facts produced.
    pub async fn run_until(&mut self, until: Timestamp) -> Result<()> {
        let until = until.as_millisecond();
        self.take_reports();
        while let Some(Reverse((at, _, _))) = self.queue.peek() {
            if *at > until {
                break;
            }
            let Some(Reverse((at, _, ev))) = self.queue.pop() else {
                break;
            };
            self.account_agents(at);
            self.now = at.max(self.now);
            self.handle(ev).await?;
        }
        self.account_agents(until.max(self.now));
        self.now = until.max(self.now);
        self.flush().await
    }

    fn schedule(&mut self, at: i64, ev: Event) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, ev)));
    }

    /// Gives telephony a command and queues what it reports.
    fn tell(&mut self, cmd: Command) {
        self.tel.command(self.now, cmd);
        self.take_reports();
    }

    /// Queues telephony's reports, each at the time it happened (never in the
    /// engine's past: a report that arrived late is handled now).
    fn take_reports(&mut self) {
        let mut reported = std::mem::take(&mut self.reported);
        self.tel.drain(&mut reported);
        for (at, ev) in reported.drain(..) {
            self.schedule(at.max(self.now), Event::Tel(ev));
        }
        self.reported = reported;
    }

    /// Writes the facts gathered (and the agents' codifies).
    pub async fn flush(&mut self) -> Result<()> {
        self.write_tick(None, &[]).await.map(drop)
    }

    /// Writes the facts gathered and the agents' codifies in one transaction,
    /// taking the commands of `commands_of` and making the picks `claims`
    /// there too. Nothing to write and nothing to pick: only the commands
    /// are read (a trip to a reader when there are none).
    async fn write_tick(
        &mut self,
        commands_of: Option<i64>,
        claims: &[ClaimAsk],
    ) -> Result<EngineWritten> {
        self.gather_facts();
        if self.facts.is_empty() && self.codifies.is_empty() && claims.is_empty() {
            return Ok(EngineWritten {
                commands: match commands_of {
                    Some(operation_id) => self.store.take_agent_commands(operation_id).await?,
                    None => Vec::new(),
                },
                ..EngineWritten::default()
            });
        }
        let facts = std::mem::take(&mut self.facts);
        let codifies = std::mem::take(&mut self.codifies);
        let written = match self
            .store
            .record_engine_tick(&EngineTick {
                facts: &facts,
                codifies: &codifies,
                commands_of,
                claims,
                now: self.now.div_euclid(1000),
            })
            .await
        {
            Ok(written) => {
                self.failed_writes = 0;
                written
            }
            Err(e) => {
                // Nothing of the tick was written. A database that failed
                // (busy, a dropped connection) gets the facts again at the
                // next tick, before any new ones: a call's attempt is what
                // lets its record be dialed again. Facts it refused, or
                // failures that go on, are dropped, so they never block
                // every later tick.
                self.failed_writes += 1;
                if passing(&e) && self.failed_writes < FACT_TRIES {
                    // Nothing was gathered since they were taken.
                    self.facts = facts;
                    self.codifies = codifies;
                } else {
                    tracing::error!(
                        error = %e,
                        facts = facts.len(),
                        codifies = codifies.len(),
                        "engine facts dropped"
                    );
                    self.failed_writes = 0;
                }
                return Err(e);
            }
        };
        for (codify, done) in codifies.iter().zip(&written.codified) {
            match done {
                Ok(()) => self.stats.codified += 1,
                // The record or campaign went away meanwhile: nothing to codify.
                Err(r) => {
                    tracing::warn!(rejection = ?r, campaign = codify.campaign_id, "agent codify refused")
                }
            }
        }
        Ok(written)
    }

    /// The facts of what changed since they were last written.
    fn gather_facts(&mut self) {
        self.agent_facts();
        self.phone_facts();
        self.queue_facts();
    }

    async fn handle(&mut self, ev: Event) -> Result<()> {
        match ev {
            Event::Tick => {
                // The next tick comes even if this one fails: its picks and
                // the commands are asked again then, with its facts.
                self.schedule(self.now + self.cfg.tick_ms, Event::Tick);
                self.tick().await?;
            }
            Event::Tel(ev) => self.reported(ev),
            Event::RingTimeout(call) => {
                if !self.outside_ring_timeout(call) {
                    self.ring_timeout(call);
                }
            }
            Event::WaitExpired(call) => self.wait_expired(call),
            Event::AfterCallEnd { agent, call } => self.after_call_end(agent, call),
            Event::BreakEnd { agent, serial } => self.break_end(agent, serial),
            Event::CallAction {
                agent,
                call,
                action,
                on,
            } => self.planned_action(agent, call, action, on),
            Event::AgentRingTimeout { agent, serial } => self.agent_ring_timeout(agent, serial),
            Event::PreviewDial { agent, call } => self.dial(call, Some(agent)),
            Event::MenuDone(call) => self.menu_done(call),
            Event::PatienceOut(call) => self.patience_out(call),
            Event::SmartWaitOffer(call) => self.smart_wait_offer(call),
            Event::InboundTalkEnd(call) => {
                if let Some(agent) = self.talker(call) {
                    self.talk_ended(agent, call);
                }
            }
            Event::SimTransfer { agent, call } => self.sim_transfer(agent, call),
        }
        Ok(())
    }

    /// A telephony report, to the room it concerns.
    fn reported(&mut self, ev: TelEvent) {
        if self.outside_reported(&ev) {
            return;
        }
        match ev {
            TelEvent::Ringing { call } => self.ringing(call),
            TelEvent::Answered { call, by } => self.answered(call, by),
            TelEvent::Failed { call, ending } => self.failed(call, ending),
            TelEvent::HungUp { call, by, .. } => self.hung_up(call, by),
            TelEvent::AgentLegUp { agent } => self.leg_up(agent),
            TelEvent::AgentLegDown { agent, .. } => self.leg_down(agent),
            TelEvent::AgentNetwork { agent, network } => self.phone_network(agent, network),
        }
    }

    /// A pacing tick: call backs due, then the campaigns' dialing decided
    /// on the agents as they are, then one transaction — the facts so far,
    /// the commands taken, the records picked (after the facts: a pick sees
    /// every result written) — then the picked records dialed and the
    /// commands applied (so a command takes effect for the next tick's
    /// pacing, within a second as campaign changes do).
    async fn tick(&mut self) -> Result<()> {
        self.call_back();
        let plan = self.plan_dials();
        let written = self
            .write_tick(Some(self.cfg.operation_id), &plan.asks)
            .await;
        self.planned_done(&plan);
        let written = written?;
        self.dial_picked(plan, written.claims);
        self.agent_commands(written.commands);
        self.inbound_arrivals();
        self.other_calls();
        self.publish();
        Ok(())
    }

    /// The node part of the conn_ids this engine writes.
    fn node(&self) -> u32 {
        marcador_wire::conn_id::node(self.cfg.operation_id)
    }
}
