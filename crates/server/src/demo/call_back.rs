//! Smart wait in the demo's history: a queued caller offered a call back
//! (the live engine's rule, `engine/smart_wait.rs`) who takes it is called
//! back by the first agent of the skill free after the offer — a call of the
//! agent's own, with its row and the agent's time — tried again
//! `callback_retry_ms` after a call back nobody answered, up to
//! `callback_attempts`. Written as the engine writes it: one
//! `SmartWaitFact` per caller.

use marcador_wire::smart_wait::SmartWaitStatus;
use marcador_wire::{CallResult, TypeInteraction};
use rand::RngExt;

use super::staff::Work;
use super::{Generator, NewCall, RESULT_SHARES};
use crate::engine::world;
use crate::store::{Fact, SmartWaitFact};

/// A caller offered a call back.
pub(super) struct Offer<'a> {
    pub skill: i64,
    /// The caller's inbound call, and its number.
    pub conn_id: &'a str,
    pub ani: &'a str,
    pub inbound_ms: i64,
    pub offered_ms: i64,
    pub accepted: bool,
}

/// How far ahead a call back waits for a free agent of the skill: past the
/// night, so a caller who asked at closing time is called back by the
/// morning's shift (left `YES` beyond it, for the live engine to take up).
const LOOK_AHEAD_MS: i64 = 12 * 3_600_000;

/// The offer, and the call backs it leads to, written up to `end` (Unix s):
/// a call back not over by then is left accepted (`YES`).
pub(super) fn smart_wait(g: &mut Generator, o: Offer, end: i64) {
    let customer_id = world::identified_caller(o.ani);
    let mut fact = SmartWaitFact {
        operation_id: g.operation_id,
        conn_id: o.conn_id.to_owned(),
        skill_id: o.skill,
        inbound_ms: o.inbound_ms,
        last_outbound_ms: None,
        status: if o.accepted {
            SmartWaitStatus::Yes
        } else {
            SmartWaitStatus::No
        },
        attempts: 0,
        ani: o.ani.to_owned(),
        dial_phone: o.ani.to_owned(),
        talk_ms: 0,
        customer_id: customer_id.clone(),
    };
    let (attempts, retry) = (
        g.info.engine.callback_attempts,
        g.info.engine.callback_retry_ms,
    );
    let mut due = o.offered_ms;
    while o.accepted && fact.attempts < attempts {
        let Some(t) = g
            .staff
            .free_agent(&mut g.facts, o.skill, due, due + LOOK_AHEAD_MS)
        else {
            break;
        };
        // The agent is on the line first: nobody is abandoned on a call back.
        let result = match world::pick(&mut g.rng, RESULT_SHARES, |s| s.1).0 {
            CallResult::Abandon => CallResult::Answer,
            r => r,
        };
        let ring = world::ring_seconds(&mut g.rng, result);
        let talk = if result == CallResult::Answer {
            g.rng.random_range(60..300)
        } else {
            0
        };
        if t.start_ms + (ring + talk) * 1000 > end * 1000 {
            break;
        }
        fact.attempts += 1;
        fact.last_outbound_ms = Some(t.start_ms);
        let conn = g.conn_id(o.skill, t.start_ms / 1000);
        let acw = if result == CallResult::Answer {
            g.acw_ms()
        } else {
            0
        };
        let work = Work {
            inbound: false,
            preview_ms: 0,
            conn_id: &conn,
            campaign: None,
            talk_ms: (ring + talk) * 1000,
            acw_ms: acw,
        };
        g.staff.take(&mut g.facts, &mut g.rng, t, work);
        g.call(NewCall {
            at: t.start_ms / 1000,
            ti: TypeInteraction::OutboundMa,
            result,
            telephone: o.ani.to_owned(),
            customer_id: customer_id.clone(),
            conn_id: conn,
            campaign_id: None,
            rp_id: None,
            duration: ring + talk,
            agent: Some(g.staff.id(t)),
            skill: Some(o.skill),
            ring_seconds: ring,
            wait_seconds: None,
        });
        if result == CallResult::Answer {
            fact.talk_ms = talk * 1000;
            fact.status = if world::call_back_reaches_the_caller(&mut g.rng) {
                SmartWaitStatus::Ok
            } else {
                SmartWaitStatus::NoUser
            };
            break;
        }
        due = t.start_ms + ring * 1000 + retry;
    }
    if fact.status == SmartWaitStatus::Yes && fact.attempts >= attempts {
        fact.status = SmartWaitStatus::Fail;
    }
    g.facts.push(Fact::SmartWait(fact));
}
