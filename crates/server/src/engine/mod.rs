//! The engine: the operation's dialer and agents as one discrete-event loop.
//!
//! Events (ticks, telephony outcomes, the end of a talk or of after-call work,
//! the 2-second wait of an answered call) are processed in time order from a
//! queue, against a clock the caller advances: [`Engine::run_until`]. The same
//! seed, setup and sequence of `run_until` calls give the same calls, so a test
//! runs an 8-hour day in seconds, and `marcador demo` runs the same loop against
//! a (possibly sped-up) wall clock. Campaign dialers are state in this loop rather
//! than separate tasks because they share agents: one loop keeps them consistent
//! and deterministic.
//!
//! Every record is taken through [`Store::claim_records`], a conditional update,
//! and every result is written as facts, so the reports show exactly the calls
//! this engine placed.

pub mod pacing;
pub mod telephony;
pub mod world;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::calling::{self, CallingProfile};
use crate::clock::SharedClock;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use jiff::Timestamp;
use marcador_wire::{CallResult, CampaignType, TypeInteraction, conn_id};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::store::{AttemptFact, CallFact, Claim, ClaimRules, CodifyInput, Fact, Result, Store};
use pacing::{Pacer, PacingProfile};
use telephony::{CallEvents, Outcome, Telephony};

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
    /// After-call work per call: uniform in this range.
    pub acw_ms: (i64, i64),
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
}

