//! information.php's audit_log, services and law2300_info, and real_time's
//! info_server, over the acme fixture.

use marcador_server::domain::token_prefix;
use marcador_server::store::CampaignEdit;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

both!(changes_through_the_api_are_in_the_audit_log);
async fn changes_through_the_api_are_in_the_audit_log() {
    let app = spawn_app().await;
    let (t, c) = (&app.a.token, app.a.predictive);
    let r = app
        .http
        .put(format!(
            "{}/api/v2/campaign.php?api=stop&campaign_id={c}",
            app.base
        ))
        .header("wolkvox-token", t)
        .header("user-agent", "crm-sync/2.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    app.advance(5);
    // Refused changes and reads are not changes.
    let (s, _) = app
        .put(t, "/api/v2/campaign.php?api=stop&campaign_id=999999", "")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.campaigns(t).await;
    let (s, _) = app
        .put(
            t,
            &format!("/api/v2/campaign.php?api=speed&campaign_id={c}"),
            r#"{"speed":"40"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let path = format!(
        "/api/v2/information.php?api=audit_log&date_ini={}&date_end={}",
        wire(-60),
        wire(60)
    );
    let (s, v) = app.get(t, &path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let user = token_prefix(t);
    assert_eq!(
        v["data"],
        json!([
            {"date": "2026-11-22 10:00:00", "ip": "127.0.0.1", "user": user,
             "action": format!("PUT campaign.php api=stop campaign_id={c}"), "workstation": "crm-sync/2.1"},
            {"date": "2026-11-22 10:00:05", "ip": "127.0.0.1", "user": user,
             "action": format!("PUT campaign.php api=speed campaign_id={c}"), "workstation": ""}
        ])
    );
    // Another operation sees only its own.
    let (s, v) = app.get(&app.b.token, &path).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(services_say_what_the_operation_has);
async fn services_say_what_the_operation_has() {
    let app = spawn_app().await;
    let t = &app.a.token;
    let (s, v) = app.get(t, "/api/v2/information.php?api=services").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = &v["data"][0];
    assert_eq!(row["licenses"], "1");
    assert_eq!(row["pbx"], "0");
    assert_eq!(row["intelligentdial"], "yes");
    assert_eq!(row["customer_prot"], "yes", "acme dials under Ley 2300");
    assert_eq!(row["turbo_dial"], "no");
    assert_eq!(row["whatsapp"], "no");
    assert_eq!(row.as_object().unwrap().len(), 30);
    app.store
        .edit_campaign(
            app.a.id,
            app.a.predictive,
            &CampaignEdit {
                turbo_dial: Some(true),
                ..CampaignEdit::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let (_, v) = app.get(t, "/api/v2/information.php?api=services").await;
    assert_eq!(v["data"][0]["turbo_dial"], "yes");
}

both!(law2300_info_says_when_a_number_was_reached_today);
async fn law2300_info_says_when_a_number_was_reached_today() {
    let app = spawn_app().await;
    let t = &app.a.token;
    let ask = |phone: &str| {
        format!("/api/v2/information.php?api=law2300_info&nit=900123456&phone={phone}")
    };
    // 1001 answered on its second number at 09:00.
    let (s, v) = app.get(t, &ask("573004445566")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([{"phone_number": "573004445566", "last_day": "2026-11-22 09:00:00", "last_channel": "voice"}])
    );
    // Its first number was not answered; tomorrow the contact no longer counts.
    let (s, _) = app.get(t, &ask("573001112233")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.advance(86_400);
    let (s, _) = app.get(t, &ask("573004445566")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .get(
            t,
            "/api/v2/information.php?api=law2300_info&phone=573004445566",
        )
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::BAD_REQUEST,
            error(400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED")
        )
    );
}

both!(info_server_shows_the_machine_and_the_agents);
async fn info_server_shows_the_machine_and_the_agents() {
    let app = spawn_app().await;
    let (s, v) = app
        .get(&app.a.token, "/api/v2/real_time.php?api=info_server")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let data = &v["data"];
    for k in ["cpu_avg_10s", "cpu_max_10s", "cpu_min_10s", "ram"] {
        let pct = data[k].as_str().unwrap();
        assert!(pct.ends_with(" %"), "{k}: {pct}");
    }
    assert_eq!(data["calls"], "0");
    assert_eq!(data["connected_agents"], "0");
    assert_eq!(v["msg"], "1 records were found");
}
