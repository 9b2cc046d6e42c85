//! reports_manager.php's call reports: cdr_1/2/4/5/6 (each call, who took it,
//! how it ended) and act_1…act_5 (the codes typed on calls), over the acme
//! fixture plus one agent's calls written here.

use marcador_server::config::Limits;
use marcador_server::store::{
    AgentCodify, CallCodeFact, CallFact, CodifyInput, EngineTick, Fact, TypedCall,
};
use marcador_wire::calls::TIMEOUT_ACW;
use marcador_wire::{CallResult, CampaignType, HangUp, TypeInteraction};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn report(api: &str, extra: &str, ini: i64, end: i64) -> String {
    format!(
        "/api/v2/reports_manager.php?api={api}{extra}&date_ini={}&date_end={}",
        wire(ini),
        wire(end)
    )
}

/// Agent 2001 (skill "Calidad") takes two calls of the predictive campaign:
/// one at -120 s (125 s long, it hangs up, typed 001 + A01 at -60 s) and one
/// at -90 s (40 s, untyped until its after-call work times out at -20 s).
async fn agent_calls(app: &TestApp) -> i64 {
    let op = app.a.id;
    let skill = app.store.create_skill(op, "Calidad").await.unwrap();
    let agent = app
        .store
        .put_agent(op, "2001", "Carla Ríos", &[skill], None)
        .await
        .unwrap();
    let call = |offset: i64, duration: i64, customer: &str, conn: &str, hang_up| {
        Fact::Call(CallFact {
            operation_id: op,
            started_at: at(offset),
            type_interaction: TypeInteraction::OutPre,
            result: CallResult::Answer,
            telephone: "573007778899".into(),
            customer_id: customer.into(),
            conn_id: conn.into(),
            campaign_id: Some(app.a.predictive),
            rp_id: None,
            duration,
            agent_id: Some(agent),
            skill_id: Some(skill),
            ring_seconds: 7,
            hang_up,
            wait_seconds: None,
        })
    };
    app.store
        .record_facts(&[
            call(-120, 125, "1002", "12001.0001.9.9", HangUp::Agent),
            call(-90, 40, "1003", "12001.0001.9.10", HangUp::Customer),
            Fact::CallCode(CallCodeFact {
                operation_id: op,
                conn_id: "12001.0001.9.10".into(),
                agent_id: Some(agent),
                cod_act: TIMEOUT_ACW.into(),
                cod_act_2: String::new(),
                comments: String::new(),
                typed_at: at(-20),
            }),
        ])
        .await
        .unwrap();
    let typed = app
        .store
        .record_engine_tick(&EngineTick {
            codifies: &[AgentCodify {
                operation_id: op,
                campaign_id: app.a.predictive,
                kind: CampaignType::Predictive,
                input: CodifyInput {
                    customer_id: "1002".into(),
                    cod_act: "001".into(),
                    cod_act_2: "A01".into(),
                    comment: "Pagará el viernes".into(),
                },
                at: now()
                    .checked_sub(jiff::SignedDuration::from_secs(60))
                    .unwrap(),
                call: Some(TypedCall {
                    conn_id: "12001.0001.9.9".into(),
                    agent_id: agent,
                }),
            }],
            ..EngineTick::default()
        })
        .await
        .unwrap();
    assert_eq!(typed.codified, vec![Ok(())]);
    skill
}

