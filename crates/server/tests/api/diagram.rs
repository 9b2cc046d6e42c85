//! reports_manager.php?api=diagram_1_3: calls and time per routing point and option.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn d13(ini: &str, end: &str) -> String {
    format!("/api/v2/reports_manager.php?api=diagram_1_3&date_ini={ini}&date_end={end}")
}

both!(diagram_1_3_sums_calls_and_time_per_option);
async fn diagram_1_3_sums_calls_and_time_per_option() {
    let app = spawn_app().await;
    let rp = app.a.rp.to_string();
    let (s, v) = app.get(&app.a.token, &d13(&wire(-86_400), &wire(0))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"code": 200, "error": null, "msg": "3 records were found", "data": [
            {"rp_id": rp, "calls": "2", "time": "00:00:32", "cod_opc_menu": "1"},
            {"rp_id": rp, "calls": "1", "time": "00:00:10", "cod_opc_menu": "2"},
            {"rp_id": rp, "calls": "1", "time": "00:00:05", "cod_opc_menu": "PULSE"},
        ]})
    );
}

both!(diagram_1_3_is_exact_at_partial_hours);
async fn diagram_1_3_is_exact_at_partial_hours() {
    let app = spawn_app().await;
    let rp = app.a.rp.to_string();
    // Starts 10 s after the first step (inside an hour), ends inside the last one.
    let (_, v) = app
        .get(&app.a.token, &d13(&wire(-10_790), &wire(-10)))
        .await;
    assert_eq!(
        v["data"],
        json!([
            {"rp_id": rp, "calls": "1", "time": "00:00:12", "cod_opc_menu": "1"},
            {"rp_id": rp, "calls": "1", "time": "00:00:10", "cod_opc_menu": "2"},
            {"rp_id": rp, "calls": "1", "time": "00:00:05", "cod_opc_menu": "PULSE"},
        ])
    );
    let (s, v) = app.get(&app.a.token, &d13(&wire(-9), &wire(0))).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(diagram_1_3_requires_both_dates);
async fn diagram_1_3_requires_both_dates() {
    let app = spawn_app().await;
    let (s, v) = app
        .get(
            &app.a.token,
            &format!(
                "/api/v2/reports_manager.php?api=diagram_1_3&date_ini={}",
                wire(0)
            ),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v, error(400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED"));
}
