//! One record of an `add_record` upload: its fields, their limits, and the
//! check that refuses a bad record naming its index and field (the whole
//! upload is then refused: nothing half-written).

use serde_json::Value;

use crate::date::WireDate;
use crate::error::WireError;
use crate::rows::RECORD_FIELDS;
use crate::rows::record_fields::{OPT_COUNT, OPT_NAMES, TEL_COUNT, TEL_NAMES, opt_max_chars};

/// `customer_id` holds at most this many characters.
pub const CUSTOMER_ID_MAX_CHARS: usize = 50;
/// The other text fields hold at most this many characters.
pub const TEXT_MAX_CHARS: usize = 200;
/// A telephone is 3 to 20 digits, with an optional leading `+`.
pub const TELEPHONE_DIGITS: std::ops::RangeInclusive<usize> = 3..=20;
/// What a telephone parameter is, for the error that refuses one.
pub const TELEPHONE_EXPECTED: &str = "3 to 20 digits, an optional leading +";

/// The plain text fields: every record field but those checked their own
/// way (the id, the phones and `tel_extra`, the `opt` columns, the recall).
fn is_text_field(name: &str) -> bool {
    !(name == "customer_id"
        || name.starts_with("tel")
        || name.starts_with("opt")
        || name.starts_with("recall_"))
}

/// A customer record's fields, absent ones `""`; `Recall` is when it is to be
/// called back: a [`WireDate`] as uploaded ([`UploadedRecord`]), Unix seconds
/// once read in the operation's zone (the store's record).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record<Recall> {
    pub customer_id: String,
    pub customer_name: String,
    pub customer_last_name: String,
    pub id_type: String,
    pub age: String,
    pub gender: String,
    pub country: String,
    pub state: String,
    pub city: String,
    pub zone: String,
    pub address: String,
    pub email: String,
    /// `tel1`…`tel10` (an uploaded record has a number in at least one).
    pub tels: Vec<String>,
    pub tel_extra: String,
    /// `opt1`…`opt12`.
    pub opts: Vec<String>,
    /// The preview agent the record is assigned to (an extension).
    pub agent_id: String,
    pub recall: Recall,
    pub recall_telephone: String,
}

/// A record as uploaded, checked.
pub type UploadedRecord = Record<Option<WireDate>>;

impl<R> Record<R> {
    /// The same record with its recall date read another way.
    pub fn map_recall<S>(self, f: impl FnOnce(R) -> S) -> Record<S> {
        Record {
            customer_id: self.customer_id,
            customer_name: self.customer_name,
            customer_last_name: self.customer_last_name,
            id_type: self.id_type,
            age: self.age,
            gender: self.gender,
            country: self.country,
            state: self.state,
            city: self.city,
            zone: self.zone,
            address: self.address,
            email: self.email,
            tels: self.tels,
            tel_extra: self.tel_extra,
            opts: self.opts,
            agent_id: self.agent_id,
            recall: f(self.recall),
            recall_telephone: self.recall_telephone,
        }
    }
}

