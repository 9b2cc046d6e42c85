//! Connection hygiene: a connection that sends nothing or half a head is
//! closed at the head timeout, an idle keep-alive one at the idle timeout,
//! connections past the cap are answered 503 at once — and through all of it
//! the server keeps answering the connections it has. And a small answer
//! leaves in one write: a keep-alive client reads it whole in one read.

use std::time::{Duration, Instant};

use marcador_server::config::Http;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

const CAMPAIGNS: &str = "/api/v2/real_time.php?api=campaigns";

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

fn get_head(app: &TestApp, path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nwolkvox-token: {}\r\n\r\n",
        app.a.token
    )
}

/// Waits (at most `within`) for the server to close `s`; returns how long it took.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within.saturating_sub(start.elapsed()), s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {} // an answer (there is none for a half head); keep reading
        }
    }
}

/// Whether the server still holds `s` open (nothing to read, no end).
fn still_open(s: &TcpStream) -> bool {
    let mut buf = [0u8; 1];
    matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

async fn spawn_http(http: Http) -> TestApp {
    spawn_full(|c| c.http = http, axum::Router::new()).await
}

#[tokio::test]
async fn silent_and_half_head_connections_are_closed_at_the_head_timeout() {
    let app = spawn_http(Http {
        head_timeout_ms: 600,
        idle_timeout_ms: 60_000,
        ..Http::default()
    })
    .await;
    let mut silent = connect(&app).await;
    let mut half_line = connect(&app).await;
    half_line.write_all(b"GET /api/v2/real_ti").await.unwrap();
    let mut half_headers = connect(&app).await;
    let head = get_head(&app, CAMPAIGNS);
    half_headers
        .write_all(&head.as_bytes()[..head.len() - 4])
        .await
        .unwrap();
    // Meanwhile a keep-alive client is answered, before and after the timeout.
    let serving = {
        let (base, token, http) = (app.base.clone(), app.a.token.clone(), app.http.clone());
        tokio::spawn(async move {
            for _ in 0..15 {
                let r = http
                    .get(format!("{base}{CAMPAIGNS}"))
                    .header("wolkvox-token", &token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                r.bytes().await.unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    for (name, s) in [
        ("silent", &mut silent),
        ("half a request line", &mut half_line),
        ("half the headers", &mut half_headers),
    ] {
        let took = closed_within(s, Duration::from_secs(5)).await;
        let took = took.unwrap_or_else(|| panic!("{name}: still open after 5 s"));
        assert!(
            took < Duration::from_secs(3),
            "{name}: closed after {took:?}"
        );
    }
    serving.await.unwrap();
    assert!(
        app.serving()
            .connections()
            .timed_out
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 3
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout_not_before() {
    let app = spawn_http(Http {
        head_timeout_ms: 300,
        idle_timeout_ms: 1_500,
        ..Http::default()
    })
    .await;
    let mut s = connect(&app).await;
    for _ in 0..3 {
        s.write_all(get_head(&app, CAMPAIGNS).as_bytes())
            .await
            .unwrap();
        assert_eq!(read_answer(&mut s).await.unwrap().status, 200);
        // Well past the head timeout between requests: idle, not a slow head.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(still_open(&s), "closed at the head timeout while idle");
    }
    // 600 ms of the 1,500 ms are gone: the close comes ~900 ms from now.
    let took = closed_within(&mut s, Duration::from_secs(6))
        .await
        .expect("an idle connection outlived the idle timeout");
    assert!(
        took >= Duration::from_millis(500),
        "closed {took:?} after 600 ms idle: before the idle timeout"
    );
}

#[tokio::test]
async fn connections_past_the_cap_get_a_503_envelope_and_the_others_are_still_served() {
    let cap = 6;
    let app = spawn_http(Http {
        max_connections: cap,
        ..Http::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..cap {
        let mut s = connect(&app).await;
        s.write_all(get_head(&app, CAMPAIGNS).as_bytes())
            .await
            .unwrap();
        assert_eq!(read_answer(&mut s).await.unwrap().status, 200);
        held.push(s);
    }
    for _ in 0..3 {
        let mut extra = connect(&app).await;
        extra
            .write_all(get_head(&app, CAMPAIGNS).as_bytes())
            .await
            .unwrap();
        let a = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut extra))
            .await
            .expect("a connection past the cap waited instead of being refused")
            .unwrap();
        assert_eq!(a.status, 503);
        assert_eq!(
            a.envelope(),
            error(
                503,
                "SERVICE UNAVAILABLE",
                "THE SERVER HAS TOO MANY OPEN CONNECTIONS: RETRY LATER"
            )
        );
        assert!(
            closed_within(&mut extra, Duration::from_secs(2))
                .await
                .is_some()
        );
    }
    // The connections it has are served as before.
    for s in &mut held {
        s.write_all(get_head(&app, CAMPAIGNS).as_bytes())
            .await
            .unwrap();
        assert_eq!(read_answer(s).await.unwrap().status, 200);
    }
    // One closes: a new one is served.
    drop(held.pop());
    let mut served = false;
    for _ in 0..50 {
        let mut s = connect(&app).await;
        s.write_all(get_head(&app, CAMPAIGNS).as_bytes())
            .await
            .unwrap();
        if read_answer(&mut s).await.unwrap().status == 200 {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "a freed place was not given to a new connection");
    assert!(
        app.serving()
            .connections()
            .refused
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 3
    );
}

both!(a_small_answer_on_a_keep_alive_connection_arrives_in_one_read);
async fn a_small_answer_on_a_keep_alive_connection_arrives_in_one_read() {
    // Head and body written apart would leave the body behind the client's
    // delayed ACK (Nagle): the first read would hold only the head.
    let app = spawn_app().await;
    let mut s = connect(&app).await;
    for path in [
        CAMPAIGNS,
        CAMPAIGNS,
        "/api/v2/real_time.php?api=calls_last_10",
        "/api/v2/real_time.php?api=nope",
        CAMPAIGNS,
        "/api/v2/real_time.php?api=calls_last_10",
    ] {
        s.write_all(get_head(&app, path).as_bytes()).await.unwrap();
        let a = read_answer(&mut s).await.unwrap();
        assert!(!a.body.is_empty(), "{path}");
        assert_eq!(
            a.reads,
            1,
            "{path}: the answer ({} bytes) came in {} reads",
            a.body.len(),
            a.reads
        );
    }
}
