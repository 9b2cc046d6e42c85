//! `real_time.php?api=latency`: how each agent's connection is, now — one
//! object in `data` with three lists: `by_agent`, `by_ip` (the agents behind
//! each address) and `by_pbx` (phones). Fields in the vendor's example order,
//! every value a string, as the example writes them.

use serde::{Deserialize, Serialize};

/// `agent_id` of `by_agent`: `"<extension>-<name>"`, as real Wolkvox writes
/// it (real client code reads the extension with `^([0-9]+)-`); the
/// documentation's table says only "the extension".
pub fn agent_label(code: &str, name: &str) -> String {
    format!("{code}-{name}")
}

/// A jitter in µs as milliseconds with one decimal (`"3.2"`).
pub fn jitter_ms(us: u32) -> String {
    let tenths = (u64::from(us) + 50) / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// `platform`: the vendor writes `app` or `web` (its desktop or web agent);
/// Marcador's agents are on a SIP phone, or simulated.
pub const PLATFORM_SIP: &str = "sip";
pub const PLATFORM_SIMULATED: &str = "simulated";

/// `by_pbx`'s `status`: the phone's line is up (the agent is logged in), or not.
pub const PBX_OK: &str = "OK";
pub const PBX_UNREACHABLE: &str = "UNREACHABLE";

/// The one object of `data`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LatencyData {
    pub by_agent: Vec<LatencyAgentRow>,
    pub by_ip: Vec<LatencyIpRow>,
    pub by_pbx: Vec<LatencyPbxRow>,
}

/// One agent: its round trip, address, phone, state, the quality of what it
/// sends (`tx_*`) and receives (`rx_*`), how often its phone refused a call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LatencyAgentRow {
    pub agent_id: String,
    pub latency_ms: String,
    pub ip: String,
    pub version: String,
    pub agent_status: String,
    pub tx_jitter: String,
    pub rx_jitter: String,
    pub tx_ploss: String,
    pub rx_ploss: String,
    pub network_rejection: String,
    pub connection_type: String,
    pub platform: String,
    pub last_date: String,
}

/// The agents behind one address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LatencyIpRow {
    pub ip: String,
    pub total_agents: String,
    pub average_latency: String,
    pub maximum: String,
    pub minimum: String,
    pub network_rejection: String,
}

/// One phone (a person's SIP address).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LatencyPbxRow {
    pub user: String,
    pub status: String,
    pub tx_jitter: String,
    pub rx_jitter: String,
    pub tx_ploss: String,
    pub rx_ploss: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_milliseconds_with_one_decimal() {
        assert_eq!(jitter_ms(0), "0.0");
        assert_eq!(jitter_ms(3_240), "3.2");
        assert_eq!(jitter_ms(3_250), "3.3");
        assert_eq!(jitter_ms(12_960), "13.0");
        assert_eq!(agent_label("1001", "Ana Gómez"), "1001-Ana Gómez");
    }
}
