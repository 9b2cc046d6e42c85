//! Simulated telephony: one implementation of the [`Telephony`] boundary, for
//! the demo and the tests. A seeded generator draws each call's fate when it
//! is originated — answered by a person or a machine after a log-normal ring,
//! busy, congested, failed, unreachable, or ringing until the engine gives up
//! (the back office's line, `world::BACK_OFFICE`, is always answered) — and
//! how long the person would talk; the events are handed to the engine
//! at once, stamped with the engine-clock time they happen at. The customer's
//! hang-up is scheduled when the engine bridges the call (or joins a call
//! placed for a transfer to its customer). The same seed and the same
//! commands give the same events.

use std::collections::HashMap;

use marcador_wire::CallResult;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal};

use super::telephony::{
    Answerer, CallRef, Command, Ending, Originate, Party, TelEvent, Telephony, Timed,
};
use super::world;

/// Shares (per thousand) and times of the simulator. Calls that fall in no
/// share ring until the engine hangs up at its ring timeout: no answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SimProfile {
    /// Share of calls answered by a person, per thousand.
    pub human: u32,
    pub machine: u32,
    pub busy: u32,
    pub congestion: u32,
    pub failed: u32,
    pub chanunavail: u32,
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

/// A ringing call is reported as ringing this long after the INVITE.
const RINGING_AFTER_MS: i64 = 500;

/// The seeded simulator.
pub struct SimTelephony {
    rng: StdRng,
    profile: SimProfile,
    ring: LogNormal<f64>,
    talk: LogNormal<f64>,
    /// When each person who answered did and how long they would talk,
    /// until bridged (or joined) or hung up.
    talks: HashMap<CallRef, (i64, i64)>,
    /// Draws the agents' phones, apart from the calls' draws so the calls
    /// a seed gives do not depend on how many agents logged in.
    phones: StdRng,
    out: Vec<Timed>,
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
            talks: HashMap::new(),
            phones: StdRng::seed_from_u64(seed ^ 0x5048_4f4e_4553),
            out: Vec::new(),
        }
    }

    fn originate(&mut self, now: i64, o: Originate) {
        if o.number == world::BACK_OFFICE {
            // The back office's line is staffed: a person answers within seconds.
            let call = o.call;
            let ring = self.rng.random_range(2_000..6_000);
            let talk_ms = (self.talk.sample(&mut self.rng) as i64).clamp(10_000, 1_800_000);
            self.talks.insert(call, (now + ring, talk_ms));
            self.out.extend([
                (now + RINGING_AFTER_MS, TelEvent::Ringing { call }),
                (
                    now + ring,
                    TelEvent::Answered {
                        call,
                        by: Answerer::Person,
                    },
                ),
            ]);
            return;
        }
        let p = &self.profile;
        let human = if o.phone > 1 {
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
        let ring = (self.ring.sample(&mut self.rng) as i64).clamp(1_000, o.ring_timeout_ms - 1);
        let call = o.call;
        let failed = |ms: i64, result| {
            (
                now + ms,
                TelEvent::Failed {
                    call,
                    ending: world::ending(result),
                },
            )
        };
        let ringing = (now + RINGING_AFTER_MS, TelEvent::Ringing { call });
        let answered = |by| (now + ring, TelEvent::Answered { call, by });
        if take(human) {
            let talk_ms = (self.talk.sample(&mut self.rng) as i64).clamp(10_000, 1_800_000);
            self.talks.insert(call, (now + ring, talk_ms));
            self.out.extend([ringing, answered(Answerer::Person)]);
        } else if take(p.machine) {
            self.out.extend([ringing, answered(Answerer::Machine)]);
        } else if take(p.busy) {
            let ms = self.rng.random_range(1_000..4_000);
            self.out.push(failed(ms, CallResult::Busy));
        } else if take(p.congestion) {
            let ms = self.rng.random_range(500..3_000);
            self.out.push(failed(ms, CallResult::Congestion));
        } else if take(p.failed) {
            let ms = self.rng.random_range(200..1_500);
            self.out.push(failed(ms, CallResult::Failed));
        } else if take(p.chanunavail) {
            let ms = self.rng.random_range(200..1_500);
            self.out.push(failed(ms, CallResult::ChanUnavail));
        } else {
            // Rings until the engine hangs up at its ring timeout.
            self.out.push(ringing);
        }
    }
}

