//! Agents: who they are (extension, name, skills, phone), the state the
//! engine keeps them in (written as a fact with the calls of the same moment),
//! the operation's pause states, and the commands the agent API leaves for
//! the engine (`agent_commands`, taken at the engine's next step, so the API
//! and the engine may run in different processes).

use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::codifies::{self, Codify};
use super::facts::{CallCodeFact, CodifyInput, CodifyRejection, code_hit};
use super::rowset::{self, Bind, Table, Writes};
use super::tx::WriteTx;
use super::{Result, Store};
use crate::domain::{AgentPhase, AgentTimes, CallAction};

/// An agent of the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRow {
    pub id: i64,
    /// The extension: agentbox's and real_time's `agent_id`.
    pub code: String,
    pub name: String,
    /// Its skills, in id order (at least one).
    pub skills: Vec<i64>,
    /// Where its phone is (a SIP URI); none for simulated agents.
    pub phone: Option<String>,
    /// Logged in from the start and typing at random (`[[skills]] agents = N`),
    /// rather than a person driven through the agent API (`[[agents]]`).
    pub simulated: bool,
}

/// The call an agent is on, or last had (what agentbox `type` codifies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentCall {
    pub campaign_id: Option<i64>,
    pub customer_id: String,
    pub conn_id: String,
}

/// An agent's state as the engine last wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentFact {
    pub operation_id: i64,
    pub agent_id: i64,
    pub phase: AgentPhase,
    /// The pause's code while `phase` is `Pause`.
    pub pause: String,
    /// When the phase began and when the agent logged in (Unix ms).
    pub since_ms: i64,
    pub login_ms: i64,
    /// Since it logged in, up to `since_ms`.
    pub times: AgentTimes,
    pub call: AgentCall,
}

/// An agent now, for real_time agents and the agent API's checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentNow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub phase: AgentPhase,
    /// The pause's name while paused.
    pub pause_name: String,
    pub since_ms: i64,
    pub login_ms: i64,
    pub times: AgentTimes,
    pub call: AgentCall,
}

/// What the agent API asks of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentCommand {
    /// Log in (its phone is called) or come back from a pause.
    Ready,
    Logout,
    /// Pause with this code (after the call, if on one).
    Pause(String),
    /// Hang up the agent's call.
    Hang,
    /// The agent's call with this `conn_id` was typed: after-call work ends.
    Typed(String),
    /// Hold or mute on the agent's call, or off again (a toggle).
    Toggle(CallAction),
    /// Dial a number for the agent (agentbox dial), if it is still free.
    Dial(ManualDial),
    /// Send DTMF keys down the agent's call.
    Dtmf(String),
    /// Hand the agent's caller to this agent (store id), if it is free.
    Transfer(i64),
    /// Hand the agent's caller to this number outside (a blind transfer).
    TransferOut(String),
    /// Call the customer of the cut predictive call the agent wraps up on
    /// another number (agentbox aux_call), if it still does.
    AuxCall(ManualDial),
}

/// A number an agent dials itself, with the call id the API answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualDial {
    pub conn_id: String,
    pub telephone: String,
    /// `""`: not given.
    pub customer_id: String,
}

/// Between a dial's fields in the command's `arg` (the API refuses control
/// characters in them).
const FIELD_SEP: char = '\u{1f}';

impl ManualDial {
    fn arg(&self) -> String {
        [self.conn_id.as_str(), &self.telephone, &self.customer_id].join(&FIELD_SEP.to_string())
    }

    fn from_arg(arg: &str) -> Option<Self> {
        let mut f = arg.split(FIELD_SEP).map(str::to_owned);
        Some(ManualDial {
            conn_id: f.next()?,
            telephone: f.next()?,
            customer_id: f.next().unwrap_or_default(),
        })
    }
}

impl AgentCommand {
    fn parts(&self) -> (&'static str, String) {
        match self {
            AgentCommand::Ready => ("ready", String::new()),
            AgentCommand::Logout => ("logout", String::new()),
            AgentCommand::Pause(code) => ("pause", code.clone()),
            AgentCommand::Hang => ("hang", String::new()),
            AgentCommand::Typed(conn_id) => ("typed", conn_id.clone()),
            AgentCommand::Toggle(action) => ("toggle", action.as_str().to_owned()),
            AgentCommand::Dtmf(keys) => ("dtmf", keys.clone()),
            AgentCommand::Transfer(to) => ("transfer", to.to_string()),
            AgentCommand::TransferOut(number) => ("transfer_out", number.clone()),
            AgentCommand::Dial(d) => ("dial", d.arg()),
            AgentCommand::AuxCall(d) => ("aux_call", d.arg()),
        }
    }

