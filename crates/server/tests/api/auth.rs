//! The token header, the catalogue's token errors, and the `api` parameter.

use reqwest::StatusCode;

use crate::helpers::*;
use marcador_server::store::Location;

const CAMPAIGNS: &str = "/api/v2/real_time.php?api=campaigns";

both!(a_missing_or_empty_token_is_401);
async fn a_missing_or_empty_token_is_401() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(format!("{}{CAMPAIGNS}", app.base))
        .send()
        .await
        .unwrap();
    let (s, v) = checked(r).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        v,
        error(401, "UNAUTHORIZED", "PLEASE ENTER THE WOLKVOX-TOKEN")
    );
    let (s, _) = app.get("", CAMPAIGNS).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

both!(unknown_malformed_and_revoked_tokens_are_403);
async fn unknown_malformed_and_revoked_tokens_are_403() {
    let app = spawn_app().await;
    for t in ["nope", "acme token", "ACME-TOKEN", "acme-tokenx"] {
        let (s, v) = app.get(t, CAMPAIGNS).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{t:?}");
        assert_eq!(v, error(403, "FORBIDDEN", "PLEASE VALIDATE TOKEN"));
    }
    let id = app
        .store
        .list_tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.operation == "acme")
        .unwrap()
        .id;
    assert!(app.store.revoke_token(id, now()).await.unwrap());
    let (s, v) = app.get(&app.a.token, CAMPAIGNS).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::FORBIDDEN,
            error(403, "FORBIDDEN", "PLEASE VALIDATE TOKEN")
        )
    );
}

both!(the_wolkvox_server_header_is_accepted_in_any_spelling);
async fn the_wolkvox_server_header_is_accepted_in_any_spelling() {
    let app = spawn_app().await;
    for h in ["wolkvox_server", "wolkvox-server", "Wolkvox-Server"] {
        let r = app
            .http
            .get(format!("{}{CAMPAIGNS}", app.base))
            .header("wolkvox-token", &app.a.token)
            .header(h, "0016")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{h}");
    }
    // The token header name is case-insensitive, as HTTP says.
    let r = app
        .http
        .get(format!("{}{CAMPAIGNS}", app.base))
        .header("Wolkvox-Token", &app.a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

both!(an_unknown_or_missing_api_is_400);
async fn an_unknown_or_missing_api_is_400() {
    let app = spawn_app().await;
    for path in [
        "/api/v2/real_time.php?api=agents_x",
        "/api/v2/reports_manager.php?api=campaign_99",
        "/api/v2/real_time.php?api=campaign_3",
    ] {
        let (s, v) = app.get(&app.a.token, path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            v,
            error(
                400,
                "BAD REQUEST",
                "THE API YOU WANT TO CONSULT DOES NOT EXIST"
            )
        );
    }
    let (s, v) = app.get(&app.a.token, "/api/v2/real_time.php").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::BAD_REQUEST,
            error(400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED")
        )
    );
}

both!(wrong_methods_and_paths_answer_in_the_envelope);
async fn wrong_methods_and_paths_answer_in_the_envelope() {
    let app = spawn_app().await;
    let (s, v) = app.put(&app.a.token, CAMPAIGNS, "{}").await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        v,
        error(
            405,
            "METHOD NOT ALLOWED",
            "THIS API DOES NOT ACCEPT THIS METHOD: USE GET"
        )
    );
    let (s, v) = app
        .get(&app.a.token, "/api/v2/campaign.php?api=codify")
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{v}");
    assert_eq!(v["msg"], "THIS API DOES NOT ACCEPT THIS METHOD: USE PUT");
    // An api no method has is "does not exist", not a wrong method.
    let (s, v) = app
        .get(&app.a.token, "/api/v2/campaign.php?api=no_such_api")
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::BAD_REQUEST,
            error(
                400,
                "BAD REQUEST",
                "THE API YOU WANT TO CONSULT DOES NOT EXIST"
            )
        )
    );
    let (s, v) = app.get(&app.a.token, "/api/v2/nothing.php").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "NOT FOUND");
    // Marcador's own paths too (axum's own 405 has no body: rewritten).
    let (s, v) = app
        .request(reqwest::Method::POST, &app.a.token, "/healthz", "")
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        (v["code"].as_u64(), &v["error"]),
        (Some(405), &serde_json::json!("METHOD NOT ALLOWED"))
    );
}

both!(tokens_are_stored_only_as_hashes);
async fn tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    // Everything the database holds, as bytes: the SQLite file and its WAL,
    // or PostgreSQL's own dump.
    let dumps = match &app.db.location() {
        Location::Sqlite(path) => vec![
            std::fs::read(path).unwrap(),
            std::fs::read(path.with_extension("db-wal")).unwrap_or_default(),
        ],
        Location::Postgres(url) => {
            let out = std::process::Command::new("pg_dump")
                .args(["--data-only", "--dbname", url])
                .output()
                .expect("pg_dump (from the postgresql package) runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.stdout.windows(6).any(|w| w == b"tokens"),
                "the dump has the tokens"
            );
            vec![out.stdout]
        }
    };
    for bytes in dumps {
        assert!(
            !bytes
                .windows(b"acme-token".len())
                .any(|w| w == b"acme-token")
        );
    }
}
