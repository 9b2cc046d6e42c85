//! Marcador dialing for real, end to end: `serve` as a setup file with
//! `[telephony] kind = "sip"` builds it — the engine, SIP telephony, the
//! API — against sipp as the carrier (one scenario per way a call can go)
//! and, where a person answers, sipp as the agent's phone. Each test dials
//! one record and checks what a user reads through the API: the campaign_3
//! row and the real-time counters; and, for the answered call, the agent
//! through real_time agents and agentbox — and an agent's own call
//! (agentbox dial), its cdr_1 row.
//!
//! Needs `sipp` (Debian `sip-tester`; `.ci/run` installs it).

mod sipp;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use marcador_server::clock::{SharedClock, SystemClock};
use marcador_server::config::Config;
use marcador_server::setup::Setup;
use marcador_server::startup::Application;
use marcador_server::store::{Backend, NewCampaign, NewRecord, Store};
use marcador_server::testing::TestDb;
use marcador_sip::{SipSettings, SipTelephony};
use marcador_wire::CampaignType;
use serde_json::Value;
use sipp::{Sipp, speech};

const TOKEN: &str = "sip-dialer-token";
const NUMBER: &str = "573001234567";

/// A running Marcador dialing one record over SIP.
struct Marcador {
    base: String,
    http: reqwest::Client,
    campaign: i64,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
    _db: TestDb,
}

impl Marcador {
    /// Applies a SIP setup (trunk: the carrier sipp; an agent whose phone
    /// is `agent_phone`, if any), makes a started campaign of one record,
    /// and serves.
    async fn start(carrier: &Sipp, agent_phone: Option<&Sipp>, ring_timeout_s: u32) -> Marcador {
        Self::start_amd(carrier, agent_phone, ring_timeout_s, "").await
    }

    /// [`Marcador::start`], the campaign's answering-machine detection set to `amd`.
    async fn start_amd(
        carrier: &Sipp,
        agent_phone: Option<&Sipp>,
        ring_timeout_s: u32,
        amd: &str,
    ) -> Marcador {
        let agent = agent_phone.map_or(String::new(), |a| {
            format!(
                "[[agents]]\nid = \"1001\"\nname = \"Ana Gómez\"\nskills = [\"Cobranza\"]\n\
                 phone = \"sip:1001@127.0.0.1:{}\"\n",
                a.port
            )
        });
        let text = format!(
            "[operation]\nname = \"sip\"\ncalling_profile = \"open\"\nwrap_up_s = 30\n\n\
             [[activity_codes]]\ncode = \"001\"\ndescription = \"Promesa de pago\"\n\n\
             [[skills]]\nname = \"Cobranza\"\n\n[[pauses]]\nid = \"2\"\nname = \"Break\"\n\n{agent}\n\
             [telephony]\nkind = \"sip\"\nlisten = \"127.0.0.1:0\"\n\
             trunk = \"sip:127.0.0.1:{}\"\nring_timeout_s = {ring_timeout_s}\n",
            carrier.port
        );
        let setup = Setup::parse(&text).expect("the setup is valid");
        let db = TestDb::new(Backend::Sqlite).await.expect("a database");
        let store = Store::open(db.location(), 2)
            .await
            .expect("the store opens");
        let now = Timestamp::now();
        let applied = setup.apply(&store, now).await.expect("the setup applies");
        let op = applied.operation_id;
        store
            .create_token(op, Some(TOKEN.into()), now)
            .await
            .expect("a token");
        let campaign = store
            .create_campaign(
                &NewCampaign {
                    operation_id: op,
                    name: "Cartera".into(),
                    description: String::new(),
                    kind: CampaignType::Predictive,
                    started: true,
                    speed: 0,
                    skill_id: applied.skills.get("Cobranza").copied(),
                    opt_titles: vec![],
                    window: None,
                    amd: amd.into(),
                },
                now,
            )
            .await
            .expect("a campaign");
        let record = NewRecord {
            customer_id: "900100".into(),
            customer_name: "Luz".into(),
            customer_last_name: "Rojas".into(),
            id_type: "CC".into(),
            tels: vec![NUMBER.into()],
            ..NewRecord::default()
        };
        store
            .insert_records(campaign, &[record], now)
            .await
            .expect("the record");
        let (cfg, _) = setup.engine_config(&applied);
        let settings = SipSettings::from_setup(&setup.telephony).expect("SIP settings");
        let clock: SharedClock = Arc::new(SystemClock);
        let tel = SipTelephony::start(settings, clock.clone())
            .await
            .expect("SIP telephony starts");
        let config = Config {
            listen: "127.0.0.1:0".into(),
            ..Config::default()
        };
        let app = Application::with_store(store, &config, clock)
            .await
            .expect("the app")
            .with_engine(cfg, tel, now)
            .await
            .expect("the engine");
        let base = format!("http://{}", app.local_addr());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let served = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Marcador {
            base,
            http: reqwest::Client::new(),
            campaign,
            stop: Some(stop),
            served,
            _db: db,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str) -> Value {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("wolkvox-token", TOKEN)
            .send()
            .await
            .expect("the API answers");
        r.json().await.expect("JSON")
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path).await
    }

