//! `marcador`: a Wolkvox-API-v2-compatible contact center.
//! The binary is thin: it parses the command line and calls the server library.

mod remote;
mod seed;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use jiff::{Timestamp, ToSpan};
use marcador_server::clock::{ScaledClock, SharedClock, SystemClock};
use marcador_server::config::Config;
use marcador_server::demo::{self, DemoSize};
use marcador_server::engine::sim::{SimProfile, SimTelephony};
use marcador_server::setup::{Setup, TelephonyKind};
use marcador_server::startup::{self, Application, shutdown_signal};
use marcador_server::store::{Location, Store};
use marcador_sip::{SipSettings, SipTelephony};
use marcador_wire::api::{REAL_TIME_PATH, REPORTS_MANAGER_PATH, TOKEN_HEADER};
use marcador_wire::date::REQUEST_DATE_FORMAT;

// mimalloc rather than the system's allocator: a report's answer is many small
// strings and one large buffer; glibc's malloc spent a tenth of a large
// real_time campaigns answer mapping, faulting in and unmapping that buffer,
// and more in its free lists (BENCHMARKS.md, issue 14's fifth session).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "marcador", version, about, long_about = None)]
/// Marcador: a contact-center backend that speaks the Wolkvox API v2.
struct Cli {
    /// How logs are written to stderr: text (coloured on a terminal) or JSON
    /// lines, one object per event, for a log shipper
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "MARCADOR_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Wolkvox API v2 from a SQLite file or a PostgreSQL database.
    ///
    /// Settings come from defaults, then the config file, then the variables
    /// MARCADOR_LISTEN, MARCADOR_DB, MARCADOR_READER_CONNECTIONS and
    /// MARCADOR_LIMITS__* (e.g. MARCADOR_LIMITS__DEADLINE_MS), then these flags.
    ///
    /// On PostgreSQL, several `serve` processes can share one database behind a
    /// load balancer: the per-token in-flight limit and the daily quota are
    /// counted in the database, and each started campaign is dialed by one
    /// process at a time (another takes it over within seconds if it dies).
    ///
    /// Examples:
    ///   marcador serve --db /var/lib/marcador/marcador.db --listen 0.0.0.0:8080
    ///   marcador serve --db postgres://marcador@db.internal:5432/marcador --setup ops.toml
    #[command(verbatim_doc_comment)]
    Serve {
        #[command(flatten)]
        conn: DbArgs,
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
        /// Setup file to apply at start-up: activity codes, skills with agents,
        /// routing points with menus (see crates/server/setup/demo.toml). With a
        /// [simulation] section the engine dials the operation's started
        /// campaigns and takes simulated inbound calls.
        #[arg(long, env = "MARCADOR_SETUP")]
        setup: Option<PathBuf>,
    },
    /// Run a demo: a fresh database with a seeded operation and days of history, served at once.
    ///
    /// Prints the base URL, the token and ready-to-paste curl lines. The database lives
    /// in a temporary directory and is removed on exit, unless --db names one: then the
    /// demo is seeded into it (it must not hold a demo operation yet) and kept.
    ///
    /// Examples:
    ///   marcador demo --seed 7 --listen 127.0.0.1:9090
    ///   marcador demo --db postgres://postgres@127.0.0.1:5432/marcador_demo
    #[command(verbatim_doc_comment)]
    Demo {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Token to create for the demo operation (a random one if absent)
        #[arg(long, env = "MARCADOR_DEMO_TOKEN")]
        token: Option<String>,
        /// Seed of the generated data: the same seed gives the same operation
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Records of the largest campaign
        #[arg(long, default_value_t = 3_000)]
        records: usize,
        /// Days of history before now
        #[arg(long, default_value_t = 3)]
        days: i64,
        /// Simulated seconds per real second once live (60 = an hour a minute)
        #[arg(long, default_value_t = 1.0)]
        speedup: f64,
        /// Seed and serve this database (a SQLite file or a postgres:// URL)
        /// instead of a temporary SQLite file
        #[arg(long, value_name = "FILE|URL")]
        db: Option<String>,
    },
    /// Build an operation at a real contact center's size into a database.
    ///
    /// A thousand campaigns of very different sizes (the n-th has 1/n of the
    /// first's traffic), a year of predictive attempts in the calling hours,
    /// each with its call, and inbound callers walking IVR menus — written
    /// through the same path as the engine's facts, so every counter matches.
    /// The default, 10 million attempts, takes minutes and gigabytes; prints
    /// what it built, a token of the operation and the facts written per
    /// second. For benchmarks (scripts/bench-floor.sh) and for trying reports
    /// at scale.
    ///
    /// Examples:
    ///   marcador seed --db /tmp/big.db
    ///   marcador seed --db /tmp/small.db --attempts 200000 --campaigns 50 --days 30
    ///   marcador seed --db postgres://postgres@127.0.0.1:5432/marcador_big
    #[command(verbatim_doc_comment)]
    Seed(seed::SeedArgs),
    /// Create, list and revoke API tokens. Tokens are shown once; only their hash is stored.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Show a report of real Wolkvox or a Marcador server: a table on a
    /// terminal, JSON when piped (or with --json).
    ///
    /// Ranged reports take any range: the client splits it into windows of at
    /// most 31 days and narrows windows that are over the 60,000-row cap.
    ///
    /// Examples:
    ///   marcador report campaigns --url http://127.0.0.1:8080 --token 5f1c0d2e9a7b4c3d8e6f
    ///   WOLKVOX_SERVER=0016 WOLKVOX_TOKEN=… marcador report campaign-3 --campaign 12 --from 2026-11-01 --to 2026-11-22
    ///   marcador report diagram-1-3 --from "2026-11-22 08:00" --json | jq .
    #[command(verbatim_doc_comment)]
    Report(remote::ReportArgs),
    /// Export campaign-3 or diagram-1-3 over any range into a CSV or JSON-lines file.
    ///
    /// Shows a progress bar (windows done, rows, rate) on a terminal. Resumable:
    /// if an export is interrupted (Ctrl-C, a network failure, the daily quota),
    /// run the same command again and it continues where it stopped.
    ///
    /// Examples:
    ///   marcador export campaign-3 --from 2026-06-01 --to 2026-11-30 --out attempts.csv
    ///   marcador export campaign-3 --campaign 12 --from 20260601000000 --to 20260630235959 --out june.jsonl
    ///   marcador export diagram-1-3 --from 2026-01-01 --to 2026-11-30 --out ivr.csv
    #[command(verbatim_doc_comment)]
    Export(remote::ExportArgs),
    /// Codify records: one with flags, or many from a CSV file, reported row by row.
    ///
    /// A file is checked whole before anything is sent, and refused if the
    /// token's remaining daily quota cannot cover it. At most 2 requests are in
    /// flight. The exit status is non-zero if any row failed.
    ///
    /// Examples:
    ///   marcador codify --campaign 1 --type predictive --customer 10007919 --code 002 --code2 A01 --comment "Promesa viernes"
    ///   marcador codify --file codes.csv --campaign 1 --type predictive
    ///
    /// codes.csv:
    ///   customer_id,cod_act,cod_act_2,comment
    ///   10007919,002,A01,Promesa para el viernes
    #[command(verbatim_doc_comment)]
    Codify(remote::CodifyArgs),
    /// The real-time campaigns report, refreshed in place.
    ///
    /// Polls every 5 minutes by default, as Wolkvox advises; use a shorter
    /// --interval against Marcador. Piped, it prints one JSON line per poll.
    ///
    /// Examples:
    ///   marcador watch --server 0016 --token …
    ///   marcador watch --url http://127.0.0.1:8080 --token 5f1c0d2e9a7b4c3d8e6f --interval 5s
    #[command(verbatim_doc_comment)]
    Watch(remote::WatchArgs),
    /// Print a shell completion script to stdout.
    ///
    /// Examples:
    ///   marcador completions bash > ~/.local/share/bash-completion/completions/marcador
    ///   marcador completions zsh > "${fpath[1]}/_marcador"
    ///   marcador completions fish > ~/.config/fish/completions/marcador.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout.
    ///
    /// Example:
    ///   marcador man > /usr/local/share/man/man1/marcador.1 && man marcador
    #[command(verbatim_doc_comment)]
    Man,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for an operation (the operation is created if it does not exist).
    ///
    /// Example: marcador token create --operation acme --licenses 5
    Create {
        /// Operation (tenant) name
        #[arg(long)]
        operation: String,
        /// Licenses of a new operation: its daily quota is licenses × 1,000 requests
        #[arg(long, default_value_t = 1)]
        licenses: i64,
        /// IANA time zone of a new operation (dates and "today" are read in it)
        #[arg(long, default_value = "America/Bogota")]
        time_zone: String,
        #[command(flatten)]
        conn: DbArgs,
    },
    /// List tokens (id, operation, first characters, dates).
    ///
    /// Example: marcador token list
    List {
        #[command(flatten)]
        conn: DbArgs,
    },
    /// Revoke a token by the id `token list` shows.
    ///
    /// Example: marcador token revoke 3
    Revoke {
        /// Token id
        id: i64,
        #[command(flatten)]
        conn: DbArgs,
    },
}

