//! The simulated world around the operation, written once: how many calls
//! arrive, who calls (Colombian mobile and landline numbers), what callers
//! press in an IVR menu and answer in a survey, which internal calls,
//! transfers and conferences the agents make, when an agent holds or mutes a
//! call or hands it to a colleague, whether a queued caller takes a call back
//! and is the one who answers it, when a customer asks to be released from
//! Ley 2300's protection, how an agent's phone is reached, and how a carrier
//! ends a call with each result. The live engine draws from it tick by tick; the demo's history
//! draws from it minute by minute. Every draw takes the caller's seeded
//! generator, so the same seed gives the same world.

use marcador_wire::law2300::ReleaseItem;
use marcador_wire::rows::PULSE;
use marcador_wire::{CallResult, TypeInteraction};
use rand::RngExt;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Poisson};

use super::telephony::Ending;
use crate::domain::{CallAction, PhoneNetwork};
use marcador_wire::surveys::{MAX_QUESTIONS, survey_result};

/// A Poisson count with mean `mean` (0 when the mean is not positive).
pub fn poisson(rng: &mut StdRng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean)
        .map(|p| p.sample(rng) as u64)
        .unwrap_or(0)
}

/// One of `items`, each as likely as its `weight` (the last if all weigh 0).
pub fn pick<'a, T>(rng: &mut StdRng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut n = rng.random_range(0..total.max(1));
    for it in items {
        let w = weight(it);
        if n < w {
            return it;
        }
        n -= w;
    }
    &items[items.len() - 1]
}

/// A Colombian mobile number (`573XXXXXXXXX`).
pub fn mobile(rng: &mut StdRng) -> String {
    format!(
        "573{:02}{:07}",
        rng.random_range(0..51),
        rng.random_range(0..10_000_000)
    )
}

/// A Colombian landline number (`5760N XXXXXXX`).
pub fn landline(rng: &mut StdRng) -> String {
    format!(
        "5760{}{:07}",
        rng.random_range(1..9),
        rng.random_range(0..10_000_000)
    )
}

/// The number an inbound caller calls from: mostly a mobile.
pub fn caller(rng: &mut StdRng) -> String {
    if rng.random_bool(0.8) {
        mobile(rng)
    } else {
        landline(rng)
    }
}

/// The document number an inbound caller types in the IVR, or `""`: about
/// half identify themselves. Drawn from the number they call from (no draw of
/// the generator, so adding it changed no seeded history).
pub fn identified_caller(telephone: &str) -> String {
    let digits: u64 = telephone
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |n, d| {
            n.wrapping_mul(31).wrapping_add(u64::from(d - b'0'))
        });
    if digits.is_multiple_of(2) {
        format!("{}", 10_000_000 + digits % 89_999_999)
    } else {
        String::new()
    }
}

/// A caller's walk through an IVR menu of (option, weight): one to three
/// levels of (option, seconds spent in it); `PULSE` (the caller hangs up or
/// times out) ends the walk.
pub fn walk_menu(rng: &mut StdRng, menu: &[(String, u32)]) -> Vec<(String, i64)> {
    let mut steps = Vec::new();
    if menu.is_empty() {
        return steps;
    }
    for _ in 0..rng.random_range(1..=3) {
        let option = pick(rng, menu, |o| o.1).0.clone();
        let seconds = rng.random_range(4..45);
        let pulse = option == PULSE;
        steps.push((option, seconds));
        if pulse {
            break;
        }
    }
    steps
}

/// Whether a caller whose walk ended on `PULSE` hung up there (half do; the
/// others wait for an agent).
pub fn hangs_up_in_menu(rng: &mut StdRng, steps: &[(String, i64)]) -> bool {
    steps.last().is_some_and(|s| s.0 == PULSE) && rng.random_bool(0.5)
}

/// Whether a simulated agent, just free, takes a break in one of `pauses`,
/// and for how long (ms): about one call in 25, for 3 to 15 minutes.
pub fn takes_break(rng: &mut StdRng, pauses: &[String]) -> Option<(String, i64)> {
    if pauses.is_empty() || !rng.random_bool(0.04) {
        return None;
    }
    let code = pauses[rng.random_range(0..pauses.len())].clone();
    Some((code, rng.random_range(180_000..900_000)))
}