both!(cdr_1_lists_every_call_with_its_agent_and_codes);
async fn cdr_1_lists_every_call_with_its_agent_and_codes() {
    let app = spawn_app().await;
    let skill = agent_calls(&app).await.to_string();
    let campaign = app.a.predictive.to_string();
    let (s, v) = app.get(&app.a.token, &report("cdr_1", "", -1000, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["msg"], "5 records were found");
    let conns: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conn_id"].as_str().unwrap())
        .collect();
    // In time order: the internal call, the inbound one, the agent's two, the busy one.
    assert_eq!(
        conns,
        [
            "12001.0002.5.5",
            "12001.0002.4.4",
            "12001.0001.9.9",
            "12001.0001.9.10",
            "12001.0001.3.3"
        ]
    );
    assert_eq!(
        v["data"][2],
        json!({
            "agent_name": "Carla Ríos", "date": "2026-11-22 09:58:00", "destiny": "CELULAR",
            "telephone": "573007778899", "cost": "0", "time_seg": "125", "time_min": "3",
            "cod_act": "001", "description_cod_act": "Venta", "cod_act_2": "A01",
            "description_cod_act_2": "Pago total", "type_interaction": "out_pre",
            "customer_id": "1002", "hang_up": "agent", "campaign_id": campaign,
            "conn_id": "12001.0001.9.9", "skill_id": skill, "skill_name": "Calidad",
            "agent_id": "2001", "comment": "Pagará el viernes"
        })
    );
    assert_eq!(v["data"][3]["cod_act"], TIMEOUT_ACW);
    assert_eq!(v["data"][3]["description_cod_act"], TIMEOUT_ACW);
    // A call nobody took: no agent, no codes.
    assert_eq!(v["data"][1]["destiny"], "ENTRANTE");
    assert_eq!(v["data"][1]["agent_id"], "");
    assert_eq!(v["data"][1]["cod_act"], "");
    assert_eq!(v["data"][0]["destiny"], "INTERNA");
}

both!(cdr_5_and_cdr_6_show_the_campaign_calls_that_reached_nobody);
async fn cdr_5_and_cdr_6_show_the_campaign_calls_that_reached_nobody() {
    let app = spawn_app().await;
    agent_calls(&app).await;
    // The fixture's calls name no campaign (their attempts do).
    let campaign = "";
    let (s, v) = app
        .get(&app.a.token, &report("cdr_5", "", -86_400, 0))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"agent_name": "", "date": "2026-11-22 08:00:00", "destiny": "CELULAR",
             "telephone": "573001112233", "ring_time": "0", "result": "No answer",
             "type_interaction": "out_pre", "customer_id": "1001", "campaign_id": campaign,
             "agent_id": "", "conn_id": "12001.0001.1.1"},
            {"agent_name": "", "date": "2026-11-22 09:59:30", "destiny": "CELULAR",
             "telephone": "573007778899", "ring_time": "0", "result": "Busy",
             "type_interaction": "out_pre", "customer_id": "1002", "campaign_id": campaign,
             "agent_id": "", "conn_id": "12001.0001.3.3"},
        ])
    );
    let (s, v) = app
        .get(&app.a.token, &report("cdr_6", "", -86_400, 0))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["data"],
        json!([{"result": "Busy", "count": "1"}, {"result": "No answer", "count": "1"}])
    );
    // Nothing unconnected in the last 20 s: the 404 envelope.
    let (s, v) = app.get(&app.a.token, &report("cdr_5", "", -20, 0)).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(cdr_2_and_cdr_4_count_calls_per_agent_and_by_duration);
async fn cdr_2_and_cdr_4_count_calls_per_agent_and_by_duration() {
    let app = spawn_app().await;
    agent_calls(&app).await;
    let (s, v) = app
        .get(&app.a.token, &report("cdr_2", "", -86_400, 0))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([{"calls": "2", "agent_name": "Carla Ríos", "cost": "0"}])
    );
    let (s, v) = app
        .get(&app.a.token, &report("cdr_4", "", -86_400, 0))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let band = |calls: &str, minutes: &str, pct: &str| json!({"calls": calls, "minutes": minutes, "cost": "0", "percentage": pct});
    // The fixture's five calls last 30 s each; the agent's 125 s and 40 s.
    assert_eq!(
        v,
        json!({"code": 200, "error": null, "msg": "1 records were found", "data": {
            "0_5_seg": band("0", "0", "0.00 %"),
            "6_20_seg": band("0", "0", "0.00 %"),
            "21_60_seg": band("6", "6", "85.71 %"),
            "61_120_seg": band("0", "0", "0.00 %"),
            "greater_than_121": band("1", "3", "14.29 %"),
        }})
    );
}

