//! reports_manager.php's skill reports (skill_1 … skill_11) and real_time's
//! skills: calls that queued for a skill, answered or abandoned, their
//! service levels and averages — per skill, day, hour, half hour, ten
//! minutes, number or kind of call — and the calls one by one. Fields in
//! the vendor's example order (skill_4 and skill_4_1, which have none, in
//! their tables' order).

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::format::{duration_hms, percent};

/// The thresholds of the three standard service levels, in seconds.
pub const SERVICE_LEVELS: [i64; 3] = [10, 20, 30];

/// `services_time=N`: an extra service level `service_level_{N}seg`, after
/// the standard three. N = 10, 20 or 30 gives `service_level_0seg` at 0 %,
/// as the vendor documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomLevel(pub i64);

impl CustomLevel {
    /// Reads `services_time` (whole seconds, 1 to 3600).
    pub fn parse(s: &str) -> Option<Self> {
        s.trim()
            .parse()
            .ok()
            .filter(|n| (1..=3_600).contains(n))
            .map(CustomLevel)
    }

    /// The threshold it measures (none: a standard one was asked).
    pub fn seconds(self) -> Option<i64> {
        (!SERVICE_LEVELS.contains(&self.0)).then_some(self.0)
    }

    fn field(self) -> String {
        format!("service_level_{}seg", self.seconds().unwrap_or(0))
    }
}

/// The extra service level of a row, flattened after the standard three
/// (absent without `services_time`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtraLevel(pub Option<(String, String)>);

impl Serialize for ExtraLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(usize::from(self.0.is_some())))?;
        if let Some((k, v)) = &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The calls that queued for a skill in a group, as they add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueSums {
    pub calls: i64,
    pub answered: i64,
    pub abandoned: i64,
    /// Answered within each of [`SERVICE_LEVELS`], and within the custom one.
    pub within: [i64; 3],
    pub within_custom: i64,
    pub wait_answered: i64,
    pub wait_abandoned: i64,
    /// Seconds of talk and of after-call work of the answered calls.
    pub talk: i64,
    pub acw: i64,
}

impl QueueSums {
    /// Adds one call: answered or not, after `wait` seconds; `talk` and
    /// `acw` seconds when answered.
    pub fn add(&mut self, answered: bool, wait: i64, talk: i64, acw: i64, custom: Option<i64>) {
        self.calls += 1;
        if answered {
            self.answered += 1;
            self.wait_answered += wait;
            self.talk += talk;
            self.acw += acw;
            for (n, limit) in self.within.iter_mut().zip(SERVICE_LEVELS) {
                *n += i64::from(wait <= limit);
            }
            if custom.is_some_and(|c| wait <= c) {
                self.within_custom += 1;
            }
        } else {
            self.abandoned += 1;
            self.wait_abandoned += wait;
        }
    }

    fn share(&self, n: i64) -> String {
        percent(n.max(0) as u64, self.calls.max(0) as u64)
    }

    /// `service_level_10seg`, `_20seg`, `_30seg`: answered within each ÷ calls.
    pub fn levels(&self) -> [String; 3] {
        self.within.map(|n| self.share(n))
    }

    /// The custom level's field, when `services_time` was sent.
    pub fn extra(&self, custom: Option<CustomLevel>) -> ExtraLevel {
        ExtraLevel(custom.map(|c| {
            let value = match c.seconds() {
                Some(_) => self.share(self.within_custom),
                None => percent(0, 1),
            };
            (c.field(), value)
        }))
    }

    /// skill_6's and skill_11's block.
    pub fn answered_block(&self) -> CallsAnswered {
        let [l10, l20, l30] = self.levels();
        CallsAnswered {
            inbound_calls: self.calls.to_string(),
            answer_calls: self.answered.to_string(),
            abandon_calls: self.abandoned.to_string(),
            service_level_10seg: l10,
            service_level_20seg: l20,
            service_level_30seg: l30,
            abandon: self.abandon(),
            asa: self.asa(),
            ata: self.ata(),
        }
    }

    /// Abandoned ÷ calls.
    pub fn abandon(&self) -> String {
        self.share(self.abandoned)
    }

    /// Average seconds an answered caller waited (ASA).
    pub fn asa(&self) -> String {
        avg(self.wait_answered, self.answered).to_string()
    }

    /// Average seconds an abandoning caller waited (ATA).
    pub fn ata(&self) -> String {
        avg(self.wait_abandoned, self.abandoned).to_string()
    }

