//! A person at work, driven through the agent API as a CRM would drive it:
//! logged out at first, `ready` (its phone is called, then it takes calls),
//! typing a call while talking, hanging up, after-call work that ends at the
//! wrap-up time when nobody types, `hang_type_ready`, a pause that starts
//! after the call, logout — each seen in real_time agents, and none of it
//! counted against the quota; a hold and a mute, told to telephony and
//! timed in agent_9 and agent_10. The engine runs on the simulator in virtual
//! time; the API is the real server.

use jiff::SignedDuration;
use marcador_server::domain;
use std::sync::{Arc, Mutex};

use marcador_server::engine::sim::{SimProfile, SimTelephony};
use marcador_server::engine::telephony::{Command, TelEvent, Telephony, Timed};
use marcador_server::engine::{Engine, EngineConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::campaign_3::c3;
use crate::engine::setup;
use crate::helpers::*;

const AGENTS: &str = "/api/v2/real_time.php?api=agents";

fn agentbox(query: &str) -> String {
    format!("/api/v2/agentbox.php?agent_id=1001&{query}")
}

/// Everyone answers, and talks for an hour unless someone hangs up.
fn everyone_answers() -> SimProfile {
    SimProfile {
        human: 1000,
        machine: 0,
        busy: 0,
        congestion: 0,
        failed: 0,
        chanunavail: 0,
        answer_ring_ms: 5_000.0,
        talk_ms: 3_600_000.0,
        later_phone_factor: 1.0,
    }
}

/// The simulator, keeping every hold, mute and DTMF the engine tells it;
/// its phones refuse as many legs as `refuse` says first.
struct Listening {
    sim: SimTelephony,
    heard: Arc<Mutex<Vec<Command>>>,
    refuse: Arc<Mutex<u32>>,
    refused: Vec<Timed>,
}

impl Telephony for Listening {
    fn command(&mut self, now_ms: i64, cmd: Command) {
        if matches!(
            cmd,
            Command::Hold { .. }
                | Command::Mute { .. }
                | Command::Dtmf { .. }
                | Command::Join { .. }
        ) {
            self.heard.lock().unwrap().push(cmd.clone());
        }
        if let Command::OpenAgentLeg { agent, .. } = cmd {
            let mut refuse = self.refuse.lock().unwrap();
            if *refuse > 0 {
                *refuse -= 1;
                // 603 Decline: Q.850 21, call rejected.
                self.refused
                    .push((now_ms + 1_000, TelEvent::AgentLegDown { agent, q850: 21 }));
                return;
            }
        }
        self.sim.command(now_ms, cmd);
    }

    fn drain(&mut self, out: &mut Vec<Timed>) {
        self.sim.drain(out);
        out.append(&mut self.refused);
    }
}

struct Desk {
    app: TestApp,
    /// The holds, mutes and keys telephony was told.
    heard: Arc<Mutex<Vec<Command>>>,
    /// How many agent legs the phones refuse next.
    refuse: Arc<Mutex<u32>>,
    engine: Engine,
    token: String,
    op: i64,
    campaign: i64,
    elapsed: i64,
    /// Requests made that count against the quota.
    reads: std::cell::Cell<i64>,
}

impl Desk {
    /// Moves the engine and the API's clock on by `secs`.
    async fn run(&mut self, secs: i64) {
        self.elapsed += secs;
        self.app.advance(secs);
        let until = now()
            .checked_add(SignedDuration::from_secs(self.elapsed))
            .unwrap();
        self.engine.run_until(until).await.unwrap();
    }

    async fn post(&self, query: &str) -> (StatusCode, Value) {
        self.app.post(&self.token, &agentbox(query), "").await
    }

    /// Runs until Ana talks on a call (at most five minutes).
    async fn until_talking(&mut self) {
        for _ in 0..60 {
            self.run(5).await;
            if self.status().await == "Talking" {
                return;
            }
        }
        panic!("Ana took no call in five minutes");
    }

    /// A read, counted against the quota.
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.reads.set(self.reads.get() + 1);
        self.app.get(&self.token, path).await
    }

    /// Ana's real_time row.
    async fn ana(&self) -> Value {
        self.reads.set(self.reads.get() + 1);
        let (s, v) = self.app.get(&self.token, AGENTS).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent_id"] == "1001")
            .cloned()
            .unwrap()
    }

    async fn status(&self) -> String {
        self.ana().await["agent_status"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

async fn desk() -> Desk {
    desk_of(&[("1001", "Ana Gómez")]).await
}

/// A desk whose people are `people` (extension, name), all of the skill.
async fn desk_of(people: &[(&str, &str)]) -> Desk {
    let app = spawn_app().await;
    let store = app.store.clone();
    let (op, campaign) = setup(&store, 0, 6).await;
    let skill = store.skill_id(op, "Cobranza").await.unwrap().unwrap();
    for (code, name) in people {
        store
            .put_agent(
                op,
                code,
                name,
                &[skill],
                Some(&format!("sip:{code}@192.0.2.10")),
            )
            .await
            .unwrap();
    }
    store.put_pause(op, "7", "Almuerzo").await.unwrap();
    let token = store
        .create_token(op, Some("agents-token".into()), now())
        .await
        .unwrap();
    let mut cfg = EngineConfig::new(op, 5);
    cfg.wrap_up_ms = 45_000;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let refuse = Arc::new(Mutex::new(0));
    let tel = Listening {
        sim: SimTelephony::new(5, everyone_answers()),
        heard: heard.clone(),
        refuse: refuse.clone(),
        refused: Vec::new(),
    };
    let engine = Engine::new(store, tel, cfg, now()).await.unwrap();
    let mut d = Desk {
        app,
        heard,
        refuse,
        engine,
        token,
        op,
        campaign,
        elapsed: 0,
        reads: std::cell::Cell::new(0),
    };
    d.run(1).await;
    d
}

/// Asserts that each of `keys` is in `text` (a JSON answer), in this order;
/// how many there are.
fn in_order(text: &str, keys: &[&str]) -> usize {
    let at: Vec<usize> = keys
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k}: {text}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    at.len()
}

/// A reports_manager request for `api` from a minute before NOW to `until` s after it.
fn report(api: &str, until: i64) -> String {
    format!(
        "/api/v2/reports_manager.php?api={api}&date_ini={}&date_end={}",
        wire(-60),
        wire(until)
    )
}

fn ok(msg: &str) -> Value {
    json!({"code": "200", "error": null, "msg": msg})
}

both!(an_agent_is_driven_through_agentbox);
async fn an_agent_is_driven_through_agentbox() {
    let mut d = desk().await;
    let day = domain::local_day(now(), &jiff::tz::TimeZone::get(TZ).unwrap());
    let quota_before = d.app.store.quota_used(d.op, &day).await.unwrap();

    // People start logged out; nothing to hang up or type yet.
    let ana = d.ana().await;
    assert_eq!(ana["agent_name"], "Ana Gómez");
    assert_eq!(ana["agent_status"], "Logout");
    // The documented fields, in the documented order.
    let text = d
        .app
        .http
        .get(format!("{}{AGENTS}", d.app.base))
        .header("wolkvox-token", &d.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    d.reads.set(d.reads.get() + 1);
    let fields = in_order(
        &text,
        &[
            "agent_id",
            "agent_name",
            "agent_status",
            "calls",
            "inbound",
            "outbound",
            "internal",
            "time_state_now",
            "ready_time",
            "inbound_time",
            "outbound_time",
            "acw_time",
            "ring_time",
            "login_time",
            "aht_time",
            "ocupation",
            "aux_time",
        ],
    );
    assert_eq!(ana.as_object().unwrap().len(), fields, "{ana}");
    let (s, v) = d.post("api=hang").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = d.post("api=type&cod_act=001").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = d.post("api=change_status&status=7").await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a logged-out agent cannot pause: {v}"
    );

    // Ready: logged in, the phone is called, then calls come.
    let (s, v) = d.post("api=change_status&status=ready").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::OK,
            ok("Agent status has been modified to Ready")
        )
    );
    d.run(1).await;
    assert_eq!(d.status().await, "Ready");
    d.run(20).await;
    let ana = d.ana().await;
    assert_eq!(ana["agent_status"], "Talking", "{ana}");
    assert_eq!(ana["outbound"], "1");

    // Typed while talking, then hung up: no after-call work.
    let (s, v) = d
        .post("api=type&cod_act=001&cod_act_2=&comments=pagar%C3%A1")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["msg"], "Type has been successful");
    let conn_id = v["data"]["conn_id"].as_str().unwrap().to_owned();
    assert!(!conn_id.is_empty(), "{v}");
    let (s, v) = d.post("api=type&cod_act=001").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "typed once only: {v}");
    let (s, v) = d.post("api=hang").await;
    assert_eq!((s, v), (StatusCode::OK, ok("Hang has been successful")));
    d.run(1).await;
    assert_eq!(d.status().await, "Ready");
    let pool = raw_pool(&d.app.db).await;
    let typed: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT customer_id, cod_act, comment FROM records WHERE campaign_id = $1 AND status = 'codified'",
    )
    .bind(d.campaign)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(typed.len(), 1, "{typed:?}");
    assert_eq!(
        (typed[0].1.as_str(), typed[0].2.as_str()),
        ("001", "pagará")
    );
    d.reads.set(d.reads.get() + 1);
    let (s, v) = d
        .app
        .get(&d.token, &c3(d.campaign, &wire(-60), &wire(600)))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["conn_id"] == conn_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the typed call's attempt: {v}"));
    assert_eq!(
        (&row["customer_id"], &row["result"]),
        (&json!(typed[0].0), &json!("ANSWER"))
    );

    // Hung up untyped: after-call work, ended by the wrap-up time.
    d.run(20).await;
    assert_eq!(d.status().await, "Talking");
    d.post("api=hang").await;
    d.run(1).await;
    assert_eq!(d.status().await, "ACW");
    d.run(30).await;
    assert_eq!(d.status().await, "ACW");
    d.run(16).await;
    assert_eq!(d.status().await, "Ready", "45 s of wrap-up");

    // Hung up untyped, then codified through campaign.php: after-call work ends at once.
    d.run(20).await;
    assert_eq!(d.status().await, "Talking");
    d.post("api=hang").await;
    d.run(1).await;
    assert_eq!(d.status().await, "ACW");
    let (customer,): (String,) = sqlx::query_as(
        "SELECT s.customer_id FROM agent_status s JOIN agents a ON a.id = s.agent_id WHERE a.code = '1001'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    d.reads.set(d.reads.get() + 1);
    let codify = format!(
        "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={}",
        d.campaign
    );
    let body = format!(r#"{{"customer_id":"{customer}","cod_act":"003"}}"#);
    let (s, v) = d.app.put(&d.token, &codify, &body).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    d.run(1).await;
    assert_eq!(
        d.status().await,
        "Ready",
        "codified: after-call work is over"
    );

    // A pause asked for during a call starts after it; hang_type_ready ends the call.
    d.run(20).await;
    assert_eq!(d.status().await, "Talking");
    let (s, v) = d.post("api=change_status&status=7").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::OK,
            ok("Agent status has been modified to Almuerzo")
        )
    );
    d.run(1).await;
    assert_eq!(d.status().await, "Talking");
    let (s, v) = d.post("api=hang_type_ready&cod_act=003&comments=no").await;
    assert_eq!((s, v), (StatusCode::OK, ok("Type has been successful")));
    d.run(1).await;
    // hang_type_ready's ready comes after the pause was asked: ready wins.
    assert_eq!(d.status().await, "Ready");
    d.post("api=change_status&status=7").await;
    d.run(1).await;
    assert_eq!(d.status().await, "Almuerzo");
    d.run(30).await;
    let ana = d.ana().await;
    assert_eq!(ana["agent_status"], "Almuerzo");
    assert!(
        ana["aux_time"].as_str().unwrap().parse::<i64>().unwrap() >= 30,
        "{ana}"
    );
    assert_eq!(ana["outbound"], "4", "{ana}");

    // Each call's codes, as the call reports read them: typed through
    // agentbox, timed out (TIMEOUTACW), codified through campaign.php, typed
    // with hang_type_ready.
    d.reads.set(d.reads.get() + 1);
    let act_5 = format!(
        "/api/v2/reports_manager.php?api=act_5&cod_act=cod_act1&date_ini={}&date_end={}",
        wire(-60),
        wire(3_600)
    );
    let (s, v) = d.app.get(&d.token, &act_5).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let counts: Vec<(&str, &str)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["cod_act"].as_str().unwrap(), r["count"].as_str().unwrap()))
        .collect();
    assert_eq!(counts, [("001", "1"), ("003", "2"), ("TIMEOUTACW", "1")]);
    // The call typed through agentbox, as cdr_1 shows it: Ana took it, hung
    // it up, and typed it.
    d.reads.set(d.reads.get() + 1);
    let cdr_1 = format!(
        "/api/v2/reports_manager.php?api=cdr_1&date_ini={}&date_end={}",
        wire(-60),
        wire(3_600)
    );
    let (s, v) = d.app.get(&d.token, &cdr_1).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let call = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["conn_id"] == conn_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the typed call in cdr_1: {v}"));
    for (field, want) in [
        ("agent_id", "1001"),
        ("agent_name", "Ana Gómez"),
        ("skill_name", "Cobranza"),
        ("hang_up", "agent"),
        ("cod_act", "001"),
        ("comment", "pagará"),
        ("type_interaction", "out_pre"),
    ] {
        assert_eq!(call[field], want, "{field}: {call}");
    }

    // Logout.
    let (s, v) = d.post("api=change_status&status=logout").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::OK,
            ok("Agent status has been modified to Logout")
        )
    );
    d.run(1).await;
    assert_eq!(d.status().await, "Logout");
    // The session, its pause and its calls are in the agent reports.
    let reports = |api: &str| {
        format!(
            "/api/v2/reports_manager.php?api={api}&date_ini={}&date_end={}",
            wire(-60),
            wire(d.elapsed + 60)
        )
    };
    let (s, v) = d.app.get(&d.token, &reports("agent_7")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let session = &v["data"][0];
    assert_eq!(session["agent_id"], "1001", "{v}");
    assert_ne!(session["logout"], "", "{v}");
    let (_, v) = d.app.get(&d.token, &reports("agent_3")).await;
    assert_eq!(v["data"][0]["aux_state"], "Almuerzo", "{v}");
    assert_ne!(v["data"][0]["time"], "00:00:00", "{v}");
    let (_, v) = d.app.get(&d.token, &reports("agent_1")).await;
    assert_eq!(v["data"][0]["agent_id"], "1001", "{v}");
    assert_ne!(v["data"][0]["outbound"], "0", "{v}");
    assert_ne!(v["data"][0]["outbound_time"], "00:00:00", "{v}");
    d.reads.set(d.reads.get() + 3);

    // Mistakes.
    let (s, v) = d
        .app
        .post(&d.token, "/api/v2/agentbox.php?agent_id=999&api=hang", "")
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::NOT_FOUND,
            error(
                404,
                "NOT FOUND",
                "AGENT_ID 999 IS NOT AN AGENT OF THIS OPERATION"
            )
        )
    );
    let (s, v) = d.post("api=change_status&status=siesta").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = d.post("api=change_status").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::BAD_REQUEST,
            error(400, "BAD REQUEST", "SOME PARAMETERS ARE REQUIRED")
        )
    );
    let (s, v) = d.post("api=transferir").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = d.app.get(&d.token, &agentbox("api=hang")).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);

    // information.php lists the agents, and a skill's.
    d.reads.set(d.reads.get() + 4);
    let (s, v) = d
        .app
        .get(&d.token, "/api/v2/information.php?api=agents&agent=1001")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ana = &v["data"][0];
    assert_eq!(
        (&ana["agent_id"], &ana["agent_name"]),
        (&json!("1001"), &json!("Ana Gómez"))
    );
    assert_eq!(
        (&ana["agent_status"], &ana["enabled"]),
        (&json!("Logout"), &json!("yes"))
    );
    assert!(
        ana["last_use"].as_str().unwrap().starts_with("2026-11-22 "),
        "{ana}"
    );
    let skill = d
        .app
        .store
        .skill_id(d.op, "Cobranza")
        .await
        .unwrap()
        .unwrap();
    let in_skill = format!("/api/v2/information.php?api=agents_in_skill&skill_id={skill}");
    let (s, v) = d.app.get(&d.token, &in_skill).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"][0]["agent_id"], "1001", "{v}");
    let (s, _) = d
        .app
        .get(
            &d.token,
            "/api/v2/information.php?api=agents_in_skill&skill_id=999",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = d
        .app
        .get(&d.token, "/api/v2/information.php?api=agents&agent=4242")
        .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));

    // The agent API is not counted against the quota; real_time is.
    let used = d.app.store.quota_used(d.op, &day).await.unwrap() - quota_before;
    assert_eq!(used, d.reads.get(), "only the reads were counted");
}

