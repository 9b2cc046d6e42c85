//! campaign.php's record reads — `detail` (the records managed in a range),
//! `find_record` (a customer by id or telephone) and `campaign_15` (a whole
//! campaign, as Wolkvox Manager exports it): their rows, fields in the
//! vendor's example order, and the values they take.

use serde::{Deserialize, Serialize};

use crate::CallResult;
use crate::envelope::Code;
use crate::rows::record_fields::{OPT_COUNT, TEL_COUNT};

/// `opt1`…`opt12`, flattened into a row in that order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Opts {
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
}

impl Opts {
    /// From the record's values in order (missing ones `""`).
    pub fn from_slice(v: &[String]) -> Self {
        let mut it = v.iter().take(OPT_COUNT).cloned();
        let mut next = || it.next().unwrap_or_default();
        Opts {
            opt1: next(),
            opt2: next(),
            opt3: next(),
            opt4: next(),
            opt5: next(),
            opt6: next(),
            opt7: next(),
            opt8: next(),
            opt9: next(),
            opt10: next(),
            opt11: next(),
            opt12: next(),
        }
    }
}

/// `tel1`…`tel10`, flattened into a row in that order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tels {
    pub tel1: String,
    pub tel2: String,
    pub tel3: String,
    pub tel4: String,
    pub tel5: String,
    pub tel6: String,
    pub tel7: String,
    pub tel8: String,
    pub tel9: String,
    pub tel10: String,
}

impl Tels {
    /// From the record's numbers in order (missing ones `""`).
    pub fn from_slice(v: &[String]) -> Self {
        let mut it = v.iter().take(TEL_COUNT).cloned();
        let mut next = || it.next().unwrap_or_default();
        Tels {
            tel1: next(),
            tel2: next(),
            tel3: next(),
            tel4: next(),
            tel5: next(),
            tel6: next(),
            tel7: next(),
            tel8: next(),
            tel9: next(),
            tel10: next(),
        }
    }
}

/// `GET campaign.php?api=detail` — one per record managed in the range. The
/// example's fields: its Response table also lists `age`, the example does not
/// (the example wins).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DetailRow {
    pub customer_name: String,
    pub customer_last_name: String,
    pub id_type: String,
    pub customer_id: String,
    pub gender: String,
    pub country: String,
    pub state: String,
    pub city: String,
    pub zone: String,
    pub address: String,
    #[serde(flatten)]
    pub opts: Opts,
    #[serde(flatten)]
    pub tels: Tels,
    pub tel_extra: String,
    /// The extension of the agent who took the last call (`""`: none).
    pub agent_id: String,
    /// When the record was last managed (its last attempt or codify).
    pub date: String,
    /// Its dial attempts.
    pub calls: String,
    /// The last attempt's call.
    pub conn_id: String,
    /// The recall date (`""`: none).
    pub recall: String,
    /// The last attempt's result, [`record_result`].
    pub result: String,
    pub cod_act: String,
    pub cod_act_2: String,
    /// Recalls scheduled through campaign.php's `recall`.
    pub recall_count: String,
    pub comments: String,
}

/// `GET campaign.php?api=find_record` — one per record found (in every
/// campaign of the operation unless `campaign_id` narrows it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FindRecordRow {
    pub customer_name: String,
    pub customer_last_name: String,
    pub customer_id: String,
    pub country: String,
    pub state: String,
    pub city: String,
    pub zone: String,
    pub address: String,
    #[serde(flatten)]
    pub opts: Opts,
    #[serde(flatten)]
    pub tels: Tels,
    /// When the record was last managed (`""`: never).
    pub date: String,
    /// Its dial attempts.
    pub calls: String,
    pub conn_id: String,
    pub result: String,
    pub campaign_id: String,
}

/// `GET campaign.php?api=campaign_15` — one per record of the campaign, in
/// the Spanish names of Wolkvox Manager's export. The example's fields (its
/// table leaves out `fecha` and `description_cod2`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Campaign15Row {
    pub nombre_cliente: String,
    pub apellido_cliente: String,
    pub tipo_doc: String,
    pub id_cliente: String,
    pub edad: String,
    pub sexo: String,
    pub pais: String,
    pub departamento: String,
    pub ciudad: String,
    pub zona: String,
    pub direccion: String,
    #[serde(flatten)]
    pub opts: Opts,
    #[serde(flatten)]
    pub tels: Tels,
    pub tel_extra: String,
    pub id_agent: String,
    /// [`record_result`] of the last attempt (`""`: never dialed).
    pub resultado: String,
    /// When the record was last managed.
    pub fecha: String,
    pub llamadas: String,
    pub id_call: String,
    pub cod_rslt1: String,
    pub description_cod1: String,
    pub cod_rslt2: String,
    pub description_cod2: String,
    pub comentarios: String,
    pub rellamada: String,
    pub rellamada_count: String,
    pub email: String,
    pub rellamada_tel: String,
    pub last_dial_tele: String,
    /// Every attempt, oldest first: [`history_entry`] joined by [`HISTORY_SEPARATOR`].
    pub history_dial_tel: String,
    /// Who makes the recall ([`recall_style`]), `""` without one.
    pub rellamada_info: String,
}

