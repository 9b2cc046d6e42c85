//! The call reports' queries (cdr_*, act_*): each call with who took it and
//! the codes typed on it, read from `calls` by its `(operation, time)` index
//! and `call_codes` by its `(operation, typed_at)` index, the two joined by
//! `conn_id`. Detail reports are [`DetailRead`](super::DetailRead)s (streamed twice inside one
//! snapshot: measured, then sent); the counting ones return their groups.

use std::sync::LazyLock;

use marcador_wire::calls::TIMEOUT_ACW;
use marcador_wire::{CallResult, TypeInteraction};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::{Result, Store};

/// A call as the detail reports show it: plain data, the wire strings of its
/// kind, result and who hung up as written with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallDetail {
    pub started_at: i64,
    pub type_interaction: String,
    pub result: String,
    pub telephone: String,
    pub customer_id: String,
    pub conn_id: String,
    pub campaign_id: Option<i64>,
    pub duration: i64,
    pub ring_seconds: i64,
    pub hang_up: String,
    pub skill_id: Option<i64>,
    pub skill_name: String,
    /// The agent who talked (act_3: who typed), its extension and name; `""` for none.
    pub agent_code: String,
    pub agent_name: String,
    pub codes: TypedCodes,
}

/// The codes typed on a call, with their descriptions (`""` when untyped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypedCodes {
    pub cod_act: String,
    pub description: String,
    pub cod_act_2: String,
    pub description_2: String,
    pub comments: String,
    /// When they were typed (none: untyped).
    pub typed_at: Option<i64>,
}

/// How act_1, act_2 and act_5 group the typed calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodesBy {
    Agent,
    Skill,
    Code,
}

/// Calls typed with one code (of the asked group), in one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCount {
    /// The typing agent's name (act_1).
    pub agent_name: String,
    /// The call's skill (act_2).
    pub skill_id: Option<i64>,
    pub code: String,
    pub description: String,
    pub count: i64,
}

/// Calls an agent took, with the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCalls {
    pub agent_code: String,
    pub agent_name: String,
    pub calls: i64,
}

/// The columns [`call_detail`] reads: `c` is the call, `k` its codes, `a` the
/// agent, `s` the skill, `d1`/`d2` the codes' descriptions. act_3 reads codes
/// whose call is not written yet (typed while talking): the call's columns
/// fall back to the typing's, or to nothing.
macro_rules! call_detail_columns {
    () => {
        "COALESCE(c.started_at, k.typed_at) AS started_at, \
         COALESCE(c.type_interaction, '') AS type_interaction, COALESCE(c.result, '') AS result, \
         COALESCE(c.telephone, '') AS telephone, COALESCE(c.customer_id, '') AS customer_id, \
         COALESCE(c.conn_id, k.conn_id) AS conn_id, c.campaign_id, COALESCE(c.duration, 0) AS duration, \
         COALESCE(c.ring_seconds, 0) AS ring_seconds, COALESCE(c.hang_up, '') AS hang_up, c.skill_id, \
         COALESCE(s.name, '') AS skill_name, COALESCE(a.code, '') AS agent_code, \
         COALESCE(a.name, '') AS agent_name, COALESCE(k.cod_act, '') AS cod_act, \
         COALESCE(d1.description, '') AS description, COALESCE(k.cod_act_2, '') AS cod_act_2, \
         COALESCE(d2.description, '') AS description_2, COALESCE(k.comments, '') AS comments, \
         k.typed_at"
    };
}
macro_rules! code_descriptions {
    () => {
        " LEFT JOIN activity_codes d1 ON d1.operation_id = k.operation_id AND d1.level = 1 \
         AND d1.code = k.cod_act \
         LEFT JOIN activity_codes d2 ON d2.operation_id = k.operation_id AND d2.level = 2 \
         AND d2.code = k.cod_act_2"
    };
}

/// cdr_1: every call started in the range, in time order.
const CDR_1: &str = concat!(
    "SELECT ",
    call_detail_columns!(),
    " FROM calls c LEFT JOIN call_codes k ON k.operation_id = c.operation_id AND k.conn_id = c.conn_id \
     LEFT JOIN agents a ON a.id = c.agent_id LEFT JOIN skills s ON s.id = c.skill_id",
    code_descriptions!(),
    " WHERE c.operation_id = $1 AND c.started_at BETWEEN $2 AND $3 ORDER BY c.started_at, c.id LIMIT $4"
);

/// `IN (…)` of the wire strings: constants of the wire crate, never input.
fn in_list(values: impl Iterator<Item = &'static str>) -> String {
    let quoted: Vec<String> = values.map(|v| format!("'{v}'")).collect();
    format!("({})", quoted.join(", "))
}

