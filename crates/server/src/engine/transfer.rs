//! An agent hands the caller it talks with on (agentbox `transfer`, or a
//! simulated agent now and then), to another agent or to a number outside.
//!
//! To an agent: telephony bridges the customer's leg to the other agent's
//! phone, and the other talks on a leg of its own — a new call id,
//! `transfer` — until the call ends or is handed on again.
//!
//! To a number outside (a blind transfer, as Asterisk's and VICIdial's): the
//! engine places a call to it and joins the customer to it at once (the
//! customer hears its ringing, and no longer the agent); when either side
//! hangs up the other is hung up. A number that does not answer ends the
//! customer's call too — nobody is left to talk to. That leg is the placed
//! call: its calls row is a `transfer` of the caller with no agent, and its
//! result (answered, busy, no answer…; `abandon` if the customer hung up
//! while it rang); the number is the transfer's `dnis`.
//!
//! Either way the first agent goes to its after-call work about the call it
//! had, and the leg is written when it ends: its calls row and the transfer
//! (agent_12, agent_13, agent_13_1), naming the call it came from.

use marcador_wire::{CallResult, HangUp, TypeInteraction, conn_id};

use super::agents::AgentState;
use super::telephony::{CallRef, Command, Ending, Originate, Party, TelEvent};
use super::{Engine, Event, world};
use crate::store::{CallFact, Fact, TransferFact, TransferKind};

/// A leg of a call handed on: with the agent it was handed to, or the call
/// placed to a number outside.
#[derive(Debug)]
pub(super) struct Transfer {
    /// The leg's own call id, and the id of the call it came from.
    pub conn_id: String,
    origin_conn_id: String,
    from_agent: i64,
    /// The agent it reached (store id; none: a number outside), and what was
    /// dialed: its extension, or the number.
    pub to_agent: Option<i64>,
    dnis: String,
    skill: Option<i64>,
    /// The caller's number (the leg's calls row); what was dialed is `dnis`.
    telephone: String,
    customer_id: String,
    campaign: Option<i64>,
    started_ms: i64,
}

/// A caller handed to a number outside, while the call placed to it is up.
#[derive(Debug)]
pub(super) struct Outside {
    /// The caller's call.
    customer: CallRef,
    leg: Transfer,
    answered_ms: Option<i64>,
}

/// How a leg ended, for its calls row.
struct LegEnd {
    result: CallResult,
    ring_ms: i64,
    hang_up: HangUp,
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
    /// talks on it now, or a number outside it was handed to.
    pub(super) fn release_call(&mut self, call: CallRef) {
        if self.talker(call).is_none() && !self.outside.values().any(|o| o.customer == call) {
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
        let (to_agent, dnis) = (self.agents[to].id, self.agents[to].code.clone());
        let Some(leg) = self.new_leg(from, call, Some(to_agent), dnis) else {
            return;
        };
        self.transfers.insert(call, leg);
        if self.calls.contains_key(&call) {
            self.tell(Command::Bridge {
                call,
                agent: to_agent,
            });
        }
        self.set_state(to, AgentState::Talking { call });
        self.talk_ended(from, call);
    }

    /// `from` hands the caller it talks with to `number` outside: a call is
    /// placed to it and joined to the caller's at once.
    pub(super) fn transfer_out(&mut self, from: usize, number: String) {
        let AgentState::Talking { call } = self.agents[from].state else {
            tracing::info!(
                agent = self.agents[from].id,
                "transfer not made: the agent is no longer on a call"
            );
            return;
        };
        let Some(leg) = self.new_leg(from, call, None, number.clone()) else {
            return;
        };
        self.next_call += 1;
        let placed = self.next_call;
        self.outside.insert(
            placed,
            Outside {
                customer: call,
                leg,
                answered_ms: None,
            },
        );
        self.tell(Command::Originate(Originate {
            call: placed,
            number,
            phone: 1,
            caller_id: String::new(),
            ring_timeout_ms: self.cfg.ring_timeout_ms,
            amd: false,
        }));
        self.schedule(
            self.now + self.cfg.ring_timeout_ms,
            Event::RingTimeout(placed),
        );
        self.tell(Command::Join {
            call,
            other: placed,
        });
        self.talk_ended(from, call);
    }

    /// A new leg of `call`, which `from` hands on; the leg it was on before,
    /// if it was handed to it, ends here. None: not a call the engine knows.
    fn new_leg(
        &mut self,
        from: usize,
        call: CallRef,
        to_agent: Option<i64>,
        dnis: String,
    ) -> Option<Transfer> {
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
            return None;
        };
        let origin_conn_id = self.agents[from].conn_id().to_owned();
        self.transfer_ended(call);
        self.next_call += 1;
        let station = skill.unwrap_or_default() as u32;
        let id = conn_id::format(
            self.node(),
            station,
            self.now.div_euclid(1000),
            self.next_call,
        );
        Some(Transfer {
            conn_id: id,
            origin_conn_id,
            from_agent: self.agents[from].id,
            to_agent,
            dnis,
            skill,
            telephone,
            customer_id,
            campaign,
            started_ms: self.now,
        })
    }

