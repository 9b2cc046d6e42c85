//! The process's Prometheus metrics, served at `GET /metrics` in the text
//! exposition format (`prometheus-client`). One registry per application —
//! no process-wide recorder — so test servers sharing a process keep their
//! own numbers. The HTTP layer counts requests and refusals
//! (`api/observe.rs`, `api/gate.rs`), the store times its write
//! transactions, the engine publishes its dialer and agent gauges at every
//! tick, and the quota is read from the store when the page is asked for.
//! README "Metrics" lists each one.

use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The most distinct `api` label values kept: any other is counted as
/// `other`, so requests naming made-up apis cannot grow the page without end.
const MAX_API_LABELS: usize = 256;

/// A request, as counted.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    path: String,
    api: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    path: String,
    api: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CampaignLabels {
    operation: String,
    campaign: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentStateLabels {
    operation: String,
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TxLabels {
    kind: &'static str,
}

/// Why the gate refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Two requests of its token were already in flight.
    InFlight,
    /// The operation's daily quota was spent.
    Quota,
    /// No token, or one that is not valid.
    Token,
}

impl Refusal {
    fn label(self) -> &'static str {
        match self {
            Refusal::InFlight => "in_flight",
            Refusal::Quota => "quota",
            Refusal::Token => "token",
        }
    }
}

/// One campaign's dialer, as the engine sees it now.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignGauges {
    pub campaign: i64,
    /// Calls dialed and not yet answered or failed.
    pub in_flight: i64,
    /// Calls in flight per agent of its skill logged in (VICIdial's dial level).
    pub dial_level: f64,
    /// Abandoned ÷ answered by a person, over the pacing window.
    pub abandon_rate: f64,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Every metric of one application.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    refused: Family<ReasonLabels, Counter>,
    quota_used: Family<OperationLabels, Gauge>,
    quota_limit: Family<OperationLabels, Gauge>,
    calls_in_flight: Family<CampaignLabels, Gauge>,
    dial_level: Family<CampaignLabels, FloatGauge>,
    abandon_rate: Family<CampaignLabels, FloatGauge>,
    agents: Family<AgentStateLabels, Gauge>,
    store_tx: Family<TxLabels, Histogram>,
    apis: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Seconds from 1 ms to about 65 s, doubling: a request under the 60 s deadline.
