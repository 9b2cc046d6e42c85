//! Paths, report names, query parameters and headers of the API.

/// `GET real_time.php?api=campaigns|calls_last_10`
pub const REAL_TIME_PATH: &str = "/api/v2/real_time.php";
/// `PUT campaign.php?api=codify…`
pub const CAMPAIGN_PATH: &str = "/api/v2/campaign.php";
/// `GET reports_manager.php?api=campaign_3|diagram_1_3…`
pub const REPORTS_MANAGER_PATH: &str = "/api/v2/reports_manager.php";
/// `GET information.php?api=campaigns|skills|routing_points|activity_codes|token_info`
pub const INFORMATION_PATH: &str = "/api/v2/information.php";

/// `POST agentbox.php?api=change_status|hang|type|hang_type_ready…` (the
/// vendor's "Agentes V2": one agent, named by `agent_id`).
pub const AGENTBOX_PATH: &str = "/api/v2/agentbox.php";
/// `PUT configuration.php?api=free_law2300` (the only configuration api Marcador has).
pub const CONFIGURATION_PATH: &str = "/api/v2/configuration.php";

/// Paths whose requests are not counted against the daily quota (the agent
/// API: "el uso de este token no afecta el consumo asignado"; Marcador's
/// wallboard); they still need a token and pass the in-flight limit and the
/// quota check.
pub const UNCOUNTED_PATHS: &[&str] = &[AGENTBOX_PATH, crate::wallboard::SNAPSHOT_PATH];

/// Marcador's own paths, beside the vendor's: the health check, the
/// Prometheus page, the OpenAPI document and the wallboard page (its snapshot
/// is [`crate::wallboard::SNAPSHOT_PATH`]).
pub const HEALTHZ_PATH: &str = "/healthz";
pub const METRICS_PATH: &str = "/metrics";
pub const OPENAPI_PATH: &str = "/openapi.json";
pub const WALLBOARD_PATH: &str = "/";

/// The token header.
pub const TOKEN_HEADER: &str = "wolkvox-token";
/// The server header real clients send; accepted and ignored in every spelling.
pub const SERVER_HEADER: &str = "wolkvox_server";

