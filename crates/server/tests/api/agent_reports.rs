//! reports_manager.php's agent reports over one agent's morning, written as
//! the engine writes it: logged in 08:00–09:30, ready, an outbound call of
//! the predictive campaign (typed 001, a hit and a right-party contact), its
//! after-call work, a lunch pause, an inbound call, its after-call work,
//! ready again; the customer held twice and the agent muted once.

use marcador_server::domain::{AgentPhase, CallAction};
use marcador_server::store::{
    AgentInterval, AgentSession, CallActionFact, CallCodeFact, CallFact, Fact,
};
use marcador_wire::{CallResult, HangUp, TypeInteraction};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn report(api: &str) -> String {
    format!(
        "/api/v2/reports_manager.php?api={api}&date_ini={}&date_end={}",
        wire(-86_400),
        wire(0)
    )
}

const OUT: &str = "12001.0001.50.1";
const IN: &str = "12001.0002.50.2";

/// 08:00 is -7200 s from the fixture's 10:00.
async fn a_morning(app: &TestApp) {
    let (op, campaign) = (app.a.id, app.a.predictive);
    let skill = app.store.skill_id(op, "Cobranza").await.unwrap().unwrap();
    let agent = app
        .store
        .put_agent(op, "5001", "Diana Ruiz", &[skill], None)
        .await
        .unwrap();
    app.store.put_pause(op, "ALM", "Almuerzo").await.unwrap();
    let ms = |offset: i64| at(offset) * 1000;
    let state = |phase, pause: &str, from: i64, secs: i64, conn: &str, campaign| {
        Fact::AgentInterval(AgentInterval {
            operation_id: op,
            agent_id: agent,
            phase,
            pause: pause.into(),
            started_ms: ms(from),
            ms: secs * 1000,
            conn_id: conn.into(),
            campaign_id: campaign,
        })
    };
    let call = |conn: &str, offset, ti, tel: &str, campaign| {
        Fact::Call(CallFact {
            operation_id: op,
            started_at: at(offset),
            type_interaction: ti,
            result: CallResult::Answer,
            telephone: tel.into(),
            customer_id: String::new(),
            conn_id: conn.into(),
            campaign_id: campaign,
            rp_id: None,
            duration: 300,
            agent_id: Some(agent),
            skill_id: Some(skill),
            ring_seconds: 0,
            hang_up: HangUp::Customer,
            wait_seconds: Some(0),
        })
    };
    let action = |conn: &str, action, from: i64, secs: i64| {
        Fact::CallAction(CallActionFact {
            operation_id: op,
            agent_id: agent,
            conn_id: conn.into(),
            action,
            started_ms: ms(from),
            ms: secs * 1000,
        })
    };
    let c = Some(campaign);
    app.store
        .record_facts(&[
            state(AgentPhase::Ready, "", -7_200, 600, "", None),
            call(OUT, -6_600, TypeInteraction::OutPre, "573001112233", c),
            state(AgentPhase::TalkOut, "", -6_600, 300, OUT, c),
            state(AgentPhase::Acw, "", -6_300, 60, OUT, c),
            Fact::CallCode(CallCodeFact {
                operation_id: op,
                conn_id: OUT.into(),
                agent_id: Some(agent),
                cod_act: "001".into(),
                cod_act_2: String::new(),
                comments: String::new(),
                typed_at: at(-6_240),
            }),
            state(AgentPhase::Pause, "ALM", -6_240, 2_640, "", c),
            call(IN, -3_600, TypeInteraction::Inbound, "576011234567", None),
            state(AgentPhase::TalkIn, "", -3_600, 300, IN, None),
            state(AgentPhase::Acw, "", -3_300, 60, IN, None),
            state(AgentPhase::Ready, "", -3_240, 1_440, "", None),
            action(OUT, CallAction::Hold, -6_500, 45),
            action(OUT, CallAction::Mute, -6_450, 8),
            action(IN, CallAction::Hold, -3_500, 20),
            Fact::AgentSession(AgentSession {
                operation_id: op,
                agent_id: agent,
                login_ms: ms(-7_200),
                logout_ms: ms(-1_800),
            }),
        ])
        .await
        .unwrap();
}

