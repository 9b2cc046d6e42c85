//! The campaign companions and information.php: happy paths and errors.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const CREATE: &str = "/api/v2/campaign.php?api=create_campaign&type_campaign=predictive";

fn rec(id: &str, tel: &str) -> Value {
    json!({"customer_name": "Ana", "customer_last_name": "Ruiz", "id_type": "CC", "customer_id": id,
           "opt1": "x", "tel1": tel, "tel2": ""})
}

fn add(campaign: impl std::fmt::Display, kind: &str) -> String {
    format!("/api/v2/campaign.php?api=add_record&type_campaign={kind}&campaign_id={campaign}")
}

both!(a_campaign_is_created_loaded_started_and_reported);
async fn a_campaign_is_created_loaded_started_and_reported() {
    let app = spawn_app().await;
    let body = r#"{"campaign_name": "Nueva", "campaign_description": "Prueba", "start_time": "080000",
                   "end_time": "180000", "skill_id": "1", "opt1": "Saldo", "enable_edition": "no"}"#;
    let (s, v) = app.post(&app.a.token, CREATE, body).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        v,
        json!({"code": 201, "error": null, "msg": "The 5 campaign_id has been created successfully",
               "data": [{"id_campaign": "5", "name_campaign": "Nueva"}]})
    );
    // Numbers are accepted where strings are expected, as real clients send them.
    let mut third = rec("A3", "");
    third["tel1"] = json!(573001000003u64);
    let records = json!([rec("A1", "573001000001"), rec("A2", "573001000002"), third]);
    let (s, v) = app
        .post(
            &app.a.token,
            &format!("{}&campaign_status=start", add(5, "predictive")),
            &records.to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v,
        json!({"code": 201, "error": null, "msg": "All records has been added successfully", "data": [{"total_registers": "3"}]})
    );
    let c = app.campaigns(&app.a.token).await;
    let row = &c.as_array().unwrap()[2];
    assert_eq!(
        (
            row["campaign"].as_str(),
            row["status"].as_str(),
            row["records"].as_str(),
            row["clean"].as_str()
        ),
        (
            Some("5 - Nueva - phone1 (0.00 %)"),
            Some("started"),
            Some("3"),
            Some("3")
        )
    );
    let (s, v) = app
        .get(
            &app.a.token,
            "/api/v2/information.php?api=campaigns&campaign=5",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["data"],
        json!([{"campaign_id": "5", "campaign_name": "Nueva", "campaign_description": "Prueba",
                "type_campaign": "predictive", "status": "Started", "records": "3", "speed": "100",
                "dial_mode": "phone1 - ring: 30(seg)", "last_use": "", "recycled": "0", "turbo_dial": "no",
                "skill_id": "1"}])
    );
    // Stop, speed, start.
    let put = |api: &str| format!("/api/v2/campaign.php?api={api}&campaign_id=5");
    let (s, v) = app.put(&app.a.token, &put("stop"), "").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::ACCEPTED,
            json!({"code": 202, "error": null, "msg": "The 5 campaign_id has been stopped successfully"})
        )
    );
    let (s, v) = app
        .put(&app.a.token, &put("speed"), r#"{"speed": "35"}"#)
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::ACCEPTED,
            json!({"code": 202, "error": null, "msg": "The speed of 5 campaign_id has been updated successfully"})
        )
    );
    let (s, v) = app.put(&app.a.token, &put("start"), "").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::ACCEPTED,
            json!({"code": 202, "error": null, "msg": "The 5 campaign_id has been started successfully"})
        )
    );
    let row = &app.campaigns(&app.a.token).await.as_array().unwrap()[2].clone();
    assert_eq!(
        (row["speed"].as_str(), row["status"].as_str()),
        (Some("35"), Some("started"))
    );
}

