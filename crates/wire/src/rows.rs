//! One struct per report row, field names and order exactly as the wire has
//! them. Every value is a string; an absent value is `""`, never `null`.

use serde::{Deserialize, Serialize};

/// `real_time.php?api=campaigns` — one per campaign (a bare JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignRealtimeRow {
    /// `"{id} - {name} - phone{n} ({pct} %)"`: see [`campaign_label`].
    pub campaign: String,
    pub speed: String,
    pub status: String,
    pub skill_id: String,
    pub records: String,
    pub clean: String,
    pub dial: String,
    pub answer: String,
    pub no_answer: String,
    #[serde(rename = "busy/congestion/failed")]
    pub busy_congestion_failed: String,
    pub answer_machine: String,
    pub penetration_day: String,
    pub penetration_now: String,
    pub hits: String,
    pub calls_x_min: String,
    pub recycled: String,
}

/// The `campaign` value of the real-time report: `"{id} - {name} - phone{n} ({pct})"`,
/// `pct` in the common percent format (`"12 - Cobranza - phone1 (45.00 %)"`).
pub fn campaign_label(id: i64, name: &str, phone: u8, pct: &str) -> String {
    // Pieces pushed into one buffer of the right size: real_time campaigns
    // writes a label per campaign, a thousand at a large operation.
    let (mut n, mut p) = (itoa::Buffer::new(), itoa::Buffer::new());
    let (id, phone) = (n.format(id), p.format(phone));
    let mut out = String::with_capacity(id.len() + name.len() + phone.len() + pct.len() + 14);
    for piece in [id, " - ", name, " - phone", phone, " (", pct, ")"] {
        out.push_str(piece);
    }
    out
}

/// The id in front of a `campaign` label, as real clients read it (split on `" - "`).
pub fn campaign_id_of_label(label: &str) -> Option<&str> {
    label.split(" - ").next().filter(|s| !s.is_empty())
}

/// `real_time.php?api=calls_last_10`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallLast10Row {
    pub type_interaction: String,
    pub result: String,
    pub date: String,
    pub telephone: String,
    pub customer_id: String,
    pub conn_id: String,
}

/// `real_time.php?api=agents` — one per agent. Times are whole seconds since
/// the agent logged in (the state's time: since it began).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentRealtimeRow {
    pub agent_id: String,
    pub agent_name: String,
    /// An [`AgentStatus`](crate::AgentStatus) string or the pause's name.
    pub agent_status: String,
    pub calls: String,
    pub inbound: String,
    pub outbound: String,
    pub internal: String,
    pub time_state_now: String,
    pub ready_time: String,
    pub inbound_time: String,
    pub outbound_time: String,
    pub acw_time: String,
    pub ring_time: String,
    pub login_time: String,
    pub aht_time: String,
    /// Spelled as the vendor spells it.
    pub ocupation: String,
    pub aux_time: String,
}

/// `information.php?api=agents` — one per agent (the example's fields, `enabled` included).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InfoAgentRow {
    pub agent_id: String,
    pub agent_name: String,
    /// Not kept by Marcador: `""`.
    pub agent_dni: String,
    /// As real_time agents shows it.
    pub agent_status: String,
    /// The last log-in, `YYYY-mm-dd HH:MM:SS` (`""`: never).
    pub last_use: String,
    /// Not kept by Marcador: `""`.
    pub agent_sso: String,
    /// `"yes"`: every agent of the setup can log in.
    pub enabled: String,
}

/// `information.php?api=get_dnc` — one per number on the do-not-call list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DncListRow {
    pub phone_number: String,
    /// `"outbound"`: the list blocks Marcador's dialing.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the number leaves the list, `YYYY-mm-dd HH:MM:SS`.
    pub date_delete: String,
}

/// `information.php?api=agents_in_skill&skill_id=…` — one per agent of the skill.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentInSkillRow {
    pub agent_id: String,
    pub agent_name: String,
    pub last_use: String,
    /// Marcador has no expertise levels: every agent is `"1"`.
    pub expertise: String,
}

/// `real_time.php?api=recall&type=all` — one per recall still to come.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScheduledRecallRow {
    /// Who makes it: [`recall_style`](crate::records::recall_style) (`auto`:
    /// the campaign; `manual`: the agent who scheduled it).
    pub type_recall: String,
    /// `YYYY-mm-dd HH:MM:SS`.
    pub date_recall: String,
    pub phone_number: String,
    /// Spelled as the vendor's example spells it (its table says `id_campaign`).
    pub id_campaing: String,
    pub id_agent: String,
}

