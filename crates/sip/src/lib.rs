//! SIP telephony: the engine's [`Telephony`] boundary over a real SIP trunk,
//! on the rsipstack stack (UDP and TCP).
//!
//! Outbound: every `Originate` becomes an INVITE to `sip:<number>@<trunk>`
//! (digest authentication when the trunk challenges, the configured caller
//! id in From), paced to `max_cps` and capped at `max_channels`; a `HangUp`
//! is a CANCEL while the call rings and a BYE once answered; a BYE from the
//! carrier is a hang-up by the customer. Each call runs in a task of its own
//! (`call.rs`) that turns the dialog's states and the INVITE's final answer
//! into [`TelEvent`]s, stamped with the application's clock and handed to the
//! engine through [`Telephony::drain`] (the engine is woken at once).
//!
//! Agents: an `OpenAgentLeg` calls the agent's phone (its SIP address, no
//! trunk) and keeps the line up until `CloseAgentLeg` or the phone hangs up
//! (`AgentLegDown`). `Bridge` connects a customer's media to an agent's
//! (`media.rs`: both legs' SDP name sockets of Marcador, which relays the
//! RTP between them). How each phone is reached is reported too
//! (`AgentNetwork`): the INVITE's round trip and the phone's User-Agent when
//! its leg comes up, then every `quality_every` the jitter and loss of its RTP
//! (`quality.rs`, RFC 3550).
//!
//! Answering-machine detection (`amd.rs`), for calls the engine originates
//! with `amd`: the answer is reported once the first seconds of the
//! customer's audio (tapped from its media) say person or machine, or the
//! analysis time runs out (`Unknown`). Without `amd`, an answer is
//! reported at once as `Unknown`, which the engine treats as a person.

pub mod amd;
mod call;
mod causes;
pub mod dtmf;
pub mod media;
pub mod quality;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use marcador_server::clock::SharedClock;
use marcador_server::engine::telephony::{Command, TelEvent, Telephony, Timed};
use marcador_server::setup::TelephonySetup;
use rsipstack::EndpointBuilder;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Method, StatusCode, Uri};
use rsipstack::transaction::endpoint::EndpointOption;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{TcpListenerConnection, TransportLayer};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

pub use causes::q850_of;

/// How Marcador reaches its trunk (`[telephony]` in the setup file).
#[derive(Debug, Clone, PartialEq)]
pub struct SipSettings {
    /// Marcador's SIP address (UDP and TCP).
    pub listen: SocketAddr,
    /// Where outbound INVITEs go: `sip:host:port`.
    pub trunk: String,
    /// Digest credentials, when the trunk asks for them.
    pub username: Option<String>,
    pub password: Option<String>,
    /// The user part of From (the number the customer sees), unless the engine gives one.
    pub caller_id: Option<String>,
    /// Calls up at once at most; an originate past it fails as congestion (Q.850 34).
    pub max_channels: usize,
    /// INVITEs sent per second at most; originates beyond it wait their turn.
    pub max_cps: f64,
    /// An INVITE nothing answers at all (not even 100 Trying) within this
    /// time is given up: CHANUNAVAIL.
    pub no_response: Duration,
    /// UDP ports for media (first, last); none: any free port.
    pub rtp_ports: Option<(u16, u16)>,
    /// Answering-machine detection's thresholds (for calls originated with `amd`).
    pub amd: amd::AmdSettings,
    /// How often an agent's phone's RTP quality is reported while its leg is up.
    pub quality_every: Duration,
}

impl SipSettings {
    pub fn new(listen: SocketAddr, trunk: impl Into<String>) -> Self {
        SipSettings {
            listen,
            trunk: trunk.into(),
            username: None,
            password: None,
            caller_id: None,
            max_channels: 100,
            max_cps: 10.0,
            no_response: Duration::from_secs(8),
            rtp_ports: None,
            amd: amd::AmdSettings::default(),
            quality_every: Duration::from_secs(10),
        }
    }
}

impl SipSettings {
    /// The settings `[telephony]` of a setup file asks for (already checked
    /// by the setup: `listen` and `trunk` are there).
    pub fn from_setup(t: &TelephonySetup) -> Result<Self, SipError> {
        let listen = t.listen.as_deref().unwrap_or_default();
        let listen: SocketAddr = listen.parse().map_err(|_| SipError::Listen {
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            reason: format!("telephony.listen {listen:?} is not ip:port"),
        })?;
        let mut s = SipSettings::new(listen, t.trunk.clone().unwrap_or_default());
        s.username.clone_from(&t.username);
        s.password.clone_from(&t.password);
        s.caller_id.clone_from(&t.caller_id);
        if let Some(n) = t.max_channels {
            s.max_channels = n;
        }
        if let Some(cps) = t.max_cps {
            s.max_cps = cps;
        }
        s.rtp_ports = t.rtp_range().map_err(SipError::Setup)?;
        s.amd = t.amd;
        Ok(s)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("{0}")]
    Setup(String),
    #[error("trunk {0:?} is not a SIP URI (sip:host:port)")]
    Trunk(String),
    #[error("cannot listen for SIP on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
}

/// Reports from call tasks, stamped with the application's clock.
#[derive(Clone)]
struct Reporter {
    clock: SharedClock,
    reports: Arc<Mutex<Vec<Timed>>>,
    wake: Arc<Notify>,
}

