//! campaign.php's campaign edits: `recall` (a customer called back at a
//! date), `edit_campaign`, `campaign_filter` (which records the dialer takes)
//! and `delete_campaign`. Each body is read whole and checked before the
//! store is asked; the store checks the rest and changes all or nothing.

use marcador_wire::api::{AMD_COUNTRIES, param};
use marcador_wire::campaign::{
    CAMPAIGN_UPDATED, CampaignFilterRequest, DeleteCampaignsRequest, EditCampaignRequest,
    EditedCampaignRow, FILTER_UPDATED, FilterData, ObjectAnswer, OptionalLabels, Recall,
    RecallRequest, amd_conf, campaigns_deleted_msg, clock_time, dial_order, filter,
    parse_clock_time, recalled_msg, type_camp,
};
use marcador_wire::date::format_response_date;
use marcador_wire::envelope::Envelope;
use marcador_wire::format::optional_id;
use marcador_wire::records::{recall_style, record_result};
use marcador_wire::rows::record_fields::OPT_NAMES;
use marcador_wire::rows::yes_no;
use marcador_wire::upload::{body_text, text};
use marcador_wire::{CallResult, CampaignType, WireError, WriteAnswer};
use serde_json::Value;

use crate::api::answer::{Answer, accepted, campaign_of, check_type, json, required};
use crate::api::input::{Params, object};
use crate::api::{ApiError, AppState};
use crate::store::{
    Caller, CampaignEdit, CampaignEditView, DeleteRejection, EditRejection, FilterCondition,
    FilterOp, RecallPlan, RecallRejection, RecordFilter,
};

/// A `yes`/`no` field.
fn yes_or_no(v: &Option<Value>, name: &str) -> Result<Option<bool>, WireError> {
    body_text(v, name)?
        .map(|s| match s.to_lowercase().as_str() {
            filter::YES => Ok(true),
            filter::NO => Ok(false),
            _ => Err(WireError::bad_parameter(name, &s, "yes or no")),
        })
        .transpose()
}

/// `PUT campaign.php?api=recall&campaign_id=…[&type_campaign=…]` with
/// `{"recall_date": "YYYYmmddHHiiss", "recall_telephone": …, "customer_id": …}`.
pub(super) async fn recall(st: &AppState, caller: &Caller, p: &Params, body: &[u8]) -> Answer {
    let (id, kind) = campaign_of(st, caller, p).await?;
    if p.get(param::TYPE_CAMPAIGN).is_some_and(|t| !t.is_empty()) {
        check_type(p, id, kind)?;
    }
    let Recall {
        customer_id: customer,
        date,
        telephone,
    } = object::<RecallRequest>(body)?.check()?;
    let at = date.unix_seconds(&caller.tz);
    let campaign = id.to_string();
    match st
        .store
        .recall_record(
            caller.operation_id,
            id,
            &customer,
            &RecallPlan {
                at,
                telephone: telephone.clone(),
                style: recall_style::AUTO.to_owned(),
                ..RecallPlan::default()
            },
        )
        .await?
    {
        Ok(number) => accepted(recalled_msg(
            &customer,
            &format_response_date(at, &caller.tz),
            &number,
        )),
        Err(RecallRejection::UnknownCampaign) => Err(WireError::unknown_campaign(&campaign).into()),
        Err(RecallRejection::UnknownCustomer) => {
            Err(WireError::unknown_customer(&customer, &campaign).into())
        }
        Err(RecallRejection::Dialing) => {
            Err(WireError::record_being_dialed(&customer, &campaign).into())
        }
        Err(RecallRejection::NoFreePhone) => {
            Err(WireError::no_free_phone(&customer, telephone.as_deref().unwrap_or("")).into())
        }
        Err(RecallRejection::NoRecall) => Err(WireError::no_recall(&customer, &campaign).into()),
    }
}

