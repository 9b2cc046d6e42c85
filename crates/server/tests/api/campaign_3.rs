//! reports_manager.php?api=campaign_3: one row per dial attempt, streamed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use marcador_server::store::Fact;

pub fn c3(campaign: impl std::fmt::Display, ini: &str, end: &str) -> String {
    format!(
        "/api/v2/reports_manager.php?api=campaign_3&campaign_id={campaign}&date_ini={ini}&date_end={end}"
    )
}

fn row(
    customer: (&str, &str, &str),
    date: &str,
    tel: &str,
    result: &str,
    opts: &[&str],
    conn: &str,
) -> Value {
    let mut v = json!({
        "campaign_id": "1", "customer_name": customer.1, "customer_last_name": customer.2,
        "id_type": "CC", "customer_id": customer.0, "date": date, "telephone": tel, "result": result,
    });
    for n in 1..=12 {
        v[format!("opt{n}")] = json!(opts.get(n - 1).copied().unwrap_or(""));
    }
    v["conn_id"] = json!(conn);
    v
}

fn expected_rows() -> Vec<Value> {
    let ana = ("1001", "Ana", "Gómez");
    let luis = ("1002", "Luis", "Pérez");
    vec![
        row(
            ana,
            "2026-11-22 08:00:00",
            "573001112233",
            "NO-ANSWER",
            &["100000", "30", "Tarjeta"],
            "12001.0001.1.1",
        ),
        row(
            ana,
            "2026-11-22 09:00:00",
            "573004445566",
            "ANSWER",
            &["100000", "30", "Tarjeta"],
            "12001.0001.2.2",
        ),
        row(
            luis,
            "2026-11-22 09:59:30",
            "573007778899",
            "BUSY",
            &["250000", "60"],
            "12001.0001.3.3",
        ),
    ]
}