    fn from_parts(command: &str, arg: String) -> Option<Self> {
        Some(match command {
            "ready" => AgentCommand::Ready,
            "logout" => AgentCommand::Logout,
            "pause" => AgentCommand::Pause(arg),
            "hang" => AgentCommand::Hang,
            "typed" => AgentCommand::Typed(arg),
            "toggle" => AgentCommand::Toggle(CallAction::parse(&arg)?),
            "dtmf" => AgentCommand::Dtmf(arg),
            "transfer" => AgentCommand::Transfer(arg.parse().ok()?),
            "transfer_out" => AgentCommand::TransferOut(arg),
            "dial" => AgentCommand::Dial(ManualDial::from_arg(&arg)?),
            "aux_call" => AgentCommand::AuxCall(ManualDial::from_arg(&arg)?),
            _ => return None,
        })
    }
}

/// Why agentbox `type` typed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRejection {
    /// The agent has no campaign call waiting to be typed.
    NothingToType,
    Codify(CodifyRejection),
}

/// `SELECT` of an agent now, followed by `$where` (one text: sqlx takes static SQL).
macro_rules! agents_now {
    ($where:literal) => {
        concat!(
            "SELECT a.id, a.code, a.name, s.state, \
     COALESCE(p.name, '') AS pause_name, COALESCE(s.since_ms, 0) AS since_ms, \
     COALESCE(s.login_ms, 0) AS login_ms, COALESCE(s.calls_in, 0) AS calls_in, \
     COALESCE(s.calls_out, 0) AS calls_out, COALESCE(s.calls_internal, 0) AS calls_internal, \
     COALESCE(s.ready_ms, 0) AS ready_ms, COALESCE(s.ring_ms, 0) AS ring_ms, \
     COALESCE(s.inbound_ms, 0) AS inbound_ms, COALESCE(s.outbound_ms, 0) AS outbound_ms, \
     COALESCE(s.acw_ms, 0) AS acw_ms, COALESCE(s.aux_ms, 0) AS aux_ms, s.campaign_id, \
     COALESCE(s.customer_id, '') AS customer_id, COALESCE(s.conn_id, '') AS conn_id \
     FROM agents a LEFT JOIN agent_status s ON s.agent_id = a.id \
     LEFT JOIN agent_pauses p ON p.operation_id = a.operation_id AND p.code = s.pause ",
            $where
        )
    };
}

fn agent_now(r: &AnyRow) -> Result<AgentNow> {
    // No row yet: the agent never logged in.
    let state: Option<String> = r.try_get("state")?;
    Ok(AgentNow {
        id: r.try_get("id")?,
        code: r.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
        name: r.try_get("name")?,
        phase: state
            .as_deref()
            .and_then(AgentPhase::parse)
            .unwrap_or_default(),
        pause_name: r.try_get("pause_name")?,
        since_ms: r.try_get("since_ms")?,
        login_ms: r.try_get("login_ms")?,
        times: AgentTimes {
            calls_in: r.try_get("calls_in")?,
            calls_out: r.try_get("calls_out")?,
            calls_internal: r.try_get("calls_internal")?,
            ready_ms: r.try_get("ready_ms")?,
            ring_ms: r.try_get("ring_ms")?,
            inbound_ms: r.try_get("inbound_ms")?,
            outbound_ms: r.try_get("outbound_ms")?,
            acw_ms: r.try_get("acw_ms")?,
            aux_ms: r.try_get("aux_ms")?,
        },
        call: AgentCall {
            campaign_id: r.try_get("campaign_id")?,
            customer_id: r.try_get("customer_id")?,
            conn_id: r.try_get("conn_id")?,
        },
    })
}

