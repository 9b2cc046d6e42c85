//! `agentbox.php` (the vendor's "Agentes V2"): change_status, hang, type,
//! hang_type_ready for one agent.
//!
//! It checks what it can against the agent's state in the store and leaves
//! the rest to the engine as a command (`Store::agent_command`), which takes
//! it at its next step (within a second): the API answers that the request
//! was taken, as the vendor's does, and the engine — which may run in another
//! process — carries it out. `type` codifies in the store at once, in the
//! same transaction that tells the engine.

use axum::Extension;
use axum::extract::State;
use axum::response::IntoResponse;
use marcador_wire::api::{agent_status_param, param, report};
use marcador_wire::envelope::{AgentAnswer, msgs};
use marcador_wire::{AgentStatus, WireError};

use super::answer::{Answer, required};
use super::input::Params;
use super::{ApiError, AppState};
use crate::domain::AgentPhase;
use crate::store::{AgentCommand, AgentNow, Caller, CodifyRejection, TypeInput, TypeRejection};

/// `POST agentbox.php?api=change_status|hang|type|hang_type_ready&agent_id=…`
pub async fn post(
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
