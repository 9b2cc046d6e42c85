//! `reports_manager.php`'s campaign reports but campaign_3: campaign_1 and
//! campaign_4 (each record's last result, or every attempt's, in the range),
//! campaign_2 (records codified in the range, by code), campaign_5 (preview
//! calls one by one), campaign_6/campaign_7 (answering-machine detection),
//! campaign_8 (machine codes per telephone) and campaign_10 (machine codes
//! of the campaigns running Turbo Dial). Each row is made here, once, from
//! the store's plain data.

use jiff::tz::TimeZone;
use marcador_wire::CallResult;
use marcador_wire::api::report;
use marcador_wire::campaign_reports::{
    Campaign5Row, Campaign6Row, Campaign7Row, Campaign8Row, Campaign10Row, record_standing,
    row_type,
};
use marcador_wire::date::format_response_date;
use marcador_wire::format::{duration_hms, percent};
use marcador_wire::rows::{Campaign1Row, Campaign2Row};

use super::super::answer::{Answer, capped, found, range};
use super::super::input::Params;
use super::super::{AppState, stream};
use super::campaign_sel as selection;
use crate::store::{AmdAttempt, Caller, PreviewCall};

/// One of these reports; `None` for another api.
pub(super) async fn get(st: &AppState, caller: &Caller, api: &str, p: &Params) -> Option<Answer> {
    Some(match api {
        report::CAMPAIGN_1 => results(st, caller, p, true).await,
        report::CAMPAIGN_4 => results(st, caller, p, false).await,
        report::CAMPAIGN_2 => campaign_2(st, caller, p).await,
        report::CAMPAIGN_5 => campaign_5(st, caller, p).await,
        report::CAMPAIGN_6 => campaign_6(st, caller, p).await,
        report::CAMPAIGN_7 => campaign_7(st, caller, p).await,
        report::CAMPAIGN_8 => campaign_8(st, caller, p).await,
        report::CAMPAIGN_10 => campaign_10(st, caller, p).await,
        _ => return None,
    })
}

/// campaign_1 (`last`: each record's last result) and campaign_4 (every attempt).
async fn results(st: &AppState, caller: &Caller, p: &Params, last: bool) -> Answer {
    let sel = selection(st, caller, p).await?;
    let (from, to) = range(p, caller)?;
    let counts = st
        .store
        .results_in_range(caller.operation_id, sel, from, to, last)
        .await?;
    found(st, result_shares(counts))
}

async fn campaign_2(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let sel = selection(st, caller, p).await?;
    let (from, to) = range(p, caller)?;
    let counts = st
        .store
        .codes_in_range(caller.operation_id, sel, from, to)
        .await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let rows: Vec<Campaign2Row> = counts
        .into_iter()
        .map(|(cod_act, n)| Campaign2Row {
            cod_act,
            records: n.to_string(),
            percent: percent(n.max(0) as u64, total.max(0) as u64),
        })
        .collect();
    found(st, rows)
}

/// Counts by stored result as campaign_1/campaign_4 rows: the documented
/// spelling (`chanunavail` joins `failed`) and each one's share.
fn result_shares(counts: Vec<(String, i64)>) -> Vec<Campaign1Row> {
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let mut by_result: Vec<(String, i64)> = Vec::new();
    for (stored, n) in counts {
        let name = CallResult::parse(&stored).map_or(stored, |r| r.campaign_1());
        match by_result.iter_mut().find(|(r, _)| *r == name) {
            Some((_, m)) => *m += n,
            None => by_result.push((name, n)),
        }
    }
    by_result.sort();
    by_result
        .into_iter()
        .map(|(result, n)| Campaign1Row {
            result,
            records: n.to_string(),
            percent: percent(n.max(0) as u64, total.max(0) as u64),
        })
        .collect()
}

async fn campaign_5(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let sel = selection(st, caller, p).await?;
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .preview_calls(caller.operation_id, sel, from, to)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |c| campaign_5_row(c, &tz)).await
}

fn campaign_5_row(c: PreviewCall, tz: &TimeZone) -> Campaign5Row {
    Campaign5Row {
        type_of_row: row_type::PREVIEW.to_owned(),
        campaign_id: c.campaign_id.to_string(),
        customer_name: c.customer_name,
        customer_last_name: c.customer_last_name,
        result: record_standing(c.rpc).to_owned(),
        last_code_act: c.record_code,
        comments_customer_reg: c.record_comment,
        customer_id: c.customer_id,
        agent_id: c.agent_code,
        conn_id: c.conn_id,
        telephone: c.telephone,
        hang_up: c.hang_up,
        type_interaction: c.type_interaction,
        call_result: c.result,
        date: format_response_date(c.started_at, tz),
        time: duration_hms(c.duration),
        cod_act: c.cod_act,
        comments: c.comments,
    }
}

async fn campaign_6(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let sel = selection(st, caller, p).await?;
    let (from, to) = range(p, caller)?;
    let rows: Vec<Campaign6Row> = st
        .store
        .machines_per_campaign(caller.operation_id, sel, from, to)
        .await?
        .into_iter()
        .map(|(campaign, n)| Campaign6Row {
            campaign_id: campaign.to_string(),
            total_amd: n.to_string(),
        })
        .collect();
    found(st, rows)
}

async fn campaign_7(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let sel = selection(st, caller, p).await?;
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .amd_attempts(caller.operation_id, sel, from, to)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |a: AmdAttempt| Campaign7Row {
        customer_id: a.customer_id,
        campaign_id: a.campaign_id.to_string(),
        file_name: String::new(),
        telephone: a.telephone,
        result: a.amd,
        date: format_response_date(a.started_at, &tz),
    })
    .await
}

async fn campaign_8(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let sel = selection(st, caller, p).await?;
    let (from, to) = range(p, caller)?;
    let cap = st.limits.max_records_per_answer;
    let phones = st
        .store
        .machine_codes_per_phone(caller.operation_id, sel, from, to, cap)
        .await?;
    let rows: Vec<Campaign8Row> = capped(st, phones)?
        .into_iter()
        .map(|t| {
            let [no_answer, answer_machine, busy, congestion, failed] =
                t.columns.map(|n| n.to_string());
            Campaign8Row {
                telephone: t.telephone,
                total_machine_recognitions: t.machines.to_string(),
                no_answer,
                answer_machine,
                busy,
                congestion,
                failed,
            }
        })
        .collect();
    found(st, rows)
}

async fn campaign_10(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let sel = selection(st, caller, p).await?;
    let (from, to) = range(p, caller)?;
    let rows: Vec<Campaign10Row> = st
        .store
        .turbo_dial_results(caller.operation_id, sel, from, to)
        .await?
        .into_iter()
        .map(|(machinecode, n)| Campaign10Row {
            machinecode,
            cantidad: n.to_string(),
        })
        .collect();
    found(st, rows)
}
