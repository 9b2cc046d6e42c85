//! reports_manager.php's skill reports and real_time skills over five
//! queued calls: on "Servicio", three answered (after 5, 25 and 1 s; one a
//! predictive call) and one abandoned after 60 s; on "Ventas", one abandoned
//! after 8 s.

use marcador_server::domain::AgentPhase;
use marcador_server::store::{AgentInterval, CallFact, Fact};
use marcador_wire::{CallResult, HangUp, TypeInteraction};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn report(api: &str, extra: &str) -> String {
    format!(
        "/api/v2/reports_manager.php?api={api}&skill_id=all&date_ini={}&date_end={}{extra}",
        wire(-86_400),
        wire(0)
    )
}

/// Returns the two skills' ids.
async fn queued_calls(app: &TestApp) -> (i64, i64) {
    let op = app.a.id;
    let servicio = app.store.create_skill(op, "Servicio").await.unwrap();
    let ventas = app.store.create_skill(op, "Ventas").await.unwrap();
    let agent = app
        .store
        .put_agent(op, "6001", "Raúl Vega", &[servicio], None)
        .await
        .unwrap();
    #[allow(clippy::too_many_arguments)]
    let call = |conn: &str, offset, ti, result, tel: &str, skill, wait, ring, duration| {
        Fact::Call(CallFact {
            operation_id: op,
            started_at: at(offset),
            type_interaction: ti,
            result,
            telephone: tel.into(),
            customer_id: String::new(),
            conn_id: conn.into(),
            campaign_id: None,
            rp_id: None,
            duration,
            agent_id: (result == CallResult::Answer).then_some(agent),
            skill_id: Some(skill),
            ring_seconds: ring,
            hang_up: HangUp::Customer,
            wait_seconds: Some(wait),
        })
    };
    let acw = |conn: &str, offset: i64, secs: i64| {
        Fact::AgentInterval(AgentInterval {
            operation_id: op,
            agent_id: agent,
            phase: AgentPhase::Acw,
            pause: String::new(),
            started_ms: at(offset) * 1000,
            ms: secs * 1000,
            conn_id: conn.into(),
            campaign_id: None,
        })
    };
    use CallResult::{Abandon, Answer};
    use TypeInteraction::{Inbound, OutPre};
    app.store
        .record_facts(&[
            call(
                "S.A", -3_000, Inbound, Answer, "573001", servicio, 5, 25, 145,
            ),
            acw("S.A", -2_855, 30),
            call(
                "S.B", -2_000, Inbound, Answer, "573002", servicio, 25, 45, 105,
            ),
            call(
                "S.C", -1_000, Inbound, Abandon, "573001", servicio, 60, 80, 80,
            ),
            call("S.D", -500, OutPre, Answer, "573009", servicio, 1, 10, 101),
            acw("S.D", -399, 20),
            call("V.E", -4_000, Inbound, Abandon, "573005", ventas, 8, 28, 28),
            // Not queued: not in the skill reports.
            call("X.F", -100, Inbound, Answer, "573006", servicio, 0, 0, 10),
            Fact::SkillQueue {
                operation_id: op,
                skill_id: servicio,
                in_queue: 2,
            },
        ])
        .await
        .unwrap();
    // F never queued: drop its wait (written above only to share the helper).
    let raw = raw_pool(&app.db).await;
    sqlx::query("UPDATE calls SET wait_seconds = NULL WHERE conn_id = 'X.F'")
        .execute(&raw)
        .await
        .unwrap();
    (servicio, ventas)
}

fn pick(v: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), v[*k].clone()))
            .collect(),
    )
}

