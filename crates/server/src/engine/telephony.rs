//! What places calls. [`Telephony`] is the boundary: originate a call to a
//! number, get its events. [`SimTelephony`] is the one implementation today: a
//! seeded simulator whose answer/machine/busy/failure/no-answer shares and ring
//! and talk times come from a [`SimProfile`], so the same seed and profile give
//! the same calls.

use marcador_wire::CallResult;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal};

/// How a call placed by the dialer ended, as telephony reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A person answered; `talk_ms` is how long they would stay on the line with an agent.
    Human {
        talk_ms: i64,
    },
    Machine,
    Busy,
    Congestion,
    Failed,
    NoAnswer,
    ChanUnavail,
}

impl Outcome {
    /// The Wolkvox result of an attempt with this outcome (a human answer that
    /// finds no agent becomes `abandon` in the engine, not here).
    pub fn result(self) -> CallResult {
        match self {
            Outcome::Human { .. } => CallResult::Answer,
            Outcome::Machine => CallResult::AnswerMachine,
            Outcome::Busy => CallResult::Busy,
            Outcome::Congestion => CallResult::Congestion,
            Outcome::Failed => CallResult::Failed,
            Outcome::NoAnswer => CallResult::NoAnswer,
            Outcome::ChanUnavail => CallResult::ChanUnavail,
        }
    }

    /// The raw status and Q.850 cause an Asterisk channel would report.
    pub fn raw(self) -> (&'static str, i64) {
        super::world::raw_status(self.result())
    }
}

/// A call's telephony events: when it was answered (or gave up), and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallEvents {
    /// Milliseconds from origination to the outcome (answer, busy, ring timeout…).
    pub after_ms: i64,
    pub outcome: Outcome,
}

/// Places outbound calls.
pub trait Telephony: Send {
    /// Originates a call to `number` (phone column `phone` of its record) and
    /// reports its events.
    fn originate(&mut self, number: &str, phone: u8) -> CallEvents;
}

/// Shares (per thousand) and times of the simulator.
#[derive(Debug, Clone, PartialEq)]
pub struct SimProfile {
    /// Share of calls answered by a person, per thousand.
    pub human: u32,
    pub machine: u32,
    pub busy: u32,
    pub congestion: u32,
    pub failed: u32,
    pub chanunavail: u32,
    /// The rest ring until the timeout: no answer.
    pub ring_timeout_ms: i64,
    /// Median ring time before a person or machine answers.
    pub answer_ring_ms: f64,
    /// Median talk time of a person with an agent.
    pub talk_ms: f64,
    /// The answer share of phones after the first is multiplied by this
    /// (second numbers are worse than first ones).
    pub later_phone_factor: f64,
}

impl SimProfile {
    /// A profile where people answer `human_per_thousand`/1000 of first-phone calls.
    pub fn with_answer_rate(human_per_thousand: u32) -> Self {
        SimProfile {
            human: human_per_thousand,
            machine: 120,
            busy: 80,
            congestion: 15,
            failed: 25,
            chanunavail: 20,
            ring_timeout_ms: 30_000,
            answer_ring_ms: 9_000.0,
            talk_ms: 150_000.0,
            later_phone_factor: 0.7,
        }
    }
}

impl Default for SimProfile {
    fn default() -> Self {
        Self::with_answer_rate(300)
    }
}

/// The seeded simulator.
pub struct SimTelephony {
    rng: StdRng,
    profile: SimProfile,
    ring: LogNormal<f64>,
    talk: LogNormal<f64>,
}

impl SimTelephony {
    pub fn new(seed: u64, profile: SimProfile) -> Self {
        // Log-normal with the given median and a moderate spread.
        let lognormal = |median: f64, sigma: f64| {
            LogNormal::new(median.max(1.0).ln(), sigma).unwrap_or_else(|_| {
                LogNormal::new(0.0, 1.0).expect("constant parameters are valid")
            })
        };
        SimTelephony {
            rng: StdRng::seed_from_u64(seed),
            ring: lognormal(profile.answer_ring_ms, 0.45),
            talk: lognormal(profile.talk_ms, 0.6),
            profile,
        }
    }
}

impl Telephony for SimTelephony {
    fn originate(&mut self, _number: &str, phone: u8) -> CallEvents {
        let p = &self.profile;
        let human = if phone > 1 {
            (f64::from(p.human) * p.later_phone_factor) as u32
        } else {
            p.human
        };
        let mut roll = self.rng.random_range(0..1000u32);
        let mut take = |share: u32| {
            let hit = roll < share;
            roll = roll.saturating_sub(share);
            hit
        };
        let ring = (self.ring.sample(&mut self.rng) as i64).clamp(1_000, p.ring_timeout_ms - 1);
        let (after_ms, outcome) = if take(human) {
            let talk_ms = (self.talk.sample(&mut self.rng) as i64).clamp(10_000, 1_800_000);
            (ring, Outcome::Human { talk_ms })
        } else if take(p.machine) {
            (ring, Outcome::Machine)
        } else if take(p.busy) {
            (self.rng.random_range(1_000..4_000), Outcome::Busy)
        } else if take(p.congestion) {
            (self.rng.random_range(500..3_000), Outcome::Congestion)
        } else if take(p.failed) {
            (self.rng.random_range(200..1_500), Outcome::Failed)
        } else if take(p.chanunavail) {
            (self.rng.random_range(200..1_500), Outcome::ChanUnavail)
        } else {
            (p.ring_timeout_ms, Outcome::NoAnswer)
        };
        CallEvents { after_ms, outcome }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_calls() {
        let run = |seed| {
            let mut t = SimTelephony::new(seed, SimProfile::default());
            (0..500)
                .map(|i| t.originate("57300", 1 + (i % 3) as u8))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn shares_follow_the_profile() {
        let mut t = SimTelephony::new(1, SimProfile::with_answer_rate(300));
        let n = 20_000;
        let humans = (0..n)
            .filter(|_| matches!(t.originate("1", 1).outcome, Outcome::Human { .. }))
            .count();
        let share = humans as f64 / n as f64;
        assert!((0.28..0.32).contains(&share), "{share}");
    }
}
