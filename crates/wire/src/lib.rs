//! The Wolkvox API v2 wire format, and nothing else.
//!
//! Everything that crosses the API boundary is defined here once — paths, query
//! parameter and header names, field names, enum strings, date/duration/percent
//! formats, limits and the error catalogue — and used by both the Marcador
//! server and the client, so the two cannot drift apart.
//!
//! # Choices where the contract left one
//! - `code` is written as a JSON number; readers ([`Code`]) accept a number or a
//!   string, because real Wolkvox answers `"200"` on some endpoints.
//! - Request dates are civil times in the operation's zone; a time that falls in
//!   a DST gap resolves the "compatible" way (RFC 5545). Most LatAm zones have none.
//! - A range is valid when `date_ini <= date_end` and `date_end - date_ini` is at
//!   most 31 days; `date_end` is inclusive to the second.
//! - `chanunavail` has no upper-case spelling in campaign_3's documented set: it is
//!   written `FAILED` there (as Asterisk's CDR does) and `chanunavail` in calls_last_10.
//! - `abandon` (a person answered and found no agent) counts under `answer` in the
//!   real-time campaign report, which has no abandon column.

pub mod agent_reports;
pub mod api;
pub mod calls;
pub mod campaign;
pub mod campaign_reports;
pub mod catalog;
pub mod conn_id;
pub mod date;
pub mod diagrams;
pub mod enums;
pub mod envelope;
pub mod error;
pub mod format;
pub mod information;
pub mod interactions;
pub mod latency;
pub mod law2300;
pub mod limits;
pub mod records;
pub mod rows;
pub mod skill_reports;
pub mod smart_wait;
pub mod surveys;
pub mod upload;
pub mod wallboard;

pub use date::{DateError, DateRange, WireDate};
pub use enums::{
    AgentStatus, AmdResult, CallResult, CampaignStatus, CampaignType, Direction, HangUp,
    TypeInteraction,
};
pub use envelope::{Code, Envelope, WriteAnswer};
pub use error::WireError;
