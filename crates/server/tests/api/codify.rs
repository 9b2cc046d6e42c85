//! PUT campaign.php?api=codify: 202 and the record codified; every error
//! changes nothing.

use marcador_server::domain::RecordStatus;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn path(kind: &str, campaign: impl std::fmt::Display) -> String {
    format!("/api/v2/campaign.php?api=codify&type_campaign={kind}&campaign_id={campaign}")
}

both!(codify_answers_202_and_moves_the_counters);
async fn codify_answers_202_and_moves_the_counters() {
    let app = spawn_app().await;
    let body = r#"{"cod_act": "001", "cod_act_2": "A01", "comment": "Pagará el viernes", "customer_id": "1003"}"#;
    let (s, v) = app
        .put(&app.a.token, &path("predictive", app.a.predictive), body)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(
        v,
        json!({"code": 202, "error": null, "msg": "customer_id 1003 has been coded"})
    );
    let c = app.campaigns(&app.a.token).await;
    // 1003 was never dialed: it leaves `clean`, counts as handled, and 001 is a hit.
    assert_eq!(
        (
            c[0]["clean"].as_str(),
            c[0]["dial"].as_str(),
            c[0]["hits"].as_str()
        ),
        (Some("0"), Some("3"), Some("1"))
    );
    assert_eq!(
        sqlx_status(&app, "1003").await,
        RecordStatus::Codified.as_str()
    );

    // Re-codifying with a code that is not a hit takes the hit back.
    let body = r#"{"cod_act": "003", "customer_id": "1003"}"#;
    let (s, _) = app
        .put(&app.a.token, &path("predictive", app.a.predictive), body)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let c = app.campaigns(&app.a.token).await;
    assert_eq!(
        (
            c[0]["clean"].as_str(),
            c[0]["dial"].as_str(),
            c[0]["hits"].as_str()
        ),
        (Some("0"), Some("3"), Some("0"))
    );
}

both!(codify_on_a_preview_campaign);
async fn codify_on_a_preview_campaign() {
    let app = spawn_app().await;
    let body = r#"{"cod_act": "001", "customer_id": "2001"}"#;
    let (s, v) = app
        .put(&app.a.token, &path("preview", app.a.preview), body)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
}

async fn sqlx_status(app: &TestApp, customer: &str) -> String {
    // Read through a separate connection, as an outside observer.
    use sqlx::Row;
    let pool = raw_pool(&app.db).await;
    let row = sqlx::query("SELECT status FROM records WHERE customer_id = $1")
        .bind(customer.to_owned())
        .fetch_one(&pool)
        .await
        .unwrap();
    let s: String = row.get(0);
    pool.close().await;
    s
}

both!(every_codify_error_is_clear_and_changes_nothing);
async fn every_codify_error_is_clear_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.campaigns(&app.a.token).await;
    let p = path("predictive", app.a.predictive);
    let ok_body = r#"{"cod_act": "001", "customer_id": "1003"}"#;
    let cases: Vec<(String, &str, u16, &str, &str)> = vec![
        (
            path("predictive", 999),
            ok_body,
            404,
            "NOT FOUND",
            "CAMPAIGN_ID 999 DOES NOT EXIST IN THIS OPERATION",
        ),
        (
            path("predictive", "abc"),
            ok_body,
            404,
            "NOT FOUND",
            "CAMPAIGN_ID abc DOES NOT EXIST IN THIS OPERATION",
        ),
        (
            path("predictive", app.b.predictive),
            ok_body,
            404,
            "NOT FOUND",
            "CAMPAIGN_ID 3 DOES NOT EXIST IN THIS OPERATION",
        ),
        (
            path("preview", app.a.predictive),
            ok_body,
            400,
            "BAD REQUEST",
            "CAMPAIGN_ID 1 IS A PREDICTIVE CAMPAIGN: SEND TYPE_CAMPAIGN=predictive",
        ),
        (
            path("outbound", app.a.predictive),
            ok_body,
            400,
            "BAD REQUEST",
            "TYPE_CAMPAIGN \"outbound\" IS NOT VALID: EXPECTED PREVIEW OR PREDICTIVE",
        ),
        (
            p.clone(),
            r#"{"cod_act": "001", "customer_id": "7777"}"#,
            404,
            "NOT FOUND",
            "CUSTOMER_ID 7777 IS NOT IN CAMPAIGN_ID 1",
        ),
        (
            p.clone(),
            r#"{"cod_act": "001", "customer_id": "2001"}"#,
            404,
            "NOT FOUND",
            "CUSTOMER_ID 2001 IS NOT IN CAMPAIGN_ID 1",
        ),
        (
            p.clone(),
            r#"{"cod_act": "999", "customer_id": "1003"}"#,
            400,
            "BAD REQUEST",
            "COD_ACT \"999\" IS NOT AN ACTIVITY CODE OF THIS OPERATION",
        ),
        (
            p.clone(),
            r#"{"cod_act": "001", "cod_act_2": "ZZ", "customer_id": "1003"}"#,
            400,
            "BAD REQUEST",
            "COD_ACT \"ZZ\" IS NOT AN ACTIVITY CODE OF THIS OPERATION",
        ),
        (
            p.clone(),
            r#"{"customer_id": "1003"}"#,
            400,
            "BAD REQUEST",
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            p.clone(),
            r#"{"cod_act": "001"}"#,
            400,
            "BAD REQUEST",
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            p.clone(),
            r#"{"cod_act": "", "customer_id": "1003"}"#,
            400,
            "BAD REQUEST",
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            "/api/v2/campaign.php?api=codify&campaign_id=1".into(),
            ok_body,
            400,
            "BAD REQUEST",
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            "/api/v2/campaign.php?api=codify&type_campaign=predictive".into(),
            ok_body,
            400,
            "BAD REQUEST",
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            "/api/v2/campaign.php?api=codifyy&type_campaign=predictive&campaign_id=1".into(),
            ok_body,
            400,
            "BAD REQUEST",
            "THE API YOU WANT TO CONSULT DOES NOT EXIST",
        ),
    ];
    for (path, body, code, err, msg) in cases {
        let (s, v) = app.put(&app.a.token, &path, body).await;
        assert_eq!(s.as_u16(), code, "{path} {body}: {v}");
        assert_eq!(v, error(code, err, msg), "{path} {body}");
    }
    // Malformed JSON: the message carries serde's explanation.
    for body in [
        "{not json",
        "[]",
        r#"{"cod_act": 1, "customer_id": "1003"}"#,
        "",
    ] {
        let (s, v) = app.put(&app.a.token, &p, body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            v["msg"]
                .as_str()
                .unwrap()
                .starts_with("THE BODY IS NOT THE JSON THIS API TAKES: "),
            "{v}"
        );
    }
    assert_eq!(
        app.campaigns(&app.a.token).await,
        before,
        "an error changed the counters"
    );
    assert_eq!(sqlx_status(&app, "1003").await, "clean");
}

