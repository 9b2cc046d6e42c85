//! campaign.php's campaign edits: `recall` (call a customer back at a date),
//! `edit_campaign`, `campaign_filter` (which records the dialer takes) and
//! `delete_campaign` — their bodies, the values they take, their answers.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::envelope::Code;
use crate::upload::{TELEPHONE_EXPECTED, body_text, valid_telephone};
use crate::{WireDate, WireError};

/// `PUT campaign.php?api=recall&campaign_id=…` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RecallRequest {
    /// `YYYYmmddHHiiss` in the operation's zone.
    #[serde(default)]
    pub recall_date: Option<Value>,
    /// The number to call back (`""`: the record's next number).
    #[serde(default)]
    pub recall_telephone: Option<Value>,
    #[serde(default)]
    pub customer_id: Option<Value>,
}

/// A recall, checked: whom, when, on which number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recall {
    pub customer_id: String,
    pub date: WireDate,
    /// `None`: the record's next number.
    pub telephone: Option<String>,
}

impl RecallRequest {
    /// `customer_id` and `recall_date` are required, the date in the request
    /// format; `recall_telephone`, when given, is a telephone as uploads take them.
    pub fn check(&self) -> Result<Recall, WireError> {
        let customer = body_text(&self.customer_id, "customer_id")?;
        let date = body_text(&self.recall_date, "recall_date")?;
        let (Some(customer_id), Some(date)) = (customer, date) else {
            return Err(WireError::parameters_required());
        };
        let date =
            WireDate::parse(&date).map_err(|_| WireError::malformed_date("recall_date", &date))?;
        let telephone = body_text(&self.recall_telephone, "recall_telephone")?;
        if let Some(t) = telephone.as_deref().filter(|t| !valid_telephone(t)) {
            return Err(WireError::bad_parameter(
                "recall_telephone",
                t,
                TELEPHONE_EXPECTED,
            ));
        }
        Ok(Recall {
            customer_id,
            date,
            telephone,
        })
    }
}

/// recall's answer.
pub fn recalled_msg(customer_id: &str, date: &str, telephone: &str) -> String {
    format!(
        "customer_id {customer_id} has been updated and will be call back on {date} to phone {telephone}"
    )
}

/// `PUT campaign.php?api=edit_campaign&campaign_id=…` body: every field is
/// optional, only those sent change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditCampaignRequest {
    #[serde(default)]
    pub campaign_name: Option<Value>,
    #[serde(default)]
    pub campaign_description: Option<Value>,
    /// `Predictive` or `Preview` (any case).
    #[serde(default)]
    pub type_camp: Option<Value>,
    /// `yes` / `no`.
    #[serde(default)]
    pub enable_edition: Option<Value>,
    /// `HH:mm:ss`.
    #[serde(default)]
    pub start_time: Option<Value>,
    #[serde(default)]
    pub end_time: Option<Value>,
    #[serde(default)]
    pub skill_id: Option<Value>,
    /// `default`, `none` or one of [`AMD_COUNTRIES`](crate::api::AMD_COUNTRIES).
    #[serde(default)]
    pub amd_conf: Option<Value>,
    #[serde(default)]
    pub turbo_dial: Option<Value>,
    #[serde(default)]
    pub routing_recall: Option<Value>,
    /// [`dial_order`] values.
    #[serde(default)]
    pub camp_dial_order: Option<Value>,
    /// `{"opt1": "title", …}`: the titles of the optional fields.
    #[serde(default)]
    pub optional_labels: Option<Value>,
}

/// edit_campaign's `type_camp` spelling of a campaign type.
pub fn type_camp(kind: crate::CampaignType) -> &'static str {
    match kind {
        crate::CampaignType::Predictive => "Predictive",
        crate::CampaignType::Preview => "Preview",
    }
}

/// edit_campaign's `amd_conf` values besides a country code.
pub mod amd_conf {
    /// The operation's own detection thresholds.
    pub const DEFAULT: &str = "default";
    /// No answering-machine detection.
    pub const NONE: &str = "none";
}

/// edit_campaign's `camp_dial_order` values. Marcador dials in upload order
/// (`linear`); the other two are refused by name.
pub mod dial_order {
    pub const LINEAR: &str = "linear";
    pub const ZIGZAG: &str = "zigzag";
    pub const RANDOM: &str = "random";
}

/// The titles of a campaign's optional fields, written as an object in
/// `opt1`…`opt12` order (only the fields that have a title).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct OptionalLabels(pub Vec<(String, String)>);

impl Serialize for OptionalLabels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// edit_campaign's row: the campaign as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct EditedCampaignRow {
    pub campaign_id: String,
    pub campaign_name: String,
    pub campaign_description: String,
    pub type_camp: String,
    pub enable_edition: String,
    /// `HH:mm:ss`.
    pub start_time: String,
    pub end_time: String,
    pub skill_id: String,
    pub amd_conf: String,
    pub turbo_dial: String,
    pub routing_recall: String,
    /// `{"opt1": "title", …}`.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub optional_labels: OptionalLabels,
}

/// edit_campaign's message.
pub const CAMPAIGN_UPDATED: &str = "Campaign has been updated successfully";