/// What a simulated agent does on a call it takes: (action, ms into the
/// talk, for ms). About one call in 8 is held 10–90 s (the agent looks
/// something up) and one in 12 muted 3–20 s (a cough, a word with a
/// colleague), each after the first 10–60 s. A talk that ends first ends it.
pub fn call_actions(rng: &mut StdRng) -> Vec<(CallAction, i64, i64)> {
    let mut out = Vec::new();
    for (action, share, ms) in [
        (CallAction::Hold, 0.125, 10_000..90_000),
        (CallAction::Mute, 1.0 / 12.0, 3_000..20_000),
    ] {
        if rng.random_bool(share) {
            out.push((
                action,
                rng.random_range(10_000..60_000),
                rng.random_range(ms),
            ));
        }
    }
    out
}

/// A survey a caller took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Survey {
    /// The first questions' answers, 1–5 (the rest `None`).
    pub answers: [Option<i64>; MAX_QUESTIONS],
    /// How long it took.
    pub ms: i64,
    /// `survey_result`: complete, incomplete or abandon.
    pub result: &'static str,
}

/// A caller's survey after its talk, if it takes one (two callers in five
/// do), of `questions` questions, most answers good. Most answer every
/// question; one in ten hangs up part way, one in twenty before the first.
pub fn survey(rng: &mut StdRng, questions: usize) -> Option<Survey> {
    let questions = questions.min(MAX_QUESTIONS);
    if questions == 0 || !rng.random_bool(0.4) {
        return None;
    }
    let answered = match rng.random_range(0..20) {
        0 => 0,
        1 | 2 => rng.random_range(1..=questions),
        _ => questions,
    }
    .min(questions);
    let mut answers = [None; MAX_QUESTIONS];
    for a in answers.iter_mut().take(answered) {
        let score = pick(rng, &[(5, 40), (4, 30), (3, 15), (2, 8), (1, 7)], |s| s.1).0;
        *a = Some(score);
    }
    // The greeting, then each question and its answer.
    let ms = 4_000 + answered as i64 * rng.random_range(5_000..9_000);
    Some(Survey {
        answers,
        ms,
        result: survey_result::of(answered, questions),
    })
}

/// When a simulated agent hands the call it just took to a colleague of the
/// skill, if it does (one call in 12): ms into the talk, 20 s to 2 minutes.
/// A talk that ends first keeps its agent; with no colleague free then, the
/// caller is handed to [`BACK_OFFICE`].
pub fn transfer_after(rng: &mut StdRng) -> Option<i64> {
    rng.random_bool(1.0 / 12.0)
        .then(|| rng.random_range(20_000..120_000))
}

/// The number outside simulated agents hand a caller to when no colleague
/// is free (a back office's line in Bogotá, always staffed: the simulated
/// telephony answers it): a transfer with no agent.
pub const BACK_OFFICE: &str = "6014890000";

/// Whether a customer an agent just talked with asks to be released from Ley
/// 2300's protection (one in 100 answered outbound calls), and how: its
/// number or, one time in three, every number it has.
pub fn law2300_release(rng: &mut StdRng) -> Option<ReleaseItem> {
    rng.random_bool(0.01).then(|| {
        if rng.random_bool(1.0 / 3.0) {
            ReleaseItem::IdCustomer
        } else {
            ReleaseItem::TelNumber
        }
    })
}

/// A simulated agent's phone, as telephony would measure it: one of two
/// offices (addresses from the documentation ranges of RFC 5737), a round
/// trip of 8–80 ms, some jitter and a little loss.
pub fn phone_network(rng: &mut StdRng) -> PhoneNetwork {
    let office = if rng.random_bool(0.6) {
        "203.0.113.14"
    } else {
        "198.51.100.7"
    };
    PhoneNetwork {
        latency_ms: Some(rng.random_range(8..80)),
        ip: office.to_owned(),
        user_agent: SIMULATED_PHONE.to_owned(),
        tx_jitter_us: Some(rng.random_range(300..9_000)),
        tx_loss_bp: Some(if rng.random_bool(0.8) {
            rng.random_range(0..40)
        } else {
            rng.random_range(40..300)
        }),
    }
}

/// A simulated agent's phone's User-Agent.
pub const SIMULATED_PHONE: &str = "Marcador simulated phone";

/// Whether a queued caller offered a call back (smart wait) takes it: a
/// little under half do.
pub fn accepts_call_back(rng: &mut StdRng) -> bool {
    rng.random_bool(0.45)
}

