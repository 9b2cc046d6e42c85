//! The worker that carries out the engine's commands, and one task per leg —
//! a customer's call through the trunk, or an agent's phone — turning its
//! dialog into the engine's events.
//!
//! A customer call's task reports at most one of Failed / Answered, then at
//! most one HungUp; an agent leg's task AgentLegUp, then AgentLegDown (or
//! AgentLegDown alone when the phone never answers). Nothing is reported
//! after the engine hung up (its `HangUp` or `CloseAgentLeg` sets the leg's
//! token): the engine has already written how that leg ended. `Bridge`
//! connects a customer's and an agent's media (`media.rs`), `Join` two
//! customers' (a caller handed to a number outside); `Hold` and `Mute`
//! silence it.

use std::sync::Arc;

use std::collections::HashMap;

use marcador_server::engine::telephony::{
    AgentRef, Answerer, CallRef, Command, Ending, Originate, Party, PhoneNetwork, TelEvent,
};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::DialogState;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::{Auth, Header, Response, Uri};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::amd::{Amd, AmdSettings, Verdict};
use super::media::{Media, MediaStats, Ports};
use super::{Reporter, SipSettings, causes::q850_of};

pub(crate) struct Worker {
    pub layer: Arc<DialogLayer>,
    pub trunk: Uri,
    pub contact: Uri,
    pub credential: Option<Credential>,
    pub settings: SipSettings,
    pub reporter: Reporter,
    pub calls: HashMap<CallRef, Leg>,
    pub agents: HashMap<AgentRef, Leg>,
    /// When the next INVITE to the trunk may go (pacing to `max_cps`).
    pub next_slot: Instant,
    pub cancel: CancellationToken,
    pub ports: Ports,
    pub stats: Arc<MediaStats>,
    pub next_serial: u64,
}

/// Where a leg's task says it ended.
type Ended = mpsc::UnboundedSender<(Who, u64)>;

/// A leg the engine may still command: its hang-up token and its media.
pub(crate) struct Leg {
    /// Tells this leg from a later one of the same call or agent.
    serial: u64,
    hangup: CancellationToken,
    media: Arc<Media>,
}

/// Whose leg a task carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Customer(CallRef),
    Agent(AgentRef),
}

