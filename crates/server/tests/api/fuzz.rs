//! Random requests through the real server: methods, paths, query strings,
//! headers and bodies drawn from what clients get wrong and what attackers
//! send (invalid UTF-8, huge and deeply nested bodies, SQL and path-traversal
//! strings in every parameter, bytes that are not HTTP at all), with some
//! requests abandoned half-way. Zero 5xx, zero panics, every error an
//! envelope whose `code` is the status, and no lease left at the end.
//!
//! The seed is printed; `MARCADOR_FUZZ_SEED=N` replays a run, and
//! `MARCADOR_FUZZ_REQUESTS=N` changes its size.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use marcador_server::testing::{Abandon, Targets, abandon};
use marcador_wire::api::{CAMPAIGN_PATH, INFORMATION_PATH, REAL_TIME_PATH, REPORTS_MANAGER_PATH};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Requests per backend unless `MARCADOR_FUZZ_REQUESTS` says otherwise.
const REQUESTS: usize = 3_000;
/// Workers, one token each: a token is never over its 2 in flight.
const WORKERS: usize = 4;

const PATHS: &[&str] = &[
    REAL_TIME_PATH,
    CAMPAIGN_PATH,
    REPORTS_MANAGER_PATH,
    INFORMATION_PATH,
    "/healthz",
    "/",
    "/api/v2/",
    "/api/v2/../../etc/passwd",
    "/api/v2/%2e%2e/%2e%2e/etc/passwd",
    "/api/v2/real_time.php/extra",
    "/API/V2/REAL_TIME.PHP",
    "/api/v2/real_time.php%00.json",
    "/api/v2/%ff%fe.php",
    "//api//v2//campaign.php",
];

const PARAMS: &[&str] = &[
    "api",
    "campaign_id",
    "type_campaign",
    "date_ini",
    "date_end",
    "campaign",
    "skill",
    "routing",
    "cod_act",
    "campaign_status",
    "result",
    "api[]",
    "",
];

const APIS: &[&str] = &[
    "campaigns",
    "calls_last_10",
    "codify",
    "campaign_3",
    "diagram_1_3",
    "create_campaign",
    "add_record",
    "start",
    "stop",
    "speed",
    "recall_records",
    "add_dnc",
    "remove_record",
    "clear_campaign",
    "skills",
    "routing_points",
    "activity_codes",
    "token_info",
    "CAMPAIGNS",
    "campaign_15",
];

/// Values that have broken servers before.
const NASTY: &[&str] = &[
    "",
    "1",
    "2",
    "all",
    "0",
    "-1",
    "99999999999999999999999",
    "1.5",
    "1e9",
    "predictive",
    "preview",
    "PREDICTIVE",
    "20261122000000",
    "20261122150000",
    "20261022000000",
    "99991231235959",
    "00000101000000",
    "20260230000000",
    "2026-11-22 00:00:00",
    "' OR '1'='1",
    "1; DROP TABLE records; --",
    "1' UNION SELECT token_hash FROM tokens --",
    "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "%ff%fe%fd",
    "%c3%28",
    "%",
    "%%32%35",
    "ñandú",
    "📞☎️",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "null",
    "true",
    "[]",
    "{}",
];

/// A query string: known and unknown parameters with valid and hostile values.
fn query(rng: &mut StdRng) -> String {
    let n = rng.random_range(0..6);
    let mut parts = Vec::new();
    if rng.random_bool(0.8) {
        parts.push(format!("api={}", APIS[rng.random_range(0..APIS.len())]));
    }
    for _ in 0..n {
        let name = PARAMS[rng.random_range(0..PARAMS.len())];
        let value = match rng.random_range(0..10) {
            0..=3 if name == "api" => APIS[rng.random_range(0..APIS.len())].to_owned(),
            4 => "x".repeat(rng.random_range(0..3_000)),
            5 => (0..rng.random_range(1..40))
                .map(|_| format!("%{:02x}", rng.random_range(0..=255u8)))
                .collect(),
            _ => encode(NASTY[rng.random_range(0..NASTY.len())]),
        };
        parts.push(format!("{name}={value}"));
    }
    if rng.random_bool(0.05) {
        parts.push("api=campaigns&api=campaign_3".into());
    }
    parts.join("&")
}

