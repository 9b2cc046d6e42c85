//! The agents: who is logged in and free, their legs (telephony's line to
//! each agent's phone, kept up while the agent is logged in), bridging an
//! answered call to a free agent, and after-call work ending in a codify.
//!
//! An agent takes calls only once telephony reports the leg up; a leg that
//! goes down logs the agent out. Waiting answered campaign calls come before
//! queued inbound callers when an agent frees up: they are the ones about to
//! be abandoned.

use marcador_wire::CallResult;
use rand::RngExt;

use super::telephony::{AgentRef, CallRef, Command};
use super::{Engine, Event};
use crate::store::{CodifyInput, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AgentState {
    LoggedOut,
    /// Logged in; telephony is calling the agent's phone.
    Connecting,
    Idle,
    /// Looking at a preview record, then dialing it.
    Previewing,
    Talking {
        call: CallRef,
    },
    AfterCall {
        until: i64,
    },
}

#[derive(Debug)]
pub(super) struct Agent {
    /// The agent's id in the store (what a preview record's `agent_id` names).
    pub id: AgentRef,
    pub skill: i64,
    pub state: AgentState,
    /// Staffed and busy time is accounted up to here.
    pub since: i64,
}

impl Agent {
    pub fn logged_out(id: AgentRef, skill: i64, now: i64) -> Self {
        Agent {
            id,
            skill,
            state: AgentState::LoggedOut,
            since: now,
        }
    }

    fn staffed(&self) -> bool {
        self.state != AgentState::LoggedOut
    }

    fn busy(&self) -> bool {
        !matches!(
            self.state,
            AgentState::LoggedOut | AgentState::Connecting | AgentState::Idle
        )
    }
}

impl Engine {
    /// The agent logs in: telephony calls their phone.
    pub(super) fn log_in(&mut self, agent: usize) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        if a.state != AgentState::LoggedOut {
            return;
        }
        a.state = AgentState::Connecting;
        let id = a.id;
        self.tell(Command::OpenAgentLeg {
            agent: id,
            address: None,
        });
    }

    pub(super) fn leg_up(&mut self, id: AgentRef) {
        let Some(agent) = self.agent_index(id) else {
            return;
        };
        if self.agents[agent].state == AgentState::Connecting {
            self.agents[agent].state = AgentState::Idle;
            self.serve_waiting(agent);
        }
    }

    /// The agent's phone hung up (or never answered): the agent is logged
    /// out, and a customer talking to them is hung up.
    pub(super) fn leg_down(&mut self, id: AgentRef) {
        let Some(agent) = self.agent_index(id) else {
            return;
        };
        if let AgentState::Talking { call } = self.agents[agent].state
            && self.calls.contains_key(&call)
        {
            self.tell(Command::HangUp { call });
            self.finish_call(call);
            self.calls.remove(&call);
        }
        self.agents[agent].state = AgentState::LoggedOut;
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
            .filter(move |(_, a)| a.skill == skill && a.state == AgentState::Idle)
            .map(|(i, _)| i)
    }

    /// An agent just became free: take the oldest answered call waiting for
    /// this skill, else the longest-waiting inbound caller.
    pub(super) fn serve_waiting(&mut self, agent: usize) {
        let skill = self.agents[agent].skill;
        let Some(call) = self.waiting.get_mut(&skill).and_then(|q| q.pop_front()) else {
            if let Some(call) = self.queued.get_mut(&skill).and_then(|q| q.pop_front()) {
                self.connect_inbound(agent, call);
            }
            return;
        };
        if let Some(campaign) = self.calls.get(&call).map(|c| c.campaign) {
            self.observe_human(campaign, false);
        }
        self.connect(agent, call);
    }

    /// Bridges an answered customer call to the agent's leg.
    pub(super) fn connect(&mut self, agent: usize, call: CallRef) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.bridged_ms = Some(self.now);
        self.stats.connected += 1;
        self.agents[agent].state = AgentState::Talking { call };
        let id = self.agents[agent].id;
        self.record_attempt(call, CallResult::Answer);
        self.tell(Command::Bridge { call, agent: id });
    }

    /// The talk ended (either side hung up): after-call work.
    pub(super) fn talk_ended(&mut self, agent: usize, call: CallRef) {
        if self.agents[agent].state != (AgentState::Talking { call }) {
            return;
        }
        let acw = self.rng.random_range(self.cfg.acw_ms.0..=self.cfg.acw_ms.1);
        self.agents[agent].state = AgentState::AfterCall {
            until: self.now + acw,
        };
        self.schedule(self.now + acw, Event::AfterCallEnd { agent, call });
    }

    pub(super) async fn after_call_end(&mut self, agent: usize, call: CallRef) -> Result<()> {
        self.codify_after_call(call).await?;
        if matches!(self.agents[agent].state, AgentState::AfterCall { .. }) {
            self.agents[agent].state = AgentState::Idle;
            self.serve_waiting(agent);
        }
        Ok(())
    }

    /// The agent finished a connected call: codify it with one of the
    /// operation's activity codes (most calls), through the same path as the API.
    async fn codify_after_call(&mut self, call: CallRef) -> Result<()> {
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
