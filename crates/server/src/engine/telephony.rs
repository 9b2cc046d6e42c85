//! The telephony boundary: what the engine asks of telephony ([`Command`]) and
//! what telephony reports back, later ([`TelEvent`]).
//!
//! The engine never learns a call's future when it dials: it originates, then
//! reacts to events as they come — ringing, answered (by a person, a machine,
//! or undecided), failed (with the final SIP status and Q.850 cause), hung up.
//! It owns every decision with a deadline itself: the ring timeout (it hangs
//! up, which a SIP implementation sends as a CANCEL), the 2 seconds an answered
//! customer waits for an agent, after-call work.
//!
//! Events carry the engine-clock millisecond they happened at. A simulator
//! (`engine::sim`) knows them the moment it is commanded and hands them over
//! at once, stamped in the future; a real implementation stamps them as they
//! arrive from the network and wakes the engine through [`Telephony::wake`].
//! The engine ignores events about calls it has already ended (a 200 that
//! crosses our CANCEL, a BYE after our BYE), exactly as real telephony needs.
//!
//! How a final SIP answer becomes a Wolkvox result is [`Ending::result`], the
//! one table of it (README "Dialing for real" shows it).

use std::sync::Arc;

use marcador_wire::{CallResult, HangUp};

pub use crate::domain::PhoneNetwork;
use tokio::sync::Notify;

/// The engine's name for a call (unique within one engine).
pub type CallRef = u64;
/// An agent, by its id in the store.
pub type AgentRef = i64;

/// A call to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Originate {
    pub call: CallRef,
    /// The number as stored in the record.
    pub number: String,
    /// Which of the record's phones (`tel1` = 1 …), for simulators that treat later phones as worse.
    pub phone: u8,
    /// The caller id to present (empty: telephony's default).
    pub caller_id: String,
    /// The engine hangs up at this point; telephony may use it to bound its own timers.
    pub ring_timeout_ms: i64,
    /// Tell a person from a machine when answered (the campaign's `amd`);
    /// otherwise an answer is `Unknown`.
    pub amd: bool,
}

/// What the engine asks telephony to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Originate(Originate),
    /// Connect an answered customer call to an agent whose leg is up.
    Bridge {
        call: CallRef,
        agent: AgentRef,
    },
    /// Connect a customer call to another call placed for it (a number
    /// outside it was handed to), ringing or answered: each hears the other
    /// from now on, and the customer no longer hears the agent it talked with.
    Join {
        call: CallRef,
        other: CallRef,
    },
    /// End a call in any state: CANCEL while it rings, BYE once answered.
    /// Telephony reports nothing more about it.
    HangUp {
        call: CallRef,
    },
    /// Call the agent's phone and keep the leg up while the agent is logged in.
    OpenAgentLeg {
        agent: AgentRef,
        /// Where the agent's phone is (a SIP URI); simulators ignore it.
        address: Option<String>,
    },
    CloseAgentLeg {
        agent: AgentRef,
    },
    /// Put a bridged customer call on hold, or take it off: meanwhile neither
    /// side hears the other (telephony plays nothing to the customer).
    Hold {
        call: CallRef,
        on: bool,
    },
    /// Mute the agent's phone, or unmute it: meanwhile the customer does not
    /// hear the agent. Telephony keeps it across calls until told otherwise.
    Mute {
        agent: AgentRef,
        on: bool,
    },
    /// Send DTMF keys (digits, `*`, `#`, `A`–`D`) to a bridged customer call,
    /// as the agent's phone would.
    Dtmf {
        call: CallRef,
        keys: String,
    },
}

/// Who answered a call, as far as telephony (and its answering-machine detection) can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Answerer {
    Person,
    Machine,
    /// Detection off or undecided: treated as a person.
    Unknown,
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Party {
    Customer,
    Agent,
}

