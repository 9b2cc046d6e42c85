//! `agentbox.php` (the vendor's "Agentes V2"): change_status, hang, type,
//! hang_type_ready, hold and mute (toggles), dtmf, transfer (to another
//! agent or a number outside), dial (click-to-call) and
//! aux_call for one agent, and the recalls it schedules (recall,
//! edit_recall, delete_recall).
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
use marcador_wire::api::{agent_status_param, dtmf, param, report};
use marcador_wire::conn_id;
use marcador_wire::envelope::{AgentAnswer, AgentNotice, msgs};
use marcador_wire::records::recall_style;
use marcador_wire::upload::{
    CUSTOMER_ID_MAX_CHARS, TELEPHONE_EXPECTED, TEXT_MAX_CHARS, valid_telephone,
};
use marcador_wire::{AgentStatus, CampaignType, WireDate, WireError};

use super::answer::{Answer, required, status_name};
use super::input::Params;
use super::{ApiError, AppState};
use crate::calling::CallingProfile;
use crate::domain::{AgentPhase, CallAction};
use crate::store::{
    AgentCommand, AgentNow, Caller, CodifyRejection, ManualDial, RecallPlan, RecallRejection,
    TypeInput, TypeRejection,
};

/// `POST agentbox.php?api=change_status|hang|type|hang_type_ready|hold|mute&agent_id=…`
pub async fn post(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let api = required(&p, param::API)?;
    if api == report::RECALL_CUSTOMER {
        return recall(&st, &caller, &p, Change::Schedule).await;
    }
    if api == report::DIAL {
        return own_call(&st, &caller, &p, OwnCall::Dial).await;
    }
    if api == report::AUX_CALL {
        return own_call(&st, &caller, &p, OwnCall::Aux).await;
    }
    if ![
        report::CHANGE_STATUS,
        report::HANG,
        report::TYPE,
        report::HANG_TYPE_READY,
        report::HOLD,
        report::MUTE,
        report::DTMF,
        report::TRANSFER,
    ]
    .contains(&api)
    {
        return Err(WireError::api_not_found().into());
    }
    let (code, agent) = agent_of(&st, &caller, &p).await?;
    let op = caller.operation_id;
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
                return Err(WireError::agent_not_on_a_call(code, api).into());
            }
            st.store
                .agent_command(op, agent.id, &AgentCommand::Hang)
                .await?;
            AgentAnswer::ok(msgs::HUNG_UP.into())
        }
        report::HOLD | report::MUTE => {
            if !talking {
                return Err(WireError::agent_not_on_a_call(code, api).into());
            }
            let (action, msg) = if api == report::HOLD {
                (CallAction::Hold, msgs::HOLD_TOGGLED)
            } else {
                (CallAction::Mute, msgs::MUTE_TOGGLED)
            };
            st.store
                .agent_command(op, agent.id, &AgentCommand::Toggle(action))
                .await?;
            AgentAnswer::ok(msg.into())
        }
        report::TRANSFER => {
            if !talking {
                return Err(WireError::agent_not_on_a_call(code, api).into());
            }
            // An agent's extension first, as the vendor's agents dial them; any other number is outside.
            let to = required(&p, param::CUSTOMER_PHONE)?.trim();
            let command = match st.store.agent_by_code(op, to).await? {
                Some(target) => {
                    if target.phase != AgentPhase::Ready || target.id == agent.id {
                        let status = status_name(target.phase, &target.pause_name).to_uppercase();
                        return Err(WireError::agent_not_ready(to, &status, api).into());
                    }
                    AgentCommand::Transfer(target.id)
                }
                None if valid_telephone(to) => AgentCommand::TransferOut(to.to_owned()),
                None => return Err(WireError::transfer_destination(to).into()),
            };
            st.store.agent_command(op, agent.id, &command).await?;
            AgentAnswer::with_call(&msgs::transferred(to), agent.call.conn_id.clone())
        }
        report::DTMF => {
            if !talking {
                return Err(WireError::agent_not_on_a_call(code, api).into());
            }
            let keys = required(&p, param::TONES)?.trim();
            if !dtmf::valid(keys) {
                let expected = format!("1 to {} keys: digits, *, #, A to D", dtmf::MAX_KEYS);
                return Err(WireError::bad_parameter(param::TONES, keys, &expected).into());
            }
            st.store
                .agent_command(op, agent.id, &AgentCommand::Dtmf(keys.to_owned()))
                .await?;
            let notice = AgentNotice::ok(msgs::DTMF_MSG, msgs::DTMF_ADDED);
            return Ok(axum::Json(notice).into_response());
        }
        report::TYPE => {
            let conn_id = type_call(&st, &caller, &agent, &p).await?;
            AgentAnswer::typed(conn_id)
        }
        _ => {
            // hang_type_ready: the call must still be up.
            if !talking {
                return Err(WireError::agent_not_on_a_call(code, api).into());
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

/// The calls an agent places itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnCall {
    /// `dial&customer_phone=…[&customer_id=…][&customer_name=…]`: a ready
    /// agent dials a number (click-to-call).
    Dial,
    /// `aux_call&customer_phone=…`: in the after-call work of a predictive
    /// call that was cut, the agent calls that customer again.
    Aux,
}

/// `POST agentbox.php?api=dial|aux_call&agent_id=…&customer_phone=…`. Checked
/// now — the agent's state, the number well formed, not on the do-not-call
/// list, the operation's calling profile allowing calls at this hour — then
/// left to the engine with the call id it answers with; the engine places
/// the call if the agent is still where it was when it takes it (within a
/// second).
async fn own_call(st: &AppState, caller: &Caller, p: &Params, kind: OwnCall) -> Answer {
    let (code, agent) = agent_of(st, caller, p).await?;
    let op = caller.operation_id;
    let customer_id = match kind {
        OwnCall::Dial => {
            if agent.phase != AgentPhase::Ready {
                let status = status_name(agent.phase, &agent.pause_name).to_uppercase();
                return Err(WireError::agent_not_ready(code, &status, report::DIAL).into());
            }
            let customer_id = text(p, param::CUSTOMER_ID, CUSTOMER_ID_MAX_CHARS)?;
            // Shown on the vendor's agent screen; Marcador has none, so it is only checked.
            text(p, param::CUSTOMER_NAME, TEXT_MAX_CHARS)?;
            customer_id
        }
        OwnCall::Aux => {
            let predictive = match agent.call.campaign_id {
                Some(c) => st.store.campaign_type(op, c).await? == Some(CampaignType::Predictive),
                None => false,
            };
            if agent.phase != AgentPhase::Acw || !predictive || agent.call.customer_id.is_empty() {
                return Err(WireError::agent_no_cut_call(code).into());
            }
            agent.call.customer_id.clone()
        }
    };
    let telephone = required(p, param::CUSTOMER_PHONE)?.trim().to_owned();
    if !valid_telephone(&telephone) {
        return Err(WireError::bad_parameter(
            param::CUSTOMER_PHONE,
            &telephone,
            TELEPHONE_EXPECTED,
        )
        .into());
    }
    let now = st.clock.now();
    if st
        .store
        .number_blocked(op, &telephone, now.as_second())
        .await?
    {
        return Err(WireError::number_blocked(&telephone).into());
    }
    let (profile, tz) = st.store.operation_calling(op).await?;
    let allowed =
        CallingProfile::parse(&profile).is_none_or(|p| p.allows(now.to_zoned(tz).datetime()));
    if !allowed {
        return Err(WireError::outside_calling_hours(&profile).into());
    }
    // Unique enough: a random sequence within the agent's station and second.
    let sequence = rand::random_range(0..100_000u64);
    let conn_id = conn_id::format(
        conn_id::node(op),
        agent.id as u32,
        now.as_second(),
        sequence,
    );
    let dial = ManualDial {
        conn_id: conn_id.clone(),
        telephone,
        customer_id,
    };
    let (command, msg) = match kind {
        OwnCall::Dial => (AgentCommand::Dial(dial), msgs::DIALED),
        // The vendor's example answers an auxiliary call this way.
        OwnCall::Aux => (AgentCommand::AuxCall(dial), msgs::TYPED),
    };
    st.store.agent_command(op, agent.id, &command).await?;
    Ok(axum::Json(AgentAnswer::with_call(msg, conn_id)).into_response())
}

/// An optional text parameter, trimmed: at most `max` characters, none of
/// them control characters.
fn text(p: &Params, name: &str, max: usize) -> Result<String, ApiError> {
    let v = p.get(name).map(|v| v.trim()).unwrap_or_default();
    if v.chars().count() > max || v.chars().any(char::is_control) {
        let expected = format!("at most {max} characters, none of them control characters");
        return Err(WireError::bad_parameter(name, v, &expected).into());
    }
    Ok(v.to_owned())
}

/// The request's `agent_id` and that agent, or the 404 naming it.
async fn agent_of<'p>(
    st: &AppState,
    caller: &Caller,
    p: &'p Params,
) -> Result<(&'p str, AgentNow), ApiError> {
    let code = required(p, param::AGENT_ID)?;
    let agent = st
        .store
        .agent_by_code(caller.operation_id, code)
        .await?
        .ok_or_else(|| WireError::unknown_agent(code))?;
    Ok((code, agent))
}