impl Worker {
    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<(i64, Command)>) {
        let (ended_tx, mut ended) = mpsc::unbounded_channel();
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                Some((who, serial)) = ended.recv() => self.ended(who, serial),
                cmd = commands.recv() => match cmd {
                    None => break,
                    Some((_, cmd)) => self.command(cmd, &ended_tx).await,
                },
            }
        }
        // Stopping: every call and agent leg still up is ended.
        let legs = self.calls.drain().map(|(_, l)| l);
        for leg in legs.chain(self.agents.drain().map(|(_, l)| l)) {
            leg.hangup.cancel();
            leg.media.close();
        }
    }

    /// A leg's task ended: forget it (unless the engine already replaced it
    /// with a new one: an agent who logged in again).
    fn ended(&mut self, who: Who, serial: u64) {
        match who {
            Who::Customer(call) => {
                if self.calls.get(&call).is_some_and(|l| l.serial == serial) {
                    self.calls.remove(&call);
                }
            }
            Who::Agent(agent) => {
                if self.agents.get(&agent).is_some_and(|l| l.serial == serial) {
                    self.agents.remove(&agent);
                }
            }
        }
    }

    async fn command(&mut self, cmd: Command, ended: &Ended) {
        match cmd {
            Command::Originate(o) => self.originate(o, ended).await,
            Command::HangUp { call } => {
                if let Some(leg) = self.calls.remove(&call) {
                    leg.media.unbridge();
                    leg.hangup.cancel();
                }
            }
            Command::Bridge { call, agent } => {
                match (self.calls.get(&call), self.agents.get(&agent)) {
                    (Some(c), Some(a)) => Media::bridge(&c.media, &a.media),
                    _ => tracing::warn!(call, agent, "bridge of a call or agent leg that is gone"),
                }
            }
            Command::Join { call, other } => {
                match (self.calls.get(&call), self.calls.get(&other)) {
                    (Some(c), Some(o)) => Media::bridge(&c.media, &o.media),
                    // A simulated caller has no leg here; the other talks to nobody.
                    _ => tracing::debug!(call, other, "join of a call that is not a SIP leg"),
                }
            }
            Command::OpenAgentLeg { agent, address } => {
                self.open_agent(agent, address, ended).await
            }
            Command::CloseAgentLeg { agent } => {
                if let Some(leg) = self.agents.remove(&agent) {
                    leg.media.unbridge();
                    leg.hangup.cancel();
                }
            }
            Command::Hold { call, on } => match self.calls.get(&call) {
                Some(leg) => leg.media.hold(on),
                None => tracing::debug!(call, "hold of a call that is gone"),
            },
            Command::Mute { agent, on } => match self.agents.get(&agent) {
                Some(leg) => leg.media.mute(on),
                None => tracing::debug!(agent, "mute of an agent leg that is gone"),
            },
            Command::Dtmf { call, keys } => match self.calls.get(&call) {
                Some(leg) => leg.media.play(crate::dtmf::frames(&keys)),
                None => tracing::debug!(call, "DTMF to a call that is gone"),
            },
        }
    }

    async fn media(&self) -> std::io::Result<Arc<Media>> {
        let ip = self.settings.listen.ip();
        Media::open(
            &self.ports,
            self.stats.clone(),
            ip,
            self.cancel.child_token(),
        )
        .await
    }

    async fn originate(&mut self, o: Originate, ended: &Ended) {
        let call = o.call;
        let congested = Ending {
            sip: Some(503),
            q850: 34,
        };
        if self.calls.len() >= self.settings.max_channels {
            // No channel free: congestion, as a gateway out of circuits reports it.
            self.reporter.report(TelEvent::Failed {
                call,
                ending: congested,
            });
            return;
        }
        let media = match self.media().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(call, error = %e, "no RTP port for a call");
                self.reporter.report(TelEvent::Failed {
                    call,
                    ending: congested,
                });
                return;
            }
        };
        let now = Instant::now();
        let slot = self.next_slot.max(now);
        let gap = Duration::from_secs_f64(1.0 / self.settings.max_cps.max(0.001));
        self.next_slot = slot + gap;
        let mut callee = self.trunk.clone();
        callee.auth = Some(Auth {
            user: o.number.clone(),
            password: None,
        });
        let user = if o.caller_id.is_empty() {
            self.settings
                .caller_id
                .clone()
                .unwrap_or_else(|| "marcador".to_owned())
        } else {
            o.caller_id.clone()
        };
        let opt = self.invite(callee, user, self.credential.clone(), &media);
        let amd = o.amd.then_some(self.settings.amd);
        self.start(Who::Customer(call), slot, opt, media, amd, ended);
    }

    async fn open_agent(&mut self, agent: AgentRef, address: Option<String>, ended: &Ended) {
        let callee = address.as_deref().and_then(|a| Uri::try_from(a).ok());
        let Some(callee) = callee else {
            tracing::warn!(agent, "the agent has no SIP address to call: logged out");
            self.reporter
                .report(TelEvent::AgentLegDown { agent, q850: 3 });
            return;
        };
        let media = match self.media().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(agent, error = %e, "no RTP port for an agent's phone");
                self.reporter
                    .report(TelEvent::AgentLegDown { agent, q850: 47 });
                return;
            }
        };
        if let Some(old) = self.agents.remove(&agent) {
            old.hangup.cancel();
        }
        let opt = self.invite(callee, "marcador".to_owned(), None, &media);
        self.start(Who::Agent(agent), Instant::now(), opt, media, None, ended);
    }

    fn invite(
        &self,
        callee: Uri,
        user: String,
        credential: Option<Credential>,
        media: &Media,
    ) -> InviteOption {
        let mut caller = self.contact.clone();
        caller.auth = Some(Auth {
            user,
            password: None,
        });
        InviteOption {
            callee,
            caller,
            contact: self.contact.clone(),
            credential,
            content_type: Some("application/sdp".to_owned()),
            offer: Some(media.offer()),
            ..Default::default()
        }
    }

    fn start(
        &mut self,
        who: Who,
        slot: Instant,
        opt: InviteOption,
        media: Arc<Media>,
        amd: Option<AmdSettings>,
        ended: &Ended,
    ) {
        let hangup = self.cancel.child_token();
        self.next_serial += 1;
        let serial = self.next_serial;
        let leg = Leg {
            serial,
            hangup: hangup.clone(),
            media: media.clone(),
        };
        match who {
            Who::Customer(call) => self.calls.insert(call, leg),
            Who::Agent(agent) => self.agents.insert(agent, leg),
        };
        let task = LegTask {
            who,
            layer: self.layer.clone(),
            reporter: self.reporter.clone(),
            hangup: hangup.clone(),
            media,
            amd,
            quality_every: self.settings.quality_every,
        };
        let ended = ended.clone();
        tokio::spawn(async move {
            task.run(slot, opt).await;
            let _ = ended.send((who, serial));
        });
    }
}

