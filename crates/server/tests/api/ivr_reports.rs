//! reports_manager.php's IVR reports past diagram_1_3, over the acme fixture
//! (four menu steps) plus two IVR calls: one that identifies, passes two
//! options, waits in the queue and talks with an agent, and one that hangs
//! up on PULSE; and the surveys its callers answered.

use marcador_server::store::{CallCodeFact, CallFact, Fact, IvrStepFact, SurveyFact};
use marcador_wire::{CallResult, HangUp, TypeInteraction};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn report(api: &str, ini: i64, end: i64) -> String {
    format!(
        "/api/v2/reports_manager.php?api={api}&date_ini={}&date_end={}",
        wire(ini),
        wire(end)
    )
}

const A: &str = "12001.0005.1.1";
const B: &str = "12001.0005.2.2";

/// A: arrives at -1000 s, options 1 (10 s) and 3 (20 s), queues 20 s, talks
/// 150 s with agent 4001 (typed 001). B: arrives at -500 s, PULSE (8 s), hangs up.
/// Returns the skill's id.
async fn ivr_calls(app: &TestApp) -> i64 {
    let (op, rp) = (app.a.id, app.a.rp);
    let skill = app.store.create_skill(op, "Servicio").await.unwrap();
    let agent = app
        .store
        .put_agent(op, "4001", "Lina Mejía", &[skill], None)
        .await
        .unwrap();
    app.store
        .put_activity_code(op, 1, "3", "Hablar con un asesor", false, false)
        .await
        .unwrap();
    let step = |conn: &str, option: &str, offset: i64, seconds: i64| {
        Fact::IvrStep(IvrStepFact {
            operation_id: op,
            rp_id: rp,
            conn_id: conn.into(),
            option: option.into(),
            entered_at: at(offset),
            seconds,
        })
    };
    let call = |conn: &str, offset, result, customer: &str, skill_id, agent_id, ring, duration| {
        Fact::Call(CallFact {
            operation_id: op,
            started_at: at(offset),
            type_interaction: TypeInteraction::Inbound,
            result,
            telephone: "573151112222".into(),
            customer_id: customer.into(),
            conn_id: conn.into(),
            campaign_id: None,
            rp_id: Some(rp),
            duration,
            agent_id,
            skill_id,
            ring_seconds: ring,
            hang_up: HangUp::Customer,
            wait_seconds: None,
        })
    };
    app.store
        .record_facts(&[
            step(A, "1", -1000, 10),
            step(A, "3", -990, 20),
            step(B, "PULSE", -500, 8),
            call(
                A,
                -1000,
                CallResult::Answer,
                "52000111",
                Some(skill),
                Some(agent),
                50,
                200,
            ),
            call(B, -500, CallResult::Abandon, "", None, None, 8, 8),
        ])
        .await
        .unwrap();
    // The agent types the call (a fact written as the agent API would).
    app.store
        .record_facts(&[Fact::CallCode(CallCodeFact {
            operation_id: op,
            conn_id: A.into(),
            agent_id: Some(agent),
            cod_act: "001".into(),
            cod_act_2: String::new(),
            comments: String::new(),
            typed_at: at(-790),
        })])
        .await
        .unwrap();
    skill
}

