//! `campaign.php`'s records: uploads (`add_record`, checked whole by the
//! wire crate's `UploadedRecord`), removals, recycles (`recall_records`) and
//! the do-not-call list.

use std::collections::{HashMap, HashSet};

use marcador_wire::api::param;
use marcador_wire::envelope::msgs;
use marcador_wire::limits::MAX_RECORDS_PER_UPLOAD;
use marcador_wire::rows::{
    DncEntry, DncResultRow, NOT_AVAILABLE, OTHER_MACHINE_VALUES, RecallRecordsRequest, RecallRow,
    RemoveRecordRequest, TotalRegistersRow, UNMATCHED_CLEAR_RESULTS, campaign_status_value,
    recall_field,
};
use marcador_wire::upload::{UploadedRecord, text, valid_telephone};
use marcador_wire::{CallResult, Envelope, WireError};
use serde_json::Value;

use crate::api::AppState;
use crate::api::answer::{Answer, accepted, campaign_of, check_type, created, json};
use crate::api::input::json as json_body;
use crate::store::{Caller, RecallFilter, RemoveSel};

type Params = HashMap<String, String>;

/// `POST campaign.php?api=add_record&type_campaign=…&campaign_id=…[&campaign_status=start|stop]`:
/// up to 10,000 records, validated as a whole; one bad record refuses them all.
pub(super) async fn add_record(st: &AppState, caller: &Caller, p: &Params, body: &[u8]) -> Answer {
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
        let r =
            UploadedRecord::parse(i, item)?.map_recall(|d| d.map(|d| d.unix_seconds(&caller.tz)));
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

/// `PUT campaign.php?api=recall_records&campaign_id=…` with `{"field": …, "value": …}`:
/// matching records go back to CLEAN in a new cycle (a recycle).
pub(super) async fn recall_records(
    st: &AppState,
    caller: &Caller,
    p: &Params,
    body: &[u8],
) -> Answer {
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
            let results: Vec<CallResult> = if normalized == NOT_AVAILABLE
                || normalized.eq_ignore_ascii_case(CallResult::ChanUnavail.as_str())
            {
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
pub(super) async fn add_dnc(st: &AppState, caller: &Caller, body: &[u8]) -> Answer {
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
pub(super) async fn remove_record(
    st: &AppState,
    caller: &Caller,
    p: &Params,
    body: &[u8],
) -> Answer {
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
pub(super) async fn clear_campaign(st: &AppState, caller: &Caller, p: &Params) -> Answer {
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
