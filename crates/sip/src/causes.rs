//! The Q.850 cause stored beside a SIP final answer: the mapping of RFC 3398
//! §8.2.6.1 (SIP status → ISUP cause), as Asterisk and carriers' gateways use it.

/// The Q.850 cause of a final SIP status (none: the INVITE was never answered → 102, recovery on timer expiry).
pub fn q850_of(status: Option<u16>) -> u16 {
    match status {
        None => 102,
        Some(200..=299) => 16,
        Some(400 | 405 | 406 | 413 | 414 | 415 | 416 | 420 | 421 | 423 | 488 | 493) => 127,
        Some(401 | 402 | 403 | 603) => 21,
        Some(404 | 485 | 604) => 1,
        Some(407) => 21,
        Some(408 | 504) => 102,
        Some(410) => 22,
        Some(480) => 18,
        Some(484) => 28,
        Some(486 | 600) => 17,
        Some(487) => 19,
        Some(500) => 41,
        Some(501) => 79,
        Some(502) => 38,
        Some(503) => 34,
        Some(505) => 127,
        Some(_) => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_answers_have_their_usual_causes() {
        assert_eq!(q850_of(Some(486)), 17);
        assert_eq!(q850_of(Some(404)), 1);
        assert_eq!(q850_of(Some(503)), 34);
        assert_eq!(q850_of(Some(487)), 19);
        assert_eq!(q850_of(None), 102);
    }
}
