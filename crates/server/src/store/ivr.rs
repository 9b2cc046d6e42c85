//! The IVR reports' queries past diagram_1_3: each IVR call with its walk
//! (diagram_1, diagram_11: inbound calls from the calls index, their steps
//! from `(operation, conn_id)`), each step (diagram_13, from the steps
//! index) and calls and IVR time per quarter hour (diagram_1_1, diagram_1_2:
//! the handler folds quarters into local days or hours, whatever the zone's
//! offset). Plain data; the rows are made in `api/reports_manager/ivr.rs`.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::{Result, Store};

/// A call that entered an IVR, with its walk and what came after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IvrCall {
    pub conn_id: String,
    pub rp_id: i64,
    pub rp_name: String,
    pub started_at: i64,
    pub telephone: String,
    pub customer_id: String,
    /// The wire strings, as written with the call.
    pub type_interaction: String,
    pub result: String,
    /// The skill whose queue it reached (none: the caller hung up in the menu).
    pub skill_id: Option<i64>,
    /// From arrival to the end of the call; from arrival to an answer or abandon.
    pub duration: i64,
    pub ring_seconds: i64,
    /// The agent who took it (`""`: none).
    pub agent_code: String,
    pub agent_name: String,
    pub cod_act: String,
    pub cod_act_2: String,
    /// Seconds in the menu, when it left it, the last option it passed.
    pub ivr_seconds: i64,
    pub ivr_end: Option<i64>,
    pub last_option: String,
}

/// A menu option a caller passed (diagram_13).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IvrStep {
    pub rp_id: i64,
    pub conn_id: String,
    pub option: String,
    pub entered_at: i64,
    /// Its place in the caller's walk, from 1.
    pub attempt: i64,
    /// Seconds from the call's start.
    pub second: i64,
    pub customer_id: String,
    pub telephone: String,
}

/// Seconds in a quarter hour: every zone's offset is a whole number of them.
pub const QUARTER: i64 = 900;

/// `s` is one of the call's steps.
macro_rules! steps_of_call {
    () => {
        " FROM ivr_steps s WHERE s.operation_id = c.operation_id AND s.conn_id = c.conn_id"
    };
}

/// diagram_1, diagram_11: `$1` operation, calls started within `$2`…`$3` that
/// entered a routing point, `$4` a customer (`''`: any).
const IVR_CALLS: &str = concat!(
    "SELECT c.conn_id, c.rp_id, COALESCE(p.name, '') AS rp_name, c.started_at, c.telephone, \
     c.customer_id, c.type_interaction, c.result, c.skill_id, c.duration, c.ring_seconds, \
     COALESCE(a.code, '') AS agent_code, COALESCE(a.name, '') AS agent_name, \
     COALESCE(k.cod_act, '') AS cod_act, COALESCE(k.cod_act_2, '') AS cod_act_2, \
     COALESCE((SELECT CAST(SUM(s.seconds) AS BIGINT)",
    steps_of_call!(),
    "), 0) AS ivr_seconds, (SELECT MAX(s.entered_at + s.seconds)",
    steps_of_call!(),
    ") AS ivr_end, COALESCE((SELECT s.option",
    steps_of_call!(),
    " ORDER BY s.entered_at DESC, s.id DESC LIMIT 1), '') AS last_option \
     FROM calls c LEFT JOIN routing_points p ON p.id = c.rp_id \
     LEFT JOIN agents a ON a.id = c.agent_id \
     LEFT JOIN call_codes k ON k.operation_id = c.operation_id AND k.conn_id = c.conn_id \
     WHERE c.operation_id = $1 AND c.started_at BETWEEN $2 AND $3 AND c.rp_id IS NOT NULL \
     AND ($4 = '' OR c.customer_id = $4) ORDER BY c.started_at, c.id LIMIT $5"
);

