//! A customer bridged to an agent, both real SIP peers: sipp answers the
//! agent's phone (echoing its RTP back, `-rtp_echo`) and the customer's
//! call (its audio at a UDP socket of this test). The test speaks as the
//! customer and hears its own packets come back: through Marcador to the
//! agent's phone, and back through Marcador — and hears nothing while the
//! call is on hold or the agent is muted, the agent's DTMF keys as tones,
//! and, transferred, the second agent's phone; and a customer joined to a
//! call placed to a number outside hears that number.
//!
//! Needs `sipp` (Debian `sip-tester`; `.ci/run` installs it).

mod sipp;

use std::time::Duration;

use marcador_server::engine::telephony::{Command, TelEvent, Telephony};
use marcador_sip::SipTelephony;
use marcador_sip::dtmf;
use marcador_sip::media::Codec;
use sipp::{Sipp, free_udp_port, telephony_to};
use tokio::net::UdpSocket;

/// Waits until telephony reports an event `pick` accepts.
async fn wait_for(tel: &mut SipTelephony, pick: impl Fn(&TelEvent) -> bool) -> TelEvent {
    let wake = tel.wake().expect("real telephony wakes the engine");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        let mut got = Vec::new();
        tel.drain(&mut got);
        for (_, ev) in got {
            if pick(&ev) {
                return ev;
            }
            seen.push(ev);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not reported within 10 s; reported: {seen:?}"
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), wake.notified()).await;
    }
}

