//! The agents over the API: `real_time.php?api=agents` (each agent's state
//! and times) and `agentbox.php` (the vendor's "Agentes V2": change_status,
//! hang, type, hang_type_ready).
//!
//! agentbox checks what it can against the agent's state in the store and
//! leaves the rest to the engine as a command (`Store::agent_command`),
//! which takes it at its next step (within a second): the API answers that
//! the request was taken, as the vendor's does, and the engine — which may
//! run in another process — carries it out. `type` codifies in the store at
//! once, in the same transaction that tells the engine.

use axum::Extension;
use axum::extract::State;
use axum::response::IntoResponse;
use marcador_wire::api::{agent_status_param, param, report};
use marcador_wire::envelope::{AgentAnswer, msgs};
use marcador_wire::rows::AgentRealtimeRow;
use marcador_wire::{AgentStatus, WireError};

use super::handlers::{Answer, found, required};
use super::input::Params;
use super::{ApiError, AppState};
use crate::domain::AgentPhase;
use crate::store::{AgentCommand, AgentNow, Caller, CodifyRejection, TypeInput, TypeRejection};

/// `real_time.php?api=agents`
pub async fn realtime(st: &AppState, caller: &Caller) -> Answer {
    let now = st.clock.now().as_millisecond();
    let rows: Vec<AgentRealtimeRow> = st
        .store
        .agents_now(caller.operation_id)
        .await?
        .iter()
        .map(|a| realtime_row(a, now))
        .collect();
    found(st, rows)
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

/// How a state is shown: the wire status, or the pause's name.
fn status_name(phase: AgentPhase, pause_name: &str) -> String {
    match phase.wire() {
        Some(status) => status.as_str().to_owned(),
        None if pause_name.is_empty() => "Pause".to_owned(),
        None => pause_name.to_owned(),
    }
}

/// `POST agentbox.php?api=change_status|hang|type|hang_type_ready&agent_id=…`
pub async fn agentbox(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let api = required(&p, param::API)?;
    if ![
        report::CHANGE_STATUS,
        report::HANG,
        report::TYPE,
        report::HANG_TYPE_READY,
    ]
    .contains(&api)
    {
        return Err(WireError::api_not_found().into());
    }
    let code = required(&p, param::AGENT_ID)?;
    let op = caller.operation_id;
    let agent = st
        .store
        .agent_by_code(op, code)
        .await?
        .ok_or_else(|| WireError::unknown_agent(code))?;
    let talking = matches!(agent.phase, AgentPhase::TalkOut | AgentPhase::TalkIn);
    let answer = match api {
        report::CHANGE_STATUS => {
            let status = required(&p, param::STATUS)?;
            let (command, shown) = match status {
                agent_status_param::READY => {
                    (AgentCommand::Ready, AgentStatus::Ready.as_str().to_owned())
                }
                agent_status_param::LOGOUT => (
                    AgentCommand::Logout,
                    AgentStatus::Logout.as_str().to_owned(),
                ),
                pause => {
                    let name = st
                        .store
                        .pause_name(op, pause)
                        .await?
                        .ok_or_else(|| WireError::unknown_agent_status(pause))?;
                    if agent.phase == AgentPhase::Logout {
                        return Err(WireError::agent_logged_out(code).into());
                    }
                    (AgentCommand::Pause(pause.to_owned()), name)
                }
            };
            st.store.agent_command(op, agent.id, &command).await?;
            AgentAnswer::ok(msgs::status_changed(&shown))
        }
        report::HANG => {
            if !talking {
                return Err(WireError::agent_not_on_a_call(code).into());
            }
            st.store
                .agent_command(op, agent.id, &AgentCommand::Hang)
                .await?;
            AgentAnswer::ok(msgs::HUNG_UP.into())
        }
        report::TYPE => {
            let conn_id = type_call(&st, &caller, &agent, &p).await?;
            AgentAnswer::typed(conn_id)
        }
        _ => {
            // hang_type_ready: the call must still be up.
            if !talking {
                return Err(WireError::agent_not_on_a_call(code).into());
            }
            type_call(&st, &caller, &agent, &p).await?;
            st.store
                .agent_command(op, agent.id, &AgentCommand::Hang)
                .await?;
            st.store
                .agent_command(op, agent.id, &AgentCommand::Ready)
                .await?;
            AgentAnswer::ok(msgs::TYPED.into())
        }
    };
    Ok(axum::Json(answer).into_response())
}

/// Types the agent's campaign call with the request's codes; its `conn_id`.
async fn type_call(
    st: &AppState,
    caller: &Caller,
    agent: &AgentNow,
    p: &Params,
) -> Result<String, ApiError> {
    let input = TypeInput {
        cod_act: required(p, param::COD_ACT)?.to_owned(),
        cod_act_2: p.get(param::COD_ACT_2).cloned().unwrap_or_default(),
        comments: p.get(param::COMMENTS).cloned().unwrap_or_default(),
    };
    let outcome = st
        .store
        .type_agent_call(caller.operation_id, agent.id, &input, st.clock.now())
        .await?;
    match outcome {
        Ok(conn_id) => Ok(conn_id),
        Err(TypeRejection::Codify(CodifyRejection::UnknownCode(code))) => {
            Err(WireError::unknown_activity_code(&code).into())
        }
        // The call's record or campaign went away meanwhile.
        Err(_) => Err(WireError::agent_nothing_to_type(&agent.code).into()),
    }
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
