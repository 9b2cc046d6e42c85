//! The `marcador` client commands, run as a user runs them, against a real
//! Marcador server (a demo dataset on a free port).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use jiff::Timestamp;
use marcador_server::config::Limits;
use marcador_server::testing::{DemoServer, six_months};
use serde_json::Value;
use tokio::process::Command;

const NOW: &str = "2026-11-22T15:00:00Z";
const TOKEN: &str = "7d2c9e4b1a6f3e8d5c0b";
/// Six months before NOW, through NOW (Bogotá).
const FROM: &str = "2026-05-23";
const TO: &str = "2026-11-22 10:00";

async fn serve(limits: Limits) -> DemoServer {
    let now: Timestamp = NOW.parse().unwrap();
    DemoServer::start(limits, six_months(), now, TOKEN)
        .await
        .unwrap()
}

/// `marcador ARGS` with no connection settings inherited from the
/// environment or a profile file (the profile file is looked up under `config_home`).
fn bare(config_home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_marcador"));
    c.args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env("RUST_BACKTRACE", "0")
        .env_remove("MARCADOR_URL")
        .env_remove("WOLKVOX_SERVER")
        .env_remove("WOLKVOX_TOKEN")
        .env_remove("MARCADOR_PROFILE")
        .env_remove("MARCADOR_PROFILES")
        .kill_on_drop(true);
    c
}

/// `marcador ARGS --url … --token …` against `s`.
fn marcador(s: &DemoServer, config_home: &Path, args: &[&str]) -> Command {
    let mut c = bare(config_home, args);
    c.args(["--url", &s.base, "--token", TOKEN]);
    c
}

