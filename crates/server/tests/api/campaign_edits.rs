//! campaign.php's campaign edits over the acme fixture: `recall` (and the
//! dialer picking a due recall first), `edit_campaign`, `campaign_filter`
//! (and the dialer taking only what it lets through) and `delete_campaign`.

use marcador_server::store::CodifyInput;
use marcador_wire::CampaignType;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn put_path(api: &str, campaign: i64) -> String {
    format!("/api/v2/campaign.php?api={api}&type_campaign=predictive&campaign_id={campaign}")
}

both!(recall_calls_a_customer_back_first_on_the_number_asked);
async fn recall_calls_a_customer_back_first_on_the_number_asked() {
    let app = spawn_app().await;
    let (t, c) = (&app.a.token, app.a.predictive);
    let path = format!("/api/v2/campaign.php?api=recall&campaign_id={c}");
    // 1002 was busy on its only number: nothing left to dial. Called back in
    // an hour on a new number, which takes its free tel2.
    let body = json!({"recall_date": wire(3600), "recall_telephone": "573105550000", "customer_id": "1002"});
    let (s, v) = app.put(t, &path, &body.to_string()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(
        v["msg"],
        "customer_id 1002 has been updated and will be call back on 2026-11-22 11:00:00 to phone 573105550000"
    );
    // Not before its time; at its time, before a clean record on tel1.
    let early = app.store.claim_records(c, 5, at(60)).await.unwrap();
    assert_eq!(
        early
            .iter()
            .map(|k| k.customer_id.as_str())
            .collect::<Vec<_>>(),
        ["1003"]
    );
    app.store
        .insert_records(
            c,
            &[record("1004", "Rita", "Paz", &["573009990001"], &[])],
            now(),
        )
        .await
        .unwrap();
    let due = app.store.claim_records(c, 1, at(3601)).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].customer_id, "1002", "the due recall before 1004");
    assert_eq!(
        (due[0].phone, due[0].telephone.as_str()),
        (2, "573105550000")
    );

    // The new number is found; real_time recall listed it while it was to come.
    let (s, v) = app
        .get(
            t,
            "/api/v2/campaign.php?api=find_record&customer_phone=573105550000",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"][0]["customer_id"], "1002");
    assert_eq!(v["data"][0]["tel2"], "573105550000");

    // A codified record can be called back; the API lists it until then.
    app.store
        .codify(
            app.a.id,
            c,
            CampaignType::Predictive,
            &CodifyInput {
                customer_id: "1001".into(),
                cod_act: "003".into(),
                cod_act_2: String::new(),
                comment: String::new(),
            },
            now(),
        )
        .await
        .unwrap()
        .unwrap();
    let body = json!({"recall_date": wire(7200), "recall_telephone": "", "customer_id": "1001"});
    let (s, v) = app.put(t, &path, &body.to_string()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    // Its next number was none: the first one.
    assert!(
        v["msg"]
            .as_str()
            .unwrap()
            .ends_with("to phone 573001112233"),
        "{v}"
    );
    let (_, v) = app.get(t, "/api/v2/real_time.php?api=recall").await;
    let row = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["phone_number"] == "573001112233")
        .expect("1001's recall listed")
        .clone();
    assert_eq!(
        row["type_recall"], "auto",
        "campaign.php's recalls are dialed at their time"
    );
    assert_eq!(row["date_recall"], "2026-11-22 12:00:00");
    let (_, v) = app
        .get(t, "/api/v2/campaign.php?api=find_record&customer_id=1001")
        .await;
    assert_eq!(v["data"][0]["customer_id"], "1001");
    let (_, v) = app
        .get(
            t,
            &format!(
                "/api/v2/campaign.php?api=detail&type_campaign=predictive&campaign_id={c}&date_ini={}&date_end={}&detail=all",
                wire(-86_400),
                wire(0)
            ),
        )
        .await;
    let r1001 = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_id"] == "1001")
        .unwrap()
        .clone();
    assert_eq!(r1001["recall"], "2026-11-22 12:00:00");
    assert_eq!(r1001["recall_count"], "1");

    // Refusals change nothing.
    for (body, status) in [
        (
            json!({"recall_date": wire(60), "customer_id": "9999"}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"recall_date": "2026-11-22", "customer_id": "1003"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"recall_date": wire(60)}), StatusCode::BAD_REQUEST),
        (
            json!({"recall_date": wire(60), "customer_id": "1003", "recall_telephone": "12ab"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (s, v) = app.put(t, &path, &body.to_string()).await;
        assert_eq!(s, status, "{body} → {v}");
    }
    // A record on a call (1003, picked above) cannot be called back until the call ends.
    let body = json!({"recall_date": wire(60), "customer_id": "1003"});
    let (s, v) = app.put(t, &path, &body.to_string()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["msg"].as_str().unwrap().contains("IS BEING DIALED"),
        "{v}"
    );
}

both!(edit_campaign_changes_what_is_sent_and_answers_the_campaign);
async fn edit_campaign_changes_what_is_sent_and_answers_the_campaign() {
    let app = spawn_app().await;
    let (t, c) = (&app.a.token, app.a.predictive);
    let path = format!("/api/v2/campaign.php?api=edit_campaign&campaign_id={c}");
    let body = json!({
        "campaign_name": "Cobranza Diciembre",
        "start_time": "08:00:00",
        "end_time": "19:30:00",
        "amd_conf": "col",
        "turbo_dial": "yes",
        "camp_dial_order": "linear",
        "optional_labels": {"opt1": "Saldo", "opt3": "Producto"}
    });
    let (s, text) = {
        let r = app
            .http
            .put(format!("{}{path}", app.base))
            .header("wolkvox-token", t)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(
        text,
        format!(
            r#"{{"code":200,"error":null,"msg":"Campaign has been updated successfully","data":[{{"campaign_id":"{c}","campaign_name":"Cobranza Diciembre","campaign_description":"","type_camp":"Predictive","enable_edition":"no","start_time":"08:00:00","end_time":"19:30:00","skill_id":"{}","amd_conf":"COL","turbo_dial":"yes","routing_recall":"no","optional_labels":{{"opt1":"Saldo","opt3":"Producto"}}}}]}}"#,
            v_skill(&app).await
        )
    );
    // information.php sees the new name and turbo_dial.
    let (_, v) = app
        .get(
            t,
            &format!("/api/v2/information.php?api=campaigns&campaign={c}"),
        )
        .await;
    assert_eq!(v["data"][0]["campaign_name"], "Cobranza Diciembre");
    assert_eq!(v["data"][0]["turbo_dial"], "yes");
    // Only what is sent changes: the window keeps its start.
    let (s, v) = app
        .put(t, &path, r#"{"end_time":"20:00:00","amd_conf":"none"}"#)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"][0]["start_time"], "08:00:00");
    assert_eq!(v["data"][0]["end_time"], "20:00:00");
    assert_eq!(v["data"][0]["amd_conf"], "none");
    assert_eq!(v["data"][0]["campaign_name"], "Cobranza Diciembre");

    // Refusals, each naming what is wrong; nothing changes.
    for body in [
        json!({"type_camp": "Preview"}),
        json!({"skill_id": "VAGENT"}),
        json!({"start_time": "21:00:00"}),
        json!({"start_time": "8am"}),
        json!({"turbo_dial": "maybe"}),
        json!({"camp_dial_order": "random"}),
        json!({"amd_conf": "XYZ"}),
        json!({"optional_labels": {"opt0": "x"}}),
        json!({"campaing_name": "typo"}),
    ] {
        let (s, v) = app.put(t, &path, &body.to_string()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} → {v}");
    }
    let (_, v) = app.put(t, &path, "{}").await;
    assert_eq!(v["data"][0]["end_time"], "20:00:00");
    assert_eq!(v["data"][0]["type_camp"], "Predictive");
    // A stopped campaign may change its type.
    app.put(
        t,
        &format!("/api/v2/campaign.php?api=stop&campaign_id={c}"),
        "",
    )
    .await;
    let (s, v) = app.put(t, &path, r#"{"type_camp":"preview"}"#).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"][0]["type_camp"], "Preview");
    let (s, _) = app
        .put(&app.b.token, &path, r#"{"campaign_name":"not yours"}"#)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn v_skill(app: &TestApp) -> String {
    let (_, v) = app
        .get(
            &app.a.token,
            &format!(
                "/api/v2/information.php?api=campaigns&campaign={}",
                app.a.predictive
            ),
        )
        .await;
    v["data"][0]["skill_id"].as_str().unwrap().to_owned()
}

both!(campaign_filter_limits_what_the_dialer_takes);
async fn campaign_filter_limits_what_the_dialer_takes() {
    let app = spawn_app().await;
    let (t, c) = (&app.a.token, app.a.predictive);
    app.store
        .insert_records(
            c,
            &[
                record("3001", "Eva", "Sol", &["573110000001"], &["50000"]),
                record("3002", "Iván", "Mar", &["573110000002"], &["300000"]),
                record("3003", "Olga", "Luz", &["573110000003"], &["sin saldo"]),
            ],
            now(),
        )
        .await
        .unwrap();
    let path = put_path("campaign_filter", c);
    let body = json!({"filter_active": "yes", "connector": "and",
        "filters": [{"field": "opt1", "operator": ">", "value": "200000"},
                    {"field": "result", "operator": "is", "value": "null"}]});
    let (s, v) = app.put(t, &path, &body.to_string()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"code": 200, "error": null, "msg": "Campaign filter successfully updated",
               "data": {"total_records": "6", "pending_records": "1",
                        "applied_filter": "opt1 > '200000' AND result is empty"}})
    );
    // Only 3002 is dialed: 1003 and 3003 (no number in opt1) and 3001 (less) are not.
    let picked = app.store.claim_records(c, 10, at(0)).await.unwrap();
    assert_eq!(
        picked
            .iter()
            .map(|k| k.customer_id.as_str())
            .collect::<Vec<_>>(),
        ["3002"]
    );
    // OR, text and LIKE; then off: every record left is dialable again.
    let body = json!({"filter_active": "yes", "connector": "or",
        "filters": [{"field": "customer_name", "operator": "like", "value": "o%"},
                    {"field": "opt1", "operator": "=", "value": "50000"}]});
    let (_, v) = app.put(t, &path, &body.to_string()).await;
    assert_eq!(v["data"]["pending_records"], "2", "{v}");
    let (_, v) = app.put(t, &path, r#"{"filter_active":"no"}"#).await;
    assert_eq!(v["data"]["pending_records"], "3", "{v}");
    assert_eq!(v["data"]["applied_filter"], "");
    // Bad filters are refused and leave the campaign as it was.
    for body in [
        json!({"filter_active": "yes", "filters": [{"field": "salary", "operator": "=", "value": "1"}]}),
        json!({"filter_active": "yes", "filters": [{"field": "city", "operator": "~", "value": "1"}]}),
        json!({"filter_active": "yes", "filters": [{"field": "result", "operator": "=", "value": "SOLD"}]}),
        json!({"filter_active": "yes", "filters": []}),
        json!({"filters": [{"field": "city", "operator": "=", "value": "Cali"}]}),
        json!({"filter_active": "yes", "connector": "xor", "filters": [{"field": "city", "operator": "=", "value": "Cali"}]}),
    ] {
        let (s, v) = app.put(t, &path, &body.to_string()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} → {v}");
    }
    let picked = app.store.claim_records(c, 10, at(0)).await.unwrap();
    assert_eq!(picked.len(), 3);
}

both!(delete_campaign_takes_stopped_campaigns_all_or_none);
async fn delete_campaign_takes_stopped_campaigns_all_or_none() {
    let app = spawn_app().await;
    let (t, c) = (&app.a.token, app.a.predictive);
    let path = format!(
        "/api/v2/campaign.php?api=delete_campaign&type_campaign=predictive&campaign_id={c}"
    );
    // Started: refused.
    let (s, v) = app.delete(t, &path, "").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("IS STARTED"), "{v}");
    // Several at once, one of them unknown: none is deleted.
    let body = json!({"campaign_ids": [app.a.preview.to_string(), "999999"]});
    let (s, _) = app
        .delete(
            t,
            "/api/v2/campaign.php?api=delete_campaign",
            &body.to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A call in progress: refused until it ends.
    let picked = app
        .store
        .claim_records(app.a.preview, 1, at(0))
        .await
        .unwrap();
    assert_eq!(picked.len(), 1);
    let body = json!({"campaign_ids": [app.a.preview.to_string()]});
    let (s, v) = app
        .delete(
            t,
            "/api/v2/campaign.php?api=delete_campaign",
            &body.to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["msg"].as_str().unwrap().contains("CALLS IN PROGRESS"),
        "{v}"
    );

    app.put(
        t,
        &format!("/api/v2/campaign.php?api=stop&campaign_id={c}"),
        "",
    )
    .await;
    let (s, v) = app.delete(t, &path, "").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::OK,
            json!({"code": 200, "error": null, "msg": "1 campaigns deleted successfully. 0 operations failed."})
        )
    );
    // Gone from the campaigns and their reports; its calls stay in the call reports.
    let rt = app.campaigns(t).await;
    assert_eq!(rt.as_array().unwrap().len(), 1, "{rt}");
    let (s, _) = app
        .get(
            t,
            &format!(
                "/api/v2/reports_manager.php?api=campaign_3&campaign_id={c}&date_ini={}&date_end={}",
                wire(-86_400),
                wire(0)
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .get(
            t,
            &format!(
                "/api/v2/reports_manager.php?api=cdr_1&date_ini={}&date_end={}",
                wire(-86_400),
                wire(0)
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["conn_id"] == "12001.0001.2.2")
    );
    let (s, _) = app.delete(t, &path, "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(an_agent_schedules_changes_and_cancels_a_recall);
/// Agent 1001 schedules a manual recall of 1002 through agentbox, moves it,
/// and cancels it; real_time recall follows each step.
async fn an_agent_schedules_changes_and_cancels_a_recall() {
    use marcador_server::domain::AgentPhase;
    use marcador_server::store::{AgentFact, Fact};
    let app = spawn_app().await;
    let (t, c) = (&app.a.token, app.a.predictive);
    let skill = app
        .store
        .skill_id(app.a.id, "Cobranza")
        .await
        .unwrap()
        .unwrap();
    let agent = app
        .store
        .put_agent(app.a.id, "1001", "Ana Gómez", &[skill], None)
        .await
        .unwrap();
    let agentbox = |method: reqwest::Method, query: String| {
        let app = &app;
        async move {
            app.request(
                method,
                t,
                &format!("/api/v2/agentbox.php?agent_id=1001&{query}"),
                "",
            )
            .await
        }
    };
    let recalls = |ty: &'static str| {
        let app = &app;
        async move {
            app.get(t, &format!("/api/v2/real_time.php?api=recall&type={ty}"))
                .await
        }
    };
    let (s, v) = agentbox(
        reqwest::Method::POST,
        format!(
            "api=recall&id_camp={c}&id_customer=1002&telefono=573007778899&rellamada={}&recall_style=manual&name_recall=Luis",
            wire(3_600)
        ),
    )
    .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::OK,
            json!({"code": "200", "error": null, "msg": "Recall has been successful"})
        )
    );
    let (_, v) = recalls("manual").await;
    assert_eq!(
        v["data"],
        json!([{"type_recall": "manual", "date_recall": "2026-11-22 11:00:00",
                "phone_number": "573007778899", "id_campaing": c.to_string(), "id_agent": "1001"}])
    );
    let (s, _) = recalls("auto").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = recalls("later").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Changing or cancelling needs the agent logged in.
    let edit = format!(
        "api=edit_recall&id_camp={c}&id_customer=1002&telephone=573007778899&recall={}&recall_style=manual",
        wire(7_200)
    );
    let (s, v) = agentbox(reqwest::Method::PUT, edit.clone()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    app.store
        .record_facts(&[Fact::Agent(AgentFact {
            operation_id: app.a.id,
            agent_id: agent,
            phase: AgentPhase::Ready,
            since_ms: at(0) * 1000,
            login_ms: at(0) * 1000,
            ..AgentFact::default()
        })])
        .await
        .unwrap();
    let (s, v) = agentbox(reqwest::Method::PUT, edit).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = recalls("all").await;
    assert_eq!(v["data"][0]["date_recall"], "2026-11-22 12:00:00");
    let delete = format!("api=delete_recall&id_camp={c}&id_customer=1002&telephone=573007778899");
    let (s, v) = agentbox(reqwest::Method::DELETE, delete.clone()).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::OK,
            json!({"code": "200", "error": null, "msg": "Recall has been deleted successfully"})
        )
    );
    let (s, _) = recalls("all").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Nothing left to cancel or change; mistakes are named.
    let (s, v) = agentbox(reqwest::Method::DELETE, delete).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("NO RECALL"), "{v}");
    let (s, _) = agentbox(
        reqwest::Method::POST,
        format!(
            "api=recall&id_camp={c}&id_customer=1002&rellamada={}&recall_style=soon",
            wire(60)
        ),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = agentbox(
        reqwest::Method::POST,
        format!("api=recall&id_camp={c}&rellamada={}", wire(60)),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .post(
            t,
            &format!(
                "/api/v2/agentbox.php?agent_id=9999&api=recall&id_camp={c}&id_customer=1002&rellamada={}",
                wire(60)
            ),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
