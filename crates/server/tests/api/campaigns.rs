//! real_time.php: the campaigns report (a bare array), calls_last_10, hits_last_hour and recall.

use marcador_server::store::Fact;
use marcador_wire::CallResult::Answer;
use marcador_wire::TypeInteraction::OutPre;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

both!(campaigns_report_has_every_field_from_the_counters);
async fn campaigns_report_has_every_field_from_the_counters() {
    let app = spawn_app().await;
    let v = app.campaigns(&app.a.token).await;
    assert_eq!(
        v,
        json!([
            {
                "campaign": "1 - Cobranza - phone2 (100.00 %)",
                "speed": "80", "status": "started", "skill_id": "1",
                "records": "3", "clean": "1", "dial": "2",
                "answer": "1", "no_answer": "0", "busy/congestion/failed": "1", "answer_machine": "0",
                "penetration_day": "100.00 %", "penetration_now": "66.67 %",
                "hits": "0", "calls_x_min": "1", "recycled": "0"
            },
            {
                "campaign": "2 - Renovaciones - phone1 (0.00 %)",
                "speed": "80", "status": "stopped", "skill_id": "1",
                "records": "1", "clean": "1", "dial": "0",
                "answer": "0", "no_answer": "0", "busy/congestion/failed": "0", "answer_machine": "0",
                "penetration_day": "0.00 %", "penetration_now": "0.00 %",
                "hits": "0", "calls_x_min": "0", "recycled": "0"
            }
        ])
    );
}

both!(calls_x_min_and_penetration_day_follow_the_clock);
async fn calls_x_min_and_penetration_day_follow_the_clock() {
    let app = spawn_app().await;
    app.advance(31); // the busy attempt is now 61 s old
    let v = app.campaigns(&app.a.token).await;
    assert_eq!(v[0]["calls_x_min"], "0");
    app.advance(14 * 3600 + 10); // past midnight in Bogotá: a new day
    let v = app.campaigns(&app.a.token).await;
    assert_eq!(v[0]["penetration_day"], "0.00 %");
    assert_eq!(v[0]["penetration_now"], "66.67 %");
}

both!(an_operation_without_campaigns_gets_an_empty_array);
async fn an_operation_without_campaigns_gets_an_empty_array() {
    let app = spawn_app().await;
    let op = app
        .store
        .create_operation("empty", TZ, 1, now())
        .await
        .unwrap();
    let token = app.store.create_token(op, None, now()).await.unwrap();
    assert_eq!(app.campaigns(&token).await, json!([]));
}

both!(calls_last_10_lists_calls_of_the_last_ten_minutes_in_time_order);
async fn calls_last_10_lists_calls_of_the_last_ten_minutes_in_time_order() {
    let app = spawn_app().await;
    let (s, v) = app
        .get(&app.a.token, "/api/v2/real_time.php?api=calls_last_10")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({
            "code": 200, "error": null, "msg": "2 records were found",
            "data": [
                {"type_interaction": "inbound", "result": "answer", "date": "2026-11-22 09:55:00",
                 "telephone": "576011234567", "customer_id": "", "conn_id": "12001.0002.4.4"},
                {"type_interaction": "out_pre", "result": "busy", "date": "2026-11-22 09:59:30",
                 "telephone": "573007778899", "customer_id": "1002", "conn_id": "12001.0001.3.3"}
            ]
        })
    );
}

both!(calls_last_10_answers_404_when_there_are_none);
async fn calls_last_10_answers_404_when_there_are_none() {
    let app = spawn_app().await;
    app.advance(601);
    let (s, v) = app
        .get(&app.a.token, "/api/v2/real_time.php?api=calls_last_10")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v, no_data());
}

