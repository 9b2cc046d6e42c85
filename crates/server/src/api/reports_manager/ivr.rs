//! `reports_manager.php`'s IVR reports: diagram_1 (each IVR call),
//! diagram_1_1/diagram_1_2 (calls and minutes per local day or hour),
//! diagram_1_3 (calls and time per menu option: hourly rollups plus the
//! partial hours), diagram_11 (IVR versus transferred to an agent),
//! diagram_13 (each option passed) and diagram_14 (options by code). Each
//! row is made here, once, from the store's plain data.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use marcador_wire::api::{param, report};
use marcador_wire::date::{
    RESPONSE_DAY_FORMAT, RESPONSE_HOUR_FORMAT, format_response_date, format_response_period,
};
use marcador_wire::diagrams::{
    Diagram1Row, Diagram11Row, IvrUsageRow, MenuCodeRow, MenuOptionRow, VOICE, ivr_minutes,
    ivr_result, or_none,
};
use marcador_wire::format::{duration_hms, optional_id, percent};
use marcador_wire::rows::{Diagram13Row, yes_no};

use super::super::answer::{Answer, capped, found, range};
use super::super::input::Params;
use super::super::{ApiError, AppState, stream};
use crate::store::{Caller, IvrCall, IvrStep, QUARTER};

/// One of these reports; `None` for another api.
pub(super) async fn get(st: &AppState, caller: &Caller, api: &str, p: &Params) -> Option<Answer> {
    Some(match api {
        report::DIAGRAM_1 => diagram_1(st, caller, p).await,
        report::DIAGRAM_1_1 => usage(st, caller, p, RESPONSE_DAY_FORMAT).await,
        report::DIAGRAM_1_2 => usage(st, caller, p, RESPONSE_HOUR_FORMAT).await,
        report::DIAGRAM_1_3 => diagram_1_3(st, caller, p).await,
        report::DIAGRAM_11 => diagram_11(st, caller, p).await,
        report::DIAGRAM_13 => diagram_13(st, caller, p).await,
        report::DIAGRAM_14 => diagram_14(st, caller, p).await,
        _ => return None,
    })
}

/// The IVR calls of the range, of `customer_id` when one is given.
async fn calls(
    st: &AppState,
    caller: &Caller,
    p: &Params,
    row: fn(IvrCall, &TimeZone) -> Diagram1Row,
) -> Answer {
    let (from, to) = range(p, caller)?;
    let customer = p
        .get(param::CUSTOMER_ID)
        .map(|c| c.trim())
        .filter(|c| !c.is_empty());
    let read = st
        .store
        .ivr_calls(caller.operation_id, from, to, customer)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |c| row(c, &tz)).await
}

async fn diagram_1(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    calls(st, caller, p, diagram_1_row).await
}

fn diagram_1_row(c: IvrCall, tz: &TimeZone) -> Diagram1Row {
    Diagram1Row {
        rp_id: c.rp_id.to_string(),
        rp_name: c.rp_name,
        cod_opc_menu: c.last_option,
        dn_transfer: optional_id(c.skill_id),
        date: format_response_date(c.ivr_end.unwrap_or(c.started_at), tz),
        result: ivr_result(c.skill_id.is_some()).to_owned(),
        ani: c.telephone,
        time: duration_hms(c.ivr_seconds),
        customer_id: c.customer_id,
        conn_id: c.conn_id,
    }
}

async fn diagram_11(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .ivr_calls(caller.operation_id, from, to, None)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |c| diagram_11_row(c, &tz)).await
}

