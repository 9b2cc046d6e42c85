//! End-to-end tests: each starts the real server on a free port with its own
//! database, and talks HTTP to it.

mod conformance;
#[macro_use]
mod helpers;

mod aborts;
mod agent_reports;
mod agents;
mod auth;
mod calls;
mod campaign_3;
mod campaign_edits;
mod campaign_reports;
mod campaigns;
mod codify;
mod companions;
mod connections;
mod diagram;
mod engine;
mod engine_tick;
mod envelopes;
mod fuzz;
mod information;
mod ivr_reports;
mod limits;
mod metrics;
mod openapi;
mod postman;
mod records;
mod skill_reports;
mod store;
mod telephony;
mod wallboard;
