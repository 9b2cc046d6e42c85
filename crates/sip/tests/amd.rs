//! Answering-machine detection on real audio: speech made here with
//! espeak-ng (Spanish) and sox (8 kHz µ-law), played by sipp as the
//! answering customer's RTP. A short "¿Aló?" and then the silence of someone
//! waiting is a person; a 12-second voicemail greeting is a machine.
//!
//! Needs `sipp`, `espeak-ng` and `sox` (Debian `sip-tester`, `espeak-ng`,
//! `sox`; `.ci/run` installs them).

mod sipp;

use std::time::Duration;

use marcador_server::engine::telephony::{Answerer, Command, TelEvent, Telephony};
use sipp::{Sipp, speech, telephony_to};

/// Who telephony says answered a call whose far end plays `audio`.
async fn answered_by(audio: &[u8]) -> Answerer {
    let carrier = Sipp::start_in("answer_and_speak", &[], &[("speech.ul", audio)]);
    let mut tel = telephony_to(&carrier, |_| {}).await;
    tel.command(0, sipp::originate(1, "573001234567", "", true));
    let wake = tel.wake().expect("real telephony wakes the engine");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let by = loop {
        let mut got = Vec::new();
        tel.drain(&mut got);
        if let Some(by) = got.iter().find_map(|(_, e)| match e {
            TelEvent::Answered { by, .. } => Some(*by),
            _ => None,
        }) {
            break by;
        }
        assert!(
            got.iter()
                .all(|(_, e)| !matches!(e, TelEvent::Failed { .. } | TelEvent::HungUp { .. })),
            "{got:?}"
        );
        assert!(tokio::time::Instant::now() < deadline, "no answer reported");
        let _ = tokio::time::timeout(Duration::from_millis(200), wake.notified()).await;
    };
    tel.command(0, Command::HangUp { call: 1 });
    let sipp = carrier.finished().await;
    assert!(sipp.success(), "sipp: {sipp}");
    by
}

#[tokio::test]
async fn a_short_hello_is_a_person() {
    let audio = speech("¿Aló?", 0.3, 3.0, 10.0);
    assert_eq!(answered_by(&audio).await, Answerer::Person);
}

#[tokio::test]
async fn a_twelve_second_greeting_is_a_machine() {
    let audio = speech(
        "Hola, te comunicaste con la línea de Luz Rojas. En este momento no puedo contestar tu \
         llamada. Por favor deja tu nombre, tu número de teléfono y un breve mensaje después del \
         tono, y te devolveré la llamada apenas pueda. Gracias y que tengas un buen día.",
        0.3,
        0.0,
        12.0,
    );
    assert!(audio.len() >= 8000 * 12, "12 seconds of greeting");
    assert_eq!(answered_by(&audio).await, Answerer::Machine);
}
