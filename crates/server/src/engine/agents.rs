//! The agents: who is logged in and free, their legs (telephony's line to
//! each agent's phone, kept up while the agent is logged in), bridging an
//! answered call to a free agent, after-call work, pauses, and the agent
//! API's commands.
//!
//! Two kinds of agent share these rooms. A person (`[[agents]]` in the setup)
//! starts logged out and is driven through the agent API: `ready` logs it in
//! (its phone is called), its after-call work lasts until the call is typed
//! or the wrap-up time passes. A simulated agent (`[[skills]] agents = N`) is
//! logged in from the start and types most calls itself after a random
//! after-call time; the agent API drives it too.
//!
//! An agent takes calls only once telephony reports the leg up; a leg that
//! goes down logs the agent out. Waiting answered campaign calls come before
//! queued inbound callers when an agent frees up: they are the ones about to
//! be abandoned. Every change of state goes through [`Engine::set_state`],
//! which keeps the agent's times and writes its state with the next facts.
//! Holds and mutes on a call are in `call_actions.rs`.

use marcador_wire::CallResult;
use marcador_wire::calls::TIMEOUT_ACW;
use rand::RngExt;

use super::network::{Phone, PhoneChange};
use super::telephony::{AgentRef, CallRef, Command, Party};
use super::{Engine, Event, world};
use crate::domain::{AgentPhase, AgentTimes, CallAction};
use crate::store::{
    AgentCall, AgentCodify, AgentCommand, AgentFact, AgentInterval, AgentRow, AgentSession,
    CallCodeFact, CodifyInput, Fact, TypedCall,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AgentState {
    LoggedOut,
    /// Logged in; telephony is calling the agent's phone.
    Connecting,
    Idle,
    /// Looking at a preview record, then dialing it; or dialing a number it
    /// was given (agentbox dial), with no look.
    Previewing,
    Talking {
        call: CallRef,
    },
    AfterCall {
        call: CallRef,
        until: i64,
    },
    Paused,
}

/// What an agent asked to do once its call is over.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    Pause(String),
    Logout,
}

#[derive(Debug)]
pub(super) struct Agent {
    /// The agent's id in the store.
    pub id: AgentRef,
    /// The extension (what a preview record's `agent_id` names).
    pub code: String,
    pub skills: Vec<i64>,
    /// Where its phone is (none: simulated).
    phone: Option<String>,
    pub simulated: bool,
    pub state: AgentState,
    /// Staffed and busy time is accounted up to here.
    pub since: i64,
    /// What the store shows: the phase, since when, times since log-in, the call.
    phase: AgentPhase,
    pause: String,
    phase_since: i64,
    login_ms: i64,
    times: AgentTimes,
    call: AgentCall,
    pending: Option<Pending>,
    /// Typed while still talking: no after-call work.
    typed: bool,
    /// Counts log-ins, so a deadline set at one log-in does not end a later one.
    logins: u64,
    /// The preview call dialed while previewing: its id and when it was dialed.
    pub preview_dial: Option<(String, i64)>,
    /// Hold and mute on its call now, each since when (`call_actions.rs`).
    pub actions: Vec<(CallAction, i64)>,
    /// Changed since its state was last written.
    dirty: bool,
    /// How its phone is reached (`network.rs`).
    pub(super) reach: Phone,
}

impl Agent {
    pub fn new(row: AgentRow, now: i64) -> Self {
        Agent {
            id: row.id,
            code: row.code,
            skills: row.skills,
            phone: row.phone,
            simulated: row.simulated,
            state: AgentState::LoggedOut,
            since: now,
            phase: AgentPhase::Logout,
            pause: String::new(),
            phase_since: now,
            login_ms: 0,
            times: AgentTimes::default(),
            call: AgentCall::default(),
            pending: None,
            typed: false,
            logins: 0,
            preview_dial: None,
            actions: Vec::new(),
            dirty: true,
            reach: Phone::default(),
        }
    }

