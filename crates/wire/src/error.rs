//! The error catalogue. The first six are the vendor's published rows, word for
//! word; the rest are Marcador's, for situations the vendor does not document:
//! `error` is the HTTP reason phrase, `msg` is in capitals and says what to do.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::envelope::Code;
use crate::limits::{
    MAX_ANSWER_BYTES, MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_IN_FLIGHT_PER_TOKEN,
    MAX_RANGE_DAYS, MAX_RECORDS_PER_UPLOAD, MAX_TARGET_BYTES,
};

/// An error answer: `{"code": 403, "error": "FORBIDDEN", "msg": "…"}` (no `data`),
/// except "no data", which carries `"data": []` as the vendor's does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?} {error}: {msg}")]
pub struct WireError {
    pub code: Code,
    pub error: String,
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<serde_json::Value>>,
}

pub const BAD_REQUEST: &str = "BAD REQUEST";
pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
pub const FORBIDDEN: &str = "FORBIDDEN";
pub const NOT_FOUND: &str = "NOT FOUND";
pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD TOO LARGE";
pub const GATEWAY_TIMEOUT: &str = "GATEWAY TIMEOUT";
pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL SERVER ERROR";
pub const METHOD_NOT_ALLOWED: &str = "METHOD NOT ALLOWED";
pub const URI_TOO_LONG: &str = "URI TOO LONG";
pub const HEADERS_TOO_LARGE: &str = "REQUEST HEADER FIELDS TOO LARGE";
pub const SERVICE_UNAVAILABLE: &str = "SERVICE UNAVAILABLE";
/// The `error` of an HTTP-layer error whose status has no reason phrase.
pub const UNKNOWN_ERROR: &str = "ERROR";

/// Vendor messages, verbatim.
pub const MSG_API_NOT_FOUND: &str = "THE API YOU WANT TO CONSULT DOES NOT EXIST";
pub const MSG_PARAMETERS_REQUIRED: &str = "SOME PARAMETERS ARE REQUIRED";
pub const MSG_ENTER_TOKEN: &str = "PLEASE ENTER THE WOLKVOX-TOKEN";
pub const MSG_TOKEN_LIMIT: &str = "TOKEN LIMIT EXCEEDED";
pub const MSG_VALIDATE_TOKEN: &str = "PLEASE VALIDATE TOKEN";
pub const MSG_NO_DATA: &str = "0 records were found";
/// How the in-flight refusal's message starts (the limit follows in brackets).
pub const MSG_SIMULTANEOUS_PREFIX: &str = "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN";

impl WireError {
    fn new(code: u16, error: &str, msg: impl Into<String>) -> Self {
        WireError {
            code: Code(code),
            error: error.to_owned(),
            msg: msg.into(),
            data: None,
        }
    }

    /// The HTTP status this error is answered with (always equal to `code`).
    pub fn status(&self) -> u16 {
        self.code.0
    }

    // ---- how clients recognise them ------------------------------------------------

    /// "No data": a 404 that carries `data: []` or the `0 records were found` message
    /// (a 404 for an unknown campaign or path is *not* "no data").
    pub fn is_no_data(&self) -> bool {
        self.code.0 == 404
            && (self.msg == MSG_NO_DATA || self.data.as_ref().is_some_and(Vec::is_empty))
    }
    /// The operation's daily quota is used up.
    pub fn is_token_limit(&self) -> bool {
        self.code.0 == 403 && self.msg.trim().eq_ignore_ascii_case(MSG_TOKEN_LIMIT)
    }
    /// A request refused because two others on the token were in flight: safe to retry.
    pub fn is_simultaneous_refusal(&self) -> bool {
        self.code.0 == 403 && self.msg.trim_start().starts_with(MSG_SIMULTANEOUS_PREFIX)
    }
    /// The answer would pass the record or byte cap (413) or the deadline (504):
    /// a narrower date range may fit.
    pub fn is_too_large(&self) -> bool {
        matches!(self.code.0, 413 | 504)
    }

    // ---- the vendor's catalogue -------------------------------------------------