#[derive(clap::Args)]
struct DbArgs {
    /// Config file [default: ./marcador.toml if present]
    #[arg(long, env = "MARCADOR_CONFIG")]
    config: Option<PathBuf>,
    /// The database: a SQLite file, or a PostgreSQL URL
    /// (postgres://user@host:5432/name) [default: ./marcador.db]
    #[arg(long, value_name = "FILE|URL")]
    db: Option<String>,
}

impl DbArgs {
    fn config(&self) -> Result<Config> {
        let mut c = Config::load(self.config.as_deref()).context("reading the configuration")?;
        if let Some(db) = &self.db {
            c.db = db.clone();
        }
        Ok(c)
    }

    async fn store(&self) -> Result<Store> {
        let c = self.config()?;
        open_store(&Location::parse(&c.db), 1).await
    }

    /// [`DbArgs::store`] for commands that only read or change what is
    /// there: a SQLite file that does not exist is not created.
    async fn existing_store(&self) -> Result<Store> {
        let c = self.config()?;
        let location = Location::parse(&c.db);
        if let Location::Sqlite(path) = &location
            && !path.exists()
        {
            bail!(
                "there is no database at {}: `marcador token create` or `marcador serve` makes one; \
                 --db (or MARCADOR_DB, or the config file) names another",
                path.display()
            );
        }
        open_store(&location, 1).await
    }
}

