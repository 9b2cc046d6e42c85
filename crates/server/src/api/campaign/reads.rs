//! campaign.php's GETs: `detail` (the records of a campaign managed in a
//! range), `find_record` (a customer by telephone or id, in one campaign or
//! all) and `campaign_15` (a whole campaign, as the Manager exports it). The
//! store reads plain [`RecordView`]s; each api's row is made here, once.

use jiff::tz::TimeZone;
use marcador_wire::WireError;
use marcador_wire::api::param;
use marcador_wire::date::format_response_date;
use marcador_wire::format::optional_id;
use marcador_wire::records::{
    Campaign15Row, DetailRow, FindRecordRow, HISTORY_SEPARATOR, Opts, Tels, campaign_15_prefix,
    detail, history_entry, record_result,
};

use crate::api::answer::{Answer, campaign_of, check_type, range};
use crate::api::input::Params;
use crate::api::{AppState, stream};
use crate::store::{Caller, FindRecord, RecordView};

/// A date that may be absent, in the caller's zone (`""`: none).
fn date(at: Option<i64>, tz: &TimeZone) -> String {
    at.map(|t| format_response_date(t, tz)).unwrap_or_default()
}

/// `GET campaign.php?api=detail&type_campaign=…&campaign_id=…&date_ini=…&date_end=…[&detail=default|all]`
pub(super) async fn detail(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (id, kind) = campaign_of(st, caller, p).await?;
    check_type(p, id, kind)?;
    let (from, to) = range(p, caller)?;
    let with_calls_only = match p.get(param::DETAIL).map(|d| d.trim()) {
        None | Some("") | Some(detail::DEFAULT) => true,
        Some(detail::ALL) => false,
        Some(other) => {
            return Err(WireError::bad_parameter(
                param::DETAIL,
                other,
                &format!("{} or {}", detail::DEFAULT, detail::ALL),
            )
            .into());
        }
    };
    let read = st
        .store
        .managed_records(id, from, to, with_calls_only)
        .await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |r| detail_row(r, &tz)).await
}

fn detail_row(v: RecordView, tz: &TimeZone) -> DetailRow {
    let r = v.record;
    DetailRow {
        customer_name: r.customer_name,
        customer_last_name: r.customer_last_name,
        id_type: r.id_type,
        customer_id: r.customer_id,
        gender: r.gender,
        country: r.country,
        state: r.state,
        city: r.city,
        zone: r.zone,
        address: r.address,
        opts: Opts::from_slice(&r.opts),
        tels: Tels::from_slice(&r.tels),
        tel_extra: r.tel_extra,
        agent_id: v.agent_code,
        date: date(v.managed_at, tz),
        calls: v.attempts.to_string(),
        conn_id: v.last_conn_id,
        recall: date(r.recall, tz),
        result: record_result(&v.last_result),
        cod_act: v.cod_act,
        cod_act_2: v.cod_act_2,
        recall_count: v.recall_count.to_string(),
        comments: v.comment,
    }
}

/// `GET campaign.php?api=find_record[&campaign_id=…][&customer_phone=…][&customer_id=…]`:
/// by telephone when one is given, else by customer id, else every record of
/// the campaign; at least one of the three.
pub(super) async fn find_record(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let given = |name: &str| {
        p.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let campaign_id = match given(param::CAMPAIGN_ID) {
        Some(_) => Some(campaign_of(st, caller, p).await?.0),
        None => None,
    };
    let by = match (
        given(param::CUSTOMER_PHONE),
        given(param::CUSTOMER_ID),
        campaign_id,
    ) {
        (Some(telephone), customer_id, campaign_id) => FindRecord::Phone {
            telephone,
            customer_id,
            campaign_id,
        },
        (None, Some(customer_id), campaign_id) => FindRecord::Customer {
            customer_id,
            campaign_id,
        },
        (None, None, Some(id)) => FindRecord::Campaign(id),
        (None, None, None) => return Err(WireError::parameters_required().into()),
    };
    let read = st.store.find_records(caller.operation_id, &by).await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |r| find_record_row(r, &tz)).await
}

fn find_record_row(v: RecordView, tz: &TimeZone) -> FindRecordRow {
    let r = v.record;
    FindRecordRow {
        customer_name: r.customer_name,
        customer_last_name: r.customer_last_name,
        customer_id: r.customer_id,
        country: r.country,
        state: r.state,
        city: r.city,
        zone: r.zone,
        address: r.address,
        opts: Opts::from_slice(&r.opts),
        tels: Tels::from_slice(&r.tels),
        date: date(v.managed_at, tz),
        calls: v.attempts.to_string(),
        conn_id: v.last_conn_id,
        result: record_result(&v.last_result),
        campaign_id: optional_id(Some(v.campaign_id)),
    }
}

/// `GET campaign.php?api=campaign_15&campaign_id=…`: every record, streamed
/// in `{"code":200,"total_records":"N","campaign_id":"…","records":[…]}`.
pub(super) async fn campaign_15(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (id, _) = campaign_of(st, caller, p).await?;
    let read = st.store.campaign_export(id).await?;
    let tz = caller.tz.clone();
    stream::detail_in(
        &st.limits,
        read,
        move |r| campaign_15_row(r, &tz),
        move |n| campaign_15_prefix(n, id),
    )
    .await
}

fn campaign_15_row(v: RecordView, tz: &TimeZone) -> Campaign15Row {
    let r = v.record;
    let history: Vec<String> = v
        .history
        .iter()
        .map(|(at, result, tel)| history_entry(&format_response_date(*at, tz), result, tel))
        .collect();
    // A recall is to the number it names, or else the first one.
    let (rellamada_tel, rellamada_info) = match r.recall {
        Some(_) if r.recall_telephone.is_empty() => {
            (r.tels.first().cloned().unwrap_or_default(), v.recall_style)
        }
        Some(_) => (r.recall_telephone, v.recall_style),
        None => (String::new(), String::new()),
    };
    Campaign15Row {
        nombre_cliente: r.customer_name,
        apellido_cliente: r.customer_last_name,
        tipo_doc: r.id_type,
        id_cliente: r.customer_id,
        edad: r.age,
        sexo: r.gender,
        pais: r.country,
        departamento: r.state,
        ciudad: r.city,
        zona: r.zone,
        direccion: r.address,
        opts: Opts::from_slice(&r.opts),
        tels: Tels::from_slice(&r.tels),
        tel_extra: r.tel_extra,
        id_agent: v.agent_code,
        resultado: record_result(&v.last_result),
        fecha: date(v.managed_at, tz),
        llamadas: v.attempts.to_string(),
        id_call: v.last_conn_id,
        cod_rslt1: v.cod_act,
        description_cod1: v.description,
        cod_rslt2: v.cod_act_2,
        description_cod2: v.description_2,
        comentarios: v.comment,
        rellamada: date(r.recall, tz),
        rellamada_count: v.recall_count.to_string(),
        email: r.email,
        rellamada_tel,
        last_dial_tele: v.last_telephone,
        history_dial_tel: history.join(HISTORY_SEPARATOR),
        rellamada_info,
    }
}