/// `real_time.php?api=info_server`'s `data` (one object): the server's CPU
/// over the last 10 minutes and its memory now, in the common percent format;
/// calls being handled and agents logged in now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InfoServerData {
    pub cpu_avg_10s: String,
    pub cpu_max_10s: String,
    pub cpu_min_10s: String,
    pub ram: String,
    pub calls: String,
    pub connected_agents: String,
}

/// `real_time.php?api=hits_last_hour` — one per call of the last 60 minutes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HitLastHourRow {
    pub conn_id: String,
    pub type_interaction: String,
    /// `YYYYmmddHHiiss`, as the documentation says (calls_last_10 writes `YYYY-mm-dd HH:MM:SS`).
    pub date: String,
    pub telephone: String,
    pub customer_id: String,
    /// `"1"` when the call's record is typed with a hit code, else `"0"`.
    pub hit: String,
}

/// `reports_manager.php?api=campaign_1` — one per final result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign1Row {
    /// [`CallResult::campaign_1`](crate::CallResult::campaign_1): `no-answer`, `answer-machine`…
    pub result: String,
    pub records: String,
    /// The records' share, in the common percent format.
    pub percent: String,
}

/// `reports_manager.php?api=campaign_2` — one per activity code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign2Row {
    pub cod_act: String,
    pub records: String,
    /// The records' share, in the common percent format.
    pub percent: String,
}

/// `reports_manager.php?api=campaign_4` — one per result, attempt by attempt:
/// the same fields as campaign_1's, counting attempts instead of records.
pub type Campaign4Row = Campaign1Row;

/// `reports_manager.php?api=campaign_3` — one per dial attempt, `opt1`…`opt12` always present.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign3Row {
    pub campaign_id: String,
    pub customer_name: String,
    pub customer_last_name: String,
    pub id_type: String,
    pub customer_id: String,
    pub date: String,
    pub telephone: String,
    pub result: String,
    pub opt1: String,
    pub opt2: String,
    pub opt3: String,
    pub opt4: String,
    pub opt5: String,
    pub opt6: String,
    pub opt7: String,
    pub opt8: String,
    pub opt9: String,
    pub opt10: String,
    pub opt11: String,
    pub opt12: String,
    pub conn_id: String,
}

impl Campaign3Row {
    /// Sets `opt1`…`opt12` from a slice (missing ones stay `""`).
    pub fn set_opts(&mut self, opts: &[String]) {
        let slots = [
            &mut self.opt1,
            &mut self.opt2,
            &mut self.opt3,
            &mut self.opt4,
            &mut self.opt5,
            &mut self.opt6,
            &mut self.opt7,
            &mut self.opt8,
            &mut self.opt9,
            &mut self.opt10,
            &mut self.opt11,
            &mut self.opt12,
        ];
        for (slot, v) in slots.into_iter().zip(opts) {
            slot.clone_from(v);
        }
    }
}

/// `reports_manager.php?api=diagram_1_3` — one per routing point and menu option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram13Row {
    pub rp_id: String,
    pub calls: String,
    /// Total time in the option, `HH:MM:SS`.
    pub time: String,
    /// The option pressed: a digit, a label such as `CV_AGENTE`, or [`PULSE`].
    pub cod_opc_menu: String,
}

/// `cod_opc_menu` when the caller pressed nothing.
pub const PULSE: &str = "PULSE";

/// The body of `PUT campaign.php?api=codify`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CodifyRequest {
    #[serde(default)]
    pub cod_act: Option<String>,
    #[serde(default)]
    pub cod_act_2: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
}

/// `POST campaign.php?api=create_campaign` body. Every value is a string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CreateCampaignRequest {
    pub campaign_name: String,
    pub campaign_description: String,
    /// `hhiiss`, predictive only.
    pub start_time: String,
    pub end_time: String,
    pub skill_id: String,
    pub opt1: String,
    pub opt2: String,
    pub opt3: String,
    pub opt4: String,
    pub opt5: String,
    pub opt6: String,
    pub opt7: String,
    pub opt8: String,
    pub opt9: String,
    pub opt10: String,
    pub opt11: String,
    pub opt12: String,
    pub amd: String,
    pub enable_edition: String,
}

