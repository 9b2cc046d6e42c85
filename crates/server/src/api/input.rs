//! What handlers read from a request — its query parameters and its JSON
//! body — refused at once if they carry text no store can keep: a NUL
//! character (PostgreSQL's text refuses it; SQLite would keep it and every
//! report would then carry it).

use std::collections::HashMap;
use std::ops::Deref;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use marcador_wire::WireError;
use marcador_wire::error::BAD_REQUEST;
use serde_json::Value;

use super::ApiError;

/// The query parameters (percent-decoded; invalid UTF-8 replaced), none with a NUL.
pub struct Params(pub HashMap<String, String>);

impl Deref for Params {
    type Target = HashMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(p) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| WireError::http(400, BAD_REQUEST, &e.body_text()))?;
        if let Some((name, value)) = p.iter().find(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(WireError::nul_in_parameter(name, value).into());
        }
        // A name with spaces around it is that name: the vendor's own
        // collection sends `edit_campaign&%20campaign_id=…`.
        let p = p
            .into_iter()
            .map(|(k, v)| (k.trim().to_owned(), v))
            .collect();
        Ok(Params(p))
    }
}

/// The body as JSON; no string in it (key or value) may hold a NUL.
pub fn json(body: &[u8]) -> Result<Value, WireError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WireError::bad_body(&e.to_string()))?;
    if has_nul(&value) {
        return Err(WireError::nul_in_body());
    }
    Ok(value)
}

/// The body as a JSON object read into `T` (the request types of the wire crate).
pub fn object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    let value = json(body)?;
    if !value.is_object() {
        return Err(WireError::bad_body("expected a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| WireError::bad_body(&e.to_string()))
}

fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}