    pub fn has_skill(&self, skill: i64) -> bool {
        self.skills.contains(&skill)
    }

    /// The phase the store shows it in.
    pub fn phase(&self) -> AgentPhase {
        self.phase
    }

    /// The call it is on or last was on (`""`: none yet).
    pub fn conn_id(&self) -> &str {
        &self.call.conn_id
    }

    fn staffed(&self) -> bool {
        self.state != AgentState::LoggedOut
    }

    fn busy(&self) -> bool {
        !matches!(
            self.state,
            AgentState::LoggedOut | AgentState::Connecting | AgentState::Idle | AgentState::Paused
        )
    }
}

impl Engine {
    /// The one place an agent's state changes: keeps its phase, times and
    /// call for the store.
    pub(super) fn set_state(&mut self, agent: usize, state: AgentState) {
        let talking = self.agents[agent].state;
        if let AgentState::Talking { call } = talking
            && talking != state
        {
            // Its holds and mutes end with the talk, about the call it was on.
            self.end_actions(agent, call);
        }
        if matches!(state, AgentState::Talking { .. }) && talking != state {
            self.phone_changed(agent, PhoneChange::Call);
        }
        let phase = match state {
            AgentState::LoggedOut => AgentPhase::Logout,
            AgentState::Connecting => AgentPhase::Ring,
            AgentState::Idle => AgentPhase::Ready,
            AgentState::Previewing => AgentPhase::Preview,
            AgentState::Talking { call }
                if self.inbound.contains_key(&call) || self.inbound_talks.contains_key(&call) =>
            {
                AgentPhase::TalkIn
            }
            AgentState::Talking { .. } => AgentPhase::TalkOut,
            AgentState::AfterCall { .. } => AgentPhase::Acw,
            AgentState::Paused => AgentPhase::Pause,
        };
        let call = match state {
            AgentState::Talking { call } => {
                let mut on = match self.calls.get(&call) {
                    Some(c) => AgentCall {
                        campaign_id: c.campaign,
                        customer_id: c.claim.customer_id.clone(),
                        conn_id: c.conn_id.clone(),
                    },
                    None => AgentCall {
                        campaign_id: None,
                        customer_id: String::new(),
                        conn_id: self
                            .inbound
                            .get(&call)
                            .map(|c| c.conn_id.clone())
                            .or_else(|| self.inbound_talks.get(&call).map(|t| t.conn_id.clone()))
                            .unwrap_or_default(),
                    },
                };
                // A transferred call is its own leg to the agent it reached.
                if let Some(t) = self.transfers.get(&call) {
                    on.conn_id = t.conn_id.clone();
                }
                Some(on)
            }
            _ => None,
        };
        let now = self.now;
        let operation_id = self.cfg.operation_id;
        let a = &mut self.agents[agent];
        let left = a.state;
        a.state = state;
        let mut facts = Vec::new();
        if a.phase != phase || call.is_some() {
            let ms = now - a.phase_since;
            a.times.add(a.phase, ms);
            // The state left, as a fact: the agent reports add these up. A
            // preview is about the call it leads to, and ends when that call
            // is dialed: its ringing is outbound talk.
            let preview = (left == AgentState::Previewing)
                .then(|| a.preview_dial.take())
                .flatten();
            if a.phase != AgentPhase::Logout && ms > 0 {
                let on_call = matches!(
                    left,
                    AgentState::Talking { .. } | AgentState::AfterCall { .. }
                );
                let interval = |phase, from: i64, to: i64, conn_id: String| {
                    Fact::AgentInterval(AgentInterval {
                        operation_id,
                        agent_id: a.id,
                        phase,
                        pause: a.pause.clone(),
                        started_ms: from,
                        ms: to - from,
                        conn_id,
                        campaign_id: a.call.campaign_id,
                    })
                };
                match preview {
                    Some((conn, dialed)) if dialed >= a.phase_since && dialed <= now => {
                        if dialed > a.phase_since {
                            facts.push(interval(a.phase, a.phase_since, dialed, conn.clone()));
                        }
                        if now > dialed {
                            facts.push(interval(AgentPhase::TalkOut, dialed, now, conn));
                        }
                    }
                    _ => {
                        let conn = if on_call {
                            a.call.conn_id.clone()
                        } else {
                            String::new()
                        };
                        facts.push(interval(a.phase, a.phase_since, now, conn));
                    }
                }
            }
            if phase == AgentPhase::Logout && a.phase != AgentPhase::Logout {
                facts.push(Fact::AgentSession(AgentSession {
                    operation_id,
                    agent_id: a.id,
                    login_ms: a.login_ms,
                    logout_ms: now,
                }));
            }
            if a.phase == AgentPhase::Logout && phase != AgentPhase::Logout {
                // A new session: its times start now.
                a.times = AgentTimes::default();
                a.login_ms = now;
            }
            match phase {
                AgentPhase::TalkOut if call.is_some() => a.times.calls_out += 1,
                AgentPhase::TalkIn => a.times.calls_in += 1,
                _ => {}
            }
            a.phase = phase;
            a.phase_since = now;
        }
        if let Some(call) = call {
            a.call = call;
            a.typed = false;
        }
        if phase != AgentPhase::Pause {
            a.pause.clear();
        }
        a.dirty = true;
        self.facts.extend(facts);
    }