/// campaign_15's whole answer: `{"code":200,"total_records":"N",
/// "campaign_id":"ID","records":[…]}` (`records`, not `data`). The server
/// streams it (the head without its rows, then each row), so this type is
/// the head's one definition and the answer's schema.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Campaign15Answer {
    #[schema(value_type = u16)]
    pub code: Code,
    pub total_records: String,
    pub campaign_id: String,
    /// Last, so the streamed rows follow the head.
    pub records: Vec<Campaign15Row>,
}

/// The head of campaign_15's answer, whose `records` array is streamed after
/// it: `{"code":200,"total_records":"N","campaign_id":"ID","records":[`.
pub fn campaign_15_prefix(n: u64, campaign_id: i64) -> String {
    let head = serde_json::to_string(&Campaign15Answer {
        code: Code(200),
        total_records: n.to_string(),
        campaign_id: campaign_id.to_string(),
        records: Vec::new(),
    })
    .unwrap_or_default();
    // `{…,"records":[]}` → `{…,"records":[`
    head.trim_end_matches("]}").to_owned()
}

/// A record's result as the Manager's campaign table writes it: calls_last_10's
/// value upper case, spaces kept (`ANSWER MACHINE`, `NO ANSWER`, `CHANUNAVAIL`),
/// as campaign_15's documentation lists them.
pub fn record_result(stored: &str) -> String {
    CallResult::parse(stored)
        .map(|r| r.as_str().to_uppercase())
        .unwrap_or_default()
}

/// One attempt in `history_dial_tel`: `date result telephone`.
pub fn history_entry(date: &str, result: &str, telephone: &str) -> String {
    format!("{date} {} {telephone}", record_result(result))
}

/// Between the attempts of `history_dial_tel`.
pub const HISTORY_SEPARATOR: &str = " | ";

/// `detail`'s `detail` parameter.
pub mod detail {
    /// Only records with a call (`conn_id`): the default.
    pub const DEFAULT: &str = "default";
    /// Every managed record, codified without a call too.
    pub const ALL: &str = "all";
}

/// Who makes a recall (real_time recall's `type_recall` and `type` filter,
/// agentbox's `recall_style`, campaign_15's `rellamada_info`).
pub mod recall_style {
    /// The campaign dials it at its time (uploads and campaign.php's recall).
    pub const AUTO: &str = "auto";
    /// The agent who scheduled it takes it: the call is routed to that agent.
    pub const MANUAL: &str = "manual";
    /// real_time recall's `type=all`.
    pub const ALL: &str = "all";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_rows_keep_the_example_order() {
        let row = FindRecordRow {
            opts: Opts::from_slice(&["a".into()]),
            tels: Tels::from_slice(&["573001112233".into(), "573004445566".into()]),
            ..FindRecordRow::default()
        };
        let text = serde_json::to_string(&row).unwrap();
        let keys: Vec<&str> = text
            .trim_matches(['{', '}'])
            .split(",\"")
            .map(|kv| kv.trim_start_matches('"').split('"').next().unwrap())
            .collect();
        assert_eq!(
            keys[..9],
            [
                "customer_name",
                "customer_last_name",
                "customer_id",
                "country",
                "state",
                "city",
                "zone",
                "address",
                "opt1"
            ]
        );
        assert_eq!(keys[19..22], ["opt12", "tel1", "tel2"]);
        assert_eq!(
            keys[29..],
            ["tel10", "date", "calls", "conn_id", "result", "campaign_id"]
        );
        assert!(text.contains("\"opt1\":\"a\",\"opt2\":\"\""));
        assert!(text.contains("\"tel2\":\"573004445566\",\"tel3\":\"\""));
    }

    #[test]
    fn campaign_15_head_and_result_spelling() {
        assert_eq!(
            campaign_15_prefix(2, 7),
            r#"{"code":200,"total_records":"2","campaign_id":"7","records":["#
        );
        assert_eq!(record_result("answer machine"), "ANSWER MACHINE");
        assert_eq!(record_result("no answer"), "NO ANSWER");
        assert_eq!(
            history_entry("2026-11-22 09:00:00", "busy", "573001112233"),
            "2026-11-22 09:00:00 BUSY 573001112233"
        );
    }
}