/// `PUT campaign.php?api=edit_campaign&campaign_id=…` with any of the
/// settings: only those sent change; the answer is the campaign as it now is.
pub(super) async fn edit_campaign(
    st: &AppState,
    caller: &Caller,
    p: &Params,
    body: &[u8],
) -> Answer {
    let raw = required(p, param::CAMPAIGN_ID)?.trim().to_owned();
    let id: i64 = raw.parse().map_err(|_| WireError::unknown_campaign(&raw))?;
    let edit = campaign_edit(st, caller, &object(body)?).await?;
    let view = match st
        .store
        .edit_campaign(caller.operation_id, id, &edit)
        .await?
    {
        Ok(view) => view,
        Err(EditRejection::UnknownCampaign) => return Err(WireError::unknown_campaign(&raw).into()),
        Err(EditRejection::UnknownSkill) => {
            return Err(WireError::unknown_skill(&optional_id(edit.skill_id)).into());
        }
        Err(EditRejection::Started) => return Err(WireError::campaign_started(&raw).into()),
        Err(EditRejection::Dialing) => return Err(WireError::campaign_dialing(&raw).into()),
        Err(EditRejection::BadWindow(start, end)) => {
            return Err(WireError::bad_parameter(
                "start_time/end_time",
                &format!("{}-{}", clock_time(&start), clock_time(&end)),
                "HH:mm:ss times, start before end",
            )
            .into());
        }
    };
    json(
        st,
        &Envelope::with(200, CAMPAIGN_UPDATED.to_owned(), vec![edited_row(view)]),
    )
}

/// The edit a body asks for, every value checked.
async fn campaign_edit(
    st: &AppState,
    caller: &Caller,
    req: &EditCampaignRequest,
) -> Result<CampaignEdit, ApiError> {
    let kind = body_text(&req.type_camp, "type_camp")?
        .map(|t| {
            CampaignType::parse(&t.to_lowercase())
                .ok_or_else(|| WireError::bad_parameter("type_camp", &t, "Predictive or Preview"))
        })
        .transpose()?;
    let time = |v: &Option<Value>, name: &str| -> Result<Option<String>, WireError> {
        body_text(v, name)?
            .map(|t| {
                parse_clock_time(&t).ok_or_else(|| WireError::bad_parameter(name, &t, "HH:mm:ss"))
            })
            .transpose()
    };
    let skill_id = match body_text(&req.skill_id, "skill_id")? {
        None => None,
        Some(s) => match s.parse::<i64>() {
            Ok(id) if st.store.skill_exists(caller.operation_id, id).await? => Some(id),
            // VAGENT (a virtual agent) included: Marcador has none.
            _ => return Err(WireError::unknown_skill(&s).into()),
        },
    };
    let amd = body_text(&req.amd_conf, "amd_conf")?
        .map(|a| match a.to_lowercase().as_str() {
            amd_conf::NONE => Ok(String::new()),
            amd_conf::DEFAULT => Ok(amd_conf::DEFAULT.to_owned()),
            _ if AMD_COUNTRIES.contains(&a.to_uppercase().as_str()) => Ok(a.to_uppercase()),
            _ => Err(WireError::bad_parameter(
                "amd_conf",
                &a,
                &format!("default, none or {}", AMD_COUNTRIES.join(", ")),
            )),
        })
        .transpose()?;
    if let Some(order) = body_text(&req.camp_dial_order, "camp_dial_order")? {
        match order.to_lowercase().as_str() {
            dial_order::LINEAR => {}
            dial_order::ZIGZAG | dial_order::RANDOM => {
                return Err(WireError::bad_parameter(
                    "camp_dial_order",
                    &order,
                    "linear: Marcador dials records in upload order",
                )
                .into());
            }
            _ => {
                return Err(WireError::bad_parameter(
                    "camp_dial_order",
                    &order,
                    "linear, zigzag or random",
                )
                .into());
            }
        }
    }
    let mut opt_titles = Vec::new();
    match &req.optional_labels {
        None | Some(Value::Null) => {}
        Some(Value::Object(labels)) => {
            for (k, v) in labels {
                let n = OPT_NAMES.iter().position(|o| o == k).ok_or_else(|| {
                    WireError::bad_parameter("optional_labels", k, "opt1 … opt12")
                })?;
                let title = text(v).ok_or_else(|| {
                    WireError::bad_body(&format!("optional_labels.{k} must be a string"))
                })?;
                opt_titles.push((n + 1, title));
            }
        }
        Some(_) => return Err(WireError::bad_body("optional_labels must be an object").into()),
    }
    let name = body_text(&req.campaign_name, "campaign_name")?;
    Ok(CampaignEdit {
        name,
        description: match &req.campaign_description {
            None => None,
            Some(v) => Some(
                text(v)
                    .ok_or_else(|| WireError::bad_body("campaign_description must be a string"))?,
            ),
        },
        kind,
        enable_edition: yes_or_no(&req.enable_edition, "enable_edition")?,
        start_time: time(&req.start_time, "start_time")?,
        end_time: time(&req.end_time, "end_time")?,
        skill_id,
        amd,
        turbo_dial: yes_or_no(&req.turbo_dial, "turbo_dial")?,
        routing_recall: yes_or_no(&req.routing_recall, "routing_recall")?,
        opt_titles,
    })
}