both!(an_agent_holds_and_mutes_its_call);
async fn an_agent_holds_and_mutes_its_call() {
    let mut d = desk().await;
    let (s, v) = d.post("api=hold").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "not on a call: {v}");
    d.post("api=change_status&status=ready").await;
    d.run(21).await;
    assert_eq!(d.status().await, "Talking");

    // Hold, for 30 s; mute, until the call ends 10 s later.
    let (s, v) = d.post("api=hold").await;
    assert_eq!(
        (s, v),
        (StatusCode::OK, ok("Hold agentbox has been excecuted"))
    );
    d.run(30).await;
    d.post("api=hold").await;
    d.run(5).await;
    let (s, v) = d.post("api=mute").await;
    assert_eq!(
        (s, v),
        (StatusCode::OK, ok("Microphone agentbox has been excecuted"))
    );
    d.run(10).await;
    d.post("api=hang").await;
    d.run(1).await;
    let heard = d.heard.lock().unwrap().clone();
    let on: Vec<(bool, bool)> = heard
        .iter()
        .map(|c| match c {
            Command::Hold { on, .. } => (true, *on),
            Command::Mute { on, .. } => (false, *on),
            _ => unreachable!(),
        })
        .collect();
    // Hold on, off; mute on, and off again when the call ended.
    assert_eq!(
        on,
        [(true, true), (true, false), (false, true), (false, false)],
        "{heard:?}"
    );

    let report = |api: &str| report(api, 600);
    let (s, v) = d.app.get(&d.token, &report("agent_9")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = &v["data"][0];
    assert_eq!(
        (&row["agent_name"], &row["count"]),
        (&json!("Ana Gómez"), &json!("2")),
        "{v}"
    );
    let secs = |v: &Value| {
        let hms: Vec<i64> = v
            .as_str()
            .unwrap()
            .split(':')
            .map(|p| p.parse().unwrap())
            .collect();
        hms[0] * 3600 + hms[1] * 60 + hms[2]
    };
    assert!((29..=31).contains(&secs(&row["hold_time"])), "{row}");
    assert!((9..=11).contains(&secs(&row["mute_time"])), "{row}");
    let (s, v) = d.app.get(&d.token, &report("agent_10")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    assert_eq!(
        (&rows[0]["type_action"], &rows[1]["type_action"]),
        (&json!("hold"), &json!("mute"))
    );
    for r in rows {
        assert_eq!(r["agent_id"], "1001");
        assert_eq!(r["conn_id"], rows[0]["conn_id"], "one call: {v}");
        assert_eq!(r["type_interaction"], "out_pre", "{r}");
        assert_ne!(r["telephone"], "", "the call's telephone: {r}");
        assert_ne!(r["customer_id"], "", "the call's customer: {r}");
    }
}

both!(an_agent_dials_a_number_itself);
async fn an_agent_dials_a_number_itself() {
    let mut d = desk().await;
    // Nothing else comes to the agent: the campaign is stopped.
    d.app
        .store
        .set_campaign_started(d.op, d.campaign, false)
        .await
        .unwrap();
    let (s, v) = d.post("api=dial&customer_phone=573001234567").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("IS LOGOUT"), "{v}");
    d.post("api=change_status&status=ready").await;
    d.run(2).await;
    assert_eq!(d.status().await, "Ready");

    // A number that is not one, one on the do-not-call list.
    let (s, v) = d.post("api=dial&customer_phone=12ab").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    d.app
        .store
        .add_dnc(d.op, &[("573009999999".into(), at(86_400))])
        .await
        .unwrap();
    let (s, v) = d.post("api=dial&customer_phone=573009999999").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("DO-NOT-CALL"), "{v}");

    // Dialed: the answer carries the call's id; the agent hears it ring,
    // talks when it is answered, types it, hangs up.
    let (s, v) = d
        .post("api=dial&customer_phone=573001234567&customer_id=900123&customer_name=Ana%20P%C3%A9rez")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["msg"], "Dial has been successful");
    let conn_id = v["data"]["conn_id"].as_str().unwrap().to_owned();
    assert!(conn_id.starts_with(&format!("{}.", 12_000 + d.op)), "{v}");
    d.run(1).await;
    assert_eq!(d.status().await, "Talking", "ringing is outbound talk");
    let (s, v) = d.post("api=dial&customer_phone=573001234567").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "one call at a time: {v}");
    d.run(10).await;
    let (s, v) = d.post("api=type&cod_act=001&comments=llamar%20luego").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"]["conn_id"], conn_id.as_str());
    let (s, v) = d.post("api=type&cod_act=001").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "typed once: {v}");
    d.post("api=hang").await;
    d.run(1).await;
    assert_eq!(
        d.status().await,
        "Ready",
        "typed already: no after-call work"
    );

    let (s, v) = d
        .app
        .get(
            &d.token,
            &format!(
                "/api/v2/reports_manager.php?api=cdr_1&date_ini={}&date_end={}",
                wire(-60),
                wire(600)
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["conn_id"] == conn_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the dialed call's row: {v}"));
    assert_eq!(row["type_interaction"], "outbound_ma", "{row}");
    assert_eq!(row["telephone"], "573001234567", "{row}");
    assert_eq!(row["customer_id"], "900123", "{row}");
    assert_eq!(row["agent_id"], "1001", "{row}");
    assert_eq!(row["cod_act"], "001", "{row}");
    assert_eq!(row["campaign_id"], "", "no campaign: {row}");
    // No record was dialed: no attempt carries the call.
    d.reads.set(d.reads.get() + 1);
    let (_, v) = d
        .app
        .get(&d.token, &c3(d.campaign, &wire(-60), &wire(600)))
        .await;
    assert!(!v.to_string().contains(&conn_id), "{v}");
}

both!(an_agent_calls_back_a_cut_predictive_customer);
async fn an_agent_calls_back_a_cut_predictive_customer() {
    let mut d = desk().await;
    d.post("api=change_status&status=ready").await;
    d.run(1).await;
    let (s, v) = d.post("api=aux_call&customer_phone=573005550000").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "nothing was cut yet: {v}");
    d.run(20).await;
    assert_eq!(d.status().await, "Talking");
    let customer = d.ana().await;
    // The predictive call drops (here: hung up): after-call work, untyped.
    d.post("api=hang").await;
    d.run(1).await;
    assert_eq!(d.status().await, "ACW", "{customer}");
    let (s, v) = d.post("api=aux_call&customer_phone=573005550000").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["msg"], "Type has been successful", "the vendor's example");
    let aux = v["data"]["conn_id"].as_str().unwrap().to_owned();
    d.run(1).await;
    assert_eq!(d.status().await, "Talking");
    d.run(10).await;
    d.post("api=hang").await;
    d.run(1).await;
    assert_eq!(d.status().await, "ACW");
    // Typing now codifies the record the cut call dialed.
    let (s, v) = d.post("api=type&cod_act=001").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"]["conn_id"], aux.as_str());
    d.run(1).await;
    assert_eq!(d.status().await, "Ready");
    let pool = raw_pool(&d.app.db).await;
    let (customer_id, status): (String, String) = sqlx::query_as(
        "SELECT r.customer_id, r.status FROM calls c JOIN records r \
         ON r.campaign_id = c.campaign_id AND r.customer_id = c.customer_id WHERE c.conn_id = $1",
    )
    .bind(&aux)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "codified", "{customer_id}");
    let (telephone, ti): (String, String) =
        sqlx::query_as("SELECT telephone, type_interaction FROM calls WHERE conn_id = $1")
            .bind(&aux)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (telephone.as_str(), ti.as_str()),
        ("573005550000", "outbound_ma")
    );
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dial_attempts WHERE conn_id = $1")
        .bind(&aux)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 0, "an agent's own call is no attempt");
}