impl Party {
    /// The calls row's `hang_up`.
    pub fn hang_up(self) -> HangUp {
        match self {
            Party::Customer => HangUp::Customer,
            Party::Agent => HangUp::Agent,
        }
    }
}

/// How a call ended in telephony's words: the final SIP status of the INVITE
/// (none: nothing ever answered it) and the Q.850 cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ending {
    pub sip: Option<u16>,
    pub q850: u16,
}

impl Ending {
    /// A call that was answered (whatever happened after).
    pub const ANSWERED: Ending = Ending {
        sip: Some(200),
        q850: 16,
    };
    /// Our CANCEL at the ring timeout: the INVITE ends in 487, "no answer from user".
    pub const RING_TIMEOUT: Ending = Ending {
        sip: Some(487),
        q850: 19,
    };

    /// The Wolkvox result of an INVITE that ended this way without being
    /// answered (an answered call's result is decided by the engine: ANSWER,
    /// ANSWER-MACHINE or ABANDON).
    pub fn result(self) -> CallResult {
        match self.sip {
            None => CallResult::ChanUnavail,
            Some(486 | 600) => CallResult::Busy,
            Some(408 | 480 | 487) => CallResult::NoAnswer,
            Some(500 | 502 | 503 | 504) => CallResult::Congestion,
            Some(200..=299) => CallResult::Answer,
            Some(_) => CallResult::Failed,
        }
    }

    /// The raw status stored beside the result (`attempts.raw_status`).
    pub fn raw_status(self) -> String {
        match self.sip {
            Some(s) => format!("SIP {s}"),
            None => "NO RESPONSE".to_owned(),
        }
    }
}

/// What telephony reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TelEvent {
    Ringing {
        call: CallRef,
    },
    Answered {
        call: CallRef,
        by: Answerer,
    },
    /// The INVITE ended without an answer.
    Failed {
        call: CallRef,
        ending: Ending,
    },
    /// An answered call ended from the far side.
    HungUp {
        call: CallRef,
        by: Party,
        q850: u16,
    },
    /// The agent's phone answered: the agent can take calls.
    AgentLegUp {
        agent: AgentRef,
    },
    /// The agent's leg could not be set up, or ended.
    AgentLegDown {
        agent: AgentRef,
        q850: u16,
    },
    /// How the agent's phone is reached: when its leg comes up, then now and
    /// then while it stays up.
    AgentNetwork {
        agent: AgentRef,
        network: PhoneNetwork,
    },
}

/// An event and the engine-clock millisecond it happened at.
pub type Timed = (i64, TelEvent);

/// Places calls and keeps agents' legs.
pub trait Telephony: Send {
    /// Carries out `cmd`, given at engine time `now_ms`. Never blocks; what
    /// comes of it is reported as events.
    fn command(&mut self, now_ms: i64, cmd: Command);

    /// Appends every event reported since the last call, in the order they happened.
    fn drain(&mut self, out: &mut Vec<Timed>);

    /// Notified when events arrive from outside the engine (real telephony);
    /// a simulator's events are all handed over by `drain`, so it has none.
    fn wake(&self) -> Option<Arc<Notify>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_answers_map_to_wolkvox_results() {
        let r = |sip| Ending { sip, q850: 0 }.result();
        assert_eq!(r(Some(486)), CallResult::Busy);
        assert_eq!(r(Some(600)), CallResult::Busy);
        for s in [408, 480, 487] {
            assert_eq!(r(Some(s)), CallResult::NoAnswer);
        }
        for s in [500, 502, 503, 504] {
            assert_eq!(r(Some(s)), CallResult::Congestion);
        }
        for s in [404, 410, 484, 604, 403, 488] {
            assert_eq!(r(Some(s)), CallResult::Failed);
        }
        assert_eq!(r(None), CallResult::ChanUnavail);
        assert_eq!(Ending::RING_TIMEOUT.result(), CallResult::NoAnswer);
        assert_eq!(Ending::RING_TIMEOUT.raw_status(), "SIP 487");
    }
}
