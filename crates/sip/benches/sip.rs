//! SIP telephony against sipp on this machine: how many call attempts a
//! second Marcador places (each answered 486 by a sipp carrier), beside sipp
//! itself dialing the same carrier in the same run; and how many bridged
//! calls it relays RTP for (a sipp carrier streaming 20 ms µ-law packets
//! per call, a sipp agent phone echoing them), beside the packets sipp
//! offers, with the packets lost and Marcador's CPU.
//!
//! `cargo bench -p marcador-sip` (needs sipp and sox). Figures in BENCHMARKS.md.

#[path = "../tests/sipp/mod.rs"]
mod sipp;

use std::collections::HashMap;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use marcador_server::clock::SystemClock;
use marcador_server::engine::telephony::{Command, TelEvent, Telephony};
use marcador_sip::{SipSettings, SipTelephony};
use sipp::Sipp;

const ATTEMPTS: usize = 2_000;

/// CPU seconds this process has used (user + system).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15; after the ")" they are the 12th and 13th.
    (ticks(11) + ticks(12)) / 100.0
}

async fn telephony(trunk_port: u16) -> SipTelephony {
    let mut settings = SipSettings::new(
        "127.0.0.1:0".parse().expect("an address"),
        format!("sip:127.0.0.1:{trunk_port}"),
    );
    settings.max_cps = 100_000.0;
    settings.max_channels = 100_000;
    SipTelephony::start(settings, Arc::new(SystemClock))
        .await
        .expect("SIP telephony starts")
}

fn originate(tel: &mut SipTelephony, call: u64) {
    tel.command(
        0,
        sipp::originate(call, &format!("57300{call:07}"), "", false),
    );
}

/// Waits until `want` events `pick` accepts have come (at most `within`).
async fn collect(
    tel: &mut SipTelephony,
    want: usize,
    within: Duration,
    pick: impl Fn(&TelEvent) -> bool,
) -> Vec<TelEvent> {
    let wake = tel.wake().expect("real telephony wakes the engine");
    let deadline = tokio::time::Instant::now() + within;
    let mut got = Vec::new();
    while got.len() < want && tokio::time::Instant::now() < deadline {
        let mut batch = Vec::new();
        tel.drain(&mut batch);
        got.extend(batch.into_iter().map(|(_, e)| e).filter(|e| pick(e)));
        let _ = tokio::time::timeout(Duration::from_millis(50), wake.notified()).await;
    }
    got
}

