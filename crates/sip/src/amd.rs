//! Answering-machine detection on the first seconds of an answered call, the
//! classic way of Asterisk's AMD application: the decoded G.711 audio is cut
//! in 20 ms frames, each frame is voice or silence by its mean amplitude, and
//! the pattern decides — a long silence before anyone speaks, a greeting
//! longer than a person's "¿Aló?", too many words or one endless word are a
//! machine; a short greeting followed by silence (the person waits for an
//! answer) is a person. Undecided at the end of the analysis time: not sure
//! (the engine treats it as a person, as a dialer must not hang up on one).

pub use marcador_server::setup::AmdSettings;

/// What the analysis concluded, and why (Asterisk's AMDCAUSE, in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Person(&'static str),
    Machine(&'static str),
    NotSure,
}

/// Samples per 20 ms frame at 8 kHz.
const FRAME: usize = 160;
const FRAME_MS: u32 = 20;

/// The detector of one call: feed it the far end's audio as it comes.
#[derive(Debug)]
pub struct Amd {
    s: AmdSettings,
    /// Samples of an unfinished frame.
    pending: Vec<i16>,
    elapsed_ms: u32,
    in_initial_silence: bool,
    in_word: bool,
    words: u32,
    silence_ms: u32,
    voice_ms: u32,
    consecutive_voice_ms: u32,
    verdict: Option<Verdict>,
}

impl Amd {
    pub fn new(s: AmdSettings) -> Self {
        Amd {
            s,
            pending: Vec::with_capacity(FRAME),
            elapsed_ms: 0,
            in_initial_silence: true,
            in_word: false,
            words: 0,
            silence_ms: 0,
            voice_ms: 0,
            consecutive_voice_ms: 0,
            verdict: None,
        }
    }

    /// The verdict, once there is one.
    pub fn verdict(&self) -> Option<Verdict> {
        self.verdict
    }

    /// Audio as 16-bit linear samples at 8 kHz, in any chunk size; the
    /// verdict as soon as the audio decides it.
    pub fn feed(&mut self, samples: &[i16]) -> Option<Verdict> {
        for &x in samples {
            if self.verdict.is_some() {
                break;
            }
            self.pending.push(x);
            if self.pending.len() == FRAME {
                let sum: u64 = self
                    .pending
                    .iter()
                    .map(|v| u64::from(v.unsigned_abs()))
                    .sum();
                self.pending.clear();
                self.frame(sum / FRAME as u64 >= u64::from(self.s.silence_threshold));
            }
        }
        self.verdict
    }

    /// The analysis time ran out (no more audio came, or not enough).
    pub fn give_up(&mut self) -> Verdict {
        *self.verdict.get_or_insert(Verdict::NotSure)
    }

    fn frame(&mut self, voice: bool) {
        let s = self.s;
        self.elapsed_ms += FRAME_MS;
        if voice {
            self.silence_ms = 0;
            self.consecutive_voice_ms += FRAME_MS;
            self.voice_ms += FRAME_MS;
            if self.consecutive_voice_ms >= s.min_word_length_ms && !self.in_word {
                self.words += 1;
                self.in_word = true;
            }
            self.in_initial_silence = false;
            if self.words >= s.maximum_number_of_words {
                self.verdict = Some(Verdict::Machine("too many words"));
            } else if self.voice_ms >= s.greeting_ms {
                self.verdict = Some(Verdict::Machine("long greeting"));
            } else if self.consecutive_voice_ms >= s.maximum_word_length_ms {
                self.verdict = Some(Verdict::Machine("word too long"));
            }
        } else {
            self.silence_ms += FRAME_MS;
            if self.silence_ms >= s.between_words_silence_ms {
                self.in_word = false;
                self.consecutive_voice_ms = 0;
            }
            if self.in_initial_silence && self.silence_ms >= s.initial_silence_ms {
                self.verdict = Some(Verdict::Machine("initial silence"));
            } else if !self.in_initial_silence && self.silence_ms >= s.after_greeting_silence_ms {
                self.verdict = Some(Verdict::Person("silence after a short greeting"));
            }
        }
        if self.verdict.is_none() && self.elapsed_ms >= s.total_analysis_time_ms {
            self.verdict = Some(Verdict::NotSure);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ms` of a 400 Hz tone (voice) or of near silence.
    fn audio(ms: u32, voice: bool) -> Vec<i16> {
        (0..ms * 8)
            .map(|i| {
                if voice {
                    let t = f64::from(i) / 8000.0;
                    (8000.0 * (2.0 * std::f64::consts::PI * 400.0 * t).sin()) as i16
                } else {
                    (i % 7) as i16 * 10 - 30
                }
            })
            .collect()
    }

    fn run(parts: &[(u32, bool)]) -> Verdict {
        let mut amd = Amd::new(AmdSettings::default());
        for &(ms, voice) in parts {
            if let Some(v) = amd.feed(&audio(ms, voice)) {
                return v;
            }
        }
        amd.give_up()
    }

    #[test]
    fn a_short_hello_then_waiting_is_a_person() {
        assert!(matches!(
            run(&[(300, false), (600, true), (1200, false)]),
            Verdict::Person(_)
        ));
    }

    #[test]
    fn a_long_greeting_is_a_machine() {
        assert_eq!(
            run(&[(200, false), (3000, true)]),
            Verdict::Machine("long greeting")
        );
    }

    #[test]
    fn several_words_are_a_machine() {
        let words = [
            (100, false),
            (300, true),
            (150, false),
            (300, true),
            (150, false),
            (300, true),
        ];
        assert_eq!(run(&words), Verdict::Machine("too many words"));
    }

    #[test]
    fn silence_from_the_start_is_a_machine() {
        assert_eq!(run(&[(3000, false)]), Verdict::Machine("initial silence"));
    }

    #[test]
    fn too_little_audio_is_not_sure() {
        assert_eq!(run(&[(200, false)]), Verdict::NotSure);
    }
}