#[tokio::test]
async fn the_customers_audio_reaches_the_agent_and_comes_back_unless_held_or_muted_and_keys_are_heard()
 {
    let echo_port = free_udp_port().to_string();
    let agent = Sipp::start_with("agent_phone", &["-rtp_echo", "-mp", &echo_port]);
    let customer_audio = UdpSocket::bind("127.0.0.1:0").await.expect("a UDP socket");
    let media_port = customer_audio
        .local_addr()
        .expect("its address")
        .port()
        .to_string();
    let carrier = Sipp::start_with(
        "customer_media",
        &["-trace_logs", "-set", "media", &media_port],
    );
    let mut tel = telephony_to(&carrier, |s| s.quality_every = Duration::from_millis(300)).await;
    tel.command(
        0,
        Command::OpenAgentLeg {
            agent: 5,
            address: Some(format!("sip:1001@127.0.0.1:{}", agent.port)),
        },
    );
    let up = wait_for(&mut tel, |e| matches!(e, TelEvent::AgentLegUp { .. })).await;
    assert_eq!(up, TelEvent::AgentLegUp { agent: 5 });
    // How the phone is reached: the INVITE's round trip and its User-Agent at once.
    let TelEvent::AgentNetwork { agent: 5, network } =
        wait_for(&mut tel, |e| matches!(e, TelEvent::AgentNetwork { .. })).await
    else {
        unreachable!("picked");
    };
    let rtt = network.latency_ms.expect("a round trip");
    assert!(rtt < 1_000, "{rtt} ms on the loopback");
    assert_eq!(network.user_agent, "sipp agent phone");
    assert_eq!(network.tx_jitter_us, None, "no RTP from the phone yet");
    tel.command(0, sipp::originate(1, "573001234567", "", false));
    wait_for(&mut tel, |e| {
        matches!(e, TelEvent::Answered { call: 1, .. })
    })
    .await;
    tel.command(0, Command::Bridge { call: 1, agent: 5 });

    let marcador = offered_port(&carrier).await;

    // 20 ms of µ-law each, numbered; every one should come back unchanged.
    let back = round_trip(&customer_audio, marcador, 0..50).await;
    assert!(
        back.len() >= 45,
        "{} of 50 packets came back: {back:?}",
        back.len()
    );

    // What the phone sent back (the echo) is measured as it arrives: from
    // the loopback, with little jitter and loss.
    let TelEvent::AgentNetwork { network, .. } = wait_for(&mut tel, |e| {
        matches!(e, TelEvent::AgentNetwork { agent: 5, network } if network.tx_loss_bp.is_some())
    })
    .await
    else {
        unreachable!("picked");
    };
    assert_eq!(network.ip, "127.0.0.1");
    assert_eq!(
        network.latency_ms,
        Some(rtt),
        "measured once, at the INVITE"
    );
    let (jitter, loss) = (network.tx_jitter_us.unwrap(), network.tx_loss_bp.unwrap());
    assert!(loss <= 1_000, "{loss} bp lost on the loopback");
    assert!(jitter < 20_000, "{jitter} µs of jitter on the loopback");
    eprintln!("phone: {rtt} ms round trip, {jitter} µs jitter, {loss} bp lost");

    // On hold nothing passes; off hold it passes again. Muting the agent
    // stops the echo (the agent's audio) from reaching the customer.
    tel.command(0, Command::Hold { call: 1, on: true });
    settle().await;
    let held = round_trip(&customer_audio, marcador, 50..80).await;
    assert!(held.is_empty(), "heard on hold: {held:?}");
    tel.command(0, Command::Hold { call: 1, on: false });
    settle().await;
    let resumed = round_trip(&customer_audio, marcador, 80..110).await;
    assert!(resumed.len() >= 25, "after hold: {resumed:?}");
    tel.command(0, Command::Mute { agent: 5, on: true });
    settle().await;
    let muted = round_trip(&customer_audio, marcador, 110..140).await;
    assert!(muted.is_empty(), "heard the muted agent: {muted:?}");
    tel.command(
        0,
        Command::Mute {
            agent: 5,
            on: false,
        },
    );
    settle().await;
    let unmuted = round_trip(&customer_audio, marcador, 140..170).await;
    assert!(unmuted.len() >= 25, "after mute: {unmuted:?}");

    // The agent's keys reach the customer as tones, in the customer's codec.
    tel.command(
        0,
        Command::Dtmf {
            call: 1,
            keys: "5#".into(),
        },
    );
    let mut heard = String::new();
    let mut last = None;
    let mut buf = [0u8; 1500];
    let until = tokio::time::Instant::now() + Duration::from_millis(1_200);
    while let Ok(Ok((n, _))) =
        tokio::time::timeout_at(until, customer_audio.recv_from(&mut buf)).await
    {
        let p = rtp_types::RtpPacket::parse(&buf[..n]).expect("RTP");
        assert_eq!(p.payload_type(), 0, "µ-law, as the customer chose");
        let frame: Vec<i16> = p.payload().iter().map(|b| Codec::Pcmu.decode(*b)).collect();
        let key = dtmf::detect(&frame);
        if key.is_some() && key != last {
            heard.extend(key);
        }
        last = key;
    }
    assert_eq!(heard, "5#");

    // Transferred to another agent's phone: the customer is heard there,
    // once the first agent's phone is gone too.
    let echo_port = free_udp_port().to_string();
    let second = Sipp::start_with("agent_phone", &["-rtp_echo", "-mp", &echo_port]);
    tel.command(
        0,
        Command::OpenAgentLeg {
            agent: 6,
            address: Some(format!("sip:1002@127.0.0.1:{}", second.port)),
        },
    );
    let up = wait_for(&mut tel, |e| matches!(e, TelEvent::AgentLegUp { .. })).await;
    assert_eq!(up, TelEvent::AgentLegUp { agent: 6 });
    tel.command(0, Command::Bridge { call: 1, agent: 6 });
    tel.command(0, Command::CloseAgentLeg { agent: 5 });
    settle().await;
    let transferred = round_trip(&customer_audio, marcador, 170..200).await;
    assert!(
        transferred.len() >= 25,
        "after the transfer: {transferred:?}"
    );

    // Both hang-ups reach the peers, which end their scenarios.
    tel.command(0, Command::HangUp { call: 1 });
    tel.command(0, Command::CloseAgentLeg { agent: 6 });
    let (carrier, agent, second) = (
        carrier.finished().await,
        agent.finished().await,
        second.finished().await,
    );
    assert!(carrier.success(), "carrier sipp: {carrier}");
    assert!(agent.success(), "agent sipp: {agent}");
    assert!(second.success(), "second agent sipp: {second}");
}

