//! Post-call surveys: each one as a fact ([`SurveyFact`], written by the
//! engine when a simulated caller finishes one, or by the demo's history),
//! and the reads behind diagram_4 (one by one, with the call's ani, customer
//! and type) and diagram_5/diagram_6 (summed per agent or skill in the
//! database). Plain data; the rows are made in `api/reports_manager/ivr.rs`.

use std::sync::LazyLock;

use marcador_wire::surveys::{MAX_QUESTIONS, SurveySums};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::tx::WriteTx;
use super::{Result, Store};

/// A survey a caller answered (or began) after its talk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyFact {
    pub operation_id: i64,
    pub conn_id: String,
    /// The agent who talked.
    pub agent_id: Option<i64>,
    pub skill_id: Option<i64>,
    pub started_ms: i64,
    pub ms: i64,
    /// `marcador_wire::surveys::survey_result`.
    pub result: &'static str,
    /// 1 to 5 each; `None`: not answered (or not asked).
    pub answers: [Option<i64>; MAX_QUESTIONS],
}

/// `q1, q2, …, q10`.
fn columns(f: impl Fn(usize) -> String) -> String {
    (1..=MAX_QUESTIONS).map(f).collect::<Vec<_>>().join(", ")
}

static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO surveys (operation_id, conn_id, agent_id, skill_id, started_ms, ms, result, {}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, {})",
        columns(|i| format!("q{i}")),
        columns(|i| format!("${}", i + 7)),
    )
});

pub(super) async fn apply_survey(tx: &mut WriteTx, f: &SurveyFact) -> Result<()> {
    let mut q = sqlx::query(INSERT.as_str())
        .bind(f.operation_id)
        .bind(&f.conn_id)
        .bind(f.agent_id)
        .bind(f.skill_id)
        .bind(f.started_ms)
        .bind(f.ms.max(0))
        .bind(f.result);
    for a in f.answers {
        q = q.bind(a);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// One survey with its call (diagram_4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyDetail {
    pub agent_code: String,
    pub agent_name: String,
    pub skill_id: Option<i64>,
    pub skill_name: String,
    pub started_ms: i64,
    pub ms: i64,
    pub conn_id: String,
    pub ani: String,
    pub customer_id: String,
    pub type_interaction: String,
    pub result: String,
    pub answers: [Option<i64>; MAX_QUESTIONS],
}

/// `$1` operation, surveys begun within `$2`…`$3` (ms), in time order.
static DETAIL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT COALESCE(a.code, '') AS agent_code, COALESCE(a.name, '') AS agent_name, \
         s.skill_id, COALESCE(k.name, '') AS skill_name, s.started_ms, s.ms, s.conn_id, \
         COALESCE(c.telephone, '') AS ani, COALESCE(c.customer_id, '') AS customer_id, \
         COALESCE(c.type_interaction, '') AS type_interaction, s.result, {} \
         FROM surveys s LEFT JOIN agents a ON a.id = s.agent_id LEFT JOIN skills k ON k.id = s.skill_id \
         LEFT JOIN calls c ON c.operation_id = s.operation_id AND c.conn_id = s.conn_id \
         WHERE s.operation_id = $1 AND s.started_ms BETWEEN $2 AND $3 \
         ORDER BY s.started_ms, s.id LIMIT $4",
        columns(|i| format!("s.q{i}")),
    )
});

fn answers(r: &AnyRow) -> Result<[Option<i64>; MAX_QUESTIONS]> {
    let mut a = [None; MAX_QUESTIONS];
    for (i, v) in a.iter_mut().enumerate() {
        *v = r.try_get(format!("q{}", i + 1).as_str())?;
    }
    Ok(a)
}

fn survey_detail(r: &AnyRow) -> Result<SurveyDetail> {
    Ok(SurveyDetail {
        agent_code: r.try_get("agent_code")?,
        agent_name: r.try_get("agent_name")?,
        skill_id: r.try_get("skill_id")?,
        skill_name: r.try_get("skill_name")?,
        started_ms: r.try_get("started_ms")?,
        ms: r.try_get("ms")?,
        conn_id: r.try_get("conn_id")?,
        ani: r.try_get("ani")?,
        customer_id: r.try_get("customer_id")?,
        type_interaction: r.try_get("type_interaction")?,
        result: r.try_get("result")?,
        answers: answers(r)?,
    })
}

/// Whose surveys diagram_5 and diagram_6 sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveysBy {
    Agent,
    Skill,
}

/// An agent's or skill's surveys summed: its id (as the report shows it:
/// the agent's extension, the skill's id) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyGroup {
    pub id: String,
    pub name: String,
    pub sums: SurveySums,
}

fn sums_sql(by: SurveysBy) -> String {
    let (id, name, join, key) = match by {
        SurveysBy::Agent => (
            "a.code",
            "a.name",
            "JOIN agents a ON a.id = s.agent_id",
            "s.agent_id",
        ),
        SurveysBy::Skill => (
            "CAST(k.id AS TEXT)",
            "k.name",
            "JOIN skills k ON k.id = s.skill_id",
            "s.skill_id",
        ),
    };
    format!(
        "SELECT {id} AS id, {name} AS name, COUNT(*) AS surveys, {sums}, {counts} \
         FROM surveys s {join} \
         WHERE s.operation_id = $1 AND s.started_ms BETWEEN $2 AND $3 \
         GROUP BY {key}, {id}, {name} ORDER BY {key}",
        sums = columns(|i| format!("CAST(COALESCE(SUM(s.q{i}), 0) AS BIGINT) AS sum{i}")),
        counts = columns(|i| format!("COUNT(s.q{i}) AS n{i}")),
    )
}

static SUMS: LazyLock<[String; 2]> =
    LazyLock::new(|| [sums_sql(SurveysBy::Agent), sums_sql(SurveysBy::Skill)]);

fn survey_group(r: &AnyRow) -> Result<SurveyGroup> {
    let mut sums = SurveySums {
        surveys: r.try_get("surveys")?,
        ..SurveySums::default()
    };
    for i in 0..MAX_QUESTIONS {
        sums.sums[i] = r.try_get(format!("sum{}", i + 1).as_str())?;
        sums.counts[i] = r.try_get(format!("n{}", i + 1).as_str())?;
    }
    Ok(SurveyGroup {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        sums,
    })
}

impl Store {
    /// diagram_4: the surveys begun in `[from, to]` (Unix s).
    pub async fn surveys(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<SurveyDetail>> {
        self.detail_ms(DETAIL.as_str(), operation_id, (from, to), survey_detail)
            .await
    }

    /// diagram_5 (per agent) and diagram_6 (per skill): the surveys begun in
    /// `[from, to]` (Unix s), summed.
    pub async fn survey_sums(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        by: SurveysBy,
    ) -> Result<Vec<SurveyGroup>> {
        let sql = match by {
            SurveysBy::Agent => SUMS[0].as_str(),
            SurveysBy::Skill => SUMS[1].as_str(),
        };
        self.ranged_ms(sql, operation_id, (from, to), survey_group)
            .await
    }
}
