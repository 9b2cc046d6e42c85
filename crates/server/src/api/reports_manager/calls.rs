//! `reports_manager.php`'s call reports: `cdr_1` (every call), `cdr_2` (calls
//! per agent), `cdr_4` (calls by duration band), `cdr_5`/`cdr_6` (outbound
//! calls that reached nobody, one by one and by result), `cdr_11` (customers
//! released from Ley 2300's protection) and the activity-code reports
//! `act_1`…`act_5`. Each call's row is made here, once, from the
//! store's plain [`CallDetail`].

use jiff::tz::TimeZone;
use marcador_wire::api::{param, report};
use marcador_wire::calls::{
    Act1Row, Act2Row, Act3Row, Act4Row, Act5Row, Cdr1Row, Cdr2Row, Cdr4Band, Cdr4Data, Cdr5Row,
    Cdr6Row, DURATION_BANDS, NO_COST, billed_minutes, code_group, describe, destiny, duration_band,
};
use marcador_wire::date::format_response_date;
use marcador_wire::envelope::ObjectEnvelope;
use marcador_wire::format::{duration_hms, optional_id, percent};
use marcador_wire::law2300::Cdr11Row;
use marcador_wire::{CallResult, TypeInteraction, WireError};
use serde::Serialize;

use super::super::answer::{Answer, found, json, range, required};
use super::super::input::Params;
use super::super::{AppState, stream};

use crate::store::{CallDetail, Caller, CodeCount, CodesBy, DetailRead, ReleaseDetail, TypedCodes};

/// One of the call reports; `None` for another api.
pub(super) async fn get(st: &AppState, caller: &Caller, api: &str, p: &Params) -> Option<Answer> {
    Some(match api {
        report::CDR_1 => cdr_1(st, caller, p).await,
        report::CDR_2 => cdr_2(st, caller, p).await,
        report::CDR_4 => cdr_4(st, caller, p).await,
        report::CDR_5 => cdr_5(st, caller, p).await,
        report::CDR_6 => cdr_6(st, caller, p).await,
        report::CDR_11 => cdr_11(st, caller, p).await,
        report::ACT_1 => codes(st, caller, p, CodesBy::Agent).await,
        report::ACT_2 => codes(st, caller, p, CodesBy::Skill).await,
        report::ACT_3 => act_3(st, caller, p).await,
        report::ACT_4 => act_4(st, caller, p).await,
        report::ACT_5 => codes(st, caller, p, CodesBy::Code).await,
        _ => return None,
    })
}

/// act_1/2/3/5's `cod_act`: the group of codes (`cod_act1`, `cod_act2`).
fn group(p: &Params) -> Result<u8, WireError> {
    let raw = required(p, param::COD_ACT)?;
    code_group::level(raw).ok_or_else(|| WireError::bad_code_group(raw))
}

/// A detail report's rows, made in the caller's zone and streamed.
async fn send<R>(
    st: &AppState,
    caller: &Caller,
    read: DetailRead<CallDetail>,
    row: fn(CallDetail, &TimeZone) -> R,
) -> Answer
where
    R: Serialize + Send + Sync + 'static,
{
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |c| row(c, &tz)).await
}

async fn cdr_1(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .calls_in_range(caller.operation_id, from, to)
        .await?;
    send(st, caller, read, cdr_1_row).await
}

async fn cdr_5(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .unconnected_calls(caller.operation_id, from, to)
        .await?;
    send(st, caller, read, cdr_5_row).await
}

/// cdr_11: each release from Ley 2300's protection, oldest first.
async fn cdr_11(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .law2300_releases(caller.operation_id, from, to)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |r: ReleaseDetail| Cdr11Row {
        protected_nit: r.nit,
        agent_id: r.agent_code,
        name_agent: r.agent_name,
        operation: r.operation,
        date: format_response_date(r.released_at, &tz),
        item: r.item,
        value: r.value,
    })
    .await
}

async fn act_3(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let level = group(p)?;
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .typed_calls(caller.operation_id, level, from, to)
        .await?;
    send(st, caller, read, act_3_row).await
}

