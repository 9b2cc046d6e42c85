//! `marcador codify`: one record, or a CSV file of them, reported row by row.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use futures_util::{StreamExt, stream};
use marcador_client::wire::CampaignType;
use marcador_client::{Codify, Error};
use serde::{Deserialize, Serialize};

use super::{Connection, campaign_type};

#[derive(Args, Debug)]
pub struct CodifyArgs {
    /// Campaign id (for --file: the default of rows without campaign_id)
    #[arg(long, value_name = "ID")]
    pub campaign: Option<i64>,
    /// Campaign type: preview or predictive (for --file: the default of rows without type_campaign)
    #[arg(long = "type", value_name = "TYPE")]
    pub type_campaign: Option<String>,
    /// The record's customer_id
    #[arg(long, value_name = "ID", conflicts_with = "file")]
    pub customer: Option<String>,
    /// Activity code (cod_act)
    #[arg(long, value_name = "CODE", conflicts_with = "file")]
    pub code: Option<String>,
    /// Second activity code (cod_act_2)
    #[arg(long, value_name = "CODE", conflicts_with = "file")]
    pub code2: Option<String>,
    /// Free-text comment
    #[arg(long, conflicts_with = "file")]
    pub comment: Option<String>,
    /// A CSV file with a header: customer_id, cod_act, and optionally
    /// cod_act_2, comment, campaign_id, type_campaign
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Report per row as JSON lines (the default when stdout is piped)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// One line of a codify file.
#[derive(Debug, Deserialize)]
struct Line {
    #[serde(default)]
    campaign_id: Option<String>,
    #[serde(default)]
    type_campaign: Option<String>,
    customer_id: String,
    cod_act: String,
    #[serde(default)]
    cod_act_2: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// What happened to one row.
#[derive(Debug, Serialize)]
struct Outcome {
    /// 1-based line number in the file, header excluded.
    row: usize,
    customer_id: String,
    ok: bool,
    code: u16,
    msg: String,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Reads and checks the whole file before anything is sent: one bad line
/// and nothing is codified.
fn read_file(
    path: &PathBuf,
    campaign: Option<i64>,
    kind: Option<CampaignType>,
) -> Result<Vec<Codify>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in reader.deserialize::<Line>().enumerate() {
        let row = i + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                problems.push(format!("row {row}: {e}"));
                continue;
            }
        };
        let id = match non_empty(line.campaign_id) {
            Some(v) => v.parse().ok(),
            None => campaign,
        };
        let ty = match non_empty(line.type_campaign) {
            Some(v) => CampaignType::parse(&v),
            None => kind,
        };
        let (Some(campaign_id), Some(type_campaign)) = (id, ty) else {
            problems.push(format!(
                "row {row}: needs a numeric campaign_id and a type_campaign ({}), in the file or as --campaign/--type",
                super::campaign_types()
            ));
            continue;
        };
        if line.customer_id.is_empty() || line.cod_act.is_empty() {
            problems.push(format!("row {row}: customer_id and cod_act are required"));
            continue;
        }
        out.push(Codify {
            campaign_id,
            type_campaign,
            customer_id: line.customer_id,
            code: line.cod_act,
            code_2: non_empty(line.cod_act_2),
            comment: non_empty(line.comment),
        });
    }
    if !problems.is_empty() {
        bail!(
            "{} has {} invalid row(s); nothing was sent:\n  {}",
            path.display(),
            problems.len(),
            problems.join("\n  ")
        );
    }
    if out.is_empty() {
        bail!("{} has no rows under its header", path.display());
    }
    Ok(out)
}

pub async fn run(a: CodifyArgs) -> Result<()> {
    let conn = a.conn.resolve()?;
    let client = conn.client()?;
    let kind = a.type_campaign.as_deref().map(campaign_type).transpose()?;
    let Some(path) = &a.file else {
        let (Some(campaign_id), Some(type_campaign), Some(customer), Some(code)) =
            (a.campaign, kind, a.customer.clone(), a.code.clone())
        else {
            bail!(
                "codify needs --campaign, --type, --customer and --code (or --file FILE for many)"
            );
        };
        let answer = client
            .codify(&Codify {
                campaign_id,
                type_campaign,
                customer_id: customer,
                code,
                code_2: non_empty(a.code2.clone()),
                comment: a.comment.clone(),
            })
            .await?;
        println!("{}", answer.msg);
        return Ok(());
    };
    let items = read_file(path, a.campaign, kind)?;
    // The quota first: do not start what cannot finish today.
    match client.token_info().await {
        Ok(info) => {
            let limit: i64 = info.token_limit.trim().parse().unwrap_or(i64::MAX);
            let used: i64 = info.token_use_today.trim().parse().unwrap_or(0);
            let left = (limit - used).max(0);
            if (items.len() as i64) > left {
                bail!(
                    "{} has {} rows but the token has {left} requests left today (quota {limit}, resets at midnight {}): \
                     split the file or run it after the reset",
                    path.display(),
                    items.len(),
                    conn.tz.iana_name().unwrap_or("operation time")
                );
            }
        }
        Err(e @ Error::QuotaExhausted { .. }) => return Err(e.into()),
        Err(e) => eprintln!("warning: could not read the token's quota ({e}); going on"),
    }
    let json = a.json || !std::io::stdout().is_terminal();
    let total = items.len();
    // Two at a time: the API's in-flight limit (the client enforces it too).
    let mut results = stream::iter(items.into_iter().enumerate())
        .map(|(i, c)| {
            let client = client.clone();
            async move {
                let r = client.codify(&c).await;
                (i + 1, c.customer_id, r)
            }
        })
        .buffered(2);
    let (mut coded, mut failed) = (0usize, 0usize);
    let mut out = std::io::stdout().lock();
    while let Some((row, customer_id, r)) = results.next().await {
        let outcome = match r {
            Ok(answer) => Outcome {
                row,
                customer_id,
                ok: true,
                code: answer.code.0,
                msg: answer.msg,
            },
            Err(Error::QuotaExhausted { resets_at }) => {
                out.flush()?;
                bail!(
                    "TOKEN LIMIT EXCEEDED at row {row}: rows {row}–{total} were not codified \
                     ({coded} coded, {failed} failed before); the quota resets at {}",
                    resets_at.strftime("%Y-%m-%d %H:%M %Z")
                );
            }
            Err(e) => Outcome {
                row,
                customer_id,
                ok: false,
                code: e.wire().map_or(0, |w| w.code.0),
                msg: e.wire().map_or_else(|| e.to_string(), |w| w.msg.clone()),
            },
        };
        if outcome.ok {
            coded += 1;
        } else {
            failed += 1;
        }
        if json {
            serde_json::to_writer(&mut out, &outcome)?;
            writeln!(out)?;
        } else {
            let mark = if outcome.ok { "ok  " } else { "FAIL" };
            writeln!(
                out,
                "{mark} row {:>5}  customer {:<16} {}",
                outcome.row, outcome.customer_id, outcome.msg
            )?;
        }
    }
    out.flush()?;
    eprintln!("{coded} coded, {failed} failed, of {total} rows");
    if failed > 0 {
        bail!("{failed} row(s) were not codified: see the report above");
    }
    Ok(())
}
