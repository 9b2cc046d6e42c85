//! The call reports of `reports_manager.php`: `cdr_*` (each call, who took it,
//! how long, how it ended) and `act_*` (the activity codes typed on calls).
//! Rows in the order of the vendor's example answers, every value a string.

use serde::{Deserialize, Serialize};

use crate::TypeInteraction;

/// The code a call gets when its agent's after-call work ran out untyped.
pub const TIMEOUT_ACW: &str = "TIMEOUTACW";

/// `cost`: Marcador keeps no tariff, so every call costs `"0"`.
pub const NO_COST: &str = "0";

/// The `cod_act` parameter of act_1, act_2, act_3 and act_5: which group of
/// activity codes the report is about.
pub mod code_group {
    /// The first group (a call's `cod_act`).
    pub const FIRST: &str = "cod_act1";
    /// The second group (a call's `cod_act_2`).
    pub const SECOND: &str = "cod_act2";

    /// `Some(1)` or `Some(2)` for a group name, `None` for anything else.
    pub fn level(value: &str) -> Option<u8> {
        match value {
            FIRST => Some(1),
            SECOND => Some(2),
            _ => None,
        }
    }

    /// The group name of a code of `level` (1 or 2), as information.php's
    /// `type_code` writes it.
    pub fn name(level: i64) -> &'static str {
        if level == 2 { SECOND } else { FIRST }
    }
}

/// A code's `description_cod_act`: TIMEOUTACW has no description of its own
/// and is written as its own description, as the vendor's reports show it.
pub fn describe(code: &str, description: String) -> String {
    if code == TIMEOUT_ACW {
        TIMEOUT_ACW.to_owned()
    } else {
        description
    }
}

/// `destiny`: where a call went, by its kind and number, in the vendor's
/// language — `ENTRANTE` (an inbound call), `INTERNA` (an extension),
/// `CELULAR` (a Colombian mobile: 10 digits from 3, or 57 and those),
/// `INTERNACIONAL` (a `+`/`00` number of another country), else `FIJO`.
pub fn destiny(kind: TypeInteraction, telephone: &str) -> &'static str {
    match kind {
        TypeInteraction::Inbound => return "ENTRANTE",
        TypeInteraction::InternalCall
        | TypeInteraction::InternalCallInb
        | TypeInteraction::InternalCallQue => return "INTERNA",
        _ => {}
    }
    let international = telephone.starts_with('+') || telephone.starts_with("00");
    let digits: String = telephone.chars().filter(char::is_ascii_digit).collect();
    let national = match digits
        .strip_prefix("0057")
        .or_else(|| digits.strip_prefix("57"))
    {
        Some(rest) if digits.len() == 12 || digits.len() == 14 => rest,
        _ if international => return "INTERNACIONAL",
        _ => digits.as_str(),
    };
    if national.len() == 10 && national.starts_with('3') {
        "CELULAR"
    } else if national.len() <= 5 && !national.is_empty() {
        "INTERNA"
    } else {
        "FIJO"
    }
}

/// `time_min`: the call's minutes as a carrier bills them, each begun minute whole.
pub fn billed_minutes(seconds: i64) -> i64 {
    (seconds.max(0) + 59) / 60
}

/// The cdr_4 bands of call duration, in seconds (`up_to` inclusive; the last has none).
pub const DURATION_BANDS: [(&str, Option<i64>); 5] = [
    ("0_5_seg", Some(5)),
    ("6_20_seg", Some(20)),
    ("21_60_seg", Some(60)),
    ("61_120_seg", Some(120)),
    ("greater_than_121", None),
];

/// Which [`DURATION_BANDS`] entry a call of `seconds` falls in.
pub fn duration_band(seconds: i64) -> usize {
    DURATION_BANDS
        .iter()
        .position(|(_, up_to)| up_to.is_some_and(|u| seconds <= u))
        .unwrap_or(DURATION_BANDS.len() - 1)
}

/// `reports_manager.php?api=cdr_1` — one per call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cdr1Row {
    pub agent_name: String,
    /// `YYYY-mm-dd HH:MM:SS`, when the call started.
    pub date: String,
    pub destiny: String,
    pub telephone: String,
    pub cost: String,
    pub time_seg: String,
    pub time_min: String,
    pub cod_act: String,
    pub description_cod_act: String,
    pub cod_act_2: String,
    pub description_cod_act_2: String,
    pub type_interaction: String,
    pub customer_id: String,
    pub hang_up: String,
    pub campaign_id: String,
    pub conn_id: String,
    pub skill_id: String,
    pub skill_name: String,
    pub agent_id: String,
    pub comment: String,
}

/// `cdr_2` — calls per agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cdr2Row {
    pub calls: String,
    pub agent_name: String,
    pub cost: String,
}

/// One band of `cdr_4`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cdr4Band {
    pub calls: String,
    pub minutes: String,
    pub cost: String,
    pub percentage: String,
}