impl CreateCampaignRequest {
    pub fn opt_titles(&self) -> Vec<String> {
        [
            &self.opt1,
            &self.opt2,
            &self.opt3,
            &self.opt4,
            &self.opt5,
            &self.opt6,
            &self.opt7,
            &self.opt8,
            &self.opt9,
            &self.opt10,
            &self.opt11,
            &self.opt12,
        ]
        .into_iter()
        .cloned()
        .collect()
    }
}

/// create_campaign's row: `{"id_campaign": "…", "name_campaign": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedCampaignRow {
    pub id_campaign: String,
    pub name_campaign: String,
}

/// add_record's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TotalRegistersRow {
    pub total_registers: String,
}

/// The fields of one uploaded record (`add_record`). Unknown keys are refused,
/// so a misspelled field is an error instead of silently lost data.
pub const RECORD_FIELDS: &[&str] = &[
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
    "email",
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
    "agent_id",
    "recall_date",
    "recall_telephone",
];

/// `PUT campaign.php?api=speed` body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SpeedRequest {
    #[serde(default)]
    pub speed: Option<serde_json::Value>,
}

/// `PUT campaign.php?api=recall_records` body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecallRecordsRequest {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

/// recall_records `field` values.
pub mod recall_field {
    pub const MACHINE: &str = "Cod_Machine";
    pub const CODE_1: &str = "cod_rslt1";
    pub const CODE_2: &str = "cod_rslt2";
}

/// Machine values recall_records accepts besides the campaign_3 results; they
/// match no record Marcador produces.
pub const OTHER_MACHINE_VALUES: &[&str] = &[
    "UNKNOWN",
    "DO-NOT-CALL",
    "RPC",
    "WRONG PERSON CONTACT (RPC)",
    "MAILBOX",
    "FAX",
    "WRONG NUMBER",
    "NA",
];
/// recall_records' spelling of `chanunavail`.
pub const NOT_AVAILABLE: &str = "NOT-AVAILABLE";

/// recall_records' row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecallRow {
    pub campaign_id: String,
    pub field: String,
    pub value: String,
    pub normalized_value: String,
    pub affected_records: String,
}

/// `DELETE campaign.php?api=remove_record` body: comma-separated customer ids.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RemoveRecordRequest {
    #[serde(default)]
    pub customer_id: Option<String>,
}

/// clear_campaign `result` values that match nothing Marcador records.
pub const UNMATCHED_CLEAR_RESULTS: &[&str] = &["unknown", "do-not-call"];

/// One entry of `POST campaign.php?api=add_dnc`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DncEntry {
    #[serde(default)]
    pub telephone: Option<String>,
    #[serde(default)]
    pub days_block: Option<serde_json::Value>,
}

/// add_dnc's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DncResultRow {
    pub total_added: String,
    pub total_rejected: String,
    pub total_sent: String,
}

/// `information.php?api=campaigns`. `status` is capitalised here (`Started`/`Stopped`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InfoCampaignRow {
    pub campaign_id: String,
    pub campaign_name: String,
    pub campaign_description: String,
    pub type_campaign: String,
    pub status: String,
    pub records: String,
    pub speed: String,
    pub dial_mode: String,
    pub last_use: String,
    pub recycled: String,
    pub turbo_dial: String,
    pub skill_id: String,
}

/// add_record `campaign_status` that starts the campaign after the upload.
pub const CAMPAIGN_STATUS_START: &str = "start";
/// add_record `campaign_status` that leaves the campaign stopped.
pub const CAMPAIGN_STATUS_STOP: &str = "stop";

/// add_record `campaign_status` values clients send: `Some(true)` starts the
/// campaign, `Some(false)` stops it.
pub fn campaign_status_value(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        CAMPAIGN_STATUS_START | "started" | "1" => Some(true),
        CAMPAIGN_STATUS_STOP | "stopped" | "0" => Some(false),
        _ => None,
    }
}

/// information.php `dial_mode` of a campaign dialing phone column `phone`.
pub fn dial_mode(phone: i64) -> String {
    format!("phone{phone} - ring: 30(seg)")
}

/// `information.php` campaign status spelling.
pub fn info_status(started: bool) -> &'static str {
    if started { "Started" } else { "Stopped" }
}

/// `information.php?api=skills`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SkillRow {
    pub skill_id: String,
    pub skill_name: String,
    pub skill_description: String,
    pub last_use: String,
}