/// Opens the database, naming it (a PostgreSQL URL without its password) if that fails.
async fn open_store(location: &Location, readers: u32) -> Result<Store> {
    Store::open(location.clone(), readers)
        .await
        .with_context(|| format!("opening the database {location}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // A seed's transactions are slow by design (500,000 facts each): sqlx's
    // warning for each, with its whole statement, would bury the progress.
    let sqlx_level = match cli.command {
        Command::Seed(_) => "error",
        _ => "warn",
    };
    init_logs(cli.log_format, sqlx_level);
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped reading (`| head`) is a normal end.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:?}");
            ExitCode::FAILURE
        }
    }
}

/// Logs on stderr as `format` says: colour only on a terminal, never in a
/// file; sqlx's from `sqlx_level` up unless `RUST_LOG` says otherwise.
fn init_logs(format: LogFormat, sqlx_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // rsipstack logs every SIP message whole at info: the customers'
        // numbers are in them, so only its warnings pass by default.
        .unwrap_or_else(|_| format!("info,sqlx={sqlx_level},rsipstack=warn").into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// Whether `e` comes from writing to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve {
            conn,
            listen,
            setup,
        } => {
            let mut config = conn.config()?;
            if let Some(l) = listen {
                config.listen = l;
            }
            serve(config, setup).await?;
        }
        Command::Demo {
            listen,
            token,
            seed,
            records,
            days,
            speedup,
            db,
        } => run_demo(listen, token, seed, records, days, speedup, db).await?,
        Command::Seed(a) => seed::run(a).await?,
        Command::Token { command } => token(command).await?,
        Command::Report(a) => remote::report(a).await?,
        Command::Export(a) => remote::export(a).await?,
        Command::Codify(a) => remote::codify(a).await?,
        Command::Watch(a) => remote::watch(a).await?,
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "marcador", &mut out);
            write_stdout(&out)?;
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            write_stdout(&out)?;
        }
    }
    Ok(())
}

