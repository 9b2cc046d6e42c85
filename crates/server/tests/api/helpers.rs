//! `spawn_app()`: the real application on 127.0.0.1:0 over a fresh database,
//! with a hand-written fixture whose every number is known, and a clock that
//! only moves when a test moves it.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use marcador_server::api::AppState;
use marcador_server::clock::ManualClock;
use marcador_server::config::{Config, Limits};
use marcador_server::store::Backend;
use marcador_server::store::{
    AttemptFact, CallFact, Fact, IvrStepFact, NewCampaign, NewRecord, Store,
};
use marcador_server::testing::Serving;
use marcador_server::testing::TestDb;
use marcador_wire::{CallResult, CampaignType, HangUp, TypeInteraction};
use reqwest::StatusCode;
use serde_json::Value;

/// 2026-11-22 10:00:00 in Bogotá.
pub const NOW: &str = "2026-11-22T15:00:00Z";
pub const TZ: &str = "America/Bogota";

pub fn now() -> Timestamp {
    NOW.parse().unwrap()
}

pub fn at(offset_secs: i64) -> i64 {
    now().as_second() + offset_secs
}

/// A wire date (`YYYYmmddHHiiss`, Bogotá) `offset_secs` from [`NOW`].
pub fn wire(offset_secs: i64) -> String {
    Timestamp::from_second(at(offset_secs))
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get(TZ).unwrap())
        .strftime("%Y%m%d%H%M%S")
        .to_string()
}

tokio::task_local! {
    static BACKEND: Backend;
}

/// Runs a test body on `backend`: every database the body opens through
/// these helpers is of that backend.
pub async fn on<F: std::future::Future<Output = ()>>(backend: Backend, body: F) {
    BACKEND.scope(backend, body).await
}

/// The backend of the running test.
pub fn backend() -> Backend {
    BACKEND.try_with(|b| *b).unwrap_or(Backend::Sqlite)
}

/// A fresh database of the running test's backend.
pub async fn test_db() -> TestDb {
    TestDb::new(backend()).await.unwrap()
}

/// A fresh store of the running test's backend (keep the `TestDb` alive).
pub async fn test_store() -> (TestDb, Store) {
    let db = test_db().await;
    let store = Store::open(db.location(), 2).await.unwrap();
    (db, store)
}

/// A raw connection pool to a test database, for checks behind the store's back.
pub async fn raw_pool(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&db.url()).await.unwrap()
}

/// Defines one test twice, `NAME::sqlite` and `NAME::postgres`, both running
/// the same body `async fn NAME()`: one test definition, two stores.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::helpers::on(marcador_server::store::Backend::Sqlite, super::$name()).await
            }
            #[tokio::test]
            async fn postgres() {
                $crate::helpers::on(marcador_server::store::Backend::Postgres, super::$name()).await
            }
        }
    };
}

pub struct Op {
    pub id: i64,
    pub token: String,
    pub predictive: i64,
    pub preview: i64,
    pub rp: i64,
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub a: Op,
    pub b: Op,
    pub config: Config,
    routes: axum::Router<AppState>,
    serving: Option<Serving>,
    /// Last: the database outlives everything that uses it.
    pub db: TestDb,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Limits::default()).await
}

pub async fn spawn_with(limits: Limits) -> TestApp {
    spawn_full(|c| c.limits = limits, axum::Router::new()).await
}

/// The app with its configuration changed by `configure`, and `routes`
/// mounted behind the gate (see `marcador_server::testing::panicking_routes`).
pub async fn spawn_full(
    configure: impl FnOnce(&mut Config),
    routes: axum::Router<AppState>,
) -> TestApp {
    let db = test_db().await;
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        db: db.db_arg(),
        ..Config::default()
    };
    configure(&mut config);
    let store = Store::open(db.location(), 4).await.unwrap();
    let a = fixture_acme(&store).await;
    let b = fixture_globex(&store).await;
    let clock = ManualClock::new(now());
    let serving = Serving::start_with(store.clone(), &config, clock.clone(), routes.clone())
        .await
        .unwrap();
    TestApp {
        base: serving.base.clone(),
        store,
        clock,
        http: reqwest::Client::new(),
        a,
        b,
        config,
        routes,
        serving: Some(serving),
        db,
    }
}