/// Whether `t` is a telephone number as uploads take them.
pub fn valid_telephone(t: &str) -> bool {
    let digits = t.strip_prefix('+').unwrap_or(t);
    TELEPHONE_DIGITS.contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A string or number JSON value as text (`null` is empty).
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// A body field that is a string or number, trimmed; `None` when absent or
/// empty; anything else is refused naming the field.
pub fn body_text(v: &Option<Value>, name: &str) -> Result<Option<String>, WireError> {
    match v {
        None => Ok(None),
        Some(v) => match text(v) {
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => Ok(Some(s)),
            None => Err(WireError::bad_body(&format!("{name} must be a string"))),
        },
    }
}

impl Record<Option<WireDate>> {
    /// Reads and checks the record at `index` of an upload.
    pub fn parse(index: usize, item: &Value) -> Result<Self, WireError> {
        let bad = |field: &str, problem: &str| WireError::bad_record(index, field, problem);
        let Value::Object(map) = item else {
            return Err(bad("record", "is not a JSON object"));
        };
        for (k, v) in map {
            if !RECORD_FIELDS.contains(&k.as_str()) {
                return Err(bad(k, "is not a record field"));
            }
            if text(v).is_none() {
                return Err(bad(k, "must be a string"));
            }
        }
        let get = |f: &str| map.get(f).and_then(text).unwrap_or_default();
        let longer = |f: &str, max: usize| {
            (get(f).chars().count() > max)
                .then(|| bad(f, &format!("is longer than {max} characters")))
        };
        let customer_id = get("customer_id");
        if customer_id.is_empty() {
            return Err(bad("customer_id", "is required"));
        }
        if let Some(e) = longer("customer_id", CUSTOMER_ID_MAX_CHARS) {
            return Err(e);
        }
        let mut opts = Vec::with_capacity(OPT_COUNT);
        for (n, field) in OPT_NAMES.iter().enumerate() {
            if let Some(e) = longer(field, opt_max_chars(n + 1)) {
                return Err(e);
            }
            opts.push(get(field));
        }
        let phone = "is not a telephone number (3 to 20 digits)";
        let mut tels = Vec::with_capacity(TEL_COUNT);
        for field in TEL_NAMES {
            let v = get(field);
            if !v.is_empty() && !valid_telephone(&v) {
                return Err(bad(field, phone));
            }
            tels.push(v);
        }
        if tels.iter().all(String::is_empty) {
            return Err(bad(TEL_NAMES[0], "the record has no telephone"));
        }
        let mut text_fields = RECORD_FIELDS.iter().filter(|f| is_text_field(f));
        if let Some(e) = text_fields.find_map(|f| longer(f, TEXT_MAX_CHARS)) {
            return Err(e);
        }
        let recall_date = match get("recall_date").as_str() {
            "" => None,
            d => Some(
                WireDate::parse(d)
                    .map_err(|_| bad("recall_date", "is not a date YYYYmmddHHiiss"))?,
            ),
        };
        let recall_telephone = get("recall_telephone");
        if !recall_telephone.is_empty() && !valid_telephone(&recall_telephone) {
            return Err(bad("recall_telephone", phone));
        }
        Ok(UploadedRecord {
            customer_id,
            customer_name: get("customer_name"),
            customer_last_name: get("customer_last_name"),
            id_type: get("id_type"),
            age: get("age"),
            gender: get("gender"),
            country: get("country"),
            state: get("state"),
            city: get("city"),
            zone: get("zone"),
            address: get("address"),
            email: get("email"),
            tels,
            tel_extra: get("tel_extra"),
            opts,
            agent_id: get("agent_id"),
            recall: recall_date,
            recall_telephone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_text_fields_are_the_twelve_plain_ones() {
        let text: Vec<&str> = RECORD_FIELDS
            .iter()
            .copied()
            .filter(|f| is_text_field(f))
            .collect();
        assert_eq!(
            text,
            [
                "customer_name",
                "customer_last_name",
                "id_type",
                "age",
                "gender",
                "country",
                "state",
                "city",
                "zone",
                "address",
                "email",
                "agent_id"
            ]
        );
    }

    #[test]
    fn a_record_reads_and_each_mistake_names_its_field() {
        let r = UploadedRecord::parse(
            0,
            &json!({"customer_id": 77, "tel2": "+573001", "opt7": "x"}),
        )
        .unwrap();
        assert_eq!(
            (r.customer_id.as_str(), r.tels[1].as_str()),
            ("77", "+573001")
        );
        assert_eq!(r.opts[6], "x");
        let err = |v: Value| UploadedRecord::parse(3, &v).unwrap_err().msg;
        assert!(err(json!({"tel1": "573"})).contains("(CUSTOMER_ID)"));
        assert!(err(json!({"customer_id": "1"})).contains("NO TELEPHONE"));
        assert!(err(json!({"customer_id": "1", "tel1": "57a"})).contains("(TEL1)"));
        assert!(
            err(json!({"customer_id": "1", "tel1": "573", "telefono": "1"})).contains("(TELEFONO)")
        );
        assert!(
            err(json!({"customer_id": "1", "tel1": "573", "opt1": "x".repeat(101)}))
                .contains("(OPT1)")
        );
        assert!(
            err(json!({"customer_id": "1", "tel1": "573", "email": ["a"]}))
                .contains("MUST BE A STRING")
        );
        assert!(
            err(json!({"customer_id": "1", "tel1": "573", "recall_date": "ayer"}))
                .contains("(RECALL_DATE)")
        );
        assert!(err(json!([1])).starts_with("RECORD AT INDEX 3"));
    }
}
