//! `marcador watch`: the real-time campaigns report, refreshed in place.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;
use jiff::SignedDuration;
use marcador_client::Error;
use marcador_client::wire::limits::ADVISED_POLL_INTERVAL;
use serde::Serialize;

use super::Connection;
use super::output::table;

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Time between two polls: 5m, 30s, 1h 30m or seconds [default: 5m, the vendor's advice]
    #[arg(long, value_name = "DURATION", value_parser = parse_interval)]
    pub interval: Option<Duration>,
    /// Stop after this many polls (default: until Ctrl-C)
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// One JSON line per poll even on a terminal (the default when stdout is piped)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// `5m`, `30s`, `1h 30m`, `PT5M` or a number of seconds; at least one second.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let d = match t.parse::<u64>() {
        Ok(secs) => SignedDuration::from_secs(secs as i64),
        Err(_) => t
            .parse::<SignedDuration>()
            .map_err(|_| format!("{s:?} is not a duration: use 5m, 30s, 1h 30m or seconds"))?,
    };
    let d = Duration::try_from(d).map_err(|_| format!("{s:?} is negative"))?;
    if d < Duration::from_secs(1) {
        return Err(format!("{s:?} is shorter than a second"));
    }
    Ok(d)
}

#[derive(Serialize)]
struct Poll<'a, T> {
    at: String,
    campaigns: &'a [T],
}

pub async fn run(a: WatchArgs) -> Result<()> {
    let conn = a.conn.resolve()?;
    let client = conn.client()?;
    let interval = a.interval.unwrap_or(ADVISED_POLL_INTERVAL);
    if conn.is_wolkvox() && interval < ADVISED_POLL_INTERVAL {
        eprintln!(
            "warning: Wolkvox advises polling real-time reports every {} minutes or more; \
             every poll counts against the token's daily quota",
            ADVISED_POLL_INTERVAL.as_secs() / 60
        );
    }
    if a.count == Some(0) {
        bail!("--count must be at least 1");
    }
    let json = a.json || !std::io::stdout().is_terminal();
    let every = jiff::SignedDuration::try_from(interval).unwrap_or_default();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut polls = 0u64;
    loop {
        ticker.tick().await;
        polls += 1;
        let now = jiff::Zoned::now().with_time_zone(conn.tz.clone());
        let at = now.strftime("%Y-%m-%d %H:%M:%S").to_string();
        let answer = client.campaigns().await;
        let mut out = std::io::stdout().lock();
        match answer {
            Ok(rows) if json => {
                serde_json::to_writer(
                    &mut out,
                    &Poll {
                        at,
                        campaigns: &rows,
                    },
                )?;
                writeln!(out)?;
            }
            Ok(rows) => {
                // Clear the screen and draw from the top: refreshed in place.
                write!(out, "\x1b[H\x1b[2J")?;
                writeln!(
                    out,
                    "campaigns at {at} ({}) · every {every:#} · Ctrl-C to stop",
                    conn.tz.iana_name().unwrap_or("")
                )?;
                writeln!(out, "{}", table(&rows))?;
            }
            Err(e @ Error::QuotaExhausted { .. }) => return Err(e.into()),
            Err(e) => {
                // A failed poll is shown and the next one tried.
                eprintln!("{at}: {e}");
            }
        }
        out.flush()?;
        if a.count.is_some_and(|n| polls >= n) {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_interval("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_interval("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_interval("90").unwrap(), Duration::from_secs(90));
        assert!(parse_interval("0").is_err());
        assert!(parse_interval("soon").is_err());
        assert!(parse_interval("-5m").is_err());
    }
}