    /// The state of every agent that changed, as facts for the next write.
    pub(super) fn agent_facts(&mut self) {
        let op = self.cfg.operation_id;
        for a in self.agents.iter_mut().filter(|a| a.dirty) {
            a.dirty = false;
            self.facts.push(Fact::Agent(AgentFact {
                operation_id: op,
                agent_id: a.id,
                phase: a.phase,
                pause: a.pause.clone(),
                since_ms: a.phase_since,
                login_ms: a.login_ms,
                times: a.times,
                call: a.call.clone(),
            }));
        }
    }

    /// Each skill's callers waiting now (answered campaign calls and inbound
    /// callers), as facts when it changed since last written.
    pub(super) fn queue_facts(&mut self) {
        let mut now: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
        for (skill, q) in self.waiting.iter().chain(self.queued.iter()) {
            *now.entry(*skill).or_default() += q.len() as i64;
        }
        for skill in self.queues_written.keys() {
            now.entry(*skill).or_default();
        }
        for (skill, in_queue) in now {
            if self.queues_written.get(&skill) != Some(&in_queue) {
                self.queues_written.insert(skill, in_queue);
                self.facts.push(Fact::SkillQueue {
                    operation_id: self.cfg.operation_id,
                    skill_id: skill,
                    in_queue,
                });
            }
        }
    }

    /// The agent logs in: telephony calls their phone.
    pub(super) fn log_in(&mut self, agent: usize) {
        let Some(a) = self.agents.get(agent) else {
            return;
        };
        if a.state != AgentState::LoggedOut {
            return;
        }
        let (id, address) = (a.id, a.phone.clone());
        self.agents[agent].logins += 1;
        let serial = self.agents[agent].logins;
        self.set_state(agent, AgentState::Connecting);
        self.phone_changed(agent, PhoneChange::Offered);
        self.tell(Command::OpenAgentLeg { agent: id, address });
        // A phone nobody answers is given up, as a customer's is.
        let at = self.now + self.cfg.ring_timeout_ms;
        self.schedule(at, Event::AgentRingTimeout { agent, serial });
    }

    /// The agent's phone rang the whole ring timeout: logged out.
    pub(super) fn agent_ring_timeout(&mut self, agent: usize, serial: u64) {
        let a = &self.agents[agent];
        if a.logins == serial && a.state == AgentState::Connecting {
            tracing::info!(agent = a.id, "the agent's phone did not answer: logged out");
            self.phone_changed(agent, PhoneChange::Rejected);
            self.log_out(agent);
        }
    }

