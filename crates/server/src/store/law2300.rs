//! Ley 2300 releases: a customer freed from the law's protection, by number
//! or by id ([`Law2300Release`], written by configuration.php free_law2300 or
//! the demo's history as a fact), and cdr_11's read of them. The dialer's
//! pick and law2300_info ask [`released_sql`] whether a number or customer is
//! free. Plain data; the rows are made in `api/reports_manager/calls.rs`.

use marcador_wire::law2300::ReleaseItem;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::facts::Fact;
use super::tx::WriteTx;
use super::{Result, Store};

/// A customer released from Ley 2300's protection at `released_at` (Unix s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Law2300Release {
    pub operation_id: i64,
    pub released_at: i64,
    pub nit: String,
    pub item: ReleaseItem,
    /// The number, or the customer's id.
    pub value: String,
    /// The extension the release came with (`""` when none).
    pub agent_code: String,
}

/// A release as cdr_11 lists it: the agent's name when the extension is one
/// of the operation's agents, and the operation's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseDetail {
    pub nit: String,
    pub agent_code: String,
    pub agent_name: String,
    pub operation: String,
    pub released_at: i64,
    /// `tel_number` or `id_customer`.
    pub item: String,
    pub value: String,
}

/// The condition "released", for a query with the operation's id in `op`, a
/// telephone in `tel` and a customer id in `customer` (SQL expressions).
pub(super) fn released_sql(op: &str, tel: &str, customer: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM law2300_releases f WHERE f.operation_id = {op} AND \
         ((f.value = {tel} AND f.item = '{number}') OR (f.value = {customer} AND f.item = '{id}')))",
        number = ReleaseItem::TelNumber.as_str(),
        id = ReleaseItem::IdCustomer.as_str(),
    )
}

pub(super) async fn apply_release(tx: &mut WriteTx, r: &Law2300Release) -> Result<()> {
    sqlx::query(
        "INSERT INTO law2300_releases (operation_id, released_at, nit, item, value, agent_code) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(r.operation_id)
    .bind(r.released_at)
    .bind(&r.nit)
    .bind(r.item.as_str())
    .bind(&r.value)
    .bind(&r.agent_code)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `$1` operation, releases within `$2`…`$3` (Unix s), oldest first.
const DETAIL: &str = "SELECT f.nit, f.agent_code, COALESCE(a.name, '') AS agent_name, o.name AS operation, \
     f.released_at, f.item, f.value \
     FROM law2300_releases f JOIN operations o ON o.id = f.operation_id \
     LEFT JOIN agents a ON a.operation_id = f.operation_id AND a.code = f.agent_code \
     WHERE f.operation_id = $1 AND f.released_at BETWEEN $2 AND $3 \
     ORDER BY f.released_at, f.id LIMIT $4";

fn release_detail(r: &AnyRow) -> Result<ReleaseDetail> {
    Ok(ReleaseDetail {
        nit: r.try_get("nit")?,
        agent_code: r.try_get("agent_code")?,
        agent_name: r.try_get("agent_name")?,
        operation: r.try_get("operation")?,
        released_at: r.try_get("released_at")?,
        item: r.try_get("item")?,
        value: r.try_get("value")?,
    })
}

impl Store {
    /// configuration.php free_law2300: the release, written at once.
    pub async fn free_law2300(&self, release: Law2300Release) -> Result<()> {
        self.record_facts(&[Fact::Law2300Release(release)]).await
    }

    /// cdr_11: the releases made in `[from, to]` (Unix s).
    pub async fn law2300_releases(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<ReleaseDetail>> {
        let binds = vec![operation_id.into(), from.into(), to.into()];
        self.detail(DETAIL, binds, release_detail).await
    }
}
