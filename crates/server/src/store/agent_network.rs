//! How each agent's phone is reached, for real_time latency: the engine
//! replaces an agent's row (`agent_network`) with what telephony last measured
//! — round trip, address, User-Agent, the jitter and loss of what the phone
//! sends — with how many times its leg was offered and rejected, and when the
//! agent last took a call. Plain data; the rows are made in `api/real_time.rs`.

use sqlx::Row;

use super::rowset::{Table, Writes};
use super::{Result, Store};
use crate::domain::PhoneNetwork;

/// An agent's phone as the engine knows it now (the last of a batch stays).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentNetworkFact {
    pub operation_id: i64,
    pub agent_id: i64,
    pub network: PhoneNetwork,
    /// Times its leg was opened, and those the phone did not take.
    pub offered: i64,
    pub rejected: i64,
    /// When it last took a call (Unix ms), if it has since the engine started.
    pub last_call_ms: Option<i64>,
    /// When this was written (Unix ms).
    pub measured_ms: i64,
}

/// An agent with its phone's figures (real_time latency).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneReach {
    pub agent_id: i64,
    /// Its SIP address (none: a simulated agent).
    pub phone: Option<String>,
    pub network: PhoneNetwork,
    pub offered: i64,
    pub rejected: i64,
    pub last_call_ms: Option<i64>,
}

fn u32_of(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

/// Queues each agent's row (the last of an agent's in `facts` stays).
pub(super) fn write_network(w: &mut Writes, facts: &[&AgentNetworkFact]) -> Result<()> {
    let rows: Vec<_> = super::rowset::last_by(facts, |f| f.agent_id)
        .map(|f| {
            let n = &f.network;
            (
                f.agent_id,
                f.operation_id,
                n.latency_ms,
                &n.ip,
                &n.user_agent,
                n.tx_jitter_us,
                n.tx_loss_bp,
                f.offered,
                f.rejected,
                f.last_call_ms,
                f.measured_ms,
            )
        })
        .collect();
    w.insert(&AGENT_NETWORK, &rows)
}

const AGENT_NETWORK: Table = Table {
    name: "agent_network",
    columns: &[
        ("agent_id", true),
        ("operation_id", true),
        ("latency_ms", true),
        ("ip", false),
        ("user_agent", false),
        ("tx_jitter_us", true),
        ("tx_loss_bp", true),
        ("offered", true),
        ("rejected", true),
        ("last_call_ms", true),
        ("measured_ms", true),
    ],
    tail: " WHERE true ON CONFLICT (agent_id) DO UPDATE SET latency_ms = excluded.latency_ms, \
           ip = excluded.ip, user_agent = excluded.user_agent, \
           tx_jitter_us = excluded.tx_jitter_us, tx_loss_bp = excluded.tx_loss_bp, \
           offered = excluded.offered, rejected = excluded.rejected, \
           last_call_ms = excluded.last_call_ms, measured_ms = excluded.measured_ms",
};

impl Store {
    /// real_time latency: every agent whose phone the engine has measured.
    pub async fn phone_reach(&self, operation_id: i64) -> Result<Vec<PhoneReach>> {
        let rows = sqlx::query(
            "SELECT n.agent_id, a.phone, n.latency_ms, n.ip, n.user_agent, n.tx_jitter_us, n.tx_loss_bp, \
             n.offered, n.rejected, n.last_call_ms FROM agent_network n JOIN agents a ON a.id = n.agent_id \
             WHERE n.operation_id = $1 ORDER BY a.code, n.agent_id",
        )
        .bind(operation_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PhoneReach {
                    agent_id: r.try_get("agent_id")?,
                    phone: r.try_get("phone")?,
                    network: PhoneNetwork {
                        latency_ms: u32_of(r.try_get("latency_ms")?),
                        ip: r.try_get("ip")?,
                        user_agent: r.try_get("user_agent")?,
                        tx_jitter_us: u32_of(r.try_get("tx_jitter_us")?),
                        tx_loss_bp: u32_of(r.try_get("tx_loss_bp")?),
                    },
                    offered: r.try_get("offered")?,
                    rejected: r.try_get("rejected")?,
                    last_call_ms: r.try_get("last_call_ms")?,
                })
            })
            .collect()
    }
}
