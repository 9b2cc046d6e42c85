//! `campaign.php`: writing to campaigns — codify; create, start, stop and
//! speed (here); the records' uploads, removals, recycles and the
//! do-not-call list (`records.rs`); recall, edit_campaign, campaign_filter and
//! delete_campaign (`edits.rs`); and reading their records — detail,
//! find_record, campaign_15 (`reads.rs`).

mod edits;
mod reads;
mod records;

use std::collections::HashMap;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use marcador_wire::api::{AMD_COUNTRIES, param, report};
use marcador_wire::envelope::msgs;
use marcador_wire::rows::{CodifyRequest, CreateCampaignRequest, CreatedCampaignRow, SpeedRequest};
use marcador_wire::upload::text;
use marcador_wire::{WireError, WriteAnswer};

use super::AppState;
use super::answer::{Answer, accepted, campaign_of, created, required, type_campaign};
use super::gate::PendingAudit;
use super::input::{Params, json as json_body};
use crate::store::{Caller, CodifyInput, CodifyRejection, NewCampaign};

/// `PUT campaign.php?api=codify|start|stop|speed|recall_records|recall|edit_campaign|campaign_filter`
pub async fn put(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    audit: Option<Extension<PendingAudit>>,
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
            // Written in the codify's own transaction when it succeeds.
            let audit = audit.and_then(|Extension(a)| a.take());
            let outcome = st
                .store
                .codify_audited(
                    caller.operation_id,
                    campaign_id,
                    kind,
                    &input,
                    st.clock.now(),
                    audit,
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
        report::START => start_stop(&st, &caller, &p, true).await,
        report::STOP => start_stop(&st, &caller, &p, false).await,
        report::SPEED => speed(&st, &caller, &p, &body).await,
        report::RECALL_RECORDS => records::recall_records(&st, &caller, &p, &body).await,
        report::RECALL_CUSTOMER => edits::recall(&st, &caller, &p, &body).await,
        report::EDIT_CAMPAIGN => edits::edit_campaign(&st, &caller, &p, &body).await,
        report::CAMPAIGN_FILTER => edits::campaign_filter(&st, &caller, &p, &body).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `GET campaign.php?api=detail|find_record|campaign_15…`; one of the other
/// methods' apis asked with GET is told which method it takes.
pub async fn get(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let method = match required(&p, param::API)? {
        report::DETAIL => return reads::detail(&st, &caller, &p).await,
        report::FIND_RECORD => return reads::find_record(&st, &caller, &p).await,
        report::CAMPAIGN_15 => return reads::campaign_15(&st, &caller, &p).await,
        report::CODIFY
        | report::START
        | report::STOP
        | report::SPEED
        | report::RECALL_RECORDS
        | report::RECALL_CUSTOMER
        | report::EDIT_CAMPAIGN
        | report::CAMPAIGN_FILTER => "PUT",
        report::CREATE_CAMPAIGN | report::ADD_RECORD | report::ADD_DNC => "POST",
        report::REMOVE_RECORD | report::CLEAR_CAMPAIGN | report::DELETE_CAMPAIGN => "DELETE",
        _ => return Err(WireError::api_not_found().into()),
    };
    Err(WireError::method_not_allowed(method).into())
}

/// `POST campaign.php?api=create_campaign|add_record|add_dnc`
pub async fn post(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
    body: Bytes,
) -> Answer {
    match required(&p, param::API)? {
        report::CREATE_CAMPAIGN => create_campaign(&st, &caller, &p, &body).await,
        report::ADD_RECORD => records::add_record(&st, &caller, &p, &body).await,
        report::ADD_DNC => records::add_dnc(&st, &caller, &body).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `DELETE campaign.php?api=remove_record|clear_campaign|delete_campaign`
pub async fn delete(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
    body: Bytes,
) -> Answer {
    match required(&p, param::API)? {
        report::REMOVE_RECORD => records::remove_record(&st, &caller, &p, &body).await,
        report::CLEAR_CAMPAIGN => records::clear_campaign(&st, &caller, &p).await,
        report::DELETE_CAMPAIGN => edits::delete_campaign(&st, &caller, &p, &body).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

fn codify_input(body: &[u8]) -> Result<CodifyInput, WireError> {
    let req: CodifyRequest = super::input::object(body)?;
    let non_empty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(CodifyInput {
        customer_id: non_empty(req.customer_id).ok_or_else(WireError::parameters_required)?,
        cod_act: non_empty(req.cod_act).ok_or_else(WireError::parameters_required)?,
        cod_act_2: non_empty(req.cod_act_2).unwrap_or_default(),
        comment: req.comment.unwrap_or_default(),
    })
}

fn valid_hhiiss(s: &str) -> bool {
    s.len() == 6
        && s.bytes().all(|b| b.is_ascii_digit())
        && s[0..2] < *"24"
        && s[2..4] < *"60"
        && s[4..6] < *"60"
}

/// `POST campaign.php?api=create_campaign&type_campaign=…`
pub async fn create_campaign(
    st: &AppState,
    caller: &Caller,
    p: &HashMap<String, String>,
    body: &[u8],
) -> Answer {
    let kind = type_campaign(p)?;
    let req: CreateCampaignRequest = super::input::object(body)?;
    let name = req.campaign_name.trim();
    if name.is_empty() || req.skill_id.trim().is_empty() {
        return Err(WireError::parameters_required().into());
    }
    let skill: i64 = req
        .skill_id
        .trim()
        .parse()
        .map_err(|_| WireError::unknown_skill(&req.skill_id))?;
    if !st.store.skill_exists(caller.operation_id, skill).await? {
        return Err(WireError::unknown_skill(&req.skill_id).into());
    }
    let window = match (req.start_time.trim(), req.end_time.trim()) {
        ("", "") => None,
        (s, e) if valid_hhiiss(s) && valid_hhiiss(e) && s <= e => {
            Some((s.to_owned(), e.to_owned()))
        }
        (s, e) => {
            return Err(WireError::bad_parameter(
                "start_time/end_time",
                &format!("{s}-{e}"),
                "hhiiss times, start before end",
            )
            .into());
        }
    };
    let amd = req.amd.trim().to_uppercase();
    if !amd.is_empty() && !AMD_COUNTRIES.contains(&amd.as_str()) {
        return Err(WireError::bad_parameter("amd", &req.amd, &AMD_COUNTRIES.join(", ")).into());
    }
    let id = st
        .store
        .create_campaign(
            &NewCampaign {
                operation_id: caller.operation_id,
                name: name.to_owned(),
                description: req.campaign_description.clone(),
                kind,
                started: false,
                speed: 100,
                skill_id: Some(skill),
                opt_titles: req.opt_titles(),
                window,
                amd,
            },
            st.clock.now(),
        )
        .await?;
    created(
        st,
        msgs::campaign_created(id),
        vec![CreatedCampaignRow {
            id_campaign: id.to_string(),
            name_campaign: name.to_owned(),
        }],
    )
}

/// `PUT campaign.php?api=start|stop&campaign_id=…`
pub async fn start_stop(
    st: &AppState,
    caller: &Caller,
    p: &HashMap<String, String>,
    start: bool,
) -> Answer {
    let (id, _) = campaign_of(st, caller, p).await?;
    st.store
        .set_campaign_started(caller.operation_id, id, start)
        .await?;
    accepted(if start {
        msgs::started(id)
    } else {
        msgs::stopped(id)
    })
}

/// `PUT campaign.php?api=speed&campaign_id=…` with `{"speed": "0…100"}`.
pub async fn speed(
    st: &AppState,
    caller: &Caller,
    p: &HashMap<String, String>,
    body: &[u8],
) -> Answer {
    let (id, _) = campaign_of(st, caller, p).await?;
    let req: SpeedRequest = serde_json::from_value(json_body(body)?)
        .map_err(|e| WireError::bad_body(&e.to_string()))?;
    let raw = req
        .speed
        .as_ref()
        .and_then(text)
        .filter(|s| !s.is_empty())
        .ok_or_else(WireError::parameters_required)?;
    let speed: i64 = raw
        .parse()
        .ok()
        .filter(|s| (0..=100).contains(s))
        .ok_or_else(|| WireError::bad_parameter("speed", &raw, "a whole number from 0 to 100"))?;
    st.store.set_speed(caller.operation_id, id, speed).await?;
    accepted(msgs::speed_updated(id))
}