both!(an_agent_sends_keys_down_its_call);
async fn an_agent_sends_keys_down_its_call() {
    let mut d = desk().await;
    let (s, v) = d.post("api=dtmf&tones=1").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["msg"]
            .as_str()
            .unwrap()
            .contains("NOTHING TO SEND TONES TO"),
        "{v}"
    );
    d.post("api=change_status&status=ready").await;
    d.run(21).await;
    assert_eq!(d.status().await, "Talking");
    for bad in ["12x", "", "123456789012345678901234567890123"] {
        let (s, v) = d.post(&format!("api=dtmf&tones={bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad:?}: {v}");
    }
    let (s, v) = d.post("api=dtmf&tones=1%2A9%23").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::OK,
            json!({"code": "200", "error": null, "msg": "default",
                   "data": "tones agentbox has been added "})
        )
    );
    d.run(1).await;
    let heard = d.heard.lock().unwrap().clone();
    assert!(
        matches!(heard.as_slice(), [Command::Dtmf { keys, .. }] if keys == "1*9#"),
        "{heard:?}"
    );
}

both!(an_agent_hands_its_caller_to_another);
async fn an_agent_hands_its_caller_to_another() {
    let mut d = desk_of(&[("1001", "Ana Gómez"), ("1002", "Beto Ruiz")]).await;
    let (s, v) = d.post("api=transfer&customer_phone=1002").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "not on a call: {v}");
    let post = |who: &str, q: &str| format!("/api/v2/agentbox.php?agent_id={who}&{q}");
    // Ana takes a call; the campaign then stops, and Beto logs in.
    d.post("api=change_status&status=ready").await;
    d.run(20).await;
    assert_eq!(d.status().await, "Talking");
    d.app
        .store
        .set_campaign_started(d.op, d.campaign, false)
        .await
        .unwrap();
    let (talker, other) = ("1001".to_owned(), "1002");
    let (s, v) = d
        .app
        .post(
            &d.token,
            &post(&talker, &format!("api=transfer&customer_phone={other}")),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "Beto is logged out: {v}");
    d.app
        .post(&d.token, &post(other, "api=change_status&status=ready"), "")
        .await;
    d.run(2).await;
    for bad in ["12ab", "12", "%2B%2B57300"] {
        let (s, v) = d
            .app
            .post(
                &d.token,
                &post(&talker, &format!("api=transfer&customer_phone={bad}")),
                "",
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "neither agent nor number: {v}");
        assert!(
            v["msg"]
                .as_str()
                .unwrap()
                .contains("AN AGENT'S EXTENSION OR A TELEPHONE NUMBER"),
            "{v}"
        );
    }
    let (s, v) = d
        .app
        .post(
            &d.token,
            &post(&talker, &format!("api=transfer&customer_phone={talker}")),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "not to itself: {v}");
    let (s, v) = d
        .app
        .post(
            &d.token,
            &post(&talker, &format!("api=transfer&customer_phone={other}")),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["msg"],
        format!("Call has been transfer to {other} number")
    );
    d.run(1).await;
    let (_, v) = d.app.get(&d.token, AGENTS).await;
    let status = |who: &str| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent_id"] == who)
            .map(|r| r["agent_status"].clone())
            .unwrap()
    };
    assert_eq!(
        (status(&talker), status(other)),
        (json!("ACW"), json!("Talking"))
    );
    d.run(30).await;
    d.app.post(&d.token, &post(other, "api=hang"), "").await;
    d.run(1).await;

    let report = |api: &str| report(api, 600);
    let (s, v) = d.app.get(&d.token, &report("agent_12")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = &v["data"][0];
    assert_eq!(
        (
            &row["agent_id"],
            &row["transfer_calls"],
            &row["conference_calls"]
        ),
        (&json!(talker), &json!("1"), &json!("0")),
        "{v}"
    );
    let (s, v) = d.app.get(&d.token, &report("agent_13_1")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = v["data"][0].clone();
    assert_eq!(
        (
            &row["origin_agent_id"],
            &row["destiny_agent_id"],
            &row["dnis"],
            &row["type_call"]
        ),
        (
            &json!(talker),
            &json!(other),
            &json!(other),
            &json!("transfer")
        ),
        "{row}"
    );
    assert_ne!(row["conn_id_transfer"], row["id_call_origin"], "{row}");
    assert_ne!(row["ani"], "", "{row}");
    let leg = row["conn_id_transfer"].clone();
    let (_, v) = d.app.get(&d.token, &report("agent_13")).await;
    assert_eq!(v["data"][0]["conn_id"], leg, "{v}");
    // The leg is a call of its own: a transfer, the other agent's.
    let (_, v) = d.app.get(&d.token, &report("cdr_1")).await;
    let call = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["conn_id"] == leg)
        .cloned()
        .unwrap_or_else(|| panic!("the leg's row: {v}"));
    assert_eq!(
        (&call["type_interaction"], &call["agent_id"]),
        (&json!("transfer"), &json!(other)),
        "{call}"
    );
}

