//! What the endpoints share: reading the common parameters (`api`,
//! `type_campaign`, `campaign_id`, the date range, `skill_id`, `services_time`) and writing the common
//! answers (rows in the envelope or the 404 "no data", 201 and 202 writes),
//! within the answer cap; how an agent's state is shown.

use std::collections::HashMap;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use marcador_wire::api::{ALL_CAMPAIGNS, param};
use marcador_wire::rows::values;
use marcador_wire::skill_reports::CustomLevel;
use marcador_wire::{CampaignType, DateError, DateRange, Envelope, WireError, WriteAnswer};
use serde::Serialize;

use super::{ApiError, AppState};
use crate::domain::AgentPhase;
use crate::store::Caller;

/// An endpoint's answer: the HTTP answer, or an error envelope.
pub(super) type Answer = Result<Response, ApiError>;
type Params = HashMap<String, String>;

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
pub(super) fn range(p: &HashMap<String, String>, caller: &Caller) -> Result<(i64, i64), WireError> {
    let (ini, end) = (required(p, param::DATE_INI)?, required(p, param::DATE_END)?);
    let range = DateRange::parse(ini, end).map_err(|e| match e {
        DateError::Malformed { param, value, .. } => WireError::malformed_date(param, &value),
        DateError::Reversed => WireError::reversed_range(),
        DateError::TooLong => WireError::range_too_long(),
    })?;
    Ok(range.unix_seconds(&caller.tz))
}

/// The `campaign_id` parameter, as a campaign of the caller's operation.
pub(super) async fn campaign_of(
    st: &AppState,
    caller: &Caller,
    p: &Params,
) -> Result<(i64, CampaignType), ApiError> {
    let raw = required(p, param::CAMPAIGN_ID)?;
    let id: i64 = raw.parse().map_err(|_| WireError::unknown_campaign(raw))?;
    let kind = st
        .store
        .campaign_type(caller.operation_id, id)
        .await?
        .ok_or_else(|| WireError::unknown_campaign(raw))?;
    Ok((id, kind))
}

/// A `type_campaign` parameter that must match the campaign's type.
pub(super) fn check_type(p: &Params, id: i64, kind: CampaignType) -> Result<(), WireError> {
    if type_campaign(p)? != kind {
        return Err(WireError::wrong_campaign_type(
            &id.to_string(),
            kind.as_str(),
        ));
    }
    Ok(())
}

/// 200 with the rows in the envelope, or the 404 "no data" answer.
pub(super) fn found<T: Serialize>(st: &AppState, rows: Vec<T>) -> Answer {
    if rows.is_empty() {
        return Err(WireError::no_data().into());
    }
    json(st, &Envelope::found(rows))
}

/// Refuses a grouped answer (or a list read with `LIMIT cap + 1`) over the
/// record cap.
pub(super) fn capped<T>(st: &AppState, rows: Vec<T>) -> Result<Vec<T>, ApiError> {
    let cap = st.limits.max_records_per_answer;
    if rows.len() as u64 > cap {
        return Err(WireError::too_many_records(cap).into());
    }
    Ok(rows)
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

pub(super) fn accepted(msg: String) -> Answer {
    Ok((StatusCode::ACCEPTED, axum::Json(WriteAnswer::accepted(msg))).into_response())
}

pub(super) fn created<T: Serialize>(st: &AppState, msg: String, rows: Vec<T>) -> Answer {
    let mut resp = json(st, &Envelope::with(201, msg, rows))?;
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

/// `skill_id`: a skill of the operation, or every one (`all`, empty or absent).
pub(super) async fn skill_filter(
    st: &AppState,
    caller: &Caller,
    p: &Params,
) -> Result<Option<i64>, ApiError> {
    let raw = p.get(param::SKILL_ID).map(|s| s.trim()).unwrap_or("");
    if raw.is_empty() || raw == ALL_CAMPAIGNS {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(id) if st.store.skill_exists(caller.operation_id, id).await? => Ok(Some(id)),
        _ => Err(WireError::unknown_skill(raw).into()),
    }
}

/// `services_time`, when sent.
pub(super) fn custom_level(p: &Params) -> Result<Option<CustomLevel>, WireError> {
    match p.get(param::SERVICES_TIME).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(v) => CustomLevel::parse(v).map(Some).ok_or_else(|| {
            WireError::bad_parameter(param::SERVICES_TIME, v, "whole seconds from 1 to 3600")
        }),
    }
}

/// How an agent's state is shown (real_time agents, information agents,
/// agentbox errors): the wire status, or the pause's name.
pub(super) fn status_name(phase: AgentPhase, pause_name: &str) -> String {
    match phase.wire() {
        Some(status) => status.as_str().to_owned(),
        None if pause_name.is_empty() => values::UNNAMED_PAUSE.to_owned(),
        None => pause_name.to_owned(),
    }
}
