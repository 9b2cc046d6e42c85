//! The dialer: which campaigns dial, how many lines each opens per tick
//! (predictive: the pacer over the agents expected free; preview: one record
//! per free agent), and each customer call from the dial to its hang-up.
//!
//! A call's life, driven by telephony's reports and the engine's deadlines:
//! dialing → (answered by a person) waiting ≤ 2 s for an agent → bridged →
//! hung up; or ended on the way — failed (the SIP table in
//! [`Ending::result`]), answered by a machine, not answered by the ring
//! timeout (we hang up), abandoned (no agent in time, or the customer hung up
//! first). The record's attempt is written when its result is known (at the
//! bridge for an answer); the call's row, with its duration, when it ends.

use std::collections::VecDeque;

use marcador_wire::{AmdResult, CallResult, CampaignType, HangUp, TypeInteraction, conn_id};

use super::agents::AgentState;
use super::pacing::Pacer;
use super::telephony::{Answerer, CallRef, Command, Ending, Originate, Party};
use super::{Engine, Event};
use crate::calling::{self, CallingProfile};
use crate::store::{AttemptFact, CallFact, Claim, ClaimAsk, ClaimRules, Fact, Result};

/// Ring times kept to estimate the chance an answer comes late.
pub(super) const ANSWER_SAMPLES: usize = 256;

#[derive(Debug)]
pub(super) struct Campaign {
    /// Daily window `hhiiss`–`hhiiss`.
    pub window: (String, String),
    pub kind: CampaignType,
    /// Answered calls pass answering-machine detection.
    pub amd: bool,
    /// A call whose record names an agent goes to that agent when it is free.
    pub route_to_agent: bool,
    pub started: bool,
    pub speed: i64,
    pub skill: Option<i64>,
    pub pacer: Pacer,
    pub in_flight: u32,
    /// This process holds the campaign's dialing lease.
    pub held: bool,
}

/// What a tick asks the store for, and what each ask is for.
#[derive(Debug, Default)]
pub(super) struct DialPlan {
    pub asks: Vec<ClaimAsk>,
    purposes: Vec<Purpose>,
}

#[derive(Debug, Clone, Copy)]
enum Purpose {
    /// Up to `n` lines of a predictive campaign.
    Predictive { campaign: i64, n: u32 },
    /// A record of a preview campaign for an agent.
    Preview { campaign: i64, agent: usize },
}

