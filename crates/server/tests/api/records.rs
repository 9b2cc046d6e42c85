//! campaign.php's record reads over the acme fixture: `detail` (the records
//! managed in a range, with or without a call), `find_record` (by telephone,
//! id or campaign) and `campaign_15` (the whole campaign with each record's
//! dial history).

use marcador_server::config::Limits;
use marcador_server::store::CodifyInput;
use marcador_wire::CampaignType;
use reqwest::StatusCode;

use crate::helpers::*;

/// The first row's keys of a GET, in the order the server wrote them.
async fn keys(app: &TestApp, path: &str) -> Vec<String> {
    let (_, text) = app.get_text(&app.a.token, path).await;
    first_row_keys(&text).expect("rows")
}

/// Codifies 1003 (never dialed) at -600 s: managed without a call.
async fn codify_1003(app: &TestApp) {
    app.store
        .codify(
            app.a.id,
            app.a.predictive,
            CampaignType::Predictive,
            &CodifyInput {
                customer_id: "1003".into(),
                cod_act: "003".into(),
                cod_act_2: "A01".into(),
                comment: "No contesta nunca".into(),
            },
            now()
                .checked_sub(jiff::SignedDuration::from_secs(600))
                .unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
}

fn detail(app: &TestApp, extra: &str, ini: i64, end: i64) -> String {
    format!(
        "/api/v2/campaign.php?api=detail&type_campaign=predictive&campaign_id={}&date_ini={}&date_end={}{extra}",
        app.a.predictive,
        wire(ini),
        wire(end)
    )
}

both!(detail_lists_the_records_managed_in_the_range);
async fn detail_lists_the_records_managed_in_the_range() {
    let app = spawn_app().await;
    codify_1003(&app).await;
    let t = &app.a.token;
    let (s, v) = app.get(t, &detail(&app, "", -86_400, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["msg"], "2 records were found");
    // 1001 last managed at -3600 (its answer), 1002 at -30 (busy); 1003 has no call.
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1001", "1002"]);
    let first = &v["data"][0];
    assert_eq!(first["date"], "2026-11-22 09:00:00");
    assert_eq!(first["calls"], "2");
    assert_eq!(first["conn_id"], "12001.0001.2.2");
    assert_eq!(first["result"], "ANSWER");
    assert_eq!(first["tel1"], "573001112233");
    assert_eq!(first["tel2"], "573004445566");
    assert_eq!(first["tel10"], "");
    assert_eq!(first["opt3"], "Tarjeta");
    assert_eq!(first["recall"], "");
    assert_eq!(first["recall_count"], "0");
    assert_eq!(v["data"][1]["result"], "BUSY");
    assert_eq!(
        keys(&app, &detail(&app, "", -86_400, 0)).await,
        [
            "customer_name",
            "customer_last_name",
            "id_type",
            "customer_id",
            "gender",
            "country",
            "state",
            "city",
            "zone",
            "address",
            "opt1",
            "opt2",
            "opt3",
            "opt4",
            "opt5",
            "opt6",
            "opt7",
            "opt8",
            "opt9",
            "opt10",
            "opt11",
            "opt12",
            "tel1",
            "tel2",
            "tel3",
            "tel4",
            "tel5",
            "tel6",
            "tel7",
            "tel8",
            "tel9",
            "tel10",
            "tel_extra",
            "agent_id",
            "date",
            "calls",
            "conn_id",
            "recall",
            "result",
            "cod_act",
            "cod_act_2",
            "recall_count",
            "comments"
        ]
    );

    // detail=all adds the record codified without a call.
    let (s, v) = app.get(t, &detail(&app, "&detail=all", -86_400, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_id"] == "1003")
        .expect("1003 with detail=all")
        .clone();
    assert_eq!(row["date"], "2026-11-22 09:50:00");
    assert_eq!(row["calls"], "0");
    assert_eq!(row["conn_id"], "");
    assert_eq!(row["result"], "");
    assert_eq!(row["cod_act"], "003");
    assert_eq!(row["cod_act_2"], "A01");
    assert_eq!(row["comments"], "No contesta nunca");

    // The range selects by the last management: before 1002's busy only 1001.
    let (_, v) = app.get(t, &detail(&app, "", -86_400, -60)).await;
    assert_eq!(v["msg"], "1 records were found");
    // Nothing managed in the range: the 404 no-data envelope.
    let (s, v) = app.get(t, &detail(&app, "", -86_400, -4_000)).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));

    // Errors: a detail value, the campaign's type, another operation's campaign.
    let (s, v) = app.get(t, &detail(&app, "&detail=some", -60, 0)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("DETAIL"), "{v}");
    let wrong = detail(&app, "", -60, 0).replace("predictive", "preview");
    let (s, _) = app.get(t, &wrong).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get(&app.b.token, &detail(&app, "", -60, 0)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(find_record_by_telephone_id_or_campaign);
async fn find_record_by_telephone_id_or_campaign() {
    let app = spawn_app().await;
    let t = &app.a.token;
    let find = |q: &str| format!("/api/v2/campaign.php?api=find_record{q}");
    // tel2 of 1001, in any campaign of the operation.
    let (s, v) = app.get(t, &find("&customer_phone=573004445566")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["msg"], "1 records were found");
    let row = &v["data"][0];
    assert_eq!(row["customer_id"], "1001");
    assert_eq!(row["campaign_id"], app.a.predictive.to_string());
    assert_eq!(row["calls"], "2");
    assert_eq!(row["date"], "2026-11-22 09:00:00");
    assert_eq!(row["result"], "ANSWER");
    let order = keys(&app, &find("&customer_phone=573004445566")).await;
    assert_eq!(
        order[..9],
        [
            "customer_name",
            "customer_last_name",
            "customer_id",
            "country",
            "state",
            "city",
            "zone",
            "address",
            "opt1"
        ]
    );
    assert_eq!(
        order[30..],
        ["date", "calls", "conn_id", "result", "campaign_id"]
    );
    // By id; a never-dialed record has no date or result.
    let (_, v) = app.get(t, &find("&customer_id=1003")).await;
    assert_eq!(v["data"][0]["customer_name"], "Sofía");
    assert_eq!(v["data"][0]["date"], "");
    assert_eq!(v["data"][0]["calls"], "0");
    // A campaign alone: all of its records, in upload order.
    let (_, v) = app
        .get(t, &find(&format!("&campaign_id={}", app.a.predictive)))
        .await;
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1001", "1002", "1003"]);
    // The number and a campaign that does not hold it: nothing.
    let (s, v) = app
        .get(
            t,
            &find(&format!(
                "&customer_phone=573004445566&campaign_id={}",
                app.a.preview
            )),
        )
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
    // Another operation's customer is not found; nothing to look by is a 400.
    let (s, _) = app.get(&app.b.token, &find("&customer_id=1001")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app.get(t, &find("")).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::BAD_REQUEST,
            error(400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED")
        )
    );
    // A removed record is no longer found.
    let (s, _) = app
        .delete(
            t,
            &format!(
                "/api/v2/campaign.php?api=remove_record&type_campaign=predictive&campaign_id={}",
                app.a.predictive
            ),
            r#"{"customer_id":"1003"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (s, _) = app.get(t, &find("&customer_id=1003")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(campaign_15_exports_every_record_with_its_history);
async fn campaign_15_exports_every_record_with_its_history() {
    let app = spawn_app().await;
    codify_1003(&app).await;
    let t = &app.a.token;
    let path = format!(
        "/api/v2/campaign.php?api=campaign_15&campaign_id={}",
        app.a.predictive
    );
    let (s, v) = app.get(t, &path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total_records"], "3");
    assert_eq!(v["campaign_id"], app.a.predictive.to_string());
    let (_, text) = app.get_text(t, &path).await;
    assert!(
        text.starts_with(&format!(
            r#"{{"code":200,"total_records":"3","campaign_id":"{}","records":["#,
            app.a.predictive
        )),
        "{text}"
    );
    let rows = v["records"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["id_cliente"], "1001");
    assert_eq!(rows[0]["resultado"], "ANSWER");
    assert_eq!(rows[0]["llamadas"], "2");
    assert_eq!(rows[0]["id_call"], "12001.0001.2.2");
    assert_eq!(rows[0]["last_dial_tele"], "573004445566");
    assert_eq!(
        rows[0]["history_dial_tel"],
        "2026-11-22 08:00:00 NO ANSWER 573001112233 | 2026-11-22 09:00:00 ANSWER 573004445566"
    );
    assert_eq!(rows[2]["cod_rslt1"], "003");
    assert_eq!(rows[2]["description_cod1"], "No interesado");
    assert_eq!(rows[2]["cod_rslt2"], "A01");
    assert_eq!(rows[2]["description_cod2"], "Pago total");
    assert_eq!(rows[2]["history_dial_tel"], "");
    assert_eq!(rows[2]["rellamada"], "");
    let order = keys(&app, &path).await;
    assert_eq!(
        order[..3],
        ["nombre_cliente", "apellido_cliente", "tipo_doc"]
    );
    assert_eq!(
        order[34..],
        [
            "id_agent",
            "resultado",
            "fecha",
            "llamadas",
            "id_call",
            "cod_rslt1",
            "description_cod1",
            "cod_rslt2",
            "description_cod2",
            "comentarios",
            "rellamada",
            "rellamada_count",
            "email",
            "rellamada_tel",
            "last_dial_tele",
            "history_dial_tel",
            "rellamada_info"
        ]
    );
    // Another operation's campaign is unknown; an empty one has no data.
    let (s, v) = app
        .get(
            t,
            &format!(
                "/api/v2/campaign.php?api=campaign_15&campaign_id={}",
                app.b.preview
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app
        .get(
            &app.b.token,
            &format!(
                "/api/v2/campaign.php?api=campaign_15&campaign_id={}",
                app.b.preview
            ),
        )
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(record_reads_refuse_over_the_record_cap_before_the_first_byte);
async fn record_reads_refuse_over_the_record_cap_before_the_first_byte() {
    let app = spawn_with(Limits {
        max_records_per_answer: 2,
        ..Limits::default()
    })
    .await;
    let t = &app.a.token;
    let (s, v) = app
        .get(
            t,
            &format!(
                "/api/v2/campaign.php?api=campaign_15&campaign_id={}",
                app.a.predictive
            ),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(v.get("records").is_none());
    // Under the cap, the store still answers.
    let (s, v) = app
        .get(
            t,
            "/api/v2/campaign.php?api=find_record&customer_phone=573007778899",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"][0]["customer_id"], "1002");
}
