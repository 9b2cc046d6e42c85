//! The enums of the wire, with their exact strings.

use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact wire string.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// Reads the exact wire string.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// `type_interaction` of calls_last_10.
    TypeInteraction {
        Conference = "conference",
        Inbound = "inbound",
        InternalCall = "internal call",
        InternalCallInb = "internal call_inb",
        InternalCallQue = "internal call_que",
        /// A predictive campaign call.
        OutPre = "out_pre",
        /// A manual outbound call (preview campaigns are dialed by the agent).
        OutboundMa = "outbound_ma",
        Transfer = "transfer",
    }
}

/// How the agent reports count a call: received, placed, or among the operation's own lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
}

impl TypeInteraction {
    pub const fn direction(self) -> Direction {
        match self {
            TypeInteraction::Inbound => Direction::Inbound,
            TypeInteraction::OutPre | TypeInteraction::OutboundMa => Direction::Outbound,
            TypeInteraction::Conference
            | TypeInteraction::InternalCall
            | TypeInteraction::InternalCallInb
            | TypeInteraction::InternalCallQue
            | TypeInteraction::Transfer => Direction::Internal,
        }
    }
}

wire_enum! {
    /// The result of a call or a dial attempt, spelled as calls_last_10 writes it.
    /// campaign_3 writes the same values upper case and hyphenated: see
    /// [`CallResult::campaign_3`].
    CallResult {
        Answer = "answer",
        NoAnswer = "no answer",
        Busy = "busy",
        Congestion = "congestion",
        Failed = "failed",
        AnswerMachine = "answer machine",
        Abandon = "abandon",
        ChanUnavail = "chanunavail",
    }
}

impl CallResult {
    /// The campaign_3 spelling: upper case with hyphens. `chanunavail` has no
    /// spelling of its own there and is written `FAILED`.
    pub const fn campaign_3(self) -> &'static str {
        match self {
            CallResult::Answer => "ANSWER",
            CallResult::NoAnswer => "NO-ANSWER",
            CallResult::Busy => "BUSY",
            CallResult::Congestion => "CONGESTION",
            CallResult::Failed | CallResult::ChanUnavail => "FAILED",
            CallResult::AnswerMachine => "ANSWER-MACHINE",
            CallResult::Abandon => "ABANDON",
        }
    }

    /// The campaign_1 spelling: campaign_3's, lower case, as its documentation
    /// lists the values (`no-answer`, `answer-machine`…).
    pub fn campaign_1(self) -> String {
        self.campaign_3().to_lowercase()
    }

    /// Reads a campaign_3 spelling (`FAILED` reads as [`CallResult::Failed`]).
    pub fn parse_campaign_3(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.campaign_3() == s)
    }

    /// Whether a person answered (abandoned calls included).
    pub const fn is_human_answer(self) -> bool {
        matches!(self, CallResult::Answer | CallResult::Abandon)
    }
}

wire_enum! {
    /// `status` of a campaign in the real-time report.
    CampaignStatus {
        Started = "started",
        Stopped = "stopped",
    }
}

wire_enum! {
    /// `type_campaign`.
    CampaignType {
        Preview = "preview",
        Predictive = "predictive",
    }
}

wire_enum! {
    /// `agent_status` of real_time agents. Ready, ACW and Logout are the
    /// vendor's predefined states; an agent in a pause shows the pause's name
    /// instead (README, "Decisions").
    AgentStatus {
        Logout = "Logout",
        /// Logged in; Marcador is calling the agent's phone.
        Ring = "Ring",
        Ready = "Ready",
        /// On a call (inbound or outbound).
        Talking = "Talking",
        /// After-call work: until the call is typed or the wrap-up time passes.
        Acw = "ACW",
    }
}

wire_enum! {
    /// `hang_up` of the call reports (cdr_1, act_3): who ended the call.
    /// `system` is Marcador itself (a ring timeout, an abandon, a machine).
    HangUp {
        Agent = "agent",
        Customer = "customer",
        System = "system",
    }
}

wire_enum! {
    /// What answering-machine detection said of an answered attempt
    /// (campaign_7's `result`).
    AmdResult {
        Machine = "machine",
        Human = "human",
    }
}

impl CallResult {
    /// The results of a call that reached nobody (cdr_5, cdr_6): not
    /// answered, refused or failed. Machines and abandons were answered.
    pub const NOT_CONNECTED: &'static [CallResult] = &[
        CallResult::NoAnswer,
        CallResult::Busy,
        CallResult::Congestion,
        CallResult::Failed,
        CallResult::ChanUnavail,
    ];

    /// The cdr_5/cdr_6 spelling of a call that reached nobody, as the
    /// vendor's clients see it (`No answer`, `Busy`, `Congestion`,
    /// `Chanunavail`; `failed` has none of its own there and is written
    /// `Chanunavail`, the channel that could not be had); `None` for a call
    /// that was answered.
    pub const fn not_connected(self) -> Option<&'static str> {
        match self {
            CallResult::NoAnswer => Some("No answer"),
            CallResult::Busy => Some("Busy"),
            CallResult::Congestion => Some("Congestion"),
            CallResult::Failed | CallResult::ChanUnavail => Some("Chanunavail"),
            CallResult::Answer | CallResult::AnswerMachine | CallResult::Abandon => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_round_trips_through_its_string_and_serde() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + Serialize + for<'a> Deserialize<'a>>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for &v in all {
                assert_eq!(parse(as_str(v)), Some(v));
                let json = serde_json::to_string(&v).unwrap();
                assert_eq!(json, format!("\"{}\"", as_str(v)));
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v);
            }
        }
        check(
            TypeInteraction::ALL,
            TypeInteraction::as_str,
            TypeInteraction::parse,
        );
        check(CallResult::ALL, CallResult::as_str, CallResult::parse);
        check(
            CampaignStatus::ALL,
            CampaignStatus::as_str,
            CampaignStatus::parse,
        );
        check(CampaignType::ALL, CampaignType::as_str, CampaignType::parse);
        check(AgentStatus::ALL, AgentStatus::as_str, AgentStatus::parse);
        check(HangUp::ALL, HangUp::as_str, HangUp::parse);
        check(AmdResult::ALL, AmdResult::as_str, AmdResult::parse);
    }

    #[test]
    fn the_documented_strings_are_exact() {
        let ti: Vec<_> = TypeInteraction::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            ti,
            [
                "conference",
                "inbound",
                "internal call",
                "internal call_inb",
                "internal call_que",
                "out_pre",
                "outbound_ma",
                "transfer"
            ]
        );
        let r: Vec<_> = CallResult::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            r,
            [
                "answer",
                "no answer",
                "busy",
                "congestion",
                "failed",
                "answer machine",
                "abandon",
                "chanunavail"
            ]
        );
        let c3: Vec<_> = CallResult::ALL.iter().map(|t| t.campaign_3()).collect();
        assert_eq!(
            c3,
            [
                "ANSWER",
                "NO-ANSWER",
                "BUSY",
                "CONGESTION",
                "FAILED",
                "ANSWER-MACHINE",
                "ABANDON",
                "FAILED"
            ]
        );
        assert_eq!(
            CallResult::parse_campaign_3("NO-ANSWER"),
            Some(CallResult::NoAnswer)
        );
        assert_eq!(CallResult::parse_campaign_3("no answer"), None);
        for r in CallResult::ALL {
            assert_eq!(
                r.not_connected().is_some(),
                CallResult::NOT_CONNECTED.contains(r),
                "{r}"
            );
        }
    }
}
