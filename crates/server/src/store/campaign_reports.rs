//! The campaign reports past campaign_4: campaign_5 (the calls of preview
//! campaigns, from the calls index, each with its record), campaign_6 and
//! campaign_7 (answering-machine detection, from the attempts index),
//! campaign_8 (machine codes per telephone) and campaign_10 (machine codes
//! of the campaigns that run Turbo Dial). Plain data; the rows are made in
//! `api/reports_manager/campaigns.rs`.

use std::sync::LazyLock;

use marcador_wire::campaign_reports::campaign_8_column;
use marcador_wire::{AmdResult, CallResult, CampaignType};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::{CampaignSel, Result, Store};

/// A call of a preview campaign with its record (campaign_5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviewCall {
    pub campaign_id: i64,
    pub started_at: i64,
    /// The wire strings, as written with the call.
    pub type_interaction: String,
    pub result: String,
    pub telephone: String,
    pub customer_id: String,
    pub conn_id: String,
    pub duration: i64,
    pub hang_up: String,
    /// The extension of the agent who placed it (`""`: none).
    pub agent_code: String,
    pub customer_name: String,
    pub customer_last_name: String,
    /// The record's code and comment now, and whether that code is a right-party contact.
    pub record_code: String,
    pub record_comment: String,
    pub rpc: bool,
    /// The code and comment typed on this call.
    pub cod_act: String,
    pub comments: String,
}

/// An attempt that passed answering-machine detection (campaign_7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AmdAttempt {
    pub started_at: i64,
    pub campaign_id: i64,
    pub customer_id: String,
    pub telephone: String,
    /// `machine` or `human`.
    pub amd: String,
}

/// A telephone's machine codes (campaign_8): detections, then the counts of
/// campaign_8's five columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneCodes {
    pub telephone: String,
    pub machines: i64,
    pub columns: [i64; 5],
}

/// `$2` as the campaign (one) or every campaign (`$2 = 0`).
macro_rules! one_and_all {
    ($name_one:ident, $name_all:ident, $column:literal, $build:ident) => {
        static $name_one: LazyLock<String> = LazyLock::new(|| $build(concat!($column, " = $2")));
        static $name_all: LazyLock<String> = LazyLock::new(|| $build("$2 = 0"));
    };
}

fn campaign_5(campaign: &str) -> String {
    format!(
        "SELECT c.campaign_id, c.started_at, c.type_interaction, c.result, c.telephone, \
         c.customer_id, c.conn_id, c.duration, c.hang_up, COALESCE(a.code, '') AS agent_code, \
         COALESCE(r.customer_name, '') AS customer_name, \
         COALESCE(r.customer_last_name, '') AS customer_last_name, \
         COALESCE(r.cod_act, '') AS record_code, COALESCE(r.comment, '') AS record_comment, \
         COALESCE(d.rpc, 0) AS rpc, COALESCE(k.cod_act, '') AS cod_act, \
         COALESCE(k.comments, '') AS comments \
         FROM calls c JOIN campaigns p ON p.id = c.campaign_id AND p.type = '{preview}' \
         LEFT JOIN records r ON r.campaign_id = c.campaign_id AND r.customer_id = c.customer_id \
         LEFT JOIN agents a ON a.id = c.agent_id \
         LEFT JOIN call_codes k ON k.operation_id = c.operation_id AND k.conn_id = c.conn_id \
         LEFT JOIN activity_codes d ON d.operation_id = c.operation_id AND d.level = 1 \
         AND d.code = r.cod_act \
         WHERE c.operation_id = $1 AND {campaign} AND c.started_at BETWEEN $3 AND $4 \
         ORDER BY c.started_at, c.id LIMIT $5",
        preview = CampaignType::Preview.as_str()
    )
}
one_and_all!(CAMPAIGN_5_ONE, CAMPAIGN_5_ALL, "c.campaign_id", campaign_5);

fn campaign_6(campaign: &str) -> String {
    format!(
        "SELECT campaign_id, COUNT(*) FROM dial_attempts WHERE operation_id = $1 AND {campaign} \
         AND started_at BETWEEN $3 AND $4 AND amd = '{machine}' \
         GROUP BY campaign_id ORDER BY campaign_id",
        machine = AmdResult::Machine.as_str()
    )
}
one_and_all!(CAMPAIGN_6_ONE, CAMPAIGN_6_ALL, "campaign_id", campaign_6);

fn campaign_7(campaign: &str) -> String {
    format!(
        "SELECT a.started_at, a.campaign_id, a.telephone, a.amd, \
         COALESCE(r.removed_customer_id, r.customer_id) AS customer_id \
         FROM dial_attempts a JOIN records r ON r.id = a.record_id \
         WHERE a.operation_id = $1 AND {campaign} AND a.started_at BETWEEN $3 AND $4 \
         AND a.amd <> '' ORDER BY a.started_at, a.id LIMIT $5"
    )
}
one_and_all!(CAMPAIGN_7_ONE, CAMPAIGN_7_ALL, "a.campaign_id", campaign_7);