fn stats(v: &Value) -> Value {
    let keys = [
        "calls",
        "inbound",
        "outbound",
        "internal",
        "ready_time",
        "inbound_time",
        "outbound_time",
        "acw_time",
        "ring_time",
        "login_time",
        "aht",
        "occupancy",
        "aux_time",
    ];
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), v[*k].clone()))
            .collect(),
    )
}

fn block(calls: [&str; 4], times: [&str; 9]) -> Value {
    json!({
        "calls": calls[0], "inbound": calls[1], "outbound": calls[2], "internal": calls[3],
        "ready_time": times[0], "inbound_time": times[1], "outbound_time": times[2],
        "acw_time": times[3], "ring_time": times[4], "login_time": times[5], "aht": times[6],
        "occupancy": times[7], "aux_time": times[8]
    })
}

both!(time_by_state_per_agent_campaign_and_pause);
async fn time_by_state_per_agent_campaign_and_pause() {
    let app = spawn_app().await;
    a_morning(&app).await;
    let t = &app.a.token;
    let (s, v) = app.get(t, &report("agent_1")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = &v["data"][0];
    assert_eq!(v["msg"], "1 records were found");
    assert_eq!(
        stats(row),
        block(
            ["2", "1", "1", "0"],
            [
                "00:34:00", "00:05:00", "00:05:00", "00:02:00", "00:00:00", "01:30:00", "00:06:00",
                "00:12:00", "00:44:00"
            ]
        )
    );
    for (k, want) in [
        ("agent_id", "5001"),
        ("agent_name", "Diana Ruiz"),
        ("agent_dni", ""),
        ("hits", "1"),
        ("rpc", "1"),
        ("aht_outbund", "00:06:00"),
        ("aht_inbound", "00:06:00"),
        ("login", "2026-11-22 08:00:00"),
        ("logout", "2026-11-22 09:30:00"),
    ] {
        assert_eq!(row[k], want, "{k}");
    }
    let (_, v) = app.get(t, &report("agent_3")).await;
    assert_eq!(
        v["data"],
        json!([{"agent_id": "5001", "agent_dni": "", "agent_name": "Diana Ruiz",
                "aux_state": "Almuerzo", "time": "00:44:00"}])
    );
    // Per campaign: the outbound call, its after-call work and the pause that followed it.
    let (_, v) = app.get(t, &report("agent_4")).await;
    assert_eq!(v["msg"], "1 records were found");
    assert_eq!(v["data"][0]["campaign_id"], app.a.predictive.to_string());
    assert_eq!(
        stats(&v["data"][0]),
        block(
            ["1", "0", "1", "0"],
            [
                "00:00:00", "00:00:00", "00:05:00", "00:01:00", "00:00:00", "00:50:00", "00:06:00",
                "00:06:00", "00:44:00"
            ]
        )
    );
    let (_, v) = app.get(t, &report("agent_11")).await;
    assert_eq!(v["data"][0]["skill_name"], "Cobranza");
    assert_eq!(v["data"][0]["agents"][0]["agent_id"], "5001");
    assert_eq!(v["data"][0]["agents"][0]["aht_outbound"], "00:06:00");
    // Another operation's agents are not there.
    let (s, v) = app.get(&app.b.token, &report("agent_1")).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(time_by_hour_and_half_hour);
async fn time_by_hour_and_half_hour() {
    let app = spawn_app().await;
    a_morning(&app).await;
    let t = &app.a.token;
    let eight = block(
        ["1", "0", "1", "0"],
        [
            "00:10:00", "00:00:00", "00:05:00", "00:01:00", "00:00:00", "01:00:00", "00:06:00",
            "00:06:00", "00:44:00",
        ],
    );
    let nine = block(
        ["1", "1", "0", "0"],
        [
            "00:24:00", "00:05:00", "00:00:00", "00:01:00", "00:00:00", "00:30:00", "00:06:00",
            "00:06:00", "00:00:00",
        ],
    );
    let (_, v) = app.get(t, &report("agent_5")).await;
    let hours = v["data"][0]["status_x_hour"].as_array().unwrap().clone();
    assert_eq!(v["data"][0]["agent_id"], "5001");
    assert_eq!(
        hours.iter().map(|h| h["hour"].clone()).collect::<Vec<_>>(),
        ["08:00", "09:00"]
    );
    assert_eq!(
        (stats(&hours[0]), stats(&hours[1])),
        (eight.clone(), nine.clone())
    );
    let (_, v) = app.get(t, &report("agent_6")).await;
    assert_eq!(stats(&v["data"][0]), eight);
    let (_, v) = app.get(t, &report("agent_8")).await;
    assert_eq!(v["data"][1]["date"], "2026-11-22");
    assert_eq!(v["data"][1]["hour"], "09:00");
    assert_eq!(stats(&v["data"][1]), nine);
    let (_, v) = app.get(t, &report("agent_8_1")).await;
    let halves: Vec<(Value, Value)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["hour"].clone(), r["aux_time"].clone()))
        .collect();
    assert_eq!(
        halves,
        [
            (json!("08:00"), json!("00:14:00")),
            (json!("08:30"), json!("00:30:00")),
            (json!("09:00"), json!("00:00:00"))
        ]
    );
    let (_, text) = app.get_text(t, &report("agent_8_1")).await;
    assert_eq!(
        first_row_keys(&text).unwrap()[..5],
        ["agent_name", "agent_id", "agent_dni", "date", "hour"]
    );
}

