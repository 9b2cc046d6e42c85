//! The companion endpoints: campaign management (`campaign.php`) and
//! `information.php`.

use marcador_wire::api::{self, param, report};
use marcador_wire::limits::MAX_RECORDS_PER_UPLOAD;
use marcador_wire::rows::{
    ActivityCodeRow, CAMPAIGN_STATUS_START, CAMPAIGN_STATUS_STOP, CreateCampaignRequest,
    CreatedCampaignRow, DncEntry, DncResultRow, InfoCampaignRow, RecallRecordsRequest, RecallRow,
    RemoveRecordRequest, RoutingPointRow, SkillRow, SpeedRequest, TokenInfoRow, TotalRegistersRow,
};
use marcador_wire::{CampaignType, WireError, WriteAnswer};
use reqwest::Method;

use crate::{Call, Client, Error, Result, envelope_rows, to_json};

/// One record for `add_record`: field name → value, with the names of
/// [`RECORD_FIELDS`](marcador_wire::rows::RECORD_FIELDS) (`customer_id`,
/// `customer_name`, `tel1`…`tel10`, `opt1`…`opt12`, …).
pub type Record = serde_json::Map<String, serde_json::Value>;

/// An `add_record` upload.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecords<'a> {
    pub campaign_id: i64,
    pub type_campaign: CampaignType,
    /// At most 10,000; the server refuses the whole upload if one is invalid.
    pub records: &'a [Record],
    /// Start (`Some(true)`) or stop (`Some(false)`) the campaign after the upload.
    pub then_start: Option<bool>,
}

fn campaign_call(
    method: Method,
    api_name: &str,
    kind: CampaignType,
    id: i64,
    body: Option<Vec<u8>>,
    idempotent: bool,
) -> Call {
    Call::write(method, api_name, body, idempotent)
        .with(param::TYPE_CAMPAIGN, kind.as_str())
        .with(param::CAMPAIGN_ID, id.to_string())
}

fn first<T>(rows: Vec<T>, what: &str) -> Result<T> {
    rows.into_iter().next().ok_or_else(|| Error::Decode {
        what: what.to_owned(),
        detail: "the answer has no row".into(),
    })
}

impl Client {
    /// `POST campaign.php?api=create_campaign`: answers the new campaign's id and name.
    pub async fn create_campaign(
        &self,
        kind: CampaignType,
        campaign: &CreateCampaignRequest,
    ) -> Result<CreatedCampaignRow> {
        let call = Call::write(
            Method::POST,
            report::CREATE_CAMPAIGN,
            Some(to_json(campaign)?),
            false,
        )
        .with(param::TYPE_CAMPAIGN, kind.as_str());
        first(self.execute(&call, envelope_rows).await?, "create_campaign")
    }

    /// `POST campaign.php?api=add_record`: answers how many records were added.
    /// More than 10,000 records are refused here, before anything is sent.
    pub async fn add_records(&self, upload: &NewRecords<'_>) -> Result<u64> {
        if upload.records.len() > MAX_RECORDS_PER_UPLOAD {
            return Err(Error::Api(WireError::upload_too_large(
                upload.records.len(),
            )));
        }
        let mut call = campaign_call(
            Method::POST,
            report::ADD_RECORD,
            upload.type_campaign,
            upload.campaign_id,
            Some(to_json(&upload.records)?),
            false,
        );
        if let Some(start) = upload.then_start {
            let status = if start {
                CAMPAIGN_STATUS_START
            } else {
                CAMPAIGN_STATUS_STOP
            };
            call = call.with(param::CAMPAIGN_STATUS, status);
        }
        let row: TotalRegistersRow =
            first(self.execute(&call, envelope_rows).await?, "add_record")?;
        row.total_registers
            .trim()
            .parse()
            .map_err(|_| Error::Decode {
                what: "add_record".into(),
                detail: format!("total_registers {:?} is not a number", row.total_registers),
            })
    }

    /// `PUT campaign.php?api=start`.
    pub async fn start_campaign(&self, kind: CampaignType, id: i64) -> Result<WriteAnswer> {
        self.message(campaign_call(
            Method::PUT,
            report::START,
            kind,
            id,
            None,
            true,
        ))
        .await
    }

    /// `PUT campaign.php?api=stop`.
    pub async fn stop_campaign(&self, kind: CampaignType, id: i64) -> Result<WriteAnswer> {
        self.message(campaign_call(
            Method::PUT,
            report::STOP,
            kind,
            id,
            None,
            true,
        ))
        .await
    }

