//! End-to-end tests: each starts the real server on a free port with its own
//! database, and talks HTTP to it.

mod auth;
mod campaign_3;
mod campaigns;
mod codify;
mod companions;
mod diagram;
mod engine;
mod helpers;
mod limits;
mod store;
