//! The answer envelope: `{"code": 200, "error": null, "msg": "N records were found", "data": [ … ]}`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `code` of an envelope. Written as a JSON number (as the five endpoints'
/// pages show); read from a number or a string (real Wolkvox sends `"200"` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code(pub u16);

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumOrStr {
            Num(u16),
            Str(String),
        }
        match NumOrStr::deserialize(d)? {
            NumOrStr::Num(n) => Ok(Code(n)),
            NumOrStr::Str(s) => s
                .trim()
                .parse()
                .map(Code)
                .map_err(|_| serde::de::Error::custom(format!("code {s:?} is not a number"))),
        }
    }
}

/// The `msg` of a report answer with `n` rows.
pub fn found_msg(n: u64) -> String {
    format!("{n} records were found")
}

/// A report answer. `data` is absent on errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub code: Code,
    pub error: Option<String>,
    pub msg: String,
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<T>>,
}

impl<T> Envelope<T> {
    /// Any success code with a message and rows (201 for creations).
    pub fn with(code: u16, msg: String, rows: Vec<T>) -> Self {
        Envelope {
            code: Code(code),
            error: None,
            msg,
            data: Some(rows),
        }
    }

    /// 200 with rows.
    pub fn found(rows: Vec<T>) -> Self {
        Envelope {
            code: Code(200),
            error: None,
            msg: found_msg(rows.len() as u64),
            data: Some(rows),
        }
    }
}

/// A 200 answer whose `data` is one object rather than rows (cdr_4: one
/// member per duration band); `msg` counts it as one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectEnvelope<T> {
    pub code: Code,
    pub error: Option<String>,
    pub msg: String,
    pub data: T,
}

impl<T> ObjectEnvelope<T> {
    pub fn found(data: T) -> Self {
        ObjectEnvelope {
            code: Code(200),
            error: None,
            msg: found_msg(1),
            data,
        }
    }
}

/// The head of a 200 envelope whose `data` array is streamed after it:
/// `{"code":200,"error":null,"msg":"N records were found","data":[`.
/// Close it with [`STREAM_SUFFIX`]; separate rows with `,`.
pub fn stream_prefix(n: u64) -> String {
    #[derive(Serialize)]
    struct Head {
        code: Code,
        error: Option<String>,
        msg: String,
    }
    let head = serde_json::to_string(&Head {
        code: Code(200),
        error: None,
        msg: found_msg(n),
    })
    .unwrap_or_default();
    // `{…}` → `{…,"data":[`
    format!("{},\"data\":[", head.trim_end_matches('}'))
}

/// Closes a streamed envelope.
pub const STREAM_SUFFIX: &str = "]}";

/// The answer to a write: `{"code": 202, "error": null, "msg": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WriteAnswer {
    #[schema(value_type = u16)]
    pub code: Code,
    pub error: Option<String>,
    pub msg: String,
}

impl WriteAnswer {
    /// 200 without rows (delete_campaign).
    pub fn ok(msg: String) -> Self {
        WriteAnswer {
            code: Code(200),
            error: None,
            msg,
        }
    }

    /// 201 without rows (free_law2300).
    pub fn created(msg: String) -> Self {
        WriteAnswer {
            code: Code(201),
            error: None,
            msg,
        }
    }

    pub fn accepted(msg: String) -> Self {
        WriteAnswer {
            code: Code(202),
            error: None,
            msg,
        }
    }
}

/// The agent API's answer (agentbox.php): `code` is the string `"200"`, as
/// the vendor's examples write it; `type` adds `data.conn_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentAnswer {
    pub code: String,
    pub error: Option<String>,
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<AgentAnswerData>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentAnswerData {
    /// The typed call's id (`""` when the call has none).
    pub conn_id: String,
}

/// The agent API's answer whose `data` is a sentence (dtmf, agent_display),
/// as the vendor's examples write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentNotice {
    pub code: String,
    pub error: Option<String>,
    pub msg: String,
    pub data: String,
}

impl AgentNotice {
    pub fn ok(msg: &str, data: &str) -> Self {
        AgentNotice {
            code: "200".into(),
            error: None,
            msg: msg.into(),
            data: data.into(),
        }
    }
}

impl AgentAnswer {
    pub fn ok(msg: String) -> Self {
        AgentAnswer {
            code: "200".into(),
            error: None,
            msg,
            data: None,
        }
    }
    pub fn typed(conn_id: String) -> Self {
        Self::with_call(msgs::TYPED, conn_id)
    }
    /// `msg` and the call it is about (`data.conn_id`).
    pub fn with_call(msg: &str, conn_id: String) -> Self {
        AgentAnswer {
            data: Some(AgentAnswerData { conn_id }),
            ..Self::ok(msg.into())
        }
    }
}

