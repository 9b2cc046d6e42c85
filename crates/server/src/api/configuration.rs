//! `configuration.php`: of the vendor's configuration API, only
//! `free_law2300` — release a customer from Ley 2300's protection, by number
//! or id, so the dialer may reach it again on a day it was already reached
//! (cdr_11 lists the releases). The rest of the file (skills, users, codes
//! made in the Manager) is set in Marcador's setup file instead.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use marcador_wire::api::{param, report};
use marcador_wire::law2300::{FreeLaw2300Request, RELEASED};
use marcador_wire::{WireError, WriteAnswer};

use super::AppState;
use super::answer::{Answer, required};
use super::input::{Params, object};
use crate::store::{Caller, Law2300Release};

/// `PUT configuration.php?api=free_law2300` with `{nit, item, value, agent_id}`.
pub async fn put(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    p: Params,
    body: Bytes,
) -> Answer {
    match required(&p, param::API)? {
        report::FREE_LAW2300 => {
            let release = object::<FreeLaw2300Request>(&body)?.check()?;
            st.store
                .free_law2300(Law2300Release {
                    operation_id: caller.operation_id,
                    released_at: st.clock.now().as_second(),
                    nit: release.nit,
                    item: release.item,
                    value: release.value,
                    agent_code: release.agent_id,
                })
                .await?;
            Ok((
                StatusCode::CREATED,
                axum::Json(WriteAnswer::created(RELEASED.to_owned())),
            )
                .into_response())
        }
        _ => Err(WireError::api_not_found().into()),
    }
}
