//! reports_manager.php's survey reports (the vendor's "Encuesta
//! inteligente": the caller rates the call on the keypad after the agent):
//! `diagram_4` (each survey), `diagram_5` (per agent), `diagram_6` (per
//! skill). Up to ten questions, `q01`…`q10`, each answered 1 to 5. Fields in
//! the vendor's example order.

use serde::{Deserialize, Serialize};

use crate::diagrams::NONE;

/// How many questions a survey can have.
pub const MAX_QUESTIONS: usize = 10;
/// The lowest and highest answer to a question.
pub const SCALE: (u8, u8) = (1, 5);

/// diagram_4's `result`, the three documented values.
pub mod survey_result {
    /// Every question answered.
    pub const COMPLETE: &str = "complete";
    /// Some answered, then the caller hung up.
    pub const INCOMPLETE: &str = "incomplete";
    /// The caller hung up before answering any.
    pub const ABANDON: &str = "abandon";

    /// The result of a survey with `answered` of `questions` answered.
    pub fn of(answered: usize, questions: usize) -> &'static str {
        if answered == 0 {
            ABANDON
        } else if answered < questions {
            INCOMPLETE
        } else {
            COMPLETE
        }
    }
}

/// `q01`…`q10`, in order: an answer, an average, or [`NONE`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Questions {
    pub q01: String,
    pub q02: String,
    pub q03: String,
    pub q04: String,
    pub q05: String,
    pub q06: String,
    pub q07: String,
    pub q08: String,
    pub q09: String,
    pub q10: String,
}

impl Questions {
    /// From ten values, in order.
    fn from_values(v: [String; MAX_QUESTIONS]) -> Self {
        let [q01, q02, q03, q04, q05, q06, q07, q08, q09, q10] = v;
        Questions {
            q01,
            q02,
            q03,
            q04,
            q05,
            q06,
            q07,
            q08,
            q09,
            q10,
        }
    }

    /// One survey's answers (`None`: not answered, or not asked: `-`).
    pub fn answers(a: &[Option<i64>; MAX_QUESTIONS]) -> Self {
        Self::from_values(a.map(|x| x.map_or_else(|| NONE.to_owned(), |x| x.to_string())))
    }
}

/// Surveys summed: how many, and per question the sum and count of answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SurveySums {
    pub surveys: i64,
    pub sums: [i64; MAX_QUESTIONS],
    pub counts: [i64; MAX_QUESTIONS],
}

impl SurveySums {
    /// Per question the average answer (two decimals; [`NONE`] when nobody
    /// answered it), and the average of every answer.
    pub fn averages(&self) -> (Questions, String) {
        let avg = |sum: i64, n: i64| {
            if n > 0 {
                format!("{:.2}", sum as f64 / n as f64)
            } else {
                NONE.to_owned()
            }
        };
        let per = std::array::from_fn(|i| avg(self.sums[i], self.counts[i]));
        let all = avg(self.sums.iter().sum(), self.counts.iter().sum());
        (Questions::from_values(per), all)
    }
}

/// `diagram_4` — one per survey.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram4Row {
    pub agent_id: String,
    pub agent_name: String,
    pub agent_dni: String,
    pub skill_id: String,
    pub skill_name: String,
    /// When the survey began.
    pub date: String,
    pub conn_id: String,
    pub ani: String,
    pub customer_id: String,
    #[serde(flatten)]
    pub answers: Questions,
    /// No voice message is recorded: `00:00:00`.
    pub voice_message_duration: String,
    pub type_interaction: String,
    /// [`survey_result`].
    pub result: String,
    /// The survey's length, `HH:MM:SS`.
    pub time: String,
    pub voice_message: String,
    /// Speech analytics is not built: `""`.
    pub feeling: String,
}

/// `diagram_5` — one per agent whose calls were rated.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram5Row {
    pub agent_id: String,
    pub agent_name: String,
    pub surveys: String,
    #[serde(flatten)]
    pub averages: Questions,
    pub average: String,
}

/// `diagram_6` — one per skill whose calls were rated.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagram6Row {
    pub skill_id: String,
    pub skill_name: String,
    pub surveys: String,
    #[serde(flatten)]
    pub averages: Questions,
    pub average: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_per_question_and_overall() {
        let mut s = SurveySums {
            surveys: 2,
            ..SurveySums::default()
        };
        s.sums[0] = 9;
        s.counts[0] = 2;
        s.sums[1] = 4;
        s.counts[1] = 1;
        let (q, all) = s.averages();
        assert_eq!(
            (q.q01.as_str(), q.q02.as_str(), q.q03.as_str()),
            ("4.50", "4.00", "-")
        );
        assert_eq!(all, "4.33");
    }

    #[test]
    fn results_and_answers() {
        assert_eq!(survey_result::of(0, 3), "abandon");
        assert_eq!(survey_result::of(2, 3), "incomplete");
        assert_eq!(survey_result::of(3, 3), "complete");
        let mut a = [None; MAX_QUESTIONS];
        a[0] = Some(5);
        let q = Questions::answers(&a);
        assert_eq!((q.q01.as_str(), q.q10.as_str()), ("5", "-"));
        let json = serde_json::to_string(&q).unwrap();
        assert!(json.starts_with(r#"{"q01":"5","q02":"-""#), "{json}");
    }
}