both!(sessions_and_each_state);
async fn sessions_and_each_state() {
    let app = spawn_app().await;
    a_morning(&app).await;
    let t = &app.a.token;
    let (_, v) = app.get(t, &report("agent_7")).await;
    assert_eq!(
        v["data"],
        json!([{"agent_name": "Diana Ruiz", "agent_id": "5001", "date": "2026-11-22",
                "login": "2026-11-22 08:00:00", "logout": "2026-11-22 09:30:00",
                "login_time": "01:30:00"}])
    );
    let (s, v) = app
        .get(t, &format!("{}&agent_id=5001", report("agent_2")))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let states: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["agent_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["READY", "TALK", "ACW", "Almuerzo", "TALK", "ACW", "READY"]
    );
    assert_eq!(
        v["data"][1],
        json!({"agent_id": "5001", "agent_status": "TALK", "time": "00:05:00",
               "date_ini": "2026-11-22 08:10:00", "date_end": "2026-11-22 08:15:00",
               "conn_id": OUT, "type_interaction": "out_pre", "destiny": "CELULAR",
               "telephone": "573001112233", "campaign_id": app.a.predictive.to_string()})
    );
    assert_eq!(v["data"][4]["destiny"], "ENTRANTE");
    let (s, _) = app
        .get(t, &format!("{}&agent_id=9999", report("agent_2")))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app.get(t, &report("agent_2")).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::BAD_REQUEST,
            error(400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED")
        )
    );
    let (_, v) = app.get(t, &report("agent_14")).await;
    let states: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["agent_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["Ready", "talk", "ACW", "Almuerzo", "talk", "ACW", "Ready"]
    );
    assert_eq!(v["data"][0]["agent_name"], "Diana Ruiz");
    assert_eq!(v["data"][4]["destinity"], "ENTRANTE");
}