both!(create_campaign_errors);
async fn create_campaign_errors() {
    let app = spawn_app().await;
    let ok = r#"{"campaign_name": "N", "skill_id": "1"}"#;
    let cases = [
        (
            "/api/v2/campaign.php?api=create_campaign",
            ok,
            400,
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            "/api/v2/campaign.php?api=create_campaign&type_campaign=robot",
            ok,
            400,
            "TYPE_CAMPAIGN \"robot\" IS NOT VALID: EXPECTED PREVIEW OR PREDICTIVE",
        ),
        (
            CREATE,
            r#"{"skill_id": "1"}"#,
            400,
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            CREATE,
            r#"{"campaign_name": "N", "skill_id": "1", "amd": "XYZ"}"#,
            400,
            "AMD \"XYZ\" IS NOT VALID: EXPECTED ARG, CHL, COL, CRI, ECU, ESP, GTM, HND, ITA, MEX, NIC, PAN, PER",
        ),
        (
            CREATE,
            r#"{"campaign_name": "N"}"#,
            400,
            "SOME PARAMETERS ARE REQUIRED",
        ),
        (
            CREATE,
            r#"{"campaign_name": "N", "skill_id": "2"}"#,
            400,
            "SKILL_ID \"2\" IS NOT A SKILL OF THIS OPERATION",
        ),
        (
            CREATE,
            r#"{"campaign_name": "N", "skill_id": "1", "start_time": "250000", "end_time": "180000"}"#,
            400,
            "START_TIME/END_TIME \"250000-180000\" IS NOT VALID: EXPECTED HHIISS TIMES, START BEFORE END",
        ),
        (
            "/api/v2/campaign.php?api=create_campaignx&type_campaign=preview",
            ok,
            400,
            "THE API YOU WANT TO CONSULT DOES NOT EXIST",
        ),
    ];
    for (path, body, code, msg) in cases {
        let (s, v) = app.post(&app.a.token, path, body).await;
        assert_eq!(s.as_u16(), code, "{path} {body}: {v}");
        assert_eq!(v["msg"], msg, "{path} {body}");
    }
    let (s, v) = app.post(&app.a.token, CREATE, "[1]").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

both!(a_bad_record_refuses_the_whole_upload_naming_index_and_field);
async fn a_bad_record_refuses_the_whole_upload_naming_index_and_field() {
    let app = spawn_app().await;
    let before = app.campaigns(&app.a.token).await;
    let p = add(app.a.predictive, "predictive");
    let long = "x".repeat(101);
    let cases: Vec<(Value, u16, String)> = vec![
        (json!([rec("N1", "573000000001"), {"customer_id": "N2", "tel1": "573000000002", "opt1": long}]), 400,
         "RECORD AT INDEX 1 (OPT1): IS LONGER THAN 100 CHARACTERS: NOTHING WAS ADDED".into()),
        (json!([rec("N1", "573000000001"), {"customer_id": "N2", "tel1": "573000000002", "telefono": "1"}]), 400,
         "RECORD AT INDEX 1 (TELEFONO): IS NOT A RECORD FIELD: NOTHING WAS ADDED".into()),
        (json!([rec("N1", "573000000001"), rec("N1", "573000000002")]), 400,
         "RECORD AT INDEX 1 (CUSTOMER_ID): APPEARS TWICE IN THE UPLOAD: NOTHING WAS ADDED".into()),
        (json!([rec("N1", "573000000001"), rec("1002", "573000000002")]), 400,
         "RECORD AT INDEX 1 (CUSTOMER_ID): IS ALREADY IN THE CAMPAIGN: NOTHING WAS ADDED".into()),
        (json!([{"customer_id": "N1"}]), 400, "RECORD AT INDEX 0 (TEL1): THE RECORD HAS NO TELEPHONE: NOTHING WAS ADDED".into()),
        (json!([{"customer_id": "N1", "tel3": "57-300"}]), 400,
         "RECORD AT INDEX 0 (TEL3): IS NOT A TELEPHONE NUMBER (3 TO 20 DIGITS): NOTHING WAS ADDED".into()),
        (json!([{"customer_id": "N1", "tel1": "573000000001", "recall_date": "2026-11-30"}]), 400,
         "RECORD AT INDEX 0 (RECALL_DATE): IS NOT A DATE YYYYMMDDHHIISS: NOTHING WAS ADDED".into()),
        (json!([{"tel1": "573000000001"}]), 400, "RECORD AT INDEX 0 (CUSTOMER_ID): IS REQUIRED: NOTHING WAS ADDED".into()),
        (json!([{"customer_id": "N1", "tel1": ["573"]}]), 400, "RECORD AT INDEX 0 (TEL1): MUST BE A STRING: NOTHING WAS ADDED".into()),
        (json!({"customer_id": "N1"}), 400, "THE BODY IS NOT THE JSON THIS API TAKES: EXPECTED A JSON ARRAY OF RECORDS".into()),
    ];
    for (body, code, msg) in cases {
        let (s, v) = app.post(&app.a.token, &p, &body.to_string()).await;
        assert_eq!(s.as_u16(), code, "{body}: {v}");
        assert_eq!(v, error(code, "BAD REQUEST", &msg), "{body}");
    }
    let too_many: Vec<Value> = (0..10_001)
        .map(|i| rec(&format!("M{i}"), "573000000001"))
        .collect();
    let (s, v) = app
        .post(&app.a.token, &p, &Value::Array(too_many).to_string())
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        v["msg"],
        "AT MOST 10000 RECORDS CAN BE UPLOADED IN ONE REQUEST (10001 SENT): SPLIT THE UPLOAD"
    );
    let (s, v) = app
        .post(
            &app.a.token,
            &add(app.a.predictive, "preview"),
            &json!([rec("Z", "5730")]).to_string(),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["msg"].as_str()),
        (
            400,
            Some("CAMPAIGN_ID 1 IS A PREDICTIVE CAMPAIGN: SEND TYPE_CAMPAIGN=predictive")
        )
    );
    let (s, _) = app
        .post(
            &app.a.token,
            &add(99, "predictive"),
            &json!([rec("Z", "5730")]).to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        app.campaigns(&app.a.token).await,
        before,
        "a refused upload changed something"
    );
    // Exactly 10,000 are accepted.
    let max: Vec<Value> = (0..10_000)
        .map(|i| rec(&format!("M{i}"), "573000000001"))
        .collect();
    let (s, v) = app
        .post(&app.a.token, &p, &Value::Array(max).to_string())
        .await;
    assert_eq!(
        (s, &v["data"][0]["total_registers"]),
        (StatusCode::CREATED, &json!("10000"))
    );
}

