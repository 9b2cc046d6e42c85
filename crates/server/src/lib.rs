//! Marcador's server: a Wolkvox-API-v2-compatible contact center.
//!
//! - [`domain`]: plain rules with no I/O (record states, result buckets, tokens).
//! - [`store`]: the store (SQLite or PostgreSQL) — facts appended, current state kept by the same transactions.
//! - [`api`]: the HTTP surface — thin handlers over the store, limits as middleware.
//! - [`serve`]: the HTTP/1.1 connections under it — caps, timeouts, graceful end.
//! - [`host`]: the machine it runs on, sampled for real_time.php's info_server.
//! - [`metrics`]: the Prometheus metrics of `GET /metrics`, one registry per application.
//! - [`demo`]: a seeded, deterministic operation with history, for `marcador demo`.
//! - [`startup`]: [`startup::Application`], which binds first so tests can use port 0.

pub mod api;
pub mod calling;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod host;
pub mod metrics;
pub mod serve;
pub mod setup;
pub mod startup;
pub mod store;
pub mod testing;
