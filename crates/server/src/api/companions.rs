//! The vendor's companion endpoints: campaign creation, record upload,
//! start/stop/speed, recycling, the do-not-call list, and information.php.

use std::collections::{HashMap, HashSet};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use marcador_wire::api::{AMD_COUNTRIES, param, report};
use marcador_wire::envelope::msgs;
use marcador_wire::limits::MAX_RECORDS_PER_UPLOAD;
use marcador_wire::rows::{
    CreateCampaignRequest, CreatedCampaignRow, DncEntry, DncResultRow, NOT_AVAILABLE,
    OTHER_MACHINE_VALUES, RECORD_FIELDS, RecallRecordsRequest, RecallRow, RemoveRecordRequest,
    SpeedRequest, TotalRegistersRow, UNMATCHED_CLEAR_RESULTS, campaign_status_value, recall_field,
    record_fields::{OPT_NAMES, TEL_NAMES, opt_max_chars},
};
use marcador_wire::{CallResult, CampaignType, Envelope, WireDate, WireError, WriteAnswer};
use serde::Serialize;
use serde_json::Value;

use super::handlers::{found, json, required, type_campaign};
use super::input::json as json_body;
use super::{ApiError, AppState};
use crate::domain;
use crate::store::{Caller, NewCampaign, NewRecord, RecallFilter, RemoveSel};

type Answer = Result<Response, ApiError>;
type Params = HashMap<String, String>;

fn accepted(msg: String) -> Answer {
    Ok((StatusCode::ACCEPTED, axum::Json(WriteAnswer::accepted(msg))).into_response())
}

