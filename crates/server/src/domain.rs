//! Plain rules with no I/O: a record's states, which counter a result moves,
//! what a token looks like, what "today" is for an operation.

use jiff::{Timestamp, tz::TimeZone};
use marcador_wire::CallResult;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Where a record of a campaign's database stands.
///
/// ```text
///  clean ──pick──► dialing ──result──► dialed ──recycle──► clean (next cycle)
///    │                │                   │
///    └────────────────┴──── codify ───────┴──► codified (never dialed again…
///                                                 │
///                            dialed ◄── recall ───┘  …unless called back)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    Clean,
    Dialing,
    Dialed,
    Codified,
}

impl RecordStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Clean => "clean",
            RecordStatus::Dialing => "dialing",
            RecordStatus::Dialed => "dialed",
            RecordStatus::Codified => "codified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Clean, Self::Dialing, Self::Dialed, Self::Codified]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// The status after an attempt's result is known.
    pub const fn after_attempt(self) -> Self {
        match self.on(RecordEvent::Result) {
            Some(s) => s,
            None => self,
        }
    }

    /// The status after `event`, or `None` when the event does not apply to a
    /// record in this status (the store then leaves it unchanged). The store's
    /// conditional updates implement exactly this table.
    pub const fn on(self, event: RecordEvent) -> Option<Self> {
        use RecordEvent::*;
        use RecordStatus::*;
        match (self, event) {
            (Clean | Dialed, Pick) => Some(Dialing),
            (Dialing | Codified, Pick) => None,
            (Codified, Result) => Some(Codified),
            (_, Result) => Some(Dialed),
            (_, Codify) => Some(Codified),
            (Dialed, RecallByResult) => Some(Clean),
            (Clean | Dialing | Codified, RecallByResult) => None,
            (Codified, RecallByCode) => Some(Clean),
            (Clean | Dialing | Dialed, RecallByCode) => None,
            (Clean, Recall) => Some(Clean),
            (Dialed | Codified, Recall) => Some(Dialed),
            (Dialing, Recall) => None,
        }
    }

    /// Whether the record still counts as `clean` (not yet handled this cycle).
    pub const fn counts_as_clean(self) -> bool {
        matches!(self, RecordStatus::Clean)
    }
}

/// The phone column (1…10) to dial after column `after` (0 = from the start):
/// the next one that holds a number, or 0 when none is left.
pub fn next_phone_after(tels: &[String], after: u8) -> u8 {
    tels.iter()
        .enumerate()
        .skip(usize::from(after))
        .take(10)
        .find(|(_, t)| !t.trim().is_empty())
        .map(|(i, _)| i as u8 + 1)
        .unwrap_or(0)
}

/// Where a record's phone walk goes after an attempt on column `phone`:
/// a contact ends it for this cycle; anything else moves to the next number.
pub fn next_phone_after_attempt(tels: &[String], phone: u8, result: CallResult) -> u8 {
    if result == CallResult::Answer {
        0
    } else {
        next_phone_after(tels, phone)
    }
}

/// What can happen to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordEvent {
    /// The dialer takes it (a phone is left to dial).
    Pick,
    /// An attempt's result is written.
    Result,
    /// An agent or the API codifies it.
    Codify,
    /// recall_records by its last machine result.
    RecallByResult,
    /// recall_records by its activity code.
    RecallByCode,
    /// campaign.php's recall: called back at a date (a codified record too).
    Recall,
}

impl RecordEvent {
    pub const ALL: [RecordEvent; 6] = [
        RecordEvent::Pick,
        RecordEvent::Result,
        RecordEvent::Codify,
        RecordEvent::RecallByResult,
        RecordEvent::RecallByCode,
        RecordEvent::Recall,
    ];
}

impl RecordStatus {
    pub const ALL: [RecordStatus; 4] = [
        RecordStatus::Clean,
        RecordStatus::Dialing,
        RecordStatus::Dialed,
        RecordStatus::Codified,
    ];
}

/// The real-time report column a record's last result is counted in.
/// `abandon` (a person answered, no agent was free) counts as `answer`;
/// `chanunavail` with busy/congestion/failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultBucket {
    Answer,
    NoAnswer,
    BusyCongestionFailed,
    AnswerMachine,
}

impl ResultBucket {
    pub const fn of(result: CallResult) -> Self {
        match result {
            CallResult::Answer | CallResult::Abandon => ResultBucket::Answer,
            CallResult::NoAnswer => ResultBucket::NoAnswer,
            CallResult::Busy
            | CallResult::Congestion
            | CallResult::Failed
            | CallResult::ChanUnavail => ResultBucket::BusyCongestionFailed,
            CallResult::AnswerMachine => ResultBucket::AnswerMachine,
        }
    }