    /// `PUT campaign.php?api=speed` (0–100).
    pub async fn set_speed(&self, kind: CampaignType, id: i64, speed: u8) -> Result<WriteAnswer> {
        let body = SpeedRequest {
            speed: Some(speed.to_string().into()),
        };
        self.message(campaign_call(
            Method::PUT,
            report::SPEED,
            kind,
            id,
            Some(to_json(&body)?),
            true,
        ))
        .await
    }

    /// `PUT campaign.php?api=recall_records`: marks matching records for recall.
    pub async fn recall_records(
        &self,
        kind: CampaignType,
        id: i64,
        field: &str,
        value: &str,
    ) -> Result<Vec<RecallRow>> {
        let body = RecallRecordsRequest {
            field: Some(field.to_owned()),
            value: Some(value.to_owned()),
        };
        self.rows(campaign_call(
            Method::PUT,
            report::RECALL_RECORDS,
            kind,
            id,
            Some(to_json(&body)?),
            false,
        ))
        .await
    }

    /// `POST campaign.php?api=add_dnc`.
    pub async fn add_dnc(&self, entries: &[DncEntry]) -> Result<DncResultRow> {
        let call = Call::write(
            Method::POST,
            report::ADD_DNC,
            Some(to_json(&entries)?),
            true,
        );
        first(self.execute(&call, envelope_rows).await?, "add_dnc")
    }

    /// `DELETE campaign.php?api=remove_record` for these customers.
    pub async fn remove_records(
        &self,
        kind: CampaignType,
        id: i64,
        customer_ids: &[&str],
    ) -> Result<WriteAnswer> {
        let body = RemoveRecordRequest {
            customer_id: Some(customer_ids.join(",")),
        };
        self.message(campaign_call(
            Method::DELETE,
            report::REMOVE_RECORD,
            kind,
            id,
            Some(to_json(&body)?),
            true,
        ))
        .await
    }

    /// `DELETE campaign.php?api=clear_campaign`, optionally only records whose
    /// last result is `result` (`no-answer`, `busy`…).
    pub async fn clear_campaign(
        &self,
        kind: CampaignType,
        id: i64,
        result: Option<&str>,
    ) -> Result<WriteAnswer> {
        let mut call = campaign_call(Method::DELETE, report::CLEAR_CAMPAIGN, kind, id, None, true);
        if let Some(r) = result {
            call = call.with(param::RESULT, r);
        }
        self.message(call).await
    }

    /// `GET information.php?api=campaigns[&campaign=ID]`.
    pub async fn info_campaigns(&self, campaign: Option<i64>) -> Result<Vec<InfoCampaignRow>> {
        self.rows(filtered(report::CAMPAIGNS, param::CAMPAIGN, campaign))
            .await
    }

    /// `GET information.php?api=skills[&skill=ID]`.
    pub async fn info_skills(&self, skill: Option<i64>) -> Result<Vec<SkillRow>> {
        self.rows(filtered(report::SKILLS, param::SKILL, skill))
            .await
    }

    /// `GET information.php?api=routing_points[&routing=ID]`.
    pub async fn info_routing_points(&self, rp: Option<i64>) -> Result<Vec<RoutingPointRow>> {
        self.rows(filtered(report::ROUTING_POINTS, param::ROUTING, rp))
            .await
    }

    /// `GET information.php?api=activity_codes[&cod_act=CODE]`.
    pub async fn info_activity_codes(&self, code: Option<&str>) -> Result<Vec<ActivityCodeRow>> {
        let mut call = Call::get(api::INFORMATION_PATH, report::ACTIVITY_CODES);
        if let Some(c) = code {
            call = call.with(param::COD_ACT, c);
        }
        self.rows(call).await
    }

    /// `GET information.php?api=token_info`: the quota and today's use.
    pub async fn token_info(&self) -> Result<TokenInfoRow> {
        first(
            self.rows(Call::get(api::INFORMATION_PATH, report::TOKEN_INFO))
                .await?,
            "token_info",
        )
    }
}

fn filtered(api_name: &str, name: &'static str, id: Option<i64>) -> Call {
    let call = Call::get(api::INFORMATION_PATH, api_name);
    match id {
        Some(id) => call.with(name, id.to_string()),
        None => call,
    }
}