fn diagram_11_row(c: IvrCall, tz: &TimeZone) -> Diagram11Row {
    let queued = c.skill_id.is_some();
    let talked = !c.agent_code.is_empty();
    // In the queue: from leaving the menu to the answer (or giving up).
    let on_skill = (c.ring_seconds - c.ivr_seconds).max(0);
    Diagram11Row {
        conn_id: c.conn_id,
        time_on_rp: duration_hms(c.ivr_seconds),
        end_date_rp: format_response_date(c.ivr_end.unwrap_or(c.started_at), tz),
        rp_id: c.rp_id.to_string(),
        ani: c.telephone,
        customer_id: or_none(c.customer_id),
        time_on_skill: if queued {
            duration_hms(on_skill)
        } else {
            or_none(String::new())
        },
        skill_id: or_none(optional_id(c.skill_id)),
        skill_result: if queued {
            c.result
        } else {
            or_none(String::new())
        },
        go_to_agent: yes_no(talked).to_owned(),
        agent_id: or_none(c.agent_code),
        agent_name: or_none(c.agent_name),
        time_with_agent: if talked {
            duration_hms((c.duration - c.ring_seconds).max(0))
        } else {
            or_none(String::new())
        },
        cod_act: or_none(c.cod_act),
        cod_act_2: or_none(c.cod_act_2),
        type_interaction: c.type_interaction,
        total_time: duration_hms(c.duration),
    }
}

/// diagram_1_1 (`format`: a day) and diagram_1_2 (an hour): the quarter
/// hours the store counts, folded into the operation's local days or hours.
async fn usage(st: &AppState, caller: &Caller, p: &Params, format: &str) -> Answer {
    let (from, to) = range(p, caller)?;
    let quarters = st.store.ivr_usage(caller.operation_id, from, to).await?;
    let mut periods: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (quarter, calls, seconds) in quarters {
        let period = format_response_period(quarter * QUARTER, &caller.tz, format);
        let sums = periods.entry(period).or_default();
        sums.0 += calls;
        sums.1 += seconds;
    }
    let rows: Vec<IvrUsageRow> = periods
        .into_iter()
        .map(|(day, (calls, seconds))| IvrUsageRow {
            day,
            calls: calls.to_string(),
            ivr_minutes: ivr_minutes(seconds),
        })
        .collect();
    found(st, rows)
}

async fn diagram_1_3(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    found(st, option_rows(st, caller, from, to).await?)
}

/// diagram_1_3's rows over `[from, to]` (Unix s): calls and time per
/// routing point and menu option, within the record cap.
pub(in crate::api) async fn option_rows(
    st: &AppState,
    caller: &Caller,
    from: i64,
    to: i64,
) -> Result<Vec<Diagram13Row>, ApiError> {
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
    capped(st, rows)
}

async fn diagram_13(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st.store.ivr_steps(caller.operation_id, from, to).await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |s: IvrStep| MenuOptionRow {
        rp_id: s.rp_id.to_string(),
        conn_id: s.conn_id,
        customer_id: s.customer_id,
        channel: VOICE.to_owned(),
        attempt: s.attempt.to_string(),
        telephone: s.telephone,
        date: format_response_date(s.entered_at, &tz),
        second_event: s.second.to_string(),
        cod_opc_menu: s.option,
    })
    .await
}

/// diagram_14: diagram_1_3's totals by option over every routing point, with
/// the activity code's description where the option is one.
async fn diagram_14(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let totals = st
        .store
        .ivr_option_totals(caller.operation_id, from, to)
        .await?;
    let mut by_option: BTreeMap<String, i64> = BTreeMap::new();
    for t in totals {
        *by_option.entry(t.option).or_default() += t.calls;
    }
    let codes = st
        .store
        .activity_code_infos(caller.operation_id, None)
        .await?;
    let total: i64 = by_option.values().sum();
    let rows: Vec<MenuCodeRow> = by_option
        .into_iter()
        .map(|(option, n)| MenuCodeRow {
            description_cod_act: codes
                .iter()
                .find(|c| c.level == 1 && c.code == option)
                .map(|c| c.description.clone())
                .unwrap_or_default(),
            cod_act: option,
            count: n.to_string(),
            percent: percent(n.max(0) as u64, total.max(0) as u64),
        })
        .collect();
    found(st, rows)
}
