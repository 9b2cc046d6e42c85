//! Simulated inbound traffic and internal calls. Callers arrive at routing
//! points (Poisson, from `world`), walk the IVR menu, then wait in their
//! skill's queue for an agent or give up; after their talk, some answer the
//! routing point's survey; internal calls, transfers and conferences are
//! written as call facts. None of this goes through telephony yet: inbound
//! calls over SIP are not built, so these callers and their talk times are
//! drawn here, from the engine's own seeded generator.

use marcador_wire::{CallResult, HangUp, TypeInteraction, conn_id};
use rand::RngExt;

use super::agents::AgentState;
use super::telephony::CallRef;
use super::{Engine, Event, world};
use crate::store::{CallFact, Fact, IvrStepFact, SurveyFact};

#[derive(Debug)]
pub(super) struct InboundCall {
    rp_id: i64,
    pub skill: Option<i64>,
    pub telephone: String,
    pub conn_id: String,
    pub started_ms: i64,
    /// When the caller left the menu (and, unless it hung up there, queued).
    menu_end_ms: i64,
    talk_ms: i64,
    hang_up_in_menu: bool,
    survey_questions: usize,
    /// Offered a call back after this long in the queue (smart wait).
    pub smart_wait_ms: Option<i64>,
}

/// An inbound caller talking with an agent (its call row is written): who
/// it is, for a transfer and for the survey it is offered when its talk ends.
#[derive(Debug)]
pub(super) struct InboundTalk {
    pub conn_id: String,
    pub telephone: String,
    pub customer_id: String,
    pub skill: Option<i64>,
    survey_questions: usize,
}

impl Engine {
    /// Callers arriving at routing points during this tick walk the menu now;
    /// their steps are written when they leave it.
    pub(super) fn inbound_arrivals(&mut self) {
        let node = self.node();
        for i in 0..self.cfg.inbound.len() {
            let rp = &self.cfg.inbound[i];
            let (rp_id, skill, survey_questions) = (rp.rp_id, rp.skill_id, rp.survey_questions);
            let smart_wait_ms = rp.smart_wait_ms;
            let mean = rp.calls_per_hour * self.cfg.tick_ms as f64 / 3_600_000.0;
            for _ in 0..world::poisson(&mut self.rng, mean) {
                self.next_call += 1;
                let call = self.next_call;
                let start = self.now + self.rng.random_range(0..self.cfg.tick_ms.max(1));
                let conn = conn_id::format(node, rp_id as u32, start.div_euclid(1000), call);
                let steps = world::walk_menu(&mut self.rng, &self.cfg.inbound[i].options);
                let mut t = start;
                for (option, seconds) in &steps {
                    self.facts.push(Fact::IvrStep(IvrStepFact {
                        operation_id: self.cfg.operation_id,
                        rp_id,
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
                        rp_id,
                        skill,
                        telephone,
                        conn_id: conn,
                        started_ms: start,
                        menu_end_ms: t,
                        talk_ms,
                        hang_up_in_menu,
                        survey_questions,
                        smart_wait_ms,
                    },
                );
                self.stats.inbound += 1;
                self.schedule(t, Event::MenuDone(call));
            }
        }
    }

    pub(super) fn menu_done(&mut self, call: CallRef) {
        let Some(c) = self.inbound.get(&call) else {
            return;
        };
        let smart_wait = c.smart_wait_ms;
        match (c.skill, c.hang_up_in_menu) {
            (Some(skill), false) => match self.first_idle(skill) {
                Some(agent) => self.connect_inbound(agent, call),
                None => {
                    self.queued.entry(skill).or_default().push_back(call);
                    let patience = world::patience_ms(&mut self.rng);
                    self.schedule(self.now + patience, Event::PatienceOut(call));
                    if let Some(after) = smart_wait {
                        self.schedule(self.now + after, Event::SmartWaitOffer(call));
                    }
                }
            },
            _ => self.end_inbound(call, CallResult::Abandon, None),
        }
    }

    pub(super) fn patience_out(&mut self, call: CallRef) {
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
        self.end_inbound(call, CallResult::Abandon, None);
    }

    pub(super) fn connect_inbound(&mut self, agent: usize, call: CallRef) {
        let Some(c) = self.inbound.get(&call) else {
            return;
        };
        let telephone = c.telephone.clone();
        self.called_again(&telephone);
        let Some(c) = self.inbound.get(&call) else {
            return;
        };
        let talk = c.talk_ms;
        let talking = InboundTalk {
            conn_id: c.conn_id.clone(),
            telephone: c.telephone.clone(),
            customer_id: world::identified_caller(&c.telephone),
            skill: c.skill,
            survey_questions: c.survey_questions,
        };
        self.inbound_talks.insert(call, talking);
        self.set_state(agent, AgentState::Talking { call });
        // Whoever talks with the caller then (a transfer hands it on).
        self.schedule(self.now + talk, Event::InboundTalkEnd(call));
        self.plan_transfer(agent, call);
        self.plan_actions(agent, call);
        self.end_inbound(call, CallResult::Answer, Some(agent));
    }

    /// The caller's talk on `call` ended, last with `agent`: one offered a
    /// survey may take it, written as it will have ended.
    pub(super) fn inbound_talk_ended(&mut self, agent: usize, call: CallRef) {
        let Some(offer) = self.inbound_talks.remove(&call) else {
            return;
        };
        if let Some(s) = world::survey(&mut self.rng, offer.survey_questions) {
            self.facts.push(Fact::Survey(SurveyFact {
                operation_id: self.cfg.operation_id,
                conn_id: offer.conn_id,
                agent_id: Some(self.agents[agent].id),
                skill_id: offer.skill,
                started_ms: self.now,
                ms: s.ms,
                result: s.result,
                answers: s.answers,
            }));
        }
    }

    /// The caller's row: an answered call is written whole when it reaches its
    /// agent (the simulated caller's talk time is known then).
    pub(super) fn end_inbound(&mut self, call: CallRef, result: CallResult, agent: Option<usize>) {
        let Some(c) = self.inbound.remove(&call) else {
            return;
        };
        if result == CallResult::Abandon {
            self.stats.inbound_abandoned += 1;
        }
        let talk = if result == CallResult::Answer {
            c.talk_ms
        } else {
            0
        };
        self.facts.push(Fact::Call(CallFact {
            operation_id: self.cfg.operation_id,
            started_at: c.started_ms.div_euclid(1000),
            type_interaction: TypeInteraction::Inbound,
            result,
            customer_id: world::identified_caller(&c.telephone),
            telephone: c.telephone,
            conn_id: c.conn_id,
            campaign_id: None,
            rp_id: Some(c.rp_id),
            duration: (self.now - c.started_ms + talk) / 1000,
            agent_id: agent.map(|a| self.agents[a].id),
            // A caller who hung up in the menu never reached the skill's queue.
            skill_id: c.skill.filter(|_| !c.hang_up_in_menu),
            ring_seconds: (self.now - c.started_ms) / 1000,
            hang_up: HangUp::Customer,
            wait_seconds: (c.skill.is_some() && !c.hang_up_in_menu)
                .then(|| (self.now - c.menu_end_ms) / 1000),
        }));
    }

    /// Internal calls, transfers and conferences: facts only (they hold no campaign record).
    pub(super) fn other_calls(&mut self) {
        let node = self.node();
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
                    agent_id: None,
                    skill_id: None,
                    ring_seconds: 0,
                    hang_up: HangUp::Customer,
                    wait_seconds: None,
                }));
            }
        }
    }
}
