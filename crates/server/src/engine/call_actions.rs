//! An agent's hold and mute on the call it is on: switched by the agent API
//! (agentbox `hold` and `mute` toggle them) or, for a simulated agent, now and
//! then as the simulated world says (`world::call_actions`); carried out by
//! telephony (`Command::Hold`, `Command::Mute`); and each written as a call
//! action (agent_9, agent_10) when it ends — switched off, or the talk over
//! (`set_state` ends them when the agent leaves the call).

use super::agents::AgentState;
use super::telephony::{CallRef, Command};
use super::{Engine, Event, world};
use crate::domain::CallAction;
use crate::store::{CallActionFact, Fact};

impl Engine {
    /// Switches `action` on the agent's call to `on` (`None`: the other way
    /// round from now). Nothing happens unless the agent is talking.
    pub(super) fn switch_action(&mut self, agent: usize, action: CallAction, on: Option<bool>) {
        let AgentState::Talking { call } = self.agents[agent].state else {
            return;
        };
        let now = self.now;
        let a = &mut self.agents[agent];
        let since = a.actions.iter().position(|(x, _)| *x == action);
        let on = on.unwrap_or(since.is_none());
        match (on, since) {
            (true, None) => a.actions.push((action, now)),
            (false, Some(i)) => {
                let (_, from) = a.actions.swap_remove(i);
                self.action_ended(agent, action, from);
            }
            // Already as asked.
            _ => return,
        }
        let id = self.agents[agent].id;
        self.tell(match action {
            CallAction::Hold => Command::Hold { call, on },
            CallAction::Mute => Command::Mute { agent: id, on },
        });
    }

    /// The agent left `call`: what is still on ends now. Telephony keeps a
    /// phone muted across calls, so it is unmuted; a hold ends with the call,
    /// unless the call goes on (transferred to another agent).
    pub(super) fn end_actions(&mut self, agent: usize, call: CallRef) {
        let on = std::mem::take(&mut self.agents[agent].actions);
        for (action, from) in on {
            self.action_ended(agent, action, from);
            let id = self.agents[agent].id;
            match action {
                CallAction::Mute => self.tell(Command::Mute {
                    agent: id,
                    on: false,
                }),
                CallAction::Hold if self.calls.contains_key(&call) => {
                    self.tell(Command::Hold { call, on: false })
                }
                CallAction::Hold => {}
            }
        }
    }

    fn action_ended(&mut self, agent: usize, action: CallAction, from: i64) {
        let a = &self.agents[agent];
        self.facts.push(Fact::CallAction(CallActionFact {
            operation_id: self.cfg.operation_id,
            agent_id: a.id,
            conn_id: a.conn_id().to_owned(),
            action,
            started_ms: from,
            ms: self.now - from,
        }));
    }

    /// A simulated agent just took `call`: the holds and mutes it will make
    /// on it, as events (a talk that ends first ends them).
    pub(super) fn plan_actions(&mut self, agent: usize, call: CallRef) {
        if !self.agents[agent].simulated {
            return;
        }
        for (action, after, ms) in world::call_actions(&mut self.rng) {
            for (at, on) in [(self.now + after, true), (self.now + after + ms, false)] {
                self.schedule(
                    at,
                    Event::CallAction {
                        agent,
                        call,
                        action,
                        on,
                    },
                );
            }
        }
    }

    /// A planned hold or mute, if the agent is still on that call.
    pub(super) fn planned_action(
        &mut self,
        agent: usize,
        call: CallRef,
        action: CallAction,
        on: bool,
    ) {
        if self.agents[agent].state == (AgentState::Talking { call }) {
            self.switch_action(agent, action, Some(on));
        }
    }
}
