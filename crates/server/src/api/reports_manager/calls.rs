//! `reports_manager.php`'s call reports: `cdr_1` (every call), `cdr_2` (calls
//! per agent), `cdr_4` (calls by duration band), `cdr_5`/`cdr_6` (outbound
//! calls that reached nobody, one by one and by result) and the activity-code
//! reports `act_1`…`act_5`. Each call's row is made here, once, from the
//! store's plain [`CallDetail`].

use jiff::tz::TimeZone;
use marcador_wire::api::{param, report};
use marcador_wire::calls::{
    Act1Row, Act2Row, Act3Row, Act4Row, Act5Row, Cdr1Row, Cdr2Row, Cdr4Band, Cdr4Data, Cdr5Row,
    Cdr6Row, DURATION_BANDS, NO_COST, TIMEOUT_ACW, billed_minutes, code_group, destiny,
    duration_band,
};
use marcador_wire::date::format_response_date;
use marcador_wire::envelope::ObjectEnvelope;
use marcador_wire::format::{duration_hms, percent};
use marcador_wire::{CallResult, TypeInteraction, WireError};

use super::super::answer::{Answer, found, json, required};
use super::super::input::Params;
use super::super::{AppState, stream};
use crate::store::{CallDetail, CodesBy, TypedCodes};

/// The apis this module answers.
const APIS: [&str; 10] = [
    report::CDR_1,
    report::CDR_2,
    report::CDR_4,
    report::CDR_5,
    report::CDR_6,
    report::ACT_1,
    report::ACT_2,
    report::ACT_3,
    report::ACT_4,
    report::ACT_5,
];

pub(super) fn is_call_report(api: &str) -> bool {
    APIS.contains(&api)
}