both!(diagram_1_and_11_follow_each_ivr_call);
async fn diagram_1_and_11_follow_each_ivr_call() {
    let app = spawn_app().await;
    let skill = ivr_calls(&app).await.to_string();
    let (t, rp) = (&app.a.token, app.a.rp.to_string());
    let (s, v) = app.get(t, &report("diagram_1", -2_000, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"rp_id": rp, "rp_name": "Principal", "cod_opc_menu": "3", "dn_transfer": skill,
             "date": "2026-11-22 09:43:50", "result": "ok", "ani": "573151112222",
             "time": "00:00:30", "customer_id": "52000111", "conn_id": A},
            {"rp_id": rp, "rp_name": "Principal", "cod_opc_menu": "PULSE", "dn_transfer": "",
             "date": "2026-11-22 09:51:48", "result": "hung up", "ani": "573151112222",
             "time": "00:00:08", "customer_id": "", "conn_id": B}
        ])
    );
    // One customer's IVR calls.
    let (_, v) = app
        .get(
            t,
            &format!("{}&customer_id=52000111", report("diagram_1", -2_000, 0)),
        )
        .await;
    assert_eq!(v["msg"], "1 records were found");
    let (s, v) = app.get(t, &report("diagram_11", -2_000, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"conn_id": A, "time_on_rp": "00:00:30", "end_date_rp": "2026-11-22 09:43:50",
             "rp_id": rp, "ani": "573151112222", "customer_id": "52000111",
             "time_on_skill": "00:00:20", "skill_id": skill, "skill_result": "answer",
             "go_to_agent": "yes", "agent_id": "4001", "agent_name": "Lina Mejía",
             "time_with_agent": "00:02:30", "cod_act": "001", "cod_act_2": "-",
             "type_interaction": "inbound", "total_time": "00:03:20"},
            {"conn_id": B, "time_on_rp": "00:00:08", "end_date_rp": "2026-11-22 09:51:48",
             "rp_id": rp, "ani": "573151112222", "customer_id": "-",
             "time_on_skill": "-", "skill_id": "-", "skill_result": "-",
             "go_to_agent": "no", "agent_id": "-", "agent_name": "-",
             "time_with_agent": "-", "cod_act": "-", "cod_act_2": "-",
             "type_interaction": "inbound", "total_time": "00:00:08"}
        ])
    );
    let (s, v) = app.get(t, &report("diagram_11", -100, 0)).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(diagram_4_5_and_6_list_and_average_the_surveys);
