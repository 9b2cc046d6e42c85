//! campaign.php's record reads: `detail` (the records of a campaign managed in
//! a range, from the `(campaign, managed_at)` index), `find_record` (a
//! customer by telephone through `record_phones`, by id, or a whole campaign)
//! and `campaign_15` (every record of a campaign with its dial history). Each
//! is a [`DetailRead`] of plain [`RecordView`]s: measured, then streamed.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::facts::tels_of;
use super::rowset::Bind;
use super::{NewRecord, Result, Store};
use marcador_wire::rows::record_fields::OPT_NAMES;

/// A record with how it was managed: plain data for the record reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordView {
    pub campaign_id: i64,
    /// The customer as uploaded (`recall`: Unix seconds).
    pub record: NewRecord,
    /// The last attempt or codify (Unix s); none: never managed.
    pub managed_at: Option<i64>,
    pub attempts: i64,
    /// The last attempt's stored result (`""`: never dialed).
    pub last_result: String,
    pub last_conn_id: String,
    pub last_telephone: String,
    pub cod_act: String,
    pub description: String,
    pub cod_act_2: String,
    pub description_2: String,
    pub comment: String,
    pub recall_count: i64,
    pub recall_style: String,
    /// The extension of the agent who took the last call, or else the
    /// preview agent the record is assigned to (`""`: none).
    pub agent_code: String,
    /// campaign_15: every attempt, oldest first: (Unix s, stored result, number).
    pub history: Vec<(i64, String, String)>,
}

/// The columns [`record_view`] reads (`r` the record, `k` its campaign), then
/// `history` (campaign_15's aggregate, or `''`).
macro_rules! record_view_columns {
    () => {
        "r.campaign_id, r.customer_id, r.customer_name, r.customer_last_name, r.id_type, r.age, \
         r.gender, r.country, r.state, r.city, r.zone, r.address, r.email, r.tel1, r.tel2, r.tel3, \
         r.tel4, r.tel5, r.tel6, r.tel7, r.tel8, r.tel9, r.tel10, r.tel_extra, r.opt1, r.opt2, \
         r.opt3, r.opt4, r.opt5, r.opt6, r.opt7, r.opt8, r.opt9, r.opt10, r.opt11, r.opt12, \
         r.agent_id, r.recall_at, r.recall_telephone, r.managed_at, r.attempts, \
         COALESCE(r.last_result, '') AS last_result, r.last_conn_id, r.last_telephone, r.cod_act, \
         COALESCE(d1.description, '') AS description, r.cod_act_2, \
         COALESCE(d2.description, '') AS description_2, r.comment, r.recall_count, r.recall_style, \
         COALESCE((SELECT g.code FROM calls c JOIN agents g ON g.id = c.agent_id \
           WHERE c.operation_id = k.operation_id AND c.conn_id = r.last_conn_id \
           AND r.last_conn_id <> '' LIMIT 1), r.agent_id) AS agent_code"
    };
}

/// `records r` with its campaign `k` and its codes' descriptions.
macro_rules! record_view_from {
    () => {
        " FROM records r JOIN campaigns k ON k.id = r.campaign_id \
         LEFT JOIN activity_codes d1 ON d1.operation_id = k.operation_id AND d1.level = 1 \
         AND d1.code = r.cod_act \
         LEFT JOIN activity_codes d2 ON d2.operation_id = k.operation_id AND d2.level = 2 \
         AND d2.code = r.cod_act_2"
    };
}

/// detail: `$1` campaign, managed within `$2`…`$3`; `$4` = 1 keeps records
/// managed without a call; in management order.
const DETAIL: &str = concat!(
    "SELECT ",
    record_view_columns!(),
    ", '' AS history",
    record_view_from!(),
    " WHERE r.campaign_id = $1 AND r.managed_at BETWEEN $2 AND $3 AND r.removed_at IS NULL \
     AND ($4 = 1 OR r.last_conn_id <> '') ORDER BY r.managed_at, r.id LIMIT $5"
);

/// campaign_15: every record of `$1` with its attempts, oldest first
/// (`started_at;result;telephone`, `|` between them), in upload order.
const CAMPAIGN_15: &str = concat!(
    "SELECT ",
    record_view_columns!(),
    ", COALESCE((SELECT string_agg(CAST(a.started_at AS TEXT) || ';' || a.result || ';' || a.telephone, \
     '|' ORDER BY a.started_at, a.id) FROM dial_attempts a WHERE a.record_id = r.id), '') AS history",
    record_view_from!(),
    " WHERE r.campaign_id = $1 AND r.removed_at IS NULL ORDER BY r.id LIMIT $2"
);

/// find_record by telephone: `$1` operation, `$2` number, `$3` customer (`''`:
/// any), `$4` campaign (0: any).
const FIND_BY_PHONE: &str = concat!(
    "SELECT ",
    record_view_columns!(),
    ", '' AS history FROM record_phones p JOIN records r ON r.id = p.record_id \
     JOIN campaigns k ON k.id = r.campaign_id \
     LEFT JOIN activity_codes d1 ON d1.operation_id = k.operation_id AND d1.level = 1 \
     AND d1.code = r.cod_act \
     LEFT JOIN activity_codes d2 ON d2.operation_id = k.operation_id AND d2.level = 2 \
     AND d2.code = r.cod_act_2 \
     WHERE p.telephone = $2 AND k.operation_id = $1 AND r.removed_at IS NULL \
     AND ($3 = '' OR r.customer_id = $3) AND ($4 = 0 OR r.campaign_id = $4) \
     ORDER BY r.campaign_id, r.id LIMIT $5"
);