impl Telephony for SimTelephony {
    fn command(&mut self, now_ms: i64, cmd: Command) {
        match cmd {
            Command::Originate(o) => self.originate(now_ms, o),
            // The person hangs up after their talk, counted from when they
            // answered or are connected, whichever is later.
            Command::Bridge { call, .. } | Command::Join { other: call, .. } => {
                if let Some((answered, talk)) = self.talks.remove(&call) {
                    self.out.push((
                        now_ms.max(answered) + talk,
                        TelEvent::HungUp {
                            call,
                            by: Party::Customer,
                            q850: Ending::ANSWERED.q850,
                        },
                    ));
                }
            }
            Command::HangUp { call } => {
                self.talks.remove(&call);
            }
            // Simulated agents' phones answer at once.
            Command::OpenAgentLeg { agent, .. } => {
                self.out.push((now_ms, TelEvent::AgentLegUp { agent }));
                let network = world::phone_network(&mut self.phones);
                self.out
                    .push((now_ms, TelEvent::AgentNetwork { agent, network }));
            }
            // A simulated leg has no line to close and no sound to hold, mute or key.
            Command::CloseAgentLeg { .. }
            | Command::Hold { .. }
            | Command::Mute { .. }
            | Command::Dtmf { .. } => {}
        }
    }

    fn drain(&mut self, out: &mut Vec<Timed>) {
        out.append(&mut self.out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn originate(t: &mut SimTelephony, call: u64, phone: u8) -> Vec<Timed> {
        t.command(
            0,
            Command::Originate(Originate {
                call,
                number: "57300".into(),
                phone,
                caller_id: String::new(),
                ring_timeout_ms: 30_000,
                amd: false,
            }),
        );
        let mut out = Vec::new();
        t.drain(&mut out);
        out
    }

    #[test]
    fn the_same_seed_gives_the_same_calls() {
        let run = |seed| {
            let mut t = SimTelephony::new(seed, SimProfile::default());
            (0..500)
                .flat_map(|i| originate(&mut t, i, 1 + (i % 3) as u8))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn shares_follow_the_profile_and_answers_come_before_the_ring_timeout() {
        let mut t = SimTelephony::new(1, SimProfile::with_answer_rate(300));
        let n = 20_000;
        let mut humans = 0;
        for call in 0..n {
            for (at, ev) in originate(&mut t, call, 1) {
                assert!((0..30_000).contains(&at));
                if let TelEvent::Answered {
                    by: Answerer::Person,
                    ..
                } = ev
                {
                    humans += 1;
                }
            }
        }
        let share = humans as f64 / n as f64;
        assert!((0.28..0.32).contains(&share), "{share}");
    }

    #[test]
    fn a_bridged_person_hangs_up_after_talking() {
        let mut t = SimTelephony::new(3, SimProfile::with_answer_rate(1000));
        let answered = originate(&mut t, 9, 1);
        assert!(matches!(
            answered.last(),
            Some((_, TelEvent::Answered { call: 9, .. }))
        ));
        t.command(5_000, Command::Bridge { call: 9, agent: 1 });
        let mut out = Vec::new();
        t.drain(&mut out);
        let [(at, TelEvent::HungUp { call: 9, by, .. })] = out[..] else {
            panic!("{out:?}");
        };
        assert_eq!(by, Party::Customer);
        assert!(at >= 15_000);
        // A call the engine hung up is forgotten: bridging it reports nothing.
        originate(&mut t, 10, 1);
        t.command(1_000, Command::HangUp { call: 10 });
        t.command(2_000, Command::Bridge { call: 10, agent: 1 });
        t.drain(&mut out);
        assert_eq!(out.len(), 1);
    }
}
