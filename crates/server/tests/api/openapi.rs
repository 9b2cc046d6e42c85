//! `GET /openapi.json`: the document is the one committed in
//! `docs/openapi.json` (an accidental change to the API shows up here; after
//! a deliberate one, run this test with `UPDATE_OPENAPI=1` and commit the
//! file), and every api it lists is answered on its path and method — never
//! `THE API YOU WANT TO CONSULT DOES NOT EXIST`, never a 405.

use marcador_wire::catalog::ENDPOINTS;
use marcador_wire::error::MSG_API_NOT_FOUND;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;

both!(the_document_is_the_committed_one);
async fn the_document_is_the_committed_one() {
    let app = spawn_app().await;
    let resp = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let served = resp.text().await.unwrap();
    let doc: Value = serde_json::from_str(&served).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&file, format!("{served}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed.trim_end() == served.trim_end(),
        "GET /openapi.json differs from docs/openapi.json: if the API changed on purpose, \
         run `UPDATE_OPENAPI=1 cargo test -p marcador-server --test api openapi` and commit it"
    );
}

both!(every_api_listed_is_answered);
async fn every_api_listed_is_answered() {
    let app = spawn_app().await;
    let mut asked = 0;
    for e in ENDPOINTS {
        let method = Method::from_bytes(e.method.as_bytes()).unwrap();
        for api in e.apis() {
            let resp = app
                .http
                .request(method.clone(), format!("{}{}?api={api}", app.base, e.path))
                .header("wolkvox-token", &app.a.token)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body = resp.text().await.unwrap();
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{} {} {api}",
                e.method,
                e.path
            );
            assert!(
                !body.contains(MSG_API_NOT_FOUND),
                "{} {}?api={api}: {body}",
                e.method,
                e.path
            );
            assert!(
                status.as_u16() < 500,
                "{} {}?api={api}: {body}",
                e.method,
                e.path
            );
            asked += 1;
        }
    }
    // As many as the replay of the vendor's collection counts answered.
    assert!(asked >= 114, "{asked}");
}
