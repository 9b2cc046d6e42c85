//! Media: every leg — a customer's call or an agent's phone — has a UDP
//! socket at Marcador, named in the SDP Marcador sends for that leg, so both
//! legs of a bridged call send their RTP to Marcador. One relay task per leg
//! forwards each packet it receives to the leg it is bridged to, from that
//! leg's socket; G.711 µ-law and A-law are offered, and when the two legs
//! chose different ones the payload is transcoded on the way.
//!
//! A leg's far address is the one its SDP answer gives until its first
//! packet arrives; from then on packets go back where they came from
//! (symmetric RTP, as phones behind NAT need). Packets that arrive while a
//! leg is not bridged are dropped (the customer waiting for an agent hears
//! silence), but they can be tapped: answering-machine detection listens to
//! a customer's first seconds that way. Marcador can also speak to a leg
//! itself (`play`: the agent's DTMF keys), holding back the bridged leg's
//! audio meanwhile; and hold and mute stop the relay one way or both. Every
//! packet received is counted into the leg's reception (`quality.rs`: jitter
//! and loss), which `heard` reports.

use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use audio_codec_algorithms::{
    convert_alaw_to_ulaw, convert_ulaw_to_alaw, decode_alaw, decode_ulaw, encode_alaw, encode_ulaw,
};
use rtp_types::{RtpPacket, RtpPacketMut};
use sdp_types::{Attribute, Connection, Media as SdpMedia, Origin, Session, Time};
use std::time::Instant;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::dtmf::FRAME;
use crate::quality::Reception;

/// The G.711 codecs Marcador speaks, by their static RTP payload type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Pcmu,
    Pcma,
}

impl Codec {
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    pub fn from_payload_type(pt: u8) -> Option<Self> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// One encoded sample as 16-bit linear.
    pub fn decode(self, byte: u8) -> i16 {
        match self {
            Codec::Pcmu => decode_ulaw(byte),
            Codec::Pcma => decode_alaw(byte),
        }
    }

    /// One 16-bit linear sample in this codec.
    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Codec::Pcmu => encode_ulaw(sample),
            Codec::Pcma => encode_alaw(sample),
        }
    }

    /// One sample of `self` written as `to`.
    fn convert(self, to: Codec, byte: u8) -> u8 {
        match (self, to) {
            (Codec::Pcmu, Codec::Pcma) => convert_ulaw_to_alaw(byte),
            (Codec::Pcma, Codec::Pcmu) => convert_alaw_to_ulaw(byte),
            _ => byte,
        }
    }
}

/// The UDP ports media sockets are taken from (`rtp_ports`), or any free one.
#[derive(Debug)]
pub struct Ports {
    range: Option<(u16, u16)>,
    next: AtomicU16,
}

impl Ports {
    pub fn new(range: Option<(u16, u16)>) -> Self {
        Ports {
            next: AtomicU16::new(range.map_or(0, |(first, _)| first)),
            range,
        }
    }

    /// A socket on `ip`: the next free even port of the range (RTCP, by
    /// convention, would take the odd one above), or any port.
    async fn bind(&self, ip: IpAddr) -> io::Result<UdpSocket> {
        let Some((first, last)) = self.range else {
            return UdpSocket::bind(SocketAddr::new(ip, 0)).await;
        };
        let span = u32::from(last - first) + 1;
        for _ in 0..span.div_ceil(2) {
            let offset = u32::from(
                self.next
                    .fetch_add(2, Ordering::Relaxed)
                    .wrapping_sub(first),
            ) % span;
            let port = first + (offset & !1) as u16;
            if let Ok(s) = UdpSocket::bind(SocketAddr::new(ip, port)).await {
                return Ok(s);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("no free RTP port in {first}-{last}"),
        ))
    }
}

/// Packets received from far ends and relayed to bridged legs, over every
/// leg of one telephony.
#[derive(Debug, Default)]
pub struct MediaStats {
    pub received: AtomicU64,
    pub relayed: AtomicU64,
}

/// One leg's media.
#[derive(Debug)]
pub struct Media {
    socket: Arc<UdpSocket>,
    local: SocketAddr,
    state: Mutex<State>,
    stop: CancellationToken,
    stats: Arc<MediaStats>,
    /// Arrival times are counted from here.
    opened: Instant,
}

