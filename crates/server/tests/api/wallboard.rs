//! The live wallboard in a real browser: headless Chromium driven over
//! WebDriver (Debian `chromium` and `chromium-driver`; `.ci/run` installs
//! them). The test opens `/` on a demo operation, types the token, and
//! checks that the page's numbers are the API's — every campaign's counters
//! (real_time campaigns), agents by state (real_time agents), the calls of the
//! last 10 minutes, today's IVR options (diagram_1_3) — that they move when
//! the operation does, that the token never reaches a URL, that a wrong token
//! is refused on the page, and that it speaks English at a click. It leaves a
//! screenshot in `target/wallboard.png`.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use jiff::Timestamp;
use marcador_server::config::Limits;
use marcador_server::testing::{DemoServer, six_months};
use serde_json::{Value, json};

const NOW: &str = "2026-11-22T15:00:00Z";
const TOKEN: &str = "w4llb0ard-7c1e9a";

/// chromedriver on a free port of 127.0.0.1, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (Debian chromium-driver; .ci/run installs it)");
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session, with the flags this machine's closed network needs.
async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
            "--lang=es-CO",
        ],
        // A Colombian browser: the page starts in Spanish.
        "prefs": {"intl.accept_languages": "es-CO,es"}}),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    for _ in 0..50 {
        let mut builder =
            ClientBuilder::rustls().expect("a TLS setup (unused: WebDriver is plain HTTP)");
        match builder.capabilities(caps.clone()).connect(&url).await {
            Ok(c) => return c,
            // chromedriver is still starting.
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("chromedriver did not answer at {url}");
}

/// What the page shows now, read in one script (the page redraws every
/// 2 s, so elements found one by one could go stale between reads).
async fn on_page(c: &Client) -> Value {
    const READ: &str = r#"
        const q = (s) => [...document.querySelectorAll(s)];
        return {
          campaigns: Object.fromEntries(q('#campaigns tbody tr[data-campaign] td[data-field]').map((td) =>
            [td.parentElement.dataset.campaign + '|' + td.dataset.field, td.dataset.value ?? td.textContent])),
          agents: Object.fromEntries(q('#agents .tile').map((t) => [t.dataset.state, t.querySelector('b').textContent])),
          calls: q('#calls li[data-conn]').map((li) => li.dataset.conn),
          ivr: Object.fromEntries(q('#ivr tbody tr[data-rp]').map((tr) =>
            [tr.dataset.rp + '|' + tr.dataset.option, tr.querySelector('td[data-field=calls]').textContent])),
          error: document.getElementById('error').textContent,
          heading: document.querySelector('h2[data-i18n=campaigns]').textContent,
        };"#;
    c.execute(READ, vec![]).await.unwrap()
}

/// Each campaign's numbers as the page shows them: (campaign id, field) → text.
async fn page_campaigns(c: &Client) -> BTreeMap<(String, String), String> {
    let page = on_page(c).await;
    page["campaigns"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let (id, field) = k.split_once('|').unwrap();
            (
                (id.to_owned(), field.to_owned()),
                v.as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const FIELDS: &[&str] = &[
    "campaign",
    "status",
    "speed",
    "records",
    "clean",
    "dial",
    "answer",
    "no_answer",
    "busy/congestion/failed",
    "answer_machine",
    "penetration_now",
    "hits",
    "calls_x_min",
];

async fn api(s: &DemoServer, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .header("wolkvox-token", TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The API's campaigns, keyed as [`page_campaigns`].
async fn api_campaigns(s: &DemoServer) -> BTreeMap<(String, String), String> {
    let rows = api(s, "/api/v2/real_time.php?api=campaigns").await;
    let mut out = BTreeMap::new();
    for r in rows.as_array().unwrap() {
        let id = r["campaign"].as_str().unwrap().split(" - ").next().unwrap();
        for f in FIELDS {
            out.insert(
                (id.to_owned(), (*f).to_owned()),
                r[*f].as_str().unwrap().to_owned(),
            );
        }
    }
    out
}

/// Polls until `check` holds (the page asks every 2 s), at most 15 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let mut last = String::new();
    for _ in 0..60 {
        match check().await {
            Ok(()) => return,
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what}: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallboard_shows_the_apis_numbers_live_in_a_real_browser() {
    let now: Timestamp = NOW.parse().unwrap();
    let s = DemoServer::start(Limits::default(), six_months(), now, TOKEN)
        .await
        .unwrap();
    let driver = Driver::start();
    let c = browser(&driver).await;
    c.goto(&format!("{}/", s.base)).await.unwrap();

    // A wrong token is refused on the page.
    let submit = || async {
        c.find(Locator::Css("#login button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    };
    let input = c.find(Locator::Id("token")).await.unwrap();
    input.send_keys("not-the-token").await.unwrap();
    submit().await;
    eventually("the refusal", || async {
        let e = on_page(&c).await["error"].as_str().unwrap().to_owned();
        (e == "Ese token no es válido para esta operación.")
            .then_some(())
            .ok_or(e)
    })
    .await;

    // The token, typed in.
    let input = c.find(Locator::Id("token")).await.unwrap();
    input.send_keys(TOKEN).await.unwrap();
    submit().await;
    let api_now = api_campaigns(&s).await;
    assert!(!api_now.is_empty());
    eventually("the campaigns as the API has them", || async {
        let page = page_campaigns(&c).await;
        (page == api_now)
            .then_some(())
            .ok_or(format!("page {page:?}\napi {api_now:?}"))
    })
    .await;
    assert!(
        !c.current_url().await.unwrap().as_str().contains(TOKEN),
        "the token in a URL"
    );

    // Agents by state: the API's agents counted per status.
    let agents = api(&s, "/api/v2/real_time.php?api=agents").await;
    let mut by_state: BTreeMap<String, String> = BTreeMap::new();
    for a in agents["data"].as_array().into_iter().flatten() {
        let st = a["agent_status"].as_str().unwrap().to_owned();
        let n: u32 = by_state.get(&st).map_or(0, |v| v.parse().unwrap());
        by_state.insert(st, (n + 1).to_string());
    }
    let page = on_page(&c).await;
    let tiles: BTreeMap<String, String> = serde_json::from_value(page["agents"].clone()).unwrap();
    assert_eq!(tiles, by_state);

    // The calls of the last 10 minutes, one item each.
    let calls = api(&s, "/api/v2/real_time.php?api=calls_last_10").await;
    let want: Vec<String> = calls["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["conn_id"].as_str().unwrap().to_owned())
        .collect();
    // A feed: the newest on top.
    let mut got: Vec<String> = serde_json::from_value(page["calls"].clone()).unwrap();
    got.reverse();
    assert_eq!(got, want);
    assert!(
        !want.is_empty(),
        "the demo has calls in the last 10 minutes"
    );

    // Today's IVR options (diagram_1_3 from the operation's midnight).
    let ivr = api(
        &s,
        "/api/v2/reports_manager.php?api=diagram_1_3&date_ini=20261122000000&date_end=20261122100000",
    )
    .await;
    let want: BTreeMap<String, String> = ivr["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let key = format!(
                "{}|{}",
                r["rp_id"].as_str().unwrap(),
                r["cod_opc_menu"].as_str().unwrap()
            );
            (key, r["calls"].as_str().unwrap().to_owned())
        })
        .collect();
    let got: BTreeMap<String, String> = serde_json::from_value(page["ivr"].clone()).unwrap();
    assert_eq!(got, want);
    assert!(!want.is_empty());

    // The operation moves: a campaign's speed changes, and the page follows.
    let campaign = s.demo.campaigns[0].0;
    let resp = reqwest::Client::new()
        .put(format!(
            "{}/api/v2/campaign.php?api=speed&campaign_id={campaign}",
            s.base
        ))
        .header("wolkvox-token", TOKEN)
        .json(&json!({"speed": "37"}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{:?}", resp.text().await);
    let key = (campaign.to_string(), "speed".to_owned());
    eventually("the new speed on the page", || async {
        let page = page_campaigns(&c).await;
        (page.get(&key).map(String::as_str) == Some("37"))
            .then_some(())
            .ok_or(format!("{:?}", page.get(&key)))
    })
    .await;
    assert_eq!(
        api_campaigns(&s).await.get(&key).map(String::as_str),
        Some("37")
    );

    // In English at a click.
    c.find(Locator::Id("lang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(on_page(&c).await["heading"], "Campaigns");

    let png = c.screenshot().await.unwrap();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/wallboard.png");
    let _ = std::fs::write(out, png);
    c.close().await.unwrap();
}
