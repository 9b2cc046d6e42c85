//! `reports_manager.php`'s skill reports: the calls that queued for a skill,
//! per skill (skill_1, skill_8, skill_9), local day (skill_3), hour, half
//! hour or ten minutes (skill_4, skill_4_1, skill_4_2), hour with the agents
//! the traffic needs (skill_5), number (skill_6), date and hour (skill_7) or
//! kind of call (skill_11), and one by one (skill_2 abandoned, skill_10
//! answered). The store reads the calls; they are folded here, in the
//! operation's zone.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use marcador_wire::api::report;
use marcador_wire::date::{RESPONSE_DAY_FORMAT, format_response_date, format_response_period};
use marcador_wire::skill_reports::{
    CustomLevel, QueueSums, Skill1Row, Skill2Row, Skill3Row, Skill4Row, Skill5Row, Skill6Row,
    Skill7Row, Skill8Row, Skill9Row, Skill10Row, Skill11Row, Skill41Row, Skill42Row,
    WORKFORCE_SECONDS, WORKFORCE_TARGET, wait_band,
};
use marcador_wire::{CallResult, WireError};

use super::super::answer::{Answer, custom_level, found, range, skill_filter};
use super::super::input::Params;
use super::super::{ApiError, AppState, stream};
use crate::domain::erlang_c_agents;
use crate::store::{Caller, QueuedCall};

/// One of these reports; `None` for another api.
pub(super) async fn get(st: &AppState, caller: &Caller, api: &str, p: &Params) -> Option<Answer> {
    Some(match api {
        report::SKILL_1 => skill_1(st, caller, p).await,
        report::SKILL_2 => detail(st, caller, p, CallResult::Abandon).await,
        report::SKILL_3 => skill_3(st, caller, p).await,
        report::SKILL_4 => skill_4(st, caller, p, 60).await,
        report::SKILL_4_1 => skill_4(st, caller, p, 30).await,
        report::SKILL_4_2 => skill_4(st, caller, p, 10).await,
        report::SKILL_5 => skill_5(st, caller, p).await,
        report::SKILL_6 => skill_6(st, caller, p).await,
        report::SKILL_7 => skill_7(st, caller, p).await,
        report::SKILL_8 => bands(st, caller, p, true).await,
        report::SKILL_9 => bands(st, caller, p, false).await,
        report::SKILL_10 => detail(st, caller, p, CallResult::Answer).await,
        report::SKILL_11 => skill_11(st, caller, p).await,
        _ => return None,
    })
}

/// The range's queued calls (of a skill), folded by `key`; `custom`: the
/// extra service level's threshold.
async fn fold<K: Ord>(
    st: &AppState,
    caller: &Caller,
    p: &Params,
    custom: Option<i64>,
    mut key: impl FnMut(&QueuedCall) -> K,
) -> Result<BTreeMap<K, (QueueSums, QueuedCall)>, ApiError> {
    let (from, to) = range(p, caller)?;
    let skill = skill_filter(st, caller, p).await?;
    let mut read = st
        .store
        .queued_calls(caller.operation_id, from, to, skill, None)
        .await?;
    let mut groups: BTreeMap<K, (QueueSums, QueuedCall)> = BTreeMap::new();
    {
        let mut rows = read.rows(u64::MAX);
        while let Some(c) = rows.next().await {
            let c = c?;
            let answered = c.result == CallResult::Answer.as_str();
            let g = groups
                .entry(key(&c))
                .or_insert_with(|| (QueueSums::default(), c.clone()));
            g.0.add(answered, c.wait, c.talk, c.acw, custom);
        }
    }
    read.finish().await?;
    let cap = st.limits.max_records_per_answer;
    if groups.len() as u64 > cap {
        return Err(WireError::too_many_records(cap).into());
    }
    Ok(groups)
}

/// The local period of `minutes` (60, 30, 10) a call started in: `YYYY-mm-dd HH:MM:00`.
fn period(at: i64, tz: &TimeZone, minutes: i8) -> String {
    match Timestamp::from_second(at) {
        Ok(t) => {
            let z = t.to_zoned(tz.clone());
            let m = z.minute() - z.minute() % minutes;
            format!(
                "{} {:02}:{m:02}:00",
                z.strftime(RESPONSE_DAY_FORMAT),
                z.hour()
            )
        }
        Err(_) => String::new(),
    }
}

fn hour_of(at: i64, tz: &TimeZone) -> i8 {
    Timestamp::from_second(at)
        .map(|t| t.to_zoned(tz.clone()).hour())
        .unwrap_or(0)
}

async fn skill_1(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let custom = custom_level(p)?;
    let groups = fold(st, caller, p, custom.and_then(CustomLevel::seconds), |c| {
        c.skill_id
    })
    .await?;
    let rows: Vec<Skill1Row> = groups
        .into_values()
        .map(|(s, c)| {
            let [l10, l20, l30] = s.levels();
            Skill1Row {
                skill_name: c.skill_name,
                skill_id: c.skill_id.to_string(),
                inbound_calls: s.calls.to_string(),
                answer_calls: s.answered.to_string(),
                abandon_calls: s.abandoned.to_string(),
                service_level_10seg: l10,
                service_level_20seg: l20,
                service_level_30seg: l30,
                extra: s.extra(custom),
                abandon: s.abandon(),
                asa: s.asa(),
                ata: s.ata(),
            }
        })
        .collect();
    found(st, rows)
}