impl DialPlan {
    fn push(&mut self, purpose: Purpose, ask: ClaimAsk) {
        self.purposes.push(purpose);
        self.asks.push(ask);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CallState {
    /// A preview record the agent is looking at: not dialed yet.
    Created,
    /// Dialed, not answered yet (ringing or not).
    Dialing,
    /// Answered by a person, waiting for an agent.
    Waiting,
    Bridged,
    /// Hung up after talking; kept until the agent's after-call work ends.
    Done,
}

#[derive(Debug)]
pub(super) struct LiveCall {
    /// The campaign whose record it dials (none: a number an agent dials
    /// itself, agentbox `dial`; its claim names no record).
    pub campaign: Option<i64>,
    pub claim: Claim,
    /// An attempt on its record (the dialer's and preview calls): written as
    /// one. An agent's own call is not, even about a record (aux_call).
    pub attempt: bool,
    pub started_ms: i64,
    pub conn_id: String,
    /// The preview agent who dials it.
    pub agent: Option<usize>,
    pub state: CallState,
    /// How telephony ended (or answered) it.
    pub ending: Ending,
    pub bridged_ms: Option<i64>,
    /// When a person or machine answered.
    pub answered_ms: Option<i64>,
    /// The agent it was bridged to.
    pub talker: Option<usize>,
    /// Who ended it (Marcador, until a party hangs up).
    pub hang_up: HangUp,
    /// The attempt's result, once written.
    pub result: Option<CallResult>,
    /// What answering-machine detection said, when it ran.
    pub amd: Option<AmdResult>,
    /// A smart-wait call back: the caller's inbound call.
    pub call_back: Option<CallRef>,
}

impl Engine {
    /// Reads campaign status, speed and skill from the store (start/stop/speed
    /// take effect at the next tick, so within a second).
    ///
    /// It also takes or keeps the dialing lease of each started campaign: the
    /// engine dials only the campaigns its process holds, so several processes
    /// on one database never dial one campaign twice, and a campaign whose
    /// process died is taken over here.
    pub async fn sync_campaigns(&mut self) -> Result<()> {
        let held = self.store.hold_campaigns(self.cfg.operation_id).await?;
        let settings = self.store.campaign_settings(self.cfg.operation_id).await?;
        // A deleted campaign (delete_campaign: stopped, no call in progress) is forgotten.
        self.campaigns
            .retain(|id, _| settings.iter().any(|s| s.id == *id));
        for s in settings {
            let c = self.campaigns.entry(s.id).or_insert_with(|| Campaign {
                window: (String::new(), String::new()),
                kind: s.kind,
                amd: false,
                route_to_agent: true,
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
            c.amd = s.amd;
            c.route_to_agent = s.route_to_agent;
        }
        Ok(())
    }

    /// One pacing decision per started campaign this process holds: what to
    /// ask the store for this tick. A predictive campaign asks for the lines
    /// its pacer opens (counted as in flight until the answer comes, so the
    /// campaigns after it on the skill see them); a preview campaign, one
    /// record for each idle agent not offered one already this tick — the
    /// next campaign's asks for an agent are made only if the one before had
    /// nothing for them.
    pub(super) fn plan_dials(&mut self) -> DialPlan {
        let mut plan = DialPlan::default();
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
        // The last ask offering each agent a preview record.
        let mut offered: Vec<Option<usize>> = vec![None; self.agents.len()];
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
                    // Agents offered a preview record this tick are taken.
                    let previewing = offered
                        .iter()
                        .enumerate()
                        .filter(|(a, o)| o.is_some() && self.agents[*a].has_skill(skill))
                        .count() as u32;
                    let sure = sure.saturating_sub(previewing);
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
                    if n == 0 {
                        continue;
                    }
                    c.in_flight += n;
                    plan.push(
                        Purpose::Predictive { campaign: id, n },
                        ClaimAsk {
                            campaign_id: id,
                            n,
                            rules: ClaimRules {
                                one_contact_per_day: contact_day.clone(),
                                agent: None,
                                leased: true,
                            },
                            unless: None,
                        },
                    );
                }
                CampaignType::Preview => {
                    // Each free agent is offered the next record: one assigned
                    // to them first, else one assigned to nobody.
                    let idle: Vec<usize> = self.idle_agents(skill).collect();
                    for agent in idle {
                        let unless = offered[agent];
                        offered[agent] = Some(plan.asks.len());
                        plan.push(
                            Purpose::Preview {
                                campaign: id,
                                agent,
                            },
                            ClaimAsk {
                                campaign_id: id,
                                n: 1,
                                rules: ClaimRules {
                                    one_contact_per_day: contact_day.clone(),
                                    agent: Some(self.agents[agent].code.clone()),
                                    leased: true,
                                },
                                unless,
                            },
                        );
                    }
                }
            }
        }
        plan
    }

    /// The lines a plan counted as in flight stop counting (the calls
    /// dialed count themselves): after the tick's transaction, answered or not.
    pub(super) fn planned_done(&mut self, plan: &DialPlan) {
        for purpose in &plan.purposes {
            if let Purpose::Predictive { campaign, n } = *purpose
                && let Some(c) = self.campaigns.get_mut(&campaign)
            {
                c.in_flight = c.in_flight.saturating_sub(n);
            }
        }
    }

    /// Dials what the plan's asks picked: a predictive campaign's records
    /// now; a preview record is shown to its agent first.
    pub(super) fn dial_picked(&mut self, plan: DialPlan, picked: Vec<Vec<Claim>>) {
        for (purpose, claims) in plan.purposes.into_iter().zip(picked) {
            match purpose {
                Purpose::Predictive { campaign, .. } => {
                    for claim in claims {
                        let call = self.new_call(Some(campaign), claim, None);
                        self.dial(call, None);
                    }
                }
                Purpose::Preview { campaign, agent } => {
                    let Some(claim) = claims.into_iter().next() else {
                        continue;
                    };
                    self.set_state(agent, AgentState::Previewing);
                    let call = self.new_call(Some(campaign), claim, Some(agent));
                    let at = self.now + self.cfg.preview_ms;
                    self.schedule(at, Event::PreviewDial { agent, call });
                }
            }
        }
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
        for a in self.agents.iter().filter(|a| a.has_skill(skill)) {
            match a.state {
                AgentState::Idle => sure += 1,
                AgentState::AfterCall { until, .. } => {
                    soon += self.p_answer_after(until - self.now - wait)
                }
                AgentState::Talking { .. } => soon += p_talk_ends,
                AgentState::LoggedOut
                | AgentState::Connecting
                | AgentState::Previewing
                | AgentState::Paused => {}
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

    pub(super) fn new_call(
        &mut self,
        campaign: Option<i64>,
        claim: Claim,
        agent: Option<usize>,
    ) -> CallRef {
        self.next_call += 1;
        let id = self.next_call;
        self.calls.insert(
            id,
            LiveCall {
                attempt: campaign.is_some(),
                campaign,
                claim,
                started_ms: self.now,
                conn_id: String::new(),
                agent,
                state: CallState::Created,
                ending: Ending::RING_TIMEOUT,
                bridged_ms: None,
                answered_ms: None,
                talker: None,
                hang_up: HangUp::System,
                result: None,
                amd: None,
                call_back: None,
            },
        );
        id
    }

    pub(super) fn dial(&mut self, call: CallRef, agent: Option<usize>) {
        let (now, node) = (self.now, self.node());
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.started_ms = now;
        c.state = CallState::Dialing;
        if c.conn_id.is_empty() {
            let station = c.campaign.unwrap_or_default() as u32;
            c.conn_id = conn_id::format(node, station, now.div_euclid(1000), call);
        }
        let campaign = c.campaign.and_then(|id| self.campaigns.get(&id));
        let originate = Originate {
            call,
            number: c.claim.telephone.clone(),
            phone: c.claim.phone,
            caller_id: String::new(),
            ring_timeout_ms: self.cfg.ring_timeout_ms,
            amd: campaign.is_some_and(|k| k.amd),
        };
        if agent.is_none()
            && let Some(camp) = c.campaign.and_then(|id| self.campaigns.get_mut(&id))
        {
            camp.in_flight += 1;
        }
        // The preview ends here; the agent hears the call ring.
        if let Some(a) = agent.and_then(|a| self.agents.get_mut(a)) {
            a.preview_dial = Some((c.conn_id.clone(), now));
        }
        self.stats.attempts += 1;
        self.tell(Command::Originate(originate));
        self.schedule(now + self.cfg.ring_timeout_ms, Event::RingTimeout(call));
    }

    /// The call is being dialed (reports about calls in any other state come too late).
    fn dialing(&self, call: CallRef) -> bool {
        self.calls
            .get(&call)
            .is_some_and(|c| c.state == CallState::Dialing)
    }

    pub(super) fn ringing(&mut self, _call: CallRef) {
        // Nothing waits on ringing yet: the ring timeout counts from the dial,
        // as Wolkvox and VICIdial count it.
    }

    /// A predictive call left the dialing state: the pacer learns whether a
    /// person answered it.
    fn settle(&mut self, call: CallRef, human: bool) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if c.agent.is_some() {
            return;
        }
        if let Some(camp) = c.campaign.and_then(|id| self.campaigns.get_mut(&id)) {
            camp.in_flight = camp.in_flight.saturating_sub(1);
            camp.pacer.observe_attempt(human);
        }
    }

    pub(super) fn answered(&mut self, call: CallRef, by: Answerer) {
        if !self.dialing(call) {
            return;
        }
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.ending = Ending::ANSWERED;
        c.answered_ms = Some(now);
        let (campaign, preview_agent, after) = (c.campaign, c.agent, now - c.started_ms);
        let human = by != Answerer::Machine;
        // Detection ran if the campaign asked for it (the simulator reports
        // machines whatever the campaign says: only a detecting campaign's count).
        if campaign
            .and_then(|id| self.campaigns.get(&id))
            .is_some_and(|k| k.amd)
        {
            c.amd = match by {
                Answerer::Machine => Some(AmdResult::Machine),
                Answerer::Person => Some(AmdResult::Human),
                Answerer::Unknown => None,
            };
        }
        self.settle(call, human);
        if !human {
            if let Some(agent) = preview_agent {
                self.become_free(agent);
            }
            self.tell(Command::HangUp { call });
            self.end_attempt(call, CallResult::AnswerMachine);
            return;
        }
        self.stats.human_answers += 1;
        self.mean_answer_ms = 0.98 * self.mean_answer_ms + 0.02 * after as f64;
        if self.answer_times.len() == ANSWER_SAMPLES {
            self.answer_times.pop_front();
        }
        self.answer_times.push_back(after);
        if let Some(agent) = preview_agent {
            self.connect(agent, call);
            return;
        }
        // Only a campaign's calls are dialed without an agent.
        let Some(campaign) = campaign else {
            return;
        };
        let skill = self.campaigns.get(&campaign).and_then(|c| c.skill);
        // A record that names an agent (a manual recall, a routed record)
        // goes to that agent if it is free; else to the first free one.
        let routed = self.routed_agent(call, campaign, skill);
        match (
            routed.or_else(|| skill.and_then(|s| self.first_idle(s))),
            skill,
        ) {
            (Some(agent), _) => {
                self.observe_human(campaign, false);
                self.connect(agent, call);
            }
            (None, Some(skill)) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.state = CallState::Waiting;
                }
                self.waiting.entry(skill).or_default().push_back(call);
                self.schedule(now + self.cfg.max_wait_ms, Event::WaitExpired(call));
            }
            (None, None) => {
                self.tell(Command::HangUp { call });
                self.end_attempt(call, CallResult::Abandon);
            }
        }
    }

    /// The free agent of the skill a call's record names, if the campaign
    /// routes to it.
    fn routed_agent(&self, call: CallRef, campaign: i64, skill: Option<i64>) -> Option<usize> {
        let skill = skill?;
        if !self
            .campaigns
            .get(&campaign)
            .is_some_and(|c| c.route_to_agent)
        {
            return None;
        }
        let code = self.calls.get(&call).map(|c| c.claim.agent_id.as_str())?;
        if code.is_empty() {
            return None;
        }
        self.idle_agents(skill)
            .find(|&a| self.agents[a].code == code)
    }

    pub(super) fn failed(&mut self, call: CallRef, ending: Ending) {
        if !self.dialing(call) {
            return;
        }
        self.settle(call, false);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.ending = ending;
        if let Some(agent) = c.agent {
            self.become_free(agent);
        }
        self.end_attempt(call, ending.result());
    }

    /// Nobody answered in time: we hang up (a CANCEL), no answer.
    pub(super) fn ring_timeout(&mut self, call: CallRef) {
        if !self.dialing(call) {
            return;
        }
        self.tell(Command::HangUp { call });
        self.failed(call, Ending::RING_TIMEOUT);
    }

    /// The far side hung up an answered call.
    pub(super) fn hung_up(&mut self, call: CallRef, by: Party) {
        let Some(c) = self.calls.get_mut(&call) else {
            // An inbound caller's or a call we already ended.
            return;
        };
        c.hang_up = by.hang_up();
        match c.state {
            // The customer gave up before an agent came: an abandon.
            CallState::Waiting => self.abandon(call),
            CallState::Bridged => {
                c.state = CallState::Done;
                let talk = self.now - c.bridged_ms.unwrap_or(self.now);
                self.mean_talk_ms = 0.98 * self.mean_talk_ms + 0.02 * talk as f64;
                self.finish_call(call);
                self.caller_left(call);
                let agent = self
                    .agents
                    .iter()
                    .position(|a| a.state == (AgentState::Talking { call }));
                if let Some(agent) = agent {
                    self.talk_ended(agent, call);
                }
            }
            CallState::Created | CallState::Dialing | CallState::Done => {}
        }
    }

    /// The 2 seconds are up: a customer still waiting is abandoned.
    pub(super) fn wait_expired(&mut self, call: CallRef) {
        if self
            .calls
            .get(&call)
            .is_some_and(|c| c.state == CallState::Waiting)
        {
            self.tell(Command::HangUp { call });
            self.abandon(call);
        }
    }

    fn abandon(&mut self, call: CallRef) {
        let Some(campaign) = self.calls.get(&call).and_then(|c| c.campaign) else {
            return;
        };
        if let Some(skill) = self.campaigns.get(&campaign).and_then(|c| c.skill)
            && let Some(q) = self.waiting.get_mut(&skill)
        {
            q.retain(|&c| c != call);
        }
        self.stats.abandons += 1;
        self.observe_human(campaign, true);
        self.end_attempt(call, CallResult::Abandon);
    }

    pub(super) fn observe_human(&mut self, campaign: i64, abandoned: bool) {
        let now = self.now;
        if let Some(c) = self.campaigns.get_mut(&campaign) {
            c.pacer.observe_human(now, abandoned);
        }
    }

    /// The attempt ended without an agent: write it and forget the call.
    fn end_attempt(&mut self, call: CallRef, result: CallResult) {
        self.record_attempt(call, result);
        self.finish_call(call);
        self.calls.remove(&call);
    }

    /// The record's attempt, with the result it ended in.
    pub(super) fn record_attempt(&mut self, call: CallRef, result: CallResult) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.result = Some(result);
        if result == CallResult::Answer {
            c.state = CallState::Bridged;
        }
        // An agent's own call is no attempt: its row is all there is.
        let (Some(campaign_id), true) = (c.campaign, c.attempt) else {
            return;
        };
        self.facts.push(Fact::Attempt(AttemptFact {
            campaign_id,
            record_id: c.claim.record_id,
            phone: c.claim.phone,
            telephone: c.claim.telephone.clone(),
            started_at: c.started_ms.div_euclid(1000),
            result,
            raw_status: c.ending.raw_status(),
            hangup_cause: Some(i64::from(c.ending.q850)),
            conn_id: c.conn_id.clone(),
            amd: c.amd,
        }));
    }