/// Percent-encodes what a URI cannot carry, leaving `%` sequences as written.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~%:".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A body: nothing, JSON the APIs take, hostile JSON, or not JSON at all.
fn body(rng: &mut StdRng) -> Vec<u8> {
    let [a, b, c] = [0; 3].map(|_| NASTY[rng.random_range(0..NASTY.len())]);
    let nasty = |i: usize| [a, b, c][i % 3];
    match rng.random_range(0..12) {
        0 | 1 => Vec::new(),
        2 => format!(
            r#"{{"cod_act":"{}","cod_act_2":"{}","comment":"{}","customer_id":"{}"}}"#,
            nasty(0),
            nasty(1),
            nasty(2).replace('"', "'"),
            ["1001", "1002", "nope"][rng.random_range(0..3)]
        )
        .into_bytes(),
        3 => {
            let n = rng.random_range(0..30);
            let rows: Vec<String> = (0..n)
                .map(|i| {
                    format!(
                        r#"{{"customer_id":"f{i}","customer_name":"{}","tel1":"{}","opt1":"{}"}}"#,
                        nasty(i).replace('"', "'"),
                        ["573001112233", "abc", "", "1"][i % 4],
                        "o".repeat(i * 20)
                    )
                })
                .collect();
            format!("[{}]", rows.join(",")).into_bytes()
        }
        4 => {
            // Deeply nested: past serde_json's recursion limit.
            let depth = rng.random_range(100..20_000);
            let mut v = "[".repeat(depth).into_bytes();
            v.extend(std::iter::repeat_n(b']', depth));
            v
        }
        5 => (0..rng.random_range(1..2_000))
            .map(|_| rng.random_range(0..=255u8))
            .collect(),
        6 => {
            // Large: a few megabytes of one JSON string.
            let n = rng.random_range(100_000..4_000_000);
            let mut v = b"{\"comment\":\"".to_vec();
            v.extend(std::iter::repeat_n(b'a', n));
            v.extend_from_slice(b"\"}");
            v
        }
        7 => br#"{"speed":"150"}"#.to_vec(),
        8 => format!(
            r#"{{"campaign_name":"{}","skill_id":"{}"}}"#,
            nasty(0),
            nasty(1)
        )
        .into_bytes(),
        9 => br#"[{"dnc":"573001112233"},{"dnc":"' OR 1=1"}]"#.to_vec(),
        10 => vec![0xff, 0xfe, b'{', 0xc3, 0x28, b'}'],
        _ => nasty(2).as_bytes().to_vec(),
    }
}

/// One request through hyper's client (valid HTTP/1.1, hostile content).
/// Returns (what was sent, status, content type, body).
async fn send(
    addr: &str,
    rng: &mut StdRng,
    token: &str,
) -> Result<(Sent, u16, String, Bytes), String> {
    // Mostly the Wolkvox paths with a method they take, where the handlers are.
    let path = if rng.random_bool(0.7) {
        PATHS[rng.random_range(0..4)]
    } else {
        PATHS[rng.random_range(0..PATHS.len())]
    };
    let method = if rng.random_bool(0.8) {
        if path == CAMPAIGN_PATH {
            ["PUT", "POST", "DELETE"][rng.random_range(0..3)]
        } else {
            "GET"
        }
    } else {
        [
            "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "FUZZ",
        ][rng.random_range(0..8)]
    };
    let target = format!("{path}?{}", query(rng));
    let mut req = hyper::Request::builder()
        .method(hyper::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?)
        .uri(target.as_str())
        .header("host", addr);
    match rng.random_range(0..20) {
        0 => {}
        1 => req = req.header("wolkvox-token", ""),
        2 => req = req.header("wolkvox-token", NASTY[rng.random_range(0..NASTY.len())]),
        3 => {
            req = req.header(
                "wolkvox-token",
                hyper::header::HeaderValue::from_bytes(&[b'a', 0xff, 0xfe, b'z'])
                    .map_err(|e| e.to_string())?,
            )
        }
        _ => req = req.header("wolkvox-token", token),
    }
    if rng.random_bool(0.3) {
        req = req.header("wolkvox_server", "0032");
    }
    let content_types = [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ];
    let ct = content_types[rng.random_range(0..content_types.len())];
    if !ct.is_empty() {
        req = req.header("content-type", ct);
    }
    for i in 0..rng.random_range(0..4) {
        req = req.header(
            format!("x-fuzz-{i}"),
            hyper::header::HeaderValue::from_bytes(
                encode(NASTY[rng.random_range(0..NASTY.len())]).as_bytes(),
            )
            .map_err(|e| e.to_string())?,
        );
    }
    let body = Bytes::from(body(rng));
    let sent = Sent {
        method,
        target: target.clone(),
        body: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    };
    let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(conn);
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| {
            format!(
                "body of a {status} ({} {}): {e:?}",
                sent.method, sent.target
            )
        })?
        .to_bytes();
    drop(sender);
    let _ = driver.await;
    Ok((sent, status, ct, body))
}

/// What a request was, for the failure report.
struct Sent {
    method: &'static str,
    target: String,
    body: String,
}

impl std::fmt::Debug for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} with body {:?}",
            self.method, self.target, self.body
        )
    }
}

/// Bytes that are not a valid HTTP/1.1 request: the server may answer (hyper
/// refuses them with a bare 400) or close, and must keep serving.
async fn garbage(addr: &str, rng: &mut StdRng) -> Option<u16> {
    let lines: [Vec<u8>; 6] = [
        (0..rng.random_range(1..500))
            .map(|_| rng.random_range(0..=255u8))
            .collect(),
        b"GET /api/v2/real_time.php?api=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"GET /api/v2/real_time.php HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n".to_vec(),
        b"\r\n\r\n\r\n".to_vec(),
        b"PUT /api/v2/campaign.php?api=codify HTTP/1.1\r\nHost: x\r\ncontent-length: -5\r\n\r\n"
            .to_vec(),
    ];
    let bytes = &lines[rng.random_range(0..lines.len())];
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(bytes).await.ok()?;
    let _ = s.shutdown().await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut out)).await;
    let head = String::from_utf8_lossy(&out[..out.len().min(12)]).into_owned();
    head.strip_prefix("HTTP/1.1 ")
        .and_then(|c| c.trim().parse().ok())
}