fn created<T: Serialize>(st: &AppState, msg: String, rows: Vec<T>) -> Answer {
    let mut resp = json(st, &Envelope::with(201, msg, rows))?;
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

/// The `campaign_id` parameter, as a campaign of the caller's operation.
async fn campaign_of(
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
fn check_type(p: &Params, id: i64, kind: CampaignType) -> Result<(), WireError> {
    if type_campaign(p)? != kind {
        return Err(WireError::wrong_campaign_type(
            &id.to_string(),
            kind.as_str(),
        ));
    }
    Ok(())
}

/// A string or number JSON value as text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn valid_hhiiss(s: &str) -> bool {
    s.len() == 6
        && s.bytes().all(|b| b.is_ascii_digit())
        && s[0..2] < *"24"
        && s[2..4] < *"60"
        && s[4..6] < *"60"
}

/// `POST campaign.php?api=create_campaign&type_campaign=…`
pub async fn create_campaign(st: &AppState, caller: &Caller, p: &Params, body: &[u8]) -> Answer {
    let kind = type_campaign(p)?;
    let value = json_body(body)?;
    if !value.is_object() {
        return Err(WireError::bad_body("expected a JSON object").into());
    }
    let req: CreateCampaignRequest =
        serde_json::from_value(value).map_err(|e| WireError::bad_body(&e.to_string()))?;
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

/// `POST campaign.php?api=add_record&type_campaign=…&campaign_id=…[&campaign_status=start|stop]`:
/// up to 10,000 records, validated as a whole; one bad record refuses them all.
pub async fn add_record(st: &AppState, caller: &Caller, p: &Params, body: &[u8]) -> Answer {
    let (id, kind) = campaign_of(st, caller, p).await?;
    check_type(p, id, kind)?;
    let then_start =
        match p.get(param::CAMPAIGN_STATUS).map(|s| s.trim()) {
            None | Some("") => None,
            Some(v) => Some(campaign_status_value(v).ok_or_else(|| {
                WireError::bad_parameter(param::CAMPAIGN_STATUS, v, "start or stop")
            })?),
        };
    let Value::Array(items) = json_body(body)? else {
        return Err(WireError::bad_body("expected a JSON array of records").into());
    };
    if items.len() > MAX_RECORDS_PER_UPLOAD {
        return Err(WireError::upload_too_large(items.len()).into());
    }
    if items.is_empty() {
        return Err(WireError::parameters_required().into());
    }
    let mut records = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let r = parse_record(i, item, &caller.tz)?;
        if !seen.insert(r.customer_id.clone()) {
            return Err(
                WireError::bad_record(i, "customer_id", "appears twice in the upload").into(),
            );
        }
        records.push(r);
    }
    let ids: Vec<String> = records.iter().map(|r| r.customer_id.clone()).collect();
    let existing = st.store.existing_customers(id, &ids).await?;
    if let Some(i) = ids.iter().position(|c| existing.contains(c)) {
        return Err(WireError::bad_record(i, "customer_id", "is already in the campaign").into());
    }
    let n = st
        .store
        .insert_records(id, &records, st.clock.now())
        .await?;
    if let Some(start) = then_start {
        st.store
            .set_campaign_started(caller.operation_id, id, start)
            .await?;
    }
    created(
        st,
        msgs::RECORDS_ADDED.to_owned(),
        vec![TotalRegistersRow {
            total_registers: n.to_string(),
        }],
    )
}

fn parse_record(i: usize, item: &Value, tz: &jiff::tz::TimeZone) -> Result<NewRecord, WireError> {
    let Value::Object(map) = item else {
        return Err(WireError::bad_record(i, "record", "is not a JSON object"));
    };
    let mut fields: HashMap<&str, String> = HashMap::new();
    for (k, v) in map {
        let Some(&name) = RECORD_FIELDS.iter().find(|f| **f == k.as_str()) else {
            return Err(WireError::bad_record(i, k, "is not a record field"));
        };
        let v = text(v).ok_or_else(|| WireError::bad_record(i, k, "must be a string"))?;
        fields.insert(name, v);
    }
    let get = |f: &str| fields.get(f).cloned().unwrap_or_default();
    let customer_id = get("customer_id");
    if customer_id.is_empty() {
        return Err(WireError::bad_record(i, "customer_id", "is required"));
    }
    if customer_id.chars().count() > 50 {
        return Err(WireError::bad_record(
            i,
            "customer_id",
            "is longer than 50 characters",
        ));
    }
    let mut opts = Vec::with_capacity(12);
    for n in 1..=12 {
        let field = OPT_NAMES[n - 1];
        let v = get(field);
        if v.chars().count() > opt_max_chars(n) {
            return Err(WireError::bad_record(
                i,
                field,
                &format!("is longer than {} characters", opt_max_chars(n)),
            ));
        }
        opts.push(v);
    }
    let mut tels = Vec::with_capacity(10);
    for n in 1..=10 {
        let field = TEL_NAMES[n - 1];
        let v = get(field);
        if !v.is_empty() && !valid_telephone(&v) {
            return Err(WireError::bad_record(
                i,
                field,
                "is not a telephone number (3 to 20 digits)",
            ));
        }
        tels.push(v);
    }
    if tels.iter().all(String::is_empty) {
        return Err(WireError::bad_record(
            i,
            "tel1",
            "the record has no telephone",
        ));
    }
    for f in [
        "customer_name",
        "customer_last_name",
        "id_type",
        "age",
        "gender",
        "country",
        "state",
        "city",
        "zone",
        "address",
        "email",
        "agent_id",
    ] {
        if get(f).chars().count() > 200 {
            return Err(WireError::bad_record(i, f, "is longer than 200 characters"));
        }
    }
    let recall_at = match get("recall_date").as_str() {
        "" => None,
        d => Some(
            WireDate::parse(d)
                .map(|w| w.unix_seconds(tz))
                .map_err(|_| {
                    WireError::bad_record(i, "recall_date", "is not a date YYYYmmddHHiiss")
                })?,
        ),
    };
    let recall_telephone = get("recall_telephone");
    if !recall_telephone.is_empty() && !valid_telephone(&recall_telephone) {
        return Err(WireError::bad_record(
            i,
            "recall_telephone",
            "is not a telephone number (3 to 20 digits)",
        ));
    }
    Ok(NewRecord {
        customer_id,
        customer_name: get("customer_name"),
        customer_last_name: get("customer_last_name"),
        id_type: get("id_type"),
        age: get("age"),
        gender: get("gender"),
        country: get("country"),
        state: get("state"),
        city: get("city"),
        zone: get("zone"),
        address: get("address"),
        email: get("email"),
        tels,
        tel_extra: get("tel_extra"),
        opts,
        agent_id: get("agent_id"),
        recall_at,
        recall_telephone,
    })
}

fn valid_telephone(t: &str) -> bool {
    let digits = t.strip_prefix('+').unwrap_or(t);
    (3..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `PUT campaign.php?api=start|stop&campaign_id=…`
pub async fn start_stop(st: &AppState, caller: &Caller, p: &Params, start: bool) -> Answer {
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
pub async fn speed(st: &AppState, caller: &Caller, p: &Params, body: &[u8]) -> Answer {
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

/// `PUT campaign.php?api=recall_records&campaign_id=…` with `{"field": …, "value": …}`:
/// matching records go back to CLEAN in a new cycle (a recycle).
pub async fn recall_records(st: &AppState, caller: &Caller, p: &Params, body: &[u8]) -> Answer {
    let (id, _) = campaign_of(st, caller, p).await?;
    let req: RecallRecordsRequest = serde_json::from_value(json_body(body)?)
        .map_err(|e| WireError::bad_body(&e.to_string()))?;
    let field = req
        .field
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(WireError::parameters_required)?;
    let value = req
        .value
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(WireError::parameters_required)?;
    let normalized = value.to_uppercase();
    let filter = match field.as_str() {
        recall_field::MACHINE => {
            let results: Vec<CallResult> =
                if normalized == NOT_AVAILABLE || normalized == "CHANUNAVAIL" {
                    vec![CallResult::ChanUnavail]
                } else if normalized == "FAILED" {
                    vec![CallResult::Failed]
                } else if let Some(r) = CallResult::parse_campaign_3(&normalized) {
                    vec![r]
                } else if OTHER_MACHINE_VALUES.contains(&normalized.as_str()) {
                    Vec::new()
                } else {
                    return Err(WireError::bad_parameter(
                        "value",
                        &value,
                        "a machine result such as NO-ANSWER, BUSY or ANSWER-MACHINE",
                    )
                    .into());
                };
            RecallFilter::Machine(results)
        }
        recall_field::CODE_1 => RecallFilter::Code {
            level: 1,
            code: value.clone(),
        },
        recall_field::CODE_2 => RecallFilter::Code {
            level: 2,
            code: value.clone(),
        },
        other => {
            return Err(WireError::bad_parameter(
                "field",
                other,
                "Cod_Machine, cod_rslt1 or cod_rslt2",
            )
            .into());
        }
    };
    let n = st.store.recall_records(id, &filter).await?;
    json(
        st,
        &Envelope::with(
            200,
            msgs::marked_for_recall(n),
            vec![RecallRow {
                campaign_id: id.to_string(),
                field,
                value,
                normalized_value: normalized,
                affected_records: n.to_string(),
            }],
        ),
    )
}

/// `POST campaign.php?api=add_dnc` with `[{"telephone": …, "days_block": …}]`.
pub async fn add_dnc(st: &AppState, caller: &Caller, body: &[u8]) -> Answer {
    let Value::Array(items) = json_body(body)? else {
        return Err(WireError::bad_body("expected a JSON array of telephones").into());
    };
    if items.len() > MAX_RECORDS_PER_UPLOAD {
        return Err(WireError::upload_too_large(items.len()).into());
    }
    let now = st.clock.now().as_second();
    let mut accepted_entries = Vec::new();
    for item in &items {
        let entry: DncEntry = serde_json::from_value(item.clone()).unwrap_or_default();
        let tel = entry
            .telephone
            .map(|t| t.trim().to_owned())
            .unwrap_or_default();
        let days = entry
            .days_block
            .as_ref()
            .and_then(text)
            .and_then(|d| d.parse::<i64>().ok());
        match days {
            Some(d) if (1..=3_650).contains(&d) && valid_telephone(&tel) => {
                accepted_entries.push((tel, now + d * 86_400))
            }
            _ => {}
        }
    }
    st.store
        .add_dnc(caller.operation_id, &accepted_entries)
        .await?;
    let added = accepted_entries.len() as u64;
    created(
        st,
        msgs::telephones_added(added),
        vec![DncResultRow {
            total_added: added.to_string(),
            total_rejected: (items.len() as u64 - added).to_string(),
            total_sent: items.len().to_string(),
        }],
    )
}

/// `DELETE campaign.php?api=remove_record&type_campaign=…&campaign_id=…` with
/// `{"customer_id": "100,200"}`: every customer must be in the campaign, or nothing is removed.
pub async fn remove_record(st: &AppState, caller: &Caller, p: &Params, body: &[u8]) -> Answer {
    let (id, kind) = campaign_of(st, caller, p).await?;
    check_type(p, id, kind)?;
    let req: RemoveRecordRequest = serde_json::from_value(json_body(body)?)
        .map_err(|e| WireError::bad_body(&e.to_string()))?;
    let raw = req.customer_id.unwrap_or_default();
    let mut ids: Vec<String> = raw
        .split(',')
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    ids.dedup();
    if ids.is_empty() {
        return Err(WireError::parameters_required().into());
    }
    if ids.len() > MAX_RECORDS_PER_UPLOAD {
        return Err(WireError::upload_too_large(ids.len()).into());
    }
    match st
        .store
        .remove_records(
            id,
            &RemoveSel::Customers(ids.clone()),
            st.clock.now().as_second(),
        )
        .await?
    {
        Ok(_) => accepted(msgs::records_deleted(&ids.join(","))),
        Err(missing) => Err(WireError::unknown_customer(&missing, &id.to_string()).into()),
    }
}

/// `DELETE campaign.php?api=clear_campaign&type_campaign=…&campaign_id=…[&result=…]`
pub async fn clear_campaign(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (id, kind) = campaign_of(st, caller, p).await?;
    check_type(p, id, kind)?;
    let sel = match p
        .get(param::RESULT)
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty())
    {
        None => RemoveSel::All,
        Some(r) if UNMATCHED_CLEAR_RESULTS.contains(&r.as_str()) => RemoveSel::Results(Vec::new()),
        Some(r) if r == "chanunavail" => RemoveSel::Results(vec![CallResult::ChanUnavail]),
        Some(r) => match CallResult::parse_campaign_3(&r.to_uppercase()) {
            Some(result) => RemoveSel::Results(vec![result]),
            None => {
                return Err(WireError::bad_parameter(
                    param::RESULT,
                    &r,
                    "no-answer, answer-machine, abandon, busy, congestion, unknown, failed, do-not-call, chanunavail or answer",
                )
                .into());
            }
        },
    };
    st.store
        .remove_records(id, &sel, st.clock.now().as_second())
        .await?
        .map_err(|_| WireError::internal())?;
    accepted(msgs::campaign_cleared(id))
}

/// `DELETE campaign.php?api=remove_record|clear_campaign`
pub async fn campaign_delete(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: super::input::Params,
    body: Bytes,
) -> Answer {
    match required(&p, param::API)? {
        report::REMOVE_RECORD => remove_record(&st, &caller, &p, &body).await,
        report::CLEAR_CAMPAIGN => clear_campaign(&st, &caller, &p).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `POST campaign.php?api=create_campaign|add_record|add_dnc`
pub async fn campaign_post(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: super::input::Params,
    body: Bytes,
) -> Answer {
    match required(&p, param::API)? {
        report::CREATE_CAMPAIGN => create_campaign(&st, &caller, &p, &body).await,
        report::ADD_RECORD => add_record(&st, &caller, &p, &body).await,
        report::ADD_DNC => add_dnc(&st, &caller, &body).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// An optional numeric filter (`&campaign=`, `&skill=`, `&routing=`).
fn filter_id(p: &Params, name: &str) -> Result<Option<i64>, WireError> {
    match p.get(name).map(String::as_str) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| WireError::bad_parameter(name, v, "a number")),
    }
}

/// `GET information.php?api=campaigns|skills|routing_points|activity_codes|token_info`
pub async fn information(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: super::input::Params,
) -> Answer {
    let op = caller.operation_id;
    match required(&p, param::API)? {
        report::CAMPAIGNS => found(
            &st,
            st.store
                .info_campaigns(op, filter_id(&p, param::CAMPAIGN)?, &caller.tz)
                .await?,
        ),
        report::SKILLS => found(
            &st,
            st.store
                .info_skills(op, filter_id(&p, param::SKILL)?)
                .await?,
        ),
        report::ROUTING_POINTS => found(
            &st,
            st.store
                .info_routing_points(op, filter_id(&p, param::ROUTING)?, &caller.tz)
                .await?,
        ),
        report::ACTIVITY_CODES => {
            let only = p
                .get(param::COD_ACT)
                .map(String::as_str)
                .filter(|s| !s.is_empty());
            found(&st, st.store.info_activity_codes(op, only).await?)
        }
        report::TOKEN_INFO => {
            let day = domain::local_day(st.clock.now(), &caller.tz);
            found(
                &st,
                vec![st.store.token_info(op, caller.licenses, &day).await?],
            )
        }
        _ => Err(WireError::api_not_found().into()),
    }
}
