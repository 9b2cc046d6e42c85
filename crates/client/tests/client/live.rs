//! Against the real server.

use futures_util::TryStreamExt;
use marcador_client::wire::envelope::coded_msg;
use marcador_client::wire::rows::Campaign3Row;
use marcador_client::wire::{CampaignType, WriteAnswer};
use marcador_client::wire::{DateRange, WireDate};
use marcador_client::{Campaigns, Client, Codify, Endpoint, Error, windows};
use marcador_server::config::Limits;
use marcador_server::store::CampaignSel;

use crate::helpers::{TOKEN, client, days_ago, fast_retries, serve_demo, six_months, tz};

/// `[from, to]` as Unix seconds in the operation's zone.
fn unix(from: WireDate, to: WireDate) -> (i64, i64) {
    (
        from.to_timestamp(&tz()).unwrap().as_second(),
        to.to_timestamp(&tz()).unwrap().as_second(),
    )
}

/// Every campaign_3 row of `[from, to]` through the client's ranged call.
async fn export(client: &Client, from: WireDate, to: WireDate) -> Vec<Campaign3Row> {
    client
        .campaign_3(Campaigns::All, from, to)
        .try_collect()
        .await
        .unwrap()
}

/// What the store holds for `[from, to]`, read through its own reader with no cap.
async fn stored(s: &crate::helpers::Served, from: WireDate, to: WireDate) -> Vec<Campaign3Row> {
    let range = unix(from, to);
    let mut read = s
        .store
        .campaign_3_read(
            s.demo.operation_id,
            CampaignSel::All,
            range.0,
            range.1,
            u64::MAX / 4,
        )
        .await
        .unwrap();
    read.rows(tz()).try_collect().await.unwrap()
}

#[tokio::test]
async fn a_six_month_export_equals_the_store_row_for_row() {
    let s = serve_demo(Limits::default(), six_months()).await;
    let (from, to) = (days_ago(183), days_ago(0));
    assert!(windows(from, to).unwrap().len() >= 6);
    let client = client(&s);
    let got = export(&client, from, to).await;
    let want = stored(&s, from, to).await;
    assert!(want.len() > 2_000, "a real dataset: {}", want.len());
    let months: std::collections::BTreeSet<&str> = want.iter().map(|r| &r.date[..7]).collect();
    assert!(months.len() >= 6, "rows in every month: {months:?}");
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want, "row for row, in time order");
    // One request per window: nothing was bisected or retried.
    let st = client.stats();
    assert_eq!(st.requests as usize, windows(from, to).unwrap().len());
    assert_eq!((st.retries, st.busy_refusals, s.refusals()), (0, 0, 0));
}

#[tokio::test]
async fn a_window_over_the_cap_is_bisected_until_it_fits() {
    let cap = 150;
    let s = serve_demo(
        Limits {
            max_records_per_answer: cap,
            ..Limits::default()
        },
        six_months(),
    )
    .await;
    let (from, to) = (days_ago(60), days_ago(0));
    let client = client(&s);
    // One 31-day request is refused by the server…
    let one = DateRange::new(days_ago(31), days_ago(0)).unwrap();
    let refused = client
        .campaign_3_range(Campaigns::All, one)
        .await
        .unwrap_err();
    assert_eq!(refused.wire().map(|w| w.code.0), Some(413), "{refused}");
    // …and the ranged call splits it until every part fits.
    let before = client.stats().requests;
    let got = export(&client, from, to).await;
    let want = stored(&s, from, to).await;
    assert!(want.len() as u64 > 4 * cap, "{} rows", want.len());
    assert_eq!(got, want);
    let requests = client.stats().requests - before;
    assert!(
        requests >= want.len() as u64 / cap,
        "{requests} requests for {} rows at {cap} a request",
        want.len()
    );
    // diagram_1_3 over the same 60 days (two windows) sums to what the store
    // says for the whole range at once.
    let merged = client.diagram_1_3(from, to).await.unwrap();
    let (a, b) = unix(from, to);
    let whole: Vec<marcador_wire::rows::Diagram13Row> = s
        .store
        .ivr_option_totals(s.demo.operation_id, a, b)
        .await
        .unwrap()
        .into_iter()
        .map(|t| marcador_wire::rows::Diagram13Row {
            rp_id: t.rp_id.to_string(),
            calls: t.calls.to_string(),
            time: marcador_wire::format::duration_hms(t.seconds),
            cod_opc_menu: t.option,
        })
        .collect();
    assert!(whole.len() > 3, "{whole:?}");
    assert_eq!(merged, whole);
}