both!(an_agent_hands_its_caller_to_a_number_outside);
/// Ana hands her caller to a number that is no agent's: the engine places a
/// call to it and joins the caller to it at once; Ana wraps up. The caller
/// and the number talk until one hangs up, and the leg is written then: a
/// `transfer` to that number with no agent (agent_13_1, cdr_1), and the
/// caller's own call ends with it.
async fn an_agent_hands_its_caller_to_a_number_outside() {
    const OUTSIDE: &str = "573009998877";
    let mut d = desk().await;
    d.post("api=change_status&status=ready").await;
    d.until_talking().await;
    d.app
        .store
        .set_campaign_started(d.op, d.campaign, false)
        .await
        .unwrap();
    let (s, v) = d
        .post(&format!("api=transfer&customer_phone={OUTSIDE}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["msg"],
        format!("Call has been transfer to {OUTSIDE} number")
    );
    let origin = v["data"]["conn_id"].clone();
    d.run(1).await;
    assert_eq!(d.status().await, "ACW");
    let joined = d
        .heard
        .lock()
        .unwrap()
        .iter()
        .any(|c| matches!(c, Command::Join { .. }));
    assert!(joined, "{:?}", d.heard.lock().unwrap());
    // Nothing is written while the caller and the number talk.
    let report = |api: &str| report(api, 3_600);
    let (s, _) = d.app.get(&d.token, &report("agent_13_1")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A simulated talk is at most 30 minutes.
    d.run(1_900).await;
    let (s, v) = d.app.get(&d.token, &report("agent_13_1")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = v["data"][0].clone();
    assert_eq!(
        (
            &row["origin_agent_id"],
            &row["destiny_agent_id"],
            &row["dnis"],
            &row["type_call"],
            &row["id_call_origin"],
        ),
        (
            &json!("1001"),
            &json!("-"),
            &json!(OUTSIDE),
            &json!("transfer"),
            &origin,
        ),
        "{row}"
    );
    let leg = row["conn_id_transfer"].clone();
    let (_, v) = d.app.get(&d.token, &report("cdr_1")).await;
    let rows = v["data"].as_array().unwrap();
    let call = |id: &Value| {
        rows.iter()
            .find(|r| &r["conn_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id}: {v}"))
    };
    let placed = call(&leg);
    // The caller's own call ended with the talk, Ana's; the leg is the
    // caller's too (the number it reached is the transfer's dnis), no agent's.
    let own = call(&origin);
    assert_eq!(own["agent_id"], "1001", "{own}");
    assert_eq!(row["ani"], own["telephone"], "{row}");
    assert_eq!(
        (
            &placed["type_interaction"],
            &placed["telephone"],
            &placed["agent_id"],
        ),
        (&json!("transfer"), &own["telephone"], &json!("")),
        "{placed}"
    );
    let talked: i64 = placed["time_seg"].as_str().unwrap().parse().unwrap();
    assert!(talked > 5, "{placed}");
}

both!(real_time_latency_shows_how_each_phone_is_reached);
/// Ana's phone refuses her first log-in, then answers: real_time latency
/// shows her round trip, address and phone as telephony measured them, the
/// half of her legs refused, her last call once she has taken one, and her
/// phone as a PBX user, reachable while she is logged in.
async fn real_time_latency_shows_how_each_phone_is_reached() {
    const LATENCY: &str = "/api/v2/real_time.php?api=latency";
    let mut d = desk().await;
    // Nobody has logged in: no phone measured yet.
    let (s, v) = d.get(LATENCY).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));

    *d.refuse.lock().unwrap() = 1;
    assert_eq!(
        d.post("api=change_status&status=ready").await.0,
        StatusCode::OK
    );
    d.run(3).await;
    assert_eq!(d.status().await, "Logout");
    let (s, v) = d.get(LATENCY).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["msg"], "1 records were found");
    let data = &v["data"][0];
    let keys: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["by_agent", "by_ip", "by_pbx"]);
    let ana = &data["by_agent"][0];
    assert_eq!(ana["agent_id"], "1001-Ana Gómez");
    assert_eq!(ana["latency_ms"], "", "never reached");
    assert_eq!(ana["network_rejection"], "100.00 %");
    assert_eq!(ana["agent_status"], "Logout");
    assert_eq!(data["by_ip"], json!([]));
    assert_eq!(
        data["by_pbx"],
        json!([{"user": "sip:1001@192.0.2.10", "status": "UNREACHABLE", "tx_jitter": "",
                "rx_jitter": "", "tx_ploss": "", "rx_ploss": ""}])
    );

    assert_eq!(
        d.post("api=change_status&status=ready").await.0,
        StatusCode::OK
    );
    d.run(3).await;
    assert_eq!(d.status().await, "Ready");
    let (_, v) = d.get(LATENCY).await;
    let data = &v["data"][0];
    let ana = &data["by_agent"][0];
    // The example's fields, in its order.
    d.reads.set(d.reads.get() + 1);
    let (_, text) = d.app.get_text(&d.token, LATENCY).await;
    in_order(
        &text,
        &[
            "by_agent",
            "agent_id",
            "latency_ms",
            "ip",
            "version",
            "agent_status",
            "tx_jitter",
            "rx_jitter",
            "tx_ploss",
            "rx_ploss",
            "network_rejection",
            "connection_type",
            "platform",
            "last_date",
            "by_ip",
            "total_agents",
            "average_latency",
            "maximum",
            "minimum",
            "by_pbx",
            "user",
            "status",
        ],
    );
    let ms: u32 = ana["latency_ms"].as_str().unwrap().parse().unwrap();
    assert!((8..80).contains(&ms), "{ms}");
    let ip = ana["ip"].as_str().unwrap();
    assert!(["203.0.113.14", "198.51.100.7"].contains(&ip), "{ip}");
    assert_eq!(ana["version"], "Marcador simulated phone");
    assert_eq!(ana["agent_status"], "Ready");
    assert_eq!(ana["network_rejection"], "50.00 %");
    assert_eq!(ana["platform"], "sip");
    assert_eq!(ana["last_date"], "");
    assert!(ana["tx_ploss"].as_str().unwrap().ends_with(" %"));
    assert_eq!(ana["rx_jitter"], "");
    assert_eq!(
        data["by_ip"],
        json!([{"ip": ip, "total_agents": "1", "average_latency": ms.to_string(),
                "maximum": ms.to_string(), "minimum": ms.to_string(),
                "network_rejection": "50.00 %"}])
    );
    assert_eq!(data["by_pbx"][0]["status"], "OK");
    assert_eq!(data["by_pbx"][0]["tx_jitter"], ana["tx_jitter"]);

    // Her first call: its date is her last call's.
    d.until_talking().await;
    let (_, v) = d.get(LATENCY).await;
    let last = v["data"][0]["by_agent"][0]["last_date"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(last.starts_with("2026-11-22 "), "{last}");
}