/// diagram_13: `$1` operation, steps entered within `$2`…`$3`, in time order.
const IVR_STEPS: &str = "SELECT s.rp_id, s.conn_id, s.option, s.entered_at, \
     (SELECT COUNT(*) FROM ivr_steps t WHERE t.operation_id = s.operation_id \
      AND t.conn_id = s.conn_id AND (t.entered_at < s.entered_at \
      OR (t.entered_at = s.entered_at AND t.id <= s.id))) AS attempt, \
     s.entered_at - (SELECT MIN(t.entered_at) FROM ivr_steps t WHERE t.operation_id = s.operation_id \
      AND t.conn_id = s.conn_id) AS second, \
     COALESCE(c.customer_id, '') AS customer_id, COALESCE(c.telephone, '') AS telephone \
     FROM ivr_steps s LEFT JOIN calls c ON c.operation_id = s.operation_id AND c.conn_id = s.conn_id \
     WHERE s.operation_id = $1 AND s.entered_at BETWEEN $2 AND $3 ORDER BY s.entered_at, s.id LIMIT $4";

fn ivr_call(r: &AnyRow) -> Result<IvrCall> {
    Ok(IvrCall {
        conn_id: r.try_get("conn_id")?,
        rp_id: r.try_get("rp_id")?,
        rp_name: r.try_get("rp_name")?,
        started_at: r.try_get("started_at")?,
        telephone: r.try_get("telephone")?,
        customer_id: r.try_get("customer_id")?,
        type_interaction: r.try_get("type_interaction")?,
        result: r.try_get("result")?,
        skill_id: r.try_get("skill_id")?,
        duration: r.try_get("duration")?,
        ring_seconds: r.try_get("ring_seconds")?,
        agent_code: r.try_get("agent_code")?,
        agent_name: r.try_get("agent_name")?,
        cod_act: r.try_get("cod_act")?,
        cod_act_2: r.try_get("cod_act_2")?,
        ivr_seconds: r.try_get("ivr_seconds")?,
        ivr_end: r.try_get("ivr_end")?,
        last_option: r.try_get("last_option")?,
    })
}

fn ivr_step(r: &AnyRow) -> Result<IvrStep> {
    Ok(IvrStep {
        rp_id: r.try_get("rp_id")?,
        conn_id: r.try_get("conn_id")?,
        option: r.try_get("option")?,
        entered_at: r.try_get("entered_at")?,
        attempt: r.try_get("attempt")?,
        second: r.try_get("second")?,
        customer_id: r.try_get("customer_id")?,
        telephone: r.try_get("telephone")?,
    })
}

impl Store {
    /// diagram_1, diagram_11: the calls started in `[from, to]` that entered
    /// an IVR (of one customer, when given).
    pub async fn ivr_calls(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        customer_id: Option<&str>,
    ) -> Result<DetailRead<IvrCall>> {
        let binds = vec![
            operation_id.into(),
            from.into(),
            to.into(),
            customer_id.unwrap_or("").into(),
        ];
        self.detail(IVR_CALLS, binds, ivr_call).await
    }

    /// diagram_13: the menu options passed in `[from, to]`.
    pub async fn ivr_steps(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<IvrStep>> {
        let binds = vec![operation_id.into(), from.into(), to.into()];
        self.detail(IVR_STEPS, binds, ivr_step).await
    }

    /// diagram_1_1, diagram_1_2: per quarter hour ([`QUARTER`]) of `[from,
    /// to]`, the IVR calls that started in it and the seconds of the menu
    /// options entered in it: (quarter, calls, seconds), in time order.
    pub async fn ivr_usage(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, i64)>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT q, CAST(SUM(calls) AS BIGINT), CAST(SUM(seconds) AS BIGINT) FROM ( \
               SELECT started_at / $4 AS q, 1 AS calls, 0 AS seconds FROM calls \
                 WHERE operation_id = $1 AND started_at BETWEEN $2 AND $3 AND rp_id IS NOT NULL \
               UNION ALL SELECT entered_at / $4, 0, seconds FROM ivr_steps \
                 WHERE operation_id = $1 AND entered_at BETWEEN $2 AND $3 \
             ) AS u GROUP BY q ORDER BY q",
        )
        .bind(operation_id)
        .bind(from)
        .bind(to)
        .bind(QUARTER)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows)
    }
}