/// Types the agent's call with the request's codes; its `conn_id`.
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

/// `PUT agentbox.php?api=edit_recall&agent_id=…&id_camp=…&id_customer=…&recall=…[&telephone=…][&recall_style=…][&name_recall=…]`
pub async fn put(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    match required(&p, param::API)? {
        report::EDIT_RECALL => recall(&st, &caller, &p, Change::Edit).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `DELETE agentbox.php?api=delete_recall&agent_id=…&id_camp=…&id_customer=…`
pub async fn delete(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    match required(&p, param::API)? {
        report::DELETE_RECALL => recall(&st, &caller, &p, Change::Cancel).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// What an agent does to a recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// recall: schedule one (`rellamada`, `telefono`).
    Schedule,
    /// edit_recall: change one still to come (`recall`, `telephone`); the agent must be logged in.
    Edit,
    /// delete_recall: cancel one still to come; the agent must be logged in.
    Cancel,
}

/// An agent's recall of a customer of a campaign: `auto` (the campaign dials
/// it at its time) or `manual` (routed to this agent), as campaign.php's
/// recall schedules them.
async fn recall(st: &AppState, caller: &Caller, p: &Params, change: Change) -> Answer {
    let (code, agent) = agent_of(st, caller, p).await?;
    let op = caller.operation_id;
    if change != Change::Schedule && agent.phase == AgentPhase::Logout {
        return Err(WireError::agent_logged_out(code).into());
    }
    let campaign_raw = required(p, param::ID_CAMP)?.trim().to_owned();
    let campaign: i64 = campaign_raw
        .parse()
        .map_err(|_| WireError::unknown_campaign(&campaign_raw))?;
    let customer = required(p, param::ID_CUSTOMER)?.trim().to_owned();
    let given = |name: &str| {
        p.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let style = match given(param::RECALL_STYLE).map(|s| s.to_lowercase()) {
        None => recall_style::AUTO.to_owned(),
        Some(s) if s == recall_style::AUTO || s == recall_style::MANUAL => s,
        Some(s) => {
            return Err(WireError::bad_parameter(param::RECALL_STYLE, &s, "auto or manual").into());
        }
    };
    let outcome = if change == Change::Cancel {
        st.store
            .cancel_recall(op, campaign, &customer)
            .await?
            .map(|()| String::new())
    } else {
        let (date_param, phone_param) = match change {
            Change::Schedule => (param::RELLAMADA, param::TELEFONO),
            _ => (param::RECALL_DATE, param::TELEPHONE),
        };
        let raw = required(p, date_param)?;
        let at = WireDate::parse(raw)
            .map_err(|_| WireError::malformed_date(date_param, raw))?
            .unix_seconds(&caller.tz);
        let telephone = given(phone_param);
        if let Some(t) = telephone.as_deref().filter(|t| !valid_telephone(t)) {
            return Err(WireError::bad_parameter(phone_param, t, TELEPHONE_EXPECTED).into());
        }
        let plan = RecallPlan {
            at,
            telephone,
            style,
            agent: Some(agent.code.clone()),
            name: given(param::NAME_RECALL),
            existing_only: change == Change::Edit,
        };
        st.store
            .recall_record(op, campaign, &customer, &plan)
            .await?
    };
    match outcome {
        Ok(_) => {
            let msg = match change {
                Change::Schedule => msgs::RECALLED,
                Change::Edit => msgs::RECALL_EDITED,
                Change::Cancel => msgs::RECALL_DELETED,
            };
            Ok(axum::Json(AgentAnswer::ok(msg.into())).into_response())
        }
        Err(RecallRejection::UnknownCampaign) => {
            Err(WireError::unknown_campaign(&campaign_raw).into())
        }
        Err(RecallRejection::UnknownCustomer) => {
            Err(WireError::unknown_customer(&customer, &campaign_raw).into())
        }
        Err(RecallRejection::Dialing) => {
            Err(WireError::record_being_dialed(&customer, &campaign_raw).into())
        }
        Err(RecallRejection::NoFreePhone) => Err(WireError::no_free_phone(
            &customer,
            p.get(param::TELEFONO)
                .or_else(|| p.get(param::TELEPHONE))
                .map_or("", String::as_str),
        )
        .into()),
        Err(RecallRejection::NoRecall) => {
            Err(WireError::no_recall(&customer, &campaign_raw).into())
        }
    }
}
