//! campaign.php's campaign edits, each one writer transaction that checks
//! before it changes anything: `recall` (a customer called back at a date, on
//! a number of its own or a new one), `edit_campaign`, `campaign_filter` and
//! `delete_campaign`.

use marcador_wire::CampaignType;
use marcador_wire::records::recall_style;
use sqlx::Row;

use super::filter::RecordFilter;
use super::rowset::bind_all;
use super::tx::WriteTx;
use super::{Result, Store, StoreError};
use crate::domain::{RecordEvent, RecordStatus};

/// Why a recall changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecallRejection {
    UnknownCampaign,
    UnknownCustomer,
    /// The record is on a call now.
    Dialing,
    /// A new number, and tel1…tel10 are all taken.
    NoFreePhone,
    /// edit_recall, delete_recall: the record has no recall to come.
    NoRecall,
}

/// A recall to schedule (campaign.php recall, agentbox recall and edit_recall).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecallPlan {
    /// When (Unix s).
    pub at: i64,
    /// The number (none: the record's next, or else its first).
    pub telephone: Option<String>,
    /// [`recall_style`]: `auto` or `manual`.
    pub style: String,
    /// A manual recall's agent (an extension): the call is routed to it.
    pub agent: Option<String>,
    /// A name for a record that has none (agentbox's `name_recall`).
    pub name: Option<String>,
    /// edit_recall: only a record whose recall is still to come.
    pub existing_only: bool,
}

/// What edit_campaign changes (`None`: left as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: Option<CampaignType>,
    pub enable_edition: Option<bool>,
    /// `hhiiss`.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub skill_id: Option<i64>,
    /// `""`: no detection; `default` or a country code.
    pub amd: Option<String>,
    pub turbo_dial: Option<bool>,
    pub routing_recall: Option<bool>,
    /// Titles to set: (1…12, title).
    pub opt_titles: Vec<(usize, String)>,
}

/// A campaign's settings, as edit_campaign shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignEditView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub kind: Option<CampaignType>,
    pub enable_edition: bool,
    pub start_time: String,
    pub end_time: String,
    pub skill_id: Option<i64>,
    pub amd: String,
    pub turbo_dial: bool,
    pub routing_recall: bool,
    /// `opt1`…`opt12`'s titles (`""`: none).
    pub opt_titles: Vec<String>,
}

/// Why an edit changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditRejection {
    UnknownCampaign,
    UnknownSkill,
    /// A new type needs the campaign stopped and its calls ended.
    Started,
    Dialing,
    /// The window would end before it starts: (start, end) `hhiiss`.
    BadWindow(String, String),
}

/// Why delete_campaign deleted nothing: the campaign that stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteRejection {
    Unknown(i64),
    Started(i64),
    Dialing(i64),
}

/// A campaign of the operation: (type, started, records being dialed now).
async fn campaign_state(
    tx: &mut WriteTx,
    operation_id: i64,
    id: i64,
) -> Result<Option<(String, bool, i64)>> {
    let row = sqlx::query(
        "SELECT c.type, c.status, (SELECT COUNT(*) FROM records r WHERE r.campaign_id = c.id \
         AND r.status = 'dialing') FROM campaigns c WHERE c.id = $1 AND c.operation_id = $2",
    )
    .bind(id)
    .bind(operation_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get(0)?,
            r.try_get::<String, _>(1)? == "started",
            r.try_get(2)?,
        ))
    })
    .transpose()
}

