//! `real_time.php`: the operation now — campaigns (from their counters),
//! the calls of the last 10 minutes and of the last hour with their hits
//! (from the calls index), agents (from the state the engine writes), skills
//! (their queues as the engine writes them, today's calls from the index),
//! each agent's phone's connection (latency: what telephony last measured, as
//! the engine writes it) and the calls agents talk on now (interactions).

use axum::Extension;
use axum::extract::State;
use marcador_wire::WireError;
use marcador_wire::api::{param, report};
use marcador_wire::date::{format_request_date, format_response_date};
use marcador_wire::envelope::{Envelope, ObjectEnvelope, found_msg};
use marcador_wire::format::{digits, optional_id, percent, percent_value};
use marcador_wire::interactions::{
    ActiveInteraction, INBOUND_CALL, InteractionsRow, OUTBOUND_CALL,
};
use marcador_wire::latency::{
    LatencyAgentRow, LatencyData, LatencyIpRow, LatencyPbxRow, PBX_OK, PBX_UNREACHABLE,
    PLATFORM_SIMULATED, PLATFORM_SIP, agent_label, jitter_ms,
};
use marcador_wire::limits::{CALLS_LAST_10_WINDOW_SECS, HITS_LAST_HOUR_WINDOW_SECS};
use marcador_wire::rows::{
    AgentRealtimeRow, CallLast10Row, CampaignRealtimeRow, HitLastHourRow, InfoServerData,
    ScheduledRecallRow, campaign_label, values,
};

use std::collections::BTreeMap;

use futures_util::StreamExt;
use marcador_wire::CallResult;
use marcador_wire::records::recall_style;
use marcador_wire::skill_reports::{CustomLevel, QueueSums, SkillRealtimeRow};

use super::answer::{Answer, custom_level, found, json, required, skill_filter, status_name};
use super::input::Params;
use super::{ApiError, AppState};
use crate::domain::{self, AgentPhase};
use crate::store::{AgentNow, Caller, CampaignCounters, PhoneReach, RecentCall};

