//! `reports_manager.php`: the ranged reports — campaign_3 (streamed from
//! its index, caps checked before the first byte) and diagram_1_3 (hourly
//! rollups plus the partial hours).

use axum::Extension;
use axum::extract::State;
use marcador_wire::WireError;
use marcador_wire::api::{ALL_CAMPAIGNS, param, report};
use marcador_wire::format::duration_hms;
use marcador_wire::rows::Diagram13Row;

use super::answer::{Answer, found, range, required};
use super::input::Params;
use super::{AppState, stream};
use crate::store::{Caller, CampaignSel};

/// `GET reports_manager.php?api=campaign_3|diagram_1_3&date_ini=…&date_end=…`
pub async fn get(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    match required(&p, param::API)? {
        report::CAMPAIGN_3 => {
            let campaign = required(&p, param::CAMPAIGN_ID)?;
            let (from, to) = range(&p, &caller)?;
            let sel = if campaign == ALL_CAMPAIGNS {
                CampaignSel::All
            } else {
                let id: i64 = campaign
                    .parse()
                    .map_err(|_| WireError::unknown_campaign(campaign))?;
                st.store
                    .campaign_type(caller.operation_id, id)
                    .await?
                    .ok_or_else(|| WireError::unknown_campaign(campaign))?;
                CampaignSel::One(id)
            };
            let cap = st.limits.max_records_per_answer;
            let read = st
                .store
                .campaign_3_read(caller.operation_id, sel, from, to, cap)
                .await?;
            stream::campaign_3(&st.limits, read, caller.tz.clone())
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
