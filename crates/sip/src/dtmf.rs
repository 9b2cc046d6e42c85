//! In-band DTMF: the keys an agent sends down its call (agentbox `dtmf`, to
//! move through the far end's IVR) as the two tones of each key, in 20 ms
//! frames of 8 kHz audio that `media.rs` plays to the customer's leg in its
//! G.711 codec. In-band, because the legs negotiate G.711 only (no RFC 4733
//! `telephone-event`), and every IVR hears tones.
//!
//! Each key sounds 100 ms and is followed by 60 ms of silence — above the
//! 40 ms minimum of each that ITU-T Q.24 receivers need.

use std::f64::consts::TAU;

/// Samples per 20 ms frame at 8 kHz.
pub const FRAME: usize = 160;
const RATE: f64 = 8_000.0;
const TONE_FRAMES: usize = 5;
const GAP_FRAMES: usize = 3;
/// Each of the two tones' peak: together -6 dBFS, loud enough for any receiver.
const AMPLITUDE: f64 = 8_000.0;

/// The keys, and the low and high tone (Hz) of each.
const KEYS: [(char, f64, f64); 16] = [
    ('1', 697.0, 1209.0),
    ('2', 697.0, 1336.0),
    ('3', 697.0, 1477.0),
    ('A', 697.0, 1633.0),
    ('4', 770.0, 1209.0),
    ('5', 770.0, 1336.0),
    ('6', 770.0, 1477.0),
    ('B', 770.0, 1633.0),
    ('7', 852.0, 1209.0),
    ('8', 852.0, 1336.0),
    ('9', 852.0, 1477.0),
    ('C', 852.0, 1633.0),
    ('*', 941.0, 1209.0),
    ('0', 941.0, 1336.0),
    ('#', 941.0, 1477.0),
    ('D', 941.0, 1633.0),
];

/// The two tones of `key` (a digit, `*`, `#` or `A`–`D`, either case).
pub fn tones(key: char) -> Option<(f64, f64)> {
    let key = key.to_ascii_uppercase();
    KEYS.iter()
        .find(|(k, ..)| *k == key)
        .map(|&(_, low, high)| (low, high))
}

/// The frames that sound `keys`, tone then gap for each (unknown keys are
/// skipped: the API has refused them already).
pub fn frames(keys: &str) -> Vec<[i16; FRAME]> {
    let mut out = Vec::new();
    for (low, high) in keys.chars().filter_map(tones) {
        for f in 0..TONE_FRAMES {
            out.push(std::array::from_fn(|i| {
                let t = (f * FRAME + i) as f64 / RATE;
                let v = AMPLITUDE * ((TAU * low * t).sin() + (TAU * high * t).sin());
                v.round() as i16
            }));
        }
        out.extend(std::iter::repeat_n([0; FRAME], GAP_FRAMES));
    }
    out
}

/// The key a 20 ms frame sounds, if it sounds one clearly: the strongest of
/// the low and of the high tones (Goertzel), each well above the others. For
/// tests and for anyone checking what was sent.
pub fn detect(frame: &[i16]) -> Option<char> {
    let power = |f: f64| {
        let k = 2.0 * (TAU * f / RATE).cos();
        let (mut s1, mut s2) = (0.0, 0.0);
        for &x in frame {
            let s = f64::from(x) + k * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        s1 * s1 + s2 * s2 - k * s1 * s2
    };
    let strongest = |fs: [f64; 4]| {
        let p = fs.map(power);
        let (i, best) = p
            .iter()
            .enumerate()
            .fold((0, 0.0), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
        let others = p.iter().sum::<f64>() - best;
        (best > 1e9 && best > 4.0 * others).then_some(fs[i])
    };
    let low = strongest([697.0, 770.0, 852.0, 941.0])?;
    let high = strongest([1209.0, 1336.0, 1477.0, 1633.0])?;
    KEYS.iter()
        .find(|(_, l, h)| *l == low && *h == high)
        .map(|(k, ..)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_heard_as_itself_and_the_gaps_as_nothing() {
        let keys = "0123456789*#ABCD";
        let frames = frames(keys);
        assert_eq!(frames.len(), keys.len() * (TONE_FRAMES + GAP_FRAMES));
        let mut heard = String::new();
        let mut last = None;
        for f in &frames {
            let k = detect(f);
            if k.is_some() && k != last {
                heard.extend(k);
            }
            last = k;
        }
        assert_eq!(heard, keys);
        assert!(keys.chars().all(|k| tones(k).is_some()));
        assert_eq!(tones('x'), None);
    }
}