/// skill_2 (abandoned calls) and skill_10 (answered ones), one by one.
async fn detail(st: &AppState, caller: &Caller, p: &Params, result: CallResult) -> Answer {
    let (from, to) = range(p, caller)?;
    let skill = skill_filter(st, caller, p).await?;
    let read = st
        .store
        .queued_calls(caller.operation_id, from, to, skill, Some(result))
        .await?;
    let tz = caller.tz.clone();
    if result == CallResult::Abandon {
        return stream::detail(&st.limits, read, move |c: QueuedCall| Skill2Row {
            skill_name: c.skill_name,
            skill_id: c.skill_id.to_string(),
            conn_id: c.conn_id,
            date: format_response_date(c.started_at, &tz),
            result: c.result,
            ani: c.telephone,
            abandon_time: c.wait.to_string(),
            type_interaction: c.type_interaction,
            customer_id: c.customer_id,
        })
        .await;
    }
    stream::detail(&st.limits, read, move |c: QueuedCall| Skill10Row {
        conn_id: c.conn_id,
        skill_id: c.skill_id.to_string(),
        skill_name: c.skill_name,
        date: format_response_date(c.started_at, &tz),
        result: c.result,
        ani: c.telephone,
        answer_time: c.wait.to_string(),
        agent_id: c.agent_code,
        type_interaction: c.type_interaction,
    })
    .await
}

async fn skill_3(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let tz = caller.tz.clone();
    let groups = fold(st, caller, p, None, |c| {
        (
            c.skill_id,
            format_response_period(c.started_at, &tz, RESPONSE_DAY_FORMAT),
        )
    })
    .await?;
    let rows: Vec<Skill3Row> = groups
        .into_iter()
        .map(|((_, date), (s, c))| {
            let [l10, l20, l30] = s.levels();
            Skill3Row {
                skill_name: c.skill_name,
                date,
                inbound_calls: s.calls.to_string(),
                answer_calls: s.answered.to_string(),
                abandon_calls: s.abandoned.to_string(),
                service_level_10seg: l10,
                service_level_20seg: l20,
                service_level_30seg: l30,
                wait_time: s.wait_time(),
                abandon: s.abandon(),
                asa: s.asa(),
                ata: s.ata(),
                aht: s.aht(),
            }
        })
        .collect();
    found(st, rows)
}

/// skill_4 (`minutes` 60), skill_4_1 (30) and skill_4_2 (10).
async fn skill_4(st: &AppState, caller: &Caller, p: &Params, minutes: i8) -> Answer {
    let tz = caller.tz.clone();
    let groups = fold(st, caller, p, None, |c| {
        (c.skill_id, period(c.started_at, &tz, minutes))
    })
    .await?;
    let rows = groups.into_iter().map(|((skill, hour), (s, _))| {
        let [l10, l20, l30] = s.levels();
        (skill.to_string(), hour, s, [l10, l20, l30])
    });
    match minutes {
        60 => found(
            st,
            rows.map(|(skill_id, hour, s, [l10, l20, l30])| Skill4Row {
                skill_id,
                hour,
                inbound_calls: s.calls.to_string(),
                answer_calls: s.answered.to_string(),
                abandon_calls: s.abandoned.to_string(),
                service_level_10seg: l10,
                service_level_20seg: l20,
                service_level_30seg: l30,
                asa: s.asa(),
                abandon: s.abandon(),
                aht: s.aht(),
                ata: s.ata(),
                att: s.att(),
                acw: s.acw(),
            })
            .collect(),
        ),
        30 => found(
            st,
            rows.map(|(skill_id, hour, s, [l10, l20, l30])| Skill41Row {
                skill_id,
                hour,
                inbound_calls: s.calls.to_string(),
                answer_calls: s.answered.to_string(),
                abandon_calls: s.abandoned.to_string(),
                service_level_10seg: l10,
                service_level_20seg: l20,
                service_level_30seg: l30,
                asa: s.asa(),
                abandon: s.abandon(),
                ata: s.ata(),
                aht: s.aht(),
                att: s.att(),
                acw: s.acw(),
            })
            .collect(),
        ),
        _ => found(
            st,
            rows.map(|(skill_id, hour, s, [l10, l20, l30])| Skill42Row {
                skill_id,
                hour,
                inbound_calls: s.calls.to_string(),
                answer_calls: s.answered.to_string(),
                abandon_calls: s.abandoned.to_string(),
                service_level_10seg: l10,
                service_level_20seg: l20,
                service_level_30seg: l30,
                asa: s.asa(),
                abandon: s.abandon(),
                ata: s.ata(),
            })
            .collect(),
        ),
    }
}