impl TestApp {
    /// Stops the server and starts a new one on the same database file.
    pub async fn restart(&mut self) {
        if let Some(s) = self.serving.take() {
            s.stop().await;
        }
        self.store = Store::open(self.db.location(), 4).await.unwrap();
        let serving = Serving::start_with(
            self.store.clone(),
            &self.config,
            self.clock.clone(),
            self.routes.clone(),
        )
        .await
        .unwrap();
        self.base = serving.base.clone();
        self.serving = Some(serving);
    }

    /// The id of a valid token.
    pub async fn token_id(&self, token: &str) -> i64 {
        self.store
            .authenticate(token)
            .await
            .unwrap()
            .expect("a valid token")
            .token_id
    }

    /// The running server's connection counts.
    pub fn serving(&self) -> &Serving {
        self.serving.as_ref().expect("the app is serving")
    }

    pub fn advance(&self, secs: i64) {
        self.clock.advance(SignedDuration::from_secs(secs));
    }

    /// A request with a token (and a JSON body, if any); checks that the HTTP
    /// status equals the body's `code` (when the body is an envelope), and
    /// that a success is what the OpenAPI document says (`conformance.rs`).
    pub async fn request(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &str,
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("wolkvox-token", token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let (status, v) = checked(r).await;
        if status.is_success() {
            crate::conformance::assert_conforms(method.as_str(), path, &v);
        }
        (status, v)
    }

    /// A GET's status and body as sent (key order kept).
    pub async fn get_text(&self, token: &str, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("wolkvox-token", token)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::GET, token, path, "").await
    }

    pub async fn put(&self, token: &str, path: &str, body: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::PUT, token, path, body).await
    }

    pub async fn post(&self, token: &str, path: &str, body: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::POST, token, path, body).await
    }

    pub async fn delete(&self, token: &str, path: &str, body: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::DELETE, token, path, body)
            .await
    }

    pub async fn campaigns(&self, token: &str) -> Value {
        let (s, v) = self.get(token, "/api/v2/real_time.php?api=campaigns").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }
}

/// The keys of the answer's first row, in the order the server wrote them
/// (serde_json sorts a parsed object's keys, so they are found in the text:
/// their first place after `"data"` — `"records"` for campaign_15 — or from
/// the start for a bare array).
pub fn first_row_keys(body: &str) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    // Rows are in `data`, or in `records` (campaign_15), or the body is them.
    let field = if body.contains("\"records\":[") {
        "records"
    } else {
        "data"
    };
    let row = match &v {
        serde_json::Value::Array(rows) => rows.first()?,
        serde_json::Value::Object(o) => match o.get(field)? {
            serde_json::Value::Array(rows) => rows.first()?,
            other => other,
        },
        _ => return None,
    };
    let from = body.find(&format!("\"{field}\"")).unwrap_or(0);
    let mut keys: Vec<(usize, String)> = row
        .as_object()?
        .keys()
        .map(|k| {
            let at = body[from..]
                .find(&format!("\"{k}\":"))
                .unwrap_or(usize::MAX);
            (at, k.clone())
        })
        .collect();
    keys.sort();
    Some(keys.into_iter().map(|(_, k)| k).collect())
}

pub async fn checked(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    if let Some(code) = v.get("code") {
        // A number, or a string of one (the agent API writes "200").
        let code = code
            .as_u64()
            .or_else(|| code.as_str().and_then(|s| s.parse().ok()));
        assert_eq!(
            code,
            Some(u64::from(status.as_u16())),
            "HTTP status = code: {v}"
        );
    }
    (status, v)
}

/// The error envelope of the catalogue.
pub fn error(code: u16, error: &str, msg: &str) -> Value {
    serde_json::json!({"code": code, "error": error, "msg": msg})
}

pub fn no_data() -> Value {
    serde_json::json!({"code": 404, "error": "NOT FOUND", "msg": "0 records were found", "data": []})
}

pub fn record(id: &str, name: &str, last: &str, tels: &[&str], opts: &[&str]) -> NewRecord {
    NewRecord {
        customer_id: id.into(),
        customer_name: name.into(),
        customer_last_name: last.into(),
        id_type: "CC".into(),
        tels: tels.iter().map(|s| s.to_string()).collect(),
        opts: opts.iter().map(|s| s.to_string()).collect(),
        ..NewRecord::default()
    }
}