/// Messages of the campaign companions, as the vendor writes them.
pub mod msgs {
    pub fn campaign_created(id: i64) -> String {
        format!("The {id} campaign_id has been created successfully")
    }
    pub const RECORDS_ADDED: &str = "All records has been added successfully";
    pub fn started(id: i64) -> String {
        format!("The {id} campaign_id has been started successfully")
    }
    pub fn stopped(id: i64) -> String {
        format!("The {id} campaign_id has been stopped successfully")
    }
    pub fn speed_updated(id: i64) -> String {
        format!("The speed of {id} campaign_id has been updated successfully")
    }
    pub fn marked_for_recall(n: u64) -> String {
        format!("{n} record(s) have been marked for recall successfully")
    }
    pub fn telephones_added(n: u64) -> String {
        format!("{n} telephones were added")
    }
    pub fn records_deleted(customer_ids: &str) -> String {
        format!("customer_id {customer_ids} has been deleted successfully")
    }
    pub fn campaign_cleared(id: i64) -> String {
        format!("All records has been deleted of campaign_id {id} successfully")
    }
    /// change_status: `state` is `Ready`, `Logout` or the pause's name.
    pub fn status_changed(state: &str) -> String {
        format!("Agent status has been modified to {state}")
    }
    pub const HUNG_UP: &str = "Hang has been successful";
    /// type and hang_type_ready.
    pub const TYPED: &str = "Type has been successful";
    /// agentbox recall (the vendor's example), edit_recall and delete_recall.
    pub const RECALLED: &str = "Recall has been successful";
    pub const RECALL_EDITED: &str = "Recall has been updated successfully";
    pub const RECALL_DELETED: &str = "Recall has been deleted successfully";
    /// agentbox dtmf: `msg` and `data`, the example's words (its trailing space too).
    pub const DTMF_MSG: &str = "default";
    pub const DTMF_ADDED: &str = "tones agentbox has been added ";
    /// agentbox transfer, as the vendor's example words it (`to` the
    /// extension dialed).
    pub fn transferred(to: &str) -> String {
        format!("Call has been transfer to {to} number")
    }
    /// agentbox dial (with the call's `conn_id`).
    pub const DIALED: &str = "Dial has been successful";
    /// agentbox hold and mute, spelled as the vendor's examples spell them.
    pub const HOLD_TOGGLED: &str = "Hold agentbox has been excecuted";
    pub const MUTE_TOGGLED: &str = "Microphone agentbox has been excecuted";
}

/// The message codify answers with.
pub fn coded_msg(customer_id: &str) -> String {
    format!("customer_id {customer_id} has been coded")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_written_as_a_number_and_read_from_either() {
        assert_eq!(serde_json::to_string(&Code(200)).unwrap(), "200");
        assert_eq!(serde_json::from_str::<Code>("200").unwrap(), Code(200));
        assert_eq!(serde_json::from_str::<Code>("\"200\"").unwrap(), Code(200));
        assert!(serde_json::from_str::<Code>("\"OK\"").is_err());
    }

    #[test]
    fn a_streamed_envelope_equals_a_serialized_one() {
        let rows = vec![serde_json::json!({"a": "1"}), serde_json::json!({"a": "2"})];
        let whole = serde_json::to_string(&Envelope::found(rows.clone())).unwrap();
        let parts: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        let streamed = format!("{}{}{}", stream_prefix(2), parts.join(","), STREAM_SUFFIX);
        assert_eq!(streamed, whole);
        assert_eq!(
            whole,
            r#"{"code":200,"error":null,"msg":"2 records were found","data":[{"a":"1"},{"a":"2"}]}"#
        );
    }

    #[test]
    fn agent_answers_are_the_vendors_examples() {
        assert_eq!(
            serde_json::to_string(&AgentAnswer::ok(msgs::HUNG_UP.into())).unwrap(),
            r#"{"code":"200","error":null,"msg":"Hang has been successful"}"#
        );
        assert_eq!(
            serde_json::to_string(&AgentAnswer::typed(String::new())).unwrap(),
            r#"{"code":"200","error":null,"msg":"Type has been successful","data":{"conn_id":""}}"#
        );
    }

    #[test]
    fn write_answers_have_no_data() {
        let a = WriteAnswer::accepted(coded_msg("3"));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"code":202,"error":null,"msg":"customer_id 3 has been coded"}"#
        );
    }
}