/// One of the call reports over `[from, to]`.
pub(super) async fn get(
    st: &AppState,
    operation_id: i64,
    tz: &TimeZone,
    api: &str,
    p: &Params,
    (from, to): (i64, i64),
) -> Answer {
    let store = &st.store;
    match api {
        report::CDR_1 => match store.calls_in_range(operation_id, from, to).await {
            Ok(read) => {
                let tz = tz.clone();
                stream::detail(&st.limits, read, move |c| cdr_1(c, &tz)).await
            }
            Err(e) => Err(e.into()),
        },
        report::CDR_5 => match store.unconnected_calls(operation_id, from, to).await {
            Ok(read) => {
                let tz = tz.clone();
                stream::detail(&st.limits, read, move |c| cdr_5(c, &tz)).await
            }
            Err(e) => Err(e.into()),
        },
        report::ACT_3 => match group(p) {
            Ok(level) => match store.typed_calls(operation_id, level, from, to).await {
                Ok(read) => {
                    let tz = tz.clone();
                    stream::detail(&st.limits, read, move |c| act_3(c, &tz)).await
                }
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        },
        report::CDR_2 => cdr_2(st, operation_id, from, to).await,
        report::CDR_4 => cdr_4(st, operation_id, from, to).await,
        report::CDR_6 => cdr_6(st, operation_id, from, to).await,
        report::ACT_1 | report::ACT_2 | report::ACT_5 => {
            codes(st, operation_id, api, p, from, to).await
        }
        report::ACT_4 => act_4(st, operation_id, from, to).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// act_1/2/3/5's `cod_act`: the group of codes (`cod_act1`, `cod_act2`).
fn group(p: &Params) -> Result<u8, WireError> {
    let raw = required(p, param::COD_ACT)?;
    code_group::level(raw).ok_or_else(|| WireError::bad_code_group(raw))
}

fn id(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A code's description; TIMEOUTACW describes itself, as the vendor writes it.
fn described(code: &str, description: String) -> String {
    if code == TIMEOUT_ACW {
        TIMEOUT_ACW.to_owned()
    } else {
        description
    }
}

fn kind(c: &CallDetail) -> &'static str {
    TypeInteraction::parse(&c.type_interaction).map_or("", |k| destiny(k, &c.telephone))
}

fn cdr_1(c: CallDetail, tz: &TimeZone) -> Cdr1Row {
    let destiny = kind(&c).to_owned();
    let TypedCodes {
        cod_act,
        description,
        cod_act_2,
        description_2,
        comments,
        ..
    } = c.codes;
    Cdr1Row {
        agent_name: c.agent_name,
        date: format_response_date(c.started_at, tz),
        destiny,
        telephone: c.telephone,
        cost: NO_COST.to_owned(),
        time_seg: c.duration.to_string(),
        time_min: billed_minutes(c.duration).to_string(),
        description_cod_act: described(&cod_act, description),
        cod_act,
        description_cod_act_2: described(&cod_act_2, description_2),
        cod_act_2,
        type_interaction: c.type_interaction,
        customer_id: c.customer_id,
        hang_up: c.hang_up,
        campaign_id: id(c.campaign_id),
        conn_id: c.conn_id,
        skill_id: id(c.skill_id),
        skill_name: c.skill_name,
        agent_id: c.agent_code,
        comment: comments,
    }
}

fn cdr_5(c: CallDetail, tz: &TimeZone) -> Cdr5Row {
    let destiny = kind(&c).to_owned();
    Cdr5Row {
        agent_name: c.agent_name,
        date: format_response_date(c.started_at, tz),
        destiny,
        telephone: c.telephone,
        ring_time: c.ring_seconds.to_string(),
        result: CallResult::parse(&c.result)
            .map_or(c.result.clone(), |r| r.not_connected().to_owned()),
        type_interaction: c.type_interaction,
        customer_id: c.customer_id,
        campaign_id: id(c.campaign_id),
        agent_id: c.agent_code,
        conn_id: c.conn_id,
    }
}

fn act_3(c: CallDetail, tz: &TimeZone) -> Act3Row {
    let destiny = kind(&c).to_owned();
    let TypedCodes {
        cod_act,
        description,
        cod_act_2,
        description_2,
        comments,
        typed_at,
    } = c.codes;
    Act3Row {
        conn_id: c.conn_id,
        agent_id: c.agent_code,
        agent_name: c.agent_name,
        agent_dni: String::new(),
        skill_id: id(c.skill_id),
        date: format_response_date(typed_at.unwrap_or(c.started_at), tz),
        description_cod_act: described(&cod_act, description),
        cod_act,
        description_cod_act_2: described(&cod_act_2, description_2),
        cod_act_2,
        comments,
        type_interaction: c.type_interaction,
        telephone: c.telephone,
        destiny,
        time: duration_hms(c.duration),
        hang_up: c.hang_up,
        customer_id: c.customer_id,
        campaign_id: id(c.campaign_id),
    }
}

async fn cdr_2(st: &AppState, operation_id: i64, from: i64, to: i64) -> Answer {
    let rows: Vec<Cdr2Row> = st
        .store
        .calls_per_agent(operation_id, from, to)
        .await?
        .into_iter()
        .map(|a| Cdr2Row {
            calls: a.calls.to_string(),
            agent_name: a.agent_name,
            cost: NO_COST.to_owned(),
        })
        .collect();
    found(st, rows)
}

async fn cdr_4(st: &AppState, operation_id: i64, from: i64, to: i64) -> Answer {
    let durations = st.store.call_durations(operation_id, from, to).await?;
    let mut calls = [0i64; DURATION_BANDS.len()];
    let mut minutes = [0i64; DURATION_BANDS.len()];
    for (seconds, n) in durations {
        let band = duration_band(seconds);
        calls[band] += n;
        minutes[band] += billed_minutes(seconds) * n;
    }
    let total: i64 = calls.iter().sum();
    if total == 0 {
        return Err(WireError::no_data().into());
    }
    let bands = std::array::from_fn(|i| Cdr4Band {
        calls: calls[i].to_string(),
        minutes: minutes[i].to_string(),
        cost: NO_COST.to_owned(),
        percentage: percent(calls[i].max(0) as u64, total.max(0) as u64),
    });
    json(st, &ObjectEnvelope::found(Cdr4Data::from_bands(bands)))
}

async fn cdr_6(st: &AppState, operation_id: i64, from: i64, to: i64) -> Answer {
    let mut by_result: Vec<(&'static str, i64)> = Vec::new();
    for (stored, n) in st.store.unconnected_results(operation_id, from, to).await? {
        let Some(name) = CallResult::parse(&stored).map(CallResult::not_connected) else {
            continue;
        };
        match by_result.iter_mut().find(|(r, _)| *r == name) {
            Some((_, m)) => *m += n,
            None => by_result.push((name, n)),
        }
    }
    by_result.sort();
    let rows: Vec<Cdr6Row> = by_result
        .into_iter()
        .map(|(result, n)| Cdr6Row {
            result: result.to_owned(),
            count: n.to_string(),
        })
        .collect();
    found(st, rows)
}

async fn codes(
    st: &AppState,
    operation_id: i64,
    api: &str,
    p: &Params,
    from: i64,
    to: i64,
) -> Answer {
    let level = group(p)?;
    let by = match api {
        report::ACT_1 => CodesBy::Agent,
        report::ACT_2 => CodesBy::Skill,
        _ => CodesBy::Code,
    };
    let counts = st
        .store
        .code_counts(operation_id, level, by, from, to)
        .await?;
    match by {
        CodesBy::Agent => found(
            st,
            counts
                .into_iter()
                .map(|c| Act1Row {
                    count: c.count.to_string(),
                    agent_name: c.agent_name,
                    agent_dni: String::new(),
                    description_cod_act: described(&c.code, c.description),
                    cod_act: c.code,
                })
                .collect(),
        ),
        CodesBy::Skill => found(
            st,
            counts
                .into_iter()
                .map(|c| Act2Row {
                    count: c.count.to_string(),
                    skill_id: id(c.skill_id),
                    description_cod_act: described(&c.code, c.description),
                    cod_act: c.code,
                })
                .collect(),
        ),
        CodesBy::Code => found(
            st,
            counts
                .into_iter()
                .map(|c| Act5Row {
                    count: c.count.to_string(),
                    description_cod_act: described(&c.code, c.description),
                    cod_act: c.code,
                })
                .collect(),
        ),
    }
}

async fn act_4(st: &AppState, operation_id: i64, from: i64, to: i64) -> Answer {
    let rows: Vec<Act4Row> = st
        .store
        .untyped_calls_per_agent(operation_id, from, to)
        .await?
        .into_iter()
        .map(|a| Act4Row {
            uncode_calls: a.calls.to_string(),
            agent_id: a.agent_code,
            agent_name: a.agent_name,
        })
        .collect();
    found(st, rows)
}
