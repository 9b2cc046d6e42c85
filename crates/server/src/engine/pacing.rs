//! Predictive pacing. Each tick the pacer answers: how many more calls to
//! place now? It models the people who will answer the calls in flight as
//! Binomial(calls, p) — `p` the measured human-answer rate — and dials the most
//! calls whose expected overflow (answers beyond the agents free by then, i.e.
//! abandons) stays within an allowed share of answers. A feedback term scales
//! that allowance by how the measured abandon rate over the rolling window
//! compares with a setpoint kept below the legal target, continuously rather
//! than by VICIdial's fixed halvings.

use std::collections::VecDeque;

/// Tuning of a [`Pacer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacingProfile {
    /// The abandon rate that must not be passed (0.03 = 3 %).
    pub target: f64,
    /// What the controller aims at, below the target for safety.
    pub setpoint: f64,
    /// The rolling window the abandon rate is measured over.
    pub window_ms: i64,
    /// Human answers needed in the window before the controller may loosen.
    pub min_samples: u32,
}

impl Default for PacingProfile {
    fn default() -> Self {
        PacingProfile {
            target: 0.03,
            setpoint: 0.018,
            window_ms: 24 * 3_600_000,
            min_samples: 30,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pacer {
    profile: PacingProfile,
    /// Decayed counts behind the human-answer rate estimate.
    humans: f64,
    attempts: f64,
    /// Human answers in the window: (time, abandoned).
    window: VecDeque<(i64, bool)>,
    abandons: u32,
    correction: f64,
    /// Prior of the answer rate: (rate, weight in attempts).
    prior: (f64, f64),
}

/// Weight kept per new observation: the estimate follows roughly the last 400 attempts.
const DECAY: f64 = 1.0 - 1.0 / 400.0;

impl Pacer {
    pub fn new(profile: PacingProfile) -> Self {
        Pacer {
            profile,
            humans: 0.0,
            attempts: 0.0,
            window: VecDeque::new(),
            abandons: 0,
            correction: 1.0,
            prior: (0.25, 4.0),
        }
    }

    /// Attempts observed (decayed).
    pub fn evidence(&self) -> f64 {
        self.attempts
    }

    /// Decayed (human answers, attempts), to pool the experience of a skill's campaigns.
    pub fn counts(&self) -> (f64, f64) {
        (self.humans, self.attempts)
    }

    /// Starts from what other campaigns of the skill have learned: an answer
    /// rate worth `weight` attempts, until this campaign has its own evidence.
    pub fn set_prior(&mut self, rate: f64, weight: f64) {
        self.prior = (rate.clamp(0.01, 1.0), weight.max(1.0));
    }

    /// The estimated share of calls a person answers (prior: 1 in 4, weak,
    /// unless [`Pacer::set_prior`] said otherwise).
    pub fn p_human(&self) -> f64 {
        let (p0, w0) = self.prior;
        (self.humans + p0 * w0) / (self.attempts + w0)
    }

    /// A one-sided 95 % upper bound of [`Pacer::p_human`]: pacing plans for more
    /// answers than the estimate while evidence is thin, so a campaign starts
    /// near one line per free agent and opens up as the rate is learned.
    pub fn p_human_upper(&self) -> f64 {
        let p = self.p_human();
        (p + 1.645 * (p * (1.0 - p) / (self.attempts + self.prior.1)).sqrt()).min(1.0)
    }

    /// An attempt's outcome is known.
    pub fn observe_attempt(&mut self, human: bool) {
        self.humans = self.humans * DECAY + f64::from(u8::from(human));
        self.attempts = self.attempts * DECAY + 1.0;
    }

    /// A person answered at `at`; `abandoned` if no agent took the call in time.
    pub fn observe_human(&mut self, at: i64, abandoned: bool) {
        self.window.push_back((at, abandoned));
        self.abandons += u32::from(abandoned);
    }

    fn expire(&mut self, now: i64) {
        while let Some(&(t, a)) = self.window.front() {
            if t > now - self.profile.window_ms {
                break;
            }
            self.window.pop_front();
            self.abandons -= u32::from(a);
        }
    }

    /// Abandoned ÷ human-answered calls over the window.
    pub fn abandon_rate(&mut self, now: i64) -> f64 {
        self.expire(now);
        if self.window.is_empty() {
            0.0
        } else {
            f64::from(self.abandons) / self.window.len() as f64
        }
    }

    /// How many calls to place now, given the agents surely free when the calls
    /// answer (`idle`), the expected number of others that will be (`soon`, taken
    /// as Poisson), the calls in flight, and the most lines the speed allows.
    pub fn decide(
        &mut self,
        now: i64,
        idle: u32,
        soon: f64,
        in_flight: u32,
        max_lines: u32,
    ) -> u32 {
        let rate = self.abandon_rate(now);
        let sp = self.profile.setpoint;
        let measured = if (self.window.len() as u32) < self.profile.min_samples {
            rate.max(sp) // not enough evidence to loosen yet
        } else {
            rate
        };
        // Multiplicative feedback: 5 % per tick at most, bounded.
        let step = (0.05 * (sp - measured) / sp).clamp(-0.05, 0.05);
        self.correction = (self.correction * (1.0 + step)).clamp(0.05, 4.0);
        let allowed = (sp * self.correction).min(self.profile.target * 2.0);
        let p = self.p_human_upper();
        let free = Free::new(idle, soon);
        let mut n = 0;
        while in_flight + n < max_lines && free.overflow_share(in_flight + n + 1, p) <= allowed {
            n += 1;
        }
        n
    }
}

/// The agents free when calls answer: `idle` for sure, plus X ~ Poisson(`soon`).
#[derive(Debug, Clone)]
pub struct Free {
    idle: u32,
    /// P(X = x), x = 0, 1, … (until the tail is negligible).
    soon_pmf: Vec<f64>,
}

impl Free {
    pub fn new(idle: u32, soon: f64) -> Self {
        let lambda = soon.max(0.0);
        let mut pmf = vec![(-lambda).exp()];
        let mut total = pmf[0];
        let mut x = 0.0;
        while total < 1.0 - 1e-9 && pmf.len() < 1_000 {
            x += 1.0;
            let next = pmf[pmf.len() - 1] * lambda / x;
            pmf.push(next);
            total += next;
        }
        Free {
            idle,
            soon_pmf: pmf,
        }
    }

    /// `E[max(0, A - F)] / E[A]` for `A ~ Binomial(calls, p)` answers against
    /// these free agents: the expected share of answers that find no agent.
    pub fn overflow_share(&self, calls: u32, p: f64) -> f64 {
        if calls == 0 || p <= 0.0 {
            return 0.0;
        }
        let answers = binomial_pmf(calls, p.min(1.0));
        let mut overflow = 0.0;
        for (x, px) in self.soon_pmf.iter().enumerate() {
            let free = self.idle as usize + x;
            let excess: f64 = answers
                .iter()
                .enumerate()
                .skip(free + 1)
                .map(|(k, pk)| pk * (k - free) as f64)
                .sum();
            overflow += px * excess;
        }
        overflow / (f64::from(calls) * p)
    }
}

/// P(A = k), k = 0…n, for A ~ Binomial(n, p), computed in logs.
fn binomial_pmf(n: u32, p: f64) -> Vec<f64> {
    let nf = f64::from(n);
    let (lp, lq) = (p.max(1e-300).ln(), (1.0 - p).max(1e-300).ln());
    let mut log_choose = 0.0f64;
    (0..=n)
        .map(|k| {
            let kf = f64::from(k);
            if k > 0 {
                log_choose += (nf - kf + 1.0).ln() - kf.ln();
            }
            (log_choose + kf * lp + (nf - kf) * lq).exp()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_zero_with_room_and_grows_with_calls() {
        let three = Free::new(3, 0.0);
        assert_eq!(three.overflow_share(0, 0.3), 0.0);
        assert!(
            three.overflow_share(3, 0.3) < 1e-12,
            "3 calls can never overflow 3 agents"
        );
        let a = three.overflow_share(10, 0.3);
        let b = three.overflow_share(20, 0.3);
        assert!(0.0 < a && a < b && b < 1.0, "{a} {b}");
        // One call, no agent: every answer overflows.
        assert!((Free::new(0, 0.0).overflow_share(1, 0.5) - 1.0).abs() < 1e-9);
        // An agent who is only probably free leaves a real risk.
        let maybe = Free::new(0, 1.1).overflow_share(1, 0.6);
        assert!((maybe - (-1.1f64).exp()).abs() < 1e-6, "{maybe}");
    }

    #[test]
    fn the_pacer_dials_more_when_fewer_people_answer() {
        let mut low = Pacer::new(PacingProfile::default());
        let mut high = Pacer::new(PacingProfile::default());
        for i in 0..2_000 {
            low.observe_attempt(i % 10 == 0);
            high.observe_attempt(i % 10 < 6);
        }
        let (l, h) = (
            low.decide(0, 5, 0.0, 0, 100),
            high.decide(0, 5, 0.0, 0, 100),
        );
        assert!(l > 2 * h, "{l} vs {h}");
        assert_eq!(high.decide(0, 0, 0.0, 0, 100), 0, "no agent, no dial");
        assert!(low.decide(0, 5, 0.0, 0, 3) <= 3, "speed caps the lines");
        let fresh = Pacer::new(PacingProfile::default()).decide(0, 10, 0.0, 0, 100);
        assert!(
            fresh <= 15,
            "a new campaign starts near one line per agent: {fresh}"
        );
    }

    #[test]
    fn measured_abandons_tighten_the_pacing() {
        let mut p = Pacer::new(PacingProfile::default());
        for i in 0..2_000 {
            p.observe_attempt(i % 3 == 0);
        }
        let before = p.decide(0, 10, 0.0, 0, 1_000);
        for t in 0..200 {
            p.observe_human(t, t % 10 == 0); // 10 % abandoned
        }
        let mut after = before;
        for t in 0..60 {
            after = p.decide(1_000 + t, 10, 0.0, 0, 1_000);
        }
        assert!(after < before, "{after} !< {before}");
        assert!((p.abandon_rate(2_000) - 0.10).abs() < 1e-9);
        assert_eq!(
            p.abandon_rate(24 * 3_600_000 + 500),
            0.0,
            "the window forgets"
        );
    }
}