impl EngineConfig {
    pub fn new(operation_id: i64, seed: u64) -> Self {
        EngineConfig {
            operation_id,
            seed,
            tick_ms: 1_000,
            max_wait_ms: 2_000,
            acw_ms: (10_000, 30_000),
            preview_ms: 8_000,
            codify_share: 0.9,
            pacing: PacingProfile::default(),
            max_lines_per_agent: 6.0,
            inbound: Vec::new(),
            other_calls_per_hour: 0.0,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgentState {
    Idle,
    /// Looking at a preview record, then dialing it.
    Previewing,
    Talking,
    AfterCall {
        until: i64,
    },
}

#[derive(Debug)]
struct Agent {
    /// The agent's id in the store (what a preview record's `agent_id` names).
    id: i64,
    skill: i64,
    state: AgentState,
    since: i64,
}

#[derive(Debug)]
struct Campaign {
    /// Daily window `hhiiss`–`hhiiss`.
    window: (String, String),
    kind: CampaignType,
    started: bool,
    speed: i64,
    skill: Option<i64>,
    pacer: Pacer,
    in_flight: u32,
    /// This process holds the campaign's dialing lease.
    held: bool,
}

#[derive(Debug)]
struct LiveCall {
    campaign: i64,
    claim: Claim,
    started_ms: i64,
    events: CallEvents,
    conn_id: String,
    /// The preview agent who dials it.
    agent: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Tick,
    Outcome(u64),
    WaitExpired(u64),
    TalkEnd {
        agent: usize,
        call: u64,
    },
    AfterCallEnd {
        agent: usize,
        call: u64,
    },
    PreviewDial {
        agent: usize,
        call: u64,
    },
    /// An inbound caller finished the menu.
    MenuDone(u64),
    /// An inbound caller in the queue gave up.
    PatienceOut(u64),
}

#[derive(Debug)]
struct InboundCall {
    rp_id: i64,
    skill: Option<i64>,
    telephone: String,
    conn_id: String,
    started_ms: i64,
    talk_ms: i64,
    hang_up_in_menu: bool,
}

pub struct Engine<T: Telephony> {
    store: Store,
    tel: T,
    cfg: EngineConfig,
    rng: StdRng,
    now: i64,
    seq: u64,
    queue: BinaryHeap<Reverse<(i64, u64, Event)>>,
    campaigns: BTreeMap<i64, Campaign>,
    agents: Vec<Agent>,
    /// Answered calls waiting for an agent, per skill, oldest first.
    waiting: BTreeMap<i64, VecDeque<u64>>,
    calls: BTreeMap<u64, LiveCall>,
    inbound: BTreeMap<u64, InboundCall>,
    /// Inbound callers queued for an agent, per skill, oldest first.
    queued: BTreeMap<i64, VecDeque<u64>>,
    next_call: u64,
    facts: Vec<Fact>,
    codes: Vec<(String, bool)>,
    mean_talk_ms: f64,
    mean_answer_ms: f64,
    /// Ring times of the last answered calls (ms), for the chance an answer comes late.
    answer_times: VecDeque<i64>,
    /// The operation's calling profile and zone: checked at every dial.
    profile: CallingProfile,
    tz: jiff::tz::TimeZone,
    stats: EngineStats,
}

const ANSWER_SAMPLES: usize = 256;

impl<T: Telephony> Engine<T> {
    /// An engine for the operation's campaigns and agents as the store has them, starting at `start`.
    pub async fn new(store: Store, tel: T, cfg: EngineConfig, start: Timestamp) -> Result<Self> {
        let agents = store
            .skill_agents(cfg.operation_id)
            .await?
            .into_iter()
            .map(|(skill, id)| Agent {
                id,
                skill,
                state: AgentState::Idle,
                since: start.as_millisecond(),
            })
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
            tel,
            now: start.as_millisecond(),
            seq: 0,
            queue: BinaryHeap::new(),
            campaigns: BTreeMap::new(),
            agents,
            waiting: BTreeMap::new(),
            calls: BTreeMap::new(),
            inbound: BTreeMap::new(),
            queued: BTreeMap::new(),
            next_call: 0,
            facts: Vec::new(),
            codes,
            mean_talk_ms: 120_000.0,
            mean_answer_ms: 10_000.0,
            answer_times: VecDeque::with_capacity(ANSWER_SAMPLES),
            stats: EngineStats::default(),
            cfg,
        };
        e.sync_campaigns().await?;
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

    /// Reads campaign status, speed and skill from the store (start/stop/speed
    /// take effect at the next tick, so within a second).
    ///
    /// It also takes or keeps the dialing lease of each started campaign: the
    /// engine dials only the campaigns its process holds, so several processes
    /// on one database never dial one campaign twice, and a campaign whose
    /// process died is taken over here.
    pub async fn sync_campaigns(&mut self) -> Result<()> {
        let held = self.store.hold_campaigns(self.cfg.operation_id).await?;
        for s in self.store.campaign_settings(self.cfg.operation_id).await? {
            let c = self.campaigns.entry(s.id).or_insert_with(|| Campaign {
                window: (String::new(), String::new()),
                kind: s.kind,
                started: false,
                speed: 0,
                skill: None,
                pacer: Pacer::new(self.cfg.pacing),
                in_flight: 0,
                held: false,
            });
            c.held = held.contains(&s.id);
            c.started = s.started;
            c.speed = s.speed;
            c.skill = s.skill_id;
            c.kind = s.kind;
            c.window = (s.start_time, s.end_time);
        }
        Ok(())
    }

    /// Processes every event up to `until`, then writes the facts produced.
    pub async fn run_until(&mut self, until: Timestamp) -> Result<()> {
        let until = until.as_millisecond();
        while let Some(Reverse((at, _, _))) = self.queue.peek() {
            if *at > until {
                break;
            }
            let Some(Reverse((at, _, ev))) = self.queue.pop() else {
                break;
            };
            self.account_agents(at);
            self.now = at;
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

    /// Adds staffed and busy time of every agent up to `to`.
    fn account_agents(&mut self, to: i64) {
        for a in &mut self.agents {
            let dt = to - a.since;
            if dt > 0 {
                self.stats.staffed_ms += dt;
                if a.state != AgentState::Idle {
                    self.stats.busy_ms += dt;
                }
                a.since = to;
            }
        }
    }

    pub async fn flush(&mut self) -> Result<()> {
        if !self.facts.is_empty() {
            let facts = std::mem::take(&mut self.facts);
            self.store.record_facts(&facts).await?;
        }
        Ok(())
    }

    async fn handle(&mut self, ev: Event) -> Result<()> {
        match ev {
            Event::Tick => {
                self.tick().await?;
                self.schedule(self.now + self.cfg.tick_ms, Event::Tick);
            }
            Event::Outcome(call) => self.outcome(call),
            Event::WaitExpired(call) => self.wait_expired(call),
            Event::TalkEnd { agent, call } => {
                let acw = self.rng.random_range(self.cfg.acw_ms.0..=self.cfg.acw_ms.1);
                self.agents[agent].state = AgentState::AfterCall {
                    until: self.now + acw,
                };
                self.schedule(self.now + acw, Event::AfterCallEnd { agent, call });
            }
            Event::AfterCallEnd { agent, call } => {
                self.codify_after_call(call).await?;
                self.agents[agent].state = AgentState::Idle;
                self.serve_waiting(agent);
            }
            Event::PreviewDial { agent, call } => self.dial(call, Some(agent)),
            Event::MenuDone(call) => self.menu_done(call),
            Event::PatienceOut(call) => self.patience_out(call),
        }
        Ok(())
    }

    async fn tick(&mut self) -> Result<()> {
        // Facts first: a claim must see the results written so far.
        self.flush().await?;
        let now_s = self.now.div_euclid(1000);
        let local = self.now().to_zoned(self.tz.clone()).datetime();
        let callable = self.profile.allows(local);
        // Ley 2300: at most one contact per customer per day.
        let contact_day =
            (self.profile == CallingProfile::Colombia).then(|| local.date().to_string());
        // Campaigns sharing a skill take turns at the free agents: the first to
        // pick rotates every tick.
        let mut ids: Vec<i64> = self.campaigns.keys().copied().collect();
        if !ids.is_empty() {
            let turn = (self.now.div_euclid(self.cfg.tick_ms.max(1)) as usize) % ids.len();
            ids.rotate_left(turn);
        }
        for id in ids {
            let Some(c) = self.campaigns.get(&id) else {
                continue;
            };
            let (Some(skill), true, true) = (c.skill, c.started, c.held) else {
                continue;
            };
            // Compliance at the moment of dialing: the operation's calling
            // profile and the campaign's own window. Calls in progress go on.
            if !callable || !calling::in_window(local, &c.window.0, &c.window.1) {
                continue;
            }
            let (kind, speed) = (c.kind, c.speed);
            match kind {
                CampaignType::Predictive => {
                    let (sure, soon) = self.free_for(id, skill);
                    let max_lines = ((f64::from(sure) + soon)
                        * (1.0 + (self.cfg.max_lines_per_agent - 1.0) * speed as f64 / 100.0))
                        .ceil() as u32;
                    let now = self.now;
                    let Some(c) = self.campaigns.get_mut(&id) else {
                        continue;
                    };
                    let in_flight = c.in_flight;
                    let n = c
                        .pacer
                        .decide(now, sure, soon, in_flight, max_lines.max(in_flight));
                    let rules = ClaimRules {
                        one_contact_per_day: contact_day.clone(),
                        agent: None,
                        leased: true,
                    };
                    for claim in self.store.claim_records_with(id, n, now_s, &rules).await? {
                        let call = self.new_call(id, claim, None);
                        self.dial(call, None);
                    }
                }
                CampaignType::Preview => {
                    // Each free agent is offered the next record: one assigned
                    // to them first, else one assigned to nobody.
                    let idle: Vec<usize> = self.idle_agents(skill).collect();
                    for agent in idle {
                        let rules = ClaimRules {
                            one_contact_per_day: contact_day.clone(),
                            agent: Some(self.agents[agent].id.to_string()),
                            leased: true,
                        };
                        let Some(claim) = self
                            .store
                            .claim_records_with(id, 1, now_s, &rules)
                            .await?
                            .pop()
                        else {
                            continue;
                        };
                        self.agents[agent].state = AgentState::Previewing;
                        let call = self.new_call(id, claim, Some(agent));
                        let at = self.now + self.cfg.preview_ms;
                        self.schedule(at, Event::PreviewDial { agent, call });
                    }
                }
            }
        }
        self.inbound_arrivals();
        self.other_calls();
        Ok(())
    }

    /// Callers arriving at routing points during this tick walk the menu now;
    /// their steps are written when they leave it.
    fn inbound_arrivals(&mut self) {
        let node = 12_000 + self.cfg.operation_id as u32;
        for rp in self.cfg.inbound.clone() {
            let mean = rp.calls_per_hour * self.cfg.tick_ms as f64 / 3_600_000.0;
            for _ in 0..world::poisson(&mut self.rng, mean) {
                self.next_call += 1;
                let call = self.next_call;
                let start = self.now + self.rng.random_range(0..self.cfg.tick_ms.max(1));
                let conn = conn_id::format(node, rp.rp_id as u32, start.div_euclid(1000), call);
                let steps = world::walk_menu(&mut self.rng, &rp.options);
                let mut t = start;
                for (option, seconds) in &steps {
                    self.facts.push(Fact::IvrStep(crate::store::IvrStepFact {
                        operation_id: self.cfg.operation_id,
                        rp_id: rp.rp_id,
                        conn_id: conn.clone(),
                        option: option.clone(),
                        entered_at: t.div_euclid(1000),
                        seconds: *seconds,
                    }));
                    t += seconds * 1000;
                }
                let hang_up_in_menu = world::hangs_up_in_menu(&mut self.rng, &steps);
                let telephone = world::caller(&mut self.rng);
                let talk_ms = world::inbound_talk_ms(&mut self.rng);
                self.inbound.insert(
                    call,
                    InboundCall {
                        rp_id: rp.rp_id,
                        skill: rp.skill_id,
                        telephone,
                        conn_id: conn,
                        started_ms: start,
                        talk_ms,
                        hang_up_in_menu,
                    },
                );
                self.stats.inbound += 1;
                self.schedule(t, Event::MenuDone(call));
            }
        }
    }

    fn menu_done(&mut self, call: u64) {
        let Some(c) = self.inbound.get(&call) else {
            return;
        };
        match (c.skill, c.hang_up_in_menu) {
            (Some(skill), false) => match self.first_idle(skill) {
                Some(agent) => self.connect_inbound(agent, call),
                None => {
                    self.queued.entry(skill).or_default().push_back(call);
                    let patience = world::patience_ms(&mut self.rng);
                    self.schedule(self.now + patience, Event::PatienceOut(call));
                }
            },
            _ => self.end_inbound(call, CallResult::Abandon),
        }
    }

    fn patience_out(&mut self, call: u64) {
        let Some(skill) = self.inbound.get(&call).and_then(|c| c.skill) else {
            return;
        };
        let Some(q) = self.queued.get_mut(&skill) else {
            return;
        };
        let Some(pos) = q.iter().position(|&c| c == call) else {
            return;
        };
        q.remove(pos);
        self.end_inbound(call, CallResult::Abandon);
    }

    fn connect_inbound(&mut self, agent: usize, call: u64) {
        let Some(c) = self.inbound.get(&call) else {
            return;
        };
        let talk = c.talk_ms;
        self.agents[agent].state = AgentState::Talking;
        self.schedule(self.now + talk, Event::TalkEnd { agent, call });
        self.end_inbound(call, CallResult::Answer);
    }

    fn end_inbound(&mut self, call: u64, result: CallResult) {
        let Some(c) = self.inbound.remove(&call) else {
            return;
        };
        if result == CallResult::Abandon {
            self.stats.inbound_abandoned += 1;
        }
        self.facts.push(Fact::Call(CallFact {
            operation_id: self.cfg.operation_id,
            started_at: c.started_ms.div_euclid(1000),
            type_interaction: TypeInteraction::Inbound,
            result,
            telephone: c.telephone,
            customer_id: String::new(),
            conn_id: c.conn_id,
            campaign_id: None,
            rp_id: Some(c.rp_id),
            duration: (self.now - c.started_ms
                + if result == CallResult::Answer {
                    c.talk_ms
                } else {
                    0
                })
                / 1000,
        }));
    }

    /// Internal calls, transfers and conferences: facts only (they hold no campaign record).
    fn other_calls(&mut self) {
        let node = 12_000 + self.cfg.operation_id as u32;
        let per_tick = self.cfg.other_calls_per_hour * self.cfg.tick_ms as f64 / 3_600_000.0;
        for &(ti, share) in world::OTHER_CALLS {
            for _ in 0..world::poisson(&mut self.rng, per_tick * share) {
                self.next_call += 1;
                let (result, extension, duration) = world::other_call(&mut self.rng);
                self.facts.push(Fact::Call(CallFact {
                    operation_id: self.cfg.operation_id,
                    started_at: self.now.div_euclid(1000),
                    type_interaction: ti,
                    result,
                    telephone: extension,
                    customer_id: String::new(),
                    conn_id: conn_id::format(node, 1, self.now.div_euclid(1000), self.next_call),
                    campaign_id: None,
                    rp_id: None,
                    duration,
                }));
            }
        }
    }

    fn first_idle(&self, skill: i64) -> Option<usize> {
        self.idle_agents(skill).next()
    }

    fn idle_agents(&self, skill: i64) -> impl Iterator<Item = usize> + '_ {
        self.agents
            .iter()
            .enumerate()
            .filter(move |(_, a)| a.skill == skill && a.state == AgentState::Idle)
            .map(|(i, _)| i)
    }

    /// Agents free for calls placed now: `(sure, expected others)`. Sure: idle
    /// agents, less the answered calls already waiting. Others: an agent in
    /// after-call work with the measured chance that a person answers after it
    /// ends (minus the 2 s a caller waits); a talking agent with the chance the
    /// talk ends by the time an answer comes (talk taken as exponential).
    fn expected_free(&self, skill: i64) -> (u32, f64) {
        let wait = self.cfg.max_wait_ms;
        let p_talk_ends =
            1.0 - (-(self.mean_answer_ms + wait as f64) / self.mean_talk_ms.max(1.0)).exp();
        let (mut sure, mut soon) = (0u32, 0.0);
        for a in self.agents.iter().filter(|a| a.skill == skill) {
            match a.state {
                AgentState::Idle => sure += 1,
                AgentState::AfterCall { until } => {
                    soon += self.p_answer_after(until - self.now - wait)
                }
                AgentState::Previewing => {}
                AgentState::Talking => soon += p_talk_ends,
            }
        }
        let waiting = self.waiting.get(&skill).map_or(0, VecDeque::len) as u32;
        (sure.saturating_sub(waiting), soon)
    }

    /// [`Engine::expected_free`] for one campaign: the people other campaigns of
    /// the skill are expected to reach with their calls in flight take agents
    /// first. A campaign with little evidence starts from the skill's pooled
    /// answer rate.
    fn free_for(&mut self, id: i64, skill: i64) -> (u32, f64) {
        let (mut sure, mut soon) = self.expected_free(skill);
        let (mut others, mut humans, mut attempts) = (0.0, 0.0, 0.0);
        for (cid, c) in &self.campaigns {
            if c.skill == Some(skill) && c.kind == CampaignType::Predictive {
                let (h, a) = c.pacer.counts();
                humans += h;
                attempts += a;
                if *cid != id {
                    others += f64::from(c.in_flight) * c.pacer.p_human();
                }
            }
        }
        soon -= others;
        if soon < 0.0 {
            sure = sure.saturating_sub((-soon).ceil() as u32);
            soon = 0.0;
        }
        if let Some(c) = self.campaigns.get_mut(&id)
            && c.pacer.evidence() < 50.0
            && attempts >= 100.0
        {
            c.pacer.set_prior(humans / attempts, 50.0);
        }
        (sure, soon)
    }

    /// P(a person answers `ms` or more after the dial), from recent answers.
    fn p_answer_after(&self, ms: i64) -> f64 {
        if ms <= 0 {
            return 1.0;
        }
        if self.answer_times.is_empty() {
            return if (ms as f64) < self.mean_answer_ms {
                1.0
            } else {
                0.0
            };
        }
        let later = self.answer_times.iter().filter(|&&t| t >= ms).count();
        later as f64 / self.answer_times.len() as f64
    }

    fn new_call(&mut self, campaign: i64, claim: Claim, agent: Option<usize>) -> u64 {
        self.next_call += 1;
        let id = self.next_call;
        self.calls.insert(
            id,
            LiveCall {
                campaign,
                claim,
                started_ms: self.now,
                events: CallEvents {
                    after_ms: 0,
                    outcome: Outcome::NoAnswer,
                },
                conn_id: String::new(),
                agent,
            },
        );
        id
    }

    fn dial(&mut self, call: u64, agent: Option<usize>) {
        let node = 12_000 + self.cfg.operation_id as u32;
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.started_ms = now;
        c.events = self.tel.originate(&c.claim.telephone, c.claim.phone);
        c.conn_id = conn_id::format(node, c.campaign as u32, now.div_euclid(1000), call);
        let after = c.events.after_ms;
        let campaign = c.campaign;
        if agent.is_none()
            && let Some(camp) = self.campaigns.get_mut(&campaign)
        {
            camp.in_flight += 1;
        }
        self.stats.attempts += 1;
        self.schedule(now + after, Event::Outcome(call));
    }

    fn outcome(&mut self, call: u64) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let (campaign, outcome, preview_agent) = (c.campaign, c.events.outcome, c.agent);
        let human = matches!(outcome, Outcome::Human { .. });
        if human {
            let after = c.events.after_ms;
            self.mean_answer_ms = 0.98 * self.mean_answer_ms + 0.02 * after as f64;
            if self.answer_times.len() == ANSWER_SAMPLES {
                self.answer_times.pop_front();
            }
            self.answer_times.push_back(after);
        }
        let skill = self.campaigns.get(&campaign).and_then(|c| c.skill);
        if let Some(camp) = self.campaigns.get_mut(&campaign)
            && preview_agent.is_none()
        {
            camp.in_flight = camp.in_flight.saturating_sub(1);
            camp.pacer.observe_attempt(human);
        }
        match (outcome, preview_agent) {
            (Outcome::Human { .. }, Some(agent)) => {
                self.stats.human_answers += 1;
                self.connect(agent, call);
            }
            (Outcome::Human { .. }, None) => {
                self.stats.human_answers += 1;
                let free = skill.and_then(|s| self.idle_agents(s).next());
                match (free, skill) {
                    (Some(agent), _) => {
                        self.observe_human(campaign, false);
                        self.connect(agent, call);
                    }
                    (None, Some(skill)) => {
                        self.waiting.entry(skill).or_default().push_back(call);
                        self.schedule(self.now + self.cfg.max_wait_ms, Event::WaitExpired(call));
                    }
                    (None, None) => self.end_attempt(call, CallResult::Abandon),
                }
            }
            (_, agent) => {
                if let Some(agent) = agent {
                    self.agents[agent].state = AgentState::Idle;
                }
                self.end_attempt(call, outcome.result());
            }
        }
    }

    fn observe_human(&mut self, campaign: i64, abandoned: bool) {
        let now = self.now;
        if let Some(c) = self.campaigns.get_mut(&campaign) {
            c.pacer.observe_human(now, abandoned);
        }
    }

    fn wait_expired(&mut self, call: u64) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let campaign = c.campaign;
        let Some(skill) = self.campaigns.get(&campaign).and_then(|c| c.skill) else {
            return;
        };
        let Some(q) = self.waiting.get_mut(&skill) else {
            return;
        };
        let Some(pos) = q.iter().position(|&c| c == call) else {
            return;
        };
        q.remove(pos);
        self.stats.abandons += 1;
        self.observe_human(campaign, true);
        self.end_attempt(call, CallResult::Abandon);
    }

    /// An agent just became idle: take the oldest answered call waiting for this skill.
    fn serve_waiting(&mut self, agent: usize) {
        let skill = self.agents[agent].skill;
        let Some(call) = self.waiting.get_mut(&skill).and_then(VecDeque::pop_front) else {
            // No answered campaign call at risk: the longest-waiting inbound caller.
            if let Some(call) = self.queued.get_mut(&skill).and_then(VecDeque::pop_front) {
                self.connect_inbound(agent, call);
            }
            return;
        };
        if let Some(campaign) = self.calls.get(&call).map(|c| c.campaign) {
            self.observe_human(campaign, false);
        }
        self.connect(agent, call);
    }

    fn connect(&mut self, agent: usize, call: u64) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let talk = match c.events.outcome {
            Outcome::Human { talk_ms } => talk_ms,
            _ => 0,
        };
        self.mean_talk_ms = 0.98 * self.mean_talk_ms + 0.02 * talk as f64;
        self.stats.connected += 1;
        self.agents[agent].state = AgentState::Talking;
        self.schedule(self.now + talk, Event::TalkEnd { agent, call });
        self.record_attempt(call, CallResult::Answer, talk);
    }

    /// The attempt ended without an agent: write it and forget the call.
    fn end_attempt(&mut self, call: u64, result: CallResult) {
        self.record_attempt(call, result, 0);
        self.calls.remove(&call);
    }

    fn record_attempt(&mut self, call: u64, result: CallResult, talk_ms: i64) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let (raw, cause) = c.events.outcome.raw();
        let started = c.started_ms.div_euclid(1000);
        let ti = if c.agent.is_some() {
            TypeInteraction::OutboundMa
        } else {
            TypeInteraction::OutPre
        };
        self.facts.push(Fact::Attempt(AttemptFact {
            campaign_id: c.campaign,
            record_id: c.claim.record_id,
            phone: c.claim.phone,
            telephone: c.claim.telephone.clone(),
            started_at: started,
            result,
            raw_status: raw.to_owned(),
            hangup_cause: Some(cause),
            conn_id: c.conn_id.clone(),
        }));
        self.facts.push(Fact::Call(CallFact {
            operation_id: self.cfg.operation_id,
            started_at: started,
            type_interaction: ti,
            result,
            telephone: c.claim.telephone.clone(),
            customer_id: c.claim.customer_id.clone(),
            conn_id: c.conn_id.clone(),
            campaign_id: Some(c.campaign),
            rp_id: None,
            duration: (c.events.after_ms + talk_ms) / 1000,
        }));
    }

