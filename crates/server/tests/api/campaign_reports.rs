//! reports_manager.php's campaign_5 (preview calls), campaign_6/campaign_7
//! (answering-machine detection), campaign_8 (machine codes per telephone)
//! and campaign_10 (machine codes of Turbo Dial campaigns), over the acme
//! fixture plus a detected machine, a detected person and a preview call.

use marcador_server::store::{
    AgentCodify, AttemptFact, CallFact, CampaignEdit, CodifyInput, EngineTick, Fact, TypedCall,
};
use marcador_wire::{AmdResult, CallResult, CampaignType, HangUp, TypeInteraction};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn report(api: &str, campaign: &str) -> String {
    format!(
        "/api/v2/reports_manager.php?api={api}&campaign_id={campaign}&date_ini={}&date_end={}",
        wire(-86_400),
        wire(0)
    )
}

/// 1003 answered by a machine at -600 s and 1002 by a person at -500 s, both
/// detected; agent 3001 calls preview customer 2001 at -400 s (125 s, it
/// hangs up) and types 001 (an RPC code) on the call.
async fn detections_and_a_preview_call(app: &TestApp) {
    let (op, c) = (app.a.id, app.a.predictive);
    let r = record_ids(&app.store, c).await;
    let detected = |record: i64, tel: &str, offset: i64, result, amd, conn: &str| {
        Fact::Attempt(AttemptFact {
            campaign_id: c,
            record_id: record,
            phone: 1,
            telephone: tel.into(),
            started_at: at(offset),
            result,
            raw_status: "ANSWER".into(),
            hangup_cause: Some(16),
            conn_id: conn.into(),
            amd: Some(amd),
        })
    };
    let skill = app.store.create_skill(op, "Preview").await.unwrap();
    let agent = app
        .store
        .put_agent(op, "3001", "Pablo Niño", &[skill], None)
        .await
        .unwrap();
    app.store
        .record_facts(&[
            detected(
                r[2],
                "573009990000",
                -600,
                CallResult::AnswerMachine,
                AmdResult::Machine,
                "12001.0001.7.7",
            ),
            detected(
                r[1],
                "573007778899",
                -500,
                CallResult::Answer,
                AmdResult::Human,
                "12001.0001.8.8",
            ),
            Fact::Call(CallFact {
                operation_id: op,
                started_at: at(-400),
                type_interaction: TypeInteraction::OutboundMa,
                result: CallResult::Answer,
                telephone: "573001234567".into(),
                customer_id: "2001".into(),
                conn_id: "12001.0002.9.9".into(),
                campaign_id: Some(app.a.preview),
                rp_id: None,
                duration: 125,
                agent_id: Some(agent),
                skill_id: Some(skill),
                ring_seconds: 6,
                hang_up: HangUp::Agent,
                wait_seconds: None,
            }),
        ])
        .await
        .unwrap();
    let typed = app
        .store
        .record_engine_tick(&EngineTick {
            codifies: &[AgentCodify {
                operation_id: op,
                campaign_id: app.a.preview,
                kind: CampaignType::Preview,
                input: CodifyInput {
                    customer_id: "2001".into(),
                    cod_act: "001".into(),
                    cod_act_2: String::new(),
                    comment: "Renueva en enero".into(),
                },
                at: now()
                    .checked_sub(jiff::SignedDuration::from_secs(200))
                    .unwrap(),
                call: Some(TypedCall {
                    conn_id: "12001.0002.9.9".into(),
                    agent_id: agent,
                }),
            }],
            ..EngineTick::default()
        })
        .await
        .unwrap();
    assert_eq!(typed.codified, vec![Ok(())]);
}

both!(machine_detection_reports_count_what_detection_said);
async fn machine_detection_reports_count_what_detection_said() {
    let app = spawn_app().await;
    detections_and_a_preview_call(&app).await;
    let (t, c) = (&app.a.token, app.a.predictive.to_string());
    let (s, v) = app.get(t, &report("campaign_6", "all")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"], json!([{"campaign_id": c, "total_amd": "1"}]));
    let (s, v) = app.get(t, &report("campaign_7", &c)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"customer_id": "1003", "campaign_id": c, "file_name": "", "telephone": "573009990000",
             "result": "machine", "date": "2026-11-22 09:50:00"},
            {"customer_id": "1002", "campaign_id": c, "file_name": "", "telephone": "573007778899",
             "result": "human", "date": "2026-11-22 09:51:40"}
        ])
    );
    // Another campaign detected nothing.
    let (s, v) = app
        .get(t, &report("campaign_6", &app.a.preview.to_string()))
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(machine_codes_per_telephone_and_for_turbo_dial);
async fn machine_codes_per_telephone_and_for_turbo_dial() {
    let app = spawn_app().await;
    detections_and_a_preview_call(&app).await;
    let (t, c) = (&app.a.token, app.a.predictive.to_string());
    let (s, v) = app.get(t, &report("campaign_8", &c)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = |tel: &str, m: &str, na: &str, am: &str, b: &str| {
        json!({"telephone": tel, "total_machine_recognitions": m, "no_answer": na,
               "answer_machine": am, "busy": b, "congestion": "0", "failed": "0"})
    };
    assert_eq!(
        v["data"],
        json!([
            row("573001112233", "0", "1", "0", "0"),
            row("573004445566", "0", "0", "0", "0"),
            row("573007778899", "0", "0", "0", "1"),
            row("573009990000", "1", "0", "1", "0"),
        ])
    );
    // campaign_10 reports the campaigns that run Turbo Dial: none yet.
    let (s, v) = app.get(t, &report("campaign_10", "all")).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
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
    let (s, v) = app.get(t, &report("campaign_10", "all")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"machinecode": "answer", "cantidad": "2"},
            {"machinecode": "answer machine", "cantidad": "1"},
            {"machinecode": "busy", "cantidad": "1"},
            {"machinecode": "no answer", "cantidad": "1"}
        ])
    );
}

both!(campaign_5_lists_preview_calls_with_their_records);
async fn campaign_5_lists_preview_calls_with_their_records() {
    let app = spawn_app().await;
    detections_and_a_preview_call(&app).await;
    let (t, p) = (&app.a.token, app.a.preview.to_string());
    let path = report("campaign_5", &p);
    let (s, v) = app.get(t, &path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([{
            "type_of_row": "preview", "campaign_id": p, "customer_name": "Marta",
            "customer_last_name": "Ruiz", "result": "rpc", "last_code_act": "001",
            "comments_customer_reg": "Renueva en enero", "customer_id": "2001", "agent_id": "3001",
            "conn_id": "12001.0002.9.9", "telephone": "573001234567", "hang_up": "agent",
            "type_interaction": "outbound_ma", "call_result": "answer",
            "date": "2026-11-22 09:53:20", "time": "00:02:05", "cod_act": "001",
            "comments": "Renueva en enero"
        }])
    );
    let (_, text) = app.get_text(t, &path).await;
    assert_eq!(
        first_row_keys(&text).unwrap(),
        [
            "type_of_row",
            "campaign_id",
            "customer_name",
            "customer_last_name",
            "result",
            "last_code_act",
            "comments_customer_reg",
            "customer_id",
            "agent_id",
            "conn_id",
            "telephone",
            "hang_up",
            "type_interaction",
            "call_result",
            "date",
            "time",
            "cod_act",
            "comments"
        ]
    );
    // The predictive campaign has no preview calls; `all` finds this one.
    let (s, _) = app
        .get(t, &report("campaign_5", &app.a.predictive.to_string()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = app.get(t, &report("campaign_5", "all")).await;
    assert_eq!(v["msg"], "1 records were found");
}