#[tokio::test]
async fn two_exports_sharing_a_token_never_have_three_requests_in_flight() {
    let s = serve_demo(Limits::default(), six_months()).await;
    let (from, to) = (days_ago(183), days_ago(0));
    // Control: the answers are large enough that unrestrained requests overlap
    // and the server refuses the third.
    let http = reqwest::Client::new();
    let url = format!(
        "{}/api/v2/reports_manager.php?api=campaign_3&campaign_id=all&date_ini={}&date_end={}",
        s.base,
        days_ago(31).to_wire(),
        days_ago(0).to_wire()
    );
    let raw = (0..6).map(|_| http.get(&url).header("wolkvox-token", TOKEN).send());
    let statuses: Vec<u16> = futures_util::future::join_all(raw)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    let control = s.refusals();
    assert!(control > 0, "six raw requests at once: {statuses:?}");

    // Two exports (two clients built apart, plus a clone) on one token.
    let a = client(&s);
    let b = Client::builder(Endpoint::Url(s.base.clone()), TOKEN)
        .retry(fast_retries())
        .build()
        .unwrap();
    let c = b.clone();
    let run = |c: Client| async move { export(&c, from, to).await };
    let (x, y, z) = tokio::join!(run(a.clone()), run(b), run(c.clone()));
    assert_eq!(x, y);
    assert_eq!(x, z);
    assert_eq!(s.refusals(), control, "no refusal during the exports");
    assert_eq!(a.stats().busy_refusals + c.stats().busy_refusals, 0);
}

#[tokio::test]
async fn quota_exhaustion_stops_with_the_reset_time() {
    let s = serve_demo(Limits::default(), six_months()).await;
    let client = client(&s);
    s.leave_quota(2).await.unwrap();
    let before = client.stats().requests;
    let err = client
        .campaign_3(Campaigns::All, days_ago(183), days_ago(0))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let Error::QuotaExhausted { resets_at } = &err else {
        panic!("expected the quota error, got {err}");
    };
    assert_eq!((resets_at.hour(), resets_at.minute()), (0, 0));
    assert_eq!(resets_at.time_zone().iana_name(), Some("America/Bogota"));
    assert!(err.to_string().contains("TOKEN LIMIT EXCEEDED"), "{err}");
    assert!(err.to_string().contains("resets at"), "{err}");
    // Two windows got through, the third was refused, and nothing was retried.
    let sent = client.stats().requests - before;
    assert!((3..=4).contains(&sent), "{sent} requests");
    assert_eq!(client.stats().retries, 0);
    // The quota's own endpoint is refused too.
    assert!(matches!(
        client.calls_last_10().await,
        Err(Error::QuotaExhausted { .. })
    ));
}

#[tokio::test]
async fn every_endpoint_is_typed() {
    let s = serve_demo(Limits::default(), Default::default()).await;
    let client = client(&s);
    let campaigns = client.campaigns().await.unwrap();
    assert_eq!(campaigns.len(), 3);
    assert!(!client.calls_last_10().await.unwrap().is_empty());
    let (id, _, kind) = s.demo.campaigns[0].clone();
    let rows = client
        .campaign_3_range(
            Campaigns::One(id),
            DateRange::new(days_ago(1), days_ago(0)).unwrap(),
        )
        .await
        .unwrap();
    let customer = rows[0].customer_id.clone();
    let msg = client
        .codify(&Codify {
            campaign_id: id,
            type_campaign: kind,
            customer_id: customer.clone(),
            code: "002".into(),
            code_2: None,
            comment: Some("from the client".into()),
        })
        .await
        .unwrap();
    assert_eq!(msg, WriteAnswer::accepted(coded_msg(&customer)));
    // Errors keep their envelope.
    let err = client
        .codify(&Codify {
            campaign_id: id,
            type_campaign: kind,
            customer_id: "nobody".into(),
            code: "002".into(),
            code_2: None,
            comment: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.wire().map(|w| w.code.0), Some(404), "{err}");
    // No data is an empty answer: a range before the operation existed.
    let far = DateRange::parse("20200101000000", "20200105000000").unwrap();
    assert!(
        client
            .campaign_3_range(Campaigns::All, far)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(client.diagram_1_3_range(far).await.unwrap().is_empty());
    // Companions.
    assert_eq!(client.info_campaigns(None).await.unwrap().len(), 3);
    assert_eq!(client.info_skills(None).await.unwrap().len(), 3);
    assert!(!client.info_routing_points(None).await.unwrap().is_empty());
    assert!(!client.info_activity_codes(None).await.unwrap().is_empty());
    client.stop_campaign(kind, id).await.unwrap();
    client.set_speed(kind, id, 40).await.unwrap();
    let info = client.info_campaigns(Some(id)).await.unwrap();
    assert_eq!(
        (info[0].status.as_str(), info[0].speed.as_str()),
        ("Stopped", "40")
    );
    let created = client
        .create_campaign(
            CampaignType::Predictive,
            &marcador_client::wire::rows::CreateCampaignRequest {
                campaign_name: "Desde el cliente".into(),
                skill_id: s.demo.skills[0].to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let new_id: i64 = created.id_campaign.parse().unwrap();
    let record: marcador_client::Record = serde_json::from_value(serde_json::json!({
        "customer_id": "C-1", "customer_name": "Ana", "tel1": "573001112233"
    }))
    .unwrap();
    let added = client
        .add_records(&marcador_client::NewRecords {
            campaign_id: new_id,
            type_campaign: CampaignType::Predictive,
            records: &[record],
            then_start: None,
        })
        .await
        .unwrap();
    assert_eq!(added, 1);
    client
        .remove_records(CampaignType::Predictive, new_id, &["C-1"])
        .await
        .unwrap();
    assert!(client.token_info().await.is_ok());
}
