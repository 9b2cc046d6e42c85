//! `reports_manager.php`: the ranged reports. The call reports (cdr_*,
//! act_*) are in `calls.rs`; here: campaign_1 and campaign_4
//! (each record's last result, or every attempt's, in the range, counted in
//! the database from the attempts index), campaign_2 (records codified in the
//! range by code, from an index on the codify time), campaign_3 (streamed from its index, caps checked before the
//! first byte) and diagram_1_3 (hourly rollups plus the partial hours).

use axum::Extension;
use axum::extract::State;
use marcador_wire::api::{ALL_CAMPAIGNS, param, report};
use marcador_wire::format::duration_hms;
use marcador_wire::format::percent;
use marcador_wire::rows::Diagram13Row;
use marcador_wire::rows::{Campaign1Row, Campaign2Row};
use marcador_wire::{CallResult, WireError};

use super::answer::{Answer, found, range, required};
use super::input::Params;
use super::{ApiError, AppState, stream};

mod calls;
use crate::store::{Caller, CampaignSel};

/// `GET reports_manager.php?api=campaign_1|campaign_2|campaign_3|campaign_4|diagram_1_3&date_ini=…&date_end=…`
pub async fn get(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let api = required(&p, param::API)?;
    if let Some(answer) = calls::get(&st, &caller, api, &p).await {
        return answer;
    }
    match api {
        report::CAMPAIGN_1 | report::CAMPAIGN_4 => {
            let sel = campaigns(&st, &caller, &p).await?;
            let (from, to) = range(&p, &caller)?;
            // campaign_1: each record's last result; campaign_4: every attempt.
            let last = api == report::CAMPAIGN_1;
            let counts = st
                .store
                .results_in_range(caller.operation_id, sel, from, to, last)
                .await?;
            found(&st, result_shares(counts))
        }
        report::CAMPAIGN_2 => {
            let sel = campaigns(&st, &caller, &p).await?;
            let (from, to) = range(&p, &caller)?;
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
            found(&st, rows)
        }
        report::CAMPAIGN_3 => {
            let sel = campaigns(&st, &caller, &p).await?;
            let (from, to) = range(&p, &caller)?;
            let cap = st.limits.max_records_per_answer;
            let read = st
                .store
                .campaign_3_read(caller.operation_id, sel, from, to, cap)
                .await?;
            stream::campaign_3(&st.limits, read, caller.tz.clone()).await
        }
        report::DIAGRAM_1_3 => {
            let (from, to) = range(&p, &caller)?;
            let rows: Vec<Diagram13Row> = st
                .store
                .ivr_option_totals(caller.operation_id, from, to)
                .await?
                .into_iter()
                .map(|t| Diagram13Row {
                    rp_id: t.rp_id.to_string(),
                    calls: t.calls.to_string(),
                    time: duration_hms(t.seconds),
                    cod_opc_menu: t.option,
                })
                .collect();
            if rows.len() as u64 > st.limits.max_records_per_answer {
                return Err(WireError::too_many_records(st.limits.max_records_per_answer).into());
            }
            found(&st, rows)
        }
        _ => Err(WireError::api_not_found().into()),
    }
}

/// The `campaign_id` parameter: one campaign of the operation, or `all`.
async fn campaigns(st: &AppState, caller: &Caller, p: &Params) -> Result<CampaignSel, ApiError> {
    let campaign = required(p, param::CAMPAIGN_ID)?;
    if campaign == ALL_CAMPAIGNS {
        return Ok(CampaignSel::All);
    }
    let id: i64 = campaign
        .parse()
        .map_err(|_| WireError::unknown_campaign(campaign))?;
    st.store
        .campaign_type(caller.operation_id, id)
        .await?
        .ok_or_else(|| WireError::unknown_campaign(campaign))?;
    Ok(CampaignSel::One(id))
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