both!(holds_and_mutes_per_agent_and_one_by_one);
async fn holds_and_mutes_per_agent_and_one_by_one() {
    let app = spawn_app().await;
    a_morning(&app).await;
    let t = &app.a.token;
    let (s, v) = app.get(t, &report("agent_9")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([{"agent_name": "Diana Ruiz", "count": "3", "hold_time": "00:01:05",
                "mute_time": "00:00:08", "total_time": "00:01:13"}])
    );
    let skill = app
        .store
        .skill_id(app.a.id, "Cobranza")
        .await
        .unwrap()
        .unwrap()
        .to_string();
    let (s, v) = app.get(t, &report("agent_10")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = |action: &str, conn: &str, ti: &str, secs: &str, date: &str, tel: &str| {
        json!({"agent_name": "Diana Ruiz", "agent_id": "5001", "type_action": action,
               "conn_id": conn, "type_interaction": ti, "time": secs, "skill_id": skill,
               "date": date, "telephone": tel, "customer_id": ""})
    };
    assert_eq!(
        v["data"],
        json!([
            row(
                "hold",
                OUT,
                "out_pre",
                "00:00:45",
                "2026-11-22 08:11:40",
                "573001112233"
            ),
            row(
                "mute",
                OUT,
                "out_pre",
                "00:00:08",
                "2026-11-22 08:12:30",
                "573001112233"
            ),
            row(
                "hold",
                IN,
                "inbound",
                "00:00:20",
                "2026-11-22 09:01:40",
                "576011234567"
            ),
        ])
    );
    // Nothing held in the range: the no-data answer.
    let (s, v) = app
        .get(
            t,
            &format!(
                "/api/v2/reports_manager.php?api=agent_9&date_ini={}&date_end={}",
                wire(-600),
                wire(0)
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}

both!(preview_time_per_call_and_per_agent);
/// Agent 5002 is ready a minute, looks at a preview record 34 s, dials it
/// (8 s of ring, 3 s of talk) and wraps it up in 41 s.
async fn preview_time_per_call_and_per_agent() {
    let app = spawn_app().await;
    let (op, campaign) = (app.a.id, app.a.preview);
    let skill = app.store.skill_id(op, "Cobranza").await.unwrap().unwrap();
    let agent = app
        .store
        .put_agent(op, "5002", "Pilar Soto", &[skill], None)
        .await
        .unwrap();
    let state = |phase, from: i64, secs: i64, conn: &str| {
        Fact::AgentInterval(AgentInterval {
            operation_id: op,
            agent_id: agent,
            phase,
            pause: String::new(),
            started_ms: at(from) * 1000,
            ms: secs * 1000,
            conn_id: conn.into(),
            campaign_id: Some(campaign),
        })
    };
    app.store
        .record_facts(&[
            state(AgentPhase::Ready, -7_200, 60, ""),
            state(AgentPhase::Preview, -7_140, 34, "P1"),
            state(AgentPhase::TalkOut, -7_106, 11, "P1"),
            state(AgentPhase::Acw, -7_095, 41, "P1"),
            Fact::Call(CallFact {
                operation_id: op,
                started_at: at(-7_106),
                type_interaction: TypeInteraction::OutboundMa,
                result: CallResult::Answer,
                telephone: "573001234567".into(),
                customer_id: "2001".into(),
                conn_id: "P1".into(),
                campaign_id: Some(campaign),
                rp_id: None,
                duration: 11,
                agent_id: Some(agent),
                skill_id: Some(skill),
                ring_seconds: 8,
                hang_up: HangUp::Agent,
                wait_seconds: None,
            }),
        ])
        .await
        .unwrap();
    let t = &app.a.token;
    let (s, v) = app.get(t, &report("agent_15")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([{"id_call": "P1", "id_agent": "5002", "agent_name": "Pilar Soto",
                "type_call": "outbound_ma", "date_preview": "2026-11-22 08:01:00",
                "time_preview": "00:00:34", "ready": "00:01:00", "talk": "00:00:03",
                "not_ready_acw": "00:00:41", "auxiliary_times": "00:00:00", "ring": "00:00:08",
                "total_duration": "00:01:52", "preview_percent": "30.36 %"}])
    );
    let (_, v) = app.get(t, &report("agent_16")).await;
    assert_eq!(
        v["data"],
        json!([{"id_agent": "5002", "agent_name": "Pilar Soto", "calls": "1",
                "time_preview": "00:00:34", "ready": "00:01:00", "talk": "00:00:03",
                "not_ready_acw": "00:00:41", "auxiliary_times": "00:00:00", "ring": "00:00:08",
                "total_duration": "00:01:52", "preview_percent": "30.36 %"}])
    );
}