/// `hhiiss` (as campaigns keep their window) → `HH:mm:ss`.
pub fn clock_time(hhiiss: &str) -> String {
    if hhiiss.len() == 6 && hhiiss.is_ascii() {
        format!("{}:{}:{}", &hhiiss[0..2], &hhiiss[2..4], &hhiiss[4..6])
    } else {
        hhiiss.to_owned()
    }
}

/// `HH:mm:ss` → `hhiiss`, if it is a time of day.
pub fn parse_clock_time(s: &str) -> Option<String> {
    let mut parts = s.trim().split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [h, m, sec].iter().any(|p| p.len() != 2) {
        return None;
    }
    let (hn, mn, sn): (u8, u8, u8) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    (hn < 24 && mn < 60 && sn < 60).then(|| format!("{h}{m}{sec}"))
}

/// `PUT campaign.php?api=campaign_filter&type_campaign=…&campaign_id=…` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CampaignFilterRequest {
    /// `yes` applies `filters`; `no` removes the campaign's filter.
    #[serde(default)]
    pub filter_active: Option<Value>,
    /// `and` (the default) or `or`.
    #[serde(default)]
    pub connector: Option<Value>,
    #[serde(default)]
    pub filters: Option<Vec<FilterCondition>>,
}

/// One condition of a campaign filter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FilterCondition {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub value: String,
}

/// What campaign_filter takes.
pub mod filter {
    /// The record fields a condition can name.
    pub const FIELDS: &[&str] = &[
        "customer_name",
        "customer_last_name",
        "id_type",
        "customer_id",
        "age",
        "gender",
        "country",
        "state",
        "city",
        "zone",
        "address",
        "opt1",
        "opt2",
        "opt3",
        "opt4",
        "opt5",
        "opt6",
        "opt7",
        "opt8",
        "opt9",
        "opt10",
        "opt11",
        "opt12",
        "tel1",
        "tel2",
        "tel3",
        "tel4",
        "tel5",
        "tel6",
        "tel7",
        "tel8",
        "tel9",
        "tel10",
        "tel_extra",
        "email",
        "result",
    ];
    /// The field that holds the record's last result (the others are its own columns).
    pub const RESULT: &str = "result";
    /// Comparison operators (`is` and `like` are words).
    pub const OPERATORS: &[&str] = &["<", ">", ">=", "<=", "!=", "=", "is", "like"];
    pub const IS: &str = "is";
    pub const LIKE: &str = "like";
    /// `is` values meaning an empty field (any case); `is not …` of them a filled one.
    pub const EMPTY_WORDS: &[&str] = &["null", "empty", ""];
    pub const AND: &str = "and";
    pub const OR: &str = "or";
    pub const YES: &str = "yes";
    pub const NO: &str = "no";
}

/// campaign_filter's `data`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FilterData {
    /// The campaign's records.
    pub total_records: String,
    /// Records still to dial that the filter lets through.
    pub pending_records: String,
    /// The filter as applied (`""`: none).
    pub applied_filter: String,
}

/// campaign_filter's message.
pub const FILTER_UPDATED: &str = "Campaign filter successfully updated";

/// `DELETE campaign.php?api=delete_campaign` body (several campaigns).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteCampaignsRequest {
    #[serde(default)]
    pub campaign_ids: Option<Vec<Value>>,
}

/// delete_campaign's message.
pub fn campaigns_deleted_msg(deleted: u64, failed: u64) -> String {
    format!("{deleted} campaigns deleted successfully. {failed} operations failed.")
}

/// An answer whose `data` is one object and whose message is its own
/// (campaign_filter).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectAnswer<T> {
    pub code: Code,
    pub error: Option<String>,
    pub msg: String,
    pub data: T,
}

impl<T> ObjectAnswer<T> {
    pub fn ok(msg: &str, data: T) -> Self {
        ObjectAnswer {
            code: Code(200),
            error: None,
            msg: msg.to_owned(),
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_round_trip() {
        assert_eq!(clock_time("083000"), "08:30:00");
        assert_eq!(parse_clock_time("08:30:00").as_deref(), Some("083000"));
        assert_eq!(parse_clock_time("23:59:59").as_deref(), Some("235959"));
        assert_eq!(parse_clock_time("24:00:00"), None);
        assert_eq!(parse_clock_time("8:30:00"), None);
        assert_eq!(parse_clock_time("083000"), None);
    }

    #[test]
    fn labels_are_an_object_in_order_and_messages_are_the_vendors() {
        let row = EditedCampaignRow {
            optional_labels: OptionalLabels(vec![
                ("opt2".into(), "Saldo".into()),
                ("opt10".into(), "Ciudad".into()),
            ]),
            ..EditedCampaignRow::default()
        };
        let text = serde_json::to_string(&row).unwrap();
        assert!(
            text.ends_with(r#""optional_labels":{"opt2":"Saldo","opt10":"Ciudad"}}"#),
            "{text}"
        );
        assert_eq!(
            campaigns_deleted_msg(2, 0),
            "2 campaigns deleted successfully. 0 operations failed."
        );
        assert_eq!(
            recalled_msg("7", "2026-11-23 09:00:00", "573001112233"),
            "customer_id 7 has been updated and will be call back on 2026-11-23 09:00:00 to phone 573001112233"
        );
    }
}