async fn run(mut c: Command) -> Output {
    c.output().await.unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The command succeeded (else its stderr is shown).
fn succeeded(o: &Output) {
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// The command failed and said `what` on stderr.
fn failed_saying(o: &Output, what: &str) {
    let err = text(&o.stderr);
    assert!(!o.status.success(), "expected a failure; stderr: {err}");
    assert!(err.contains(what), "expected {what:?} in: {err}");
}

fn export_args(out: &str) -> Vec<&str> {
    vec![
        "export",
        "campaign-3",
        "--from",
        FROM,
        "--to",
        TO,
        "--out",
        out,
    ]
}

fn state_of(out: &Path) -> PathBuf {
    PathBuf::from(format!("{}.marcador-export", out.display()))
}

/// A whole export in one go, as the reference an interrupted one must equal.
async fn reference(s: &DemoServer, dir: &Path) -> Vec<u8> {
    let out = dir.join("reference.csv");
    let o = run(marcador(s, dir, &export_args(out.to_str().unwrap()))).await;
    succeeded(&o);
    assert!(
        !state_of(&out).exists(),
        "no state left after a finished export"
    );
    std::fs::read(out).unwrap()
}

#[tokio::test]
async fn an_export_interrupted_by_the_quota_resumes_where_it_stopped() {
    let s = serve(Limits::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let want = reference(&s, dir.path()).await;
    let lines = want.iter().filter(|b| **b == b'\n').count();
    assert!(lines > 2_000, "{lines} lines");

    let out = dir.path().join("six-months.csv");
    let args = export_args(out.to_str().unwrap());
    s.leave_quota(3).await.unwrap();
    let first = run(marcador(&s, dir.path(), &args)).await;
    failed_saying(&first, "TOKEN LIMIT EXCEEDED");
    failed_saying(&first, "run the same command again");
    assert!(state_of(&out).exists());
    let partial = std::fs::read(&out).unwrap();
    assert!(partial.len() < want.len() && want.starts_with(&partial));

    // The next day's quota: the same command finishes the file.
    s.leave_quota(1_000).await.unwrap();
    let second = run(marcador(&s, dir.path(), &args)).await;
    succeeded(&second);
    assert!(
        text(&second.stderr).contains("resuming"),
        "{}",
        text(&second.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), want);
    assert!(!state_of(&out).exists());

    // A finished file is not overwritten by accident.
    let again = run(marcador(&s, dir.path(), &args)).await;
    failed_saying(&again, "--force");
}

#[tokio::test]
async fn an_export_killed_mid_window_resumes_without_duplicates() {
    // A low cap makes the export take many small requests, so it can be
    // killed half-way.
    let s = serve(Limits {
        max_records_per_answer: 40,
        ..Limits::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("killed.jsonl");
    let args = export_args(out.to_str().unwrap());
    let want_jsonl = {
        let o = dir.path().join("reference.jsonl");
        let r = run(marcador(&s, dir.path(), &export_args(o.to_str().unwrap()))).await;
        succeeded(&r);
        std::fs::read(o).unwrap()
    };
    assert!(!want_jsonl.is_empty());

    let mut cmd = marcador(&s, dir.path(), &args);
    cmd.stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    // Kill it once at least one window is done, while it still runs.
    let state = state_of(&out);
    let mut killed_running = false;
    for _ in 0..2_000 {
        let done = std::fs::read_to_string(&state)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|v| !v["done_through"].is_null());
        if done {
            killed_running = child.try_wait().unwrap().is_none();
            child.kill().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        killed_running,
        "the export finished before it could be killed"
    );
    // Whatever the kill left after the last complete window (a window cut
    // short) is dropped on resume.
    let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    std::io::Write::write_all(&mut f, b"{\"half a row").unwrap();
    drop(f);

    let resumed = run(marcador(&s, dir.path(), &args)).await;
    succeeded(&resumed);
    assert_eq!(std::fs::read(&out).unwrap(), want_jsonl);
    // Each line a row, each row once.
    let ids: Vec<String> = want_jsonl
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice::<Value>(l).unwrap()["conn_id"].to_string())
        .collect();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

#[tokio::test]
async fn reports_are_json_when_piped() {
    let s = serve(Limits::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let o = run(marcador(&s, dir.path(), &["report", "campaigns"])).await;
    succeeded(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);

    let o = run(marcador(
        &s,
        dir.path(),
        &[
            "report",
            "campaign-3",
            "--campaign",
            "all",
            "--from",
            "2026-11-21",
            "--to",
            TO,
        ],
    ))
    .await;
    succeeded(&o);
    // Every campaign: one alone may have dialed all its records by then.
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| ["1", "2", "3"].iter().any(|c| r["campaign_id"] == *c)
                && r["opt12"].is_string())
    );

    let o = run(marcador(
        &s,
        dir.path(),
        &["report", "diagram-1-3", "--from", FROM, "--to", TO],
    ))
    .await;
    succeeded(&o);
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(rows.iter().any(|r| r["cod_opc_menu"] == "PULSE"));

    let o = run(marcador(
        &s,
        dir.path(),
        &["report", "campaign-3", "--from", "2026-11-31"],
    ))
    .await;
    failed_saying(&o, "YYYY-mm-dd");
}

#[tokio::test]
async fn a_codify_file_is_reported_row_by_row() {
    let s = serve(Limits::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (campaign, _, _) = s.demo.campaigns[0].clone();
    let rows = run(marcador(
        &s,
        dir.path(),
        &[
            "report",
            "campaign-3",
            "--campaign",
            &campaign.to_string(),
            "--from",
            "2026-11-01",
            "--to",
            TO,
        ],
    ))
    .await;
    let rows: Vec<Value> = serde_json::from_slice(&rows.stdout).unwrap();
    let (a, b) = (
        rows[0]["customer_id"].as_str().unwrap(),
        rows[1]["customer_id"].as_str().unwrap(),
    );
    let file = dir.path().join("codes.csv");
    std::fs::write(
        &file,
        format!(
            "customer_id,cod_act,cod_act_2,comment\n{a},002,,Promesa\nnobody,002,,\n{b},003,A01,\"Con, coma\"\n"
        ),
    )
    .unwrap();
    let o = run(marcador(
        &s,
        dir.path(),
        &[
            "codify",
            "--file",
            file.to_str().unwrap(),
            "--campaign",
            &campaign.to_string(),
            "--type",
            "predictive",
        ],
    ))
    .await;
    assert!(!o.status.success(), "one row failed");
    let report: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(report.len(), 3);
    assert_eq!(
        report
            .iter()
            .map(|r| r["ok"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [true, false, true]
    );
    assert_eq!(report[1]["code"], 404);
    assert!(
        text(&o.stderr).contains("2 coded, 1 failed"),
        "{}",
        text(&o.stderr)
    );

    // One invalid line: nothing is sent.
    std::fs::write(&file, format!("customer_id,cod_act\n{a},002\n{b},\n")).unwrap();
    let o = run(marcador(
        &s,
        dir.path(),
        &[
            "codify",
            "--file",
            file.to_str().unwrap(),
            "--campaign",
            "1",
            "--type",
            "predictive",
        ],
    ))
    .await;
    failed_saying(&o, "nothing was sent");
    assert!(o.stdout.is_empty());

    // One record with flags.
    let o = run(marcador(
        &s,
        dir.path(),
        &[
            "codify",
            "--campaign",
            &campaign.to_string(),
            "--type",
            "predictive",
            "--customer",
            a,
            "--code",
            "002",
        ],
    ))
    .await;
    succeeded(&o);
    assert_eq!(
        text(&o.stdout).trim(),
        format!("customer_id {a} has been coded")
    );
}

#[tokio::test]
async fn watch_polls_at_the_interval() {
    let s = serve(Limits::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let o = run(marcador(
        &s,
        dir.path(),
        &["watch", "--interval", "1s", "--count", "2"],
    ))
    .await;
    succeeded(&o);
    let polls: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(polls.len(), 2);
    assert!(
        polls
            .iter()
            .all(|p| p["campaigns"].as_array().unwrap().len() == 3)
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn connection_settings_come_from_a_profile_and_errors_say_what_to_do() {
    let s = serve(Limits::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("marcador");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("profiles.toml"),
        format!(
            "[default]\nurl = \"{}\"\ntoken = \"{TOKEN}\"\n\n[other]\nserver = \"0016\"\n",
            s.base
        ),
    )
    .unwrap();
    let bare = |args: &[&str]| bare(dir.path(), args);
    let o = run(bare(&["report", "campaigns"])).await;
    succeeded(&o);
    // Environment over profile: a wrong token in WOLKVOX_TOKEN is used and refused.
    let mut c = bare(&["report", "campaigns"]);
    c.env("WOLKVOX_TOKEN", "not-a-token");
    let o = run(c).await;
    failed_saying(&o, "PLEASE VALIDATE TOKEN");
    // A profile without a token.
    let o = run(bare(&["report", "campaigns", "--profile", "other"])).await;
    failed_saying(&o, "no token");
    let o = run(bare(&["report", "campaigns", "--profile", "missing"])).await;
    failed_saying(&o, "has no profile \"missing\"");
}

#[tokio::test]
async fn every_command_teaches_with_an_example() {
    for cmd in ["report", "export", "codify", "watch", "serve", "demo"] {
        let o = Command::new(env!("CARGO_BIN_EXE_marcador"))
            .args([cmd, "--help"])
            .output()
            .await
            .unwrap();
        assert!(o.status.success());
        let help = text(&o.stdout);
        assert!(help.contains("Example"), "{cmd} --help:\n{help}");
        assert!(help.contains("marcador "), "{cmd} --help:\n{help}");
    }
}
