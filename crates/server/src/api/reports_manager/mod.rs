//! `reports_manager.php`: the ranged reports. The call reports (cdr_*,
//! act_*) are in `calls.rs`, the campaign reports but campaign_3
//! (campaign_1, 2, 4, 5, 6, 7, 8, 10) in `campaigns.rs`, the IVR reports
//! (diagram_*) in `ivr.rs`, the survey ones (diagram_4/5/6) in
//! `surveys.rs`, the smart-wait ones (diagram_2/3) in `smart_wait.rs`, the agent reports (agent_*) in `agents.rs`, the skill
//! reports (skill_*) in `skills.rs`; here: campaign_3 (streamed from its
//! index, caps checked before the first byte).

use axum::Extension;
use axum::extract::State;
use marcador_wire::WireError;
use marcador_wire::api::{ALL_CAMPAIGNS, param, report};

use super::answer::{Answer, range, required};
use super::input::Params;
use super::{ApiError, AppState, stream};

mod agents;
mod calls;
mod campaigns;
pub(super) mod ivr;
pub(super) mod skills;
mod smart_wait;
mod surveys;
use crate::store::{Caller, CampaignSel};

/// `GET reports_manager.php?api=…&date_ini=…&date_end=…`
pub async fn get(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let api = required(&p, param::API)?;
    if let Some(answer) = calls::get(&st, &caller, api, &p).await {
        return answer;
    }
    if let Some(answer) = campaigns::get(&st, &caller, api, &p).await {
        return answer;
    }
    if let Some(answer) = ivr::get(&st, &caller, api, &p).await {
        return answer;
    }
    if let Some(answer) = agents::get(&st, &caller, api, &p).await {
        return answer;
    }
    if let Some(answer) = skills::get(&st, &caller, api, &p).await {
        return answer;
    }
    if let Some(answer) = surveys::get(&st, &caller, api, &p).await {
        return answer;
    }
    if let Some(answer) = smart_wait::get(&st, &caller, api, &p).await {
        return answer;
    }
    match api {
        report::CAMPAIGN_3 => {
            let sel = campaign_sel(&st, &caller, &p).await?;
            let (from, to) = range(&p, &caller)?;
            let cap = st.limits.max_records_per_answer;
            let read = st
                .store
                .campaign_3_read(caller.operation_id, sel, from, to, cap)
                .await?;
            stream::campaign_3(&st.limits, read, caller.tz.clone()).await
        }
        _ => Err(WireError::api_not_found().into()),
    }
}

/// The `campaign_id` parameter: one campaign of the operation, or `all`.
async fn campaign_sel(st: &AppState, caller: &Caller, p: &Params) -> Result<CampaignSel, ApiError> {
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