impl Store {
    /// Calls a customer back as `plan` says: at its time, on its number (one
    /// the record does not hold goes into its first free phone column). The
    /// record becomes dialable again — a codified one too — and a due recall
    /// is picked before the rest; a manual one is routed to its agent.
    /// Returns the number it will be called on.
    pub async fn recall_record(
        &self,
        operation_id: i64,
        campaign_id: i64,
        customer_id: &str,
        plan: &RecallPlan,
    ) -> Result<std::result::Result<String, RecallRejection>> {
        let telephone = plan.telephone.as_deref();
        let mut tx = self.write_tx().await?;
        if campaign_state(&mut tx, operation_id, campaign_id)
            .await?
            .is_none()
        {
            return Ok(Err(RecallRejection::UnknownCampaign));
        }
        let row = sqlx::query(concat!(
            "SELECT r.id, r.status, r.next_phone, r.recall_at, r.customer_name, ",
            super::facts::tel_columns!(),
            " FROM records r WHERE r.campaign_id = $1 AND r.customer_id = $2 AND r.removed_at IS NULL"
        ))
        .bind(campaign_id)
        .bind(customer_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Err(RecallRejection::UnknownCustomer));
        };
        let id: i64 = row.try_get("id")?;
        if plan.existing_only && row.try_get::<Option<i64>, _>("recall_at")?.is_none() {
            return Ok(Err(RecallRejection::NoRecall));
        }
        let status = RecordStatus::parse(&row.try_get::<String, _>("status")?)
            .ok_or_else(|| StoreError::Invalid("unknown record status".into()))?;
        let Some(after) = status.on(RecordEvent::Recall) else {
            return Ok(Err(RecallRejection::Dialing));
        };
        let tels = super::facts::tels_of(&row)?;
        let next: i64 = row.try_get("next_phone")?;
        let wanted = match telephone.filter(|t| !t.is_empty()) {
            Some(t) => t.to_owned(),
            None => usize::try_from(next - 1)
                .ok()
                .and_then(|i| tels.get(i))
                .filter(|t| !t.is_empty())
                .or_else(|| tels.iter().find(|t| !t.is_empty()))
                .cloned()
                .unwrap_or_default(),
        };
        let column = match tels.iter().position(|t| *t == wanted) {
            Some(i) => i + 1,
            None => {
                let Some(free) = tels.iter().position(String::is_empty) else {
                    return Ok(Err(RecallRejection::NoFreePhone));
                };
                // The new number takes the free column: counted and findable.
                let name = marcador_wire::rows::record_fields::TEL_NAMES[free];
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE records SET {name} = $2 WHERE id = $1"
                )))
                .bind(id)
                .bind(&wanted)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE campaign_phones SET with_phone = with_phone + 1 \
                     WHERE campaign_id = $1 AND phone = $2",
                )
                .bind(campaign_id)
                .bind(free as i64 + 1)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO record_phones (telephone, record_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&wanted)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                free + 1
            }
        };
        // codified → dialed leaves every counter as it was (both are handled
        // records; the codes stay until the next codify replaces them).
        // A manual recall is the agent's: its call is routed to that agent.
        let agent = match plan.style.as_str() {
            recall_style::MANUAL => plan.agent.clone(),
            _ => None,
        };
        let name = plan.name.clone().filter(|_| {
            row.try_get::<String, _>("customer_name")
                .is_ok_and(|n| n.is_empty())
        });
        sqlx::query(
            "UPDATE records SET status = $2, next_phone = $3, recall_at = $4, recall_telephone = $5, \
             recall_count = recall_count + $6, recall_style = $7, \
             agent_id = COALESCE($8, agent_id), customer_name = COALESCE($9, customer_name) WHERE id = $1",
        )
        .bind(id)
        .bind(after.as_str())
        .bind(column as i64)
        .bind(plan.at)
        .bind(&wanted)
        .bind(i64::from(!plan.existing_only))
        .bind(&plan.style)
        .bind(agent)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(wanted))
    }

    /// Cancels a customer's recall still to come (agentbox delete_recall): it
    /// is no longer dialed at its time; a manual one leaves its agent.
    pub async fn cancel_recall(
        &self,
        operation_id: i64,
        campaign_id: i64,
        customer_id: &str,
    ) -> Result<std::result::Result<(), RecallRejection>> {
        let mut tx = self.write_tx().await?;
        if campaign_state(&mut tx, operation_id, campaign_id)
            .await?
            .is_none()
        {
            return Ok(Err(RecallRejection::UnknownCampaign));
        }
        let row: Option<(i64, Option<i64>, String)> = sqlx::query_as(
            "SELECT id, recall_at, recall_style FROM records \
             WHERE campaign_id = $1 AND customer_id = $2 AND removed_at IS NULL",
        )
        .bind(campaign_id)
        .bind(customer_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, recall_at, style)) = row else {
            return Ok(Err(RecallRejection::UnknownCustomer));
        };
        if recall_at.is_none() {
            return Ok(Err(RecallRejection::NoRecall));
        }
        sqlx::query(
            "UPDATE records SET recall_at = NULL, recall_telephone = '', \
             agent_id = CASE WHEN $2 THEN '' ELSE agent_id END WHERE id = $1",
        )
        .bind(id)
        .bind(style == recall_style::MANUAL)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// A campaign's settings (none: not the operation's).
    pub async fn campaign_edit_view(
        &self,
        operation_id: i64,
        id: i64,
    ) -> Result<Option<CampaignEditView>> {
        let mut conn = self.reader.acquire().await?;
        edit_view(&mut conn, operation_id, id).await
    }

    /// Applies an edit in one transaction, all of it or nothing, and returns
    /// the campaign as it now is.
    pub async fn edit_campaign(
        &self,
        operation_id: i64,
        id: i64,
        edit: &CampaignEdit,
    ) -> Result<std::result::Result<CampaignEditView, EditRejection>> {
        let mut tx = self.write_tx().await?;
        let Some((kind, started, dialing)) = campaign_state(&mut tx, operation_id, id).await?
        else {
            return Ok(Err(EditRejection::UnknownCampaign));
        };
        let Some(current) = edit_view(&mut tx, operation_id, id).await? else {
            return Ok(Err(EditRejection::UnknownCampaign));
        };
        if edit.kind.is_some_and(|k| k.as_str() != kind) {
            if started {
                return Ok(Err(EditRejection::Started));
            }
            if dialing > 0 {
                return Ok(Err(EditRejection::Dialing));
            }
        }
        if let Some(skill) = edit.skill_id {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM skills WHERE id = $1 AND operation_id = $2",
            )
            .bind(skill)
            .bind(operation_id)
            .fetch_one(&mut *tx)
            .await?;
            if n == 0 {
                return Ok(Err(EditRejection::UnknownSkill));
            }
        }
        let start = edit
            .start_time
            .clone()
            .unwrap_or(current.start_time.clone());
        let end = edit.end_time.clone().unwrap_or(current.end_time.clone());
        if start > end {
            return Ok(Err(EditRejection::BadWindow(start, end)));
        }
        let mut titles = current.opt_titles.clone();
        titles.resize(12, String::new());
        for (n, title) in &edit.opt_titles {
            if let Some(slot) = n.checked_sub(1).and_then(|i| titles.get_mut(i)) {
                slot.clone_from(title);
            }
        }
        let titles =
            serde_json::to_string(&titles).map_err(|e| StoreError::Invalid(e.to_string()))?;
        sqlx::query(
            "UPDATE campaigns SET name = $2, description = $3, type = $4, enable_edition = $5, \
             start_time = $6, end_time = $7, skill_id = $8, amd = $9, turbo_dial = $10, \
             routing_recall = $11, opt_titles = $12 WHERE id = $1",
        )
        .bind(id)
        .bind(edit.name.as_ref().unwrap_or(&current.name))
        .bind(edit.description.as_ref().unwrap_or(&current.description))
        .bind(edit.kind.map_or(kind.as_str(), |k| k.as_str()))
        .bind(i64::from(
            edit.enable_edition.unwrap_or(current.enable_edition),
        ))
        .bind(&start)
        .bind(&end)
        .bind(edit.skill_id.or(current.skill_id))
        .bind(edit.amd.as_ref().unwrap_or(&current.amd))
        .bind(i64::from(edit.turbo_dial.unwrap_or(current.turbo_dial)))
        .bind(i64::from(
            edit.routing_recall.unwrap_or(current.routing_recall),
        ))
        .bind(titles)
        .execute(&mut *tx)
        .await?;
        let view = edit_view(&mut tx, operation_id, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("campaign {id} vanished")))?;
        tx.commit().await?;
        Ok(Ok(view))
    }

    /// Sets (or, with `None`, removes) a campaign's record filter. Returns the
    /// campaign's records and those still to dial that the filter lets
    /// through; `None` if the campaign is not the operation's.
    pub async fn set_campaign_filter(
        &self,
        operation_id: i64,
        id: i64,
        filter: Option<&RecordFilter>,
    ) -> Result<Option<(i64, i64)>> {
        let mut tx = self.write_tx().await?;
        let json = match filter {
            Some(f) => serde_json::to_string(f).map_err(|e| StoreError::Invalid(e.to_string()))?,
            None => String::new(),
        };
        let changed =
            sqlx::query("UPDATE campaigns SET filter = $3 WHERE id = $1 AND operation_id = $2")
                .bind(id)
                .bind(operation_id)
                .bind(&json)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        let (cond, binds) = filter.map_or_else(Default::default, |f| f.sql(self.backend, 2));
        let q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM records r WHERE r.campaign_id = $1 AND r.removed_at IS NULL \
             AND r.next_phone > 0 AND r.status IN ('clean', 'dialed'){cond}"
        )))
        .bind(id);
        let pending: i64 = bind_all(q, &binds).fetch_one(&mut *tx).await?.try_get(0)?;
        let total: i64 = sqlx::query_scalar("SELECT records FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((total, pending)))
    }

    /// Deletes campaigns of the operation with their records and attempts —
    /// all of them or none: each must be the operation's, stopped, and without
    /// calls in progress. The calls stay in the call reports. Returns how many.
    pub async fn delete_campaigns(
        &self,
        operation_id: i64,
        ids: &[i64],
    ) -> Result<std::result::Result<u64, DeleteRejection>> {
        let mut tx = self.write_tx().await?;
        for &id in ids {
            match campaign_state(&mut tx, operation_id, id).await? {
                None => return Ok(Err(DeleteRejection::Unknown(id))),
                Some((_, true, _)) => return Ok(Err(DeleteRejection::Started(id))),
                Some((_, _, dialing)) if dialing > 0 => {
                    return Ok(Err(DeleteRejection::Dialing(id)));
                }
                Some(_) => {}
            }
        }
        for &id in ids {
            for sql in [
                "DELETE FROM record_phones WHERE record_id IN (SELECT id FROM records WHERE campaign_id = $1)",
                "DELETE FROM dial_attempts WHERE record_id IN (SELECT id FROM records WHERE campaign_id = $1)",
                "DELETE FROM records WHERE campaign_id = $1",
                "DELETE FROM campaign_phones WHERE campaign_id = $1",
                "DELETE FROM campaign_days WHERE campaign_id = $1",
                "DELETE FROM campaign_leases WHERE campaign_id = $1",
                "DELETE FROM campaigns WHERE id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(ids.len() as u64))
    }
}

/// The campaign's settings, read on `conn`.
async fn edit_view(
    conn: &mut sqlx::AnyConnection,
    operation_id: i64,
    id: i64,
) -> Result<Option<CampaignEditView>> {
    let row = sqlx::query(
        "SELECT id, name, description, type, enable_edition, start_time, end_time, skill_id, amd, \
         turbo_dial, routing_recall, opt_titles FROM campaigns WHERE id = $1 AND operation_id = $2",
    )
    .bind(id)
    .bind(operation_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let titles: String = r.try_get("opt_titles")?;
    Ok(Some(CampaignEditView {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        kind: CampaignType::parse(&r.try_get::<String, _>("type")?),
        enable_edition: r.try_get::<i64, _>("enable_edition")? != 0,
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        skill_id: r.try_get("skill_id")?,
        amd: r.try_get("amd")?,
        turbo_dial: r.try_get::<i64, _>("turbo_dial")? != 0,
        routing_recall: r.try_get::<i64, _>("routing_recall")? != 0,
        opt_titles: serde_json::from_str(&titles).unwrap_or_default(),
    }))
}