    pub(super) fn leg_up(&mut self, id: AgentRef) {
        let Some(agent) = self.agent_index(id) else {
            return;
        };
        if self.agents[agent].state == AgentState::Connecting {
            self.become_free(agent);
        }
    }

    /// The agent's phone hung up (or never answered): the agent is logged
    /// out, and a customer talking to them is hung up.
    pub(super) fn leg_down(&mut self, id: AgentRef) {
        let Some(agent) = self.agent_index(id) else {
            return;
        };
        if self.agents[agent].state == AgentState::Connecting {
            self.phone_changed(agent, PhoneChange::Rejected);
        }
        self.end_agent_call(agent);
        self.agents[agent].pending = None;
        self.set_state(agent, AgentState::LoggedOut);
    }

    /// Ends the call the agent is on, if any (the agent's side hangs up).
    fn end_agent_call(&mut self, agent: usize) {
        if let AgentState::Talking { call } = self.agents[agent].state {
            if self.calls.contains_key(&call) {
                self.tell(Command::HangUp { call });
                self.finish_call(call);
                self.calls.remove(&call);
            }
            if self.agents[agent].state == (AgentState::Talking { call }) {
                // Not left by finish_call: the call was an inbound one.
                self.talk_ended(agent, call);
            }
        }
    }

    fn agent_index(&self, id: AgentRef) -> Option<usize> {
        self.agents.iter().position(|a| a.id == id)
    }

    /// Adds staffed and busy time of every agent up to `to`.
    pub(super) fn account_agents(&mut self, to: i64) {
        for a in &mut self.agents {
            let dt = to - a.since;
            if dt > 0 {
                if a.staffed() {
                    self.stats.staffed_ms += dt;
                }
                if a.busy() {
                    self.stats.busy_ms += dt;
                }
                a.since = to;
            }
        }
    }

    pub(super) fn first_idle(&self, skill: i64) -> Option<usize> {
        self.idle_agents(skill).next()
    }

