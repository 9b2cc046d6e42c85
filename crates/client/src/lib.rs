//! The Marcador/Wolkvox API v2 client. For now it re-exports the wire types
//! (envelopes, rows, dates, errors) that a client needs; the typed, limit-aware
//! client is its own issue.

pub use marcador_wire as wire;
