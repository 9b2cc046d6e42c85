//! `reports_manager.php`'s agent reports: time by state per agent
//! (agent_1), pause (agent_3), campaign (agent_4), hour of the day (agent_5,
//! agent_6), date and hour or half hour (agent_8, agent_8_1), skill
//! (agent_11); the sessions (agent_7); each state one by one (agent_2 for an
//! agent, agent_14 for all); holds and mutes (agent_9, agent_10); transfers
//! (agent_12, agent_13, agent_13_1); previews
//! (agent_15, agent_16). The store sums time per half hour and counts
//! calls; the local hours and days are found here, in the operation's zone.

use std::collections::BTreeMap;

use futures_util::StreamExt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use marcador_wire::agent_reports::{
    Agent1Row, Agent2Row, Agent3Row, Agent4Row, Agent5Row, Agent7Row, Agent8Row, Agent9Row,
    Agent10Row, Agent11Row, Agent12Row, Agent13Row, Agent14Row, Agent15Row, Agent16Row, Agent81Row,
    Agent131Row, AgentSums, HourStats, PreviewSums, SkillAgentStats, clock_half_hour, clock_hour,
    event_status, event_status_14,
};
use marcador_wire::api::{param, report};
use marcador_wire::calls::destiny;
use marcador_wire::date::{RESPONSE_DAY_FORMAT, format_response_date, format_response_period};
use marcador_wire::diagrams::or_none;
use marcador_wire::format::{duration_hms, optional_id};
use marcador_wire::{TypeInteraction, WireError};

use super::super::answer::{Answer, capped, found, range, required};
use super::super::input::Params;
use super::super::{ApiError, AppState, stream};
use crate::domain::AgentPhase;
use crate::store::{
    AGENT_SLOT_SECONDS, ActionDetail, AgentEvent, AgentPreview, AgentRow, AgentTime, Caller,
    TimeBy, TransferDetail,
};

/// One of these reports; `None` for another api.
pub(super) async fn get(st: &AppState, caller: &Caller, api: &str, p: &Params) -> Option<Answer> {
    Some(match api {
        report::AGENT_1 => agent_1(st, caller, p).await,
        report::AGENT_2 => agent_2(st, caller, p).await,
        report::AGENT_3 => agent_3(st, caller, p).await,
        report::AGENT_4 => agent_4(st, caller, p).await,
        report::AGENT_5 => agent_5(st, caller, p).await,
        report::AGENT_6 => agent_6(st, caller, p).await,
        report::AGENT_7 => agent_7(st, caller, p).await,
        report::AGENT_8 => agent_8(st, caller, p, false).await,
        report::AGENT_8_1 => agent_8(st, caller, p, true).await,
        report::AGENT_9 => agent_9(st, caller, p).await,
        report::AGENT_10 => agent_10(st, caller, p).await,
        report::AGENT_11 => agent_11(st, caller, p).await,
        report::AGENT_12 => agent_12(st, caller, p).await,
        report::AGENT_13 => agent_13(st, caller, p).await,
        report::AGENT_13_1 => agent_13_1(st, caller, p).await,
        report::AGENT_14 => agent_14(st, caller, p).await,
        report::AGENT_15 => agent_15(st, caller, p).await,
        report::AGENT_16 => agent_16(st, caller, p).await,
        _ => return None,
    })
}