    /// Index into the counters `[answer, no_answer, busy_congestion_failed, answer_machine]`.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// A new token: 52 lower-case hex characters, like the vendor's.
pub fn generate_token() -> String {
    let mut bytes = [0u8; 26];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Tokens are stored as their SHA-256 (they are random, so no salt or KDF is needed).
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Constant-time comparison of a presented token's hash with a stored one.
pub fn token_matches(presented: &str, stored_hash: &[u8]) -> bool {
    hash_token(presented).ct_eq(stored_hash).into()
}

/// What a token may be, for the error that refuses one.
pub const TOKEN_RULE: &str = "a token is 1 to 200 printable ASCII characters without spaces";

/// A token as it may be presented: printable ASCII, at most 200 characters.
pub fn token_is_well_formed(token: &str) -> bool {
    !token.is_empty() && token.len() <= 200 && token.bytes().all(|b| b.is_ascii_graphic())
}

/// The first characters of a token, shown by `token list` to tell tokens apart.
pub fn token_prefix(token: &str) -> String {
    token.chars().take(6).collect()
}

/// The operation's calendar day of an instant, `YYYY-mm-dd` (quota and penetration_day).
pub fn local_day(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).date().to_string()
}

/// The Unix second the local day of `at` began in `tz` ("today" of the
/// real-time reports); `at` itself if the zone cannot say.
pub fn local_midnight(at: Timestamp, tz: &TimeZone) -> i64 {
    at.to_zoned(tz.clone())
        .start_of_day()
        .map(|z| z.timestamp().as_second())
        .unwrap_or(at.as_second())
}

/// How an agent's phone is reached, as telephony measures it (real_time
/// latency). Each report carries everything known so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhoneNetwork {
    /// From the INVITE to the phone's first answer to it (a 100 Trying, or
    /// more): one network round trip, as Asterisk's `qualify` measures with OPTIONS.
    pub latency_ms: Option<u32>,
    /// The phone's address: where its RTP comes from (or its SDP names).
    pub ip: String,
    /// The phone's User-Agent (or Server) header.
    pub user_agent: String,
    /// What the phone sends, as Marcador receives it (RFC 3550): the
    /// interarrival jitter in µs and the share of packets lost in basis points
    /// (1/100 of a percent). `None` until its RTP has been heard.
    pub tx_jitter_us: Option<u32>,
    pub tx_loss_bp: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_status_transitions() {
        for s in [
            RecordStatus::Clean,
            RecordStatus::Dialing,
            RecordStatus::Dialed,
            RecordStatus::Codified,
        ] {
            assert_eq!(RecordStatus::parse(s.as_str()), Some(s));
            let after = s.after_attempt();
            if s == RecordStatus::Codified {
                assert_eq!(after, RecordStatus::Codified, "codified is terminal");
            } else {
                assert_eq!(after, RecordStatus::Dialed);
            }
        }
        assert!(RecordStatus::Clean.counts_as_clean());
        assert!(!RecordStatus::Dialing.counts_as_clean());
    }

    #[test]
    fn the_phone_walk_skips_empty_columns_and_stops_on_contact() {
        let tels: Vec<String> = ["573001", "", " ", "573004"].map(String::from).to_vec();
        assert_eq!(next_phone_after(&tels, 0), 1);
        assert_eq!(next_phone_after(&tels, 1), 4);
        assert_eq!(next_phone_after(&tels, 4), 0);
        assert_eq!(next_phone_after(&[], 0), 0);
        assert_eq!(next_phone_after_attempt(&tels, 1, CallResult::NoAnswer), 4);
        assert_eq!(next_phone_after_attempt(&tels, 1, CallResult::Abandon), 4);
        assert_eq!(next_phone_after_attempt(&tels, 1, CallResult::Answer), 0);
    }

    #[test]
    fn every_result_has_one_bucket() {
        use CallResult::*;
        assert_eq!(ResultBucket::of(Abandon), ResultBucket::Answer);
        assert_eq!(
            ResultBucket::of(ChanUnavail),
            ResultBucket::BusyCongestionFailed
        );
        assert_eq!(ResultBucket::of(AnswerMachine).index(), 3);
        for r in CallResult::ALL {
            assert!(ResultBucket::of(*r).index() < 4);
        }
    }

    #[test]
    fn tokens_are_random_hex_and_compared_by_hash() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 52);
        assert!(token_is_well_formed(&a));
        assert!(token_matches(&a, &hash_token(&a)));
        assert!(!token_matches(&b, &hash_token(&a)));
        assert!(!token_is_well_formed("has space"));
        assert!(!token_is_well_formed(""));
    }

    #[test]
    fn erlang_c_staffs_the_textbook_case() {
        // 360 calls an hour of 4 minutes (24 Erlangs), 80 % in 20 s: 28
        // agents answer 76 % in time, 29 answer 84 %.
        assert_eq!(erlang_c_agents(360.0, 240.0, 3_600.0, 0.8, 20.0), 29);
        assert_eq!(erlang_c_agents(0.0, 240.0, 3_600.0, 0.8, 20.0), 0);
        assert_eq!(erlang_c_agents(1.0, 60.0, 3_600.0, 0.8, 20.0), 1);
    }

    #[test]
    fn the_day_is_the_operations_calendar_day() {
        let tz = TimeZone::get("America/Bogota").unwrap();
        // 03:00 UTC on the 23rd is 22:00 on the 22nd in Bogotá.
        let t: Timestamp = "2026-11-23T03:00:00Z".parse().unwrap();
        assert_eq!(local_day(t, &tz), "2026-11-22");
    }
}