both!(campaign_3_lists_every_attempt_phone_by_phone);
async fn campaign_3_lists_every_attempt_phone_by_phone() {
    let app = spawn_app().await;
    let (s, v) = app
        .get(
            &app.a.token,
            &c3(app.a.predictive, &wire(-86_400), &wire(0)),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"code": 200, "error": null, "msg": "3 records were found", "data": expected_rows()})
    );
    // Keys are in the documented order, opt1…opt12 included.
    let text = app
        .http
        .get(format!(
            "{}{}",
            app.base,
            c3(app.a.predictive, &wire(-86_400), &wire(0))
        ))
        .header("wolkvox-token", &app.a.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with(r#"{"code":200,"error":null,"msg":"3 records were found","data":[{"campaign_id":"1","customer_name":"Ana","customer_last_name":"Gómez","id_type":"CC","customer_id":"1001","date":"2026-11-22 08:00:00","telephone":"573001112233","result":"NO-ANSWER","opt1":"100000","opt2":"30","opt3":"Tarjeta","opt4":"","#), "{text}");
    assert!(text.ends_with(r#""opt12":"","conn_id":"12001.0001.3.3"}]}"#));
}

both!(campaign_3_range_ends_are_inclusive_and_all_reads_every_campaign);
async fn campaign_3_range_ends_are_inclusive_and_all_reads_every_campaign() {
    let app = spawn_app().await;
    let (_, v) = app
        .get(
            &app.a.token,
            &c3(app.a.predictive, &wire(-3600), &wire(-30)),
        )
        .await;
    assert_eq!(v["data"], json!(expected_rows()[1..]));
    let (_, v) = app
        .get(&app.a.token, &c3("all", &wire(-86_400), &wire(0)))
        .await;
    assert_eq!(v["data"], json!(expected_rows()));
}

both!(campaign_3_without_attempts_in_range_is_404);
async fn campaign_3_without_attempts_in_range_is_404() {
    let app = spawn_app().await;
    let (s, v) = app
        .get(&app.a.token, &c3(app.a.predictive, &wire(-29), &wire(0)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v, no_data());
    let (s, v) = app
        .get(&app.a.token, &c3(app.a.preview, &wire(-86_400), &wire(0)))
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
}

both!(campaign_3_parameter_errors);
async fn campaign_3_parameter_errors() {
    let app = spawn_app().await;
    let base = "/api/v2/reports_manager.php?api=campaign_3";
    let (ini, end) = (wire(-86_400), wire(0));
    let cases: Vec<(String, u16, &str, String)> = vec![
        (format!("{base}&date_ini={ini}&date_end={end}"), 400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED".into()),
        (format!("{base}&campaign_id=1&date_end={end}"), 400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED".into()),
        (format!("{base}&campaign_id=1&date_ini={ini}"), 400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED".into()),
        (format!("{base}&campaign_id=1&date_ini=&date_end={end}"), 400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED".into()),
        (c3(1, "2026-11-22", &end), 400, "BAD REQUEST", "DATE_INI \"2026-11-22\" IS NOT A VALID DATE: USE YYYYmmddHHiiss, E.G. 20261122083000".into()),
        (c3(1, &ini, "20261131000000"), 400, "BAD REQUEST", "DATE_END \"20261131000000\" IS NOT A VALID DATE: USE YYYYmmddHHiiss, E.G. 20261122083000".into()),
        (c3(1, &end, &ini), 400, "BAD REQUEST", "DATE_INI MUST NOT BE AFTER DATE_END".into()),
        (c3(1, "20261001000000", "20261101000001"), 400, "BAD REQUEST", "THE DATE RANGE EXCEEDS THE LIMIT OF 31 DAYS: SPLIT IT INTO RANGES OF AT MOST 31 DAYS".into()),
        (c3(42, &ini, &end), 404, "NOT FOUND", "CAMPAIGN_ID 42 DOES NOT EXIST IN THIS OPERATION".into()),
        (c3("x1", &ini, &end), 404, "NOT FOUND", "CAMPAIGN_ID x1 DOES NOT EXIST IN THIS OPERATION".into()),
    ];
    for (path, code, err, msg) in cases {
        let (s, v) = app.get(&app.a.token, &path).await;
        assert_eq!(s.as_u16(), code, "{path}: {v}");
        assert_eq!(v, error(code, err, &msg), "{path}");
    }
    // Exactly 31 days is allowed.
    let (s, _) = app
        .get(&app.a.token, &c3(1, "20261022100000", "20261122100000"))
        .await;
    assert_eq!(s, StatusCode::OK);
}

both!(campaign_1_2_and_4_count_results_and_codes_over_the_range);
async fn campaign_1_2_and_4_count_results_and_codes_over_the_range() {
    let app = spawn_app().await;
    let path = |campaign: &str, ini: i64, end: i64| {
        format!(
            "/api/v2/reports_manager.php?api=campaign_1&campaign_id={campaign}&date_ini={}&date_end={}",
            wire(ini),
            wire(end)
        )
    };
    let c = app.a.predictive.to_string();
    let rows = |v: &serde_json::Value| v["data"].clone();
    // 1001: no-answer (-2 h), then answer (-1 h); 1002: busy (-30 s).
    let (s, v) = app.get(&app.a.token, &path(&c, -86_400, 0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        rows(&v),
        json!([{"result": "answer", "records": "1", "percent": "50.00 %"},
               {"result": "busy", "records": "1", "percent": "50.00 %"}]),
        "each record counted once, by its last result"
    );
    let (_, v) = app.get(&app.a.token, &path(&c, -86_400, -5_000)).await;
    assert_eq!(
        rows(&v),
        json!([{"result": "no-answer", "records": "1", "percent": "100.00 %"}]),
        "the last result within the range"
    );
    let (_, all) = app.get(&app.a.token, &path("all", -86_400, 0)).await;
    assert_eq!(
        rows(&all),
        rows(&app.get(&app.a.token, &path(&c, -86_400, 0)).await.1)
    );
    let (s, v) = app
        .get(&app.a.token, &path(&c, -86_400 * 3, -86_400 * 2))
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
    let (s, _) = app.get(&app.a.token, &path("999", -86_400, 0)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // campaign_4 counts every attempt: 1001's no-answer too.
    let four = path(&c, -86_400, 0).replace("campaign_1", "campaign_4");
    let (s, v) = app.get(&app.a.token, &four).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        rows(&v),
        json!([{"result": "answer", "records": "1", "percent": "33.33 %"},
               {"result": "busy", "records": "1", "percent": "33.33 %"},
               {"result": "no-answer", "records": "1", "percent": "33.33 %"}])
    );
    // campaign_2: the records codified in the range, by code.
    let codify =
        format!("/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={c}");
    for (customer, code) in [("1001", "001"), ("1002", "003"), ("1003", "001")] {
        let body = format!(r#"{{"customer_id":"{customer}","cod_act":"{code}"}}"#);
        let (s, v) = app.put(&app.a.token, &codify, &body).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    }
    let two = |ini, end| path(&c, ini, end).replace("campaign_1", "campaign_2");
    let (s, v) = app.get(&app.a.token, &two(-60, 60)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        rows(&v),
        json!([{"cod_act": "001", "records": "2", "percent": "66.67 %"},
               {"cod_act": "003", "records": "1", "percent": "33.33 %"}])
    );
    let (s, v) = app.get(&app.a.token, &two(-86_400, -60)).await;
    assert_eq!(
        (s, v),
        (StatusCode::NOT_FOUND, no_data()),
        "codified after the range"
    );
}

both!(campaign_3_streams_thousands_of_rows_in_time_order_across_reads);
/// More rows than one read of the store gives (1,000), many started in the
/// same second and written out of time order: every row once, in time order,
/// ties in the order they were written, for one campaign and for all.
async fn campaign_3_streams_thousands_of_rows_in_time_order_across_reads() {
    use futures_util::TryStreamExt;
    use marcador_server::store::CampaignSel;

    let (_db, store) = test_store().await;
    let (op, campaign) = crate::engine::setup(&store, 0, 300).await;
    let records = store.campaign_record_phones(campaign).await.unwrap();
    // Seven attempts to a second, the later seconds written first.
    let facts: Vec<Fact> = (0..2_345_i64)
        .rev()
        .map(|i| {
            let (id, _, tels) = &records[i as usize % records.len()];
            attempt(
                campaign,
                *id,
                1,
                &tels[0],
                -10_000 + i / 7,
                marcador_wire::CallResult::NoAnswer,
                &format!("c{i}"),
            )
        })
        .collect();
    store.record_facts(&facts).await.unwrap();
    let mut expected: Vec<(i64, usize, String)> = facts
        .iter()
        .enumerate()
        .map(|(n, f)| match f {
            Fact::Attempt(a) => (a.started_at, n, a.conn_id.clone()),
            _ => unreachable!("only attempts were written"),
        })
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, _, c)| c).collect();
    let tz = jiff::tz::TimeZone::get(TZ).unwrap();
    for sel in [CampaignSel::One(campaign), CampaignSel::All] {
        let mut read = store
            .campaign_3_read(op, sel, at(-20_000), at(0), 10_000)
            .await
            .unwrap();
        assert_eq!(read.count, 2_345);
        let rows: Vec<_> = read.rows(tz.clone()).try_collect().await.unwrap();
        read.finish().await.unwrap();
        let conns: Vec<String> = rows.iter().map(|r| r.conn_id.clone()).collect();
        assert_eq!(conns, expected, "{sel:?}");
        assert!(rows.windows(2).all(|w| w[0].date <= w[1].date));
    }
}