/// The operation's agents by store id.
async fn agents(st: &AppState, caller: &Caller) -> Result<BTreeMap<i64, AgentRow>, ApiError> {
    Ok(st
        .store
        .agents(caller.operation_id)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// A half hour's local date, hour and minute.
fn local(slot: i64, tz: &TimeZone) -> (String, i8, i8) {
    let at = slot * AGENT_SLOT_SECONDS;
    let day = format_response_period(at, tz, RESPONSE_DAY_FORMAT);
    match Timestamp::from_second(at) {
        Ok(t) => {
            let z = t.to_zoned(tz.clone());
            (day, z.hour(), z.minute())
        }
        Err(_) => (day, 0, 0),
    }
}

/// An agent's extension and name (`""` for one no longer there).
fn who(agents: &BTreeMap<i64, AgentRow>, id: i64) -> (String, String) {
    agents
        .get(&id)
        .map(|a| (a.code.clone(), a.name.clone()))
        .unwrap_or_default()
}

/// Per agent: the first log-in and last log-out of the range's sessions
/// (`""`: still logged in).
async fn logins(
    st: &AppState,
    caller: &Caller,
    from: i64,
    to: i64,
) -> Result<BTreeMap<i64, (String, String)>, ApiError> {
    let sessions = st
        .store
        .agent_sessions(caller.operation_id, from, to, u64::MAX - 1)
        .await?;
    let mut by_agent: BTreeMap<i64, (i64, Option<i64>)> = BTreeMap::new();
    for s in sessions {
        let e = by_agent
            .entry(s.agent_id)
            .or_insert((s.login_ms, s.logout_ms));
        e.0 = e.0.min(s.login_ms);
        e.1 = match (e.1, s.logout_ms) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
    }
    Ok(by_agent
        .into_iter()
        .map(|(agent, (login, logout))| {
            let date = |ms: i64| format_response_date(ms / 1000, &caller.tz);
            (agent, (date(login), logout.map(date).unwrap_or_default()))
        })
        .collect())
}

async fn agent_1(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let agents = agents(st, caller).await?;
    let times = st
        .store
        .agent_time(caller.operation_id, from, to, TimeBy::Agent)
        .await?;
    let hits = st.store.agent_hits(caller.operation_id, from, to).await?;
    let logins = logins(st, caller, from, to).await?;
    let mut rows: Vec<Agent1Row> = times
        .into_iter()
        .map(|t| {
            let (agent_id, agent_name) = who(&agents, t.agent_id);
            let (hits, rpc) = hits.get(&t.agent_id).copied().unwrap_or_default();
            let (login, logout) = logins.get(&t.agent_id).cloned().unwrap_or_default();
            Agent1Row {
                agent_id,
                agent_dni: String::new(),
                agent_name,
                stats: t.sums.stats(),
                hits: hits.to_string(),
                rpc: rpc.to_string(),
                aht_outbund: t.sums.aht_outbound(),
                aht_inbound: t.sums.aht_inbound(),
                login,
                logout,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
    found(st, capped(st, rows)?)
}

async fn agent_3(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let agents = agents(st, caller).await?;
    let pauses = st.store.pause_names(caller.operation_id).await?;
    let mut rows: Vec<Agent3Row> = st
        .store
        .agent_time(caller.operation_id, from, to, TimeBy::AgentPause)
        .await?
        .into_iter()
        .map(|t| {
            let (agent_id, agent_name) = who(&agents, t.agent_id);
            Agent3Row {
                agent_id,
                agent_dni: String::new(),
                agent_name,
                aux_state: pauses.get(&t.pause).cloned().unwrap_or(t.pause),
                time: duration_hms(t.sums.aux_ms / 1000),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.agent_id, &a.aux_state).cmp(&(&b.agent_id, &b.aux_state)));
    found(st, capped(st, rows)?)
}

async fn agent_4(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let agents = agents(st, caller).await?;
    let mut rows: Vec<Agent4Row> = st
        .store
        .agent_time(caller.operation_id, from, to, TimeBy::AgentCampaign)
        .await?
        .into_iter()
        .filter(|t| t.campaign_id != 0)
        .map(|t| {
            let (agent_id, agent_name) = who(&agents, t.agent_id);
            Agent4Row {
                agent_id,
                agent_name,
                stats: t.sums.stats(),
                campaign_id: t.campaign_id.to_string(),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.agent_id, &a.campaign_id).cmp(&(&b.agent_id, &b.campaign_id)));
    found(st, capped(st, rows)?)
}

/// The half-hour sums folded by `key` (an agent and a local period).
fn fold<K: Ord>(
    times: Vec<AgentTime>,
    mut key: impl FnMut(&AgentTime) -> K,
) -> BTreeMap<K, AgentSums> {
    let mut out: BTreeMap<K, AgentSums> = BTreeMap::new();
    for t in times {
        out.entry(key(&t)).or_default().add(&t.sums);
    }
    out
}

async fn agent_5(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let agents = agents(st, caller).await?;
    let times = st
        .store
        .agent_time(caller.operation_id, from, to, TimeBy::AgentSlot)
        .await?;
    let by_hour = fold(times, |t| (t.agent_id, local(t.slot, &caller.tz).1));
    let mut per_agent: BTreeMap<(String, i64), Agent5Row> = BTreeMap::new();
    for ((agent, hour), sums) in by_hour {
        let (agent_id, agent_name) = who(&agents, agent);
        per_agent
            .entry((agent_id.clone(), agent))
            .or_insert_with(|| Agent5Row {
                agent_name,
                agent_id,
                status_x_hour: Vec::new(),
            })
            .status_x_hour
            .push(HourStats {
                hour: clock_hour(hour),
                stats: sums.stats(),
            });
    }
    found(st, capped(st, per_agent.into_values().collect())?)
}

async fn agent_6(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let times = st
        .store
        .agent_time(caller.operation_id, from, to, TimeBy::Slot)
        .await?;
    let rows: Vec<HourStats> = fold(times, |t| local(t.slot, &caller.tz).1)
        .into_iter()
        .map(|(hour, sums)| HourStats {
            hour: clock_hour(hour),
            stats: sums.stats(),
        })
        .collect();
    found(st, rows)
}

/// agent_8 (per local date and hour) and agent_8_1 (`half`: per half hour).
async fn agent_8(st: &AppState, caller: &Caller, p: &Params, half: bool) -> Answer {
    let (from, to) = range(p, caller)?;
    let agents = agents(st, caller).await?;
    let times = st
        .store
        .agent_time(caller.operation_id, from, to, TimeBy::AgentSlot)
        .await?;
    let periods = fold(times, |t| {
        let (date, hour, minute) = local(t.slot, &caller.tz);
        let (code, _) = who(&agents, t.agent_id);
        let period = if half {
            clock_half_hour(hour, minute)
        } else {
            clock_hour(hour)
        };
        (code, t.agent_id, date, period)
    });
    if half {
        let rows: Vec<Agent81Row> = periods
            .into_iter()
            .map(|((agent_id, agent, date, hour), sums)| Agent81Row {
                agent_name: who(&agents, agent).1,
                agent_id,
                agent_dni: String::new(),
                date,
                hour,
                stats: sums.stats(),
            })
            .collect();
        return found(st, capped(st, rows)?);
    }
    let rows: Vec<Agent8Row> = periods
        .into_iter()
        .map(|((agent_id, agent, date, hour), sums)| Agent8Row {
            agent_name: who(&agents, agent).1,
            agent_dni: String::new(),
            agent_id,
            date,
            hour,
            stats: sums.stats(),
        })
        .collect();
    found(st, capped(st, rows)?)
}

async fn agent_7(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let agents = agents(st, caller).await?;
    let cap = st.limits.max_records_per_answer;
    let now_ms = st.clock.now().as_millisecond();
    let rows: Vec<Agent7Row> = st
        .store
        .agent_sessions(caller.operation_id, from, to, cap)
        .await?
        .into_iter()
        .map(|s| {
            let (agent_id, agent_name) = who(&agents, s.agent_id);
            let login = s.login_ms / 1000;
            Agent7Row {
                agent_name,
                agent_id,
                date: format_response_period(login, &caller.tz, RESPONSE_DAY_FORMAT),
                login: format_response_date(login, &caller.tz),
                logout: s
                    .logout_ms
                    .map(|ms| format_response_date(ms / 1000, &caller.tz))
                    .unwrap_or_default(),
                login_time: duration_hms((s.logout_ms.unwrap_or(now_ms) - s.login_ms) / 1000),
            }
        })
        .collect();
    found(st, capped(st, rows)?)
}

async fn agent_11(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let agents = agents(st, caller).await?;
    let skills = st.store.skill_infos(caller.operation_id, None).await?;
    let hits = st.store.agent_hits(caller.operation_id, from, to).await?;
    let times: BTreeMap<i64, AgentSums> = st
        .store
        .agent_time(caller.operation_id, from, to, TimeBy::Agent)
        .await?
        .into_iter()
        .map(|t| (t.agent_id, t.sums))
        .collect();
    let mut rows = Vec::new();
    for (skill, skill_name, _) in skills {
        let mut members: Vec<SkillAgentStats> = agents
            .values()
            .filter(|a| a.skills.contains(&skill))
            .filter_map(|a| {
                let sums = times.get(&a.id)?;
                let (hits, rpc) = hits.get(&a.id).copied().unwrap_or_default();
                Some(SkillAgentStats {
                    agent_name: a.name.clone(),
                    agent_dni: String::new(),
                    agent_id: a.code.clone(),
                    stats: sums.stats(),
                    hits: hits.to_string(),
                    rpc: rpc.to_string(),
                    aht_outbound: sums.aht_outbound(),
                    aht_inbound: sums.aht_inbound(),
                })
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        members.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        rows.push(Agent11Row {
            skill_name,
            agents: members,
        });
    }
    found(st, capped(st, rows)?)
}

/// A state's name in agent_2 (`fourteen`: agent_14's spelling) — a
/// predefined state, or the pause's name.
fn status(e: &AgentEvent, fourteen: bool) -> String {
    let (ready, talk, acw, ring) = if fourteen {
        (
            event_status_14::READY,
            event_status_14::TALK,
            event_status_14::ACW,
            event_status_14::RING,
        )
    } else {
        (
            event_status::READY,
            event_status::TALK,
            event_status::ACW,
            event_status::RING,
        )
    };
    match e.phase {
        Some(AgentPhase::Ready) => ready.to_owned(),
        Some(AgentPhase::TalkIn | AgentPhase::TalkOut | AgentPhase::Preview) => talk.to_owned(),
        Some(AgentPhase::Acw) => acw.to_owned(),
        Some(AgentPhase::Ring) => ring.to_owned(),
        _ => e.pause_name.clone(),
    }
}

fn destiny_of(e: &AgentEvent) -> String {
    TypeInteraction::parse(&e.type_interaction)
        .map(|t| destiny(t, &e.telephone).to_owned())
        .unwrap_or_default()
}

async fn agent_2(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let code = required(p, param::AGENT_ID)?.trim().to_owned();
    let agent = st
        .store
        .agent_by_code(caller.operation_id, &code)
        .await?
        .ok_or_else(|| WireError::unknown_agent(&code))?;
    let read = st
        .store
        .agent_events(caller.operation_id, from, to, Some(agent.id))
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |e: AgentEvent| Agent2Row {
        agent_status: status(&e, false),
        agent_id: e.agent_code.clone(),
        time: duration_hms(e.ms / 1000),
        date_ini: format_response_date(e.started_ms / 1000, &tz),
        date_end: format_response_date((e.started_ms + e.ms) / 1000, &tz),
        destiny: destiny_of(&e),
        conn_id: e.conn_id,
        type_interaction: e.type_interaction,
        telephone: e.telephone,
        campaign_id: optional_id(e.campaign_id),
    })
    .await
}

async fn agent_14(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .agent_events(caller.operation_id, from, to, None)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |e: AgentEvent| Agent14Row {
        agent_status: status(&e, true),
        agent_id: e.agent_code.clone(),
        time: duration_hms(e.ms / 1000),
        date_ini: format_response_date(e.started_ms / 1000, &tz),
        date_end: format_response_date((e.started_ms + e.ms) / 1000, &tz),
        destinity: destiny_of(&e),
        conn_id: e.conn_id,
        type_interaction: e.type_interaction,
        telephone: e.telephone,
        campaign_id: optional_id(e.campaign_id),
        agent_dni: String::new(),
        agent_name: e.agent_name,
    })
    .await
}

async fn agent_9(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let totals = st
        .store
        .action_totals(caller.operation_id, from, to)
        .await?;
    let hms = |ms: i64| duration_hms(ms / 1000);
    let rows: Vec<Agent9Row> = totals
        .into_iter()
        .map(|t| Agent9Row {
            agent_name: t.agent_name,
            count: t.count.to_string(),
            hold_time: hms(t.hold_ms),
            mute_time: hms(t.mute_ms),
            total_time: hms(t.hold_ms + t.mute_ms),
        })
        .collect();
    found(st, capped(st, rows)?)
}

async fn agent_10(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st.store.call_actions(caller.operation_id, from, to).await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |x: ActionDetail| Agent10Row {
        agent_name: x.agent_name,
        agent_id: x.agent_code,
        type_action: x.action,
        conn_id: x.conn_id,
        type_interaction: x.type_interaction,
        time: duration_hms(x.ms / 1000),
        skill_id: optional_id(x.skill_id),
        date: format_response_date(x.started_ms / 1000, &tz),
        telephone: x.telephone,
        customer_id: x.customer_id,
    })
    .await
}

async fn agent_12(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let totals = st
        .store
        .transfer_totals(caller.operation_id, from, to)
        .await?;
    let rows: Vec<Agent12Row> = totals
        .into_iter()
        .map(|t| Agent12Row {
            agent_name: t.agent_name,
            agent_id: t.agent_code,
            transfer_calls: t.transfers.to_string(),
            conference_calls: t.conferences.to_string(),
            total_time: duration_hms(t.ms / 1000),
        })
        .collect();
    found(st, capped(st, rows)?)
}

async fn agent_13(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st.store.transfers(caller.operation_id, from, to).await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |t: TransferDetail| Agent13Row {
        agent_name: t.from_name,
        agent_id: t.from_code,
        conn_id: t.conn_id,
        date: format_response_date(t.started_ms / 1000, &tz),
        telephone: t.telephone,
        type_interaction: t.kind,
        time: duration_hms(t.ms / 1000),
    })
    .await
}

async fn agent_13_1(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st.store.transfers(caller.operation_id, from, to).await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |t: TransferDetail| Agent131Row {
        conn_id_transfer: t.conn_id,
        skill_id: or_none(optional_id(t.skill_id)),
        date: format_response_date(t.started_ms / 1000, &tz),
        ani: t.telephone,
        origin_agent_id: t.from_code,
        origin_agent_name: t.from_name,
        destiny_agent_id: or_none(t.to_code.unwrap_or_default()),
        destiny_agent_name: t.to_name,
        dnis: t.dnis,
        time: duration_hms(t.ms / 1000),
        type_call: t.kind,
        id_call_origin: t.origin_conn_id,
    })
    .await
}

async fn agent_15(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st
        .store
        .agent_previews(caller.operation_id, from, to)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |c: AgentPreview| Agent15Row {
        id_call: c.conn_id,
        id_agent: c.agent_code,
        agent_name: c.agent_name,
        type_call: c.type_interaction,
        date_preview: format_response_date(c.started_ms / 1000, &tz),
        times: c.sums.times(),
    })
    .await
}

async fn agent_16(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let mut read = st
        .store
        .agent_previews(caller.operation_id, from, to)
        .await?;
    let mut per_agent: BTreeMap<(String, i64), (String, PreviewSums)> = BTreeMap::new();
    {
        let mut rows = read.rows(u64::MAX);
        while let Some(c) = rows.next().await {
            let c = c?;
            per_agent
                .entry((c.agent_code, c.agent_id))
                .or_insert_with(|| (c.agent_name, PreviewSums::default()))
                .1
                .add(&c.sums);
        }
    }
    read.finish().await?;
    let rows: Vec<Agent16Row> = per_agent
        .into_iter()
        .map(|((id_agent, _), (agent_name, sums))| Agent16Row {
            id_agent,
            agent_name,
            calls: sums.calls.to_string(),
            times: sums.times(),
        })
        .collect();
    found(st, capped(st, rows)?)
}
