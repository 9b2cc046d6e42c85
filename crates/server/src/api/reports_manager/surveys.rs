//! `reports_manager.php`'s survey reports (the vendor's "Encuesta
//! inteligente"): diagram_4 (each survey, with its call), diagram_5 (per
//! agent) and diagram_6 (per skill), each answer and average as the wire
//! crate writes them.

use marcador_wire::api::report;
use marcador_wire::date::format_response_date;
use marcador_wire::format::{duration_hms, optional_id};
use marcador_wire::surveys::{Diagram4Row, Diagram5Row, Diagram6Row, Questions};

use super::super::answer::{Answer, capped, found, range};
use super::super::input::Params;
use super::super::{AppState, stream};
use crate::store::{Caller, SurveyDetail, SurveysBy};

/// One of these reports; `None` for another api.
pub(super) async fn get(st: &AppState, caller: &Caller, api: &str, p: &Params) -> Option<Answer> {
    Some(match api {
        report::DIAGRAM_4 => diagram_4(st, caller, p).await,
        report::DIAGRAM_5 => grouped(st, caller, p, SurveysBy::Agent).await,
        report::DIAGRAM_6 => grouped(st, caller, p, SurveysBy::Skill).await,
        _ => return None,
    })
}

async fn diagram_4(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let (from, to) = range(p, caller)?;
    let read = st.store.surveys(caller.operation_id, from, to).await?;
    let tz = caller.tz.clone();
    stream::detail(&st.limits, read, move |s: SurveyDetail| Diagram4Row {
        agent_id: s.agent_code,
        agent_name: s.agent_name,
        agent_dni: String::new(),
        skill_id: optional_id(s.skill_id),
        skill_name: s.skill_name,
        date: format_response_date(s.started_ms / 1000, &tz),
        conn_id: s.conn_id,
        ani: s.ani,
        customer_id: s.customer_id,
        answers: Questions::answers(&s.answers),
        voice_message_duration: duration_hms(0),
        type_interaction: s.type_interaction,
        result: s.result,
        time: duration_hms(s.ms / 1000),
        voice_message: String::new(),
        feeling: String::new(),
    })
    .await
}

async fn grouped(st: &AppState, caller: &Caller, p: &Params, by: SurveysBy) -> Answer {
    let (from, to) = range(p, caller)?;
    let groups = st
        .store
        .survey_sums(caller.operation_id, from, to, by)
        .await?;
    let groups = capped(st, groups)?;
    match by {
        SurveysBy::Agent => {
            let rows: Vec<Diagram5Row> = groups
                .into_iter()
                .map(|g| {
                    let (averages, average) = g.sums.averages();
                    Diagram5Row {
                        agent_id: g.id,
                        agent_name: g.name,
                        surveys: g.sums.surveys.to_string(),
                        averages,
                        average,
                    }
                })
                .collect();
            found(st, rows)
        }
        SurveysBy::Skill => {
            let rows: Vec<Diagram6Row> = groups
                .into_iter()
                .map(|g| {
                    let (averages, average) = g.sums.averages();
                    Diagram6Row {
                        skill_id: g.id,
                        skill_name: g.name,
                        surveys: g.sums.surveys.to_string(),
                        averages,
                        average,
                    }
                })
                .collect();
            found(st, rows)
        }
    }
}
