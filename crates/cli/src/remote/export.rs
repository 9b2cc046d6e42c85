//! `marcador export`: a ranged report of any length into a CSV or JSON-lines
//! file, window by window, resumable.
//!
//! Beside `FILE` lives `FILE.marcador-export` while the export is unfinished:
//! the request, how far the file is complete (`done_through`, the last second
//! written) and its length then. It is rewritten atomically after each window,
//! once the window's rows are on disk; a rerun of the same command truncates
//! whatever came after (a window cut short) and continues from the next second.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use futures_util::{Stream, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use marcador_client::wire::WireDate;
use marcador_client::wire::rows::{Campaign3Row, Diagram13Row};
use marcador_client::{Client, WindowRows, merge_diagram, windows_after};
use serde::{Deserialize, Serialize};

use super::dates::{self, End};
use super::{Connection, ExportName, FileFormat, campaigns};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Which report
    #[arg(value_enum)]
    pub report: ExportName,
    /// Start of the range: YYYY-mm-dd, "YYYY-mm-dd HH:MM" or YYYYmmddHHiiss
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// End of the range, inclusive (a day runs through 23:59:59)
    #[arg(long, value_name = "DATE")]
    pub to: String,
    /// The file to write; .csv or .jsonl (one JSON object a line)
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// campaign-3: a campaign id, or "all"
    #[arg(long, default_value = "all", value_name = "ID|all")]
    pub campaign: String,
    /// File format, when the extension does not say
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    /// Overwrite FILE if it exists (an unfinished export of the same request is resumed regardless)
    #[arg(long)]
    pub force: bool,
    /// Start over, discarding an unfinished export into FILE
    #[arg(long)]
    pub restart: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// What was asked: a resume must ask the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Request {
    report: ExportName,
    campaign: String,
    from: String,
    to: String,
    format: FileFormat,
    base_url: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct State {
    request: Request,
    /// The last second whose rows are all in the file.
    done_through: Option<String>,
    rows: u64,
    /// The file's length when `done_through` was reached.
    bytes: u64,
    /// diagram_1_3: the sums so far (the file is written at the end).
    #[serde(default)]
    diagram: Vec<Diagram13Row>,
}

fn state_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".marcador-export");
    PathBuf::from(name)
}

