//! Colombia's Ley 2300 ("dejen de fregar") on the wire, past law2300_info:
//! `configuration.php?api=free_law2300` releases a customer from its
//! protection — by telephone or by id — and reports_manager.php's `cdr_11`
//! lists those releases. Fields in the vendor's example order.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::WireError;
use crate::upload::{CUSTOMER_ID_MAX_CHARS, TELEPHONE_EXPECTED, body_text, valid_telephone};

/// free_law2300's answer (`201`), in the vendor's example's words.
pub const RELEASED: &str = "Removed successfully";

/// What a release names: a number, or every number of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseItem {
    TelNumber,
    IdCustomer,
}

impl ReleaseItem {
    /// cdr_11's `item`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseItem::TelNumber => "tel_number",
            ReleaseItem::IdCustomer => "id_customer",
        }
    }

    /// free_law2300's `item`: the vendor's example sends `telephone`, cdr_11
    /// writes `tel_number`; both are taken, as are `id_customer` and `customer_id`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "telephone" | "tel_number" | "phone" => Some(ReleaseItem::TelNumber),
            "id_customer" | "customer_id" => Some(ReleaseItem::IdCustomer),
            _ => None,
        }
    }
}

/// `PUT configuration.php?api=free_law2300` — the body of the vendor's example:
/// `{"nit": "900663379", "item": "telephone", "value": "3113367284", "agent_id": "10060"}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FreeLaw2300Request {
    pub nit: Option<Value>,
    pub item: Option<Value>,
    pub value: Option<Value>,
    pub agent_id: Option<Value>,
}

/// A release, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub nit: String,
    pub item: ReleaseItem,
    pub value: String,
    /// Who released it (an agent's extension, `""` when not said).
    pub agent_id: String,
}

impl FreeLaw2300Request {
    /// `nit`, `item` and `value` are required; `value` must be a telephone
    /// as uploads take them, or a customer id.
    pub fn check(self) -> Result<Release, WireError> {
        let field = |v: &Option<Value>, name| body_text(v, name).map(Option::unwrap_or_default);
        let nit = field(&self.nit, "nit")?;
        let item = field(&self.item, "item")?;
        let value = field(&self.value, "value")?;
        let agent_id = field(&self.agent_id, "agent_id")?;
        if nit.is_empty() || item.is_empty() || value.is_empty() {
            return Err(WireError::parameters_required());
        }
        let item = ReleaseItem::parse(&item)
            .ok_or_else(|| WireError::bad_parameter("item", &item, "telephone or id_customer"))?;
        match item {
            ReleaseItem::TelNumber if !valid_telephone(&value) => {
                return Err(WireError::bad_parameter(
                    "value",
                    &value,
                    TELEPHONE_EXPECTED,
                ));
            }
            ReleaseItem::IdCustomer if value.chars().count() > CUSTOMER_ID_MAX_CHARS => {
                return Err(WireError::bad_parameter(
                    "value",
                    &value,
                    &format!("a customer id of at most {CUSTOMER_ID_MAX_CHARS} characters"),
                ));
            }
            _ => {}
        }
        Ok(Release {
            nit,
            item,
            value,
            agent_id,
        })
    }
}

/// `reports_manager.php?api=cdr_11` — one per release, oldest first. The
/// example writes `name_agent` where the table says `agent_name`: the example wins.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cdr11Row {
    pub protected_nit: String,
    pub agent_id: String,
    pub name_agent: String,
    pub operation: String,
    pub date: String,
    /// [`ReleaseItem::as_str`].
    pub item: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(item: &str, value: &str) -> FreeLaw2300Request {
        FreeLaw2300Request {
            nit: Some("900663379".into()),
            item: Some(item.into()),
            value: Some(value.into()),
            agent_id: Some(10060.into()),
        }
    }

    #[test]
    fn the_vendors_example_is_a_release_of_a_number() {
        let r = req("telephone", "3113367284").check().unwrap();
        assert_eq!(r.item, ReleaseItem::TelNumber);
        assert_eq!(r.agent_id, "10060");
        assert_eq!(
            req("id_customer", "C-1").check().unwrap().item,
            ReleaseItem::IdCustomer
        );
    }

    #[test]
    fn a_release_must_name_what_it_frees() {
        assert!(req("telephone", "31a").check().is_err());
        assert!(req("email", "x@y").check().is_err());
        assert!(req("telephone", "").check().is_err());
        assert!(req("id_customer", &"9".repeat(51)).check().is_err());
        let no_nit = FreeLaw2300Request {
            nit: None,
            ..req("telephone", "3113367284")
        };
        assert!(no_nit.check().is_err());
    }
}