both!(codifies_that_arrive_together_are_each_answered_and_counted_once);
/// Many codifies at once (the store groups those that arrive together into
/// one transaction): each gets its own answer — rejections among them change
/// nothing — and the counters equal a recount of the records, whichever
/// order a record's two codifies were decided in.
async fn codifies_that_arrive_together_are_each_answered_and_counted_once() {
    use marcador_server::store::{CodifyInput, CodifyRejection, NewRecord};
    use marcador_wire::CampaignType;

    let app = spawn_app().await;
    let campaign = app.a.predictive;
    let records: Vec<NewRecord> = (0..100)
        .map(|i| NewRecord {
            customer_id: format!("{}", 5_000 + i),
            tels: vec![format!("5730000{:05}", i)],
            ..NewRecord::default()
        })
        .collect();
    app.store
        .insert_records(campaign, &records, now())
        .await
        .unwrap();
    let input = |customer: String, code: &str| CodifyInput {
        customer_id: customer,
        cod_act: code.to_owned(),
        cod_act_2: String::new(),
        comment: "grupo".to_owned(),
    };
    // (input, kind, expected outcome)
    let mut asks = Vec::new();
    for i in 0..100 {
        asks.push((
            input(format!("{}", 5_000 + i), "001"),
            CampaignType::Predictive,
            Ok(()),
        ));
    }
    for i in 0..20 {
        asks.push((
            input(format!("{}", 5_000 + i), "003"),
            CampaignType::Predictive,
            Ok(()),
        ));
    }
    for i in 0..10 {
        asks.push((
            input(format!("{}", 9_000 + i), "001"),
            CampaignType::Predictive,
            Err(CodifyRejection::UnknownCustomer),
        ));
        asks.push((
            input(format!("{}", 5_050 + i), "999"),
            CampaignType::Predictive,
            Err(CodifyRejection::UnknownCode("999".into())),
        ));
        asks.push((
            input(format!("{}", 5_060 + i), "001"),
            CampaignType::Preview,
            Err(CodifyRejection::WrongType(CampaignType::Predictive)),
        ));
    }
    let tasks: Vec<_> = asks
        .into_iter()
        .map(|(input, kind, expected)| {
            let store = app.store.clone();
            let op = app.a.id;
            tokio::spawn(async move {
                let got = store
                    .codify(op, campaign, kind, &input, now())
                    .await
                    .unwrap();
                (input.customer_id, got, expected)
            })
        })
        .collect();
    for t in tasks {
        let (customer, got, expected) = t.await.unwrap();
        assert_eq!(got, expected, "customer {customer}");
    }
    let raw = raw_pool(&app.db).await;
    let (clean, dial, hits): (i64, i64, i64) =
        sqlx::query_as("SELECT clean, dial, hits FROM campaigns WHERE id = $1")
            .bind(campaign)
            .fetch_one(&raw)
            .await
            .unwrap();
    let (r_clean, r_handled, r_hits): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(CASE WHEN status = 'clean' THEN 1 END), \
         COUNT(CASE WHEN status != 'clean' THEN 1 END), COUNT(CASE WHEN hit != 0 THEN 1 END) \
         FROM records WHERE campaign_id = $1",
    )
    .bind(campaign)
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!((clean, dial, hits), (r_clean, r_handled, r_hits));
    // The 100 new records were clean: all are handled now; the ones codified
    // twice hold whichever code came last, the others 001 (a hit).
    let codified: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM records WHERE campaign_id = $1 AND status = 'codified' \
         AND CAST(customer_id AS BIGINT) BETWEEN 5000 AND 5099",
    )
    .bind(campaign)
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(codified, 100);
    let once_hits: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM records WHERE campaign_id = $1 AND hit != 0 \
         AND CAST(customer_id AS BIGINT) BETWEEN 5020 AND 5099",
    )
    .bind(campaign)
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(once_hits, 80);
}