/// Report names, the `api` query parameter.
pub mod report {
    pub const CAMPAIGNS: &str = "campaigns";
    pub const CALLS_LAST_10: &str = "calls_last_10";
    pub const HITS_LAST_HOUR: &str = "hits_last_hour";
    /// real_time.php: the recalls still to come (campaign.php's `recall` is another api).
    pub const RECALL: &str = "recall";
    pub const CODIFY: &str = "codify";
    /// real_time.php: each agent's state and times since it logged in.
    pub const AGENTS: &str = "agents";
    /// real_time.php: the calls agents are talking on now, per agent.
    pub const INTERACTIONS: &str = "interactions";
    /// real_time.php: each agent's connection (round trip, jitter, loss) now.
    pub const LATENCY: &str = "latency";
    /// real_time.php: the server's CPU, memory, calls and agents now.
    pub const INFO_SERVER: &str = "info_server";
    // agentbox.php
    pub const CHANGE_STATUS: &str = "change_status";
    pub const HANG: &str = "hang";
    pub const TYPE: &str = "type";
    pub const HANG_TYPE_READY: &str = "hang_type_ready";
    /// agentbox: a recall the agent schedules (POST; `recall` like
    /// campaign.php's, which is a PUT), changes (PUT) or cancels (DELETE).
    pub const EDIT_RECALL: &str = "edit_recall";
    pub const DELETE_RECALL: &str = "delete_recall";
    /// agentbox: a free agent dials a number (click-to-call).
    pub const DIAL: &str = "dial";
    /// agentbox: in the after-call work of a predictive call that was cut,
    /// the agent calls that customer again.
    pub const AUX_CALL: &str = "aux_call";
    /// agentbox: hands the agent's caller to another agent (`customer_phone=`
    /// the other agent's extension).
    pub const TRANSFER: &str = "transfer";
    /// agentbox: sends DTMF keys down the agent's call (`tones=`).
    pub const DTMF: &str = "dtmf";
    /// agentbox: shows or hides a button of the vendor's agent screen.
    pub const AGENT_DISPLAY: &str = "agent_display";
    /// agentbox: puts the agent's call on hold, or takes it off (a toggle).
    pub const HOLD: &str = "hold";
    /// agentbox: mutes the agent's microphone, or unmutes it (a toggle).
    pub const MUTE: &str = "mute";
    pub const CAMPAIGN_1: &str = "campaign_1";
    pub const CAMPAIGN_2: &str = "campaign_2";
    pub const CAMPAIGN_3: &str = "campaign_3";
    pub const CAMPAIGN_4: &str = "campaign_4";
    pub const CAMPAIGN_5: &str = "campaign_5";
    pub const CAMPAIGN_6: &str = "campaign_6";
    pub const CAMPAIGN_7: &str = "campaign_7";
    pub const CAMPAIGN_8: &str = "campaign_8";
    pub const CAMPAIGN_10: &str = "campaign_10";
    pub const DIAGRAM_1_3: &str = "diagram_1_3";
    pub const DIAGRAM_1: &str = "diagram_1";
    pub const DIAGRAM_1_1: &str = "diagram_1_1";
    pub const DIAGRAM_1_2: &str = "diagram_1_2";
    pub const DIAGRAM_11: &str = "diagram_11";
    pub const DIAGRAM_13: &str = "diagram_13";
    pub const DIAGRAM_14: &str = "diagram_14";
    /// Smart wait: per skill, and each caller offered a call back.
    pub const DIAGRAM_2: &str = "diagram_2";
    pub const DIAGRAM_3: &str = "diagram_3";
    pub const DIAGRAM_4: &str = "diagram_4";
    pub const DIAGRAM_5: &str = "diagram_5";
    pub const DIAGRAM_6: &str = "diagram_6";
    // reports_manager.php, the agent reports
    pub const AGENT_1: &str = "agent_1";
    pub const AGENT_2: &str = "agent_2";
    pub const AGENT_3: &str = "agent_3";
    pub const AGENT_4: &str = "agent_4";
    pub const AGENT_5: &str = "agent_5";
    pub const AGENT_6: &str = "agent_6";
    pub const AGENT_7: &str = "agent_7";
    pub const AGENT_8: &str = "agent_8";
    pub const AGENT_8_1: &str = "agent_8_1";
    pub const AGENT_9: &str = "agent_9";
    pub const AGENT_10: &str = "agent_10";
    pub const AGENT_11: &str = "agent_11";
    pub const AGENT_12: &str = "agent_12";
    pub const AGENT_13: &str = "agent_13";
    pub const AGENT_13_1: &str = "agent_13_1";
    pub const AGENT_14: &str = "agent_14";
    pub const AGENT_15: &str = "agent_15";
    pub const AGENT_16: &str = "agent_16";
    // reports_manager.php, the skill reports
    pub const SKILL_1: &str = "skill_1";
    pub const SKILL_2: &str = "skill_2";
    pub const SKILL_3: &str = "skill_3";
    pub const SKILL_4: &str = "skill_4";
    pub const SKILL_4_1: &str = "skill_4_1";
    pub const SKILL_4_2: &str = "skill_4_2";
    pub const SKILL_5: &str = "skill_5";
    pub const SKILL_6: &str = "skill_6";
    pub const SKILL_7: &str = "skill_7";
    pub const SKILL_8: &str = "skill_8";
    pub const SKILL_9: &str = "skill_9";
    pub const SKILL_10: &str = "skill_10";
    pub const SKILL_11: &str = "skill_11";
    // reports_manager.php, the call reports
    pub const CDR_1: &str = "cdr_1";
    pub const CDR_2: &str = "cdr_2";
    pub const CDR_4: &str = "cdr_4";
    pub const CDR_5: &str = "cdr_5";
    pub const CDR_6: &str = "cdr_6";
    /// Customers released from Ley 2300's protection.
    pub const CDR_11: &str = "cdr_11";
    pub const ACT_1: &str = "act_1";
    pub const ACT_2: &str = "act_2";
    pub const ACT_3: &str = "act_3";
    pub const ACT_4: &str = "act_4";
    pub const ACT_5: &str = "act_5";
    // campaign.php companions
    pub const CREATE_CAMPAIGN: &str = "create_campaign";
    pub const ADD_RECORD: &str = "add_record";
    pub const START: &str = "start";
    pub const STOP: &str = "stop";
    pub const SPEED: &str = "speed";
    pub const RECALL_RECORDS: &str = "recall_records";
    pub const ADD_DNC: &str = "add_dnc";
    pub const REMOVE_RECORD: &str = "remove_record";
    pub const CLEAR_CAMPAIGN: &str = "clear_campaign";
    /// campaign.php: call a customer back at a date (PUT; real_time.php's
    /// `recall` lists them).
    pub const RECALL_CUSTOMER: &str = "recall";
    pub const EDIT_CAMPAIGN: &str = "edit_campaign";
    pub const CAMPAIGN_FILTER: &str = "campaign_filter";
    pub const DELETE_CAMPAIGN: &str = "delete_campaign";
    /// The records managed in a range (GET).
    pub const DETAIL: &str = "detail";
    /// A customer by id or telephone (GET).
    pub const FIND_RECORD: &str = "find_record";
    /// Every record of a campaign, as the Manager exports it (GET).
    pub const CAMPAIGN_15: &str = "campaign_15";
    // information.php
    pub const SKILLS: &str = "skills";
    pub const ROUTING_POINTS: &str = "routing_points";
    pub const ACTIVITY_CODES: &str = "activity_codes";
    pub const TOKEN_INFO: &str = "token_info";
    // information.php?api=agents shares `AGENTS` with real_time.php.
    pub const AGENTS_IN_SKILL: &str = "agents_in_skill";
    pub const GET_DNC: &str = "get_dnc";
    pub const AUDIT_LOG: &str = "audit_log";
    pub const SERVICES: &str = "services";
    pub const LAW2300_INFO: &str = "law2300_info";
    // configuration.php
    /// Release a customer from Ley 2300's protection (PUT).
    pub const FREE_LAW2300: &str = "free_law2300";
}