fn request_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// Seconds from 0.1 ms to about 3 s, doubling: a write transaction.
fn tx_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_1, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("marcador");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by path, api and HTTP status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            request_buckets as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to a request's answer head (a streamed report goes on after it), by path and api",
            latency.clone(),
        );
        let refused = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "admissions_refused",
            "Requests the gate refused: in_flight (two already in flight on the token), quota, token",
            refused.clone(),
        );
        let quota_used = Family::<OperationLabels, Gauge>::default();
        registry.register(
            "quota_used",
            "Requests counted against the operation's daily quota today (its own time zone)",
            quota_used.clone(),
        );
        let quota_limit = Family::<OperationLabels, Gauge>::default();
        registry.register(
            "quota_limit",
            "The operation's daily quota: licenses × 1,000 requests",
            quota_limit.clone(),
        );
        let calls_in_flight = Family::<CampaignLabels, Gauge>::default();
        registry.register(
            "dialer_calls_in_flight",
            "Calls a campaign has dialed that are not answered or failed yet",
            calls_in_flight.clone(),
        );
        let dial_level = Family::<CampaignLabels, FloatGauge>::default();
        registry.register(
            "dialer_dial_level",
            "Calls in flight per logged-in agent of the campaign's skill",
            dial_level.clone(),
        );
        let abandon_rate = Family::<CampaignLabels, FloatGauge>::default();
        registry.register(
            "dialer_abandon_rate",
            "Abandoned ÷ person-answered calls of the campaign over the pacing window",
            abandon_rate.clone(),
        );
        let agents = Family::<AgentStateLabels, Gauge>::default();
        registry.register(
            "agents",
            "Agents of the operation by state (the engine's)",
            agents.clone(),
        );
        let store_tx =
            Family::<TxLabels, Histogram>::new_with_constructor(tx_buckets as fn() -> Histogram);
        registry.register(
            "store_transaction_seconds",
            "Write transactions, from asking for the writer to the commit, by what they write",
            store_tx.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            refused,
            quota_used,
            quota_limit,
            calls_in_flight,
            dial_level,
            abandon_rate,
            agents,
            store_tx,
            apis: Mutex::default(),
        }
    }

    /// A request answered with `status` after `took` (to its answer head).
    pub fn request(&self, path: &str, api: &str, status: u16, took: Duration) {
        let api = self.api_label(api);
        self.requests
            .get_or_create(&RequestLabels {
                path: path.to_owned(),
                api: api.clone(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                path: path.to_owned(),
                api,
            })
            .observe(took.as_secs_f64());
    }

    /// `api` as a label: itself while fewer than [`MAX_API_LABELS`] are kept, else `other`.
    fn api_label(&self, api: &str) -> String {
        let mut apis = self.apis.lock().unwrap_or_else(PoisonError::into_inner);
        if apis.contains(api) {
            return api.to_owned();
        }
        if apis.len() < MAX_API_LABELS {
            apis.insert(api.to_owned());
            return api.to_owned();
        }
        "other".to_owned()
    }

    pub fn refused(&self, why: Refusal) {
        self.refused
            .get_or_create(&ReasonLabels {
                reason: why.label(),
            })
            .inc();
    }

    /// The operation's quota today.
    pub fn quota(&self, operation: &str, used: i64, limit: i64) {
        let labels = OperationLabels {
            operation: operation.to_owned(),
        };
        self.quota_used.get_or_create(&labels).set(used);
        self.quota_limit.get_or_create(&labels).set(limit);
    }

    /// A write transaction of `kind` took `took`.
    pub fn store_transaction(&self, kind: &'static str, took: Duration) {
        self.store_tx
            .get_or_create(&TxLabels { kind })
            .observe(took.as_secs_f64());
    }

    /// The engine's view of `operation` now: each campaign's dialer, and its
    /// agents by state (every state named, so a state no agent is in reads 0).
    pub fn engine(
        &self,
        operation: &str,
        campaigns: &[CampaignGauges],
        agents: &[(&'static str, i64)],
    ) {
        for c in campaigns {
            let labels = CampaignLabels {
                operation: operation.to_owned(),
                campaign: c.campaign.to_string(),
            };
            self.calls_in_flight.get_or_create(&labels).set(c.in_flight);
            self.dial_level.get_or_create(&labels).set(c.dial_level);
            self.abandon_rate.get_or_create(&labels).set(c.abandon_rate);
        }
        for (state, n) in agents {
            self.agents
                .get_or_create(&AgentStateLabels {
                    operation: operation.to_owned(),
                    state,
                })
                .set(*n);
        }
    }

    /// The page: every metric in the text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// What the engine and the store hold to report to the application's metrics.
pub type SharedMetrics = Arc<Metrics>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_what_was_counted() {
        let m = Metrics::new();
        m.request(
            "/api/v2/real_time.php",
            "campaigns",
            200,
            Duration::from_millis(3),
        );
        m.refused(Refusal::InFlight);
        m.quota("acme", 12, 1_000);
        let page = m.render();
        assert!(page.contains(
            "marcador_http_requests_total{path=\"/api/v2/real_time.php\",api=\"campaigns\",status=\"200\"} 1"
        ), "{page}");
        assert!(page.contains("marcador_admissions_refused_total{reason=\"in_flight\"} 1"));
        assert!(page.contains("marcador_quota_used{operation=\"acme\"} 12"));
        assert!(page.ends_with("# EOF\n"), "{page}");
    }

    #[test]
    fn made_up_apis_share_one_label() {
        let m = Metrics::new();
        for i in 0..MAX_API_LABELS + 10 {
            m.request("/p", &format!("x{i}"), 400, Duration::ZERO);
        }
        assert!(m.render().contains("api=\"other\""));
    }
}
