//! Smart wait ("espera inteligente", a queued callback as Amazon Connect
//! calls it): a caller still waiting in a skill's queue after the routing
//! point's `smart_wait_s` is offered a call back. One who declines keeps
//! waiting; one who accepts hangs up and is called back when an agent of the
//! skill is free and nobody waits in its queue — the agent first, as a call
//! of its own (`manual.rs`), then the caller's number. A call back not
//! answered is tried again after `callback_retry_ms`, up to
//! `callback_attempts`; a caller who calls again and is served first needs
//! none. Each offer is written as it stands (`Fact::SmartWait`, one row per
//! caller): diagram_2 and diagram_3. An engine starting takes up the call
//! backs still owed (`YES` rows), so a restart does not forget a promise.

use marcador_wire::smart_wait::SmartWaitStatus;
use marcador_wire::{CallResult, conn_id};

use super::telephony::CallRef;
use super::{Engine, world};
use crate::store::{Claim, Fact, SmartWaitFact};

/// A caller who accepted a call back, until it ends.
#[derive(Debug)]
pub(super) struct Callback {
    fact: SmartWaitFact,
    /// When it may be placed next.
    due_ms: i64,
    /// The call back under way.
    placed: Option<CallRef>,
}

impl Engine {
    /// The call backs still owed when the engine starts, due at once.
    pub(super) async fn owed_call_backs(&mut self) -> crate::store::Result<()> {
        for fact in self
            .store
            .pending_smart_waits(self.cfg.operation_id)
            .await?
        {
            self.next_call += 1;
            self.callbacks.insert(
                self.next_call,
                Callback {
                    fact,
                    due_ms: self.now,
                    placed: None,
                },
            );
        }
        Ok(())
    }

    /// The caller on `call` has waited the routing point's smart wait: if
    /// still queued, it is offered a call back.
    pub(super) fn smart_wait_offer(&mut self, call: CallRef) {
        let Some(c) = self.inbound.get(&call) else {
            return;
        };
        let Some(skill) = c.skill else {
            return;
        };
        if !self.queued.get(&skill).is_some_and(|q| q.contains(&call)) {
            return;
        }
        let accepts = world::accepts_call_back(&mut self.rng);
        let fact = SmartWaitFact {
            operation_id: self.cfg.operation_id,
            conn_id: c.conn_id.clone(),
            skill_id: skill,
            inbound_ms: c.started_ms,
            last_outbound_ms: None,
            status: if accepts {
                SmartWaitStatus::Yes
            } else {
                SmartWaitStatus::No
            },
            attempts: 0,
            ani: c.telephone.clone(),
            dial_phone: c.telephone.clone(),
            talk_ms: 0,
            customer_id: world::identified_caller(&c.telephone),
        };
        self.facts.push(Fact::SmartWait(fact.clone()));
        if !accepts {
            return;
        }
        // The caller hangs up, to be called back.
        if let Some(q) = self.queued.get_mut(&skill) {
            q.retain(|&c| c != call);
        }
        self.end_inbound(call, CallResult::Abandon, None);
        self.callbacks.insert(
            call,
            Callback {
                fact,
                due_ms: self.now,
                placed: None,
            },
        );
    }

    /// Each tick: due call backs, oldest caller first, to the free agents of
    /// their skill whose queue is empty.
    pub(super) fn call_back(&mut self) {
        let due: Vec<CallRef> = self
            .callbacks
            .iter()
            .filter(|(_, b)| b.placed.is_none() && b.due_ms <= self.now)
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            let Some(skill) = self.callbacks.get(&key).map(|b| b.fact.skill_id) else {
                continue;
            };
            if self.queued.get(&skill).is_some_and(|q| !q.is_empty()) {
                continue;
            }
            let Some(agent) = self.first_idle(skill) else {
                continue;
            };
            let (now, node) = (self.now, self.node());
            self.next_call += 1;
            let conn = conn_id::format(node, skill as u32, now.div_euclid(1000), self.next_call);
            let Some(b) = self.callbacks.get_mut(&key) else {
                continue;
            };
            b.fact.attempts += 1;
            b.fact.last_outbound_ms = Some(now);
            let claim = Claim {
                record_id: 0,
                customer_id: b.fact.customer_id.clone(),
                phone: 1,
                telephone: b.fact.dial_phone.clone(),
                agent_id: self.agents[agent].code.clone(),
            };
            self.facts.push(Fact::SmartWait(b.fact.clone()));
            let placed = self.place_own_call(agent, None, claim, conn);
            if let Some(b) = self.callbacks.get_mut(&key) {
                b.placed = Some(placed);
            }
            if let Some(c) = self.calls.get_mut(&placed) {
                c.call_back = Some(key);
            }
        }
    }

    /// A call back ended (its row is being written): the caller was reached,
    /// or it is tried again later, or no more.
    pub(super) fn call_back_ended(&mut self, key: CallRef, result: CallResult, talk_ms: i64) {
        let (attempts, retry) = (self.cfg.callback_attempts, self.cfg.callback_retry_ms);
        let reached = result == CallResult::Answer;
        let right_person = reached && world::call_back_reaches_the_caller(&mut self.rng);
        let now = self.now;
        let Some(b) = self.callbacks.get_mut(&key) else {
            return;
        };
        b.placed = None;
        b.fact.talk_ms += talk_ms.max(0);
        let status = if reached {
            Some(if right_person {
                SmartWaitStatus::Ok
            } else {
                SmartWaitStatus::NoUser
            })
        } else if b.fact.attempts >= attempts {
            Some(SmartWaitStatus::Fail)
        } else {
            b.due_ms = now + retry;
            None
        };
        if let Some(status) = status {
            b.fact.status = status;
            self.facts.push(Fact::SmartWait(b.fact.clone()));
            self.callbacks.remove(&key);
        }
    }

    /// A caller is served on a new call: a call back it is still waiting for
    /// (not under way) is no longer needed.
    pub(super) fn called_again(&mut self, telephone: &str) {
        let stop: Vec<CallRef> = self
            .callbacks
            .iter()
            .filter(|(_, b)| b.placed.is_none() && b.fact.ani == telephone)
            .map(|(k, _)| *k)
            .collect();
        for key in stop {
            if let Some(mut b) = self.callbacks.remove(&key) {
                b.fact.status = SmartWaitStatus::StopNew;
                self.facts.push(Fact::SmartWait(b.fact));
            }
        }
    }
}