    /// `api=` names no report of that file.
    pub fn api_not_found() -> Self {
        Self::new(400, BAD_REQUEST, MSG_API_NOT_FOUND)
    }
    /// A required parameter is missing (query or body).
    pub fn parameters_required() -> Self {
        Self::new(400, BAD_REQUEST, MSG_PARAMETERS_REQUIRED)
    }
    /// No `wolkvox-token` header.
    pub fn enter_token() -> Self {
        Self::new(401, UNAUTHORIZED, MSG_ENTER_TOKEN)
    }
    /// The operation's daily quota is used up.
    pub fn token_limit_exceeded() -> Self {
        Self::new(403, FORBIDDEN, MSG_TOKEN_LIMIT)
    }
    /// A third request in flight on one token.
    pub fn simultaneous_requests() -> Self {
        Self::new(
            403,
            FORBIDDEN,
            format!("{MSG_SIMULTANEOUS_PREFIX} ({MAX_IN_FLIGHT_PER_TOKEN})"),
        )
    }
    /// Unknown, disabled or malformed token.
    pub fn validate_token() -> Self {
        Self::new(403, FORBIDDEN, MSG_VALIDATE_TOKEN)
    }
    /// No data: HTTP 404 with an empty `data` array, which real clients rely on.
    pub fn no_data() -> Self {
        WireError {
            data: Some(Vec::new()),
            ..Self::new(404, NOT_FOUND, MSG_NO_DATA)
        }
    }

    // ---- Marcador's own -----------------------------------------------------------