async fn skill_5(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let tz = caller.tz.clone();
    let mut callers: BTreeMap<(i64, String), BTreeSet<String>> = BTreeMap::new();
    let groups = fold(st, caller, p, None, |c| {
        let key = (c.skill_id, period(c.started_at, &tz, 60));
        callers
            .entry(key.clone())
            .or_default()
            .insert(c.telephone.clone());
        key
    })
    .await?;
    let rows: Vec<Skill5Row> = groups
        .into_iter()
        .map(|(key, (s, _))| {
            let aht = if s.answered > 0 {
                (s.talk + s.acw) as f64 / s.answered as f64
            } else {
                0.0
            };
            Skill5Row {
                skill_id: key.0.to_string(),
                inbound_calls: s.calls.to_string(),
                inbound_calls_unique_customers: callers
                    .get(&key)
                    .map_or(0, BTreeSet::len)
                    .to_string(),
                aht: s.aht(),
                agents_needed: erlang_c_agents(
                    s.calls as f64,
                    aht,
                    3_600.0,
                    WORKFORCE_TARGET,
                    WORKFORCE_SECONDS,
                )
                .to_string(),
                hour: key.1,
            }
        })
        .collect();
    found(st, rows)
}

async fn skill_6(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let groups = fold(st, caller, p, None, |c| c.telephone.clone()).await?;
    let rows: Vec<Skill6Row> = groups
        .into_iter()
        .map(|(dnis, (s, _))| Skill6Row {
            dnis,
            calls: s.answered_block(),
        })
        .collect();
    found(st, rows)
}

async fn skill_7(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let tz = caller.tz.clone();
    let groups = fold(st, caller, p, None, |c| {
        (
            format_response_period(c.started_at, &tz, RESPONSE_DAY_FORMAT),
            c.skill_id,
            hour_of(c.started_at, &tz),
        )
    })
    .await?;
    let rows: Vec<Skill7Row> = groups
        .into_iter()
        .map(|((date, skill, hour), (s, c))| {
            let [l10, l20, l30] = s.levels();
            Skill7Row {
                date,
                skill_id: skill.to_string(),
                skill_name: c.skill_name,
                hour: format!("{hour:02}:00"),
                inbound_calls: s.calls.to_string(),
                answer_calls: s.answered.to_string(),
                abandon_calls: s.abandoned.to_string(),
                service_level_10seg: l10,
                service_level_20seg: l20,
                service_level_30seg: l30,
                wait_time: s.wait_time(),
                abandon: s.abandon(),
                aht: s.aht(),
                asa: s.asa(),
                ata: s.ata(),
            }
        })
        .collect();
    found(st, rows)
}

/// skill_8 (`answered`: the answered calls by wait band) and skill_9 (the abandoned ones).
async fn bands(st: &AppState, caller: &Caller, p: &Params, answered: bool) -> Answer {
    let mut counts: BTreeMap<i64, [i64; 6]> = BTreeMap::new();
    let want = if answered {
        CallResult::Answer.as_str()
    } else {
        CallResult::Abandon.as_str()
    };
    let groups = fold(st, caller, p, None, |c| {
        if c.result == want {
            counts.entry(c.skill_id).or_default()[wait_band(c.wait)] += 1;
        }
        c.skill_id
    })
    .await?;
    let mut rows8 = Vec::new();
    let mut rows9 = Vec::new();
    for (skill, (s, c)) in groups {
        let b = counts
            .get(&skill)
            .copied()
            .unwrap_or_default()
            .map(|n| n.to_string());
        let [b0, b1, b2, b3, b4, b5] = b;
        if answered && s.answered > 0 {
            rows8.push(Skill8Row {
                skill_id: skill.to_string(),
                skill_name: c.skill_name,
                answer_calls: s.answered.to_string(),
                answer_0seg_10seg: b0,
                answer_11seg_20seg: b1,
                answer_21seg_30seg: b2,
                answer_31seg_40seg: b3,
                answer_41seg_50seg: b4,
                anwers_greater_than_51seg: b5,
            });
        } else if !answered && s.abandoned > 0 {
            rows9.push(Skill9Row {
                skill_id: skill.to_string(),
                skill_name: c.skill_name,
                abandon_calls: s.abandoned.to_string(),
                abandon_0seg_10seg: b0,
                abandon_11seg_20_seg: b1,
                abandon_21seg_30seg: b2,
                abandon_31seg_40seg: b3,
                abandon_41seg_50seg: b4,
                abandon_greater_than_51seg: b5,
            });
        }
    }
    if answered {
        found(st, rows8)
    } else {
        found(st, rows9)
    }
}

async fn skill_11(st: &AppState, caller: &Caller, p: &Params) -> Answer {
    let groups = fold(st, caller, p, None, |c| c.type_interaction.clone()).await?;
    let rows: Vec<Skill11Row> = groups
        .into_iter()
        .map(|(type_interaction, (s, _))| Skill11Row {
            type_interaction,
            calls: s.answered_block(),
        })
        .collect();
    found(st, rows)
}