/// Whether the person who answers a call back is the caller who asked for it
/// (one time in 25 it is someone else: NO USER).
pub fn call_back_reaches_the_caller(rng: &mut StdRng) -> bool {
    rng.random_bool(0.96)
}

/// How long an inbound caller talks with an agent, in milliseconds.
pub fn inbound_talk_ms(rng: &mut StdRng) -> i64 {
    rng.random_range(60_000..400_000)
}

/// How long a queued inbound caller waits for an agent before hanging up, in milliseconds.
pub fn patience_ms(rng: &mut StdRng) -> i64 {
    rng.random_range(15_000..90_000)
}

/// The calls agents make among themselves, by share of all of them.
pub const OTHER_CALLS: &[(TypeInteraction, f64)] = &[
    (TypeInteraction::InternalCall, 0.4),
    (TypeInteraction::InternalCallInb, 0.15),
    (TypeInteraction::InternalCallQue, 0.1),
    (TypeInteraction::Transfer, 0.25),
    (TypeInteraction::Conference, 0.1),
];

/// One internal call, transfer or conference: (result, extension, seconds).
pub fn other_call(rng: &mut StdRng) -> (CallResult, String, i64) {
    let result = if rng.random_bool(0.85) {
        CallResult::Answer
    } else {
        CallResult::NoAnswer
    };
    let extension = format!("{}", rng.random_range(1001..1040));
    (result, extension, rng.random_range(20..400))
}

/// Seconds from dialing to an answer, or to the end when nothing answered,
/// for a call with this result (the simulator's median answer is 9 s; a call
/// nobody answers rings until the 30-second ring timeout).
pub fn ring_seconds(rng: &mut StdRng, result: CallResult) -> i64 {
    match result {
        CallResult::Answer | CallResult::AnswerMachine | CallResult::Abandon => {
            rng.random_range(3..=20)
        }
        CallResult::NoAnswer => 30,
        CallResult::Busy => rng.random_range(1..=4),
        CallResult::Congestion | CallResult::Failed | CallResult::ChanUnavail => {
            rng.random_range(0..=2)
        }
    }
}

/// How telephony ends a call with this Wolkvox result: the final SIP status
/// a carrier typically answers the INVITE with, and the Q.850 cause. The
/// simulator reports these, and the demo's history stores them, so they read
/// as what the SIP telephony stores for the same result.
pub fn ending(result: CallResult) -> Ending {
    let (sip, q850) = match result {
        CallResult::Answer | CallResult::AnswerMachine | CallResult::Abandon => (Some(200), 16),
        CallResult::Busy => (Some(486), 17),
        CallResult::Congestion => (Some(503), 34),
        CallResult::Failed => (Some(404), 1),
        CallResult::NoAnswer => (Some(487), 19),
        CallResult::ChanUnavail => (None, 102),
    };
    Ending { sip, q850 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_menu_walk_has_one_to_three_steps_and_ends_at_pulse() {
        let menu: Vec<(String, u32)> = vec![("1".into(), 5), ("2".into(), 3), (PULSE.into(), 2)];
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..1_000 {
            let steps = walk_menu(&mut rng, &menu);
            assert!((1..=3).contains(&steps.len()));
            assert!(steps[..steps.len() - 1].iter().all(|s| s.0 != PULSE));
            assert!(steps.iter().all(|s| (4..45).contains(&s.1)));
        }
        assert!(walk_menu(&mut rng, &[]).is_empty());
    }

    #[test]
    fn each_result_ends_as_the_sip_table_reads_it() {
        for r in [
            CallResult::Busy,
            CallResult::Congestion,
            CallResult::Failed,
            CallResult::NoAnswer,
            CallResult::ChanUnavail,
        ] {
            assert_eq!(ending(r).result(), r);
        }
        assert_eq!(ending(CallResult::Answer), Ending::ANSWERED);
        assert_eq!(ending(CallResult::NoAnswer), Ending::RING_TIMEOUT);
    }

    #[test]
    fn other_call_shares_add_up_to_one() {
        let total: f64 = OTHER_CALLS.iter().map(|k| k.1).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn numbers_look_colombian() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..100 {
            let m = mobile(&mut rng);
            let l = landline(&mut rng);
            assert!(m.starts_with("573") && m.len() == 12, "{m}");
            assert!(l.starts_with("5760") && l.len() == 12, "{l}");
        }
    }
}