fn edited_row(v: CampaignEditView) -> EditedCampaignRow {
    EditedCampaignRow {
        campaign_id: v.id.to_string(),
        campaign_name: v.name,
        campaign_description: v.description,
        type_camp: v.kind.map(type_camp).unwrap_or_default().to_owned(),
        enable_edition: yes_no(v.enable_edition).to_owned(),
        start_time: clock_time(&v.start_time),
        end_time: clock_time(&v.end_time),
        skill_id: optional_id(v.skill_id),
        amd_conf: if v.amd.is_empty() {
            amd_conf::NONE.to_owned()
        } else {
            v.amd
        },
        turbo_dial: yes_no(v.turbo_dial).to_owned(),
        routing_recall: yes_no(v.routing_recall).to_owned(),
        optional_labels: OptionalLabels(
            v.opt_titles
                .into_iter()
                .zip(OPT_NAMES)
                .filter(|(t, _)| !t.is_empty())
                .map(|(t, n)| (n.to_owned(), t))
                .collect(),
        ),
    }
}

/// `PUT campaign.php?api=campaign_filter&type_campaign=…&campaign_id=…` with
/// `{"filter_active": "yes|no", "connector": "and|or", "filters": [{field, operator, value}]}`.
pub(super) async fn campaign_filter(
    st: &AppState,
    caller: &Caller,
    p: &Params,
    body: &[u8],
) -> Answer {
    let (id, kind) = campaign_of(st, caller, p).await?;
    check_type(p, id, kind)?;
    let req: CampaignFilterRequest = object(body)?;
    let active = yes_or_no(&req.filter_active, "filter_active")?
        .ok_or_else(WireError::parameters_required)?;
    let filter = if active {
        let any = match body_text(&req.connector, "connector")?.map(|c| c.to_lowercase()) {
            None => false,
            Some(c) if c == filter::AND => false,
            Some(c) if c == filter::OR => true,
            Some(c) => return Err(WireError::bad_parameter("connector", &c, "and or or").into()),
        };
        let conditions = req
            .filters
            .as_deref()
            .filter(|f| !f.is_empty())
            .ok_or_else(WireError::parameters_required)?
            .iter()
            .map(condition)
            .collect::<Result<Vec<_>, _>>()?;
        Some(RecordFilter { any, conditions })
    } else {
        None
    };
    let (total, pending) = st
        .store
        .set_campaign_filter(caller.operation_id, id, filter.as_ref())
        .await?
        .ok_or_else(|| WireError::unknown_campaign(&id.to_string()))?;
    json(
        st,
        &ObjectAnswer::ok(
            FILTER_UPDATED,
            FilterData {
                total_records: total.to_string(),
                pending_records: pending.to_string(),
                applied_filter: filter.as_ref().map(describe).unwrap_or_default(),
            },
        ),
    )
}

