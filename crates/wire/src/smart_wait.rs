//! Smart wait ("espera inteligente") on the wire: a queued caller offered a
//! call back instead of waiting, and reports_manager.php's `diagram_2`
//! (per skill) and `diagram_3` (each caller offered it). Fields in the
//! vendor's example order.

use serde::{Deserialize, Serialize};

/// diagram_3's `status`, as the vendor documents its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmartWaitStatus {
    /// Accepted; the call back has not reached the caller yet.
    Yes,
    /// Declined: the caller kept waiting on the line.
    No,
    /// Called back and talked with an agent.
    Ok,
    /// Whoever answered the call back was not the caller.
    NoUser,
    /// The caller called again and was served before the call back.
    StopNew,
    /// Every attempt to call back failed.
    Fail,
}

impl SmartWaitStatus {
    pub const ALL: [SmartWaitStatus; 6] = [
        SmartWaitStatus::Yes,
        SmartWaitStatus::No,
        SmartWaitStatus::Ok,
        SmartWaitStatus::NoUser,
        SmartWaitStatus::StopNew,
        SmartWaitStatus::Fail,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            SmartWaitStatus::Yes => "YES",
            SmartWaitStatus::No => "NO",
            SmartWaitStatus::Ok => "OK",
            SmartWaitStatus::NoUser => "NO USER",
            SmartWaitStatus::StopNew => "STOP NEW",
            SmartWaitStatus::Fail => "FAIL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// A call back that did not reach the caller (diagram_2's `recall_fail`).
    pub const fn failed(self) -> bool {
        matches!(self, SmartWaitStatus::Fail | SmartWaitStatus::NoUser)
    }
}

/// `reports_manager.php?api=diagram_2` — per skill.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram2Row {
    pub skill_id: String,
    /// Callers offered a call back.
    pub treatment: String,
    pub customer_say_no: String,
    pub customer_say_yes: String,
    pub recall_fail: String,
    pub recall_ok: String,
    /// Percentage points the skill's service level gains: callers called back
    /// and served, of the skill's queued calls.
    pub service_level_up: String,
}

/// `reports_manager.php?api=diagram_3` — one per caller offered a call back.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram3Row {
    pub skill_id: String,
    pub date_inbound_call: String,
    /// `""` before the first call back.
    pub date_last_outbound_call: String,
    /// [`SmartWaitStatus::as_str`].
    pub status: String,
    pub attempts: String,
    pub ani: String,
    pub dial_phone: String,
    /// From the caller's call to the last call back, `HH:MM:SS` (`""`: none yet).
    pub time_between_calls: String,
    /// The call back's talk, `HH:MM:SS`.
    pub time: String,
    pub billed_minutes: String,
    pub customer_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back() {
        for s in SmartWaitStatus::ALL {
            assert_eq!(SmartWaitStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(SmartWaitStatus::NoUser.as_str(), "NO USER");
        assert!(SmartWaitStatus::NoUser.failed() && !SmartWaitStatus::Ok.failed());
    }
}
