//! reports_manager.php's IVR reports besides the seed's diagram_1_3:
//! `diagram_1` (each IVR call), `diagram_1_1`/`diagram_1_2` (IVR calls and
//! minutes per day and per hour), `diagram_11` (IVR versus transferred to an
//! agent), `diagram_13` (each menu option passed) and `diagram_14` (menu
//! options grouped by code). Fields in the vendor's example order.

use serde::{Deserialize, Serialize};

/// `reports_manager.php?api=diagram_1` — one per call that entered an IVR.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram1Row {
    pub rp_id: String,
    pub rp_name: String,
    /// The last option the caller passed ([`PULSE`](crate::rows::PULSE): none).
    pub cod_opc_menu: String,
    /// Where the IVR sent the call: the skill's id (`""`: nowhere, the caller hung up).
    pub dn_transfer: String,
    /// When the caller left the IVR.
    pub date: String,
    /// [`ivr_result`].
    pub result: String,
    pub ani: String,
    /// Time in the IVR, `HH:MM:SS`.
    pub time: String,
    pub customer_id: String,
    pub conn_id: String,
}

/// diagram_1's `result`: `ok` when the call reached its queue, `hung up` when
/// the caller hung up in the menu (the two documented values).
pub fn ivr_result(reached_queue: bool) -> &'static str {
    if reached_queue { "ok" } else { "hung up" }
}

/// `reports_manager.php?api=diagram_1_1` — IVR calls and minutes per day;
/// `diagram_1_2` — per hour (the example's `day` key for both).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IvrUsageRow {
    /// diagram_1_1: `YYYY-mm-dd`; diagram_1_2: `YYYY-mm-dd HH:00:00`.
    pub day: String,
    pub calls: String,
    /// [`ivr_minutes`].
    pub ivr_minutes: String,
}

/// Seconds in the IVR as minutes with two decimals (`"12.50"`).
pub fn ivr_minutes(seconds: i64) -> String {
    let hundredths = (seconds.max(0) * 100 + 30) / 60;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// `reports_manager.php?api=diagram_11` — one per IVR call: its time in the
/// IVR, in the queue and with an agent. The example writes `-` for what a
/// call did not have (no skill, no agent): so does Marcador.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram11Row {
    pub conn_id: String,
    /// `HH:MM:SS`.
    pub time_on_rp: String,
    /// When the caller left the IVR.
    pub end_date_rp: String,
    pub rp_id: String,
    pub ani: String,
    pub customer_id: String,
    pub time_on_skill: String,
    pub skill_id: String,
    /// calls_last_10's spelling of how the queue ended (`answer`, `abandon`).
    pub skill_result: String,
    /// [`yes_no`](crate::rows::yes_no): an agent took the call.
    pub go_to_agent: String,
    pub agent_id: String,
    pub agent_name: String,
    pub time_with_agent: String,
    pub cod_act: String,
    pub cod_act_2: String,
    pub type_interaction: String,
    pub total_time: String,
}

/// diagram_11's value for what a call did not have.
pub const NONE: &str = "-";

/// A value of diagram_11, or [`NONE`] when empty.
pub fn or_none(v: String) -> String {
    if v.is_empty() { NONE.to_owned() } else { v }
}

/// `reports_manager.php?api=diagram_13` — one per menu option a caller passed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MenuOptionRow {
    pub rp_id: String,
    pub conn_id: String,
    pub customer_id: String,
    /// [`VOICE`]: the only channel Marcador's IVRs take.
    pub channel: String,
    /// Its place in the caller's walk (1: the first option).
    pub attempt: String,
    pub telephone: String,
    /// When the caller reached the option.
    pub date: String,
    /// Seconds from the call's start to the option.
    pub second_event: String,
    pub cod_opc_menu: String,
}

/// diagram_13's `channel`.
pub const VOICE: &str = "voice";

/// `reports_manager.php?api=diagram_14` — one per menu option code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MenuCodeRow {
    /// The option's code (`cod_opc_menu`).
    pub cod_act: String,
    /// The activity code's description when the option is one, else `""`.
    pub description_cod_act: String,
    pub count: String,
    /// Its share of every option passed, in the common percent format.
    pub percent: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_and_values() {
        assert_eq!(ivr_minutes(0), "0.00");
        assert_eq!(ivr_minutes(90), "1.50");
        assert_eq!(ivr_minutes(61), "1.02");
        assert_eq!(ivr_minutes(3_600 * 100), "6000.00");
        assert_eq!(ivr_result(true), "ok");
        assert_eq!(ivr_result(false), "hung up");
        assert_eq!(or_none(String::new()), "-");
        assert_eq!(or_none("7".into()), "7");
    }
}
