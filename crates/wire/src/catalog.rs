//! What the API answers, by path and method: the `api` values each takes,
//! the query parameters its apis read, whether it reads a JSON body, and
//! the statuses an answer may have. The OpenAPI document
//! (`GET /openapi.json`) is made from this list and the wire types; the
//! server's tests replay every entry (nothing here may answer `THE API YOU
//! WANT TO CONSULT DOES NOT EXIST`).

use crate::api::{
    AGENTBOX_PATH, CAMPAIGN_PATH, CONFIGURATION_PATH, INFORMATION_PATH, REAL_TIME_PATH,
    REPORTS_MANAGER_PATH, param as p, report as r,
};

/// One path and method of the Wolkvox API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub path: &'static str,
    /// Upper case: `GET`, `PUT`, `POST`, `DELETE`.
    pub method: &'static str,
    /// The `api` values it answers.
    pub apis: &'static [&'static str],
    /// The other query parameters its apis read (each optional to some api).
    pub params: &'static [&'static str],
    /// It reads a JSON body (some of its apis).
    pub body: bool,
}

/// The statuses of a success: read, created, accepted.
pub const SUCCESS_STATUSES: &[u16] = &[200, 201, 202];
/// The statuses of the error catalogue (`error.rs`); 404 is also "no data".
pub const ERROR_STATUSES: &[u16] = &[400, 401, 403, 404, 405, 413, 414, 431, 500, 503, 504];

