//! Rows on stdout: a table on a terminal, JSON when piped or with `--json`.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use comfy_table::{ContentArrangement, LineStyle, Table, presets};
use marcador_client::wire::rows::{CallLast10Row, Campaign3Row, CampaignRealtimeRow, Diagram13Row};
use serde::Serialize;

/// A report row as a table shows it (JSON keeps every field).
pub trait Tabular: Serialize {
    const HEADERS: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

impl Tabular for CampaignRealtimeRow {
    const HEADERS: &'static [&'static str] = &[
        "campaign",
        "status",
        "speed",
        "records",
        "clean",
        "dial",
        "answer",
        "no_answer",
        "busy/cong/failed",
        "machine",
        "pen. day",
        "pen. now",
        "hits",
        "calls/min",
        "recycled",
    ];
    fn cells(&self) -> Vec<String> {
        [
            &self.campaign,
            &self.status,
            &self.speed,
            &self.records,
            &self.clean,
            &self.dial,
            &self.answer,
            &self.no_answer,
            &self.busy_congestion_failed,
            &self.answer_machine,
            &self.penetration_day,
            &self.penetration_now,
            &self.hits,
            &self.calls_x_min,
            &self.recycled,
        ]
        .map(String::clone)
        .to_vec()
    }
}

impl Tabular for CallLast10Row {
    const HEADERS: &'static [&'static str] = &[
        "date",
        "type_interaction",
        "result",
        "telephone",
        "customer_id",
        "conn_id",
    ];
    fn cells(&self) -> Vec<String> {
        [
            &self.date,
            &self.type_interaction,
            &self.result,
            &self.telephone,
            &self.customer_id,
            &self.conn_id,
        ]
        .map(String::clone)
        .to_vec()
    }
}

impl Tabular for Campaign3Row {
    const HEADERS: &'static [&'static str] = &[
        "date",
        "campaign_id",
        "customer_id",
        "customer",
        "telephone",
        "result",
        "conn_id",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.date.clone(),
            self.campaign_id.clone(),
            self.customer_id.clone(),
            format!("{} {}", self.customer_name, self.customer_last_name)
                .trim()
                .to_owned(),
            self.telephone.clone(),
            self.result.clone(),
            self.conn_id.clone(),
        ]
    }
}

impl Tabular for Diagram13Row {
    const HEADERS: &'static [&'static str] = &["rp_id", "cod_opc_menu", "calls", "time"];
    fn cells(&self) -> Vec<String> {
        [&self.rp_id, &self.cod_opc_menu, &self.calls, &self.time]
            .map(String::clone)
            .to_vec()
    }
}

/// Whether rows go out as JSON: asked for, or stdout is not a terminal.
pub fn json_wanted(flag: bool) -> bool {
    flag || !std::io::stdout().is_terminal()
}

/// The rows as a table that fits the terminal.
pub fn table<T: Tabular>(rows: &[T]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_HORIZONTAL_ONLY.row_separator(LineStyle::none()))
        .set_header(T::HEADERS.iter().copied());
    // Fit the terminal when its width is known and usable; else natural widths.
    if t.width().is_some_and(|w| w >= 60) {
        t.set_content_arrangement(ContentArrangement::Dynamic);
    }
    for r in rows {
        t.add_row(r.cells());
    }
    t
}

/// Prints the rows: JSON (an array, one row a line) or a table and a count.
pub fn print<T: Tabular>(rows: &[T], json: bool, note: Option<&str>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        write_json_array(&mut out, rows)?;
    } else {
        writeln!(out, "{}", table(rows))?;
        let more = note.map(|n| format!(" — {n}")).unwrap_or_default();
        writeln!(out, "{} row(s){more}", rows.len())?;
    }
    out.flush()?;
    Ok(())
}

/// `[` row `,` row … `]`, one row a line, so that big answers stay greppable.
pub fn write_json_array<T: Serialize>(out: &mut impl Write, rows: &[T]) -> Result<()> {
    writeln!(out, "[")?;
    for (i, r) in rows.iter().enumerate() {
        serde_json::to_writer(&mut *out, r)?;
        writeln!(out, "{}", if i + 1 < rows.len() { "," } else { "" })?;
    }
    writeln!(out, "]")?;
    Ok(())
}