/// One `SUM` per campaign_8 column, of the results the wire crate puts in it.
fn campaign_8(campaign: &str) -> String {
    let columns: Vec<String> = (0..5)
        .map(|col| {
            let results: Vec<String> = CallResult::ALL
                .iter()
                .filter(|r| campaign_8_column(**r) == Some(col))
                .map(|r| format!("'{}'", r.as_str()))
                .collect();
            format!(
                "CAST(SUM(CASE WHEN result IN ({}) THEN 1 ELSE 0 END) AS BIGINT)",
                results.join(", ")
            )
        })
        .collect();
    format!(
        "SELECT telephone, CAST(SUM(CASE WHEN amd = '{machine}' THEN 1 ELSE 0 END) AS BIGINT), {} \
         FROM dial_attempts WHERE operation_id = $1 AND {campaign} AND started_at BETWEEN $3 AND $4 \
         GROUP BY telephone ORDER BY telephone LIMIT $5",
        columns.join(", "),
        machine = AmdResult::Machine.as_str()
    )
}
one_and_all!(CAMPAIGN_8_ONE, CAMPAIGN_8_ALL, "campaign_id", campaign_8);

fn campaign_10(campaign: &str) -> String {
    format!(
        "SELECT a.result, COUNT(*) FROM dial_attempts a JOIN campaigns k ON k.id = a.campaign_id \
         WHERE a.operation_id = $1 AND {campaign} AND a.started_at BETWEEN $3 AND $4 \
         AND k.turbo_dial = 1 GROUP BY a.result ORDER BY a.result"
    )
}
one_and_all!(
    CAMPAIGN_10_ONE,
    CAMPAIGN_10_ALL,
    "a.campaign_id",
    campaign_10
);

fn pick(
    sel: CampaignSel,
    one: &'static LazyLock<String>,
    all: &'static LazyLock<String>,
) -> (&'static str, i64) {
    match sel {
        CampaignSel::One(id) => (one.as_str(), id),
        CampaignSel::All => (all.as_str(), 0),
    }
}

fn preview_call(r: &AnyRow) -> Result<PreviewCall> {
    Ok(PreviewCall {
        campaign_id: r.try_get("campaign_id")?,
        started_at: r.try_get("started_at")?,
        type_interaction: r.try_get("type_interaction")?,
        result: r.try_get("result")?,
        telephone: r.try_get("telephone")?,
        customer_id: r.try_get("customer_id")?,
        conn_id: r.try_get("conn_id")?,
        duration: r.try_get("duration")?,
        hang_up: r.try_get("hang_up")?,
        agent_code: r.try_get("agent_code")?,
        customer_name: r.try_get("customer_name")?,
        customer_last_name: r.try_get("customer_last_name")?,
        record_code: r.try_get("record_code")?,
        record_comment: r.try_get("record_comment")?,
        rpc: r.try_get::<i64, _>("rpc")? != 0,
        cod_act: r.try_get("cod_act")?,
        comments: r.try_get("comments")?,
    })
}

fn amd_attempt(r: &AnyRow) -> Result<AmdAttempt> {
    Ok(AmdAttempt {
        started_at: r.try_get("started_at")?,
        campaign_id: r.try_get("campaign_id")?,
        customer_id: r.try_get("customer_id")?,
        telephone: r.try_get("telephone")?,
        amd: r.try_get("amd")?,
    })
}

impl Store {
    /// campaign_5: the calls of the preview campaign(s) started in `[from, to]`.
    pub async fn preview_calls(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<PreviewCall>> {
        let (sql, campaign) = pick(sel, &CAMPAIGN_5_ONE, &CAMPAIGN_5_ALL);
        let binds = vec![operation_id.into(), campaign.into(), from.into(), to.into()];
        self.detail(sql, binds, preview_call).await
    }

    /// campaign_6: machines detected per campaign in `[from, to]`.
    pub async fn machines_per_campaign(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let (sql, campaign) = pick(sel, &CAMPAIGN_6_ONE, &CAMPAIGN_6_ALL);
        Ok(sqlx::query_as(sql)
            .bind(operation_id)
            .bind(campaign)
            .bind(from)
            .bind(to)
            .fetch_all(&self.reader)
            .await?)
    }

    /// campaign_7: the attempts in `[from, to]` detection ran on.
    pub async fn amd_attempts(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<AmdAttempt>> {
        let (sql, campaign) = pick(sel, &CAMPAIGN_7_ONE, &CAMPAIGN_7_ALL);
        let binds = vec![operation_id.into(), campaign.into(), from.into(), to.into()];
        self.detail(sql, binds, amd_attempt).await
    }

    /// campaign_8: each telephone dialed in `[from, to]` with its machine
    /// codes, by number; at most `cap + 1` of them.
    pub async fn machine_codes_per_phone(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
        cap: u64,
    ) -> Result<Vec<PhoneCodes>> {
        let (sql, campaign) = pick(sel, &CAMPAIGN_8_ONE, &CAMPAIGN_8_ALL);
        let rows = sqlx::query(sql)
            .bind(operation_id)
            .bind(campaign)
            .bind(from)
            .bind(to)
            .bind(i64::try_from(cap).unwrap_or(i64::MAX - 1) + 1)
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| {
                let mut columns = [0; 5];
                for (i, c) in columns.iter_mut().enumerate() {
                    *c = r.try_get(2 + i)?;
                }
                Ok(PhoneCodes {
                    telephone: r.try_get(0)?,
                    machines: r.try_get(1)?,
                    columns,
                })
            })
            .collect()
    }

    /// campaign_10: the attempts in `[from, to]` of campaigns running Turbo
    /// Dial, by stored result.
    pub async fn turbo_dial_results(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>> {
        let (sql, campaign) = pick(sel, &CAMPAIGN_10_ONE, &CAMPAIGN_10_ALL);
        Ok(sqlx::query_as(sql)
            .bind(operation_id)
            .bind(campaign)
            .bind(from)
            .bind(to)
            .fetch_all(&self.reader)
            .await?)
    }
}