/// Call attempts a second: Marcador, then sipp as the dialer, against one busy carrier each.
async fn attempts() {
    let n = ATTEMPTS.to_string();
    let carrier = Sipp::start_with("busy", &["-m", &n, "-timeout", "120s"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut tel = telephony(carrier.port).await;
    let started = Instant::now();
    for call in 0..ATTEMPTS as u64 {
        originate(&mut tel, call);
    }
    let failed = collect(&mut tel, ATTEMPTS, Duration::from_secs(120), |e| {
        matches!(e, TelEvent::Failed { .. })
    })
    .await;
    let marcador = failed.len() as f64 / started.elapsed().as_secs_f64();
    let busy = failed
        .iter()
        .filter(|e| matches!(e, TelEvent::Failed { ending, .. } if ending.sip == Some(486)))
        .count();
    println!(
        "  Marcador: {} of {ATTEMPTS} attempts ended ({busy} BUSY) in {:.2} s",
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    drop(tel);
    drop(carrier);

    let carrier = Sipp::start_with("busy", &["-m", &n, "-timeout", "120s"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/uac_busy.xml");
    let started = Instant::now();
    let status = Process::new("sipp")
        .args([
            "-sf",
            scenario,
            "-i",
            "127.0.0.1",
            "-p",
            &sipp::free_udp_port().to_string(),
        ])
        // sipp's fastest here (a higher -r makes it slower, not faster).
        .args([
            "-m", &n, "-r", "20000", "-l", "100000", "-nostdin", "-timeout", "120s",
        ])
        .arg(format!("127.0.0.1:{}", carrier.port))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("sipp runs");
    let alone = ATTEMPTS as f64 / started.elapsed().as_secs_f64();
    drop(carrier);
    println!(
        "attempts: {ATTEMPTS} calls, each 486 from a sipp carrier\n  Marcador  {marcador:8.0} attempts/s \
         ({busy} of {ATTEMPTS} BUSY)\n  sipp      {alone:8.0} attempts/s (sipp exit {status})\n  ratio     {:8.2}",
        marcador / alone
    );
}

/// Bridged calls with RTP relayed both ways for 10 s.
async fn bridged(calls: usize) {
    let n = calls.to_string();
    // One phone per agent in life; here one sipp per 100 agents, each echoing
    // its calls' RTP (one sipp echo thread tops out near 100 calls).
    let phones: Vec<Sipp> = (0..calls.div_ceil(100))
        .map(|_| {
            let echo = sipp::free_udp_port().to_string();
            Sipp::start_with(
                "agent_phone",
                &["-rtp_echo", "-mp", &echo, "-m", "100", "-timeout", "120s"],
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("a directory");
    let tone = dir.path().join("tone.ul");
    let ok = Process::new("sox")
        .args(["-V1", "-n", "-r", "8000", "-c", "1", "-t", "ul"])
        .arg(&tone)
        .args(["synth", "2", "sine", "440"])
        .status()
        .expect("sox runs");
    assert!(ok.success());
    let audio = std::fs::read(&tone).expect("the tone");
    let carrier = Sipp::start_in(
        "answer_and_stream",
        &["-m", &n, "-timeout", "120s"],
        &[("speech.ul", &audio)],
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut tel = telephony(carrier.port).await;
    for agent in 0..calls as i64 {
        let phone = &phones[agent as usize / 100];
        tel.command(
            0,
            Command::OpenAgentLeg {
                agent,
                address: Some(format!("sip:{agent}@127.0.0.1:{}", phone.port)),
            },
        );
        if agent % 20 == 19 {
            // Agents log in over a moment, not all in one millisecond.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let up = collect(&mut tel, calls, Duration::from_secs(60), |e| {
        matches!(e, TelEvent::AgentLegUp { .. })
    })
    .await;
    for call in 0..up.len() as u64 {
        originate(&mut tel, call);
    }
    let answered = collect(&mut tel, up.len(), Duration::from_secs(60), |e| {
        matches!(e, TelEvent::Answered { .. })
    })
    .await;
    let mut agents = up.iter().filter_map(|e| match e {
        TelEvent::AgentLegUp { agent } => Some(*agent),
        _ => None,
    });
    let mut pairs = HashMap::new();
    for e in &answered {
        if let (TelEvent::Answered { call, .. }, Some(agent)) = (e, agents.next()) {
            tel.command(0, Command::Bridge { call: *call, agent });
            pairs.insert(*call, agent);
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (r0, s0, c0, t0) = {
        let (r, s) = tel.media_counts();
        (r, s, cpu_seconds(), Instant::now())
    };
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (r1, s1) = tel.media_counts();
    let secs = t0.elapsed().as_secs_f64();
    let cpu = (cpu_seconds() - c0) / secs;
    let offered = pairs.len() as f64 * 50.0;
    let received = (r1 - r0) as f64 / secs;
    let relayed = (s1 - s0) as f64 / secs;
    println!(
        "bridged {calls:4}: legs up {:4}, answered {:4}, bridged {:4}; sipp offers {offered:7.0} pkt/s; \
         Marcador received {received:7.0} pkt/s, relayed {relayed:7.0} pkt/s (both ways; {:5.1} % of \
         received); CPU {:4.0} % of one core",
        up.len(),
        answered.len(),
        pairs.len(),
        100.0 * relayed / received.max(1.0),
        cpu * 100.0
    );
    for call in pairs.keys() {
        tel.command(0, Command::HangUp { call: *call });
    }
    for agent in 0..calls as i64 {
        tel.command(0, Command::CloseAgentLeg { agent });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(tel);
    drop(carrier);
    drop(phones);
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        attempts().await;
        // MARCADOR_BENCH_CALLS="50,100" picks the sizes.
        let sizes = std::env::var("MARCADOR_BENCH_CALLS").unwrap_or_else(|_| "100,400,1200".into());
        for calls in sizes
            .split(',')
            .filter_map(|c| c.trim().parse::<usize>().ok())
        {
            bridged(calls).await;
        }
    });
}
