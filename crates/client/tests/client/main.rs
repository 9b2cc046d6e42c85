//! The client against a real Marcador server (a demo dataset on a free port)
//! and against recorded answers (wiremock) for what Marcador never does.

mod helpers;
mod live;
mod mock;
