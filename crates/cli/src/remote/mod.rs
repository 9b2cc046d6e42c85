//! The client commands: report, export, codify, watch. They talk to real
//! Wolkvox or to a Marcador server through `marcador-client` only.

mod codify;
pub mod conn;
pub mod dates;
mod export;
pub mod output;
mod watch;

use anyhow::Result;
use clap::{Args, ValueEnum};
use futures_util::TryStreamExt;
use marcador_client::Campaigns;
use marcador_client::wire::CampaignType;

pub use codify::CodifyArgs;
pub use conn::Connection;
pub use export::ExportArgs;
pub use watch::WatchArgs;

/// The reports `report` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportName {
    /// real_time.php?api=campaigns: one row per campaign, now
    Campaigns,
    /// real_time.php?api=calls_last_10: the calls of the last 10 minutes
    #[value(name = "calls-last-10")]
    CallsLast10,
    /// reports_manager.php?api=campaign_3: one row per dial attempt in the range
    #[value(name = "campaign-3")]
    Campaign3,
    /// reports_manager.php?api=diagram_1_3: IVR calls and time per routing point and option
    #[value(name = "diagram-1-3")]
    Diagram13,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Which report
    #[arg(value_enum)]
    pub report: ReportName,
    /// campaign-3: a campaign id, or "all"
    #[arg(long, default_value = "all", value_name = "ID|all")]
    pub campaign: String,
    /// Start of the range (campaign-3, diagram-1-3) [default: today 00:00]
    #[arg(long, value_name = "DATE", long_help = range_help("Start of the range (campaign-3, diagram-1-3). Default: today 00:00 in the operation's time zone."))]
    pub from: Option<String>,
    /// End of the range, inclusive [default: now]
    #[arg(long, value_name = "DATE", long_help = range_help("End of the range, inclusive: a day runs through 23:59:59, a minute through :59. Default: now."))]
    pub to: Option<String>,
    /// JSON even on a terminal (it is the default when stdout is piped)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

fn range_help(what: &str) -> String {
    format!("{what}\nAccepts {}.", dates::DATE_HELP)
}

/// `--campaign ID|all`.
pub fn campaigns(s: &str) -> Result<Campaigns> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok(Campaigns::All);
    }
    s.parse()
        .map(Campaigns::One)
        .map_err(|_| anyhow::anyhow!("--campaign {s:?} is not a campaign id or \"all\""))
}

/// The campaign types, as the wire spells them: `preview or predictive`.
pub fn campaign_types() -> String {
    let names: Vec<&str> = CampaignType::ALL.iter().map(|t| t.as_str()).collect();
    names.join(" or ")
}

/// `--type preview|predictive`.
pub fn campaign_type(s: &str) -> Result<CampaignType> {
    CampaignType::parse(s.trim()).ok_or_else(|| {
        anyhow::anyhow!(
            "--type {s:?} is not a campaign type: use {}",
            campaign_types()
        )
    })
}

pub async fn report(a: ReportArgs) -> Result<()> {
    let conn = a.conn.resolve()?;
    let client = conn.client()?;
    let json = output::json_wanted(a.json);
    match a.report {
        ReportName::Campaigns => output::print(&client.campaigns().await?, json, None),
        ReportName::CallsLast10 => output::print(&client.calls_last_10().await?, json, None),
        ReportName::Campaign3 => {
            let (from, to) = dates::range(a.from.as_deref(), a.to.as_deref(), &conn.tz)?;
            let rows: Vec<_> = client
                .campaign_3(campaigns(&a.campaign)?, from, to)
                .try_collect()
                .await?;
            output::print(
                &rows,
                json,
                Some("--json shows every field, opt1…opt12 included"),
            )
        }
        ReportName::Diagram13 => {
            let (from, to) = dates::range(a.from.as_deref(), a.to.as_deref(), &conn.tz)?;
            output::print(&client.diagram_1_3(from, to).await?, json, None)
        }
    }
}

/// The file formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
    Jsonl,
}

impl FileFormat {
    pub fn of(path: &std::path::Path) -> Option<FileFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "jsonl" | "ndjson" => Some(FileFormat::Jsonl),
            _ => None,
        }
    }
}

/// The reports `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum ExportName {
    /// One row per dial attempt, in time order
    #[value(name = "campaign-3")]
    #[serde(rename = "campaign-3")]
    Campaign3,
    /// Calls and time per routing point and option, summed over the range
    #[value(name = "diagram-1-3")]
    #[serde(rename = "diagram-1-3")]
    Diagram13,
}

pub async fn export(a: ExportArgs) -> Result<()> {
    export::run(a).await
}

pub async fn codify(a: CodifyArgs) -> Result<()> {
    codify::run(a).await
}

pub async fn watch(a: WatchArgs) -> Result<()> {
    watch::run(a).await
}