impl Store {
    /// The operation's agents with their skills, in id order.
    pub async fn agents(&self, operation_id: i64) -> Result<Vec<AgentRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.code, a.name, a.phone, a.simulated, s.skill_id FROM agents a \
             JOIN agent_skills s ON s.agent_id = a.id WHERE a.operation_id = $1 \
             ORDER BY a.id, s.skill_id",
        )
        .bind(operation_id)
        .fetch_all(&self.reader)
        .await?;
        let mut agents: Vec<AgentRow> = Vec::new();
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let skill: i64 = r.try_get("skill_id")?;
            match agents.last_mut() {
                Some(a) if a.id == id => a.skills.push(skill),
                _ => agents.push(AgentRow {
                    id,
                    code: r.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
                    name: r.try_get("name")?,
                    skills: vec![skill],
                    phone: r.try_get("phone")?,
                    simulated: r.try_get::<i64, _>("simulated")? != 0,
                }),
            }
        }
        Ok(agents)
    }

    /// How many simulated agents each skill has: (skill, count).
    pub async fn simulated_agents_per_skill(&self, operation_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT s.skill_id, COUNT(*) FROM agent_skills s JOIN agents a ON a.id = s.agent_id \
             WHERE a.operation_id = $1 AND a.simulated = 1 GROUP BY s.skill_id",
        )
        .bind(operation_id)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Creates a simulated agent of one skill; its extension is `1000 + id`.
    pub async fn create_agent(&self, operation_id: i64, skill_id: i64, name: &str) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (operation_id, skill_id, name, simulated) VALUES ($1, $2, $3, 1) \
             RETURNING id",
        )
        .bind(operation_id)
        .bind(skill_id)
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE agents SET code = $2 WHERE id = $1")
            .bind(id)
            .bind((1000 + id).to_string())
            .execute(&mut *tx)
            .await?;
        set_skills(&mut tx, id, &[skill_id]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates or updates the person with extension `code` (name, skills,
    /// phone); `skills` is not empty.
    pub async fn put_agent(
        &self,
        operation_id: i64,
        code: &str,
        name: &str,
        skills: &[i64],
        phone: Option<&str>,
    ) -> Result<i64> {
        let first = skills.first().copied().unwrap_or_default();
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (operation_id, skill_id, name, code, phone, simulated) \
             VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (operation_id, code) DO UPDATE SET \
             skill_id = excluded.skill_id, name = excluded.name, phone = excluded.phone, simulated = 0 \
             RETURNING id",
        )
        .bind(operation_id)
        .bind(first)
        .bind(name)
        .bind(code)
        .bind(phone)
        .fetch_one(&mut *tx)
        .await?;
        set_skills(&mut tx, id, skills).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates or renames a pause state.
    pub async fn put_pause(&self, operation_id: i64, code: &str, name: &str) -> Result<()> {
        self.execute_one(
            sqlx::query(
                "INSERT INTO agent_pauses (operation_id, code, name) VALUES ($1, $2, $3) \
                 ON CONFLICT (operation_id, code) DO UPDATE SET name = excluded.name",
            )
            .bind(operation_id)
            .bind(code)
            .bind(name),
        )
        .await?;
        Ok(())
    }

    /// The name of pause `code`, if the operation has it.
    pub async fn pause_name(&self, operation_id: i64, code: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT name FROM agent_pauses WHERE operation_id = $1 AND code = $2",
        )
        .bind(operation_id)
        .bind(code)
        .fetch_optional(&self.reader)
        .await?)
    }

    /// Agents logged in now, and those on a call (real_time info_server).
    pub async fn agents_connected(&self, operation_id: i64) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT COUNT(CASE WHEN state <> $2 THEN 1 END), \
             COUNT(CASE WHEN state IN ($3, $4) THEN 1 END) FROM agent_status WHERE operation_id = $1",
        )
        .bind(operation_id)
        .bind(AgentPhase::Logout.as_str())
        .bind(AgentPhase::TalkIn.as_str())
        .bind(AgentPhase::TalkOut.as_str())
        .fetch_one(&self.reader)
        .await?)
    }

    /// Every agent now, by extension.
    pub async fn agents_now(&self, operation_id: i64) -> Result<Vec<AgentNow>> {
        sqlx::query(agents_now!("WHERE a.operation_id = $1 ORDER BY a.code"))
            .bind(operation_id)
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(agent_now)
            .collect()
    }

    /// The agent with extension `code`, now.
    pub async fn agent_by_code(&self, operation_id: i64, code: &str) -> Result<Option<AgentNow>> {
        sqlx::query(agents_now!("WHERE a.operation_id = $1 AND a.code = $2"))
            .bind(operation_id)
            .bind(code)
            .fetch_optional(&self.reader)
            .await?
            .as_ref()
            .map(agent_now)
            .transpose()
    }

    /// Leaves a command for the engine.
    pub async fn agent_command(
        &self,
        operation_id: i64,
        agent_id: i64,
        command: &AgentCommand,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        insert_command(&mut tx, operation_id, agent_id, command).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the commands left for the operation's agents, oldest first.
    /// Looked for first, without the writer: asked when there is usually
    /// nothing. Taken as the engine's facts' transaction takes them
    /// ([`take_commands`]).
    pub async fn take_agent_commands(&self, operation_id: i64) -> Result<Vec<(i64, AgentCommand)>> {
        let any: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM agent_commands WHERE operation_id = $1 LIMIT 1")
                .bind(operation_id)
                .fetch_optional(&self.reader)
                .await?;
        if any.is_none() {
            return Ok(Vec::new());
        }
        let tx = self.write_tx().await?;
        let mut writes = Writes::new(self.backend);
        take_commands(&mut writes, operation_id)?;
        let taken = tx.commit_with(writes).await?;
        commands_of(&taken)
    }

    /// agentbox `type`: codifies the campaign call agent `agent_id` is on or
    /// just had and ends its after-call work, in one transaction. The
    /// typed call's `conn_id` on success.
    pub async fn type_agent_call(
        &self,
        operation_id: i64,
        agent_id: i64,
        input: &TypeInput,
        now: Timestamp,
    ) -> Result<Result<String, TypeRejection>> {
        let mut tx = self.write_tx().await?;
        let row: Option<(Option<i64>, String, String, String)> = sqlx::query_as(
            "SELECT campaign_id, customer_id, conn_id, state FROM agent_status \
             WHERE agent_id = $1 AND operation_id = $2",
        )
        .bind(agent_id)
        .bind(operation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((campaign_id, customer_id, conn_id, state)) = row else {
            return Ok(Err(TypeRejection::NothingToType));
        };
        let typable = matches!(
            AgentPhase::parse(&state),
            Some(AgentPhase::TalkOut | AgentPhase::TalkIn | AgentPhase::Acw)
        );
        if conn_id.is_empty() || !typable {
            return Ok(Err(TypeRejection::NothingToType));
        }
        let Some(campaign_id) = campaign_id else {
            // An inbound call or one the agent dialed itself: no record, the
            // codes are the call's.
            return type_call_in(
                tx,
                self.backend,
                operation_id,
                agent_id,
                conn_id,
                input,
                now,
            )
            .await;
        };
        if customer_id.is_empty() {
            return Ok(Err(TypeRejection::NothingToType));
        }
        let codify = Codify {
            operation_id,
            campaign_id,
            kind: None,
            input: CodifyInput {
                customer_id,
                cod_act: input.cod_act.clone(),
                cod_act_2: input.cod_act_2.clone(),
                comment: input.comments.clone(),
            },
            now,
            audit: None,
        };
        let mut writes = Writes::new(self.backend);
        match codifies::one(codifies::codify_in(&mut tx, &mut writes, &[&codify]).await?)? {
            Ok(()) => {
                tx.commit_with(writes).await?;
                Ok(Ok(conn_id))
            }
            Err(r) => Ok(Err(TypeRejection::Codify(r))),
        }
    }
}

/// Types a call that dialed no record: its codes (checked against the
/// operation's), once, and the engine is told (after-call work ends).
async fn type_call_in(
    mut tx: WriteTx,
    backend: super::Backend,
    operation_id: i64,
    agent_id: i64,
    conn_id: String,
    input: &TypeInput,
    now: Timestamp,
) -> Result<Result<String, TypeRejection>> {
    let typed: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM call_codes WHERE operation_id = $1 AND conn_id = $2")
            .bind(operation_id)
            .bind(&conn_id)
            .fetch_optional(&mut *tx)
            .await?;
    if typed.is_some() {
        return Ok(Err(TypeRejection::NothingToType));
    }
    for (level, code) in [(1, &input.cod_act), (2, &input.cod_act_2)] {
        if (level == 1 || !code.is_empty())
            && code_hit(&mut tx, operation_id, level, code)
                .await?
                .is_none()
        {
            return Ok(Err(TypeRejection::Codify(CodifyRejection::UnknownCode(
                code.clone(),
            ))));
        }
    }
    let codes = CodifyInput {
        customer_id: String::new(),
        cod_act: input.cod_act.clone(),
        cod_act_2: input.cod_act_2.clone(),
        comment: input.comments.clone(),
    };
    let code = CallCodeFact::typed(
        operation_id,
        conn_id.clone(),
        agent_id,
        &codes,
        now.as_second(),
    );
    let mut writes = Writes::new(backend);
    super::facts::write_call_codes(&mut writes, &[&code])?;
    writes.run(&mut tx).await?;
    insert_command(
        &mut tx,
        operation_id,
        agent_id,
        &AgentCommand::Typed(conn_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(conn_id))
}

/// agentbox `type`'s parameters.
#[derive(Debug, Clone, Default)]
pub struct TypeInput {
    pub cod_act: String,
    pub cod_act_2: String,
    pub comments: String,
}

async fn set_skills(tx: &mut WriteTx, agent_id: i64, skills: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM agent_skills WHERE agent_id = $1")
        .bind(agent_id)
        .execute(&mut **tx)
        .await?;
    for skill in skills {
        sqlx::query("INSERT INTO agent_skills (agent_id, skill_id) VALUES ($1, $2)")
            .bind(agent_id)
            .bind(skill)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Leaves a command for the engine, inside `tx`.
async fn insert_command(
    tx: &mut WriteTx,
    operation_id: i64,
    agent_id: i64,
    command: &AgentCommand,
) -> Result<()> {
    let (command, arg) = command.parts();
    sqlx::query(
        "INSERT INTO agent_commands (operation_id, agent_id, command, arg) VALUES ($1, $2, $3, $4)",
    )
    .bind(operation_id)
    .bind(agent_id)
    .bind(command)
    .bind(arg)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records were codified (each `(operation, campaign, input, at)`): the
/// agents whose calls they are (talking or in after-call work) are told,
/// the calls no longer wait to be typed, and the codes are the calls' too —
/// three statements queued in `writes` for all of them. Of two codifies of
/// one customer, the first types the call (the second finds it typed).
pub(super) fn typed_all(
    writes: &mut Writes,
    typed: &[(i64, i64, &CodifyInput, i64)],
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<_> = typed
        .iter()
        .filter(|(op, campaign, input, _)| seen.insert((*op, *campaign, &input.customer_id)))
        .map(|(op, campaign, input, at)| {
            (
                op,
                campaign,
                &input.customer_id,
                &input.cod_act,
                &input.cod_act_2,
                &input.comment,
                at,
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let backend = writes.backend();
    let binds = vec![
        Bind::Text(rowset::json(&rows)?),
        Bind::from(AgentPhase::TalkOut.as_str()),
        Bind::from(AgentPhase::Acw.as_str()),
    ];
    // The agents on those calls, as `s`, beside the codify's row `v`.
    let on_call = |first: usize| {
        format!(
            "agent_status s JOIN ({}) v ON s.operation_id = v.operation_id \
             AND s.campaign_id = v.campaign_id AND s.customer_id = v.customer_id \
             AND s.state IN (${}, ${})",
            rowset::select_at(backend, &format!("${first}"), TYPED_COLUMNS, rows.len()),
            first + 1,
            first + 2
        )
    };
    // The call codes table's own columns and conflict clause; the values
    // selected follow its column order.
    let codes = &super::facts::CALL_CODES;
    writes.statement(|first| {
        (
            format!(
                "INSERT INTO {} ({}) SELECT s.operation_id, s.conn_id, s.agent_id, v.cod_act, \
                 v.cod_act_2, v.comments, v.typed_at FROM {}{}",
                codes.name,
                codes
                    .columns
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", "),
                on_call(first),
                codes.tail
            ),
            binds.clone(),
        )
    });
    let (typed, _) = AgentCommand::Typed(String::new()).parts();
    writes.statement(|first| {
        let mut binds = binds.clone();
        binds.push(Bind::from(typed));
        (
            format!(
                "INSERT INTO agent_commands (operation_id, agent_id, command, arg) \
                 SELECT s.operation_id, s.agent_id, ${}, s.conn_id FROM {}",
                first + 3,
                on_call(first)
            ),
            binds,
        )
    });
    writes.statement(|first| {
        (
            format!(
                "UPDATE agent_status SET customer_id = '' WHERE agent_id IN \
                 (SELECT s.agent_id FROM {})",
                on_call(first)
            ),
            binds,
        )
    });
    Ok(())
}

/// A codify's row as [`typed_all`] reads it.
const TYPED_COLUMNS: &[(&str, bool)] = &[
    ("operation_id", true),
    ("campaign_id", true),
    ("customer_id", false),
    ("cod_act", false),
    ("cod_act_2", false),
    ("comments", false),
    ("typed_at", true),
];

/// Queues taking the commands left for an operation's agents (they come
/// back as the rows [`commands_of`] reads).
pub(super) fn take_commands(w: &mut Writes, operation_id: i64) -> Result<()> {
    let backend = w.backend();
    w.rows(&[[operation_id]], |param, n| {
        format!(
            "DELETE FROM agent_commands WHERE operation_id IN \
             (SELECT CAST(value->>0 AS BIGINT) FROM {}) RETURNING id, agent_id, command, arg",
            super::rowset::json_table(backend, param, n)
        )
    })
}

/// The commands [`take_commands`] took (the only rows its transaction's
/// writes return), oldest first; one this version does not know is skipped.
pub(super) fn commands_of(rows: &[AnyRow]) -> Result<Vec<(i64, AgentCommand)>> {
    let mut taken = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect::<Result<Vec<(i64, i64, String, String)>>>()?;
    taken.sort_unstable_by_key(|(id, ..)| *id);
    Ok(taken
        .into_iter()
        .filter_map(|(_, agent, command, arg)| {
            AgentCommand::from_parts(&command, arg).map(|c| (agent, c))
        })
        .collect())
}

/// Writes an agent's state (the engine's latest word on it).
pub(super) fn write_status(w: &mut Writes, facts: &[&AgentFact]) -> Result<()> {
    let rows: Vec<serde_json::Value> = super::rowset::last_by(facts, |f| f.agent_id)
        .map(|f| {
            let t = &f.times;
            serde_json::json!([
                f.agent_id,
                f.operation_id,
                f.phase.as_str(),
                f.pause,
                f.since_ms,
                f.login_ms,
                t.calls_in,
                t.calls_out,
                t.calls_internal,
                t.ready_ms,
                t.ring_ms,
                t.inbound_ms,
                t.outbound_ms,
                t.acw_ms,
                t.aux_ms,
                f.call.campaign_id,
                f.call.customer_id,
                f.call.conn_id,
            ])
        })
        .collect();
    w.insert(&AGENT_STATUS, &rows)
}

const AGENT_STATUS: Table = Table {
    name: "agent_status",
    columns: &[
        ("agent_id", true),
        ("operation_id", true),
        ("state", false),
        ("pause", false),
        ("since_ms", true),
        ("login_ms", true),
        ("calls_in", true),
        ("calls_out", true),
        ("calls_internal", true),
        ("ready_ms", true),
        ("ring_ms", true),
        ("inbound_ms", true),
        ("outbound_ms", true),
        ("acw_ms", true),
        ("aux_ms", true),
        ("campaign_id", true),
        ("customer_id", false),
        ("conn_id", false),
    ],
    tail: " WHERE true ON CONFLICT (agent_id) DO UPDATE SET state = excluded.state, \
           pause = excluded.pause, since_ms = excluded.since_ms, login_ms = excluded.login_ms, \
           calls_in = excluded.calls_in, calls_out = excluded.calls_out, \
           calls_internal = excluded.calls_internal, ready_ms = excluded.ready_ms, \
           ring_ms = excluded.ring_ms, inbound_ms = excluded.inbound_ms, \
           outbound_ms = excluded.outbound_ms, acw_ms = excluded.acw_ms, aux_ms = excluded.aux_ms, \
           campaign_id = excluded.campaign_id, customer_id = excluded.customer_id, \
           conn_id = excluded.conn_id",
};
