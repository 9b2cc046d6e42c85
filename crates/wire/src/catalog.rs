//! What the API answers, by path and method: the `api` values each takes,
//! the query parameters its apis read, whether it reads a JSON body, and
//! the statuses an answer may have. The OpenAPI document
//! (`GET /openapi.json`) is made from this list and the wire types; the
//! server's tests replay every entry (nothing here may answer `THE API YOU
//! WANT TO CONSULT DOES NOT EXIST`).

use std::borrow::Cow;

use utoipa::openapi::ComponentsBuilder;

use crate::api::{
    AGENTBOX_PATH, CAMPAIGN_PATH, CONFIGURATION_PATH, INFORMATION_PATH, REAL_TIME_PATH,
    REPORTS_MANAGER_PATH, param as p, report as r,
};
use crate::envelope::{AgentAnswer, AgentNotice, WriteAnswer};
use crate::{
    agent_reports as ag, calls, campaign, campaign_reports as cr, diagrams, information,
    interactions, latency, law2300, records, rows, skill_reports as sk, smart_wait, surveys,
};

/// One path and method of the Wolkvox API.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub path: &'static str,
    /// Upper case: `GET`, `PUT`, `POST`, `DELETE`.
    pub method: &'static str,
    /// The other query parameters its apis read (each optional to some api).
    pub params: &'static [&'static str],
    /// It reads a JSON body (some of its apis).
    pub body: bool,
    /// Every `api` value it answers, with what a success of it answers.
    pub answers: &'static [Answer],
}

impl Endpoint {
    /// Every `api` value it answers.
    pub fn apis(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.answers.iter().map(|a| a.api)
    }
}

/// Where a report's rows are in its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The envelope's `data` array.
    Rows,
    /// A bare array, no envelope (real_time campaigns, as the vendor's).
    Bare,
    /// The envelope's `data` is one object.
    Object,
    /// The answer is the type itself: a write's envelope without rows, the
    /// agent API's answers, campaign_15's (`records`, not `data`).
    Whole,
}

/// One api's answer: its api, where its rows are, and their wire type
/// (its name, and how to add its schema — with those it names — to a document).
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub api: &'static str,
    pub shape: Shape,
    pub name: fn() -> Cow<'static, str>,
    pub register: fn(ComponentsBuilder) -> ComponentsBuilder,
}