/// A rates its call 5, 4, 3 when its talk ends; a call whose row is not
/// written (yet) answers the first question only.
async fn diagram_4_5_and_6_list_and_average_the_surveys() {
    let app = spawn_app().await;
    let skill = ivr_calls(&app).await;
    let op = app.a.id;
    let agent = app.store.agents(op).await.unwrap()[0].id;
    let survey = |conn: &str, offset: i64, secs: i64, result, given: &[i64]| {
        let mut answers = [None; 10];
        for (a, g) in answers.iter_mut().zip(given) {
            *a = Some(*g);
        }
        Fact::Survey(SurveyFact {
            operation_id: op,
            conn_id: conn.into(),
            agent_id: Some(agent),
            skill_id: Some(skill),
            started_ms: at(offset) * 1000,
            ms: secs * 1000,
            result,
            answers,
        })
    };
    app.store
        .record_facts(&[
            survey(A, -800, 19, "complete", &[5, 4, 3]),
            survey("12001.0005.3.3", -300, 9, "incomplete", &[2]),
        ])
        .await
        .unwrap();
    let t = &app.a.token;
    let (s, v) = app.get(t, &report("diagram_4", -2_000, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let skill = skill.to_string();
    let row = |date: &str,
               conn: &str,
               ani: &str,
               customer: &str,
               q: [&str; 3],
               ti: &str,
               result: &str,
               time: &str| {
        json!({"agent_id": "4001", "agent_name": "Lina Mejía", "agent_dni": "",
               "skill_id": skill, "skill_name": "Servicio", "date": date, "conn_id": conn,
               "ani": ani, "customer_id": customer, "q01": q[0], "q02": q[1], "q03": q[2],
               "q04": "-", "q05": "-", "q06": "-", "q07": "-", "q08": "-", "q09": "-", "q10": "-",
               "voice_message_duration": "00:00:00", "type_interaction": ti, "result": result,
               "time": time, "voice_message": "", "feeling": ""})
    };
    assert_eq!(
        v["data"],
        json!([
            row(
                "2026-11-22 09:46:40",
                A,
                "573151112222",
                "52000111",
                ["5", "4", "3"],
                "inbound",
                "complete",
                "00:00:19"
            ),
            row(
                "2026-11-22 09:55:00",
                "12001.0005.3.3",
                "",
                "",
                ["2", "-", "-"],
                "",
                "incomplete",
                "00:00:09"
            ),
        ])
    );
    let averages = json!({"q01": "3.50", "q02": "4.00", "q03": "3.00", "q04": "-", "q05": "-",
                          "q06": "-", "q07": "-", "q08": "-", "q09": "-", "q10": "-"});
    let with = |mut head: serde_json::Value| {
        for (k, v) in averages.as_object().unwrap() {
            head[k] = v.clone();
        }
        head["average"] = json!("3.50");
        head
    };
    let (s, v) = app.get(t, &report("diagram_5", -2_000, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([with(
            json!({"agent_id": "4001", "agent_name": "Lina Mejía", "surveys": "2"})
        )])
    );
    let (_, text) = app.get_text(t, &report("diagram_5", -2_000, 0)).await;
    let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
    assert!(
        at("surveys") < at("q01") && at("q10") < at("average"),
        "{text}"
    );
    let (s, v) = app.get(t, &report("diagram_6", -2_000, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([with(
            json!({"skill_id": skill, "skill_name": "Servicio", "surveys": "2"})
        )])
    );
    let (s, v) = app.get(t, &report("diagram_5", -100, 0)).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(diagram_13_and_14_list_and_group_the_options_passed);
async fn diagram_13_and_14_list_and_group_the_options_passed() {
    let app = spawn_app().await;
    ivr_calls(&app).await;
    let (t, rp) = (&app.a.token, app.a.rp.to_string());
    let (s, v) = app.get(t, &report("diagram_13", -2_000, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = |conn: &str,
               customer: &str,
               attempt: &str,
               tel: &str,
               date: &str,
               second: &str,
               opt: &str| {
        json!({"rp_id": rp, "conn_id": conn, "customer_id": customer, "channel": "voice",
               "attempt": attempt, "telephone": tel, "date": date, "second_event": second,
               "cod_opc_menu": opt})
    };
    let fixture = format!("1.0001.{}.1", at(-10));
    assert_eq!(
        v["data"],
        json!([
            row(
                A,
                "52000111",
                "1",
                "573151112222",
                "2026-11-22 09:43:20",
                "0",
                "1"
            ),
            row(
                A,
                "52000111",
                "2",
                "573151112222",
                "2026-11-22 09:43:30",
                "10",
                "3"
            ),
            row(
                B,
                "",
                "1",
                "573151112222",
                "2026-11-22 09:51:40",
                "0",
                "PULSE"
            ),
            row(&fixture, "", "1", "", "2026-11-22 09:59:50", "0", "1"),
        ])
    );
    let (s, v) = app.get(t, &report("diagram_14", -86_400, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"cod_act": "1", "description_cod_act": "", "count": "3", "percent": "42.86 %"},
            {"cod_act": "2", "description_cod_act": "", "count": "1", "percent": "14.29 %"},
            {"cod_act": "3", "description_cod_act": "Hablar con un asesor", "count": "1", "percent": "14.29 %"},
            {"cod_act": "PULSE", "description_cod_act": "", "count": "2", "percent": "28.57 %"}
        ])
    );
}

both!(diagram_1_1_and_1_2_count_per_local_day_and_hour);
async fn diagram_1_1_and_1_2_count_per_local_day_and_hour() {
    let app = spawn_app().await;
    ivr_calls(&app).await;
    let t = &app.a.token;
    let (s, v) = app.get(t, &report("diagram_1_1", -86_400, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // 47 s of the fixture's steps, 30 s and 8 s of the two calls: 85 s.
    assert_eq!(
        v["data"],
        json!([{"day": "2026-11-22", "calls": "2", "ivr_minutes": "1.42"}])
    );
    let (s, v) = app.get(t, &report("diagram_1_2", -86_400, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"day": "2026-11-22 07:00:00", "calls": "0", "ivr_minutes": "0.50"},
            {"day": "2026-11-22 08:00:00", "calls": "0", "ivr_minutes": "0.08"},
            {"day": "2026-11-22 09:00:00", "calls": "2", "ivr_minutes": "0.83"}
        ])
    );
    // Another operation's IVR is not counted.
    let (_, v) = app
        .get(&app.b.token, &report("diagram_1_1", -86_400, 0))
        .await;
    assert_eq!(v["data"][0]["calls"], "0", "{v}");
}