    /// The agent finished a connected call: codify it with one of the
    /// operation's activity codes (most calls), through the same path as the API.
    async fn codify_after_call(&mut self, call: u64) -> Result<()> {
        let Some(c) = self.calls.remove(&call) else {
            return Ok(());
        };
        if self.codes.is_empty() || !self.rng.random_bool(self.cfg.codify_share) {
            return Ok(());
        }
        let (code, _) = self.codes[self.rng.random_range(0..self.codes.len())].clone();
        let Some(kind) = self.campaigns.get(&c.campaign).map(|c| c.kind) else {
            return Ok(());
        };
        let input = CodifyInput {
            customer_id: c.claim.customer_id,
            cod_act: code,
            cod_act_2: String::new(),
            comment: String::new(),
        };
        // The record's attempt must be in the store before it is codified.
        self.flush().await?;
        let at = self.now();
        match self
            .store
            .codify(self.cfg.operation_id, c.campaign, kind, &input, at)
            .await?
        {
            Ok(()) => self.stats.codified += 1,
            // The record or campaign went away meanwhile: nothing to codify.
            Err(r) => tracing::warn!(rejection = ?r, campaign = c.campaign, "agent codify refused"),
        }
        Ok(())
    }
}

/// Runs the engine against `clock` until `cancel`: every 200 ms it reads
/// campaign changes (start, stop, speed) and processes events up to the clock's now.
pub async fn run_live<T: Telephony>(
    mut engine: Engine<T>,
    clock: SharedClock,
    cancel: CancellationToken,
) {
    let mut every = tokio::time::interval(Duration::from_millis(200));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = every.tick() => {}
        }
        let step = async {
            engine.sync_campaigns().await?;
            engine.run_until(clock.now()).await
        };
        if let Err(e) = step.await {
            tracing::error!(error = %e, "engine step failed; retrying");
        }
    }
    // Calls in progress are not cut: what has happened is written.
    if let Err(e) = engine.flush().await {
        tracing::error!(error = %e, "engine final flush failed");
    }
}
