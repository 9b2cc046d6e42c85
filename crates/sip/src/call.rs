//! The worker that carries out the engine's commands, and one task per
//! outbound call turning its dialog into the engine's events.
//!
//! A call's task reports at most one of Failed / Answered, then at most one
//! HungUp — and nothing after the engine hung up (its `HangUp` sets the
//! call's token): the engine has already written how that call ended.

use std::sync::Arc;

use marcador_server::engine::telephony::{
    Answerer, CallRef, Command, Ending, Originate, Party, TelEvent,
};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::DialogState;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::{Auth, Uri};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::{Calls, Reporter, SipSettings, causes::q850_of};

pub(crate) struct Worker {
    pub layer: Arc<DialogLayer>,
    pub trunk: Uri,
    pub contact: Uri,
    pub credential: Option<Credential>,
    pub settings: SipSettings,
    pub reporter: Reporter,
    pub calls: Calls,
    /// When the next INVITE may go (pacing to `max_cps`).
    pub next_slot: Instant,
    pub cancel: CancellationToken,
}

/// A call's end, sent back to the worker so it frees the channel.
type Ended = CallRef;

impl Worker {
    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<(i64, Command)>) {
        let (ended_tx, mut ended) = mpsc::unbounded_channel::<Ended>();
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                Some(call) = ended.recv() => { self.calls.remove(&call); }
                cmd = commands.recv() => match cmd {
                    None => break,
                    Some((_, cmd)) => self.command(cmd, &ended_tx),
                },
            }
        }
        // Stopping: every call still up is ended.
        for (_, token) in self.calls.drain() {
            token.cancel();
        }
    }

    fn command(&mut self, cmd: Command, ended: &mpsc::UnboundedSender<Ended>) {
        match cmd {
            Command::Originate(o) => self.originate(o, ended),
            Command::HangUp { call } => {
                if let Some(token) = self.calls.remove(&call) {
                    token.cancel();
                }
            }
            Command::Bridge { call, agent } => {
                // No agent leg is ever up yet (see the crate's doc), so the engine never asks.
                tracing::warn!(call, agent, "bridging is not built for SIP yet");
            }
            Command::OpenAgentLeg { agent, .. } => {
                tracing::warn!(
                    agent,
                    "agents' phones are not built for SIP yet: the agent stays logged out"
                );
                self.reporter
                    .report(TelEvent::AgentLegDown { agent, q850: 47 });
            }
            Command::CloseAgentLeg { .. } => {}
        }
    }

    fn originate(&mut self, o: Originate, ended: &mpsc::UnboundedSender<Ended>) {
        let call = o.call;
        if self.calls.len() >= self.settings.max_channels {
            // No channel free: congestion, as a gateway out of circuits reports it.
            self.reporter.report(TelEvent::Failed {
                call,
                ending: Ending {
                    sip: Some(503),
                    q850: 34,
                },
            });
            return;
        }
        let now = Instant::now();
        let slot = self.next_slot.max(now);
        let gap = Duration::from_secs_f64(1.0 / self.settings.max_cps.max(0.001));
        self.next_slot = slot + gap;
        let token = self.cancel.child_token();
        self.calls.insert(call, token.clone());
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
        let mut caller = self.contact.clone();
        caller.auth = Some(Auth {
            user,
            password: None,
        });
        let opt = InviteOption {
            callee,
            caller,
            contact: self.contact.clone(),
            credential: self.credential.clone(),
            content_type: Some("application/sdp".to_owned()),
            offer: Some(offer(&self.contact).into_bytes()),
            ..Default::default()
        };
        let task = CallTask {
            call,
            layer: self.layer.clone(),
            reporter: self.reporter.clone(),
            hangup: token,
        };
        let ended = ended.clone();
        tokio::spawn(async move {
            task.run(slot, opt).await;
            let _ = ended.send(call);
        });
    }
}

/// The SDP offer: G.711 µ-law and A-law. (Media is not relayed yet; the
/// port is the discard port, so a carrier that sends RTP sends it nowhere.)
fn offer(contact: &Uri) -> String {
    let host = contact.host_with_port.host.to_string();
    format!(
        "v=0\r\no=marcador 1 1 IN IP4 {host}\r\ns=marcador\r\nc=IN IP4 {host}\r\nt=0 0\r\n\
         m=audio 9 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"
    )
}

struct CallTask {
    call: CallRef,
    layer: Arc<DialogLayer>,
    reporter: Reporter,
    /// Set by the engine's HangUp.
    hangup: CancellationToken,
}

impl CallTask {
    async fn run(self, slot: Instant, opt: InviteOption) {
        let call = self.call;
        tokio::select! {
            _ = self.hangup.cancelled() => return,
            _ = tokio::time::sleep_until(slot) => {}
        }
        let (state_tx, mut states) = self.layer.new_dialog_state_channel();
        let (dialog, mut invite) = match self.layer.do_invite_async(opt, state_tx) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(call, error = %e, "INVITE could not be sent");
                self.failed(None);
                return;
            }
        };
        let (mut answered, mut ringing, mut finished, mut hung) = (false, false, false, false);
        // Whether anything (even 100 Trying) ever answered the INVITE.
        let mut heard = false;
        loop {
            tokio::select! {
                _ = self.hangup.cancelled(), if !hung => {
                    hung = true;
                    let r = if answered { dialog.hangup().await } else { dialog.cancel().await };
                    if let Err(e) = r {
                        tracing::debug!(call, error = %e, "hang-up failed");
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
                    let status = match r {
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
                            if !answered {
                                self.reporter.report(TelEvent::Answered { call, by: Answerer::Unknown });
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
                    Some(DialogState::Trying(..)) => heard = true,
                    Some(DialogState::Early(..)) if !ringing && !hung => {
                        heard = true;
                        ringing = true;
                        self.reporter.report(TelEvent::Ringing { call });
                    }
                    Some(DialogState::Confirmed(..)) => {
                        if !answered && !hung {
                            self.reporter.report(TelEvent::Answered { call, by: Answerer::Unknown });
                        }
                        answered = true;
                    }
                    Some(DialogState::Terminated(id, _)) if answered => {
                        if !hung {
                            self.reporter.report(TelEvent::HungUp {
                                call,
                                by: Party::Customer,
                                q850: 16,
                            });
                        }
                        self.layer.remove_dialog(&id);
                        break;
                    }
                    Some(_) => {}
                },
            }
        }
    }

    fn failed(&self, status: Option<u16>) {
        self.reporter.report(TelEvent::Failed {
            call: self.call,
            ending: Ending {
                sip: status,
                q850: q850_of(status),
            },
        });
    }
}
