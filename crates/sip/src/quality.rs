//! How a leg's incoming RTP fares, as RFC 3550 defines it for receiver
//! reports: the interarrival jitter (§6.4.1, the running estimate of
//! appendix A.8) and the share of packets lost (expected from the extended
//! highest sequence number, appendix A.3). Marcador measures what an agent's
//! phone sends it; real_time latency shows it as the phone's `tx_*`.

/// RTP's clock for G.711: 8,000 timestamp units a second.
const CLOCK_HZ: i64 = 8_000;

/// One stream's reception, reset when its SSRC changes.
#[derive(Debug, Clone, Default)]
pub struct Reception {
    ssrc: Option<u32>,
    base_seq: u32,
    max_seq: u16,
    /// Sequence-number wraps, times 65,536.
    cycles: u32,
    received: u64,
    /// The last packet's transit time, in timestamp units.
    transit: Option<i64>,
    /// The jitter estimate, in timestamp units.
    jitter: f64,
}

impl Reception {
    /// A packet `seq`/`timestamp` of `ssrc`, arrived `arrival_us` after any fixed origin.
    pub fn packet(&mut self, ssrc: u32, seq: u16, timestamp: u32, arrival_us: i64) {
        if self.ssrc != Some(ssrc) {
            *self = Reception {
                ssrc: Some(ssrc),
                base_seq: u32::from(seq),
                max_seq: seq,
                ..Reception::default()
            };
        } else {
            let delta = seq.wrapping_sub(self.max_seq);
            // Ahead (a wrap when it passes 65,535); far behind is late or a restart.
            if delta != 0 && delta < 0x8000 {
                if seq < self.max_seq {
                    self.cycles += 1 << 16;
                }
                self.max_seq = seq;
            }
        }
        self.received += 1;
        let arrival = arrival_us * CLOCK_HZ / 1_000_000;
        let transit = arrival - i64::from(timestamp);
        if let Some(last) = self.transit {
            let d = (transit - last).unsigned_abs() as f64;
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.transit = Some(transit);
    }

    /// Packets received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The jitter in µs; `None` before two packets.
    pub fn jitter_us(&self) -> Option<u32> {
        (self.received >= 2).then(|| (self.jitter * 1_000_000.0 / CLOCK_HZ as f64).round() as u32)
    }

    /// The share of expected packets that never came, in basis points (1/100
    /// of a percent); `None` before any packet. Duplicates can make the count
    /// exceed the expected: that is no loss.
    pub fn loss_bp(&self) -> Option<u32> {
        self.ssrc?;
        let expected =
            u64::from(self.cycles + u32::from(self.max_seq)) + 1 - u64::from(self.base_seq);
        let lost = expected.saturating_sub(self.received);
        Some((lost * 10_000 / expected.max(1)) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20 ms packets of 160 samples, from `first` sequence number.
    fn stream(
        r: &mut Reception,
        first: u16,
        n: u16,
        skip: impl Fn(u16) -> bool,
        delay_us: impl Fn(u16) -> i64,
    ) {
        for i in 0..n {
            if skip(i) {
                continue;
            }
            let seq = first.wrapping_add(i);
            r.packet(
                7,
                seq,
                u32::from(i) * 160,
                i64::from(i) * 20_000 + delay_us(i),
            );
        }
    }

    #[test]
    fn a_steady_stream_has_no_jitter_and_no_loss() {
        let mut r = Reception::default();
        assert_eq!((r.jitter_us(), r.loss_bp()), (None, None));
        stream(&mut r, 65_500, 200, |_| false, |_| 0);
        assert_eq!((r.jitter_us(), r.loss_bp()), (Some(0), Some(0)));
        assert_eq!(r.received(), 200);
    }

    #[test]
    fn one_packet_in_ten_lost_is_ten_percent_across_a_wrap() {
        let mut r = Reception::default();
        stream(&mut r, 65_000, 1_001, |i| i % 10 == 5, |_| 0);
        assert_eq!(r.loss_bp(), Some(1_000 - 1));
    }

    #[test]
    fn packets_late_by_turns_show_as_jitter() {
        let mut r = Reception::default();
        // Every other packet 4 ms late: |D| is 4 ms each time; the estimate tends to it.
        stream(
            &mut r,
            1,
            500,
            |_| false,
            |i| if i % 2 == 1 { 4_000 } else { 0 },
        );
        let j = r.jitter_us().unwrap();
        assert!((3_900..=4_000).contains(&j), "{j}");
        assert_eq!(r.loss_bp(), Some(0));
    }

    #[test]
    fn a_new_source_starts_over() {
        let mut r = Reception::default();
        stream(&mut r, 1, 10, |i| i == 3, |_| 0);
        r.packet(8, 40_000, 0, 1_000_000);
        assert_eq!(r.received(), 1);
        assert_eq!(r.loss_bp(), Some(0));
    }
}