/// One condition of a filter, checked: a known field and operator; a
/// `result` value is one of the results (any spelling), or empty.
fn condition(c: &marcador_wire::campaign::FilterCondition) -> Result<FilterCondition, WireError> {
    let field = c.field.trim().to_lowercase();
    if !filter::FIELDS.contains(&field.as_str()) {
        return Err(WireError::bad_parameter(
            "filters.field",
            &c.field,
            &filter::FIELDS.join(", "),
        ));
    }
    let operator = c.operator.trim().to_lowercase();
    let value = c.value.trim().to_owned();
    let empty = filter::EMPTY_WORDS.contains(&value.to_lowercase().as_str());
    let op = match operator.as_str() {
        "<" => FilterOp::Lt,
        ">" => FilterOp::Gt,
        ">=" => FilterOp::Ge,
        "<=" => FilterOp::Le,
        "!=" => FilterOp::Ne,
        "=" => FilterOp::Eq,
        filter::IS if empty => FilterOp::IsEmpty,
        filter::IS
            if value
                .to_lowercase()
                .strip_prefix("not ")
                .is_some_and(|v| filter::EMPTY_WORDS.contains(&v.trim())) =>
        {
            FilterOp::IsFilled
        }
        filter::IS => FilterOp::Eq,
        filter::LIKE => FilterOp::Like,
        _ => {
            return Err(WireError::bad_parameter(
                "filters.operator",
                &c.operator,
                &filter::OPERATORS.join(" "),
            ));
        }
    };
    let value = if field == filter::RESULT
        && !matches!(op, FilterOp::IsEmpty | FilterOp::IsFilled | FilterOp::Like)
    {
        if value.is_empty() {
            String::new()
        } else {
            let lower = value.to_lowercase();
            CallResult::parse(&lower)
                .or_else(|| CallResult::parse_campaign_3(&value.to_uppercase()))
                .or_else(|| CallResult::parse(&lower.replace('-', " ")))
                .map(|r| r.as_str().to_owned())
                .ok_or_else(|| {
                    WireError::bad_parameter(
                        "filters.value",
                        &value,
                        "a result such as ANSWER, NO ANSWER, BUSY or ANSWER MACHINE",
                    )
                })?
        }
    } else {
        value
    };
    Ok(FilterCondition { field, op, value })
}

/// A filter as campaign_filter's `applied_filter` shows it.
fn describe(f: &RecordFilter) -> String {
    let joiner = if f.any { " OR " } else { " AND " };
    f.conditions
        .iter()
        .map(|c| {
            let value = if c.field == filter::RESULT {
                record_result(&c.value)
            } else {
                c.value.clone()
            };
            match c.op {
                FilterOp::Lt => format!("{} < '{value}'", c.field),
                FilterOp::Gt => format!("{} > '{value}'", c.field),
                FilterOp::Ge => format!("{} >= '{value}'", c.field),
                FilterOp::Le => format!("{} <= '{value}'", c.field),
                FilterOp::Ne => format!("{} != '{value}'", c.field),
                FilterOp::Eq => format!("{} = '{value}'", c.field),
                FilterOp::IsEmpty => format!("{} is empty", c.field),
                FilterOp::IsFilled => format!("{} is not empty", c.field),
                FilterOp::Like => format!("{} like '{value}'", c.field),
            }
        })
        .collect::<Vec<_>>()
        .join(joiner)
}

/// `DELETE campaign.php?api=delete_campaign[&type_campaign=…&campaign_id=…]`,
/// or with `{"campaign_ids": ["1", "2"]}`: every campaign named is deleted,
/// or none (each must be stopped, with no call in progress).
pub(super) async fn delete_campaign(
    st: &AppState,
    caller: &Caller,
    p: &Params,
    body: &[u8],
) -> Answer {
    let mut ids: Vec<i64> = Vec::new();
    let from_body: Option<DeleteCampaignsRequest> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(object(body)?)
    };
    for v in from_body.and_then(|b| b.campaign_ids).unwrap_or_default() {
        let raw = text(&v).ok_or_else(|| WireError::bad_body("campaign_ids must be strings"))?;
        ids.push(raw.parse().map_err(|_| WireError::unknown_campaign(&raw))?);
    }
    if ids.is_empty() {
        let (id, kind) = campaign_of(st, caller, p).await?;
        if p.get(param::TYPE_CAMPAIGN).is_some_and(|t| !t.is_empty()) {
            check_type(p, id, kind)?;
        }
        ids.push(id);
    }
    ids.sort_unstable();
    ids.dedup();
    match st.store.delete_campaigns(caller.operation_id, &ids).await? {
        Ok(n) => json(st, &WriteAnswer::ok(campaigns_deleted_msg(n, 0))),
        Err(DeleteRejection::Unknown(id)) => {
            Err(WireError::unknown_campaign(&id.to_string()).into())
        }
        Err(DeleteRejection::Started(id)) => {
            Err(WireError::campaign_started(&id.to_string()).into())
        }
        Err(DeleteRejection::Dialing(id)) => {
            Err(WireError::campaign_dialing(&id.to_string()).into())
        }
    }
}