const RANGE: &[&str] = &[p::DATE_INI, p::DATE_END];

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: REAL_TIME_PATH,
        method: "GET",
        apis: &[
            r::CAMPAIGNS,
            r::CALLS_LAST_10,
            r::HITS_LAST_HOUR,
            r::AGENTS,
            r::SKILLS,
            r::RECALL,
            r::INFO_SERVER,
            r::LATENCY,
            r::INTERACTIONS,
        ],
        params: &[p::SKILL_ID, p::SERVICES_TIME, p::TYPE],
        body: false,
    },
    Endpoint {
        path: REPORTS_MANAGER_PATH,
        method: "GET",
        apis: &[
            r::CAMPAIGN_1,
            r::CAMPAIGN_2,
            r::CAMPAIGN_3,
            r::CAMPAIGN_4,
            r::CAMPAIGN_5,
            r::CAMPAIGN_6,
            r::CAMPAIGN_7,
            r::CAMPAIGN_8,
            r::CAMPAIGN_10,
            r::DIAGRAM_1,
            r::DIAGRAM_1_1,
            r::DIAGRAM_1_2,
            r::DIAGRAM_1_3,
            r::DIAGRAM_11,
            r::DIAGRAM_13,
            r::DIAGRAM_14,
            r::DIAGRAM_2,
            r::DIAGRAM_3,
            r::DIAGRAM_4,
            r::DIAGRAM_5,
            r::DIAGRAM_6,
            r::AGENT_1,
            r::AGENT_2,
            r::AGENT_3,
            r::AGENT_4,
            r::AGENT_5,
            r::AGENT_6,
            r::AGENT_7,
            r::AGENT_8,
            r::AGENT_8_1,
            r::AGENT_9,
            r::AGENT_10,
            r::AGENT_11,
            r::AGENT_12,
            r::AGENT_13,
            r::AGENT_13_1,
            r::AGENT_14,
            r::AGENT_15,
            r::AGENT_16,
            r::SKILL_1,
            r::SKILL_2,
            r::SKILL_3,
            r::SKILL_4,
            r::SKILL_4_1,
            r::SKILL_4_2,
            r::SKILL_5,
            r::SKILL_6,
            r::SKILL_7,
            r::SKILL_8,
            r::SKILL_9,
            r::SKILL_10,
            r::SKILL_11,
            r::CDR_1,
            r::CDR_2,
            r::CDR_4,
            r::CDR_5,
            r::CDR_6,
            r::CDR_11,
            r::ACT_1,
            r::ACT_2,
            r::ACT_3,
            r::ACT_4,
            r::ACT_5,
        ],
        params: &[
            RANGE[0],
            RANGE[1],
            p::CAMPAIGN_ID,
            p::SKILL_ID,
            p::AGENT_ID,
            p::CUSTOMER_ID,
            p::COD_ACT,
            p::SERVICES_TIME,
        ],
        body: false,
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "PUT",
        apis: &[
            r::CODIFY,
            r::START,
            r::STOP,
            r::SPEED,
            r::RECALL_RECORDS,
            r::RECALL_CUSTOMER,
            r::EDIT_CAMPAIGN,
            r::CAMPAIGN_FILTER,
        ],
        params: &[p::TYPE_CAMPAIGN, p::CAMPAIGN_ID],
        body: true,
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "POST",
        apis: &[r::CREATE_CAMPAIGN, r::ADD_RECORD, r::ADD_DNC],
        params: &[p::TYPE_CAMPAIGN, p::CAMPAIGN_ID, p::CAMPAIGN_STATUS],
        body: true,
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "DELETE",
        apis: &[r::REMOVE_RECORD, r::CLEAR_CAMPAIGN, r::DELETE_CAMPAIGN],
        params: &[p::TYPE_CAMPAIGN, p::CAMPAIGN_ID, p::RESULT],
        body: true,
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "GET",
        apis: &[r::DETAIL, r::FIND_RECORD, r::CAMPAIGN_15],
        params: &[
            p::TYPE_CAMPAIGN,
            p::CAMPAIGN_ID,
            RANGE[0],
            RANGE[1],
            p::DETAIL,
            p::CUSTOMER_ID,
            p::CUSTOMER_PHONE,
        ],
        body: false,
    },
    Endpoint {
        path: INFORMATION_PATH,
        method: "GET",
        apis: &[
            r::CAMPAIGNS,
            r::SKILLS,
            r::ROUTING_POINTS,
            r::ACTIVITY_CODES,
            r::AGENTS,
            r::AGENTS_IN_SKILL,
            r::GET_DNC,
            r::TOKEN_INFO,
            r::AUDIT_LOG,
            r::SERVICES,
            r::LAW2300_INFO,
        ],
        params: &[
            p::CAMPAIGN,
            p::SKILL,
            p::ROUTING,
            p::COD_ACT,
            p::AGENT,
            p::SKILL_ID,
            RANGE[0],
            RANGE[1],
            p::NIT,
            p::PHONE,
        ],
        body: false,
    },
    Endpoint {
        path: CONFIGURATION_PATH,
        method: "PUT",
        apis: &[r::FREE_LAW2300],
        params: &[],
        body: true,
    },
    Endpoint {
        path: AGENTBOX_PATH,
        method: "POST",
        apis: &[
            r::CHANGE_STATUS,
            r::HANG,
            r::TYPE,
            r::HANG_TYPE_READY,
            r::HOLD,
            r::MUTE,
            r::DTMF,
            r::TRANSFER,
            r::DIAL,
            r::AUX_CALL,
            r::RECALL_CUSTOMER,
        ],
        params: &[
            p::AGENT_ID,
            p::STATUS,
            p::COD_ACT,
            p::COD_ACT_2,
            p::COMMENTS,
            p::TONES,
            p::CUSTOMER_PHONE,
            p::CUSTOMER_ID,
            p::CUSTOMER_NAME,
            p::ID_CAMP,
            p::ID_CUSTOMER,
            p::TELEFONO,
            p::RELLAMADA,
            p::RECALL_STYLE,
            p::NAME_RECALL,
        ],
        body: false,
    },
    Endpoint {
        path: AGENTBOX_PATH,
        method: "PUT",
        apis: &[r::EDIT_RECALL],
        params: &[
            p::AGENT_ID,
            p::ID_CAMP,
            p::ID_CUSTOMER,
            p::TELEPHONE,
            p::RECALL_DATE,
            p::RECALL_STYLE,
            p::NAME_RECALL,
        ],
        body: false,
    },
    Endpoint {
        path: AGENTBOX_PATH,
        method: "DELETE",
        apis: &[r::DELETE_RECALL],
        params: &[p::AGENT_ID, p::ID_CAMP, p::ID_CUSTOMER],
        body: false,
    },
];

/// Whether a parameter is a request date (`YYYYmmddHHiiss`).
pub fn is_date(param: &str) -> bool {
    RANGE.contains(&param)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_and_method_is_listed_once_with_distinct_apis() {
        for (i, e) in ENDPOINTS.iter().enumerate() {
            assert!(
                !ENDPOINTS[..i]
                    .iter()
                    .any(|o| o.path == e.path && o.method == e.method),
                "{} {} twice",
                e.method,
                e.path
            );
            for (j, a) in e.apis.iter().enumerate() {
                assert!(!e.apis[..j].contains(a), "{a} twice in {}", e.path);
            }
        }
    }
}