    pub(super) fn idle_agents(&self, skill: i64) -> impl Iterator<Item = usize> + '_ {
        self.agents
            .iter()
            .enumerate()
            .filter(move |(_, a)| a.has_skill(skill) && a.state == AgentState::Idle)
            .map(|(i, _)| i)
    }

    /// The agent is free for calls, unless it asked for a pause or to log
    /// out meanwhile.
    pub(super) fn become_free(&mut self, agent: usize) {
        match self.agents[agent].pending.take() {
            Some(Pending::Pause(code)) => self.pause(agent, code),
            Some(Pending::Logout) => self.log_out(agent),
            None => {
                // A simulated agent now and then takes one of the operation's breaks.
                if self.agents[agent].simulated
                    && let Some((code, ms)) = world::takes_break(&mut self.rng, &self.cfg.breaks)
                {
                    self.pause(agent, code);
                    let serial = self.agents[agent].logins;
                    self.schedule(self.now + ms, Event::BreakEnd { agent, serial });
                    return;
                }
                self.set_state(agent, AgentState::Idle);
                self.serve_waiting(agent);
            }
        }
    }

    /// A simulated agent's break ran its time (unless it left the pause meanwhile).
    pub(super) fn break_end(&mut self, agent: usize, serial: u64) {
        let a = &self.agents[agent];
        if a.logins == serial && a.state == AgentState::Paused {
            self.set_state(agent, AgentState::Idle);
            self.serve_waiting(agent);
        }
    }

    fn pause(&mut self, agent: usize, code: String) {
        self.set_state(agent, AgentState::Paused);
        self.agents[agent].pause = code;
    }

    fn log_out(&mut self, agent: usize) {
        let id = self.agents[agent].id;
        if self.agents[agent].state == AgentState::Connecting {
            self.phone_changed(agent, PhoneChange::Rejected);
        }
        self.end_agent_call(agent);
        self.agents[agent].pending = None;
        self.set_state(agent, AgentState::LoggedOut);
        self.tell(Command::CloseAgentLeg { agent: id });
    }

    /// An agent just became free: take the oldest answered call waiting for
    /// one of its skills, else the longest-waiting inbound caller.
    pub(super) fn serve_waiting(&mut self, agent: usize) {
        let skills = self.agents[agent].skills.len();
        for i in 0..skills {
            let skill = self.agents[agent].skills[i];
            if let Some(call) = self.waiting.get_mut(&skill).and_then(|q| q.pop_front()) {
                if let Some(campaign) = self.calls.get(&call).and_then(|c| c.campaign) {
                    self.observe_human(campaign, false);
                }
                self.connect(agent, call);
                return;
            }
        }
        for i in 0..skills {
            let skill = self.agents[agent].skills[i];
            if let Some(call) = self.queued.get_mut(&skill).and_then(|q| q.pop_front()) {
                self.connect_inbound(agent, call);
                return;
            }
        }
    }

    /// Bridges an answered customer call to the agent's leg.
    pub(super) fn connect(&mut self, agent: usize, call: CallRef) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.bridged_ms = Some(self.now);
        c.talker = Some(agent);
        self.stats.connected += 1;
        self.set_state(agent, AgentState::Talking { call });
        let id = self.agents[agent].id;
        self.record_attempt(call, CallResult::Answer);
        self.tell(Command::Bridge { call, agent: id });
        self.plan_actions(agent, call);
        self.plan_transfer(agent, call);
    }

    /// The talk ended (either side hung up): after-call work — until the
    /// call is typed or the wrap-up time passes for a person; a random time
    /// for a simulated agent.
    pub(super) fn talk_ended(&mut self, agent: usize, call: CallRef) {
        if self.agents[agent].state != (AgentState::Talking { call }) {
            return;
        }
        // The leg a transfer handed over ends with its talk; the caller's
        // talk ends with the last agent who has it.
        if self
            .transfers
            .get(&call)
            .is_some_and(|t| t.to_agent == Some(self.agents[agent].id))
        {
            self.transfer_ended(call);
        }
        if self.talker_besides(agent, call).is_none() {
            self.inbound_talk_ended(agent, call);
        }
        let a = &self.agents[agent];
        if a.typed {
            // Typed during the talk (through the API): nothing left to do.
            self.release_call(call);
            self.become_free(agent);
            return;
        }
        let acw = if a.simulated {
            self.rng.random_range(self.cfg.acw_ms.0..=self.cfg.acw_ms.1)
        } else {
            self.cfg.wrap_up_ms
        };
        let until = self.now + acw;
        self.set_state(agent, AgentState::AfterCall { call, until });
        self.schedule(until, Event::AfterCallEnd { agent, call });
    }

    /// The after-call work of `call` ran its time.
    pub(super) fn after_call_end(&mut self, agent: usize, call: CallRef) {
        if !matches!(self.agents[agent].state, AgentState::AfterCall { call: c, .. } if c == call) {
            return;
        }
        if self.agents[agent].simulated {
            // Its own typing, not the agent API's: the store need not tell the engine.
            self.agents[agent].call.customer_id.clear();
            self.agents[agent].dirty = true;
            self.codify_after_call(agent, call);
        } else {
            // A person let the wrap-up time pass untyped: the call says so
            // (Wolkvox's TIMEOUTACW); the record stays as it was, to be dialed again.
            let conn_id = self.agents[agent].call.conn_id.clone();
            self.facts.push(Fact::CallCode(CallCodeFact {
                operation_id: self.cfg.operation_id,
                conn_id,
                agent_id: Some(self.agents[agent].id),
                cod_act: TIMEOUT_ACW.to_owned(),
                cod_act_2: String::new(),
                comments: String::new(),
                typed_at: self.now.div_euclid(1000),
            }));
        }
        self.release_call(call);
        self.become_free(agent);
    }

    /// The agent API's commands, as the store held them for this operation.
    pub(super) fn agent_commands(&mut self, commands: Vec<(i64, AgentCommand)>) {
        for (id, command) in commands {
            if let Some(agent) = self.agent_index(id) {
                self.agent_command(agent, command);
            }
        }
    }

    fn agent_command(&mut self, agent: usize, command: AgentCommand) {
        let state = self.agents[agent].state;
        match command {
            AgentCommand::Ready => match state {
                AgentState::LoggedOut => self.log_in(agent),
                AgentState::Paused => self.become_free(agent),
                _ => self.agents[agent].pending = None,
            },
            AgentCommand::Logout => match state {
                AgentState::LoggedOut => {}
                AgentState::Talking { .. } | AgentState::Previewing => {
                    self.agents[agent].pending = Some(Pending::Logout)
                }
                _ => self.log_out(agent),
            },
            AgentCommand::Pause(code) => match state {
                AgentState::Idle | AgentState::Paused => self.pause(agent, code),
                AgentState::LoggedOut => {}
                _ => self.agents[agent].pending = Some(Pending::Pause(code)),
            },
            AgentCommand::Hang => {
                if let AgentState::Talking { call } = state {
                    if self.calls.contains_key(&call) {
                        self.tell(Command::HangUp { call });
                        self.hung_up(call, Party::Agent);
                    } else {
                        self.talk_ended(agent, call);
                    }
                }
            }
            AgentCommand::Toggle(action) => self.switch_action(agent, action, None),
            AgentCommand::Dial(d) => self.manual_dial(agent, d),
            AgentCommand::Transfer(to) => {
                if let Some(to) = self.agent_index(to) {
                    self.transfer(agent, to);
                }
            }
            AgentCommand::TransferOut(number) => self.transfer_out(agent, number),
            AgentCommand::Dtmf(keys) => {
                // Only a call telephony carries hears keys (not a simulated caller).
                if let AgentState::Talking { call } = state
                    && self.calls.contains_key(&call)
                {
                    self.tell(Command::Dtmf { call, keys });
                }
            }
            AgentCommand::AuxCall(d) => self.aux_call(agent, d),
            AgentCommand::Typed(conn_id) => {
                let a = &mut self.agents[agent];
                if a.call.conn_id != conn_id {
                    // About a call the agent has already left.
                    return;
                }
                a.call.customer_id.clear();
                a.dirty = true;
                match state {
                    AgentState::AfterCall { call, .. } => {
                        self.release_call(call);
                        self.become_free(agent);
                    }
                    AgentState::Talking { .. } => self.agents[agent].typed = true,
                    _ => {}
                }
            }
        }
    }

    /// A simulated agent finished a connected call: codify it with one of the
    /// operation's activity codes (most calls), through the same rules as the
    /// API, in the transaction of the engine's next facts (after them, so
    /// after the call's attempt).
    fn codify_after_call(&mut self, agent: usize, call: CallRef) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let (campaign, customer_id) = (c.campaign, c.claim.customer_id.clone());
        self.release_call(call);
        if self.codes.is_empty() || !self.rng.random_bool(self.cfg.codify_share) {
            return;
        }
        let (code, _) = self.codes[self.rng.random_range(0..self.codes.len())].clone();
        let Some(campaign) = campaign else {
            return;
        };
        let Some(kind) = self.campaigns.get(&campaign).map(|c| c.kind) else {
            return;
        };
        let input = CodifyInput {
            customer_id,
            cod_act: code,
            cod_act_2: String::new(),
            comment: String::new(),
        };
        // The call this agent had (a transferred one's own leg).
        let call = TypedCall {
            conn_id: self.agents[agent].conn_id().to_owned(),
            agent_id: self.agents[agent].id,
        };
        self.codifies.push(AgentCodify {
            operation_id: self.cfg.operation_id,
            campaign_id: campaign,
            kind,
            input,
            at: self.now(),
            call: Some(call),
        });
    }
}
