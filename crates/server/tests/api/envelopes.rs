//! Every error is the Wolkvox envelope with HTTP status = `code`, including
//! the ones the HTTP layer would answer in its own words: a body over the
//! limit (413), a long request target (414), large headers (431) (a method a
//! path does not take, 405: `auth.rs`). And dates reach the last second of 9999.

use marcador_wire::limits::{MAX_BODY_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

fn head(app: &TestApp, method: &str, target: &str, extra: &str) -> String {
    format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nwolkvox-token: {}\r\n{extra}\r\n",
        app.base.trim_start_matches("http://"),
        app.a.token
    )
}

both!(a_body_over_the_limit_is_refused_in_the_envelope_before_it_is_read);
async fn a_body_over_the_limit_is_refused_in_the_envelope_before_it_is_read() {
    let app = spawn_app().await;
    let mut paths = vec![format!(
        "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={}",
        app.a.predictive
    )];
    paths.push(format!(
        "/api/v2/campaign.php?api=add_record&type_campaign=predictive&campaign_id={}",
        app.a.predictive
    ));
    for (method, path) in [("PUT", &paths[0]), ("POST", &paths[1])] {
        // The head announces one byte over the limit; only a few are sent.
        let req = head(
            &app,
            method,
            path,
            &format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                MAX_BODY_BYTES + 1
            ),
        ) + "{\"cod_act\":";
        let a = raw_exchange(&app, req.as_bytes()).await;
        assert_eq!(a.status, 413, "{method} {path}");
        assert_eq!(
            a.envelope(),
            error(
                413,
                "PAYLOAD TOO LARGE",
                "THE REQUEST BODY EXCEEDS THE LIMIT OF 64 MB: SPLIT THE UPLOAD"
            )
        );
    }
    // A chunked body announces no length: it is stopped at the limit.
    let mut s = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let req = head(
        &app,
        "POST",
        &paths[1],
        "content-type: application/json\r\ntransfer-encoding: chunked\r\n",
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let writer = tokio::spawn(async move {
        let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, "a".repeat(1 << 20));
        // Until the server stops reading (it answers and closes).
        for _ in 0..(MAX_BODY_BYTES >> 20) + 8 {
            if wr.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let _ = rd.read_to_end(&mut answer).await;
    writer.abort();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(
        text.ends_with(r#"{"code":413,"error":"PAYLOAD TOO LARGE","msg":"THE REQUEST BODY EXCEEDS THE LIMIT OF 64 MB: SPLIT THE UPLOAD"}"#),
        "{text}"
    );
    // Nothing was held: the token's next requests are admitted.
    assert_eq!(
        app.campaigns(&app.a.token).await.as_array().unwrap().len(),
        2
    );
}

both!(a_long_target_and_large_headers_are_refused_in_the_envelope);
async fn a_long_target_and_large_headers_are_refused_in_the_envelope() {
    let app = spawn_app().await;
    let long = format!(
        "/api/v2/real_time.php?api=campaigns&pad={}",
        "x".repeat(MAX_TARGET_BYTES)
    );
    let a = raw_exchange(&app, head(&app, "GET", &long, "").as_bytes()).await;
    assert_eq!(a.status, 414);
    assert_eq!(
        a.envelope(),
        error(
            414,
            "URI TOO LONG",
            "THE REQUEST PATH AND QUERY EXCEED THE LIMIT OF 8192 BYTES: SEND SHORTER PARAMETERS"
        )
    );
    let too_large = error(
        431,
        "REQUEST HEADER FIELDS TOO LARGE",
        "THE REQUEST HEADERS EXCEED THE LIMIT OF 32768 BYTES OR 100 FIELDS: SEND FEWER HEADERS",
    );
    let many: String = (0..MAX_HEADER_FIELDS)
        .map(|i| format!("x-pad-{i}: {i}\r\n"))
        .collect();
    let big = format!("x-pad: {}\r\n", "y".repeat(40 * 1024));
    for extra in [many, big] {
        let a = raw_exchange(
            &app,
            head(&app, "GET", "/api/v2/real_time.php?api=campaigns", &extra).as_bytes(),
        )
        .await;
        assert_eq!(a.status, 431);
        assert_eq!(a.envelope(), too_large);
    }
    // Just under the limits is served.
    let fine: String = (0..MAX_HEADER_FIELDS - 10)
        .map(|i| format!("x-pad-{i}: {i}\r\n"))
        .collect();
    let a = raw_exchange(
        &app,
        head(&app, "GET", "/api/v2/real_time.php?api=campaigns", &fine).as_bytes(),
    )
    .await;
    assert_eq!(a.status, 200);
}

both!(dates_up_to_the_last_second_of_9999_are_accepted);
async fn dates_up_to_the_last_second_of_9999_are_accepted() {
    let app = spawn_app().await;
    for api in [
        format!("campaign_3&campaign_id={}", app.a.predictive),
        "campaign_3&campaign_id=all".to_owned(),
        "diagram_1_3".to_owned(),
    ] {
        for (ini, end) in [
            ("99991231235959", "99991231235959"),
            ("99991201000000", "99991231235959"),
        ] {
            let path =
                format!("/api/v2/reports_manager.php?api={api}&date_ini={ini}&date_end={end}");
            let (s, v) = app.get(&app.a.token, &path).await;
            assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()), "{path}");
        }
    }
    // A day past the last of 9999 is malformed, not a 500.
    let (s, v) = app
        .get(
            &app.a.token,
            "/api/v2/reports_manager.php?api=diagram_1_3&date_ini=99991231235959&date_end=99991232000000",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

both!(text_with_a_nul_character_is_refused_not_a_500);
async fn text_with_a_nul_character_is_refused_not_a_500() {
    // PostgreSQL's text refuses NUL: found by the fuzz test as a 500.
    let app = spawn_app().await;
    let (s, v) = app
        .get(
            &app.a.token,
            "/api/v2/information.php?api=activity_codes&cod_act=%00",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        error(
            400,
            "BAD REQUEST",
            "COD_ACT \"\\0\" IS NOT VALID: EXPECTED TEXT WITHOUT NUL CHARACTERS"
        )
    );
    let (s, v) = app
        .put(
            &app.a.token,
            &format!(
                "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={}",
                app.a.predictive
            ),
            r#"{"cod_act":"001","customer_id":"10\u0000"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["msg"],
        "THE BODY IS NOT THE JSON THIS API TAKES: TEXT MUST NOT CONTAIN THE NUL CHARACTER (\\U0000)"
    );
}