/// `cdr_4`'s `data`: an object with one member per band, not an array.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cdr4Data {
    #[serde(rename = "0_5_seg")]
    pub up_to_5: Cdr4Band,
    #[serde(rename = "6_20_seg")]
    pub up_to_20: Cdr4Band,
    #[serde(rename = "21_60_seg")]
    pub up_to_60: Cdr4Band,
    #[serde(rename = "61_120_seg")]
    pub up_to_120: Cdr4Band,
    #[serde(rename = "greater_than_121")]
    pub longer: Cdr4Band,
}

impl Cdr4Data {
    /// The bands in [`DURATION_BANDS`] order.
    pub fn from_bands(bands: [Cdr4Band; 5]) -> Self {
        let [up_to_5, up_to_20, up_to_60, up_to_120, longer] = bands;
        Cdr4Data {
            up_to_5,
            up_to_20,
            up_to_60,
            up_to_120,
            longer,
        }
    }
}

/// `cdr_5` — one per outbound call that reached nobody.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cdr5Row {
    pub agent_name: String,
    pub date: String,
    pub destiny: String,
    pub telephone: String,
    /// Seconds from dialing to the end.
    pub ring_time: String,
    /// [`CallResult::not_connected`](crate::CallResult::not_connected).
    pub result: String,
    pub type_interaction: String,
    pub customer_id: String,
    pub campaign_id: String,
    pub agent_id: String,
    pub conn_id: String,
}

/// `cdr_6` — cdr_5's calls counted by result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cdr6Row {
    pub result: String,
    pub count: String,
}

/// `act_1` — calls typed with each code, per agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Act1Row {
    pub count: String,
    pub agent_name: String,
    pub agent_dni: String,
    pub cod_act: String,
    pub description_cod_act: String,
}

/// `act_2` — calls typed with each code, per skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Act2Row {
    pub count: String,
    pub skill_id: String,
    pub cod_act: String,
    pub description_cod_act: String,
}

/// `act_3` — one per typed call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Act3Row {
    pub conn_id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub agent_dni: String,
    pub skill_id: String,
    /// When it was typed.
    pub date: String,
    pub cod_act: String,
    pub description_cod_act: String,
    pub cod_act_2: String,
    pub description_cod_act_2: String,
    pub comments: String,
    pub type_interaction: String,
    pub telephone: String,
    pub destiny: String,
    /// The call's duration, `HH:MM:SS`.
    pub time: String,
    pub hang_up: String,
    pub customer_id: String,
    pub campaign_id: String,
}

/// `act_4` — calls an agent took and never typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Act4Row {
    pub uncode_calls: String,
    pub agent_id: String,
    pub agent_name: String,
}

/// `act_5` — calls typed with each code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Act5Row {
    pub count: String,
    pub cod_act: String,
    pub description_cod_act: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_follow_the_number() {
        use TypeInteraction::*;
        assert_eq!(destiny(OutPre, "3001234567"), "CELULAR");
        assert_eq!(destiny(OutPre, "573001234567"), "CELULAR");
        assert_eq!(destiny(OutPre, "+573001234567"), "CELULAR");
        assert_eq!(destiny(OutPre, "6012345678"), "FIJO");
        assert_eq!(destiny(OutboundMa, "+13055550100"), "INTERNACIONAL");
        assert_eq!(destiny(Transfer, "1004"), "INTERNA");
        assert_eq!(destiny(InternalCall, "3001234567"), "INTERNA");
        assert_eq!(destiny(Inbound, "3001234567"), "ENTRANTE");
    }

    #[test]
    fn durations_fall_in_one_band_and_minutes_are_billed_whole() {
        let bands: Vec<usize> = [0, 5, 6, 20, 21, 60, 61, 120, 121, 9_999]
            .iter()
            .map(|&s| duration_band(s))
            .collect();
        assert_eq!(bands, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(billed_minutes(0), 0);
        assert_eq!(billed_minutes(1), 1);
        assert_eq!(billed_minutes(60), 1);
        assert_eq!(billed_minutes(61), 2);
    }

    #[test]
    fn cdr_4_is_an_object_of_bands_in_order() {
        let json = serde_json::to_string(&Cdr4Data::default()).unwrap();
        let keys: Vec<&str> = DURATION_BANDS.iter().map(|b| b.0).collect();
        let mut at = 0;
        for k in keys {
            let pos = json.find(&format!("\"{k}\":")).unwrap();
            assert!(pos >= at, "{k} out of order in {json}");
            at = pos;
        }
    }

    #[test]
    fn code_groups_are_the_documented_names() {
        assert_eq!(code_group::level("cod_act1"), Some(1));
        assert_eq!(code_group::level("cod_act2"), Some(2));
        assert_eq!(code_group::level("001"), None);
        assert_eq!(code_group::name(1), "cod_act1");
        assert_eq!(code_group::name(2), "cod_act2");
        assert_eq!(describe(TIMEOUT_ACW, String::new()), TIMEOUT_ACW);
        assert_eq!(describe("001", "Venta".into()), "Venta");
    }
}