pub fn attempt(
    campaign: i64,
    record: i64,
    phone: u8,
    tel: &str,
    offset: i64,
    result: CallResult,
    conn: &str,
) -> Fact {
    Fact::Attempt(AttemptFact {
        campaign_id: campaign,
        record_id: record,
        phone,
        telephone: tel.into(),
        started_at: at(offset),
        result,
        raw_status: "TEST".into(),
        hangup_cause: None,
        conn_id: conn.into(),
        amd: None,
    })
}

pub fn call(
    op: i64,
    offset: i64,
    ti: TypeInteraction,
    result: CallResult,
    tel: &str,
    customer: &str,
    conn: &str,
) -> Fact {
    Fact::Call(CallFact {
        operation_id: op,
        started_at: at(offset),
        type_interaction: ti,
        result,
        telephone: tel.into(),
        customer_id: customer.into(),
        conn_id: conn.into(),
        campaign_id: None,
        rp_id: None,
        duration: 30,
        agent_id: None,
        skill_id: None,
        ring_seconds: 0,
        hang_up: HangUp::Customer,
        wait_seconds: None,
    })
}

pub fn step(op: i64, rp: i64, option: &str, offset: i64, seconds: i64) -> Fact {
    Fact::IvrStep(IvrStepFact {
        operation_id: op,
        rp_id: rp,
        conn_id: format!("1.0001.{}.1", at(offset)),
        option: option.into(),
        entered_at: at(offset),
        seconds,
    })
}

/// A campaign of `op` (started if predictive, speed 80).
pub async fn campaign(
    store: &Store,
    op: i64,
    name: &str,
    kind: CampaignType,
    skill: Option<i64>,
) -> i64 {
    store
        .create_campaign(
            &NewCampaign {
                operation_id: op,
                name: name.into(),
                description: String::new(),
                kind,
                started: kind == CampaignType::Predictive,
                speed: 80,
                skill_id: skill,
                opt_titles: vec![],
                window: None,
                amd: String::new(),
            },
            now(),
        )
        .await
        .unwrap()
}

/// Record ids of a campaign by customer id.
pub async fn record_ids(store: &Store, campaign: i64) -> Vec<i64> {
    store
        .campaign_record_phones(campaign)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect()
}

/// Operation "acme": predictive campaign with customers 1001 (two phones), 1002
/// and 1003; preview campaign with 2001; routing point "Principal".
async fn fixture_acme(store: &Store) -> Op {
    let t0 = now().checked_sub(SignedDuration::from_hours(48)).unwrap();
    let op = store.create_operation("acme", TZ, 1, t0).await.unwrap();
    let token = store
        .create_token(op, Some("acme-token".into()), t0)
        .await
        .unwrap();
    let skill = store.create_skill(op, "Cobranza").await.unwrap();
    store
        .put_activity_code(op, 1, "001", "Venta", true, true)
        .await
        .unwrap();
    store
        .put_activity_code(op, 1, "003", "No interesado", false, true)
        .await
        .unwrap();
    store
        .put_activity_code(op, 2, "A01", "Pago total", false, false)
        .await
        .unwrap();
    let predictive = campaign(store, op, "Cobranza", CampaignType::Predictive, Some(skill)).await;
    let preview = campaign(
        store,
        op,
        "Renovaciones",
        CampaignType::Preview,
        Some(skill),
    )
    .await;
    store
        .insert_records(
            predictive,
            &[
                record(
                    "1001",
                    "Ana",
                    "Gómez",
                    &["573001112233", "573004445566"],
                    &["100000", "30", "Tarjeta"],
                ),
                record(
                    "1002",
                    "Luis",
                    "Pérez",
                    &["573007778899"],
                    &["250000", "60"],
                ),
                record("1003", "Sofía", "Díaz", &["573009990000"], &[]),
            ],
            now(),
        )
        .await
        .unwrap();
    store
        .insert_records(
            preview,
            &[record("2001", "Marta", "Ruiz", &["573001234567"], &[])],
            now(),
        )
        .await
        .unwrap();
    let r = record_ids(store, predictive).await;
    let rp = store.create_routing_point(op, "Principal").await.unwrap();
    use CallResult::*;
    use TypeInteraction::*;
    store
        .record_facts(&[
            attempt(
                predictive,
                r[0],
                1,
                "573001112233",
                -7200,
                NoAnswer,
                "12001.0001.1.1",
            ),
            call(
                op,
                -7200,
                OutPre,
                NoAnswer,
                "573001112233",
                "1001",
                "12001.0001.1.1",
            ),
            attempt(
                predictive,
                r[0],
                2,
                "573004445566",
                -3600,
                Answer,
                "12001.0001.2.2",
            ),
            call(
                op,
                -3600,
                OutPre,
                Answer,
                "573004445566",
                "1001",
                "12001.0001.2.2",
            ),
            attempt(
                predictive,
                r[1],
                1,
                "573007778899",
                -30,
                Busy,
                "12001.0001.3.3",
            ),
            call(
                op,
                -30,
                OutPre,
                Busy,
                "573007778899",
                "1002",
                "12001.0001.3.3",
            ),
            call(
                op,
                -300,
                Inbound,
                Answer,
                "576011234567",
                "",
                "12001.0002.4.4",
            ),
            call(op, -660, InternalCall, Answer, "1001", "", "12001.0002.5.5"),
            step(op, rp, "1", -10_800, 20),
            step(op, rp, "2", -10_770, 10),
            step(op, rp, "PULSE", -5_400, 5),
            step(op, rp, "1", -10, 12),
        ])
        .await
        .unwrap();
    Op {
        id: op,
        token,
        predictive,
        preview,
        rp,
    }
}