/// Erlang C: the agents that answer `target` (0–1) of `calls` arriving over
/// `period_s` seconds within `within_s` seconds, each handled in `aht_s` on
/// average (skill_5's `agents_needed`). 0 without traffic.
pub fn erlang_c_agents(calls: f64, aht_s: f64, period_s: f64, target: f64, within_s: f64) -> i64 {
    if calls <= 0.0 || aht_s <= 0.0 || period_s <= 0.0 {
        return 0;
    }
    let traffic = calls * aht_s / period_s;
    // Erlang B by its recurrence, up to n agents.
    let mut blocking = 1.0;
    for n in 1..=10_000_i64 {
        let n_f = n as f64;
        blocking = traffic * blocking / (n_f + traffic * blocking);
        if n_f <= traffic {
            continue;
        }
        let waits = n_f * blocking / (n_f - traffic * (1.0 - blocking));
        let level = 1.0 - waits * (-(n_f - traffic) * within_s / aht_s).exp();
        if level >= target {
            return n;
        }
    }
    10_000
}

/// Where an agent is: the engine's agents report it, the store keeps it
/// (`agent_status.state`), real_time agents shows it as an
/// [`AgentStatus`](marcador_wire::AgentStatus) or the pause's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentPhase {
    #[default]
    Logout,
    /// Logged in; its phone is being called.
    Ring,
    Ready,
    TalkOut,
    TalkIn,
    Acw,
    Pause,
    /// Looking at a preview record before dialing it (counted as outbound time).
    Preview,
}

impl AgentPhase {
    pub const ALL: [AgentPhase; 8] = [
        AgentPhase::Logout,
        AgentPhase::Ring,
        AgentPhase::Ready,
        AgentPhase::TalkOut,
        AgentPhase::TalkIn,
        AgentPhase::Acw,
        AgentPhase::Pause,
        AgentPhase::Preview,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AgentPhase::Logout => "logout",
            AgentPhase::Ring => "ring",
            AgentPhase::Ready => "ready",
            AgentPhase::TalkOut => "talk_out",
            AgentPhase::TalkIn => "talk_in",
            AgentPhase::Acw => "acw",
            AgentPhase::Pause => "pause",
            AgentPhase::Preview => "preview",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The wire status; `None` for a pause, shown by its name.
    pub const fn wire(self) -> Option<marcador_wire::AgentStatus> {
        use marcador_wire::AgentStatus as S;
        match self {
            AgentPhase::Logout => Some(S::Logout),
            AgentPhase::Ring => Some(S::Ring),
            AgentPhase::Ready => Some(S::Ready),
            AgentPhase::TalkOut | AgentPhase::TalkIn | AgentPhase::Preview => Some(S::Talking),
            AgentPhase::Acw => Some(S::Acw),
            AgentPhase::Pause => None,
        }
    }
}

/// What an agent has done since it logged in: calls by direction and time
/// (ms) by phase. The engine adds to it as the agent moves; the store keeps
/// the latest (real_time agents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgentTimes {
    pub calls_in: i64,
    pub calls_out: i64,
    pub calls_internal: i64,
    pub ready_ms: i64,
    pub ring_ms: i64,
    pub inbound_ms: i64,
    pub outbound_ms: i64,
    pub acw_ms: i64,
    pub aux_ms: i64,
}

impl AgentTimes {
    /// Adds `ms` spent in `phase`.
    pub fn add(&mut self, phase: AgentPhase, ms: i64) {
        let ms = ms.max(0);
        match phase {
            AgentPhase::Logout => {}
            AgentPhase::Ring => self.ring_ms += ms,
            AgentPhase::Ready => self.ready_ms += ms,
            AgentPhase::TalkOut | AgentPhase::Preview => self.outbound_ms += ms,
            AgentPhase::TalkIn => self.inbound_ms += ms,
            AgentPhase::Acw => self.acw_ms += ms,
            AgentPhase::Pause => self.aux_ms += ms,
        }
    }
}

/// What an agent can do to the call it is on, each a toggle (agentbox hold
/// and mute): on hold neither side hears the other; muted, the customer does
/// not hear the agent. Both end with the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallAction {
    Hold,
    Mute,
}

impl CallAction {
    pub const fn as_str(self) -> &'static str {
        use marcador_wire::agent_reports::call_action;
        match self {
            CallAction::Hold => call_action::HOLD,
            CallAction::Mute => call_action::MUTE,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CallAction::Hold, CallAction::Mute]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}