both!(speed_and_start_errors);
async fn speed_and_start_errors() {
    let app = spawn_app().await;
    let speed = "/api/v2/campaign.php?api=speed&campaign_id=1";
    for (body, msg) in [
        (
            r#"{"speed": "101"}"#,
            "SPEED \"101\" IS NOT VALID: EXPECTED A WHOLE NUMBER FROM 0 TO 100",
        ),
        (
            r#"{"speed": "rápido"}"#,
            "SPEED \"rápido\" IS NOT VALID: EXPECTED A WHOLE NUMBER FROM 0 TO 100",
        ),
        (r#"{}"#, "SOME PARAMETERS ARE REQUIRED"),
    ] {
        let (s, v) = app.put(&app.a.token, speed, body).await;
        assert_eq!(
            (s, v["msg"].as_str()),
            (StatusCode::BAD_REQUEST, Some(msg)),
            "{body}"
        );
    }
    let (s, v) = app
        .put(
            &app.a.token,
            "/api/v2/campaign.php?api=start&campaign_id=3",
            "",
        )
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::NOT_FOUND,
            error(
                404,
                "NOT FOUND",
                "CAMPAIGN_ID 3 DOES NOT EXIST IN THIS OPERATION"
            )
        )
    );
    let (s, _) = app
        .put(&app.a.token, "/api/v2/campaign.php?api=stop", "")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