fn kind(c: &CallDetail) -> &'static str {
    TypeInteraction::parse(&c.type_interaction).map_or("", |k| destiny(k, &c.telephone))
}

fn cdr_1_row(c: CallDetail, tz: &TimeZone) -> Cdr1Row {
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
        description_cod_act: describe(&cod_act, description),
        cod_act,
        description_cod_act_2: describe(&cod_act_2, description_2),
        cod_act_2,
        type_interaction: c.type_interaction,
        customer_id: c.customer_id,
        hang_up: c.hang_up,
        campaign_id: optional_id(c.campaign_id),
        conn_id: c.conn_id,
        skill_id: optional_id(c.skill_id),
        skill_name: c.skill_name,
        agent_id: c.agent_code,
        comment: comments,
    }
}

fn cdr_5_row(c: CallDetail, tz: &TimeZone) -> Cdr5Row {
    let destiny = kind(&c).to_owned();
    Cdr5Row {
        agent_name: c.agent_name,
        date: format_response_date(c.started_at, tz),
        destiny,
        telephone: c.telephone,
        ring_time: c.ring_seconds.to_string(),
        result: CallResult::parse(&c.result)
            .and_then(CallResult::not_connected)
            .map_or(c.result.clone(), str::to_owned),
        type_interaction: c.type_interaction,
        customer_id: c.customer_id,
        campaign_id: optional_id(c.campaign_id),
        agent_id: c.agent_code,
        conn_id: c.conn_id,
    }
}

fn act_3_row(c: CallDetail, tz: &TimeZone) -> Act3Row {
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
        skill_id: optional_id(c.skill_id),
        date: format_response_date(typed_at.unwrap_or(c.started_at), tz),
        description_cod_act: describe(&cod_act, description),
        cod_act,
        description_cod_act_2: describe(&cod_act_2, description_2),
        cod_act_2,
        comments,
        type_interaction: c.type_interaction,
        telephone: c.telephone,
        destiny,
        time: duration_hms(c.duration),
        hang_up: c.hang_up,
        customer_id: c.customer_id,
        campaign_id: optional_id(c.campaign_id),
    }
}

async fn cdr_2(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let rows: Vec<Cdr2Row> = st
        .store
        .calls_per_agent(caller.operation_id, from, to)
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

async fn cdr_4(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let durations = st
        .store
        .call_durations(caller.operation_id, from, to)
        .await?;
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

async fn cdr_6(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let mut by_result: Vec<(&'static str, i64)> = Vec::new();
    let counts = st
        .store
        .unconnected_results(caller.operation_id, from, to)
        .await?;
    for (stored, n) in counts {
        let Some(name) = CallResult::parse(&stored).and_then(CallResult::not_connected) else {
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

async fn codes(st: &AppState, caller: &Caller, p: &Params, by: CodesBy) -> Answer {
    let level = group(p)?;
    let (from, to) = range(p, caller)?;
    let counts = st
        .store
        .code_counts(caller.operation_id, level, by, from, to)
        .await?;
    let rows = counts.into_iter();
    match by {
        CodesBy::Agent => found(st, rows.map(act_1_row).collect()),
        CodesBy::Skill => found(st, rows.map(act_2_row).collect()),
        CodesBy::Code => found(st, rows.map(act_5_row).collect()),
    }
}

fn act_1_row(c: CodeCount) -> Act1Row {
    Act1Row {
        count: c.count.to_string(),
        agent_name: c.agent_name,
        agent_dni: String::new(),
        description_cod_act: describe(&c.code, c.description),
        cod_act: c.code,
    }
}

fn act_2_row(c: CodeCount) -> Act2Row {
    Act2Row {
        count: c.count.to_string(),
        skill_id: optional_id(c.skill_id),
        description_cod_act: describe(&c.code, c.description),
        cod_act: c.code,
    }
}

fn act_5_row(c: CodeCount) -> Act5Row {
    Act5Row {
        count: c.count.to_string(),
        description_cod_act: describe(&c.code, c.description),
        cod_act: c.code,
    }
}

async fn act_4(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let rows: Vec<Act4Row> = st
        .store
        .untyped_calls_per_agent(caller.operation_id, from, to)
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