/// Operation "globex": one predictive campaign, one record, one attempt.
async fn fixture_globex(store: &Store) -> Op {
    let op = store
        .create_operation("globex", TZ, 1, now())
        .await
        .unwrap();
    let token = store
        .create_token(op, Some("globex-token".into()), now())
        .await
        .unwrap();
    let skill = store.create_skill(op, "Ventas").await.unwrap();
    store
        .put_activity_code(op, 1, "001", "Venta", true, true)
        .await
        .unwrap();
    let predictive = campaign(store, op, "Ventas", CampaignType::Predictive, Some(skill)).await;
    let preview = campaign(store, op, "Preview", CampaignType::Preview, Some(skill)).await;
    store
        .insert_records(
            predictive,
            &[record("9001", "Pedro", "Mora", &["573111111111"], &[])],
            now(),
        )
        .await
        .unwrap();
    let r = record_ids(store, predictive).await;
    let rp = store.create_routing_point(op, "Globex IVR").await.unwrap();
    store
        .record_facts(&[
            attempt(
                predictive,
                r[0],
                1,
                "573111111111",
                -60,
                CallResult::Answer,
                "13001.0003.9.9",
            ),
            call(
                op,
                -60,
                TypeInteraction::OutPre,
                CallResult::Answer,
                "573111111111",
                "9001",
                "13001.0003.9.9",
            ),
            step(op, rp, "5", -60, 7),
        ])
        .await
        .unwrap();
    Op {
        id: op,
        token,
        predictive,
        preview,
        rp,
    }
}

/// An answer read off a raw connection.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How many reads the whole answer took.
    pub reads: usize,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// The body is the error envelope (JSON) and its code is the HTTP status.
    pub fn envelope(&self) -> Value {
        assert!(
            self.header("content-type")
                .is_some_and(|ct| ct.starts_with("application/json")),
            "content-type of an envelope: {:?}",
            self.header("content-type")
        );
        let v = self.json();
        assert_eq!(
            v["code"].as_u64(),
            Some(u64::from(self.status)),
            "HTTP status = code: {v}"
        );
        v
    }
}

/// Reads one answer with a `content-length` off `s` (after a request was
/// written): the head with httparse, then exactly the body.
pub async fn read_answer(s: &mut tokio::net::TcpStream) -> std::io::Result<RawAnswer> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut reads = 0;
    loop {
        let n = s.read(&mut chunk).await?;
        reads += 1;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("closed after {} bytes", buf.len()),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut fields);
        let Ok(httparse::Status::Complete(head_len)) = parsed.parse(&buf) else {
            continue;
        };
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        let status = parsed.code.unwrap_or(0);
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        if buf.len() >= head_len + length {
            return Ok(RawAnswer {
                status,
                headers,
                body: buf[head_len..head_len + length].to_vec(),
                reads,
            });
        }
    }
}

/// Writes `request` on a new connection to the app and reads the answer.
pub async fn raw_exchange(app: &TestApp, request: &[u8]) -> RawAnswer {
    use tokio::io::AsyncWriteExt;
    let mut s = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(request).await.unwrap();
    read_answer(&mut s).await.unwrap()
}