both!(service_levels_per_skill_day_and_period);
async fn service_levels_per_skill_day_and_period() {
    let app = spawn_app().await;
    let (s, v_) = queued_calls(&app).await;
    let (servicio, ventas) = (s.to_string(), v_.to_string());
    let t = &app.a.token;
    let (st, v) = app.get(t, &report("skill_1", "&services_time=40")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([
            {"skill_name": "Servicio", "skill_id": servicio, "inbound_calls": "4", "answer_calls": "3",
             "abandon_calls": "1", "service_level_10seg": "50.00 %", "service_level_20seg": "50.00 %",
             "service_level_30seg": "75.00 %", "service_level_40seg": "75.00 %", "abandon": "25.00 %",
             "asa": "10", "ata": "60"},
            {"skill_name": "Ventas", "skill_id": ventas, "inbound_calls": "1", "answer_calls": "0",
             "abandon_calls": "1", "service_level_10seg": "0.00 %", "service_level_20seg": "0.00 %",
             "service_level_30seg": "0.00 %", "service_level_40seg": "0.00 %", "abandon": "100.00 %",
             "asa": "0", "ata": "8"}
        ])
    );
    // Without services_time, the example's fields only; one skill with skill_id.
    let (_, text) = app
        .get_text(
            t,
            &report("skill_1", "").replace("skill_id=all", &format!("skill_id={servicio}")),
        )
        .await;
    assert_eq!(
        first_row_keys(&text).unwrap(),
        [
            "skill_name",
            "skill_id",
            "inbound_calls",
            "answer_calls",
            "abandon_calls",
            "service_level_10seg",
            "service_level_20seg",
            "service_level_30seg",
            "abandon",
            "asa",
            "ata"
        ]
    );
    assert!(text.contains("\"msg\":\"1 records were found\""), "{text}");
    let (_, v) = app.get(t, &report("skill_3", "")).await;
    assert_eq!(
        pick(
            &v["data"][0],
            &["skill_name", "date", "inbound_calls", "wait_time", "aht"]
        ),
        json!({"skill_name": "Servicio", "date": "2026-11-22", "inbound_calls": "4",
               "wait_time": "00:01:31", "aht": "106"})
    );
    let (_, v) = app.get(t, &report("skill_4", "")).await;
    assert_eq!(
        pick(
            &v["data"][0],
            &["skill_id", "hour", "asa", "aht", "att", "acw"]
        ),
        json!({"skill_id": servicio, "hour": "2026-11-22 09:00:00", "asa": "10", "aht": "106",
               "att": "90", "acw": "16"})
    );
    let hours = |v: &Value| -> Vec<(String, String)> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["skill_id"] == servicio.as_str())
            .map(|r| {
                (
                    r["hour"].as_str().unwrap().to_owned(),
                    r["inbound_calls"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (_, v) = app.get(t, &report("skill_4_1", "")).await;
    assert_eq!(
        hours(&v),
        [
            ("2026-11-22 09:00:00".into(), "2".into()),
            ("2026-11-22 09:30:00".into(), "2".into())
        ]
    );
    let (_, v) = app.get(t, &report("skill_4_2", "")).await;
    assert_eq!(hours(&v).len(), 4);
    let (_, v) = app.get(t, &report("skill_5", "")).await;
    let row = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["skill_id"] == servicio.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        row,
        json!({"skill_id": servicio, "hour": "2026-11-22 09:00:00", "inbound_calls": "4",
               "inbound_calls_unique_customers": "3", "aht": "106", "agents_needed": "1"})
    );
    let (_, v) = app.get(t, &report("skill_7", "")).await;
    assert_eq!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| pick(r, &["date", "skill_id", "hour", "inbound_calls"]))
            .collect::<Vec<_>>(),
        [
            json!({"date": "2026-11-22", "skill_id": servicio, "hour": "09:00", "inbound_calls": "4"}),
            json!({"date": "2026-11-22", "skill_id": ventas, "hour": "08:00", "inbound_calls": "1"}),
        ]
    );
    let (_, v) = app.get(t, &report("skill_11", "")).await;
    assert_eq!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| pick(r, &["type_interaction", "inbound_calls", "answer_calls"]))
            .collect::<Vec<_>>(),
        [
            json!({"type_interaction": "inbound", "inbound_calls": "4", "answer_calls": "2"}),
            json!({"type_interaction": "out_pre", "inbound_calls": "1", "answer_calls": "1"}),
        ]
    );
    let (_, v) = app.get(t, &report("skill_6", "")).await;
    assert_eq!(v["data"][0]["dnis"], "573001");
    assert_eq!(v["data"][0]["inbound_calls"], "2");
    // Errors: an unknown skill, a bad services_time.
    let (st, _) = app
        .get(
            t,
            &report("skill_1", "").replace("skill_id=all", "skill_id=999"),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = app.get(t, &report("skill_1", "&services_time=soon")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

both!(calls_by_wait_band_and_one_by_one);
async fn calls_by_wait_band_and_one_by_one() {
    let app = spawn_app().await;
    let (s, v_) = queued_calls(&app).await;
    let (servicio, ventas) = (s.to_string(), v_.to_string());
    let t = &app.a.token;
    let (_, v) = app.get(t, &report("skill_8", "")).await;
    assert_eq!(
        v["data"],
        json!([{"skill_id": servicio, "skill_name": "Servicio", "answer_calls": "3",
                "answer_0seg_10seg": "2", "answer_11seg_20seg": "0", "answer_21seg_30seg": "1",
                "answer_31seg_40seg": "0", "answer_41seg_50seg": "0",
                "anwers_greater_than_51seg": "0"}])
    );
    let (_, v) = app.get(t, &report("skill_9", "")).await;
    let bands: Vec<(Value, Value, Value)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["skill_id"].clone(),
                r["abandon_0seg_10seg"].clone(),
                r["abandon_greater_than_51seg"].clone(),
            )
        })
        .collect();
    assert_eq!(
        bands,
        [
            (json!(servicio), json!("0"), json!("1")),
            (json!(ventas), json!("1"), json!("0"))
        ]
    );
    let (_, v) = app.get(t, &report("skill_2", "")).await;
    assert_eq!(
        v["data"],
        json!([
            {"skill_name": "Ventas", "skill_id": ventas, "conn_id": "V.E", "date": "2026-11-22 08:53:20",
             "result": "abandon", "ani": "573005", "abandon_time": "8", "type_interaction": "inbound",
             "customer_id": ""},
            {"skill_name": "Servicio", "skill_id": servicio, "conn_id": "S.C", "date": "2026-11-22 09:43:20",
             "result": "abandon", "ani": "573001", "abandon_time": "60", "type_interaction": "inbound",
             "customer_id": ""}
        ])
    );
    let (_, v) = app.get(t, &report("skill_10", "")).await;
    let answered: Vec<(Value, Value, Value)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["conn_id"].clone(),
                r["answer_time"].clone(),
                r["agent_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        answered,
        [
            (json!("S.A"), json!("5"), json!("6001")),
            (json!("S.B"), json!("25"), json!("6001")),
            (json!("S.D"), json!("1"), json!("6001"))
        ]
    );
}

both!(real_time_skills_show_the_queue_and_todays_calls);
async fn real_time_skills_show_the_queue_and_todays_calls() {
    let app = spawn_app().await;
    let (s, _) = queued_calls(&app).await;
    let t = &app.a.token;
    let (st, v) = app
        .get(
            t,
            &format!("/api/v2/real_time.php?api=skills&skill_id={s}&services_time=30"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v["data"],
        json!([{"skill_id": s.to_string(), "skill_name": "Servicio", "calls_in_queue_now": "2",
                "stat_inbound": "4", "stat_answer": "3", "stat_abandon": "1",
                "service_level_10seg": "50.00 %", "service_level_20seg": "50.00 %",
                "service_level_30seg": "75.00 %", "service_level_0seg": "0.00 %",
                "by_abandon": "25.00 %"}])
    );
    // Every skill of the operation, those without calls too.
    let (_, v) = app.get(t, "/api/v2/real_time.php?api=skills").await;
    assert_eq!(v["msg"], "3 records were found", "{v}");
}