both!(random_requests_never_get_a_5xx_nor_leak_a_lease);
async fn random_requests_never_get_a_5xx_nor_leak_a_lease() {
    let app = spawn_app().await;
    let seed: u64 = std::env::var("MARCADOR_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| jiff::Timestamp::now().as_millisecond() as u64);
    let requests: usize = std::env::var("MARCADOR_FUZZ_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(REQUESTS);
    println!("fuzz seed {seed} ({requests} requests; MARCADOR_FUZZ_SEED={seed} replays it)");
    let mut tokens = vec![app.a.token.clone()];
    for i in 1..WORKERS {
        tokens.push(
            app.store
                .create_token(app.a.id, Some(format!("acme-fuzz-{i}")), now())
                .await
                .unwrap(),
        );
    }
    let addr = app.base.trim_start_matches("http://").to_owned();
    let targets = Arc::new(Targets {
        large_get: format!(
            "/api/v2/reports_manager.php?api=campaign_3&campaign_id=all&date_ini={}&date_end={}",
            wire(-86_400),
            wire(0)
        ),
        put: format!(
            "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={}",
            app.a.predictive
        ),
        put_body: r#"{"cod_act":"001","customer_id":"1001"}"#.into(),
    });
    let mut workers = Vec::new();
    for (w, token) in tokens.iter().cloned().enumerate() {
        let (addr, base, targets) = (addr.clone(), app.base.clone(), targets.clone());
        let store = app.store.clone();
        let op = app.a.id;
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(w as u64));
            let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
            let mut failures = Vec::new();
            for i in 0..requests / WORKERS {
                if i % 200 == 0 {
                    // The fuzz is not about the daily quota.
                    store.set_quota_used(op, "2026-11-22", 0).await.unwrap();
                }
                let roll = rng.random_range(0..100);
                if roll < 4 {
                    if let Some(status) = garbage(&addr, &mut rng).await {
                        *seen.entry(status).or_default() += 1;
                        if status >= 500 {
                            failures.push(format!("garbage answered {status}"));
                        }
                    }
                    continue;
                }
                if roll < 8 {
                    let ways = [
                        Abandon::BeforeHead,
                        Abandon::DuringHead,
                        Abandon::AfterHead { wait_ms: 2 },
                        Abandon::AfterBody,
                        Abandon::DuringBody,
                    ];
                    let how = ways[rng.random_range(0..ways.len())];
                    let _ = abandon(&base, &token, how, &targets).await;
                    continue;
                }
                match send(&addr, &mut rng, &token).await {
                    Err(e) => failures.push(format!("request {i}: {e}")),
                    Ok((sent, status, ct, body)) => {
                        *seen.entry(status).or_default() += 1;
                        if sent.method == "HEAD" {
                            // No body, by definition; the status is still checked.
                            if status >= 500 {
                                failures.push(format!("HEAD answered {status}"));
                            }
                        } else if status >= 500 {
                            failures.push(format!(
                                "{status} for {sent:?}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(300)])
                            ));
                        } else if status >= 400 {
                            let v: Result<serde_json::Value, _> = serde_json::from_slice(&body);
                            match v {
                                Ok(v)
                                    if v["code"].as_u64() == Some(u64::from(status))
                                        && v["error"].is_string()
                                        && v["msg"].is_string()
                                        && ct.starts_with("application/json") => {}
                                _ => failures.push(format!(
                                    "{status} not an envelope ({ct}) for {sent:?}: {}",
                                    String::from_utf8_lossy(&body[..body.len().min(300)])
                                )),
                            }
                        } else if ct.starts_with("application/json")
                            && !body.is_empty()
                            && serde_json::from_slice::<serde_json::Value>(&body).is_err()
                        {
                            failures.push(format!("{status}: a JSON answer that does not parse"));
                        }
                    }
                }
            }
            (seen, failures)
        }));
    }
    let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for w in workers {
        let (s, f) = w.await.unwrap();
        for (k, v) in s {
            *seen.entry(k).or_default() += v;
        }
        failures.extend(f);
    }
    println!("fuzz statuses: {seen:?}");
    assert!(
        failures.is_empty(),
        "seed {seed}: {} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    // No lease outlives its request.
    for token in &tokens {
        let id = app.token_id(token).await;
        let left = marcador_server::testing::settled(&app.store, id, Duration::from_secs(3)).await;
        assert_eq!(left, Ok(()), "seed {seed}: a lease outlived its request");
    }
    // Still serving.
    app.store
        .set_quota_used(app.a.id, "2026-11-22", 0)
        .await
        .unwrap();
    assert_eq!(
        app.get(&app.a.token, "/api/v2/real_time.php?api=campaigns")
            .await
            .0,
        200
    );
}
