//! `marcador seed`: an operation at a real contact center's size built into
//! a database (`demo::bulk`), with a progress bar on a terminal and, at the
//! end, what was built and how fast its facts were written — on stdout, one
//! `key: value` per line, for scripts (`scripts/bench-floor.sh`).

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use marcador_server::demo::bulk::{self, BulkSize, Progress};
use marcador_server::store::{Location, Store};

#[derive(Args)]
pub struct SeedArgs {
    /// The database to build into: a SQLite file (created if missing) or a
    /// PostgreSQL URL. Required: a seed writes gigabytes
    #[arg(long, value_name = "FILE|URL")]
    db: String,
    /// Name of the operation to create (it must not exist yet)
    #[arg(long, default_value = "bulk")]
    operation: String,
    /// Predictive attempts over the history, each with its call
    #[arg(long, default_value_t = 10_000_000)]
    attempts: u64,
    /// Campaigns: the n-th has 1/n of the first's traffic
    #[arg(long, default_value_t = 1_000)]
    campaigns: usize,
    /// Days of history before now
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Inbound callers (each walking an IVR menu) per 100 attempts
    #[arg(long, default_value_t = 20)]
    inbound_per_100: u64,
    /// Seed of the generated data: the same seed gives the same operation
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Facts written per transaction: larger loads faster and takes more
    /// memory (about 1.1 GB at the default; 200000 about 0.9 GB, 20% slower)
    #[arg(long, default_value_t = bulk::BATCH as u64, value_parser = clap::value_parser!(u64).range(1..))]
    batch: u64,
}

pub async fn run(args: SeedArgs) -> Result<()> {
    let location = Location::parse(&args.db);
    let store = Store::open(location.clone(), 2)
        .await
        .with_context(|| format!("opening the database {location}"))?;
    // A SQLite file a server is serving is refused: its admission counts are in that process.
    store.serve_alone()?;
    let size = BulkSize {
        attempts: args.attempts,
        campaigns: args.campaigns,
        days: args.days,
        inbound_per_100: args.inbound_per_100,
        batch: usize::try_from(args.batch).unwrap_or(usize::MAX),
        ..BulkSize::default()
    };
    let bar = bar();
    let info = bulk::seed(
        &store,
        &args.operation,
        args.seed,
        &size,
        Timestamp::now(),
        |p| match p {
            Progress::Records(done, total) => {
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message("records uploaded");
            }
            Progress::Days(done, total, facts) => {
                if done == 1 {
                    bar.set_position(0);
                }
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(format!("days of history, {facts} facts"));
                if !std::io::stderr().is_terminal() && done % 30 == 0 {
                    eprintln!("{done}/{total} days, {facts} facts");
                }
            }
        },
    )
    .await
    .with_context(|| format!("seeding the operation {:?}", args.operation))?;
    bar.finish_and_clear();
    store.close().await;
    let rate = info.facts() as f64 / info.fact_seconds.max(1e-3);
    let largest = info.campaign_ids.first().copied().unwrap_or_default();
    let out = format!(
        "operation: {}\noperation_id: {}\ntoken: {}\ncampaigns: {}\nlargest_campaign: {largest}\n\
         records: {}\nattempts: {}\ncalls: {}\nivr_steps: {}\nfacts: {}\nfact_seconds: {:.1}\n\
         facts_per_second: {rate:.0}\n",
        args.operation,
        info.operation_id,
        info.token,
        info.campaign_ids.len(),
        info.records,
        info.attempts,
        info.calls,
        info.ivr_steps,
        info.facts(),
        info.fact_seconds,
    );
    crate::write_stdout(out.as_bytes())
}

fn bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(0);
    b.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b.enable_steady_tick(Duration::from_millis(200));
    b
}
