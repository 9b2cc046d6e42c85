//! reports_manager.php's campaign reports beyond the seed's campaign_3:
//! `campaign_5` (preview calls, one by one), `campaign_6`/`campaign_7`
//! (answering-machine detection, per campaign and per attempt),
//! `campaign_8` (machine codes per telephone) and `campaign_10` (machine
//! codes of Turbo Dial campaigns). Fields in the vendor's example order.

use serde::{Deserialize, Serialize};

use crate::CallResult;

/// `reports_manager.php?api=campaign_5` — one per call of a preview campaign.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign5Row {
    /// [`row_type`]: `preview` (a campaign call) or `call` (a manual one).
    pub type_of_row: String,
    pub campaign_id: String,
    pub customer_name: String,
    pub customer_last_name: String,
    /// The record's standing: [`record_standing`].
    pub result: String,
    /// The record's code now.
    pub last_code_act: String,
    /// The record's comment.
    pub comments_customer_reg: String,
    pub customer_id: String,
    pub agent_id: String,
    pub conn_id: String,
    pub telephone: String,
    pub hang_up: String,
    pub type_interaction: String,
    /// calls_last_10's spelling (`answer`, `no answer`…).
    pub call_result: String,
    pub date: String,
    /// The call's length, `HH:MM:SS`.
    pub time: String,
    /// The code typed on this call.
    pub cod_act: String,
    /// The comment typed on this call.
    pub comments: String,
}

/// campaign_5's `type_of_row`.
pub mod row_type {
    /// A call the campaign's agent placed to the record offered.
    pub const PREVIEW: &str = "preview";
}

/// campaign_5's `result`: `rpc` when the record is typed with a right-party
/// contact code, `clean` otherwise (the two values the documentation gives).
pub fn record_standing(rpc: bool) -> &'static str {
    if rpc { "rpc" } else { "clean" }
}

/// `reports_manager.php?api=campaign_6` — one per campaign with detections.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign6Row {
    pub campaign_id: String,
    /// Answers detection called a machine.
    pub total_amd: String,
}

/// `reports_manager.php?api=campaign_7` — one per answered attempt that
/// passed detection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign7Row {
    pub customer_id: String,
    pub campaign_id: String,
    /// The message left on machines: Marcador leaves none (`""`).
    pub file_name: String,
    pub telephone: String,
    /// [`AmdResult`](crate::AmdResult): `machine` or `human`.
    pub result: String,
    pub date: String,
}

/// `reports_manager.php?api=campaign_8` — one per telephone dialed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign8Row {
    pub telephone: String,
    /// Answers detection called a machine.
    pub total_machine_recognitions: String,
    pub no_answer: String,
    pub answer_machine: String,
    pub busy: String,
    pub congestion: String,
    /// `failed` and `chanunavail`.
    pub failed: String,
}

/// campaign_8's machine-code column of a result (`None`: not a machine code).
pub fn campaign_8_column(r: CallResult) -> Option<usize> {
    match r {
        CallResult::NoAnswer => Some(0),
        CallResult::AnswerMachine => Some(1),
        CallResult::Busy => Some(2),
        CallResult::Congestion => Some(3),
        CallResult::Failed | CallResult::ChanUnavail => Some(4),
        CallResult::Answer | CallResult::Abandon => None,
    }
}

/// `reports_manager.php?api=campaign_10` — one per machine code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign10Row {
    /// calls_last_10's spelling (`answer machine`, `no answer`…).
    pub machinecode: String,
    pub cantidad: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_documented_ones() {
        assert_eq!(record_standing(true), "rpc");
        assert_eq!(record_standing(false), "clean");
        let columns: Vec<_> = CallResult::ALL
            .iter()
            .map(|r| campaign_8_column(*r))
            .collect();
        assert_eq!(
            columns,
            [
                None,
                Some(0),
                Some(2),
                Some(3),
                Some(4),
                Some(1),
                None,
                Some(4)
            ]
        );
    }
}