both!(recall_records_recycles_matching_records);
async fn recall_records_recycles_matching_records() {
    let app = spawn_app().await;
    let p = "/api/v2/campaign.php?api=recall_records&campaign_id=1";
    let (s, v) = app
        .put(
            &app.a.token,
            p,
            r#"{"field": "Cod_Machine", "value": "busy"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"code": 200, "error": null, "msg": "1 record(s) have been marked for recall successfully",
               "data": [{"campaign_id": "1", "field": "Cod_Machine", "value": "busy", "normalized_value": "BUSY", "affected_records": "1"}]})
    );
    let c = &app.campaigns(&app.a.token).await[0];
    assert_eq!(
        (
            c["clean"].as_str(),
            c["dial"].as_str(),
            c["busy/congestion/failed"].as_str(),
            c["recycled"].as_str(),
            c["campaign"].as_str()
        ),
        (
            Some("2"),
            Some("1"),
            Some("0"),
            Some("1"),
            Some("1 - Cobranza - phone1 (0.00 %)")
        )
    );
    // By activity code: codify 1001 with 003, then recall by cod_rslt1.
    app.put(
        &app.a.token,
        "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id=1",
        r#"{"cod_act": "003", "customer_id": "1001"}"#,
    )
    .await;
    let (_, v) = app
        .put(&app.a.token, p, r#"{"field": "cod_rslt1", "value": "003"}"#)
        .await;
    assert_eq!(v["data"][0]["affected_records"], "1");
    let c = &app.campaigns(&app.a.token).await[0];
    assert_eq!(
        (c["clean"].as_str(), c["recycled"].as_str()),
        (Some("3"), Some("2"))
    );
    // Nothing matches: 0 records, no new cycle.
    let (_, v) = app
        .put(
            &app.a.token,
            p,
            r#"{"field": "Cod_Machine", "value": "FAX"}"#,
        )
        .await;
    assert_eq!(
        v["msg"],
        "0 record(s) have been marked for recall successfully"
    );
    for (body, msg) in [
        (
            r#"{"field": "color", "value": "x"}"#,
            "FIELD \"color\" IS NOT VALID: EXPECTED COD_MACHINE, COD_RSLT1 OR COD_RSLT2",
        ),
        (
            r#"{"field": "Cod_Machine", "value": "LOUD"}"#,
            "VALUE \"LOUD\" IS NOT VALID: EXPECTED A MACHINE RESULT SUCH AS NO-ANSWER, BUSY OR ANSWER-MACHINE",
        ),
        (
            r#"{"field": "Cod_Machine"}"#,
            "SOME PARAMETERS ARE REQUIRED",
        ),
    ] {
        let (s, v) = app.put(&app.a.token, p, body).await;
        assert_eq!(
            (s, v["msg"].as_str()),
            (StatusCode::BAD_REQUEST, Some(msg)),
            "{body}"
        );
    }
}

both!(add_dnc_counts_added_and_rejected);
async fn add_dnc_counts_added_and_rejected() {
    let app = spawn_app().await;
    let body = r#"[{"telephone": "573000000010", "days_block": "15"}, {"telephone": "573000000020", "days_block": 30},
                   {"telephone": "abc", "days_block": "15"}, {"telephone": "573000000030", "days_block": "0"}]"#;
    let (s, v) = app
        .post(&app.a.token, "/api/v2/campaign.php?api=add_dnc", body)
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        v,
        json!({"code": 201, "error": null, "msg": "2 telephones were added",
               "data": [{"total_added": "2", "total_rejected": "2", "total_sent": "4"}]})
    );
    let (s, _) = app
        .post(
            &app.a.token,
            "/api/v2/campaign.php?api=add_dnc",
            r#"{"telephone": "1"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // information.php lists them, with the day each leaves the list.
    let (s, v) = app
        .get(&app.a.token, "/api/v2/information.php?api=get_dnc")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["data"],
        json!([{"phone_number": "573000000010", "type": "outbound", "date_delete": "2026-12-07 10:00:00"},
               {"phone_number": "573000000020", "type": "outbound", "date_delete": "2026-12-22 10:00:00"}])
    );
    app.advance(31 * 86_400);
    let (s, v) = app
        .get(&app.a.token, "/api/v2/information.php?api=get_dnc")
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(information_reports);
async fn information_reports() {
    let app = spawn_app().await;
    let get = |api: &str| format!("/api/v2/information.php?api={api}");
    let (_, v) = app.get(&app.a.token, &get("skills")).await;
    assert_eq!(
        v["data"],
        json!([{"skill_id": "1", "skill_name": "Cobranza", "skill_description": "", "last_use": ""}])
    );
    let (_, v) = app.get(&app.a.token, &get("routing_points")).await;
    assert_eq!(
        v["data"],
        json!([{"rp_id": "1", "rp_name": "Principal", "ivr_active": "yes", "chat_active": "no",
                "interaction_active": "yes", "crm_active": "no", "last_use": "2026-11-22 09:59:50"}])
    );
    let (_, v) = app
        .get(
            &app.a.token,
            &format!("{}&cod_act=001", get("activity_codes")),
        )
        .await;
    assert_eq!(
        v,
        json!({"code": 200, "error": null, "msg": "1 records were found", "data": [
            {"cod_act": "001", "description_cod_act": "Venta", "hit": "yes", "rpc": "yes", "chat": "no",
             "studio": "no", "voice": "yes", "type_code": "cod_act1", "interactions": ""}]})
    );
    let (_, v) = app.get(&app.a.token, &get("activity_codes")).await;
    assert_eq!(v["msg"], "3 records were found");
    let (_, v) = app.get(&app.a.token, &get("token_info")).await;
    // This request is the 5th of the day for the operation.
    assert_eq!(
        v["data"],
        json!([{"description": "operation acme", "token_limit": "1000", "token_use_today": "5",
                "all_token_today": "5", "available_consumption_options": "995"}])
    );
    let (s, v) = app
        .get(&app.a.token, &format!("{}&skill=9", get("skills")))
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
    let (s, _) = app.get(&app.a.token, &get("agents_x")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .get(&app.b.token, &format!("{}&campaign=1", get("campaigns")))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another operation's campaign is invisible"
    );
}