    /// The leg a transfer to an agent handed over ended: its calls row and the transfer.
    pub(super) fn transfer_ended(&mut self, call: CallRef) {
        if let Some(t) = self.transfers.remove(&call) {
            let end = LegEnd {
                result: CallResult::Answer,
                ring_ms: 0,
                hang_up: HangUp::Customer,
            };
            self.write_leg(t, end);
        }
    }

    /// What telephony reports about a call placed to a number outside, if
    /// `ev` is about one; false: about another call.
    pub(super) fn outside_reported(&mut self, ev: &TelEvent) -> bool {
        let placed = match ev {
            TelEvent::Ringing { call }
            | TelEvent::Answered { call, .. }
            | TelEvent::Failed { call, .. }
            | TelEvent::HungUp { call, .. } => *call,
            _ => return false,
        };
        let Some(o) = self.outside.get_mut(&placed) else {
            return false;
        };
        match *ev {
            // Whoever answers (no detection on a transfer) is talked to.
            TelEvent::Answered { .. } => {
                o.answered_ms.get_or_insert(self.now);
            }
            TelEvent::Failed { ending, .. } => self.outside_ended(placed, ending.result(), None),
            TelEvent::HungUp { by, .. } => {
                self.outside_ended(placed, CallResult::Answer, Some(by.hang_up()))
            }
            _ => {}
        }
        true
    }

    /// The ring timeout of a call placed to a number outside, if `placed`
    /// is one still ringing; false: another call's.
    pub(super) fn outside_ring_timeout(&mut self, placed: CallRef) -> bool {
        let Some(o) = self.outside.get(&placed) else {
            return false;
        };
        if o.answered_ms.is_none() {
            self.tell(Command::HangUp { call: placed });
            self.outside_ended(placed, Ending::RING_TIMEOUT.result(), None);
        }
        true
    }

    /// The call placed to a number outside ended (unanswered, or hung up
    /// from its side `by`): its leg is written and the caller is hung up.
    fn outside_ended(&mut self, placed: CallRef, result: CallResult, by: Option<HangUp>) {
        let Some(call) = self.end_outside(placed, result, by.unwrap_or(HangUp::Agent)) else {
            return;
        };
        if self.calls.contains_key(&call) {
            self.tell(Command::HangUp { call });
            self.hung_up(call, Party::Agent);
            // Forgotten now unless an agent still has it (its after-call work).
            let held = self.agents.iter().any(|a| {
                matches!(a.state, AgentState::Talking { call: c } | AgentState::AfterCall { call: c, .. } if c == call)
            });
            if !held {
                self.calls.remove(&call);
            }
        }
    }

    /// The caller's call ended: a call placed to a number outside for it is
    /// hung up too (`abandon` if it was still ringing).
    pub(super) fn caller_left(&mut self, call: CallRef) {
        let placed: Vec<(CallRef, bool)> = self
            .outside
            .iter()
            .filter(|(_, o)| o.customer == call)
            .map(|(&p, o)| (p, o.answered_ms.is_some()))
            .collect();
        for (p, answered) in placed {
            self.tell(Command::HangUp { call: p });
            let result = if answered {
                CallResult::Answer
            } else {
                CallResult::Abandon
            };
            self.end_outside(p, result, HangUp::Customer);
        }
    }

    /// Writes the leg of a call placed to a number outside, which ended with
    /// `result` (`hang_up` ended it); the caller's call it was placed for.
    fn end_outside(
        &mut self,
        placed: CallRef,
        result: CallResult,
        hang_up: HangUp,
    ) -> Option<CallRef> {
        let o = self.outside.remove(&placed)?;
        let end = LegEnd {
            result,
            ring_ms: o.answered_ms.unwrap_or(self.now) - o.leg.started_ms,
            hang_up,
        };
        self.write_leg(o.leg, end);
        Some(o.customer)
    }

    /// A leg handed on ended: its calls row and the transfer.
    fn write_leg(&mut self, t: Transfer, end: LegEnd) {
        let operation_id = self.cfg.operation_id;
        self.facts.push(Fact::Call(CallFact {
            operation_id,
            started_at: t.started_ms.div_euclid(1000),
            type_interaction: TypeInteraction::Transfer,
            result: end.result,
            telephone: t.telephone,
            customer_id: t.customer_id,
            conn_id: t.conn_id.clone(),
            campaign_id: t.campaign,
            rp_id: None,
            duration: (self.now - t.started_ms) / 1000,
            agent_id: t.to_agent,
            skill_id: t.skill,
            ring_seconds: end.ring_ms / 1000,
            hang_up: end.hang_up,
            wait_seconds: None,
        }));
        self.facts.push(Fact::Transfer(TransferFact {
            operation_id,
            conn_id: t.conn_id,
            origin_conn_id: t.origin_conn_id,
            from_agent_id: t.from_agent,
            to_agent_id: t.to_agent,
            dnis: t.dnis,
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
    /// skills, or to the back office's number if none is free, if it still
    /// has the call.
    pub(super) fn sim_transfer(&mut self, agent: usize, call: CallRef) {
        if self.agents[agent].state != (AgentState::Talking { call }) {
            return;
        }
        let to = self.agents[agent]
            .skills
            .clone()
            .into_iter()
            .find_map(|skill| self.idle_agents(skill).find(|&a| a != agent));
        match to {
            Some(to) => self.transfer(agent, to),
            None => self.transfer_out(agent, world::BACK_OFFICE.to_owned()),
        }
    }
}