    /// Average seconds of talk plus after-call work of an answered call (AHT).
    pub fn aht(&self) -> String {
        avg(self.talk + self.acw, self.answered).to_string()
    }

    /// Average seconds of talk (ATT).
    pub fn att(&self) -> String {
        avg(self.talk, self.answered).to_string()
    }

    /// Average seconds of after-call work.
    pub fn acw(&self) -> String {
        avg(self.acw, self.answered).to_string()
    }

    /// Every caller's wait, `HH:MM:SS`.
    pub fn wait_time(&self) -> String {
        duration_hms(self.wait_answered + self.wait_abandoned)
    }
}

fn avg(total: i64, n: i64) -> i64 {
    if n > 0 { total / n } else { 0 }
}

/// `skill_1` — one per skill; `services_time` adds a level.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Skill1Row {
    pub skill_name: String,
    pub skill_id: String,
    pub inbound_calls: String,
    pub answer_calls: String,
    pub abandon_calls: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    /// `service_level_<N>seg` with `services_time=N` (a key of its own: not in the schema).
    #[serde(flatten)]
    #[schema(ignore)]
    pub extra: ExtraLevel,
    pub abandon: String,
    pub asa: String,
    pub ata: String,
}

/// `skill_2` (abandoned calls) and, with its own fields, `skill_10`
/// (answered calls): one per call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill2Row {
    pub skill_name: String,
    pub skill_id: String,
    pub conn_id: String,
    pub date: String,
    /// calls_last_10's spelling: `abandon`.
    pub result: String,
    pub ani: String,
    /// Seconds the caller waited before hanging up.
    pub abandon_time: String,
    pub type_interaction: String,
    pub customer_id: String,
}

/// `skill_3` — one per skill and local day.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill3Row {
    pub skill_name: String,
    pub date: String,
    pub inbound_calls: String,
    pub answer_calls: String,
    pub abandon_calls: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    /// Every caller's wait, `HH:MM:SS`.
    pub wait_time: String,
    pub abandon: String,
    pub asa: String,
    pub ata: String,
    pub aht: String,
}

/// `skill_4` — one per skill and local hour (its table's order).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill4Row {
    pub skill_id: String,
    /// `YYYY-mm-dd HH:00:00`.
    pub hour: String,
    pub inbound_calls: String,
    pub answer_calls: String,
    pub abandon_calls: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    pub asa: String,
    pub abandon: String,
    pub aht: String,
    pub ata: String,
    pub att: String,
    pub acw: String,
}

/// `skill_4_1` — one per skill and half hour (its table's order: `ata` before `aht`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill41Row {
    pub skill_id: String,
    /// `YYYY-mm-dd HH:MM:00`, the half hour's start.
    pub hour: String,
    pub inbound_calls: String,
    pub answer_calls: String,
    pub abandon_calls: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    pub asa: String,
    pub abandon: String,
    pub ata: String,
    pub aht: String,
    pub att: String,
    pub acw: String,
}

/// `skill_4_2` — one per skill and ten minutes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill42Row {
    pub skill_id: String,
    /// `YYYY-mm-dd HH:M0:00`, the ten minutes' start.
    pub hour: String,
    pub inbound_calls: String,
    pub answer_calls: String,
    pub abandon_calls: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    pub asa: String,
    pub abandon: String,
    pub ata: String,
}

/// `skill_5` — one per skill and local hour: the agents the traffic needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill5Row {
    pub skill_id: String,
    pub hour: String,
    pub inbound_calls: String,
    /// Distinct numbers that called.
    pub inbound_calls_unique_customers: String,
    pub aht: String,
    /// Erlang C: agents to answer [`WORKFORCE_TARGET`] of the calls within [`WORKFORCE_SECONDS`].
    pub agents_needed: String,
}

/// skill_5's staffing target: 80 % of calls answered within 20 s.
pub const WORKFORCE_TARGET: f64 = 0.8;
pub const WORKFORCE_SECONDS: f64 = 20.0;

/// `skill_6` — one per number (`dnis`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill6Row {
    pub dnis: String,
    #[serde(flatten)]
    pub calls: CallsAnswered,
}

/// skill_6's and skill_11's block after their key: the calls, answered and
/// abandoned, the three service levels, the abandon share, ASA and ATA.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallsAnswered {
    pub inbound_calls: String,
    pub answer_calls: String,
    pub abandon_calls: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    pub abandon: String,
    pub asa: String,
    pub ata: String,
}

