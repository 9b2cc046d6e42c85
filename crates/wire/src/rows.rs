//! One struct per report row, field names and order exactly as the wire has
//! them. Every value is a string; an absent value is `""`, never `null`.

use serde::{Deserialize, Serialize};

/// `real_time.php?api=campaigns` — one per campaign (a bare JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    format!("{id} - {name} - phone{phone} ({pct})")
}

/// The id in front of a `campaign` label, as real clients read it (split on `" - "`).
pub fn campaign_id_of_label(label: &str) -> Option<&str> {
    label.split(" - ").next().filter(|s| !s.is_empty())
}

/// `real_time.php?api=calls_last_10`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLast10Row {
    pub type_interaction: String,
    pub result: String,
    pub date: String,
    pub telephone: String,
    pub customer_id: String,
    pub conn_id: String,
}

/// `reports_manager.php?api=campaign_3` — one per dial attempt, `opt1`…`opt12` always present.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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

/// Customer and option fields of a record, with the wire's names and limits.
pub mod record_fields {
    /// `opt1`…`opt6` hold at most 100 characters, `opt7`…`opt12` at most 200.
    pub fn opt_max_chars(n: usize) -> usize {
        if n <= 6 { 100 } else { 200 }
    }
    pub const OPT_COUNT: usize = 12;
    pub const TEL_COUNT: usize = 10;
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