/// Query parameter names.
pub mod param {
    pub const API: &str = "api";
    pub const CAMPAIGN_ID: &str = "campaign_id";
    pub const TYPE_CAMPAIGN: &str = "type_campaign";
    pub const DATE_INI: &str = "date_ini";
    pub const DATE_END: &str = "date_end";
    /// information.php filters.
    pub const CAMPAIGN: &str = "campaign";
    pub const SKILL: &str = "skill";
    pub const ROUTING: &str = "routing";
    pub const COD_ACT: &str = "cod_act";
    /// add_record's optional state to leave the campaign in.
    pub const CAMPAIGN_STATUS: &str = "campaign_status";
    /// clear_campaign's optional result filter.
    pub const RESULT: &str = "result";
    /// agentbox: the agent's extension.
    pub const AGENT_ID: &str = "agent_id";
    /// information.php?api=agents: one agent, by extension.
    pub const AGENT: &str = "agent";
    /// information.php?api=agents_in_skill: the skill.
    pub const SKILL_ID: &str = "skill_id";
    /// change_status: `ready`, `logout` or a pause's code.
    pub const STATUS: &str = "status";
    pub const COD_ACT_2: &str = "cod_act_2";
    pub const COMMENTS: &str = "comments";
    /// find_record: a customer's id and telephone.
    pub const CUSTOMER_ID: &str = "customer_id";
    pub const CUSTOMER_PHONE: &str = "customer_phone";
    /// agentbox dial: shown on the vendor's agent screen.
    /// agentbox dtmf: the keys to send (the collection's URL names it so;
    /// its table says `dtmf_tones`).
    pub const TONES: &str = "tones";
    pub const CUSTOMER_NAME: &str = "customer_name";
    /// agentbox recalls: the campaign, the customer, the number, the date
    /// (`rellamada` to schedule, `recall` to change), the style, a name.
    pub const ID_CAMP: &str = "id_camp";
    pub const ID_CUSTOMER: &str = "id_customer";
    pub const TELEFONO: &str = "telefono";
    pub const TELEPHONE: &str = "telephone";
    pub const RELLAMADA: &str = "rellamada";
    pub const RECALL_DATE: &str = "recall";
    pub const RECALL_STYLE: &str = "recall_style";
    pub const NAME_RECALL: &str = "name_recall";
    /// real_time recall: `all`, `auto` or `manual`.
    pub const TYPE: &str = "type";
    /// law2300_info: the company's NIT and the number asked about.
    pub const NIT: &str = "nit";
    pub const PHONE: &str = "phone";
    /// skill_1 and real_time skills: an extra service level, in seconds.
    pub const SERVICES_TIME: &str = "services_time";
    /// campaign.php detail: `default` or `all` ([`crate::records::detail`]).
    pub const DETAIL: &str = "detail";
}

/// change_status's two predefined states; any other `status` names a pause.
pub mod agent_status_param {
    pub const READY: &str = "ready";
    pub const LOGOUT: &str = "logout";
}

/// `campaign_id=all` in campaign_3 selects every campaign of the operation.
pub const ALL_CAMPAIGNS: &str = "all";

/// create_campaign's `amd`: the countries whose answering-machine detection
/// profile the vendor offers (empty: no detection).
pub const AMD_COUNTRIES: &[&str] = &[
    "ARG", "CHL", "COL", "CRI", "ECU", "ESP", "GTM", "HND", "ITA", "MEX", "NIC", "PAN", "PER",
];

/// agentbox dtmf's keys: digits, `*`, `#` and `A`–`D` (either case).
pub mod dtmf {
    /// The most keys one request sends.
    pub const MAX_KEYS: usize = 32;

    pub fn valid(keys: &str) -> bool {
        (1..=MAX_KEYS).contains(&keys.chars().count())
            && keys.chars().all(|k| {
                k.is_ascii_digit() || matches!(k.to_ascii_uppercase(), '*' | '#' | 'A'..='D')
            })
    }
}