    async fn agentbox(&self, query: &str) -> Value {
        let path = format!("/api/v2/agentbox.php?agent_id=1001&{query}");
        self.call(reqwest::Method::POST, &path).await
    }

    /// campaign_3 of today, once it has a row (at most `within`).
    async fn attempt(&self, within: Duration) -> Value {
        let day = Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::get("America/Bogota").expect("the zone"))
            .strftime("%Y%m%d")
            .to_string();
        let path = format!(
            "/api/v2/reports_manager.php?api=campaign_3&campaign_id={}&date_ini={day}000000&date_end={day}235959",
            self.campaign
        );
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let v = self.get(&path).await;
            if v["code"] == 200 {
                return v["data"][0].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no attempt written: {v}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The campaign's real-time counters.
    async fn counters(&self) -> Value {
        self.get("/api/v2/real_time.php?api=campaigns").await[0].clone()
    }

    /// Ana's state in real_time agents.
    async fn agent_status(&self) -> String {
        let v = self.get("/api/v2/real_time.php?api=agents").await;
        v["data"][0]["agent_status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until Ana is in `status` (at most `within`).
    async fn agent_becomes(&self, status: &str, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let now = self.agent_status().await;
            if now == status {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the agent is {now}, not {status}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Logs Ana out (Marcador hangs up her phone, whose sipp then ends its
    /// scenario) and stops serving.
    async fn log_out_and_stop(self, phone: Sipp) {
        self.agentbox("api=change_status&status=logout").await;
        self.agent_becomes("Logout", Duration::from_secs(5)).await;
        let phone = phone.finished().await;
        self.stop().await;
        assert!(phone.success(), "agent phone sipp: {phone}");
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.served).await;
    }
}

/// The one record dialed against `scenario` by a campaign whose one agent
/// is ready (the dialer dials only for agents): its campaign_3 result, and
/// the real-time counters.
async fn one_call(scenario: &str, ring_timeout_s: u32) -> (Value, Value) {
    let phone = Sipp::start("agent_phone");
    let carrier = Sipp::start(scenario);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let marcador = Marcador::start(&carrier, Some(&phone), ring_timeout_s).await;
    marcador.agentbox("api=change_status&status=ready").await;
    let row = marcador.attempt(Duration::from_secs(15)).await;
    let counters = marcador.counters().await;
    let carrier = carrier.finished().await;
    assert!(carrier.success(), "carrier sipp: {carrier}");
    marcador.log_out_and_stop(phone).await;
    assert_eq!(row["telephone"], NUMBER);
    assert_eq!(row["customer_id"], "900100");
    assert_eq!(counters["dial"], "1", "{counters}");
    (row["result"].clone(), counters)
}

#[tokio::test]
async fn busy() {
    let (result, c) = one_call("busy", 30).await;
    assert_eq!(result, "BUSY");
    assert_eq!(c["busy/congestion/failed"], "1", "{c}");
}

#[tokio::test]
async fn congestion() {
    let (result, c) = one_call("congestion", 30).await;
    assert_eq!(result, "CONGESTION");
    assert_eq!(c["busy/congestion/failed"], "1", "{c}");
}

#[tokio::test]
async fn rings_until_our_cancel() {
    let (result, c) = one_call("ring_cancel", 2).await;
    assert_eq!(result, "NO-ANSWER");
    assert_eq!(c["no_answer"], "1", "{c}");
}

#[tokio::test]
async fn silence_is_chanunavail() {
    let (result, c) = one_call("silence", 30).await;
    // campaign_3 writes chanunavail as FAILED.
    assert_eq!(result, "FAILED");
    assert_eq!(c["busy/congestion/failed"], "1", "{c}");
}

#[tokio::test]
async fn answered_with_no_agent_ready_is_an_abandon() {
    // The agent is ready when the call is placed and takes a break while it
    // rings: the customer who answers waits 2 s for nobody, then we hang up.
    let phone = Sipp::start("agent_phone");
    let carrier = Sipp::start_with("answer_late_we_hang_up", &["-trace_logs"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let marcador = Marcador::start(&carrier, Some(&phone), 30).await;
    marcador.agentbox("api=change_status&status=ready").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !carrier.logs().contains("INVITE") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the record was not dialed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let paused = marcador.agentbox("api=change_status&status=2").await;
    assert_eq!(
        paused["msg"], "Agent status has been modified to Break",
        "{paused}"
    );
    let row = marcador.attempt(Duration::from_secs(15)).await;
    assert_eq!(row["result"], "ABANDON", "{row}");
    let c = marcador.counters().await;
    assert_eq!(c["answer"], "1", "a person answered: {c}");
    let carrier = carrier.finished().await;
    assert!(carrier.success(), "carrier sipp: {carrier}");
    assert_eq!(marcador.agent_status().await, "Break");
    marcador.log_out_and_stop(phone).await;
}

#[tokio::test]
async fn answered_bridged_and_typed_through_agentbox() {
    let phone = Sipp::start("agent_phone");
    let carrier = Sipp::start("answer_they_hang_up");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let marcador = Marcador::start(&carrier, Some(&phone), 30).await;
    assert_eq!(marcador.agent_status().await, "Logout");
    let ready = marcador.agentbox("api=change_status&status=ready").await;
    assert_eq!(
        ready["msg"], "Agent status has been modified to Ready",
        "{ready}"
    );
    // Marcador calls the agent's phone; the agent is then ready, the record
    // is dialed, the customer answers, talks and hangs up: after-call work.
    let row = marcador.attempt(Duration::from_secs(15)).await;
    assert_eq!(row["result"], "ANSWER", "{row}");
    marcador.agent_becomes("ACW", Duration::from_secs(10)).await;
    let carrier = carrier.finished().await;
    assert!(carrier.success(), "carrier sipp: {carrier}");
    let typed = marcador
        .agentbox("api=type&cod_act=001&cod_act_2=&comments=pagar")
        .await;
    assert_eq!(typed["msg"], "Type has been successful", "{typed}");
    assert_eq!(
        typed["data"]["conn_id"], row["conn_id"],
        "the typed call is the attempt's"
    );
    marcador
        .agent_becomes("Ready", Duration::from_secs(5))
        .await;
    let c = marcador.counters().await;
    assert_eq!(
        (&c["answer"], &c["hits"]),
        (&"1".into(), &"0".into()),
        "{c}"
    );
    // Logout hangs up the agent's phone: its sipp ends its scenario.
    marcador.log_out_and_stop(phone).await;
}

#[tokio::test]
async fn a_machine_is_recorded_hung_up_and_never_bridged() {
    let greeting = speech(
        "Hola, has llamado a Luz Rojas. No estoy disponible. Deja tu mensaje después del tono.",
        0.3,
        0.0,
        8.0,
    );
    let phone = Sipp::start("agent_phone");
    let carrier = Sipp::start_in("answer_and_speak", &[], &[("speech.ul", &greeting)]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let marcador = Marcador::start_amd(&carrier, Some(&phone), 30, "COL").await;
    marcador.agentbox("api=change_status&status=ready").await;
    let row = marcador.attempt(Duration::from_secs(15)).await;
    assert_eq!(row["result"], "ANSWER-MACHINE", "{row}");
    let c = marcador.counters().await;
    assert_eq!(c["answer_machine"], "1", "{c}");
    // campaign_7 shows what detection said of the answer.
    let day = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("America/Bogota").expect("the zone"))
        .strftime("%Y%m%d")
        .to_string();
    let amd = marcador
        .get(&format!(
            "/api/v2/reports_manager.php?api=campaign_7&campaign_id=all&date_ini={day}000000&date_end={day}235959"
        ))
        .await;
    assert_eq!(amd["data"][0]["result"], "machine", "{amd}");
    // Marcador hung up on the machine (sipp saw the BYE) and the agent never took it.
    let carrier = carrier.finished().await;
    assert!(carrier.success(), "carrier sipp: {carrier}");
    let agents = marcador.get("/api/v2/real_time.php?api=agents").await;
    assert_eq!(agents["data"][0]["agent_status"], "Ready", "{agents}");
    assert_eq!(agents["data"][0]["outbound"], "0", "{agents}");
    marcador.log_out_and_stop(phone).await;
}

#[tokio::test]
async fn a_phone_nobody_answers_logs_the_agent_out() {
    // The agent's phone rings and rings: at the ring timeout Marcador
    // cancels it (sipp checks the CANCEL) and the agent is logged out.
    let phone = Sipp::start("ring_cancel");
    let carrier = Sipp::start("busy");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let marcador = Marcador::start(&carrier, Some(&phone), 2).await;
    marcador.agentbox("api=change_status&status=ready").await;
    // sipp ends its scenario once it has the CANCEL, sent at the ring timeout;
    // then the agent is logged out, having rung about 2 s.
    let phone = phone.finished().await;
    assert!(phone.success(), "agent phone sipp: {phone}");
    marcador
        .agent_becomes("Logout", Duration::from_secs(5))
        .await;
    let agents = marcador.get("/api/v2/real_time.php?api=agents").await;
    let rang: i64 = agents["data"][0]["ring_time"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    assert!(
        (1..=4).contains(&rang),
        "its phone rang for the ring timeout: {agents}"
    );
    assert_eq!(marcador.counters().await["dial"], "0", "nobody to dial for");
    marcador.stop().await;
}

#[tokio::test]
async fn an_agent_dials_a_number_itself_over_the_trunk() {
    let phone = Sipp::start("agent_phone");
    let carrier = Sipp::start("answer_they_hang_up");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let marcador = Marcador::start(&carrier, Some(&phone), 30).await;
    // The campaign is stopped: the only call is the agent's own.
    let stopped = marcador
        .call(
            reqwest::Method::PUT,
            &format!(
                "/api/v2/campaign.php?api=stop&type_campaign=predictive&campaign_id={}",
                marcador.campaign
            ),
        )
        .await;
    assert_eq!(stopped["code"], 202, "{stopped}");
    marcador.agentbox("api=change_status&status=ready").await;
    marcador
        .agent_becomes("Ready", Duration::from_secs(10))
        .await;
    let dialed = marcador
        .agentbox(&format!(
            "api=dial&customer_phone={NUMBER}&customer_id=900100"
        ))
        .await;
    assert_eq!(dialed["msg"], "Dial has been successful", "{dialed}");
    let conn_id = dialed["data"]["conn_id"].clone();
    // The customer answers, talks and hangs up: after-call work, then typed.
    marcador.agent_becomes("ACW", Duration::from_secs(15)).await;
    let carrier = carrier.finished().await;
    assert!(carrier.success(), "carrier sipp: {carrier}");
    let typed = marcador.agentbox("api=type&cod_act=001").await;
    assert_eq!(typed["data"]["conn_id"], conn_id, "{typed}");
    marcador
        .agent_becomes("Ready", Duration::from_secs(5))
        .await;
    let day = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("America/Bogota").expect("the zone"))
        .strftime("%Y%m%d")
        .to_string();
    let cdr = marcador
        .get(&format!(
            "/api/v2/reports_manager.php?api=cdr_1&date_ini={day}000000&date_end={day}235959"
        ))
        .await;
    let row = &cdr["data"][0];
    assert_eq!(row["conn_id"], conn_id, "{cdr}");
    assert_eq!(
        (&row["type_interaction"], &row["telephone"], &row["cod_act"]),
        (&"outbound_ma".into(), &NUMBER.into(), &"001".into()),
        "{row}"
    );
    marcador.log_out_and_stop(phone).await;
}