/// The INVITE's first response (100 Trying, ringing or an answer) came now:
/// one round trip to the phone, if none was noted yet.
fn first_response(phone: &mut PhoneNetwork, sent: Instant) {
    if phone.latency_ms.is_none() {
        phone.latency_ms = Some(u32::try_from(sent.elapsed().as_millis()).unwrap_or(u32::MAX));
    }
}

/// The phone's name for itself: its User-Agent header, or Server.
fn phone_said(phone: &mut PhoneNetwork, resp: &Response) {
    let said = resp.headers.iter().find_map(|h| match h {
        Header::UserAgent(v) => Some(v.value().to_owned()),
        Header::Server(v) => Some(v.value().to_owned()),
        _ => None,
    });
    if let Some(said) = said {
        phone.user_agent = said.chars().take(200).collect();
    }
}

struct LegTask {
    who: Who,
    layer: Arc<DialogLayer>,
    reporter: Reporter,
    /// Set by the engine's HangUp (CloseAgentLeg for an agent).
    hangup: CancellationToken,
    media: Arc<Media>,
    /// Answering-machine detection before the answer is reported.
    amd: Option<AmdSettings>,
    /// How often an agent's phone's RTP quality is reported.
    quality_every: Duration,
}

/// Answering-machine detection under way: the far end's audio, the detector, its deadline.
struct Listening {
    audio: mpsc::Receiver<Vec<i16>>,
    amd: Amd,
    until: Instant,
}

impl LegTask {
    async fn run(self, slot: Instant, opt: InviteOption) {
        self.call(slot, opt).await;
        self.media.close();
    }

