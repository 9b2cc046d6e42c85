//! `information.php`: the operation's configuration — campaigns, skills,
//! routing points, activity codes — and the token's own use.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::State;
use marcador_wire::WireError;
use marcador_wire::api::{param, report};
use marcador_wire::date::format_response_date;
use marcador_wire::rows::{AgentInSkillRow, DncListRow, InfoAgentRow};

use super::answer::{Answer, found, required};
use super::input::Params;
use super::{AppState, real_time};
use crate::domain;
use crate::store::{AgentNow, Caller};

/// An agent's last log-in in the operation's zone (`""`: never).
fn last_use(a: &AgentNow, caller: &Caller) -> String {
    if a.login_ms == 0 {
        return String::new();
    }
    format_response_date(a.login_ms.div_euclid(1000), &caller.tz)
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

/// `GET information.php?api=campaigns|skills|routing_points|activity_codes|agents|agents_in_skill|get_dnc|token_info`
pub async fn get(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
) -> Answer {
    let op = caller.operation_id;
    match required(&p, param::API)? {
        report::CAMPAIGNS => found(
            &st,
            st.store
                .info_campaigns(op, filter_id(&p, param::CAMPAIGN)?, &caller.tz)
                .await?,
        ),
        report::SKILLS => found(
            &st,
            st.store
                .info_skills(op, filter_id(&p, param::SKILL)?)
                .await?,
        ),
        report::ROUTING_POINTS => found(
            &st,
            st.store
                .info_routing_points(op, filter_id(&p, param::ROUTING)?, &caller.tz)
                .await?,
        ),
        report::AGENTS => {
            let only = p
                .get(param::AGENT)
                .map(String::as_str)
                .filter(|s| !s.is_empty());
            let rows = st
                .store
                .agents_now(op)
                .await?
                .iter()
                .filter(|a| only.is_none_or(|code| a.code == code))
                .map(|a| InfoAgentRow {
                    agent_id: a.code.clone(),
                    agent_name: a.name.clone(),
                    agent_status: real_time::status_name(a.phase, &a.pause_name),
                    last_use: last_use(a, &caller),
                    enabled: "yes".into(),
                    ..InfoAgentRow::default()
                })
                .collect();
            found(&st, rows)
        }
        report::AGENTS_IN_SKILL => {
            let raw = required(&p, param::SKILL_ID)?;
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
            let rows = st
                .store
                .agents_now(op)
                .await?
                .iter()
                .filter(|a| members.contains(&a.id))
                .map(|a| AgentInSkillRow {
                    agent_id: a.code.clone(),
                    agent_name: a.name.clone(),
                    last_use: last_use(a, &caller),
                    expertise: "1".into(),
                })
                .collect();
            found(&st, rows)
        }
        report::GET_DNC => {
            let cap = st.limits.max_records_per_answer;
            let list = st
                .store
                .dnc_list(op, st.clock.now().as_second(), cap)
                .await?;
            if list.len() as u64 > cap {
                return Err(WireError::too_many_records(cap).into());
            }
            let rows: Vec<DncListRow> = list
                .into_iter()
                .map(|(phone_number, until)| DncListRow {
                    phone_number,
                    kind: "outbound".into(),
                    date_delete: format_response_date(until, &caller.tz),
                })
                .collect();
            found(&st, rows)
        }
        report::ACTIVITY_CODES => {
            let only = p
                .get(param::COD_ACT)
                .map(String::as_str)
                .filter(|s| !s.is_empty());
            found(&st, st.store.info_activity_codes(op, only).await?)
        }
        report::TOKEN_INFO => {
            let day = domain::local_day(st.clock.now(), &caller.tz);
            found(
                &st,
                vec![st.store.token_info(op, caller.licenses, &day).await?],
            )
        }
        _ => Err(WireError::api_not_found().into()),
    }
}
