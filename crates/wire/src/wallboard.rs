//! Marcador's own live wallboard (not the vendor's): the page at `/` polls
//! one snapshot of the operation — the rows the real-time reports and
//! diagram_1_3 answer with, read once together, so the page shows exactly
//! what the API does. The snapshot needs a token and passes the in-flight
//! limit, but is not counted against the daily quota (a page polling every
//! 2 s would spend it in hours).

use serde::{Deserialize, Serialize};

use crate::rows::{AgentRealtimeRow, CallLast10Row, CampaignRealtimeRow, Diagram13Row};

/// `GET /wallboard/snapshot` (header `wolkvox-token`).
pub const SNAPSHOT_PATH: &str = "/wallboard/snapshot";

/// How often the page asks for a snapshot (ms): the "at most 2 s".
pub const POLL_MS: u32 = 2_000;

/// The operation now, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    /// When it was read, `YYYY-mm-dd HH:MM:SS` in the operation's zone.
    pub at: String,
    /// real_time.php?api=campaigns
    pub campaigns: Vec<CampaignRealtimeRow>,
    /// real_time.php?api=agents
    pub agents: Vec<AgentRealtimeRow>,
    /// real_time.php?api=calls_last_10, oldest first (as the report).
    pub calls: Vec<CallLast10Row>,
    /// reports_manager.php?api=diagram_1_3 from the operation's midnight to now.
    pub ivr: Vec<Diagram13Row>,
}