#[derive(Debug, Default)]
struct State {
    /// Where this leg's far end receives.
    remote: Option<SocketAddr>,
    /// The codec its SDP answer chose.
    codec: Option<Codec>,
    /// The leg it is bridged to.
    peer: Weak<Media>,
    /// Decoded audio of this leg's far end, while someone listens.
    tap: Option<mpsc::Sender<Vec<i16>>>,
    /// Whether a packet has arrived (its source is then the far address).
    latched: bool,
    /// On hold: nothing relayed through this leg either way.
    held: bool,
    /// Muted: this leg's far end is not heard by its peer.
    muted: bool,
    /// Marcador is playing to this leg's far end (DTMF): what its peer says
    /// is held back meanwhile.
    playing: bool,
    /// A task is playing; frames asked meanwhile wait here for it.
    player: bool,
    to_play: Vec<[i16; FRAME]>,
    /// How the far end's RTP arrives (jitter, loss).
    reception: Reception,
}

/// What a leg's far end sends, as received: where from, its jitter (µs) and
/// loss (basis points), once heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Heard {
    pub from: Option<SocketAddr>,
    pub jitter_us: Option<u32>,
    pub loss_bp: Option<u32>,
}

impl Media {
    /// A socket on `ip` and its relay task, which ends at `stop`.
    pub async fn open(
        ports: &Ports,
        stats: Arc<MediaStats>,
        ip: IpAddr,
        stop: CancellationToken,
    ) -> io::Result<Arc<Self>> {
        let socket = ports.bind(ip).await?;
        let local = socket.local_addr()?;
        let media = Arc::new(Media {
            socket: Arc::new(socket),
            local,
            state: Mutex::default(),
            stop,
            stats,
            opened: Instant::now(),
        });
        tokio::spawn(relay(
            Arc::downgrade(&media),
            media.socket.clone(),
            media.stop.clone(),
        ));
        Ok(media)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// The SDP offer for this leg: audio at this socket, µ-law then A-law.
    pub fn offer(&self) -> Vec<u8> {
        let ip = self.local.ip();
        let mut origin = Origin::with_ip_addr("1", 1, ip);
        origin.username = Some("marcador".into());
        let mut session = Session::new(origin, "marcador");
        session.connection = Some(Connection::from_ip_addr(ip));
        session.times.push(Time::new(0, 0));
        let mut audio = SdpMedia::new(
            sdp_types::MediaType::Audio,
            self.local.port(),
            sdp_types::TransportProto::RtpAvp,
            "0 8",
        );
        audio.attributes = vec![
            Attribute::with_value("rtpmap", "0 PCMU/8000"),
            Attribute::with_value("rtpmap", "8 PCMA/8000"),
            Attribute::new("sendrecv"),
        ];
        session.medias.push(audio);
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = session.write(&mut out);
        out
    }

    /// Reads the far end's SDP answer: where it receives, and which codec it
    /// chose. `Err` names what is wrong with it (the call goes on without media).
    pub fn answered(&self, sdp: &[u8]) -> Result<(), String> {
        let (remote, codec) = parse_answer(sdp)?;
        let mut s = self.state();
        if !s.latched {
            s.remote = Some(remote);
        }
        s.codec = Some(codec);
        Ok(())
    }

    /// Connects two legs: each one's packets go to the other. A leg bridged
    /// elsewhere before (a customer transferred to another agent) is taken
    /// from there first, so its former peer hears it no more.
    pub fn bridge(a: &Arc<Media>, b: &Arc<Media>) {
        a.unbridge();
        b.unbridge();
        a.state().peer = Arc::downgrade(b);
        b.state().peer = Arc::downgrade(a);
    }

    /// Disconnects this leg from the one it is bridged to, both ways.
    pub fn unbridge(&self) {
        let peer = std::mem::take(&mut self.state().peer);
        if let Some(peer) = peer.upgrade() {
            peer.state().peer = Weak::new();
        }
    }

    /// Holds this leg (a customer's call), or takes it off hold.
    pub fn hold(&self, on: bool) {
        self.state().held = on;
    }

    /// Mutes this leg's far end (an agent's phone), or unmutes it.
    pub fn mute(&self, on: bool) {
        self.state().muted = on;
    }

    /// Plays `frames` (8 kHz, 20 ms each) to this leg's far end in its codec,
    /// one every 20 ms, as a stream of Marcador's own; what the bridged leg
    /// says is held back until they are played. Frames asked while others
    /// play follow them.
    pub fn play(self: &Arc<Self>, frames: Vec<[i16; FRAME]>) {
        let media = Arc::downgrade(self);
        let queue = {
            let mut s = self.state();
            s.playing = true;
            s.to_play.extend(frames);
            if s.player {
                return;
            }
            s.player = true;
            std::mem::take(&mut s.to_play)
        };
        tokio::spawn(play(media, queue, self.stop.clone()));
    }

    /// Sends the far end's decoded audio to `tap` from now on (frames as they come).
    pub fn tap(&self, tap: mpsc::Sender<Vec<i16>>) {
        self.state().tap = Some(tap);
    }

    pub fn untap(&self) {
        self.state().tap = None;
    }

    /// What the far end sends, as received so far.
    pub fn heard(&self) -> Heard {
        let s = self.state();
        Heard {
            from: s.remote,
            jitter_us: s.reception.jitter_us(),
            loss_bp: s.reception.loss_bp(),
        }
    }

    /// Ends the relay task.
    pub fn close(&self) {
        self.unbridge();
        self.stop.cancel();
    }

    /// One packet from the far end of this leg (already noted as received).
    fn heard_from_far_end(&self, packet: &mut [u8], from: SocketAddr) {
        let (peer, codec) = {
            let mut s = self.state();
            if !s.latched || s.remote != Some(from) {
                s.latched = true;
                s.remote = Some(from);
            }
            if let Ok(p) = RtpPacket::parse(packet) {
                let arrival = i64::try_from(self.opened.elapsed().as_micros()).unwrap_or(i64::MAX);
                s.reception
                    .packet(p.ssrc(), p.sequence_number(), p.timestamp(), arrival);
                if let Some(tap) = &s.tap
                    && let Some(codec) = Codec::from_payload_type(p.payload_type())
                {
                    let frame = p.payload().iter().map(|b| codec.decode(*b)).collect();
                    // A listener that falls behind loses frames, never the relay.
                    let _ = tap.try_send(frame);
                }
            }
            let silent = s.held || s.muted;
            (s.peer.upgrade().filter(|_| !silent), s.codec)
        };
        if let Some(peer) = peer {
            peer.send_to_far_end(packet, codec);
        }
    }

    /// Sends a packet from the bridged leg to this leg's far end, in this
    /// leg's codec.
    fn send_to_far_end(&self, packet: &mut [u8], from_codec: Option<Codec>) {
        let (remote, codec) = {
            let s = self.state();
            (s.remote.filter(|_| !s.held && !s.playing), s.codec)
        };
        let Some(remote) = remote else {
            return;
        };
        if let (Some(from), Some(to)) = (from_codec, codec)
            && from != to
            && let Ok(mut p) = RtpPacketMut::parse(&mut *packet)
        {
            if p.set_payload_type(to.payload_type()).is_err() {
                return;
            }
            for b in p.payload_mut() {
                *b = from.convert(to, *b);
            }
        }
        // UDP: a packet the socket cannot take now is dropped, as the network would.
        if self.socket.try_send_to(packet, remote).is_ok() {
            self.stats.relayed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Receives this leg's packets until `stop`; it holds the leg weakly, so a
/// leg dropped by everyone else ends it too.
async fn relay(media: Weak<Media>, socket: Arc<UdpSocket>, stop: CancellationToken) {
    let mut buf = vec![0u8; 2048];
    loop {
        let (n, from) = tokio::select! {
            _ = stop.cancelled() => return,
            r = socket.recv_from(&mut buf) => match r {
                Ok(r) => r,
                // ICMP port unreachable from a far end that went away, and the like.
                Err(e) => {
                    tracing::trace!(error = %e, "RTP receive failed");
                    continue;
                }
            },
        };
        let Some(media) = media.upgrade() else {
            return;
        };
        media.stats.received.fetch_add(1, Ordering::Relaxed);
        media.heard_from_far_end(&mut buf[..n], from);
    }
}

/// Plays frames to the leg, one every 20 ms, until none are left (or the
/// leg is gone).
async fn play(media: Weak<Media>, queue: Vec<[i16; FRAME]>, stop: CancellationToken) {
    let mut queue: VecDeque<[i16; FRAME]> = queue.into();
    // A stream of its own: a random SSRC, sequence and timestamp start.
    let random = RandomState::new();
    let ssrc = random.hash_one(1) as u32;
    let mut seq = random.hash_one(2) as u16;
    let mut timestamp = random.hash_one(3) as u32;
    let mut first = true;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Some(media) = media.upgrade() else {
            return;
        };
        let (frame, remote, codec) = {
            let mut s = media.state();
            if queue.is_empty() {
                queue.extend(s.to_play.drain(..));
            }
            let Some(frame) = queue.pop_front() else {
                s.playing = false;
                s.player = false;
                return;
            };
            (frame, s.remote, s.codec.unwrap_or(Codec::Pcmu))
        };
        let payload: Vec<u8> = frame.iter().map(|x| codec.encode(*x)).collect();
        let packet = rtp_types::RtpPacketBuilder::new()
            .payload_type(codec.payload_type())
            .sequence_number(seq)
            .timestamp(timestamp)
            .ssrc(ssrc)
            .marker_bit(first)
            .payload(payload.as_slice())
            .write_vec();
        if let (Some(remote), Ok(packet)) = (remote, packet) {
            // UDP: a packet the socket cannot take now is dropped, as the network would.
            let _ = media.socket.try_send_to(&packet, remote);
        }
        first = false;
        seq = seq.wrapping_add(1);
        timestamp = timestamp.wrapping_add(FRAME as u32);
    }
}

/// The far end's RTP address and chosen codec, from an SDP answer.
pub fn parse_answer(sdp: &[u8]) -> Result<(SocketAddr, Codec), String> {
    let session = Session::parse(sdp).map_err(|e| format!("SDP answer unreadable: {e:?}"))?;
    let audio = session
        .medias
        .iter()
        .find(|m| m.media == "audio" && m.port != 0)
        .ok_or("SDP answer has no audio")?;
    let connection = audio
        .connections
        .first()
        .or(session.connection.as_ref())
        .ok_or("SDP answer has no connection address")?;
    let ip: IpAddr = connection
        .connection_address
        .split('/')
        .next()
        .unwrap_or_default()
        .parse()
        .map_err(|_| {
            format!(
                "SDP address {:?} is not an IP",
                connection.connection_address
            )
        })?;
    let codec = audio
        .fmt
        .split_whitespace()
        .filter_map(|f| f.parse::<u8>().ok())
        .find_map(Codec::from_payload_type)
        .ok_or("SDP answer chose neither PCMU nor PCMA")?;
    Ok((SocketAddr::new(ip, audio.port), codec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_names_address_and_codec() {
        let sdp = b"v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n\
                    m=audio 40002 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n";
        let (addr, codec) = parse_answer(sdp).unwrap();
        assert_eq!(addr, "10.0.0.9:40002".parse().unwrap());
        assert_eq!(codec, Codec::Pcma);
        assert!(parse_answer(b"v=0\r\n").is_err());
        let video_only = b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n\
                    m=video 5000 RTP/AVP 96\r\n";
        assert!(parse_answer(video_only).is_err());
    }

    #[tokio::test]
    async fn the_offer_reads_back_as_this_socket() {
        let media = Media::open(
            &Ports::new(None),
            Arc::default(),
            "127.0.0.1".parse().unwrap(),
            CancellationToken::new(),
        )
        .await
        .unwrap();
        let (addr, codec) = parse_answer(&media.offer()).unwrap();
        assert_eq!((addr, codec), (media.local(), Codec::Pcmu));
        media.close();
    }

    #[tokio::test]
    async fn bridged_legs_relay_and_transcode() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let ports = Ports::new(Some((41000, 41100)));
        let a = Media::open(&ports, Arc::default(), ip, CancellationToken::new())
            .await
            .unwrap();
        let b = Media::open(&ports, Arc::default(), ip, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(a.local().port() % 2, 0);
        let far_a = UdpSocket::bind((ip, 0)).await.unwrap();
        let far_b = UdpSocket::bind((ip, 0)).await.unwrap();
        let answer = |port: u16, pt: u8| {
            format!(
                "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP {pt}\r\n"
            )
        };
        a.answered(answer(far_a.local_addr().unwrap().port(), 0).as_bytes())
            .unwrap();
        b.answered(answer(far_b.local_addr().unwrap().port(), 8).as_bytes())
            .unwrap();
        Media::bridge(&a, &b);
        let packet = rtp_types::RtpPacketBuilder::new()
            .payload_type(0)
            .sequence_number(7)
            .ssrc(42)
            .payload(&[0xFFu8, 0x80, 0x00][..])
            .write_vec()
            .unwrap();
        far_a.send_to(&packet, a.local()).await.unwrap();
        let mut buf = [0u8; 64];
        let (n, from) =
            tokio::time::timeout(std::time::Duration::from_secs(2), far_b.recv_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
        assert_eq!(from, b.local(), "sent from the other leg's socket");
        let got = RtpPacket::parse(&buf[..n]).unwrap();
        assert_eq!(
            (got.payload_type(), got.sequence_number(), got.ssrc()),
            (8, 7, 42)
        );
        let want: Vec<u8> = [0xFFu8, 0x80, 0x00]
            .iter()
            .map(|b| convert_ulaw_to_alaw(*b))
            .collect();
        assert_eq!(got.payload(), &want[..]);
        // Unbridged: nothing more is relayed.
        a.unbridge();
        far_a.send_to(&packet, a.local()).await.unwrap();
        assert!(
            tokio::time::timeout(
                std::time::Duration::from_millis(300),
                far_b.recv_from(&mut buf)
            )
            .await
            .is_err()
        );
        a.close();
        b.close();
    }
}