    async fn call(&self, slot: Instant, opt: InviteOption) {
        tokio::select! {
            _ = self.hangup.cancelled() => return,
            _ = tokio::time::sleep_until(slot) => {}
        }
        let (state_tx, mut states) = self.layer.new_dialog_state_channel();
        let (dialog, mut invite) = match self.layer.do_invite_async(opt, state_tx) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(who = ?self.who, error = %e, "INVITE could not be sent");
                self.failed(None);
                return;
            }
        };
        let (mut answered, mut ringing, mut finished, mut hung) = (false, false, false, false);
        // Whether anything (even 100 Trying) ever answered the INVITE.
        let mut heard = false;
        let mut listening: Option<Listening> = None;
        // An agent's phone: how it is reached, told when its leg is up and then every so often.
        let sent = Instant::now();
        let mut phone = PhoneNetwork::default();
        let every = self.quality_every.max(Duration::from_millis(100));
        let mut measure = tokio::time::interval_at(sent + every, every);
        let is_agent = matches!(self.who, Who::Agent(_));
        loop {
            tokio::select! {
                _ = measure.tick(), if answered && is_agent && !hung => {
                    self.phone_network(&mut phone);
                }
                // Detection listening: a frame of the customer's audio, or the
                // analysis time is up (None).
                heard_audio = async {
                    match listening.as_mut() {
                        Some(l) => tokio::time::timeout_at(l.until, l.audio.recv()).await.ok(),
                        None => std::future::pending().await,
                    }
                } => {
                    let verdict = match (heard_audio, listening.as_mut()) {
                        (Some(Some(frame)), Some(l)) => l.amd.feed(&frame),
                        (_, Some(l)) => Some(l.amd.give_up()),
                        (_, None) => None,
                    };
                    if let Some(v) = verdict {
                        listening = None;
                        self.detected(v, hung);
                    }
                }
                _ = self.hangup.cancelled(), if !hung => {
                    hung = true;
                    let r = if answered { dialog.hangup().await } else { dialog.cancel().await };
                    if let Err(e) = r {
                        tracing::debug!(who = ?self.who, error = %e, "hang-up failed");
                    }
                    if answered {
                        self.layer.remove_dialog(&dialog.id());
                    }
                    if finished {
                        break;
                    }
                }
                r = &mut invite, if !finished => {
                    finished = true;
                    let status = match &r {
                        // A 408 with nothing heard before is the stack's own Timer B:
                        // nothing answered at all (a carrier's 408 follows its 100 Trying).
                        Ok(Ok((_, Some(resp)))) if resp.status_code.code() == 408 && !heard => None,
                        Ok(Ok((_, Some(resp)))) => Some(resp.status_code.code()),
                        Ok(Ok((_, None))) | Ok(Err(_)) | Err(_) => None,
                    };
                    match status {
                        Some(200..=299) => {
                            if hung {
                                // Our CANCEL crossed the 200: the stack ends it with a BYE.
                                break;
                            }
                            if let Ok(Ok((_, Some(resp)))) = &r {
                                first_response(&mut phone, sent);
                                phone_said(&mut phone, resp);
                                self.media_answered(&resp.body);
                            }
                            if !answered {
                                listening = self.answered();
                                if is_agent {
                                    self.phone_network(&mut phone);
                                }
                            }
                            answered = true;
                        }
                        status => {
                            if !hung {
                                self.failed(status);
                            }
                            break;
                        }
                    }
                }
                state = states.recv() => match state {
                    None => break,
                    Some(DialogState::Trying(..)) => {
                        first_response(&mut phone, sent);
                        heard = true;
                    }
                    Some(DialogState::Early(..)) if !ringing && !hung => {
                        first_response(&mut phone, sent);
                        heard = true;
                        ringing = true;
                        if let Who::Customer(call) = self.who {
                            self.reporter.report(TelEvent::Ringing { call });
                        }
                    }
                    Some(DialogState::Confirmed(_, resp)) => {
                        first_response(&mut phone, sent);
                        phone_said(&mut phone, &resp);
                        self.media_answered(&resp.body);
                        if !answered && !hung {
                            listening = self.answered();
                            if is_agent {
                                self.phone_network(&mut phone);
                            }
                        }
                        answered = true;
                    }
                    Some(DialogState::Terminated(id, _)) if answered => {
                        if !hung {
                            self.hung_up();
                        }
                        self.layer.remove_dialog(&id);
                        break;
                    }
                    Some(_) => {}
                },
            }
        }
    }

    /// Tells the engine how the agent's phone is reached: what is known of
    /// its answer, and how its RTP arrives.
    fn phone_network(&self, phone: &mut PhoneNetwork) {
        let Who::Agent(agent) = self.who else {
            return;
        };
        let heard = self.media.heard();
        if let Some(from) = heard.from {
            phone.ip = from.ip().to_string();
        }
        phone.tx_jitter_us = heard.jitter_us;
        phone.tx_loss_bp = heard.loss_bp;
        self.reporter.report(TelEvent::AgentNetwork {
            agent,
            network: phone.clone(),
        });
    }

    fn media_answered(&self, sdp: &[u8]) {
        if let Err(e) = self.media.answered(sdp) {
            tracing::warn!(who = ?self.who, problem = %e, "no media with this leg");
        }
    }

    /// Answered: reported at once, or once detection decides (it listens from now).
    fn answered(&self) -> Option<Listening> {
        match (self.who, self.amd) {
            (Who::Customer(_), Some(settings)) => {
                let (tap, audio) = mpsc::channel(256);
                self.media.tap(tap);
                let ms = u64::from(settings.total_analysis_time_ms);
                Some(Listening {
                    audio,
                    amd: Amd::new(settings),
                    until: Instant::now() + Duration::from_millis(ms),
                })
            }
            (Who::Customer(call), None) => {
                self.reporter.report(TelEvent::Answered {
                    call,
                    by: Answerer::Unknown,
                });
                None
            }
            (Who::Agent(agent), _) => {
                self.reporter.report(TelEvent::AgentLegUp { agent });
                None
            }
        }
    }

    /// Detection decided: the answer, with who answered.
    fn detected(&self, verdict: Verdict, hung: bool) {
        self.media.untap();
        let Who::Customer(call) = self.who else {
            return;
        };
        tracing::debug!(call, ?verdict, "answering-machine detection");
        if hung {
            return;
        }
        let by = match verdict {
            Verdict::Person(_) => Answerer::Person,
            Verdict::Machine(_) => Answerer::Machine,
            Verdict::NotSure => Answerer::Unknown,
        };
        self.reporter.report(TelEvent::Answered { call, by });
    }

    /// The far end hung up an answered leg.
    fn hung_up(&self) {
        self.reporter.report(match self.who {
            Who::Customer(call) => TelEvent::HungUp {
                call,
                by: Party::Customer,
                q850: 16,
            },
            Who::Agent(agent) => TelEvent::AgentLegDown { agent, q850: 16 },
        });
    }

    fn failed(&self, status: Option<u16>) {
        let q850 = q850_of(status);
        self.reporter.report(match self.who {
            Who::Customer(call) => TelEvent::Failed {
                call,
                ending: Ending { sip: status, q850 },
            },
            Who::Agent(agent) => TelEvent::AgentLegDown { agent, q850 },
        });
    }
}