both!(remove_record_keeps_answered_attempts_and_frees_the_customer);
async fn remove_record_keeps_answered_attempts_and_frees_the_customer() {
    let app = spawn_app().await;
    let p = "/api/v2/campaign.php?api=remove_record&type_campaign=predictive&campaign_id=1";
    let before = app.campaigns(&app.a.token).await;
    let (s, v) = app
        .delete(&app.a.token, p, r#"{"customer_id": "1002,9999"}"#)
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::NOT_FOUND,
            error(404, "NOT FOUND", "CUSTOMER_ID 9999 IS NOT IN CAMPAIGN_ID 1")
        )
    );
    assert_eq!(
        app.campaigns(&app.a.token).await,
        before,
        "a refused removal changed something"
    );
    let (s, v) = app
        .delete(&app.a.token, p, r#"{"customer_id": "1002, 1003"}"#)
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::ACCEPTED,
            json!({"code": 202, "error": null, "msg": "customer_id 1002,1003 has been deleted successfully"})
        )
    );
    let c = &app.campaigns(&app.a.token).await[0];
    assert_eq!(
        (
            c["records"].as_str(),
            c["clean"].as_str(),
            c["dial"].as_str(),
            c["answer"].as_str(),
            c["busy/congestion/failed"].as_str()
        ),
        (Some("1"), Some("0"), Some("1"), Some("1"), Some("0"))
    );
    let (_, v) = app
        .delete(&app.a.token, p, r#"{"customer_id": "1001"}"#)
        .await;
    assert_eq!(v["code"], 202);
    // 1001's unanswered attempt left the report; its answered one stayed, with its customer id.
    let c3 = crate::campaign_3::c3(1, &wire(-86_400), &wire(0));
    let (_, v) = app.get(&app.a.token, &c3).await;
    let rows: Vec<(&str, &str)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["customer_id"].as_str().unwrap(),
                r["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("1001", "ANSWER")]);
    // The customer can be uploaded again, and codify no longer finds the removed record.
    let (s, _) = app
        .post(
            &app.a.token,
            &add(1, "predictive"),
            &json!([rec("1002", "573007778899")]).to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = app
        .put(
            &app.a.token,
            "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id=1",
            r#"{"cod_act": "001", "customer_id": "1003"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.delete(&app.a.token, p, r#"{"customer_id": ""}"#).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

both!(clear_campaign_by_result_or_all);
async fn clear_campaign_by_result_or_all() {
    let app = spawn_app().await;
    let p = |q: &str| {
        format!("/api/v2/campaign.php?api=clear_campaign&type_campaign=predictive&campaign_id=1{q}")
    };
    let (s, v) = app.delete(&app.a.token, &p("&result=busy"), "").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::ACCEPTED,
            json!({"code": 202, "error": null, "msg": "All records has been deleted of campaign_id 1 successfully"})
        )
    );
    assert_eq!(app.campaigns(&app.a.token).await[0]["records"], "2");
    let (s, v) = app.delete(&app.a.token, &p("&result=loud"), "").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = app.delete(&app.a.token, &p(""), "").await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let c = &app.campaigns(&app.a.token).await[0];
    assert_eq!(
        (
            c["records"].as_str(),
            c["clean"].as_str(),
            c["dial"].as_str()
        ),
        (Some("0"), Some("0"), Some("0"))
    );
    let (s, _) = app
        .delete(
            &app.a.token,
            "/api/v2/campaign.php?api=clear_campaign&type_campaign=preview&campaign_id=1",
            "",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
