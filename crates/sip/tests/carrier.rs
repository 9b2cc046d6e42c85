//! SIP telephony against a real SIP peer: sipp plays the carrier (one
//! scenario per way a call can go, in `tests/scenarios/`), Marcador's
//! `SipTelephony` places one call to it, and the test checks both sides —
//! the events the engine would get (and the Wolkvox result they map to), and
//! that sipp saw exactly its scenario (it exits 0 only then).
//!
//! Needs `sipp` (Debian `sip-tester`; `.ci/run` installs it).

mod sipp;

use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use marcador_server::clock::SystemClock;
use marcador_server::engine::telephony::{Answerer, Command, Ending, Party, TelEvent, Telephony};
use marcador_sip::{SipSettings, SipTelephony};
use marcador_wire::CallResult;
use sipp::{Sipp, telephony_to};

/// How the test plays the engine during the call.
#[derive(Clone, Copy, PartialEq)]
enum Engine {
    /// Waits for the call to end by itself.
    Waits,
    /// Hangs up once the call rings (the ring timeout).
    HangsUpWhenRinging,
    /// Hangs up once the call is answered (an abandon: no agent).
    HangsUpWhenAnswered,
}

/// Places one call to a sipp carrier playing `scenario`; returns the events
/// telephony reported and how sipp ended.
async fn call(scenario: &str, engine: Engine) -> (Vec<TelEvent>, ExitStatus) {
    call_with(scenario, engine, |_| {}).await
}

async fn call_with(
    scenario: &str,
    engine: Engine,
    adjust: impl FnOnce(&mut SipSettings),
) -> (Vec<TelEvent>, ExitStatus) {
    let sipp = Sipp::start(scenario);
    let mut tel = telephony_to(&sipp, |s| {
        s.no_response = Duration::from_secs(2);
        adjust(s);
    })
    .await;
    let wake = tel.wake().expect("real telephony wakes the engine");
    tel.command(0, sipp::originate(1, "573001234567", "6015550000", false));
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut hung = false;
    loop {
        let mut got = Vec::new();
        tel.drain(&mut got);
        for (_, ev) in got {
            let hang = matches!(
                (engine, &ev),
                (Engine::HangsUpWhenRinging, TelEvent::Ringing { .. })
                    | (Engine::HangsUpWhenAnswered, TelEvent::Answered { .. })
            );
            events.push(ev);
            if hang && !hung {
                hung = true;
                tel.command(0, Command::HangUp { call: 1 });
            }
        }
        let ended = events
            .iter()
            .any(|e| matches!(e, TelEvent::Failed { .. } | TelEvent::HungUp { .. }));
        if ended || hung || tokio::time::Instant::now() > deadline {
            break;
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), wake.notified()).await;
    }
    let status = sipp.finished().await;
    // Whatever comes later is kept, so the tests' exact comparisons see it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut late = Vec::new();
    tel.drain(&mut late);
    events.extend(late.into_iter().map(|(_, e)| e));
    (events, status)
}

/// How the call failed: it may have rung, then failed, and nothing else.
fn failure(events: &[TelEvent]) -> Ending {
    match events {
        [rang @ .., TelEvent::Failed { ending, .. }]
            if rang.iter().all(|e| matches!(e, TelEvent::Ringing { .. })) =>
        {
            *ending
        }
        _ => panic!("the call should have failed, and only that: {events:?}"),
    }
}

/// A carrier that ends the INVITE this way gives this result (and sipp saw its whole scenario).
async fn fails_as(scenario: &str, sip: Option<u16>, q850: u16, result: CallResult) {
    let (events, sipp) = call(scenario, Engine::Waits).await;
    assert!(sipp.success(), "sipp: {sipp}");
    let ending = failure(&events);
    assert_eq!(ending, Ending { sip, q850 });
    assert_eq!(ending.result(), result);
}

#[tokio::test]
async fn busy_is_busy() {
    fails_as("busy", Some(486), 17, CallResult::Busy).await;
}

#[tokio::test]
async fn service_unavailable_is_congestion() {
    fails_as("congestion", Some(503), 34, CallResult::Congestion).await;
}

#[tokio::test]
async fn not_found_is_failed() {
    fails_as("not_found", Some(404), 1, CallResult::Failed).await;
}

#[tokio::test]
async fn an_invite_nobody_answers_is_chanunavail() {
    fails_as("silence", None, 102, CallResult::ChanUnavail).await;
}

#[tokio::test]
async fn a_ringing_call_is_cancelled_at_the_ring_timeout() {
    let (events, sipp) = call("ring_cancel", Engine::HangsUpWhenRinging).await;
    // sipp got our CANCEL, answered it and the INVITE's 487, and got the ACK.
    assert!(sipp.success(), "sipp: {sipp}");
    assert_eq!(events, [TelEvent::Ringing { call: 1 }]);
}

#[tokio::test]
async fn an_answer_we_hang_up_is_ended_with_a_bye() {
    let (events, sipp) = call("answer_we_hang_up", Engine::HangsUpWhenAnswered).await;
    // sipp got the ACK to its 200 and our BYE.
    assert!(sipp.success(), "sipp: {sipp}");
    assert_eq!(events, RANG_AND_ANSWERED);
}

/// What a call that rings and is answered reports (no detection: `Unknown`).
const RANG_AND_ANSWERED: [TelEvent; 2] = [
    TelEvent::Ringing { call: 1 },
    TelEvent::Answered {
        call: 1,
        by: Answerer::Unknown,
    },
];

#[tokio::test]
async fn a_customer_who_hangs_up_is_reported() {
    let (events, sipp) = call("answer_they_hang_up", Engine::Waits).await;
    // sipp got the ACK to its 200 and our 200 to its BYE.
    assert!(sipp.success(), "sipp: {sipp}");
    assert_eq!(events[..2], RANG_AND_ANSWERED);
    assert_eq!(
        events[2..],
        [TelEvent::HungUp {
            call: 1,
            by: Party::Customer,
            q850: 16
        }]
    );
}

#[tokio::test]
async fn a_challenging_trunk_gets_the_digest() {
    let (events, sipp) = call_with("digest_auth", Engine::Waits, |s| {
        s.username = Some("marcador".into());
        s.password = Some("s3cret".into());
    })
    .await;
    // sipp checked the digest of the second INVITE before answering 486.
    assert!(sipp.success(), "sipp: {sipp}");
    assert_eq!(failure(&events).result(), CallResult::Busy);
}

#[tokio::test]
async fn a_call_past_the_channel_cap_is_congestion_at_once() {
    let mut settings = SipSettings::new(
        "127.0.0.1:0".parse().expect("an address"),
        "sip:127.0.0.1:9",
    );
    settings.max_channels = 0;
    let mut tel = SipTelephony::start(settings, Arc::new(SystemClock))
        .await
        .expect("SIP telephony starts");
    tel.command(0, sipp::originate(7, "573001234567", "", false));
    let wake = tel.wake().expect("real telephony wakes the engine");
    let _ = tokio::time::timeout(Duration::from_secs(5), wake.notified()).await;
    let mut got = Vec::new();
    tel.drain(&mut got);
    let events: Vec<TelEvent> = got.into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        failure(&events),
        Ending {
            sip: Some(503),
            q850: 34
        }
    );
    assert_eq!(failure(&events).result(), CallResult::Congestion);
}