both!(act_reports_count_the_codes_typed_on_calls);
async fn act_reports_count_the_codes_typed_on_calls() {
    let app = spawn_app().await;
    let skill = agent_calls(&app).await.to_string();
    let get = |api: &str, group: &str| {
        let path = report(api, &format!("&cod_act={group}"), -86_400, 0);
        let app = &app;
        async move { app.get(&app.a.token, &path).await }
    };
    let (s, v) = get("act_1", "cod_act1").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"count": "1", "agent_name": "Carla Ríos", "agent_dni": "", "cod_act": "001", "description_cod_act": "Venta"},
            {"count": "1", "agent_name": "Carla Ríos", "agent_dni": "", "cod_act": TIMEOUT_ACW, "description_cod_act": TIMEOUT_ACW},
        ])
    );
    let (_, v) = get("act_2", "cod_act2").await;
    assert_eq!(
        v["data"],
        json!([{"count": "1", "skill_id": skill, "cod_act": "A01", "description_cod_act": "Pago total"}])
    );
    let (_, v) = get("act_5", "cod_act1").await;
    assert_eq!(
        v["data"],
        json!([
            {"count": "1", "cod_act": "001", "description_cod_act": "Venta"},
            {"count": "1", "cod_act": TIMEOUT_ACW, "description_cod_act": TIMEOUT_ACW},
        ])
    );
    let (s, v) = get("act_3", "cod_act2").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([{
            "conn_id": "12001.0001.9.9", "agent_id": "2001", "agent_name": "Carla Ríos",
            "agent_dni": "", "skill_id": skill, "date": "2026-11-22 09:59:00",
            "cod_act": "001", "description_cod_act": "Venta", "cod_act_2": "A01",
            "description_cod_act_2": "Pago total", "comments": "Pagará el viernes",
            "type_interaction": "out_pre", "telephone": "573007778899", "destiny": "CELULAR",
            "time": "00:02:05", "hang_up": "agent", "customer_id": "1002",
            "campaign_id": app.a.predictive.to_string()
        }])
    );
    let (_, v) = get("act_3", "cod_act1").await;
    assert_eq!(v["msg"], "2 records were found");
    // TIMEOUTACW is an untyped call.
    let (s, v) = app
        .get(&app.a.token, &report("act_4", "", -86_400, 0))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["data"],
        json!([{"uncode_calls": "1", "agent_id": "2001", "agent_name": "Carla Ríos"}])
    );
    // cod_act names a group; anything else is refused, naming the choices.
    let (s, v) = get("act_1", "001").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["msg"].as_str().unwrap().contains("COD_ACT1 OR COD_ACT2"),
        "{v}"
    );
    let (s, _) = app
        .get(&app.a.token, &report("act_5", "", -86_400, 0))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

both!(detail_call_reports_refuse_over_the_caps_before_the_first_byte);
async fn detail_call_reports_refuse_over_the_caps_before_the_first_byte() {
    let app = spawn_with(Limits {
        max_records_per_answer: 4,
        ..Limits::default()
    })
    .await;
    agent_calls(&app).await;
    let (s, v) = app.get(&app.a.token, &report("cdr_1", "", -1000, 0)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        v,
        error(
            413,
            "PAYLOAD TOO LARGE",
            "THE ANSWER HAS MORE THAN 4 RECORDS: NARROW THE DATE RANGE"
        )
    );
    // At the cap: answered whole.
    let (s, v) = app.get(&app.a.token, &report("cdr_1", "", -200, 0)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["msg"], "3 records were found");

    let small = spawn_with(Limits {
        max_answer_bytes: 1_000,
        ..Limits::default()
    })
    .await;
    agent_calls(&small).await;
    let (s, v): (StatusCode, Value) = small
        .get(&small.a.token, &report("cdr_1", "", -1000, 0))
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(v["msg"].as_str().unwrap().contains("1000 BYTES"), "{v}");
    // The refused reads gave their connections back: the store still answers.
    let (s, _) = small
        .get(&small.a.token, &report("cdr_2", "", -1000, 0))
        .await;
    assert_eq!(s, StatusCode::OK);
}