/// `information.php?api=routing_points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoutingPointRow {
    pub rp_id: String,
    pub rp_name: String,
    pub ivr_active: String,
    pub chat_active: String,
    pub interaction_active: String,
    pub crm_active: String,
    pub last_use: String,
}

/// `information.php?api=activity_codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActivityCodeRow {
    pub cod_act: String,
    pub description_cod_act: String,
    pub hit: String,
    pub rpc: String,
    pub chat: String,
    pub studio: String,
    pub voice: String,
    /// `cod_act1` or `cod_act2`.
    pub type_code: String,
    pub interactions: String,
}

/// Values Marcador writes where the vendor's data has a choice Marcador does
/// not keep (README, "Decisions where the contract left a choice").
pub mod values {
    /// agents_in_skill `expertise`: there are no expertise levels.
    pub const EXPERTISE: &str = "1";
    /// get_dnc `type`: the list blocks outbound dialing.
    pub const DNC_TYPE: &str = "outbound";
    /// real_time agents `agent_status` of a pause that has no name.
    pub const UNNAMED_PAUSE: &str = "Pause";

    /// hits_last_hour `hit`.
    pub fn hit_flag(hit: bool) -> &'static str {
        if hit { "1" } else { "0" }
    }
}

/// `yes`/`no` as information.php writes flags.
pub fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// `information.php?api=token_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenInfoRow {
    pub description: String,
    pub token_limit: String,
    pub token_use_today: String,
    pub all_token_today: String,
    pub available_consumption_options: String,
}

/// Customer and option fields of a record, with the wire's names and limits.
pub mod record_fields {
    /// `opt1`…`opt6` hold at most 100 characters, `opt7`…`opt12` at most 200.
    pub fn opt_max_chars(n: usize) -> usize {
        if n <= 6 { 100 } else { 200 }
    }
    pub const OPT_COUNT: usize = 12;
    pub const TEL_COUNT: usize = 10;
    /// `opt1`…`opt12`, in order.
    pub const OPT_NAMES: [&str; OPT_COUNT] = [
        "opt1", "opt2", "opt3", "opt4", "opt5", "opt6", "opt7", "opt8", "opt9", "opt10", "opt11",
        "opt12",
    ];
    /// `tel1`…`tel10`, in order.
    pub const TEL_NAMES: [&str; TEL_COUNT] = [
        "tel1", "tel2", "tel3", "tel4", "tel5", "tel6", "tel7", "tel8", "tel9", "tel10",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realtime_row_has_every_documented_key_in_order() {
        let row = CampaignRealtimeRow {
            campaign: campaign_label(12, "Cobranza", 1, "45.00 %"),
            speed: "100".into(),
            status: "started".into(),
            skill_id: "3".into(),
            records: "10".into(),
            clean: "5".into(),
            dial: "5".into(),
            answer: "1".into(),
            no_answer: "1".into(),
            busy_congestion_failed: "1".into(),
            answer_machine: "1".into(),
            penetration_day: "50.00 %".into(),
            penetration_now: "50.00 %".into(),
            hits: "0".into(),
            calls_x_min: "0".into(),
            recycled: "0".into(),
        };
        let v = serde_json::to_value(&row).unwrap();
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"campaign":"12 - Cobranza - phone1 (45.00 %)","speed":"100","status":"started","skill_id":"3","records":"10","clean":"5","dial":"5","answer":"1","no_answer":"1","busy/congestion/failed":"1","answer_machine":"1","penetration_day":"50.00 %","penetration_now":"50.00 %","hits":"0","calls_x_min":"0","recycled":"0"}"#
        );
        assert_eq!(v["campaign"], "12 - Cobranza - phone1 (45.00 %)");
        assert_eq!(
            campaign_id_of_label("12 - Cobranza - phone1 (45.00 %)"),
            Some("12")
        );
    }

    #[test]
    fn campaign_3_rows_always_carry_twelve_opts() {
        let mut row = Campaign3Row::default();
        row.set_opts(&["a".to_owned(), "b".to_owned()]);
        let v = serde_json::to_value(&row).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 21);
        for n in 1..=12 {
            assert!(obj.contains_key(&format!("opt{n}")));
        }
        assert_eq!(v["opt2"], "b");
        assert_eq!(v["opt3"], "");
    }
}
