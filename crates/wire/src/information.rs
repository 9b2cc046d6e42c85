//! information.php's rows past the companions': `audit_log` (every change
//! made through the API), `services` (what the operation has turned on) and
//! `law2300_info` (whether Colombia's Ley 2300 protects a number today).
//! Fields in the vendor's example order.

use serde::{Deserialize, Serialize};

/// `information.php?api=audit_log` — one per change, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub date: String,
    /// The address the change came from.
    pub ip: String,
    /// Who made it: the token's first characters.
    pub user: String,
    /// `METHOD file api=… campaign_id=…`.
    pub action: String,
    /// The client's name (its User-Agent).
    pub workstation: String,
}

/// `information.php?api=services` — one row: `licenses` and `pbx` counts,
/// every other field `yes` or `no`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServicesRow {
    pub licenses: String,
    /// The operation's agents.
    pub pbx: String,
    pub screen_recording: String,
    pub video_call: String,
    pub stereo_recording: String,
    pub gamification: String,
    pub text_analytics: String,
    pub speech_analytics: String,
    pub rsync: String,
    pub wolkvox_storage: String,
    pub blob_storage: String,
    pub aws_s3: String,
    /// The predictive dialer: always on.
    pub intelligentdial: String,
    pub bi: String,
    /// Ley 2300 compliance: the `colombia` calling profile.
    pub customer_prot: String,
    pub mr_wizard: String,
    /// A campaign runs Turbo Dial.
    pub turbo_dial: String,
    pub sso: String,
    pub mailgun: String,
    pub whatsapp: String,
    pub facebook_page: String,
    pub facebook_messenger: String,
    pub instagram_page: String,
    pub instagram_chat: String,
    pub sms_bidireccional: String,
    pub chat_web: String,
    pub telegram: String,
    pub crm: String,
    pub email: String,
    pub cobrowsing: String,
}

impl ServicesRow {
    /// The row of an operation: what Marcador has is its own; everything
    /// else the vendor sells (recording, analytics, chat channels…) is `no`.
    pub fn of(licenses: i64, agents: i64, customer_prot: bool, turbo_dial: bool) -> Self {
        let no = || crate::rows::yes_no(false).to_owned();
        let yes_no = |b: bool| crate::rows::yes_no(b).to_owned();
        ServicesRow {
            licenses: licenses.to_string(),
            pbx: agents.to_string(),
            screen_recording: no(),
            video_call: no(),
            stereo_recording: no(),
            gamification: no(),
            text_analytics: no(),
            speech_analytics: no(),
            rsync: no(),
            wolkvox_storage: no(),
            blob_storage: no(),
            aws_s3: no(),
            intelligentdial: yes_no(true),
            bi: no(),
            customer_prot: yes_no(customer_prot),
            mr_wizard: no(),
            turbo_dial: yes_no(turbo_dial),
            sso: no(),
            mailgun: no(),
            whatsapp: no(),
            facebook_page: no(),
            facebook_messenger: no(),
            instagram_page: no(),
            instagram_chat: no(),
            sms_bidireccional: no(),
            chat_web: no(),
            telegram: no(),
            crm: no(),
            email: no(),
            cobrowsing: no(),
        }
    }
}

/// `information.php?api=law2300_info&nit=…&phone=…` — the number, when a
/// person was last reached on it today, and how.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Law2300Row {
    pub phone_number: String,
    pub last_day: String,
    /// [`VOICE`]: Marcador's only channel.
    pub last_channel: String,
}

/// An audit entry's `action`: `METHOD file k=v …`.
pub fn audit_action<'a>(
    method: &str,
    file: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut out = format!("{method} {file}");
    for (k, v) in params {
        out.push_str(&format!(" {k}={}", v.chars().take(60).collect::<String>()));
    }
    out
}

/// law2300_info's `last_channel`.
pub const VOICE: &str = "voice";
