//! Real `marcador serve` processes for the tests that need a process to
//! kill or two to share a database.

#![allow(dead_code)] // each test file uses its part

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use jiff::Timestamp;
use marcador_server::setup::{Applied, Setup};
use marcador_server::store::{NewCampaign, Store};
use marcador_server::testing::TestDb;
use marcador_wire::CampaignType;
use tokio::process::{Child, Command};

pub const TZ: &str = "America/Bogota";
pub const CHEAP: &str = "/api/v2/real_time.php?api=campaigns";

/// The setup file `setup` applied to the test database, and `tokens` tokens of its operation.
pub async fn operation(db: &TestDb, setup: &str, tokens: usize) -> (Store, Applied, Vec<String>) {
    let store = Store::open(db.location(), 2).await.unwrap();
    let now = Timestamp::now();
    let applied = Setup::parse(setup)
        .unwrap()
        .apply(&store, now)
        .await
        .unwrap();
    let mut made = Vec::new();
    for _ in 0..tokens {
        made.push(
            store
                .create_token(applied.operation_id, None, now)
                .await
                .unwrap(),
        );
    }
    (store, applied, made)
}

/// A `marcador serve` process on a free port.
pub struct Server {
    child: Child,
    pub base: String,
    pub pid: u32,
}

impl Server {
    pub async fn start(db: &TestDb, setup: Option<&Path>, log: &Path) -> Server {
        Self::start_with(db, setup, log, &[]).await
    }

    /// [`Server::start`] with settings in `MARCADOR_*` variables.
    pub async fn start_with(
        db: &TestDb,
        setup: Option<&Path>,
        log: &Path,
        env: &[(&str, &str)],
    ) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let mut c = Command::new(env!("CARGO_BIN_EXE_marcador"));
        c.args(["serve", "--db", &db.db_arg(), "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info,sqlx=warn")
            .env("RUST_BACKTRACE", "0")
            .env_remove("MARCADOR_SETUP")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .kill_on_drop(true);
        if let Some(s) = setup {
            c.arg("--setup").arg(s);
        }
        let child = c.spawn().unwrap();
        let pid = child.id().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Server { child, base, pid };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "marcador serve did not come up: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }

    /// SIGKILL: no clean shutdown, no chance to release or flush anything.
    pub async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }
}

pub async fn get(base: &str, token: &str, path: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("wolkvox-token", token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A request whose answer is far larger than the socket buffers, read only to
/// its status line: it stays in flight until the stream is dropped.
pub async fn hold_request(base: &str, token: &str, path: &str) -> tokio::net::TcpStream {
    marcador_server::testing::hold_request(base, token, path)
        .await
        .unwrap()
}

pub fn wire_date(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::get(TZ).unwrap())
        .strftime("%Y%m%d%H%M%S")
        .to_string()
}

/// A predictive campaign of `operation_id` at speed 100, with no window.
pub async fn predictive_campaign(
    store: &Store,
    operation_id: i64,
    name: &str,
    started: bool,
    skill_id: Option<i64>,
) -> i64 {
    store
        .create_campaign(
            &NewCampaign {
                operation_id,
                name: name.into(),
                description: String::new(),
                kind: CampaignType::Predictive,
                started,
                speed: 100,
                skill_id,
                opt_titles: Vec::new(),
                window: None,
                amd: String::new(),
            },
            Timestamp::now(),
        )
        .await
        .unwrap()
}