#[tokio::test]
async fn a_caller_joined_to_a_number_outside_hears_it() {
    // The number outside echoes what it hears (sipp's -rtp_echo on the
    // second call through the same trunk).
    let echo_port = free_udp_port().to_string();
    let customer_audio = UdpSocket::bind("127.0.0.1:0").await.expect("a UDP socket");
    let media_port = customer_audio
        .local_addr()
        .expect("its address")
        .port()
        .to_string();
    let carrier = Sipp::start_with(
        "customer_then_outside",
        &[
            "-trace_logs",
            "-set",
            "media",
            &media_port,
            "-m",
            "2",
            "-rtp_echo",
            "-mp",
            &echo_port,
        ],
    );
    let mut tel = telephony_to(&carrier, |_| {}).await;
    tel.command(0, sipp::originate(1, "573001234567", "", false));
    wait_for(&mut tel, |e| {
        matches!(e, TelEvent::Answered { call: 1, .. })
    })
    .await;
    // Handed on: the call to the number is placed and joined at once, ringing.
    tel.command(0, sipp::originate(2, "6014890000", "", false));
    tel.command(0, Command::Join { call: 1, other: 2 });
    wait_for(&mut tel, |e| {
        matches!(e, TelEvent::Answered { call: 2, .. })
    })
    .await;
    let marcador = offered_port(&carrier).await;
    let back = round_trip(&customer_audio, marcador, 0..40).await;
    assert!(
        back.len() >= 35,
        "{} of 40 packets came back through the number outside: {back:?}",
        back.len()
    );
    tel.command(0, Command::HangUp { call: 2 });
    tel.command(0, Command::HangUp { call: 1 });
    let carrier = carrier.finished().await;
    assert!(carrier.success(), "carrier sipp: {carrier}");
}

/// Where Marcador receives the customer's audio: the port it offered, as
/// the carrier's scenario logged it.
async fn offered_port(carrier: &Sipp) -> std::net::SocketAddr {
    let mut offered = None;
    for _ in 0..50 {
        offered = carrier
            .logs()
            .lines()
            .find_map(|l| l.trim().strip_prefix("MEDIA ")?.trim().parse::<u16>().ok());
        if offered.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let offered = offered.expect("the carrier logged the port Marcador offered");
    std::net::SocketAddr::from(([127, 0, 0, 1], offered))
}

/// Lets a command reach telephony's worker, and packets already on their
/// way arrive (`round_trip` only counts the sequence numbers it sent).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// Speaks packets `seqs` as the customer, 20 ms apart, to Marcador at
/// `marcador`; the sequence numbers that came back, unchanged, sorted.
async fn round_trip(
    customer_audio: &UdpSocket,
    marcador: std::net::SocketAddr,
    seqs: std::ops::Range<u16>,
) -> Vec<u16> {
    let mut back = Vec::new();
    let mut buf = [0u8; 1500];
    let take = |packet: &[u8], back: &mut Vec<u16>| {
        let p = rtp_types::RtpPacket::parse(packet).expect("RTP");
        assert!(p.payload().iter().all(|b| *b == p.sequence_number() as u8));
        if seqs.contains(&p.sequence_number()) {
            back.push(p.sequence_number());
        }
    };
    for seq in seqs.clone() {
        let payload = [seq as u8; 160];
        let packet = rtp_types::RtpPacketBuilder::new()
            .payload_type(0)
            .sequence_number(seq)
            .timestamp(u32::from(seq) * 160)
            .ssrc(0xC0FFEE)
            .payload(&payload[..])
            .write_vec()
            .expect("an RTP packet");
        customer_audio
            .send_to(&packet, marcador)
            .await
            .expect("sent");
        while let Ok(Ok((n, from))) = tokio::time::timeout(
            Duration::from_millis(20),
            customer_audio.recv_from(&mut buf),
        )
        .await
        {
            assert_eq!(
                from, marcador,
                "the agent's audio comes from where the customer sends"
            );
            take(&buf[..n], &mut back);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok((n, _)) = customer_audio.try_recv_from(&mut buf) {
        take(&buf[..n], &mut back);
    }
    back.sort_unstable();
    back.dedup();
    back
}