impl Reporter {
    fn report(&self, ev: TelEvent) {
        let at = self.clock.now().as_millisecond();
        if let Ok(mut r) = self.reports.lock() {
            r.push((at, ev));
        }
        self.wake.notify_one();
    }
}

/// SIP telephony, running until dropped.
pub struct SipTelephony {
    commands: mpsc::UnboundedSender<(i64, Command)>,
    reporter: Reporter,
    cancel: CancellationToken,
    local: SocketAddr,
    media_stats: Arc<media::MediaStats>,
}

impl SipTelephony {
    /// Listens on `settings.listen` and starts placing calls when commanded.
    pub async fn start(settings: SipSettings, clock: SharedClock) -> Result<Self, SipError> {
        let trunk = Uri::try_from(settings.trunk.as_str())
            .map_err(|_| SipError::Trunk(settings.trunk.clone()))?;
        let cancel = CancellationToken::new();
        let listen_err = |reason: String| SipError::Listen {
            addr: settings.listen,
            reason,
        };
        let transport = TransportLayer::new(cancel.clone());
        let udp =
            UdpConnection::create_connection(settings.listen, None, Some(cancel.child_token()))
                .await
                .map_err(|e| listen_err(e.to_string()))?;
        // The UDP port decides the address (port 0 picks one); TCP listens on the same.
        let local = udp
            .get_addr()
            .get_socketaddr()
            .map_err(|e| listen_err(e.to_string()))?;
        transport.add_transport(udp.into());
        let tcp = TcpListenerConnection::new(local, None)
            .await
            .map_err(|e| listen_err(e.to_string()))?;
        transport.add_transport(tcp.into());
        let option = EndpointOption {
            t1x64: settings.no_response,
            ..EndpointOption::default()
        };
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_user_agent("Marcador")
            .with_option(option)
            .build();
        let incoming = endpoint
            .incoming_transactions()
            .map_err(|e| listen_err(e.to_string()))?;
        let layer = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let inner = endpoint.inner.clone();
        tokio::spawn(async move {
            if let Err(e) = inner.serve().await {
                tracing::error!(error = %e, "SIP endpoint stopped");
            }
        });
        tokio::spawn(route_incoming(layer.clone(), incoming));
        let reporter = Reporter {
            clock,
            reports: Arc::default(),
            wake: Arc::new(Notify::new()),
        };
        let (commands, rx) = mpsc::unbounded_channel();
        let contact = Uri::try_from(format!("sip:marcador@{local}").as_str())
            .map_err(|e| listen_err(e.to_string()))?;
        let credential = settings.username.clone().map(|username| Credential {
            username,
            password: settings.password.clone().unwrap_or_default(),
            realm: None,
            auth_username: None,
        });
        let media_stats = Arc::new(media::MediaStats::default());
        let worker = call::Worker {
            layer,
            trunk,
            contact,
            credential,
            ports: media::Ports::new(settings.rtp_ports),
            stats: media_stats.clone(),
            settings,
            reporter: reporter.clone(),
            calls: HashMap::new(),
            agents: HashMap::new(),
            next_slot: tokio::time::Instant::now(),
            cancel: cancel.clone(),
            next_serial: 0,
        };
        tokio::spawn(worker.run(rx));
        tracing::info!(%local, "SIP telephony listening");
        Ok(SipTelephony {
            commands,
            reporter,
            cancel,
            local,
            media_stats,
        })
    }

    /// RTP packets received from far ends and relayed between bridged legs so far.
    pub fn media_counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.media_stats.received.load(Relaxed),
            self.media_stats.relayed.load(Relaxed),
        )
    }

    /// The address Marcador's SIP listens on (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Drop for SipTelephony {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl Telephony for SipTelephony {
    fn command(&mut self, now_ms: i64, cmd: Command) {
        // The worker outlives the sender unless it was cancelled: nothing to do then.
        let _ = self.commands.send((now_ms, cmd));
    }

    fn drain(&mut self, out: &mut Vec<Timed>) {
        if let Ok(mut r) = self.reporter.reports.lock() {
            out.append(&mut r);
        }
    }

    fn wake(&self) -> Option<Arc<Notify>> {
        Some(self.reporter.wake.clone())
    }
}

/// Requests from the carrier: in-dialog ones (BYE, re-INVITE, OPTIONS…) go to
/// their dialog; a new INVITE is refused (inbound calls over SIP are not
/// built); OPTIONS outside a dialog is answered, so the trunk can ping us.
async fn route_incoming(
    layer: Arc<DialogLayer>,
    mut incoming: rsipstack::transaction::TransactionReceiver,
) {
    while let Some(mut tx) = incoming.recv().await {
        match layer.match_dialog(&tx) {
            Some(Dialog::Invite(mut d)) => {
                tokio::spawn(async move {
                    if let Err(e) = d.handle(&mut tx).await {
                        tracing::debug!(error = %e, "in-dialog request failed");
                    }
                });
            }
            _ => {
                let status = match tx.original.method {
                    Method::Options => StatusCode::OK,
                    Method::Ack => continue,
                    Method::Invite => StatusCode::TemporarilyUnavailable,
                    _ => StatusCode::CallTransactionDoesNotExist,
                };
                if let Err(e) = tx.reply(status).await {
                    tracing::debug!(error = %e, "reply failed");
                }
            }
        }
    }
}