/// find_record by customer: `$1` operation, `$2` customer, `$3` campaign (0: any).
const FIND_BY_CUSTOMER: &str = concat!(
    "SELECT ",
    record_view_columns!(),
    ", '' AS history",
    record_view_from!(),
    " WHERE r.customer_id = $2 AND k.operation_id = $1 AND r.removed_at IS NULL \
     AND ($3 = 0 OR r.campaign_id = $3) ORDER BY r.campaign_id, r.id LIMIT $4"
);

/// find_record by campaign alone: `$1` campaign, in upload order.
const FIND_IN_CAMPAIGN: &str = concat!(
    "SELECT ",
    record_view_columns!(),
    ", '' AS history",
    record_view_from!(),
    " WHERE r.campaign_id = $1 AND r.removed_at IS NULL ORDER BY r.id LIMIT $2"
);

fn record_view(r: &AnyRow) -> Result<RecordView> {
    let opts = OPT_NAMES
        .iter()
        .map(|n| r.try_get::<String, _>(*n))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let history: String = r.try_get("history")?;
    Ok(RecordView {
        campaign_id: r.try_get("campaign_id")?,
        record: NewRecord {
            customer_id: r.try_get("customer_id")?,
            customer_name: r.try_get("customer_name")?,
            customer_last_name: r.try_get("customer_last_name")?,
            id_type: r.try_get("id_type")?,
            age: r.try_get("age")?,
            gender: r.try_get("gender")?,
            country: r.try_get("country")?,
            state: r.try_get("state")?,
            city: r.try_get("city")?,
            zone: r.try_get("zone")?,
            address: r.try_get("address")?,
            email: r.try_get("email")?,
            tels: tels_of(r)?,
            tel_extra: r.try_get("tel_extra")?,
            opts,
            agent_id: r.try_get("agent_id")?,
            recall: r.try_get("recall_at")?,
            recall_telephone: r.try_get("recall_telephone")?,
        },
        managed_at: r.try_get("managed_at")?,
        attempts: r.try_get("attempts")?,
        last_result: r.try_get("last_result")?,
        last_conn_id: r.try_get("last_conn_id")?,
        last_telephone: r.try_get("last_telephone")?,
        cod_act: r.try_get("cod_act")?,
        description: r.try_get("description")?,
        cod_act_2: r.try_get("cod_act_2")?,
        description_2: r.try_get("description_2")?,
        comment: r.try_get("comment")?,
        recall_count: r.try_get("recall_count")?,
        recall_style: r.try_get("recall_style")?,
        agent_code: r.try_get("agent_code")?,
        history: history
            .split('|')
            .filter(|e| !e.is_empty())
            .filter_map(|e| {
                let mut parts = e.splitn(3, ';');
                let at = parts.next()?.parse().ok()?;
                Some((at, parts.next()?.to_owned(), parts.next()?.to_owned()))
            })
            .collect(),
    })
}

/// How find_record looks a customer up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindRecord {
    /// By a number it holds (and, when given, its id and campaign).
    Phone {
        telephone: String,
        customer_id: Option<String>,
        campaign_id: Option<i64>,
    },
    /// By its id (in one campaign, or any).
    Customer {
        customer_id: String,
        campaign_id: Option<i64>,
    },
    /// Every record of a campaign.
    Campaign(i64),
}

impl Store {
    /// detail: the records of a campaign managed within `[from, to]`
    /// (`with_calls_only`: those with a call).
    pub async fn managed_records(
        &self,
        campaign_id: i64,
        from: i64,
        to: i64,
        with_calls_only: bool,
    ) -> Result<DetailRead<RecordView>> {
        let binds = vec![
            campaign_id.into(),
            from.into(),
            to.into(),
            i64::from(!with_calls_only).into(),
        ];
        self.detail(DETAIL, binds, record_view).await
    }

    /// campaign_15: every record of a campaign, with its dial history.
    pub async fn campaign_export(&self, campaign_id: i64) -> Result<DetailRead<RecordView>> {
        self.detail(CAMPAIGN_15, vec![campaign_id.into()], record_view)
            .await
    }

    /// find_record: the operation's records that match.
    pub async fn find_records(
        &self,
        operation_id: i64,
        by: &FindRecord,
    ) -> Result<DetailRead<RecordView>> {
        let (sql, binds): (&'static str, Vec<Bind>) = match by {
            FindRecord::Phone {
                telephone,
                customer_id,
                campaign_id,
            } => (
                FIND_BY_PHONE,
                vec![
                    operation_id.into(),
                    telephone.as_str().into(),
                    customer_id.as_deref().unwrap_or("").into(),
                    campaign_id.unwrap_or(0).into(),
                ],
            ),
            FindRecord::Customer {
                customer_id,
                campaign_id,
            } => (
                FIND_BY_CUSTOMER,
                vec![
                    operation_id.into(),
                    customer_id.as_str().into(),
                    campaign_id.unwrap_or(0).into(),
                ],
            ),
            FindRecord::Campaign(id) => (FIND_IN_CAMPAIGN, vec![(*id).into()]),
        };
        self.detail(sql, binds, record_view).await
    }
}
