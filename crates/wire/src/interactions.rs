//! `real_time.php?api=interactions`: the interactions agents are on now, per
//! agent. The vendor's are omnibox ones (e-mail, social networks: a subject
//! and a sender); Marcador's are calls, written in the same fields — the
//! call's id, what kind of call it is, who is on the other end, when it
//! began. Fields in the vendor's example order.

use serde::{Deserialize, Serialize};

/// `subject` of a call: which way it goes.
pub const INBOUND_CALL: &str = "inbound call";
pub const OUTBOUND_CALL: &str = "outbound call";

/// One agent and its interactions now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InteractionsRow {
    /// The agent's extension.
    pub agent_id: String,
    pub active_interactions: Vec<ActiveInteraction>,
}

/// One interaction under way.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActiveInteraction {
    pub conn_id: String,
    /// [`INBOUND_CALL`] or [`OUTBOUND_CALL`].
    pub subject: String,
    /// The customer's id when it is known (`""` otherwise).
    pub fromname: String,
    /// When the agent began talking on it.
    pub date: String,
}