fn load(path: &Path) -> Result<Option<State>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("{} is not an export state: remove it", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Written to a temporary file and renamed over the old state, so that a
/// crash leaves either the old state or the new one.
fn save(path: &Path, state: &State) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(&serde_json::to_vec_pretty(state)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

pub async fn run(a: ExportArgs) -> Result<()> {
    let conn = a.conn.resolve()?;
    let client = conn.client()?;
    let format = match a.format.or_else(|| FileFormat::of(&a.out)) {
        Some(f) => f,
        None => bail!(
            "{}: cannot tell the format from the extension: use .csv or .jsonl, or pass --format",
            a.out.display()
        ),
    };
    let from = dates::parse("--from", &a.from, End::From)?;
    let to = dates::parse("--to", &a.to, End::To)?;
    if from > to {
        bail!(
            "--from {} is after --to {}",
            dates::show(from),
            dates::show(to)
        );
    }
    let sel = campaigns(&a.campaign)?;
    let request = Request {
        report: a.report,
        campaign: a.campaign.trim().to_lowercase(),
        from: from.to_wire(),
        to: to.to_wire(),
        format,
        base_url: client.base_url().to_string(),
    };
    let spath = state_path(&a.out);
    let state = match load(&spath)? {
        Some(s) if s.request == request && !a.restart => {
            eprintln!(
                "resuming {}: {} rows already written, through {}",
                a.out.display(),
                s.rows,
                s.done_through.as_deref().unwrap_or("nothing yet")
            );
            s
        }
        Some(s) if !a.restart => bail!(
            "{} holds an unfinished export of another request ({} {} to {} from {}): \
             rerun that command to finish it, or pass --restart to start this one over",
            a.out.display(),
            serde_json::to_value(s.request.report)?
                .as_str()
                .unwrap_or("?"),
            s.request.from,
            s.request.to,
            s.request.base_url
        ),
        existing => {
            if existing.is_none() && a.out.exists() && !a.force {
                bail!(
                    "{} exists: choose another --out, or pass --force to overwrite it",
                    a.out.display()
                );
            }
            State {
                request,
                done_through: None,
                rows: 0,
                bytes: 0,
                diagram: Vec::new(),
            }
        }
    };
    match a.report {
        ExportName::Campaign3 => {
            export_campaign_3(&client, sel, from, to, &a.out, &spath, state).await
        }
        ExportName::Diagram13 => export_diagram(&client, from, to, &a.out, &spath, state).await,
    }
}

/// The first line a CSV writer writes for `T`: its field names.
fn csv_header<T: Serialize>(sample: &T) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(sample)?;
    let all = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let end = all
        .iter()
        .position(|b| *b == b'\n')
        .map_or(all.len(), |i| i + 1);
    Ok(all[..end].to_vec())
}

fn write_rows<T: Serialize>(out: &mut impl Write, format: FileFormat, rows: &[T]) -> Result<()> {
    match format {
        FileFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(&mut *out);
            for r in rows {
                w.serialize(r)?;
            }
            w.flush()?;
        }
        FileFormat::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut *out, r)?;
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

struct Progress {
    bar: ProgressBar,
    tty: bool,
    started: Instant,
    rows_before: u64,
    total: usize,
}

impl Progress {
    fn new(windows: usize, rows_before: u64) -> Self {
        let tty = std::io::stderr().is_terminal();
        let bar = if tty {
            let b = ProgressBar::new(windows as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} windows  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            tty,
            started: Instant::now(),
            rows_before,
            total: windows,
        }
    }

    fn rate(&self, rows: u64) -> f64 {
        (rows - self.rows_before) as f64 / self.started.elapsed().as_secs_f64().max(1e-3)
    }

    fn window<T>(&self, w: &WindowRows<T>, rows: u64) {
        self.bar.inc(1);
        let msg = format!("{rows} rows ({:.0} rows/s)", self.rate(rows));
        if self.tty {
            self.bar.set_message(msg);
        } else {
            eprintln!(
                "window {}/{} {}..{}: {} rows in {} request(s); {msg}",
                self.bar.position(),
                self.total,
                w.window.ini.to_wire(),
                w.window.end.to_wire(),
                w.rows.len(),
                w.requests
            );
        }
    }

    fn done(&self, rows: u64, out: &Path, requests: u64) {
        self.bar.finish_and_clear();
        eprintln!(
            "wrote {rows} rows to {} in {:.1} s ({:.0} rows/s, {requests} requests)",
            out.display(),
            self.started.elapsed().as_secs_f64(),
            self.rate(rows)
        );
    }
}

fn interrupted(e: marcador_client::Error, state: &State, out: &Path) -> anyhow::Error {
    anyhow::Error::new(e).context(format!(
        "export interrupted with {} rows in {}{}: run the same command again to continue",
        state.rows,
        out.display(),
        state
            .done_through
            .as_deref()
            .map(|d| format!(" (complete through {d})"))
            .unwrap_or_default(),
    ))
}

fn done_through(state: &State) -> Result<Option<WireDate>> {
    state
        .done_through
        .as_deref()
        .map(|d| WireDate::parse(d).map_err(|e| anyhow::anyhow!("export state: {e}")))
        .transpose()
}

/// Windows still to do, for the progress bar.
fn remaining_windows(from: WireDate, to: WireDate, done: Option<WireDate>) -> usize {
    windows_after(from, to, done).map_or(0, |w| w.len())
}

async fn export_campaign_3(
    client: &Client,
    sel: marcador_client::Campaigns,
    from: WireDate,
    to: WireDate,
    out: &Path,
    spath: &Path,
    mut state: State,
) -> Result<()> {
    let format = state.request.format;
    let file = if state.done_through.is_none() && state.rows == 0 && state.bytes == 0 {
        let mut f = File::create(out).with_context(|| format!("creating {}", out.display()))?;
        if format == FileFormat::Csv {
            f.write_all(&csv_header(&Campaign3Row::default())?)?;
        }
        f.sync_data()?;
        state.bytes = f.stream_position()?;
        save(spath, &state)?;
        f
    } else {
        let f = OpenOptions::new()
            .write(true)
            .open(out)
            .with_context(|| format!("reopening {} to resume", out.display()))?;
        let len = f.metadata()?.len();
        if len < state.bytes {
            bail!(
                "{} is shorter ({len} bytes) than its export state says ({} bytes): pass --restart",
                out.display(),
                state.bytes
            );
        }
        // Whatever follows the last complete window is a window cut short.
        f.set_len(state.bytes)?;
        f
    };
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.seek(std::io::SeekFrom::End(0))?;
    let done = done_through(&state)?;
    let progress = Progress::new(remaining_windows(from, to, done), state.rows);
    let requests_before = client.stats().requests;
    let stream = client.campaign_3_windows_after(sel, from, to, done);
    drive(stream, &mut state, &progress, out, |state, win| {
        write_rows(&mut w, format, &win.rows)?;
        w.flush()?;
        w.get_ref().sync_data()?;
        state.bytes = w.get_mut().stream_position()?;
        state.rows += win.rows.len() as u64;
        state.done_through = Some(win.window.end.to_wire());
        save(spath, state)
    })
    .await?;
    finish(spath)?;
    progress.done(state.rows, out, client.stats().requests - requests_before);
    Ok(())
}

async fn export_diagram(
    client: &Client,
    from: WireDate,
    to: WireDate,
    out: &Path,
    spath: &Path,
    mut state: State,
) -> Result<()> {
    let done = done_through(&state)?;
    let progress = Progress::new(remaining_windows(from, to, done), 0);
    let requests_before = client.stats().requests;
    let stream = client.diagram_1_3_windows_after(from, to, done);
    drive(stream, &mut state, &progress, out, |state, win| {
        let so_far = std::mem::take(&mut state.diagram);
        state.diagram = merge_diagram(so_far.into_iter().chain(win.rows.iter().cloned()))?;
        state.rows = state.diagram.len() as u64;
        state.done_through = Some(win.window.end.to_wire());
        save(spath, state)
    })
    .await?;
    // Written whole at the end: into a temporary file renamed over FILE.
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f =
        BufWriter::new(File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?);
    let format = state.request.format;
    if format == FileFormat::Csv {
        f.write_all(&csv_header(&Diagram13Row {
            rp_id: String::new(),
            calls: String::new(),
            time: String::new(),
            cod_opc_menu: String::new(),
        })?)?;
    }
    write_rows(&mut f, format, &state.diagram)?;
    f.flush()?;
    f.get_ref().sync_all()?;
    std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
    finish(spath)?;
    progress.done(state.rows, out, client.stats().requests - requests_before);
    Ok(())
}

/// Feeds each window to `on_window` in order; on an error, says how to go on.
async fn drive<T>(
    stream: impl Stream<Item = marcador_client::Result<WindowRows<T>>>,
    state: &mut State,
    progress: &Progress,
    out: &Path,
    mut on_window: impl FnMut(&mut State, &WindowRows<T>) -> Result<()>,
) -> Result<()> {
    let mut stream = std::pin::pin!(stream);
    while let Some(next) = stream.next().await {
        let win = match next {
            Ok(w) => w,
            Err(e) => {
                progress.bar.abandon();
                return Err(interrupted(e, state, out));
            }
        };
        on_window(state, &win)?;
        progress.window(&win, state.rows);
    }
    Ok(())
}

fn finish(spath: &Path) -> Result<()> {
    match std::fs::remove_file(spath) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", spath.display())),
    }
}
