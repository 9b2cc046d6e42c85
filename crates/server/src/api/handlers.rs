//! The endpoints. Each parses with the wire types, asks the store, and answers
//! with the wire types; the `api` query parameter picks the report.

use std::collections::HashMap;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use marcador_wire::api::{ALL_CAMPAIGNS, param, report};
use marcador_wire::rows::CodifyRequest;
use marcador_wire::{CampaignType, DateError, DateRange, Envelope, WireError, WriteAnswer};
use serde::Serialize;

use super::{ApiError, AppState, companions, stream};
use crate::domain;
use crate::store::{Caller, CampaignSel, CodifyInput, CodifyRejection};

use super::input::Params;
pub(super) type Answer = Result<Response, ApiError>;

/// `GET real_time.php?api=campaigns|calls_last_10|agents`
pub async fn real_time(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let now = st.clock.now();
    match required(&p, param::API)? {
        report::CAMPAIGNS => {
            let today = domain::local_day(now, &caller.tz);
            let rows = st
                .store
                .campaigns_realtime(caller.operation_id, now.as_second(), &today)
                .await?;
            // Documented exception: a bare array, empty when there are no campaigns.
            json(&st, &rows)
        }
        report::CALLS_LAST_10 => {
            let cap = st.limits.max_records_per_answer;
            let rows = st
                .store
                .calls_last_10(caller.operation_id, now.as_second(), cap, &caller.tz)
                .await?
                .map_err(|_| WireError::too_many_records(cap))?;
            found(&st, rows)
        }
        report::AGENTS => super::agents::realtime(&st, &caller).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `PUT campaign.php?api=codify|start|stop|speed|recall_records…`
pub async fn campaign(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
    body: Bytes,
) -> Answer {
    match required(&p, param::API)? {
        report::CODIFY => {
            let kind = type_campaign(&p)?;
            let campaign = required(&p, param::CAMPAIGN_ID)?;
            let campaign_id: i64 = campaign
                .parse()
                .map_err(|_| WireError::unknown_campaign(campaign))?;
            let input = codify_input(&body)?;
            let outcome = st
                .store
                .codify(
                    caller.operation_id,
                    campaign_id,
                    kind,
                    &input,
                    st.clock.now(),
                )
                .await?;
            match outcome {
                Ok(()) => Ok((
                    StatusCode::ACCEPTED,
                    axum::Json(WriteAnswer::accepted(marcador_wire::envelope::coded_msg(
                        &input.customer_id,
                    ))),
                )
                    .into_response()),
                Err(CodifyRejection::UnknownCampaign) => {
                    Err(WireError::unknown_campaign(campaign).into())
                }
                Err(CodifyRejection::WrongType(actual)) => {
                    Err(WireError::wrong_campaign_type(campaign, actual.as_str()).into())
                }
                Err(CodifyRejection::UnknownCustomer) => {
                    Err(WireError::unknown_customer(&input.customer_id, campaign).into())
                }
                Err(CodifyRejection::UnknownCode(code)) => {
                    Err(WireError::unknown_activity_code(&code).into())
                }
            }
        }
        report::START => companions::start_stop(&st, &caller, &p, true).await,
        report::STOP => companions::start_stop(&st, &caller, &p, false).await,
        report::SPEED => companions::speed(&st, &caller, &p, &body).await,
        report::RECALL_RECORDS => companions::recall_records(&st, &caller, &p, &body).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `GET reports_manager.php?api=campaign_3|diagram_1_3&date_ini=…&date_end=…`
pub async fn reports_manager(
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
            let rows = st.store.diagram_1_3(caller.operation_id, from, to).await?;
            if rows.len() as u64 > st.limits.max_records_per_answer {
                return Err(WireError::too_many_records(st.limits.max_records_per_answer).into());
            }
            found(&st, rows)
        }
        _ => Err(WireError::api_not_found().into()),
    }
}

/// A required query parameter; missing or empty is the catalogue's 400.
pub(super) fn required<'a>(
    p: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, WireError> {
    p.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(WireError::parameters_required)
}

/// The required `type_campaign` parameter.
pub(super) fn type_campaign(p: &HashMap<String, String>) -> Result<CampaignType, WireError> {
    let raw = required(p, param::TYPE_CAMPAIGN)?;
    CampaignType::parse(raw).ok_or_else(|| WireError::bad_type_campaign(raw))
}

/// `date_ini`/`date_end` as Unix seconds in the caller's zone.
fn range(p: &HashMap<String, String>, caller: &Caller) -> Result<(i64, i64), WireError> {
    let (ini, end) = (required(p, param::DATE_INI)?, required(p, param::DATE_END)?);
    let range = DateRange::parse(ini, end).map_err(|e| match e {
        DateError::Malformed { param, value, .. } => WireError::malformed_date(param, &value),
        DateError::Reversed => WireError::reversed_range(),
        DateError::TooLong => WireError::range_too_long(),
    })?;
    Ok(range.unix_seconds(&caller.tz))
}

fn codify_input(body: &[u8]) -> Result<CodifyInput, WireError> {
    let value = super::input::json(body)?;
    if !value.is_object() {
        return Err(WireError::bad_body("expected a JSON object"));
    }
    let req: CodifyRequest =
        serde_json::from_value(value).map_err(|e| WireError::bad_body(&e.to_string()))?;
    let non_empty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(CodifyInput {
        customer_id: non_empty(req.customer_id).ok_or_else(WireError::parameters_required)?,
        cod_act: non_empty(req.cod_act).ok_or_else(WireError::parameters_required)?,
        cod_act_2: non_empty(req.cod_act_2).unwrap_or_default(),
        comment: req.comment.unwrap_or_default(),
    })
}

/// 200 with the rows in the envelope, or the 404 "no data" answer.
pub(super) fn found<T: Serialize>(st: &AppState, rows: Vec<T>) -> Answer {
    if rows.is_empty() {
        return Err(WireError::no_data().into());
    }
    json(st, &Envelope::found(rows))
}

/// Serializes an answer, refusing it if it passes the size cap.
pub(super) fn json<T: Serialize>(st: &AppState, value: &T) -> Answer {
    let body = serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "serialize answer");
        WireError::internal()
    })?;
    if body.len() as u64 > st.limits.max_answer_bytes {
        return Err(WireError::answer_too_large(st.limits.max_answer_bytes).into());
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
