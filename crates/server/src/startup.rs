//! Building and running the application: the store, the HTTP listener and,
//! when the operation dials, the engine task. `serve`, `demo` and the test
//! servers all build an [`Application`]; the listener is bound first, so a test
//! can ask for port 0 and learn the real address before serving.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::api::{AppState, router_with};
use crate::clock::SharedClock;
use crate::config::{Config, Http};
use crate::engine::telephony::Telephony;
use crate::engine::{self, Engine, EngineConfig};
use crate::metrics::Metrics;
use crate::serve::{self, ConnectionStats};
use crate::store::{Location, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database {path}: {source}")]
    Store { path: String, source: StoreError },
    #[error("cannot serve: {source}")]
    Serve { source: StoreError },
    #[error("cannot start the engine: {0}")]
    Engine(StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

/// Binds the address to listen on, naming it if that fails (in use, not an address).
pub async fn bind(addr: &str) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Listen {
            addr: addr.to_owned(),
            source,
        })
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    extra: axum::Router<AppState>,
    http: Http,
    stats: Arc<ConnectionStats>,
    engine: Option<Engine>,
}

impl Application {
    /// Opens the configured database and binds the configured address.
    pub async fn build(config: &Config, clock: SharedClock) -> Result<Self, StartupError> {
        let location = Location::parse(&config.db);
        let store = Store::open(location.clone(), config.reader_connections)
            .await
            .map_err(|source| StartupError::Store {
                path: location.to_string(),
                source,
            })?;
        Self::with_store(store, config, clock).await
    }

    /// Serves an already opened store.
    pub async fn with_store(
        store: Store,
        config: &Config,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        let listener = bind(&config.listen).await?;
        Self::with_listener(store, listener, config, clock)
    }

    /// Serves an already opened store on a listener bound before (with
    /// [`bind`]: `demo` checks its address before it seeds the history).
    /// A SQLite database is served by this process alone (refused, naming the
    /// lock file, while another process serves it): see `Store::serve_alone`.
    pub fn with_listener(
        store: Store,
        listener: TcpListener,
        config: &Config,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        store
            .serve_alone()
            .map_err(|source| StartupError::Serve { source })?;
        let metrics = Arc::new(Metrics::new());
        let store = store.with_metrics(metrics.clone());
        Ok(Application {
            listener,
            state: AppState::new(store, clock, config.limits.clone(), metrics),
            extra: axum::Router::new(),
            http: config.http.clone(),
            stats: Arc::default(),
            engine: None,
        })
    }

    /// Adds routes behind the gate beside the Wolkvox ones (for tests).
    pub fn with_routes(mut self, extra: axum::Router<AppState>) -> Self {
        self.extra = extra;
        self
    }

    /// Dials: an engine for `cfg`'s operation over this store, placing calls
    /// through `tel` from `start`, runs against the application's clock while
    /// it serves, and stops (writing what has happened) when serving ends.
    pub async fn with_engine(
        mut self,
        cfg: EngineConfig,
        tel: impl Telephony + 'static,
        start: Timestamp,
    ) -> Result<Self, StartupError> {
        let operation = self
            .state
            .store
            .operation_name(cfg.operation_id)
            .await
            .map_err(StartupError::Engine)?;
        let mut engine = Engine::new(self.state.store.clone(), tel, cfg, start)
            .await
            .map_err(StartupError::Engine)?;
        engine.observe(self.state.metrics.clone(), operation);
        self.engine = Some(engine);
        Ok(self)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// A live count of the requests refused because two others were in flight
    /// on their token (the counter keeps counting after `run_until` starts).
    pub fn in_flight_refusals(&self) -> Arc<AtomicU64> {
        self.state.in_flight_refusals.clone()
    }

    /// A live count of the requests this process is serving (from the gate
    /// until their lease has ended, however they end).
    pub fn requests(&self) -> Arc<AtomicU64> {
        self.state.requests.clone()
    }

    /// Live counts of connections refused at the cap and closed by a timeout.
    pub fn connection_stats(&self) -> Arc<ConnectionStats> {
        self.stats.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let store = self.state.store.clone();
        let cancel = CancellationToken::new();
        let live = self.engine.map(|e| {
            tokio::spawn(engine::run_live(
                e,
                self.state.clock.clone(),
                cancel.clone(),
            ))
        });
        let sampler = tokio::spawn(crate::host::sample(self.state.host.clone(), cancel.clone()));
        let router = router_with(self.state, self.extra);
        let served = serve::serve(self.listener, router, &self.http, self.stats, shutdown).await;
        cancel.cancel();
        if let Some(live) = live {
            let _ = live.await;
        }
        let _ = sampler.await;
        store.close().await;
        served
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