/// The campaign calls that reached nobody (cdr_5, cdr_6).
static NOT_CONNECTED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "c.type_interaction IN {} AND c.result IN {}",
        in_list(
            [TypeInteraction::OutPre, TypeInteraction::OutboundMa]
                .iter()
                .map(|t| t.as_str())
        ),
        in_list(CallResult::NOT_CONNECTED.iter().map(|r| r.as_str())),
    )
});

/// cdr_5: the outbound calls in the range that reached nobody, in time order.
static CDR_5: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM calls c LEFT JOIN call_codes k ON k.operation_id = c.operation_id \
         AND k.conn_id = c.conn_id LEFT JOIN agents a ON a.id = c.agent_id \
         LEFT JOIN skills s ON s.id = c.skill_id{} \
         WHERE c.operation_id = $1 AND c.started_at BETWEEN $2 AND $3 AND {} \
         ORDER BY c.started_at, c.id LIMIT $4",
        call_detail_columns!(),
        code_descriptions!(),
        *NOT_CONNECTED
    )
});

/// cdr_6: cdr_5's calls by result.
static CDR_6: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT c.result, COUNT(*) FROM calls c WHERE c.operation_id = $1 \
         AND c.started_at BETWEEN $2 AND $3 AND {} GROUP BY c.result ORDER BY c.result",
        *NOT_CONNECTED
    )
});

/// act_3: the calls typed in the range (`$4` = 2: those with a second code),
/// in typing order; the agent is the one who typed.
const ACT_3: &str = concat!(
    "SELECT ",
    call_detail_columns!(),
    " FROM call_codes k LEFT JOIN calls c ON c.operation_id = k.operation_id \
     AND c.conn_id = k.conn_id LEFT JOIN agents a ON a.id = k.agent_id \
     LEFT JOIN skills s ON s.id = c.skill_id",
    code_descriptions!(),
    " WHERE k.operation_id = $1 AND k.typed_at BETWEEN $2 AND $3 AND ($4 = 1 OR k.cod_act_2 <> '') \
     ORDER BY k.typed_at, k.conn_id LIMIT $5"
);

/// act_1, act_2, act_5: typed calls counted by group and code.
macro_rules! code_counts {
    ($code:literal, $level:literal, $group:literal, $group_by:literal) => {
        concat!(
            "SELECT ",
            $group,
            ", ",
            $code,
            " AS code, COALESCE(d.description, '') AS description, COUNT(*) AS n \
             FROM call_codes k LEFT JOIN calls c ON c.operation_id = k.operation_id AND c.conn_id = k.conn_id \
             LEFT JOIN agents a ON a.id = k.agent_id \
             LEFT JOIN activity_codes d ON d.operation_id = k.operation_id AND d.level = ",
            $level,
            " AND d.code = ",
            $code,
            " WHERE k.operation_id = $1 AND k.typed_at BETWEEN $2 AND $3 AND ",
            $code,
            " <> '' GROUP BY ",
            $group_by,
            ", ",
            $code,
            ", d.description ORDER BY ",
            $group_by,
            ", ",
            $code
        )
    };
}
macro_rules! code_counts_by {
    ($code:literal, $level:literal) => {
        [
            code_counts!(
                $code,
                $level,
                "COALESCE(a.name, '') AS agent_name, CAST(NULL AS BIGINT) AS skill_id",
                "a.id, a.name"
            ),
            code_counts!(
                $code,
                $level,
                "'' AS agent_name, c.skill_id AS skill_id",
                "c.skill_id"
            ),
            code_counts!(
                $code,
                $level,
                "'' AS agent_name, CAST(NULL AS BIGINT) AS skill_id",
                "k.operation_id"
            ),
        ]
    };
}
/// By level (1, 2), then [`CodesBy`] order.
const CODE_COUNTS: [[&str; 3]; 2] = [
    code_counts_by!("k.cod_act", "1"),
    code_counts_by!("k.cod_act_2", "2"),
];

fn call_detail(r: &AnyRow) -> Result<CallDetail> {
    Ok(CallDetail {
        started_at: r.try_get("started_at")?,
        type_interaction: r.try_get("type_interaction")?,
        result: r.try_get("result")?,
        telephone: r.try_get("telephone")?,
        customer_id: r.try_get("customer_id")?,
        conn_id: r.try_get("conn_id")?,
        campaign_id: r.try_get("campaign_id")?,
        duration: r.try_get("duration")?,
        ring_seconds: r.try_get("ring_seconds")?,
        hang_up: r.try_get("hang_up")?,
        skill_id: r.try_get("skill_id")?,
        skill_name: r.try_get("skill_name")?,
        agent_code: r.try_get("agent_code")?,
        agent_name: r.try_get("agent_name")?,
        codes: TypedCodes {
            cod_act: r.try_get("cod_act")?,
            description: r.try_get("description")?,
            cod_act_2: r.try_get("cod_act_2")?,
            description_2: r.try_get("description_2")?,
            comments: r.try_get("comments")?,
            typed_at: r.try_get("typed_at")?,
        },
    })
}

