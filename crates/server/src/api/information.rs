//! `information.php`: the operation's configuration — campaigns, skills,
//! routing points, activity codes — and the token's own use.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::State;
use marcador_wire::WireError;
use marcador_wire::api::{param, report};

use super::AppState;
use super::answer::{Answer, found, required};
use super::input::Params;
use crate::domain;
use crate::store::Caller;

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

/// `GET information.php?api=campaigns|skills|routing_points|activity_codes|token_info`
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