both!(each_operation_sees_only_its_own_data);
async fn each_operation_sees_only_its_own_data() {
    let app = spawn_app().await;
    let b = app.campaigns(&app.b.token).await;
    let labels: Vec<&str> = b
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["campaign"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "3 - Ventas - phone1 (100.00 %)",
            "4 - Preview - phone1 (0.00 %)"
        ]
    );
    let (_, v) = app
        .get(&app.b.token, "/api/v2/real_time.php?api=calls_last_10")
        .await;
    assert_eq!(v["msg"], "1 records were found");
    assert_eq!(v["data"][0]["customer_id"], "9001");
    let path = format!(
        "/api/v2/reports_manager.php?api=campaign_3&campaign_id={}&date_ini={}&date_end={}",
        app.a.predictive,
        wire(-86_400),
        wire(0)
    );
    let (s, v) = app.get(&app.b.token, &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        v,
        error(
            404,
            "NOT FOUND",
            "CAMPAIGN_ID 1 DOES NOT EXIST IN THIS OPERATION"
        )
    );
    let all = format!(
        "/api/v2/reports_manager.php?api=campaign_3&campaign_id=all&date_ini={}&date_end={}",
        wire(-86_400),
        wire(0)
    );
    let (_, v) = app.get(&app.b.token, &all).await;
    assert_eq!(v["msg"], "1 records were found");
    let (_, v) = app
        .get(
            &app.b.token,
            &format!(
                "/api/v2/reports_manager.php?api=diagram_1_3&date_ini={}&date_end={}",
                wire(-86_400),
                wire(0)
            ),
        )
        .await;
    assert_eq!(
        v["data"],
        json!([{"rp_id": app.b.rp.to_string(), "calls": "1", "time": "00:00:07", "cod_opc_menu": "5"}])
    );
}

both!(hits_last_hour_lists_the_last_hours_calls_with_their_hit);
async fn hits_last_hour_lists_the_last_hours_calls_with_their_hit() {
    let app = spawn_app().await;
    let hits = || async {
        let (s, v) = app
            .get(&app.a.token, "/api/v2/real_time.php?api=hits_last_hour")
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["data"].as_array().unwrap().clone()
    };
    let rows = hits().await;
    let busy = rows
        .iter()
        .find(|r| r["conn_id"] == "12001.0001.3.3")
        .cloned()
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(
        busy,
        json!({"conn_id": "12001.0001.3.3", "type_interaction": "out_pre", "date": "20261122095930",
               "telephone": "573007778899", "customer_id": "1002", "hit": "0"})
    );
    // A campaign call to customer 1002, then 1002 typed with a hit code: that call is a hit.
    let mut c = match call(
        app.a.id,
        -20,
        OutPre,
        Answer,
        "573007778899",
        "1002",
        "12001.0001.9.9",
    ) {
        Fact::Call(c) => c,
        _ => unreachable!(),
    };
    c.campaign_id = Some(app.a.predictive);
    app.store.record_facts(&[Fact::Call(c)]).await.unwrap();
    let hit_of = |rows: &[serde_json::Value]| {
        rows.iter()
            .find(|r| r["conn_id"] == "12001.0001.9.9")
            .map(|r| r["hit"].clone())
    };
    assert_eq!(hit_of(&hits().await), Some(json!("0")));
    let (s, v) = app
        .put(
            &app.a.token,
            &format!(
                "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={}",
                app.a.predictive
            ),
            r#"{"customer_id":"1002","cod_act":"001"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(hit_of(&hits().await), Some(json!("1")));
    // An hour later, nothing.
    app.advance(3_601);
    let (s, v) = app
        .get(&app.a.token, "/api/v2/real_time.php?api=hits_last_hour")
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(recall_lists_the_recalls_still_to_come);
async fn recall_lists_the_recalls_still_to_come() {
    let app = spawn_app().await;
    let add = format!(
        "/api/v2/campaign.php?api=add_record&type_campaign=predictive&campaign_id={}",
        app.a.predictive
    );
    let body = r#"[
        {"customer_id": "R1", "tel1": "573001110001", "recall_date": "20261123090000", "agent_id": "1001"},
        {"customer_id": "R2", "tel1": "573001110002", "recall_date": "20261122110000", "recall_telephone": "573009990002"},
        {"customer_id": "R3", "tel1": "573001110003", "recall_date": "20261122080000"},
        {"customer_id": "R4", "tel1": "573001110004"}]"#;
    let (s, v) = app.post(&app.a.token, &add, body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .get(&app.a.token, "/api/v2/real_time.php?api=recall&type=all")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = app.a.predictive.to_string();
    assert_eq!(
        v["data"],
        json!([
            {"type_recall": "auto", "date_recall": "2026-11-22 11:00:00", "phone_number": "573009990002",
             "id_campaing": c, "id_agent": ""},
            {"type_recall": "auto", "date_recall": "2026-11-23 09:00:00", "phone_number": "573001110001",
             "id_campaing": c, "id_agent": "1001"}
        ]),
        "R3's recall has passed; R4 has none"
    );
    // Uploaded recalls are dialed at their time: none is manual.
    let (s, v) = app
        .get(&app.a.token, "/api/v2/real_time.php?api=recall&type=manual")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}