    /// The call's row, written when it ends: its result is the attempt's.
    pub(super) fn finish_call(&mut self, call: CallRef) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(result) = c.result else {
            return;
        };
        if let Some(key) = c.call_back {
            let talk = c.bridged_ms.map_or(0, |b| self.now - b);
            self.call_back_ended(key, result, talk);
        }
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let agent = c.talker.or(c.agent).map(|a| self.agents[a].id);
        let skill_id = c
            .campaign
            .and_then(|id| self.campaigns.get(&id))
            .and_then(|k| k.skill);
        self.facts.push(Fact::Call(CallFact {
            operation_id: self.cfg.operation_id,
            started_at: c.started_ms.div_euclid(1000),
            type_interaction: if c.agent.is_some() {
                TypeInteraction::OutboundMa
            } else {
                TypeInteraction::OutPre
            },
            result,
            telephone: c.claim.telephone.clone(),
            customer_id: c.claim.customer_id.clone(),
            conn_id: c.conn_id.clone(),
            campaign_id: c.campaign,
            rp_id: None,
            duration: (self.now - c.started_ms) / 1000,
            agent_id: agent,
            skill_id,
            ring_seconds: (c.answered_ms.unwrap_or(self.now) - c.started_ms) / 1000,
            hang_up: c.hang_up,
            // A person's answer to a predictive call waits for a free agent
            // (bridged, or abandoned at the 2-second limit).
            wait_seconds: match (c.agent, c.answered_ms, result) {
                (None, Some(answered), CallResult::Answer | CallResult::Abandon) => {
                    Some((c.bridged_ms.unwrap_or(self.now) - answered) / 1000)
                }
                _ => None,
            },
        }));
    }
}
