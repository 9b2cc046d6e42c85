//! `information.php`: the operation's configuration — campaigns, skills,
//! routing points, activity codes, agents, the do-not-call list, the
//! services it has — the token's own use, the audit log of changes made
//! through the API, and Ley 2300's protection of a number. The store gives
//! plain data; the rows are made here.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::State;
use marcador_wire::WireError;
use marcador_wire::api::{param, report};
use marcador_wire::calls::code_group;
use marcador_wire::date::format_response_date;
use marcador_wire::format::optional_id;
use marcador_wire::information::{AuditRow, Law2300Row, ServicesRow, VOICE};
use marcador_wire::limits::DAILY_REQUESTS_PER_LICENSE;
use marcador_wire::rows::{
    ActivityCodeRow, AgentInSkillRow, DncListRow, InfoAgentRow, InfoCampaignRow, RoutingPointRow,
    SkillRow, TokenInfoRow, dial_mode, info_status, values, yes_no,
};

use super::AppState;
use super::answer::{Answer, capped, found, range, required, status_name};
use super::input::Params;
use crate::calling::CallingProfile;
use crate::domain;
use crate::store::{AgentNow, Caller};

/// `GET information.php?api=campaigns|skills|routing_points|activity_codes|agents|agents_in_skill|get_dnc|token_info`
pub async fn get(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    match required(&p, param::API)? {
        report::CAMPAIGNS => campaigns(&st, &caller, &p).await,
        report::SKILLS => skills(&st, &caller, &p).await,
        report::ROUTING_POINTS => routing_points(&st, &caller, &p).await,
        report::ACTIVITY_CODES => activity_codes(&st, &caller, &p).await,
        report::AGENTS => agents(&st, &caller, &p).await,
        report::AGENTS_IN_SKILL => agents_in_skill(&st, &caller, &p).await,
        report::GET_DNC => dnc(&st, &caller).await,
        report::TOKEN_INFO => token_info(&st, &caller).await,
        report::AUDIT_LOG => audit_log(&st, &caller, &p).await,
        report::SERVICES => services(&st, &caller).await,
        report::LAW2300_INFO => law2300_info(&st, &caller, &p).await,
        _ => Err(WireError::api_not_found().into()),
    }
}

/// `information.php?api=audit_log&date_ini=…&date_end=…`: the changes made
/// through the API in the range, oldest first.
async fn audit_log(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let cap = st.limits.max_records_per_answer;
    let entries = st
        .store
        .audit_log(caller.operation_id, from, to, cap)
        .await?;
    let rows: Vec<AuditRow> = capped(st, entries)?
        .into_iter()
        .map(|e| AuditRow {
            date: format_response_date(e.at, &caller.tz),
            ip: e.ip,
            user: e.actor,
            action: e.action,
            workstation: e.workstation,
        })
        .collect();
    found(st, rows)
}

/// `information.php?api=services`: what the operation has turned on.
async fn services(st: &AppState, caller: &Caller) -> Answer {
    let agents = st.store.agents(caller.operation_id).await?.len() as i64;
    let (profile, _) = st.store.operation_calling(caller.operation_id).await?;
    let turbo_dial = st
        .store
        .campaign_infos(caller.operation_id, None)
        .await?
        .iter()
        .any(|c| c.turbo_dial);
    let protects = CallingProfile::parse(&profile) == Some(CallingProfile::Colombia);
    found(
        st,
        vec![ServicesRow::of(
            caller.licenses,
            agents,
            protects,
            turbo_dial,
        )],
    )
}

/// `information.php?api=law2300_info&nit=…&phone=…`: when a person was last
/// reached on the number today (Ley 2300 allows one contact a day); 404 when
/// it was not.
async fn law2300_info(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    required(p, param::NIT)?;
    let phone = required(p, param::PHONE)?.trim().to_owned();
    let now = st.clock.now();
    let midnight = now
        .to_zoned(caller.tz.clone())
        .start_of_day()
        .map(|z| z.timestamp().as_second())
        .unwrap_or(now.as_second());
    let rows: Vec<Law2300Row> = st
        .store
        .last_contact(caller.operation_id, &phone, midnight)
        .await?
        .map(|at| Law2300Row {
            phone_number: phone.clone(),
            last_day: format_response_date(at, &caller.tz),
            last_channel: VOICE.to_owned(),
        })
        .into_iter()
        .collect();
    found(st, rows)
}

/// An optional numeric filter (`&campaign=`, `&skill=`, `&routing=`).
fn filter_id(p: &HashMap<String, String>, name: &str) -> Result<Option<i64>, WireError> {
    match p.get(name).map(String::as_str) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| WireError::bad_parameter(name, v, "a number")),
    }
}

/// A time in the operation's zone, `""` for none.
fn date(at: Option<i64>, caller: &Caller) -> String {
    at.map(|t| format_response_date(t, &caller.tz))
        .unwrap_or_default()
}