    pub fn malformed_date(param: &str, value: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "{} {value:?} IS NOT A VALID DATE: USE YYYYmmddHHiiss, E.G. 20261122083000",
                param.to_uppercase()
            ),
        )
    }
    pub fn reversed_range() -> Self {
        Self::new(400, BAD_REQUEST, "DATE_INI MUST NOT BE AFTER DATE_END")
    }
    pub fn range_too_long() -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "THE DATE RANGE EXCEEDS THE LIMIT OF {MAX_RANGE_DAYS} DAYS: SPLIT IT INTO RANGES OF AT MOST {MAX_RANGE_DAYS} DAYS"
            ),
        )
    }
    /// More than `limit` records (the contract's is [`MAX_RECORDS_PER_ANSWER`]).
    pub fn too_many_records(limit: u64) -> Self {
        Self::new(
            413,
            PAYLOAD_TOO_LARGE,
            format!("THE ANSWER HAS MORE THAN {limit} RECORDS: NARROW THE DATE RANGE"),
        )
    }
    pub fn answer_too_large(limit_bytes: u64) -> Self {
        let limit = if limit_bytes == MAX_ANSWER_BYTES {
            "256 MB".to_owned()
        } else {
            format!("{limit_bytes} BYTES")
        };
        Self::new(
            413,
            PAYLOAD_TOO_LARGE,
            format!("THE ANSWER EXCEEDS THE LIMIT OF {limit}: NARROW THE DATE RANGE"),
        )
    }
    pub fn upload_too_large(sent: usize) -> Self {
        Self::new(
            413,
            PAYLOAD_TOO_LARGE,
            format!(
                "AT MOST {MAX_RECORDS_PER_UPLOAD} RECORDS CAN BE UPLOADED IN ONE REQUEST ({sent} SENT): SPLIT THE UPLOAD"
            ),
        )
    }
    /// The answer was not finished within `deadline` (the contract's is
    /// [`REQUEST_DEADLINE`](crate::limits::REQUEST_DEADLINE); the message names the configured one).
    pub fn deadline(deadline: Duration) -> Self {
        let limit = if deadline.subsec_millis() == 0 {
            format!("{} SECONDS", deadline.as_secs())
        } else {
            format!("{} MILLISECONDS", deadline.as_millis())
        };
        Self::new(
            504,
            GATEWAY_TIMEOUT,
            format!(
                "THE REQUEST EXCEEDED THE LIMIT OF {limit}: NARROW THE DATE RANGE OR RETRY LATER"
            ),
        )
    }
    /// A request body over [`MAX_BODY_BYTES`], refused before it is read.
    pub fn body_too_large() -> Self {
        Self::new(
            413,
            PAYLOAD_TOO_LARGE,
            format!(
                "THE REQUEST BODY EXCEEDS THE LIMIT OF {} MB: SPLIT THE UPLOAD",
                MAX_BODY_BYTES / (1024 * 1024)
            ),
        )
    }
    /// A request target (path and query) over [`MAX_TARGET_BYTES`].
    pub fn uri_too_long() -> Self {
        Self::new(
            414,
            URI_TOO_LONG,
            format!(
                "THE REQUEST PATH AND QUERY EXCEED THE LIMIT OF {MAX_TARGET_BYTES} BYTES: SEND SHORTER PARAMETERS"
            ),
        )
    }
    /// Headers over [`MAX_HEADER_BYTES`] in all or [`MAX_HEADER_FIELDS`] fields.
    pub fn headers_too_large() -> Self {
        Self::new(
            431,
            HEADERS_TOO_LARGE,
            format!(
                "THE REQUEST HEADERS EXCEED THE LIMIT OF {MAX_HEADER_BYTES} BYTES OR {MAX_HEADER_FIELDS} FIELDS: SEND FEWER HEADERS"
            ),
        )
    }
    /// The server holds as many connections as it is configured to: this
    /// one is answered and closed at once (safe to retry).
    pub fn too_many_connections() -> Self {
        Self::new(
            503,
            SERVICE_UNAVAILABLE,
            "THE SERVER HAS TOO MANY OPEN CONNECTIONS: RETRY LATER",
        )
    }
    /// An error the HTTP layer answered without an envelope (a body it could
    /// not read, a method a path does not take…): `reason` is the status's
    /// reason phrase (empty if it has none), `detail` the layer's text.
    pub fn http(status: u16, reason: &str, detail: &str) -> Self {
        let reason = if reason.trim().is_empty() {
            UNKNOWN_ERROR
        } else {
            reason
        };
        let detail = detail.trim();
        let msg = if detail.is_empty() {
            reason.to_uppercase()
        } else {
            // Bounded: the text comes from the HTTP layer, not from the request.
            detail.chars().take(200).collect::<String>().to_uppercase()
        };
        Self::new(status, &reason.to_uppercase(), msg)
    }
    /// A query parameter holds a NUL character, which no store keeps.
    pub fn nul_in_parameter(param: &str, value: &str) -> Self {
        Self::bad_parameter(param, value, "text without NUL characters")
    }
    /// A JSON body holds a NUL character (`\u0000`) in a key or a string.
    pub fn nul_in_body() -> Self {
        Self::bad_body("text must not contain the NUL character (\\u0000)")
    }
    pub fn bad_body(detail: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "THE BODY IS NOT THE JSON THIS API TAKES: {}",
                detail.to_uppercase()
            ),
        )
    }
    pub fn bad_parameter(param: &str, value: &str, expected: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "{} {value:?} IS NOT VALID: EXPECTED {}",
                param.to_uppercase(),
                expected.to_uppercase()
            ),
        )
    }
    pub fn unknown_campaign(campaign_id: &str) -> Self {
        Self::new(
            404,
            NOT_FOUND,
            format!("CAMPAIGN_ID {campaign_id} DOES NOT EXIST IN THIS OPERATION"),
        )
    }
    pub fn unknown_customer(customer_id: &str, campaign_id: &str) -> Self {
        Self::new(
            404,
            NOT_FOUND,
            format!("CUSTOMER_ID {customer_id} IS NOT IN CAMPAIGN_ID {campaign_id}"),
        )
    }
    pub fn wrong_campaign_type(campaign_id: &str, actual: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "CAMPAIGN_ID {campaign_id} IS A {} CAMPAIGN: SEND TYPE_CAMPAIGN={actual}",
                actual.to_uppercase()
            ),
        )
    }
    pub fn unknown_agent(agent_id: &str) -> Self {
        Self::new(
            404,
            NOT_FOUND,
            format!("AGENT_ID {agent_id} IS NOT AN AGENT OF THIS OPERATION"),
        )
    }
    /// change_status's `status` is neither `ready`, `logout` nor a pause code.
    pub fn unknown_agent_status(status: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("STATUS {status:?} IS NOT READY, LOGOUT OR A PAUSE CODE OF THIS OPERATION"),
        )
    }
    /// hang, hang_type_ready, hold, mute (`api`): the agent is on no call.
    pub fn agent_not_on_a_call(agent_id: &str, api: &str) -> Self {
        use crate::api::report;
        let what = match api {
            report::HOLD => "HOLD",
            report::MUTE => "MUTE",
            report::DTMF => "SEND TONES TO",
            report::TRANSFER => "TRANSFER",
            _ => "HANG UP",
        };
        Self::new(
            400,
            BAD_REQUEST,
            format!("AGENT_ID {agent_id} IS NOT ON A CALL: THERE IS NOTHING TO {what}"),
        )
    }
    /// type: the agent has no call to type (or typed it already).
    pub fn agent_nothing_to_type(agent_id: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("AGENT_ID {agent_id} HAS NO CALL WAITING TO BE TYPED"),
        )
    }
    /// dial (the agent), transfer (the agent it goes to): not free (logged
    /// out, on a call, in after-call work or paused).
    pub fn agent_not_ready(agent_id: &str, status: &str, api: &str) -> Self {
        use crate::api::report;
        let what = match api {
            report::TRANSFER => "TAKE A TRANSFER",
            _ => "DIAL",
        };
        Self::new(
            400,
            BAD_REQUEST,
            format!("AGENT_ID {agent_id} IS {status}: IT CAN {what} WHEN IT IS READY"),
        )
    }
    /// aux_call: the agent is not wrapping up a predictive call still to be typed.
    pub fn agent_no_cut_call(agent_id: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "AGENT_ID {agent_id} IS NOT IN THE AFTER-CALL WORK OF A PREDICTIVE CALL: \
                 AN AUXILIARY CALL FOLLOWS ONE THAT WAS CUT"
            ),
        )
    }
    /// transfer: the destination is neither an agent of the operation nor a number.
    pub fn transfer_destination(destination: &str) -> Self {
        Self::bad_parameter(
            crate::api::param::CUSTOMER_PHONE,
            destination,
            &format!(
                "an agent's extension or a telephone number ({})",
                crate::upload::TELEPHONE_EXPECTED
            ),
        )
    }
    /// dial: the number is on the operation's do-not-call list.
    pub fn number_blocked(telephone: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("CUSTOMER_PHONE {telephone} IS ON THE DO-NOT-CALL LIST"),
        )
    }
    /// dial: the operation's calling profile does not allow calls now.
    pub fn outside_calling_hours(profile: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("CALLS ARE NOT ALLOWED NOW BY THE OPERATION'S CALLING PROFILE ({profile})"),
        )
    }
    /// The agent is logged out: only change_status can log it in.
    pub fn agent_logged_out(agent_id: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "AGENT_ID {agent_id} IS LOGGED OUT: SEND CHANGE_STATUS WITH STATUS=READY FIRST"
            ),
        )
    }
    pub fn unknown_activity_code(code: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("COD_ACT {code:?} IS NOT AN ACTIVITY CODE OF THIS OPERATION"),
        )
    }
    /// An uploaded record is invalid: the whole upload is refused.
    pub fn bad_record(index: usize, field: &str, problem: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "RECORD AT INDEX {index} ({}): {}: NOTHING WAS ADDED",
                field.to_uppercase(),
                problem.to_uppercase()
            ),
        )
    }
    pub fn unknown_skill(skill: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("SKILL_ID {skill:?} IS NOT A SKILL OF THIS OPERATION"),
        )
    }
    /// A method the path does not take; `allowed` lists the ones it does.
    pub fn method_not_allowed(allowed: &str) -> Self {
        Self::new(
            405,
            METHOD_NOT_ALLOWED,
            format!("THIS API DOES NOT ACCEPT THIS METHOD: USE {allowed}"),
        )
    }
    /// `type_campaign` is neither `preview` nor `predictive`.
    pub fn bad_type_campaign(value: &str) -> Self {
        Self::bad_parameter(
            crate::api::param::TYPE_CAMPAIGN,
            value,
            "preview or predictive",
        )
    }
    /// act_1/2/3/5's `cod_act` names a group of codes, not a code.
    pub fn bad_code_group(value: &str) -> Self {
        use crate::calls::code_group::{FIRST, SECOND};
        Self::bad_parameter(
            crate::api::param::COD_ACT,
            value,
            &format!("{FIRST} or {SECOND}"),
        )
    }
    /// recall: the record is on a call right now.
    pub fn record_being_dialed(customer_id: &str, campaign_id: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "CUSTOMER_ID {customer_id} OF CAMPAIGN_ID {campaign_id} IS BEING DIALED: TRY AGAIN WHEN ITS CALL ENDS"
            ),
        )
    }
    /// recall: a new number, and the record's ten phone columns are full.
    pub fn no_free_phone(customer_id: &str, telephone: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!(
                "CUSTOMER_ID {customer_id} HAS NO FREE PHONE COLUMN FOR {telephone} (TEL1 TO TEL10 ARE FULL): RECALL ONE OF ITS NUMBERS"
            ),
        )
    }
    /// edit_recall, delete_recall: there is no recall to change.
    pub fn no_recall(customer_id: &str, campaign_id: &str) -> Self {
        Self::new(
            404,
            NOT_FOUND,
            format!(
                "CUSTOMER_ID {customer_id} OF CAMPAIGN_ID {campaign_id} HAS NO RECALL SCHEDULED: SCHEDULE ONE WITH API=RECALL"
            ),
        )
    }
    /// A change that needs the campaign stopped (delete, a new type).
    pub fn campaign_started(campaign_id: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("CAMPAIGN_ID {campaign_id} IS STARTED: STOP IT FIRST"),
        )
    }
    /// A change that needs the campaign's calls ended.
    pub fn campaign_dialing(campaign_id: &str) -> Self {
        Self::new(
            400,
            BAD_REQUEST,
            format!("CAMPAIGN_ID {campaign_id} HAS CALLS IN PROGRESS: TRY AGAIN WHEN THEY END"),
        )
    }
    pub fn unknown_path(path: &str) -> Self {
        Self::new(
            404,
            NOT_FOUND,
            format!(
                "{path} IS NOT AN API PATH: USE /api/v2/real_time.php, /api/v2/campaign.php OR /api/v2/reports_manager.php"
            ),
        )
    }
    pub fn internal() -> Self {
        Self::new(
            500,
            INTERNAL_SERVER_ERROR,
            "AN UNEXPECTED ERROR OCCURRED: RETRY LATER",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_RECORDS_PER_ANSWER;

    #[test]
    fn the_vendor_catalogue_is_exact() {
        let cases = [
            (
                WireError::api_not_found(),
                r#"{"code":400,"error":"BAD REQUEST","msg":"THE API YOU WANT TO CONSULT DOES NOT EXIST"}"#,
            ),
            (
                WireError::parameters_required(),
                r#"{"code":400,"error":"BAD REQUEST","msg":"SOME PARAMETERS ARE REQUIRED"}"#,
            ),
            (
                WireError::enter_token(),
                r#"{"code":401,"error":"UNAUTHORIZED","msg":"PLEASE ENTER THE WOLKVOX-TOKEN"}"#,
            ),
            (
                WireError::token_limit_exceeded(),
                r#"{"code":403,"error":"FORBIDDEN","msg":"TOKEN LIMIT EXCEEDED"}"#,
            ),
            (
                WireError::simultaneous_requests(),
                r#"{"code":403,"error":"FORBIDDEN","msg":"EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"}"#,
            ),
            (
                WireError::validate_token(),
                r#"{"code":403,"error":"FORBIDDEN","msg":"PLEASE VALIDATE TOKEN"}"#,
            ),
            (
                WireError::no_data(),
                r#"{"code":404,"error":"NOT FOUND","msg":"0 records were found","data":[]}"#,
            ),
        ];
        for (e, json) in cases {
            assert_eq!(serde_json::to_string(&e).unwrap(), json);
            assert_eq!(serde_json::from_str::<WireError>(json).unwrap(), e);
        }
    }

    #[test]
    fn clients_recognise_the_errors_they_handle() {
        assert!(WireError::no_data().is_no_data());
        assert!(!WireError::unknown_campaign("9").is_no_data());
        assert!(WireError::token_limit_exceeded().is_token_limit());
        assert!(!WireError::simultaneous_requests().is_token_limit());
        assert!(WireError::simultaneous_requests().is_simultaneous_refusal());
        assert!(!WireError::validate_token().is_simultaneous_refusal());
        assert!(WireError::too_many_records(MAX_RECORDS_PER_ANSWER).is_too_large());
        assert!(WireError::deadline(Duration::from_secs(60)).is_too_large());
        assert!(!WireError::range_too_long().is_too_large());
    }

    #[test]
    fn our_errors_say_what_to_do() {
        assert!(WireError::range_too_long().msg.contains("31 DAYS"));
        assert!(
            WireError::too_many_records(MAX_RECORDS_PER_ANSWER)
                .msg
                .contains("NARROW THE DATE RANGE")
        );
        assert!(
            WireError::answer_too_large(MAX_ANSWER_BYTES)
                .msg
                .contains("256 MB")
        );
        assert_eq!(
            WireError::deadline(Duration::from_secs(60)).msg,
            "THE REQUEST EXCEEDED THE LIMIT OF 60 SECONDS: NARROW THE DATE RANGE OR RETRY LATER"
        );
        assert!(
            WireError::deadline(Duration::from_millis(30))
                .msg
                .contains("LIMIT OF 30 MILLISECONDS")
        );
        assert!(
            WireError::deadline(Duration::from_secs(5))
                .msg
                .contains("LIMIT OF 5 SECONDS")
        );
        assert_eq!(WireError::body_too_large().status(), 413);
        assert_eq!(WireError::uri_too_long().status(), 414);
        assert_eq!(WireError::headers_too_large().status(), 431);
        assert_eq!(WireError::too_many_connections().status(), 503);
        let e = WireError::http(415, "Unsupported Media Type", "");
        assert_eq!(
            (e.status(), e.error.as_str()),
            (415, "UNSUPPORTED MEDIA TYPE")
        );
        assert_eq!(e.msg, "UNSUPPORTED MEDIA TYPE");
        assert_eq!(WireError::http(599, "", "").error, UNKNOWN_ERROR);
        assert_eq!(WireError::upload_too_large(10_001).status(), 413);
    }
}