/// Writes `bytes` to stdout, an error (a closed pipe) returned, not a panic.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

async fn serve(config: Config, setup: Option<PathBuf>) -> Result<()> {
    let location = Location::parse(&config.db);
    let store = open_store(&location, config.reader_connections).await?;
    // First: a SQLite database another process serves is refused before anything is applied.
    store.serve_alone()?;
    let mut dial = None;
    if let Some(path) = setup {
        let setup = Setup::load(&path).map_err(anyhow::Error::msg)?;
        let applied = setup.apply(&store, Timestamp::now()).await?;
        tracing::info!(operation = %setup.operation.name, file = %path.display(), "setup applied");
        let sip = setup.telephony.kind == TelephonyKind::Sip;
        if sip || setup.simulation.is_some() {
            let (cfg, sim) = setup.engine_config(&applied);
            let telephony = if sip {
                let settings = SipSettings::from_setup(&setup.telephony)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                Dialer::Sip(settings)
            } else {
                Dialer::Sim(sim)
            };
            dial = Some((cfg, telephony));
        }
    }
    let clock: SharedClock = Arc::new(SystemClock);
    let mut app = Application::with_store(store, &config, clock.clone()).await?;
    match dial {
        Some((cfg, Dialer::Sim(sim))) => {
            let seed = cfg.seed;
            app = app
                .with_engine(cfg, SimTelephony::new(seed, sim), Timestamp::now())
                .await?;
            tracing::info!("engine running on simulated telephony");
        }
        Some((cfg, Dialer::Sip(settings))) => {
            let trunk = settings.trunk.clone();
            let tel = SipTelephony::start(settings, clock).await?;
            tracing::info!(sip = %tel.local_addr(), %trunk, "engine dialing over SIP");
            app = app.with_engine(cfg, tel, Timestamp::now()).await?;
        }
        None => {}
    }
    tracing::info!(addr = %app.local_addr(), db = %location, "serving");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

/// The telephony `serve --setup` dials with.
enum Dialer {
    Sim(SimProfile),
    Sip(SipSettings),
}

async fn run_demo(
    listen: String,
    token: Option<String>,
    seed: u64,
    records: usize,
    days: i64,
    speedup: f64,
    db: Option<String>,
) -> Result<()> {
    if records == 0 || days < 1 {
        bail!("--records must be at least 1 and --days at least 1");
    }
    if !(speedup > 0.0 && speedup <= 3_600.0) {
        bail!("--speedup must be more than 0 and at most 3600");
    }
    // What can be refused at once is, before the history's wait: the token,
    // the address to listen on.
    if let Some(t) = &token
        && !marcador_server::domain::token_is_well_formed(t)
    {
        bail!("--token: {}", marcador_server::domain::TOKEN_RULE);
    }
    let listener = startup::bind(&listen).await?;
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let location = match &db {
        Some(db) => Location::parse(db),
        None => Location::Sqlite(dir.path().join("demo.db")),
    };
    let config = Config {
        listen,
        ..Config::default()
    };
    let store = open_store(&location, config.reader_connections).await?;
    store.serve_alone()?;
    if store.operation_id(demo::OPERATION).await?.is_some() {
        bail!(
            "{location} already holds the demo operation {:?}: give --db an empty database",
            demo::OPERATION
        );
    }
    let now = Timestamp::now();
    eprintln!("generating {days} days of history (seed {seed})…");
    let size = DemoSize {
        records,
        days,
        ..DemoSize::default()
    };
    let info = demo::seed(&store, seed, now, token, size).await?;
    // From here on the operation is live: the engine dials and the API reads
    // the same clock, sped up or not.
    let clock = ScaledClock::new(now, speedup);
    let mut engine_cfg = info.engine.clone();
    engine_cfg.seed = seed;
    let app = Application::with_listener(store, listener, &config, clock)?
        .with_engine(engine_cfg, SimTelephony::new(seed, info.sim.clone()), now)
        .await?;
    let base = format!("http://{}", app.local_addr());
    let fmt = |t: Timestamp| {
        t.to_zoned(jiff::tz::TimeZone::get(demo::TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC))
            .strftime(REQUEST_DATE_FORMAT)
            .to_string()
    };
    let day_ago = fmt(now.checked_sub(24.hours()).unwrap_or(now));
    let days_ago = fmt(now.checked_sub((24 * days).hours()).unwrap_or(now));
    let until = fmt(now);
    let campaign = info.campaigns.first().map(|c| c.0).unwrap_or(1);
    println!(
        "Marcador demo: operation {:?} ({})",
        demo::OPERATION,
        demo::TIME_ZONE
    );
    println!(
        "  {} attempts, {} calls, {} IVR steps, {} codified records",
        info.attempts, info.calls, info.ivr_steps, info.codified
    );
    for (id, name, kind) in &info.campaigns {
        println!("  campaign {id}: {name} ({kind})");
    }
    println!();
    println!("base URL: {base}");
    println!("token:    {}", info.token);
    println!();
    let curl = |q: String| println!("curl -s -H '{TOKEN_HEADER}: {}' '{base}{q}'", info.token);
    curl(format!("{REAL_TIME_PATH}?api=campaigns"));
    curl(format!(
        "{REPORTS_MANAGER_PATH}?api=campaign_3&campaign_id={campaign}&date_ini={day_ago}&date_end={until}"
    ));
    curl(format!(
        "{REPORTS_MANAGER_PATH}?api=diagram_1_3&date_ini={days_ago}&date_end={until}"
    ));
    println!();
    println!(
        "The campaigns are dialing live ({speedup}× real time): poll the reports to watch them move."
    );
    if db.is_some() {
        println!("Ctrl-C stops the demo; the database {location} keeps its data.");
    } else {
        println!("Ctrl-C stops the demo and removes its database.");
    }
    app.run_until(shutdown_signal()).await?;
    drop(dir);
    Ok(())
}

async fn token(command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            operation,
            licenses,
            time_zone,
            conn,
        } => {
            let store = conn.store().await?;
            let now = Timestamp::now();
            let op = match store.operation_id(&operation).await? {
                Some(id) => id,
                None => store
                    .create_operation(&operation, &time_zone, licenses, now)
                    .await
                    .with_context(|| format!("creating operation {operation:?}"))?,
            };
            let token = store.create_token(op, None, now).await?;
            eprintln!("token for operation {operation:?} (shown once, store it now):");
            println!("{token}");
        }
        TokenCommand::List { conn } => {
            use std::io::Write;
            let store = conn.existing_store().await?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:>4}  {:<20} {:<8} {:<20} revoked",
                "id", "operation", "token", "created"
            )?;
            for t in store.list_tokens().await? {
                let when = |s: i64| {
                    Timestamp::from_second(s)
                        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default()
                };
                writeln!(
                    out,
                    "{:>4}  {:<20} {:<8} {:<20} {}",
                    t.id,
                    t.operation,
                    format!("{}…", t.prefix),
                    when(t.created_at),
                    t.revoked_at.map(when).unwrap_or_else(|| "-".into())
                )?;
            }
        }
        TokenCommand::Revoke { id, conn } => {
            let store = conn.existing_store().await?;
            if !store.revoke_token(id, Timestamp::now()).await? {
                bail!("there is no active token with id {id} (see `marcador token list`)");
            }
            println!("token {id} revoked");
        }
    }
    Ok(())
}