macro_rules! answer {
    ($api:expr, $shape:ident, $t:ty) => {
        Answer {
            api: $api,
            shape: Shape::$shape,
            name: <$t as utoipa::ToSchema>::name,
            register: |c| {
                // The type, and the types its fields name.
                let mut nested = Vec::new();
                <$t as utoipa::ToSchema>::schemas(&mut nested);
                c.schema_from::<$t>().schemas_from_iter(nested)
            },
        }
    };
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
        params: &[p::SKILL_ID, p::SERVICES_TIME, p::TYPE],
        body: false,
        answers: &[
            answer!(r::CAMPAIGNS, Bare, rows::CampaignRealtimeRow),
            answer!(r::CALLS_LAST_10, Rows, rows::CallLast10Row),
            answer!(r::HITS_LAST_HOUR, Rows, rows::HitLastHourRow),
            answer!(r::AGENTS, Rows, rows::AgentRealtimeRow),
            answer!(r::SKILLS, Rows, sk::SkillRealtimeRow),
            answer!(r::RECALL, Rows, rows::ScheduledRecallRow),
            answer!(r::INFO_SERVER, Object, rows::InfoServerData),
            // The vendor's example: `data` is an array of one object.
            answer!(r::LATENCY, Rows, latency::LatencyData),
            answer!(r::INTERACTIONS, Rows, interactions::InteractionsRow),
        ],
    },
    Endpoint {
        path: REPORTS_MANAGER_PATH,
        method: "GET",
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
        answers: &[
            answer!(r::CAMPAIGN_1, Rows, rows::Campaign1Row),
            answer!(r::CAMPAIGN_2, Rows, rows::Campaign2Row),
            answer!(r::CAMPAIGN_3, Rows, rows::Campaign3Row),
            answer!(r::CAMPAIGN_4, Rows, rows::Campaign1Row),
            answer!(r::CAMPAIGN_5, Rows, cr::Campaign5Row),
            answer!(r::CAMPAIGN_6, Rows, cr::Campaign6Row),
            answer!(r::CAMPAIGN_7, Rows, cr::Campaign7Row),
            answer!(r::CAMPAIGN_8, Rows, cr::Campaign8Row),
            answer!(r::CAMPAIGN_10, Rows, cr::Campaign10Row),
            answer!(r::DIAGRAM_1, Rows, diagrams::Diagram1Row),
            answer!(r::DIAGRAM_1_1, Rows, diagrams::IvrUsageRow),
            answer!(r::DIAGRAM_1_2, Rows, diagrams::IvrUsageRow),
            answer!(r::DIAGRAM_1_3, Rows, rows::Diagram13Row),
            answer!(r::DIAGRAM_11, Rows, diagrams::Diagram11Row),
            answer!(r::DIAGRAM_13, Rows, diagrams::MenuOptionRow),
            answer!(r::DIAGRAM_14, Rows, diagrams::MenuCodeRow),
            answer!(r::DIAGRAM_2, Rows, smart_wait::Diagram2Row),
            answer!(r::DIAGRAM_3, Rows, smart_wait::Diagram3Row),
            answer!(r::DIAGRAM_4, Rows, surveys::Diagram4Row),
            answer!(r::DIAGRAM_5, Rows, surveys::Diagram5Row),
            answer!(r::DIAGRAM_6, Rows, surveys::Diagram6Row),
            answer!(r::AGENT_1, Rows, ag::Agent1Row),
            answer!(r::AGENT_2, Rows, ag::Agent2Row),
            answer!(r::AGENT_3, Rows, ag::Agent3Row),
            answer!(r::AGENT_4, Rows, ag::Agent4Row),
            answer!(r::AGENT_5, Rows, ag::Agent5Row),
            answer!(r::AGENT_6, Rows, ag::HourStats),
            answer!(r::AGENT_7, Rows, ag::Agent7Row),
            answer!(r::AGENT_8, Rows, ag::Agent8Row),
            answer!(r::AGENT_8_1, Rows, ag::Agent81Row),
            answer!(r::AGENT_9, Rows, ag::Agent9Row),
            answer!(r::AGENT_10, Rows, ag::Agent10Row),
            answer!(r::AGENT_11, Rows, ag::Agent11Row),
            answer!(r::AGENT_12, Rows, ag::Agent12Row),
            answer!(r::AGENT_13, Rows, ag::Agent13Row),
            answer!(r::AGENT_13_1, Rows, ag::Agent131Row),
            answer!(r::AGENT_14, Rows, ag::Agent14Row),
            answer!(r::AGENT_15, Rows, ag::Agent15Row),
            answer!(r::AGENT_16, Rows, ag::Agent16Row),
            answer!(r::SKILL_1, Rows, sk::Skill1Row),
            answer!(r::SKILL_2, Rows, sk::Skill2Row),
            answer!(r::SKILL_3, Rows, sk::Skill3Row),
            answer!(r::SKILL_4, Rows, sk::Skill4Row),
            answer!(r::SKILL_4_1, Rows, sk::Skill41Row),
            answer!(r::SKILL_4_2, Rows, sk::Skill42Row),
            answer!(r::SKILL_5, Rows, sk::Skill5Row),
            answer!(r::SKILL_6, Rows, sk::Skill6Row),
            answer!(r::SKILL_7, Rows, sk::Skill7Row),
            answer!(r::SKILL_8, Rows, sk::Skill8Row),
            answer!(r::SKILL_9, Rows, sk::Skill9Row),
            answer!(r::SKILL_10, Rows, sk::Skill10Row),
            answer!(r::SKILL_11, Rows, sk::Skill11Row),
            answer!(r::CDR_1, Rows, calls::Cdr1Row),
            answer!(r::CDR_2, Rows, calls::Cdr2Row),
            answer!(r::CDR_4, Object, calls::Cdr4Data),
            answer!(r::CDR_5, Rows, calls::Cdr5Row),
            answer!(r::CDR_6, Rows, calls::Cdr6Row),
            answer!(r::CDR_11, Rows, law2300::Cdr11Row),
            answer!(r::ACT_1, Rows, calls::Act1Row),
            answer!(r::ACT_2, Rows, calls::Act2Row),
            answer!(r::ACT_3, Rows, calls::Act3Row),
            answer!(r::ACT_4, Rows, calls::Act4Row),
            answer!(r::ACT_5, Rows, calls::Act5Row),
        ],
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "PUT",
        params: &[p::TYPE_CAMPAIGN, p::CAMPAIGN_ID],
        body: true,
        answers: &[
            answer!(r::CODIFY, Whole, WriteAnswer),
            answer!(r::START, Whole, WriteAnswer),
            answer!(r::STOP, Whole, WriteAnswer),
            answer!(r::SPEED, Whole, WriteAnswer),
            answer!(r::RECALL_RECORDS, Rows, rows::RecallRow),
            answer!(r::RECALL_CUSTOMER, Whole, WriteAnswer),
            answer!(r::EDIT_CAMPAIGN, Rows, campaign::EditedCampaignRow),
            answer!(r::CAMPAIGN_FILTER, Object, campaign::FilterData),
        ],
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "POST",
        params: &[p::TYPE_CAMPAIGN, p::CAMPAIGN_ID, p::CAMPAIGN_STATUS],
        body: true,
        answers: &[
            answer!(r::CREATE_CAMPAIGN, Rows, rows::CreatedCampaignRow),
            answer!(r::ADD_RECORD, Rows, rows::TotalRegistersRow),
            answer!(r::ADD_DNC, Rows, rows::DncResultRow),
        ],
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "DELETE",
        params: &[p::TYPE_CAMPAIGN, p::CAMPAIGN_ID, p::RESULT],
        body: true,
        answers: &[
            answer!(r::REMOVE_RECORD, Whole, WriteAnswer),
            answer!(r::CLEAR_CAMPAIGN, Whole, WriteAnswer),
            answer!(r::DELETE_CAMPAIGN, Whole, WriteAnswer),
        ],
    },
    Endpoint {
        path: CAMPAIGN_PATH,
        method: "GET",
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
        answers: &[
            answer!(r::DETAIL, Rows, records::DetailRow),
            answer!(r::FIND_RECORD, Rows, records::FindRecordRow),
            answer!(r::CAMPAIGN_15, Whole, records::Campaign15Answer),
        ],
    },
    Endpoint {
        path: INFORMATION_PATH,
        method: "GET",
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
        answers: &[
            answer!(r::CAMPAIGNS, Rows, rows::InfoCampaignRow),
            answer!(r::SKILLS, Rows, rows::SkillRow),
            answer!(r::ROUTING_POINTS, Rows, rows::RoutingPointRow),
            answer!(r::ACTIVITY_CODES, Rows, rows::ActivityCodeRow),
            answer!(r::AGENTS, Rows, rows::InfoAgentRow),
            answer!(r::AGENTS_IN_SKILL, Rows, rows::AgentInSkillRow),
            answer!(r::GET_DNC, Rows, rows::DncListRow),
            answer!(r::TOKEN_INFO, Rows, rows::TokenInfoRow),
            answer!(r::AUDIT_LOG, Rows, information::AuditRow),
            answer!(r::SERVICES, Rows, information::ServicesRow),
            answer!(r::LAW2300_INFO, Rows, information::Law2300Row),
        ],
    },
    Endpoint {
        path: CONFIGURATION_PATH,
        method: "PUT",
        params: &[],
        body: true,
        answers: &[answer!(r::FREE_LAW2300, Whole, WriteAnswer)],
    },
    Endpoint {
        path: AGENTBOX_PATH,
        method: "POST",
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
        answers: &[
            answer!(r::CHANGE_STATUS, Whole, AgentAnswer),
            answer!(r::HANG, Whole, AgentAnswer),
            answer!(r::TYPE, Whole, AgentAnswer),
            answer!(r::HANG_TYPE_READY, Whole, AgentAnswer),
            answer!(r::HOLD, Whole, AgentAnswer),
            answer!(r::MUTE, Whole, AgentAnswer),
            answer!(r::DTMF, Whole, AgentNotice),
            answer!(r::TRANSFER, Whole, AgentAnswer),
            answer!(r::DIAL, Whole, AgentAnswer),
            answer!(r::AUX_CALL, Whole, AgentAnswer),
            answer!(r::RECALL_CUSTOMER, Whole, AgentAnswer),
        ],
    },
    Endpoint {
        path: AGENTBOX_PATH,
        method: "PUT",
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
        answers: &[answer!(r::EDIT_RECALL, Whole, AgentAnswer)],
    },
    Endpoint {
        path: AGENTBOX_PATH,
        method: "DELETE",
        params: &[p::AGENT_ID, p::ID_CAMP, p::ID_CUSTOMER],
        body: false,
        answers: &[answer!(r::DELETE_RECALL, Whole, AgentAnswer)],
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
            let apis: Vec<&str> = e.apis().collect();
            for (j, a) in apis.iter().enumerate() {
                assert!(!apis[..j].contains(a), "{a} twice in {}", e.path);
            }
        }
    }
}