async fn campaigns(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let only = filter_id(p, param::CAMPAIGN)?;
    let rows: Vec<InfoCampaignRow> = st
        .store
        .campaign_infos(caller.operation_id, only)
        .await?
        .into_iter()
        .map(|c| InfoCampaignRow {
            campaign_id: c.id.to_string(),
            campaign_name: c.name,
            campaign_description: c.description,
            type_campaign: c.kind.as_str().to_owned(),
            status: info_status(c.started).to_owned(),
            records: c.records.to_string(),
            speed: c.speed.to_string(),
            dial_mode: dial_mode(c.current_phone),
            last_use: date(c.last_use, caller),
            recycled: c.recycled.to_string(),
            turbo_dial: yes_no(c.turbo_dial).to_owned(),
            skill_id: optional_id(c.skill_id),
        })
        .collect();
    found(st, rows)
}

async fn skills(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let only = filter_id(p, param::SKILL)?;
    let rows: Vec<SkillRow> = st
        .store
        .skill_infos(caller.operation_id, only)
        .await?
        .into_iter()
        .map(|(id, name, description)| SkillRow {
            skill_id: id.to_string(),
            skill_name: name,
            skill_description: description,
            last_use: String::new(),
        })
        .collect();
    found(st, rows)
}

async fn routing_points(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let only = filter_id(p, param::ROUTING)?;
    let rows: Vec<RoutingPointRow> = st
        .store
        .routing_point_infos(caller.operation_id, only)
        .await?
        .into_iter()
        .map(|(id, name, last_use)| RoutingPointRow {
            rp_id: id.to_string(),
            rp_name: name,
            ivr_active: yes_no(true).to_owned(),
            chat_active: yes_no(false).to_owned(),
            interaction_active: yes_no(true).to_owned(),
            crm_active: yes_no(false).to_owned(),
            last_use: date(last_use, caller),
        })
        .collect();
    found(st, rows)
}

async fn activity_codes(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let only = p
        .get(param::COD_ACT)
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let rows: Vec<ActivityCodeRow> = st
        .store
        .activity_code_infos(caller.operation_id, only)
        .await?
        .into_iter()
        .map(|c| ActivityCodeRow {
            cod_act: c.code,
            description_cod_act: c.description,
            hit: yes_no(c.hit).to_owned(),
            rpc: yes_no(c.rpc).to_owned(),
            chat: yes_no(false).to_owned(),
            studio: yes_no(false).to_owned(),
            voice: yes_no(true).to_owned(),
            type_code: code_group::name(c.level).to_owned(),
            interactions: String::new(),
        })
        .collect();
    found(st, rows)
}

/// An agent's last log-in in the operation's zone (`""`: never).
fn last_use(a: &AgentNow, caller: &Caller) -> String {
    date(
        (a.login_ms != 0).then(|| a.login_ms.div_euclid(1000)),
        caller,
    )
}

async fn agents(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let only = p
        .get(param::AGENT)
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let rows: Vec<InfoAgentRow> = st
        .store
        .agents_now(caller.operation_id)
        .await?
        .iter()
        .filter(|a| only.is_none_or(|code| a.code == code))
        .map(|a| InfoAgentRow {
            agent_id: a.code.clone(),
            agent_name: a.name.clone(),
            agent_status: status_name(a.phase, &a.pause_name),
            last_use: last_use(a, caller),
            enabled: yes_no(true).to_owned(),
            ..InfoAgentRow::default()
        })
        .collect();
    found(st, rows)
}

async fn agents_in_skill(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let op = caller.operation_id;
    let raw = required(p, param::SKILL_ID)?;
    let skill: i64 = raw.parse().map_err(|_| WireError::unknown_skill(raw))?;
    if !st.store.skill_exists(op, skill).await? {
        return Err(WireError::unknown_skill(raw).into());
    }
    let members: Vec<i64> = st
        .store
        .agents(op)
        .await?
        .into_iter()
        .filter(|a| a.skills.contains(&skill))
        .map(|a| a.id)
        .collect();
    let rows: Vec<AgentInSkillRow> = st
        .store
        .agents_now(op)
        .await?
        .iter()
        .filter(|a| members.contains(&a.id))
        .map(|a| AgentInSkillRow {
            agent_id: a.code.clone(),
            agent_name: a.name.clone(),
            last_use: last_use(a, caller),
            expertise: values::EXPERTISE.into(),
        })
        .collect();
    found(st, rows)
}

async fn dnc(st: &AppState, caller: &Caller) -> Answer {
    let cap = st.limits.max_records_per_answer;
    let list = st
        .store
        .dnc_list(caller.operation_id, st.clock.now().as_second(), cap)
        .await?;
    let rows: Vec<DncListRow> = capped(st, list)?
        .into_iter()
        .map(|(phone_number, until)| DncListRow {
            phone_number,
            kind: values::DNC_TYPE.into(),
            date_delete: date(Some(until), caller),
        })
        .collect();
    found(st, rows)
}

/// The daily quota is the operation's, so this token's use today and all
/// tokens' use today are the same count.
async fn token_info(st: &AppState, caller: &Caller) -> Answer {
    let op = caller.operation_id;
    let day = domain::local_day(st.clock.now(), &caller.tz);
    let name = st.store.operation_name(op).await?;
    let used = st.store.quota_used(op, &day).await?;
    let limit = caller.licenses * DAILY_REQUESTS_PER_LICENSE as i64;
    let row = TokenInfoRow {
        description: format!("operation {name}"),
        token_limit: limit.to_string(),
        token_use_today: used.to_string(),
        all_token_today: used.to_string(),
        available_consumption_options: (limit - used).max(0).to_string(),
    };
    found(st, vec![row])
}