/// `skill_7` — one per local date, skill and hour.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill7Row {
    pub date: String,
    pub skill_id: String,
    pub skill_name: String,
    /// `HH:00`.
    pub hour: String,
    pub inbound_calls: String,
    pub answer_calls: String,
    pub abandon_calls: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    pub wait_time: String,
    pub abandon: String,
    pub aht: String,
    pub asa: String,
    pub ata: String,
}

/// The wait bands of skill_8 and skill_9: 0–10, 11–20, 21–30, 31–40, 41–50, 51 s or more.
pub fn wait_band(wait: i64) -> usize {
    match wait {
        ..=10 => 0,
        11..=20 => 1,
        21..=30 => 2,
        31..=40 => 3,
        41..=50 => 4,
        _ => 5,
    }
}

/// `skill_8` — answered calls per skill by how long they waited (field names as the vendor spells them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill8Row {
    pub skill_id: String,
    pub skill_name: String,
    pub answer_calls: String,
    pub answer_0seg_10seg: String,
    pub answer_11seg_20seg: String,
    pub answer_21seg_30seg: String,
    pub answer_31seg_40seg: String,
    pub answer_41seg_50seg: String,
    pub anwers_greater_than_51seg: String,
}

/// `skill_9` — abandoned calls per skill by how long they waited.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill9Row {
    pub skill_id: String,
    pub skill_name: String,
    pub abandon_calls: String,
    pub abandon_0seg_10seg: String,
    pub abandon_11seg_20_seg: String,
    pub abandon_21seg_30seg: String,
    pub abandon_31seg_40seg: String,
    pub abandon_41seg_50seg: String,
    pub abandon_greater_than_51seg: String,
}

/// `skill_10` — one per answered call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill10Row {
    pub conn_id: String,
    pub skill_id: String,
    pub skill_name: String,
    pub date: String,
    /// calls_last_10's spelling: `answer`.
    pub result: String,
    pub ani: String,
    /// Seconds from entering the skill's queue to the agent's answer.
    pub answer_time: String,
    pub agent_id: String,
    pub type_interaction: String,
}

/// `skill_11` — one per kind of call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill11Row {
    pub type_interaction: String,
    #[serde(flatten)]
    pub calls: CallsAnswered,
}

/// `real_time.php?api=skills` — one per skill: its queue now and today's calls.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct SkillRealtimeRow {
    pub skill_id: String,
    pub skill_name: String,
    pub calls_in_queue_now: String,
    pub stat_inbound: String,
    pub stat_answer: String,
    pub stat_abandon: String,
    pub service_level_10seg: String,
    pub service_level_20seg: String,
    pub service_level_30seg: String,
    /// `service_level_<N>seg` with `services_time=N` (a key of its own: not in the schema).
    #[serde(flatten)]
    #[schema(ignore)]
    pub extra: ExtraLevel,
    pub by_abandon: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_give_the_levels_and_averages() {
        let mut s = QueueSums::default();
        s.add(true, 5, 100, 20, Some(40));
        s.add(true, 25, 200, 40, Some(40));
        s.add(false, 60, 0, 0, Some(40));
        s.add(true, 45, 60, 0, Some(40));
        assert_eq!(s.levels(), ["25.00 %", "25.00 %", "50.00 %"]);
        assert_eq!(s.abandon(), "25.00 %");
        assert_eq!(s.asa(), "25");
        assert_eq!(s.ata(), "60");
        assert_eq!(s.aht(), "140");
        assert_eq!(s.att(), "120");
        assert_eq!(s.wait_time(), "00:02:15");
        assert_eq!(
            s.extra(CustomLevel::parse("40")),
            ExtraLevel(Some(("service_level_40seg".into(), "50.00 %".into())))
        );
        assert_eq!(
            s.extra(CustomLevel::parse("20")),
            ExtraLevel(Some(("service_level_0seg".into(), "0.00 %".into())))
        );
        assert_eq!(s.extra(None), ExtraLevel(None));
        assert_eq!(CustomLevel::parse("abc"), None);
        let row = Skill1Row {
            extra: s.extra(CustomLevel::parse("40")),
            ..Skill1Row::default()
        };
        let text = serde_json::to_string(&row).unwrap();
        assert!(
            text.contains(r#""service_level_30seg":"","service_level_40seg":"50.00 %","abandon""#),
            "{text}"
        );
        assert_eq!(
            [0, 10, 11, 20, 21, 50, 51, 900].map(wait_band),
            [0, 0, 1, 1, 2, 4, 5, 5]
        );
    }
}
