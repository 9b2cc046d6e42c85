//! `reports_manager.php`'s smart-wait reports: diagram_2 (per skill: callers
//! offered a call back, their answers, the call backs' outcomes, what it did
//! for the service level) and diagram_3 (each caller offered one). Each row
//! is made here, once, from the store's plain data.

use marcador_wire::api::report;
use marcador_wire::calls::billed_minutes;
use marcador_wire::date::format_response_date;
use marcador_wire::format::{duration_hms, percent};
use marcador_wire::smart_wait::{Diagram2Row, Diagram3Row};

use super::super::answer::{Answer, capped, found, range};
use super::super::input::Params;
use super::super::{AppState, stream};
use crate::store::{Caller, SmartWaitFact};

/// One of these reports; `None` for another api.
pub(super) async fn get(st: &AppState, caller: &Caller, api: &str, p: &Params) -> Option<Answer> {
    Some(match api {
        report::DIAGRAM_2 => diagram_2(st, caller, p).await,
        report::DIAGRAM_3 => diagram_3(st, caller, p).await,
        _ => return None,
    })
}

async fn diagram_2(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let totals = st
        .store
        .smart_wait_totals(caller.operation_id, from, to)
        .await?;
    let rows = totals
        .into_iter()
        .map(|t| Diagram2Row {
            skill_id: t.skill_id.to_string(),
            treatment: t.offered.to_string(),
            customer_say_no: t.declined.to_string(),
            customer_say_yes: (t.offered - t.declined).to_string(),
            recall_fail: t.failed.to_string(),
            recall_ok: t.ok.to_string(),
            service_level_up: percent(t.ok.max(0) as u64, t.queued.max(0) as u64),
        })
        .collect();
    found(st, capped(st, rows)?)
}

async fn diagram_3(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st.store.smart_waits(caller.operation_id, from, to).await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |w: SmartWaitFact| {
        let talk_s = w.talk_ms / 1000;
        Diagram3Row {
            skill_id: w.skill_id.to_string(),
            date_inbound_call: format_response_date(w.inbound_ms.div_euclid(1000), &tz),
            date_last_outbound_call: w
                .last_outbound_ms
                .map(|ms| format_response_date(ms.div_euclid(1000), &tz))
                .unwrap_or_default(),
            status: w.status.as_str().to_owned(),
            attempts: w.attempts.to_string(),
            ani: w.ani,
            dial_phone: w.dial_phone,
            time_between_calls: w
                .last_outbound_ms
                .map(|ms| duration_hms((ms - w.inbound_ms).max(0) / 1000))
                .unwrap_or_default(),
            time: duration_hms(talk_s),
            billed_minutes: billed_minutes(talk_s).to_string(),
            customer_id: w.customer_id,
        }
    })
    .await
}