/// act_4: the calls each agent took and never typed (TIMEOUTACW is untyped).
static UNTYPED_PER_AGENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT a.code, a.name, COUNT(*) AS n FROM calls c JOIN agents a ON a.id = c.agent_id \
         LEFT JOIN call_codes k ON k.operation_id = c.operation_id AND k.conn_id = c.conn_id \
         WHERE c.operation_id = $1 AND c.started_at BETWEEN $2 AND $3 \
         AND (k.conn_id IS NULL OR k.cod_act = '{TIMEOUT_ACW}') \
         GROUP BY a.code, a.name ORDER BY a.code"
    )
});

/// cdr_2: the calls each agent took.
const CALLS_PER_AGENT: &str = "SELECT a.code, a.name, COUNT(*) AS n FROM calls c \
     JOIN agents a ON a.id = c.agent_id WHERE c.operation_id = $1 AND c.started_at BETWEEN $2 AND $3 \
     GROUP BY a.code, a.name ORDER BY a.name, a.code";

impl Store {
    /// cdr_1: the calls started in `[from, to]`.
    pub async fn calls_in_range(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<CallDetail>> {
        self.detail(
            CDR_1,
            vec![operation_id.into(), from.into(), to.into()],
            call_detail,
        )
        .await
    }

    /// cdr_5: the campaign calls started in `[from, to]` that reached nobody.
    pub async fn unconnected_calls(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<CallDetail>> {
        self.detail(
            CDR_5.as_str(),
            vec![operation_id.into(), from.into(), to.into()],
            call_detail,
        )
        .await
    }

    /// act_3: the calls typed in `[from, to]` (`level` 2: with a second code).
    pub async fn typed_calls(
        &self,
        operation_id: i64,
        level: u8,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<CallDetail>> {
        let binds = vec![
            operation_id.into(),
            from.into(),
            to.into(),
            i64::from(level).into(),
        ];
        self.detail(ACT_3, binds, call_detail).await
    }

    /// cdr_6: cdr_5's calls counted by their stored result.
    pub async fn unconnected_results(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>> {
        self.ranged(CDR_6.as_str(), operation_id, from, to).await
    }

    /// cdr_2: the calls in `[from, to]` each agent took, by agent name.
    pub async fn calls_per_agent(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<AgentCalls>> {
        self.agent_calls(CALLS_PER_AGENT, operation_id, from, to)
            .await
    }

    /// act_4: the calls in `[from, to]` each agent took and never typed (or
    /// let time out: TIMEOUTACW), by agent.
    pub async fn untyped_calls_per_agent(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<AgentCalls>> {
        self.agent_calls(UNTYPED_PER_AGENT.as_str(), operation_id, from, to)
            .await
    }

    async fn agent_calls(
        &self,
        sql: &'static str,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<AgentCalls>> {
        let rows: Vec<(String, String, i64)> = self.ranged(sql, operation_id, from, to).await?;
        Ok(rows
            .into_iter()
            .map(|(agent_code, agent_name, calls)| AgentCalls {
                agent_code,
                agent_name,
                calls,
            })
            .collect())
    }

    /// cdr_4: the calls started in `[from, to]` by duration in seconds:
    /// (seconds, calls), so the bands are drawn where they are defined.
    pub async fn call_durations(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64)>> {
        self.ranged(
            "SELECT duration, COUNT(*) FROM calls WHERE operation_id = $1 \
             AND started_at BETWEEN $2 AND $3 GROUP BY duration ORDER BY duration",
            operation_id,
            from,
            to,
        )
        .await
    }

    /// act_1, act_2, act_5: the calls typed in `[from, to]` with each code of
    /// group `level` (1 or 2), counted per agent, per skill or per code.
    pub async fn code_counts(
        &self,
        operation_id: i64,
        level: u8,
        by: CodesBy,
        from: i64,
        to: i64,
    ) -> Result<Vec<CodeCount>> {
        let sql = CODE_COUNTS[usize::from(level.clamp(1, 2)) - 1][by as usize];
        let rows: Vec<(String, Option<i64>, String, String, i64)> =
            self.ranged(sql, operation_id, from, to).await?;
        Ok(rows
            .into_iter()
            .map(
                |(agent_name, skill_id, code, description, count)| CodeCount {
                    agent_name,
                    skill_id,
                    code,
                    description,
                    count,
                },
            )
            .collect())
    }
}
