//! What a new user meets first, tried as one: a closed pipe, a busy port
//! or a bad token given to `demo`, `token list` where there is no database,
//! a second `serve` of one SQLite file,
//! a PostgreSQL server that cannot be reached, help that reads as examples,
//! completions and the man page, and logs a log shipper can read — one line
//! per request, never the token.

use std::io::{BufRead, BufReader, Lines, Read};

use std::process::{Child, ChildStderr, Command, Stdio};

use jiff::Timestamp;
use marcador_server::config::Limits;
use marcador_server::testing::{DemoServer, six_months};

const TOKEN: &str = "7d2c9e4b1a6f3e8d5c0b";

fn marcador(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_marcador"));
    c.args(args)
        .env("RUST_BACKTRACE", "0")
        .env_remove("MARCADOR_DB")
        .env_remove("MARCADOR_CONFIG")
        .env_remove("MARCADOR_LOG_FORMAT")
        .env_remove("RUST_LOG");
    c
}

/// `marcador --log-format json serve --db DB` on a free port: the process, the
/// rest of its log lines, and the address it serves (`None`: it ended first).
fn serve_json(db: &str) -> (Child, Lines<BufReader<ChildStderr>>, Option<String>) {
    let mut serve = marcador(&[
        "--log-format",
        "json",
        "serve",
        "--db",
        db,
        "--listen",
        "127.0.0.1:0",
    ])
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(serve.stderr.take().unwrap()).lines();
    let addr = lines.by_ref().map_while(Result::ok).find_map(|line| {
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        (event["message"] == "serving").then(|| event["addr"].as_str().unwrap().to_owned())
    });
    (serve, lines, addr)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn a_reader_that_stops_reading_is_a_normal_end() {
    let now: Timestamp = "2026-11-22T15:00:00Z".parse().unwrap();
    let s = DemoServer::start(Limits::default(), six_months(), now, TOKEN)
        .await
        .unwrap();
    // Thousands of rows, far more than a pipe holds: `| head -1`.
    let mut child = marcador(&[
        "report",
        "campaign-3",
        "--campaign",
        "all",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-22 10:00",
        "--json",
        "--url",
        &s.base,
        "--token",
        TOKEN,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Read off the runtime's thread: the server answers on it meanwhile.
    let out = tokio::task::spawn_blocking(move || {
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader has gone: the pipe is closed.
        (first, child.wait_with_output().unwrap())
    });
    let (first, out) = out.await.unwrap();
    let err = text(&out.stderr);
    assert!(!first.is_empty(), "{err}");
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn token_list_where_there_is_no_database_says_so_and_makes_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = marcador(&["token", "list"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("there is no database at marcador.db"), "{err}");
    assert!(!dir.path().join("marcador.db").exists());
}

#[test]
fn demo_refuses_a_busy_address_and_a_bad_token_before_it_seeds() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = marcador(&["demo", "--listen", &addr]).output().unwrap();
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(!err.contains("generating"), "seeded first: {err}");

    let out = marcador(&["demo", "--listen", "127.0.0.1:0", "--token", "two words"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--token"), "{err}");
    assert!(!err.contains("generating"), "seeded first: {err}");
}

/// The PostgreSQL server of the tests (`.ci/run` starts one), as `host:port`.
fn pg_host() -> String {
    let url = std::env::var("MARCADOR_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    // postgres://user@host:port/db
    let host = url.rsplit('@').next().unwrap();
    host.split('/').next().unwrap().to_owned()
}

#[test]
fn a_database_that_cannot_be_reached_is_named_with_the_cause() {
    // Nothing listens on port 1.
    let out = marcador(&["token", "list", "--db", "postgres://postgres@127.0.0.1:1/x"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    // A server that is there, without that database.
    let url = format!("postgres://postgres@{}/marcador_no_such_db", pg_host());
    let out = marcador(&["token", "list", "--db", &url]).output().unwrap();
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("marcador_no_such_db"), "{err}");
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn each_example_in_the_help_is_a_line_of_its_own() {
    for (cmd, example) in [
        (
            "serve",
            "\n  marcador serve --db /var/lib/marcador/marcador.db",
        ),
        ("serve", "\n  marcador serve --db postgres://"),
        ("demo", "\n  marcador demo --seed 7"),
        ("demo", "\n  marcador demo --db postgres://"),
    ] {
        let out = marcador(&[cmd, "--help"]).output().unwrap();
        let help = text(&out.stdout);
        assert!(help.contains(example), "{cmd} --help:\n{help}");
    }
}

#[test]
fn completions_and_the_man_page_are_printed() {
    for shell in ["bash", "zsh", "fish"] {
        let out = marcador(&["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains("codify"), "{shell}: {script}");
    }
    let out = marcador(&["man"]).output().unwrap();
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH marcador"),
        "{page}"
    );
    assert!(page.contains("demo"), "{page}");
}

#[test]
fn json_logs_carry_one_line_per_request_and_never_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    let made = marcador(&["token", "create", "--operation", "acme", "--db", db])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let token = text(&made.stdout).trim().to_owned();
    let (mut serve, mut lines, addr) = serve_json(db);
    let addr = addr.expect("serve serves");
    let get = |path: &str, token: &str| {
        use std::io::Write;
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nwolkvox-token: {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    };
    get("/api/v2/real_time.php?api=campaigns", &token);
    get("/api/v2/real_time.php?api=campaigns", "not-the-token");
    let mut requests = Vec::new();
    while requests.len() < 2 {
        let line = lines.next().expect("a line per request").unwrap();
        assert!(!line.contains(&token), "the token in the logs: {line}");
        assert!(!line.contains('\u{1b}'), "colour in a file: {line}");
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        if event["message"] == "request" {
            requests.push(event);
        }
    }
    let _ = serve.kill();
    let _ = serve.wait();
    // Answered (no campaigns yet); then a token that is not one.
    for (r, status) in requests.iter().zip([200, 403]) {
        assert_eq!(r["level"], "INFO", "{r}");
        assert_eq!(r["method"], "GET", "{r}");
        assert_eq!(r["path"], "/api/v2/real_time.php", "{r}");
        assert_eq!(r["api"], "campaigns", "{r}");
        assert_eq!(r["status"], status, "{r}");
        assert!(r["latency_ms"].as_f64().is_some(), "{r}");
    }
    // The operation once the token is known; none for a token refused.
    assert!(
        requests[0]["operation"].as_i64().is_some(),
        "{}",
        requests[0]
    );
    assert!(requests[1].get("operation").is_none(), "{}", requests[1]);
}

#[test]
fn a_second_process_serving_one_sqlite_database_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    let (mut first, _lines, addr) = serve_json(db);
    assert!(addr.is_some(), "the first process serves");
    let second = marcador(&["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let _ = first.kill();
    let _ = first.wait();
    assert!(!second.status.success());
    let err = text(&second.stderr);
    assert!(
        err.contains("another process is serving the SQLite database")
            && err.contains("m.db-serving")
            && err.contains("PostgreSQL"),
        "{err}"
    );
    // Killed, the first lets the database go (the kernel drops its lock).
    let (mut third, _lines, served) = serve_json(db);
    let _ = third.kill();
    let _ = third.wait();
    assert!(
        served.is_some(),
        "a new process serves the database after the first died"
    );
}

#[test]
fn seed_builds_an_operation_prints_what_it_built_and_refuses_it_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    let db = db.to_str().unwrap();
    let args = [
        "seed",
        "--db",
        db,
        "--attempts",
        "3000",
        "--campaigns",
        "4",
        "--days",
        "3",
    ];
    let out = marcador(&args).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let value = |key: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("no {key} in {printed}"))
            .to_owned()
    };
    assert_eq!(value("campaigns"), "4");
    let attempts: u64 = value("attempts").parse().unwrap();
    assert!((2_500..3_500).contains(&attempts), "{printed}");
    assert!(value("facts_per_second").parse::<f64>().unwrap() > 0.0);
    assert_eq!(value("token").len(), 52, "{printed}");
    // The same operation again: refused, saying why, nothing printed.
    let again = marcador(&args).output().unwrap();
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already holds an operation named \"bulk\""),
        "{}",
        text(&again.stderr)
    );
    assert!(again.stdout.is_empty());
}
