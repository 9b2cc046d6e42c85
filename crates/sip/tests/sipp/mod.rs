//! sipp as a SIP peer of the tests: one scenario (`tests/scenarios/`) run
//! once as a UAS on a free UDP port of 127.0.0.1, killed when dropped.

// Each test binary uses part of it.
#![allow(dead_code)]
use std::path::PathBuf;
use std::process::{Child, Command as Process, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// A free UDP port of 127.0.0.1 (free when asked; sipp binds it next).
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

/// A sipp UAS running one scenario once on a free UDP port of 127.0.0.1; killed on drop.
pub struct Sipp {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Sipp {
    pub fn start(scenario: &str) -> Sipp {
        Self::start_with(scenario, &[])
    }

    /// [`Sipp::start`] with more of sipp's options.
    pub fn start_with(scenario: &str, extra: &[&str]) -> Sipp {
        Self::start_in(scenario, extra, &[])
    }

    /// [`Sipp::start_with`], with `files` (name, bytes) written into sipp's
    /// working directory first (audio the scenario plays).
    pub fn start_in(scenario: &str, extra: &[&str], files: &[(&str, &[u8])]) -> Sipp {
        let port = free_udp_port();
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios")
            .join(format!("{scenario}.xml"));
        let dir = tempfile::tempdir().expect("a temporary directory");
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).expect("a file for sipp");
        }
        let child = Process::new("sipp")
            .args(["-sf", &file.to_string_lossy(), "-i", "127.0.0.1"])
            .args(["-p", &port.to_string(), "-m", "1", "-nostdin"])
            .args(["-timeout", "20s", "-timeout_error", "-trace_err"])
            .args(extra)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp is installed (Debian package sip-tester; .ci/run installs it)");
        Sipp { child, port, dir }
    }

    /// What the scenario's `<log>` actions wrote so far (with `-trace_logs`).
    pub fn logs(&self) -> String {
        std::fs::read_dir(self.dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .filter(|f| f.file_name().to_string_lossy().ends_with("_logs.log"))
            .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
            .collect()
    }

    /// Waits for sipp to end its scenario (printing its error log if it failed).
    pub async fn finished(mut self) -> ExitStatus {
        for _ in 0..250 {
            if let Ok(Some(status)) = self.child.try_wait() {
                if !status.success() {
                    for log in std::fs::read_dir(self.dir.path())
                        .into_iter()
                        .flatten()
                        .flatten()
                    {
                        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
                        eprintln!("sipp {}:\n{text}", log.path().display());
                    }
                }
                return status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("sipp did not finish its scenario within 25 s");
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `text` spoken in Spanish as raw 8 kHz µ-law, with `lead` and `tail`
/// seconds of silence around it, cut at `max` seconds.
pub fn speech(text: &str, lead: f64, tail: f64, max: f64) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let wav = dir.path().join("speech.wav");
    let ul = dir.path().join("speech.ul");
    let ok = Process::new("espeak-ng")
        .args(["-v", "es", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .expect("espeak-ng is installed (Debian espeak-ng; .ci/run installs it)");
    assert!(ok.success(), "espeak-ng failed");
    let ok = Process::new("sox")
        .arg("-V1")
        .arg(&wav)
        .args(["-r", "8000", "-c", "1", "-t", "ul"])
        .arg(&ul)
        .args(["pad", &lead.to_string(), &tail.to_string()])
        .args(["trim", "0", &max.to_string()])
        .status()
        .expect("sox is installed (Debian sox; .ci/run installs it)");
    assert!(ok.success(), "sox failed");
    std::fs::read(&ul).expect("the audio")
}

/// SIP telephony on a free port of 127.0.0.1 whose trunk is `carrier`
/// (after the moment sipp needs to bind its port), settings changed by `adjust`.
pub async fn telephony_to(
    carrier: &Sipp,
    adjust: impl FnOnce(&mut marcador_sip::SipSettings),
) -> marcador_sip::SipTelephony {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut settings = marcador_sip::SipSettings::new(
        "127.0.0.1:0".parse().expect("an address"),
        format!("sip:127.0.0.1:{}", carrier.port),
    );
    adjust(&mut settings);
    marcador_sip::SipTelephony::start(settings, Arc::new(marcador_server::clock::SystemClock))
        .await
        .expect("SIP telephony starts")
}

/// The engine's command to dial `number` as call `call` (30 s ring timeout).
pub fn originate(
    call: u64,
    number: &str,
    caller_id: &str,
    amd: bool,
) -> marcador_server::engine::telephony::Command {
    use marcador_server::engine::telephony::{Command, Originate};
    Command::Originate(Originate {
        call,
        number: number.to_owned(),
        phone: 1,
        caller_id: caller_id.to_owned(),
        ring_timeout_ms: 30_000,
        amd,
    })
}
