//! An agent hands the caller it talks with to another agent (agentbox
//! `transfer` to an extension, or a simulated agent now and then): telephony
//! bridges the customer's leg to the other agent's phone, the first agent
//! goes to its after-call work about the call it had, and the other talks on
//! a leg of its own — a new call id, `transfer` — until the call ends or is
//! handed on again. That leg is written when it ends: its calls row and the
//! transfer (agent_12, agent_13, agent_13_1), naming the call it came from.

use marcador_wire::{CallResult, HangUp, TypeInteraction, conn_id};

use super::agents::AgentState;
use super::telephony::{CallRef, Command};
use super::{Engine, Event, world};
use crate::store::{CallFact, Fact, TransferFact, TransferKind};

/// A call's leg with the agent it was handed to.
#[derive(Debug)]
pub(super) struct Transfer {
    /// The leg's own call id, and the id of the call it came from.
    pub conn_id: String,
    origin_conn_id: String,
    from_agent: i64,
    /// The agent it reached (store id) and its extension, the number dialed.
    pub to_agent: i64,
    to_code: String,
    skill: Option<i64>,
    telephone: String,
    customer_id: String,
    campaign: Option<i64>,
    started_ms: i64,
}

impl Engine {
    /// The agent talking on `call`.
    pub(super) fn talker(&self, call: CallRef) -> Option<usize> {
        self.agents
            .iter()
            .position(|a| a.state == (AgentState::Talking { call }))
    }

    /// An agent other than `agent` talking on `call` (the one it was handed to).
    pub(super) fn talker_besides(&self, agent: usize, call: CallRef) -> Option<usize> {
        self.agents
            .iter()
            .enumerate()
            .position(|(i, a)| i != agent && a.state == (AgentState::Talking { call }))
    }

    /// The agent is done with `call`: it is forgotten unless another agent
    /// talks on it now.
    pub(super) fn release_call(&mut self, call: CallRef) {
        if self.talker(call).is_none() {
            self.calls.remove(&call);
        }
    }

    /// `from` hands the caller it talks with to `to`, if `to` is free.
    pub(super) fn transfer(&mut self, from: usize, to: usize) {
        let AgentState::Talking { call } = self.agents[from].state else {
            return;
        };
        if from == to || self.agents[to].state != AgentState::Idle {
            tracing::info!(
                agent = self.agents[from].id,
                "transfer not made: the other agent is not free"
            );
            return;
        }
        let (telephone, customer_id, skill, campaign) = if let Some(c) = self.calls.get(&call) {
            let skill = c
                .campaign
                .and_then(|id| self.campaigns.get(&id))
                .and_then(|k| k.skill);
            (
                c.claim.telephone.clone(),
                c.claim.customer_id.clone(),
                skill,
                c.campaign,
            )
        } else if let Some(t) = self.inbound_talks.get(&call) {
            (t.telephone.clone(), t.customer_id.clone(), t.skill, None)
        } else {
            return;
        };
        let origin_conn_id = self.agents[from].conn_id().to_owned();
        // A leg handed on again ends here.
        self.transfer_ended(call);
        self.next_call += 1;
        let station = skill.unwrap_or_default() as u32;
        let id = conn_id::format(
            self.node(),
            station,
            self.now.div_euclid(1000),
            self.next_call,
        );
        let (from_agent, to_agent) = (self.agents[from].id, self.agents[to].id);
        self.transfers.insert(
            call,
            Transfer {
                conn_id: id,
                origin_conn_id,
                from_agent,
                to_agent,
                to_code: self.agents[to].code.clone(),
                skill,
                telephone,
                customer_id,
                campaign,
                started_ms: self.now,
            },
        );
        if self.calls.contains_key(&call) {
            self.tell(Command::Bridge {
                call,
                agent: to_agent,
            });
        }
        self.set_state(to, AgentState::Talking { call });
        self.talk_ended(from, call);
    }

    /// The leg a transfer handed over ended: its calls row and the transfer.
    pub(super) fn transfer_ended(&mut self, call: CallRef) {
        let Some(t) = self.transfers.remove(&call) else {
            return;
        };
        let seconds = (self.now - t.started_ms) / 1000;
        let operation_id = self.cfg.operation_id;
        self.facts.push(Fact::Call(CallFact {
            operation_id,
            started_at: t.started_ms.div_euclid(1000),
            type_interaction: TypeInteraction::Transfer,
            result: CallResult::Answer,
            telephone: t.telephone,
            customer_id: t.customer_id,
            conn_id: t.conn_id.clone(),
            campaign_id: t.campaign,
            rp_id: None,
            duration: seconds,
            agent_id: Some(t.to_agent),
            skill_id: t.skill,
            ring_seconds: 0,
            hang_up: HangUp::Customer,
            wait_seconds: None,
        }));
        self.facts.push(Fact::Transfer(TransferFact {
            operation_id,
            conn_id: t.conn_id,
            origin_conn_id: t.origin_conn_id,
            from_agent_id: t.from_agent,
            to_agent_id: Some(t.to_agent),
            dnis: t.to_code,
            skill_id: t.skill,
            kind: TransferKind::Transfer,
            started_ms: t.started_ms,
            ms: self.now - t.started_ms,
        }));
    }

    /// A simulated agent just took `call`: it may hand it on later.
    pub(super) fn plan_transfer(&mut self, agent: usize, call: CallRef) {
        if !self.agents[agent].simulated {
            return;
        }
        if let Some(after) = world::transfer_after(&mut self.rng) {
            self.schedule(self.now + after, Event::SimTransfer { agent, call });
        }
    }

    /// A simulated agent hands `call` to a free colleague of one of its
    /// skills, if it still has the call and one is free.
    pub(super) fn sim_transfer(&mut self, agent: usize, call: CallRef) {
        if self.agents[agent].state != (AgentState::Talking { call }) {
            return;
        }
        let to = self.agents[agent]
            .skills
            .clone()
            .into_iter()
            .find_map(|skill| self.idle_agents(skill).find(|&a| a != agent));
        if let Some(to) = to {
            self.transfer(agent, to);
        }
    }
}
