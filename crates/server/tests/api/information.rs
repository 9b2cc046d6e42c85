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
    // A codify's entry is written in the codify's own transaction; a
    // rejected one (an unknown customer) leaves none.
    let codify =
        format!("/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={c}");
    let (s, _) = app
        .put(t, &codify, r#"{"cod_act": "001", "customer_id": "1003"}"#)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (s, _) = app
        .put(t, &codify, r#"{"cod_act": "001", "customer_id": "999999"}"#)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
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
             "action": format!("PUT campaign.php api=speed campaign_id={c}"), "workstation": ""},
            {"date": "2026-11-22 10:00:05", "ip": "127.0.0.1", "user": user,
             "action": format!("PUT campaign.php api=codify type_campaign=predictive campaign_id={c}"),
             "workstation": ""}
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

both!(free_law2300_releases_a_number_and_cdr_11_lists_it);
/// The vendor's example body releases 1001's number: law2300_info no longer
/// calls it protected, and cdr_11 lists the release with its agent's name.
/// A bad body is refused and writes nothing.
async fn free_law2300_releases_a_number_and_cdr_11_lists_it() {
    let app = spawn_app().await;
    let t = &app.a.token;
    let skill = app
        .store
        .skill_id(app.a.id, "Cobranza")
        .await
        .unwrap()
        .unwrap();
    app.store
        .put_agent(app.a.id, "10060", "Marta Ruiz", &[skill], None)
        .await
        .unwrap();
    let free = "/api/v2/configuration.php?api=free_law2300";
    let cdr_11 =
        "/api/v2/reports_manager.php?api=cdr_11&date_ini=20261122000000&date_end=20261122235959";
    for (body, msg) in [
        (
            r#"{"nit": "900663379", "item": "telephone", "value": "31133a"}"#,
            r#"VALUE "31133a" IS NOT VALID: EXPECTED 3 TO 20 DIGITS, AN OPTIONAL LEADING +"#,
        ),
        (
            r#"{"nit": "900663379", "item": "email", "value": "a@b.co"}"#,
            r#"ITEM "email" IS NOT VALID: EXPECTED TELEPHONE OR ID_CUSTOMER"#,
        ),
        (
            r#"{"item": "telephone", "value": "3113367284"}"#,
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            "[]",
            "THE BODY IS NOT THE JSON THIS API TAKES: EXPECTED A JSON OBJECT",
        ),
    ] {
        let (s, v) = app.put(t, free, body).await;
        assert_eq!(
            (s, v),
            (StatusCode::BAD_REQUEST, error(400, "BAD REQUEST", msg)),
            "{body}"
        );
    }
    let (s, v) = app.get(t, cdr_11).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
    let (s, v) = app
        .get(t, "/api/v2/configuration.php?api=free_law2300")
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{v}");

    let law = "/api/v2/information.php?api=law2300_info&nit=900663379&phone=573004445566";
    assert_eq!(app.get(t, law).await.0, StatusCode::OK);
    let (s, v) = app
        .put(
            t,
            free,
            r#"{"nit": "900663379", "item": "telephone", "value": "573004445566", "agent_id": "10060"}"#,
        )
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::CREATED,
            json!({"code": 201, "error": null, "msg": "Removed successfully"})
        )
    );
    assert_eq!(app.get(t, law).await.0, StatusCode::NOT_FOUND);
    // A customer by id, by nobody in particular.
    let (s, _) = app
        .put(
            t,
            free,
            r#"{"nit": 900663379, "item": "id_customer", "value": 1002}"#,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = app.get(t, cdr_11).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"protected_nit": "900663379", "agent_id": "10060", "name_agent": "Marta Ruiz",
             "operation": "acme", "date": "2026-11-22 10:00:00", "item": "tel_number",
             "value": "573004445566"},
            {"protected_nit": "900663379", "agent_id": "", "name_agent": "",
             "operation": "acme", "date": "2026-11-22 10:00:00", "item": "id_customer",
             "value": "1002"}
        ])
    );
    // Another operation sees none of it.
    let (s, _) = app.get(&app.b.token, cdr_11).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
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