both!(real_time_interactions_lists_the_calls_agents_talk_on);
/// Nobody talking: no data. Ana on her first call: it is hers, outbound, with
/// its customer and when she began talking — the call real_time agents shows.
async fn real_time_interactions_lists_the_calls_agents_talk_on() {
    const INTERACTIONS: &str = "/api/v2/real_time.php?api=interactions";
    let mut d = desk().await;
    let (s, v) = d.get(INTERACTIONS).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, no_data()));
    assert_eq!(
        d.post("api=change_status&status=ready").await.0,
        StatusCode::OK
    );
    d.until_talking().await;
    let (s, v) = d.get(INTERACTIONS).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0]["agent_id"], "1001");
    let calls = rows[0]["active_interactions"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call["subject"], "outbound call");
    let conn = call["conn_id"].as_str().unwrap();
    assert!(!conn.is_empty());
    assert!(
        call["fromname"].as_str().unwrap().starts_with("1000"),
        "{call}"
    );
    assert!(
        call["date"].as_str().unwrap().starts_with("2026-11-22 "),
        "{call}"
    );
    // The example's fields, in its order.
    d.reads.set(d.reads.get() + 1);
    let (_, text) = d.app.get_text(&d.token, INTERACTIONS).await;
    in_order(
        &text,
        &[
            "agent_id",
            "active_interactions",
            "conn_id",
            "subject",
            "fromname",
            "date",
        ],
    );
}