/// `GET real_time.php?api=campaigns|calls_last_10|agents`
pub async fn get(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let now = st.clock.now();
    match required(&p, param::API)? {
        report::CAMPAIGNS => {
            // Documented exception: a bare array, empty when there are no campaigns.
            json(&st, &campaign_rows(&st, &caller).await?)
        }
        report::CALLS_LAST_10 => found(&st, calls_last_10_rows(&st, &caller).await?),
        report::HITS_LAST_HOUR => {
            let calls = recent_calls(&st, &caller, HITS_LAST_HOUR_WINDOW_SECS).await?;
            let rows: Vec<HitLastHourRow> = calls
                .into_iter()
                .map(|c| HitLastHourRow {
                    conn_id: c.conn_id,
                    type_interaction: c.type_interaction,
                    date: format_request_date(c.started_at, &caller.tz),
                    telephone: c.telephone,
                    customer_id: c.customer_id,
                    hit: values::hit_flag(c.hit).into(),
                })
                .collect();
            found(&st, rows)
        }
        report::RECALL => {
            // `type`: every recall, or those of one style.
            let style = match p.get(param::TYPE).map(|t| t.trim().to_lowercase()) {
                None => None,
                Some(t) if t.is_empty() || t == recall_style::ALL => None,
                Some(t) if t == recall_style::AUTO || t == recall_style::MANUAL => Some(t),
                Some(t) => {
                    return Err(
                        WireError::bad_parameter(param::TYPE, &t, "all, auto or manual").into(),
                    );
                }
            };
            let cap = st.limits.max_records_per_answer;
            let recalls = st
                .store
                .recalls(caller.operation_id, now.as_second(), cap)
                .await?;
            if recalls.len() as u64 > cap {
                return Err(WireError::too_many_records(cap).into());
            }
            let rows: Vec<ScheduledRecallRow> = recalls
                .into_iter()
                .filter(|r| style.as_ref().is_none_or(|s| *s == r.4))
                .map(|(at, phone, campaign, agent, style)| ScheduledRecallRow {
                    type_recall: style,
                    date_recall: format_response_date(at, &caller.tz),
                    phone_number: phone,
                    id_campaing: campaign.to_string(),
                    id_agent: agent,
                })
                .collect();
            found(&st, rows)
        }
        report::AGENTS => found(&st, agent_rows(&st, &caller).await?),
        report::SKILLS => skills(&st, &caller, &p).await,
        report::LATENCY => latency(&st, &caller).await,
        report::INTERACTIONS => interactions(&st, &caller).await,
        report::INFO_SERVER => {
            let host = st.host.now();
            let (agents, calls) = st.store.agents_connected(caller.operation_id).await?;
            let pct = |v: f32| percent_value(f64::from(v));
            json(
                &st,
                &ObjectEnvelope::found(InfoServerData {
                    cpu_avg_10s: pct(host.cpu_avg),
                    cpu_max_10s: pct(host.cpu_max),
                    cpu_min_10s: pct(host.cpu_min),
                    ram: pct(host.ram),
                    calls: calls.to_string(),
                    connected_agents: agents.to_string(),
                }),
            )
        }
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `real_time.php?api=skills[&skill_id=…][&services_time=…]`: each skill's
/// callers waiting now, and today's queued calls (from the calls index,
/// since the operation's midnight).
async fn skills(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let only = skill_filter(st, caller, p).await?;
    let custom = custom_level(p)?;
    let now = st.clock.now();
    let midnight = domain::local_midnight(now, &caller.tz);
    let queues: BTreeMap<i64, i64> = st
        .store
        .skill_queues(caller.operation_id)
        .await?
        .into_iter()
        .collect();
    let mut sums: BTreeMap<i64, QueueSums> = BTreeMap::new();
    let mut read = st
        .store
        .queued_calls(caller.operation_id, midnight, now.as_second(), only, None)
        .await?;
    {
        let mut rows = read.rows(u64::MAX);
        while let Some(c) = rows.next().await {
            let c = c?;
            let answered = c.result == CallResult::Answer.as_str();
            sums.entry(c.skill_id).or_default().add(
                answered,
                c.wait,
                c.talk,
                c.acw,
                custom.and_then(CustomLevel::seconds),
            );
        }
    }
    read.finish().await?;
    let rows: Vec<SkillRealtimeRow> = st
        .store
        .skill_infos(caller.operation_id, only)
        .await?
        .into_iter()
        .map(|(id, name, _)| {
            let s = sums.get(&id).copied().unwrap_or_default();
            let [l10, l20, l30] = s.levels();
            SkillRealtimeRow {
                skill_id: id.to_string(),
                skill_name: name,
                calls_in_queue_now: queues.get(&id).copied().unwrap_or(0).to_string(),
                stat_inbound: s.calls.to_string(),
                stat_answer: s.answered.to_string(),
                stat_abandon: s.abandoned.to_string(),
                service_level_10seg: l10,
                service_level_20seg: l20,
                service_level_30seg: l30,
                extra: s.extra(custom),
                by_abandon: s.abandon(),
            }
        })
        .collect();
    found(st, rows)
}

/// The calls of the last `window` seconds, within the record cap.
async fn recent_calls(
    st: &AppState,
    caller: &Caller,
    window: i64,
) -> Result<Vec<RecentCall>, ApiError> {
    let cap = st.limits.max_records_per_answer;
    let to = st.clock.now().as_second();
    Ok(st
        .store
        .recent_calls(caller.operation_id, to - window, to, cap)
        .await?
        .map_err(|_| WireError::too_many_records(cap))?)
}

/// A campaign's real-time row from its counters.
fn campaign_row(c: &CampaignCounters) -> CampaignRealtimeRow {
    let u = |n: i64| n.max(0) as u64;
    let records = u(c.records);
    CampaignRealtimeRow {
        campaign: campaign_label(
            c.id,
            &c.name,
            u8::try_from(c.current_phone).unwrap_or(1),
            &percent(u(c.phone_dialed), u(c.with_phone)),
        ),
        speed: digits(c.speed),
        status: c.status.as_str().to_owned(),
        skill_id: optional_id(c.skill_id),
        records: digits(records),
        clean: digits(c.clean),
        dial: digits(c.dial),
        answer: digits(c.answer),
        no_answer: digits(c.no_answer),
        busy_congestion_failed: digits(c.busy_congestion_failed),
        answer_machine: digits(c.answer_machine),
        penetration_day: percent(u(c.attempts_today), records),
        penetration_now: percent(u(c.dial), records),
        hits: digits(c.hits),
        calls_x_min: digits(c.calls_x_min),
        recycled: digits(c.recycled),
    }
}

/// real_time campaigns' rows: each campaign from its counters.
pub(super) async fn campaign_rows(
    st: &AppState,
    caller: &Caller,
) -> Result<Vec<CampaignRealtimeRow>, ApiError> {
    let now = st.clock.now();
    let today = domain::local_day(now, &caller.tz);
    Ok(st
        .store
        .campaign_counters(caller.operation_id, now.as_second(), &today)
        .await?
        .iter()
        .map(campaign_row)
        .collect())
}

/// real_time calls_last_10's rows.
pub(super) async fn calls_last_10_rows(
    st: &AppState,
    caller: &Caller,
) -> Result<Vec<CallLast10Row>, ApiError> {
    let calls = recent_calls(st, caller, CALLS_LAST_10_WINDOW_SECS).await?;
    Ok(calls
        .into_iter()
        .map(|c| CallLast10Row {
            type_interaction: c.type_interaction,
            result: c.result,
            date: format_response_date(c.started_at, &caller.tz),
            telephone: c.telephone,
            customer_id: c.customer_id,
            conn_id: c.conn_id,
        })
        .collect())
}

/// real_time agents' rows: each agent from the state the engine writes.
pub(super) async fn agent_rows(
    st: &AppState,
    caller: &Caller,
) -> Result<Vec<AgentRealtimeRow>, ApiError> {
    let now = st.clock.now().as_millisecond();
    Ok(st
        .store
        .agents_now(caller.operation_id)
        .await?
        .iter()
        .map(|a| realtime_row(a, now))
        .collect())
}

/// The one mapping of an agent's state to its real_time row: times in whole
/// seconds since the agent logged in, the current state's time included.
fn realtime_row(a: &AgentNow, now_ms: i64) -> AgentRealtimeRow {
    let logged_in = a.phase != AgentPhase::Logout;
    let mut t = a.times;
    if logged_in {
        t.add(a.phase, now_ms - a.since_ms);
    }
    let s = |ms: i64| (ms.max(0) / 1000).to_string();
    let login = match (logged_in, a.login_ms) {
        (true, at) => now_ms - at,
        (false, 0) => 0,
        (false, at) => a.since_ms - at,
    };
    let calls = t.calls_in + t.calls_out + t.calls_internal;
    let handled = t.inbound_ms + t.outbound_ms + t.acw_ms;
    AgentRealtimeRow {
        agent_id: a.code.clone(),
        agent_name: a.name.clone(),
        agent_status: status_name(a.phase, &a.pause_name),
        calls: calls.to_string(),
        inbound: t.calls_in.to_string(),
        outbound: t.calls_out.to_string(),
        internal: t.calls_internal.to_string(),
        time_state_now: s(now_ms - a.since_ms),
        ready_time: s(t.ready_ms),
        inbound_time: s(t.inbound_ms),
        outbound_time: s(t.outbound_ms),
        acw_time: s(t.acw_ms),
        ring_time: s(t.ring_ms),
        login_time: s(login),
        aht_time: s(if calls > 0 { handled / calls } else { 0 }),
        ocupation: s(handled),
        aux_time: s(t.aux_ms),
    }
}

/// `real_time.php?api=interactions`: each agent talking now, with its call
/// (from the state the engine writes); 404 when nobody is.
async fn interactions(st: &AppState, caller: &Caller) -> Answer {
    let rows = st
        .store
        .agents_now(caller.operation_id)
        .await?
        .into_iter()
        .filter(|a| {
            matches!(a.phase, AgentPhase::TalkIn | AgentPhase::TalkOut)
                && !a.call.conn_id.is_empty()
        })
        .map(|a| InteractionsRow {
            agent_id: a.code,
            active_interactions: vec![ActiveInteraction {
                conn_id: a.call.conn_id,
                subject: if a.phase == AgentPhase::TalkIn {
                    INBOUND_CALL
                } else {
                    OUTBOUND_CALL
                }
                .to_owned(),
                fromname: a.call.customer_id,
                date: format_response_date(a.since_ms.div_euclid(1000), &caller.tz),
            }],
        })
        .collect();
    found(st, rows)
}

/// `real_time.php?api=latency`: every agent whose phone telephony has
/// measured, grouped by address and, for people's SIP phones, by phone. What
/// the phone receives (`rx_*`) and the kind of link are not measured: `""`.
async fn latency(st: &AppState, caller: &Caller) -> Answer {
    let reach = st.store.phone_reach(caller.operation_id).await?;
    let agents: BTreeMap<i64, AgentNow> = st
        .store
        .agents_now(caller.operation_id)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let text = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let jitter = |v: Option<u32>| v.map(jitter_ms).unwrap_or_default();
    let loss = |v: Option<u32>| {
        v.map(|bp| percent(u64::from(bp), 10_000))
            .unwrap_or_default()
    };
    let rejection =
        |rejected: i64, offered: i64| percent(rejected.max(0) as u64, offered.max(0) as u64);
    let mut data = LatencyData::default();
    // Per address: agents, round trips, offers and rejections.
    let mut by_ip: BTreeMap<&str, (u64, Vec<u32>, i64, i64)> = BTreeMap::new();
    let measured: Vec<(&PhoneReach, &AgentNow)> = reach
        .iter()
        .filter_map(|r| agents.get(&r.agent_id).map(|a| (r, a)))
        .collect();
    for (r, a) in &measured {
        let n = &r.network;
        data.by_agent.push(LatencyAgentRow {
            agent_id: agent_label(&a.code, &a.name),
            latency_ms: text(n.latency_ms),
            ip: n.ip.clone(),
            version: n.user_agent.clone(),
            agent_status: status_name(a.phase, &a.pause_name),
            tx_jitter: jitter(n.tx_jitter_us),
            rx_jitter: String::new(),
            tx_ploss: loss(n.tx_loss_bp),
            rx_ploss: String::new(),
            network_rejection: rejection(r.rejected, r.offered),
            connection_type: String::new(),
            platform: if r.phone.is_some() {
                PLATFORM_SIP
            } else {
                PLATFORM_SIMULATED
            }
            .to_owned(),
            last_date: r
                .last_call_ms
                .map(|ms| format_response_date(ms.div_euclid(1000), &caller.tz))
                .unwrap_or_default(),
        });
        if !n.ip.is_empty() {
            let e = by_ip.entry(&n.ip).or_default();
            e.0 += 1;
            e.1.extend(n.latency_ms);
            e.2 += r.offered;
            e.3 += r.rejected;
        }
        if let Some(phone) = &r.phone {
            data.by_pbx.push(LatencyPbxRow {
                user: phone.clone(),
                status: if a.phase == AgentPhase::Logout {
                    PBX_UNREACHABLE
                } else {
                    PBX_OK
                }
                .to_owned(),
                tx_jitter: jitter(n.tx_jitter_us),
                rx_jitter: String::new(),
                tx_ploss: loss(n.tx_loss_bp),
                rx_ploss: String::new(),
            });
        }
    }
    for (ip, (agents, latencies, offered, rejected)) in by_ip {
        let sum: u64 = latencies.iter().map(|l| u64::from(*l)).sum();
        let average = (!latencies.is_empty())
            .then(|| ((sum + latencies.len() as u64 / 2) / latencies.len() as u64).to_string());
        data.by_ip.push(LatencyIpRow {
            ip: ip.to_owned(),
            total_agents: agents.to_string(),
            average_latency: average.unwrap_or_default(),
            maximum: text(latencies.iter().max().copied()),
            minimum: text(latencies.iter().min().copied()),
            network_rejection: rejection(rejected, offered),
        });
    }
    if data.by_agent.is_empty() {
        return Err(WireError::no_data().into());
    }
    let n = data.by_agent.len() as u64;
    json(st, &Envelope::with(200, found_msg(n), vec![data]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AgentTimes;

    #[test]
    fn the_current_state_counts_in_its_time_and_in_the_session() {
        let a = AgentNow {
            code: "1001".into(),
            name: "Ana".into(),
            phase: AgentPhase::Acw,
            since_ms: 100_000,
            login_ms: 10_000,
            times: AgentTimes {
                calls_out: 2,
                outbound_ms: 50_000,
                acw_ms: 10_000,
                ready_ms: 30_000,
                ..AgentTimes::default()
            },
            ..AgentNow::default()
        };
        let row = realtime_row(&a, 106_500);
        assert_eq!(row.agent_status, "ACW");
        assert_eq!(row.time_state_now, "6");
        assert_eq!(row.acw_time, "16");
        assert_eq!(row.login_time, "96");
        assert_eq!(row.calls, "2");
        assert_eq!(row.aht_time, "33");
        assert_eq!(row.ocupation, "66");
        let paused = AgentNow {
            phase: AgentPhase::Pause,
            pause_name: "Almuerzo".into(),
            ..a
        };
        assert_eq!(realtime_row(&paused, 106_500).agent_status, "Almuerzo");
    }
}
