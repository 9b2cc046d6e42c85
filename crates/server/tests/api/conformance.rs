//! Every success a test sees is checked against the OpenAPI document
//! (`GET /openapi.json`): against its api's own answer when the catalogue
//! (`wire::catalog`) has the path, else not at all (Marcador's own paths).
//! `TestApp::request` calls it on each 2xx, so every test of the suite — the
//! agent API driven through its calls, the campaign writes, the reports —
//! proves the document's schemas with real answers; the Postman replay does too.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use marcador_server::api::openapi;
use marcador_wire::catalog::ENDPOINTS;
use serde_json::Value;

/// The document, as JSON (validators resolve their `$ref`s in it).
static DOC: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(openapi::document()).expect("the document"));

/// Validators by schema pointer, built once each.
static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The schema pointer of a success of `method path?api=…`: its api's answer
/// (`None`: not a catalogue path, or an api it does not answer).
fn pointer(method: &str, path: &str, api: &str) -> Option<String> {
    ENDPOINTS
        .iter()
        .filter(|e| e.path == path && e.method.eq_ignore_ascii_case(method))
        .flat_map(|e| e.answers)
        .find(|a| a.api == api)
        .map(|a| format!("#/components/schemas/{}", openapi::answer_name(a)))
}

/// What is wrong with `answer` as a success of `method target` (a path with
/// its query); `None` when it conforms or the path is not the catalogue's.
pub fn violations(method: &str, target: &str, answer: &Value) -> Option<String> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let api = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "api")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let pointer = pointer(method, path, &api)?;
    let validator = {
        let mut cache = VALIDATORS.lock().unwrap();
        cache
            .entry(pointer.clone())
            .or_insert_with(|| {
                let mut root = DOC.clone();
                root["$ref"] = Value::String(pointer.clone());
                Arc::new(jsonschema::validator_for(&root).expect("a schema"))
            })
            .clone()
    };
    let errors: Vec<String> = validator
        .iter_errors(answer)
        .take(3)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    (!errors.is_empty()).then(|| format!("{} ({pointer})", errors.join("; ")))
}

/// Panics when a success does not match the document.
pub fn assert_conforms(method: &str, target: &str, answer: &Value) {
    if let Some(errors) = violations(method, target, answer) {
        panic!("{method} {target} answered unlike GET /openapi.json: {errors}\n{answer}");
    }
}

#[test]
fn an_answer_unlike_its_api_s_is_caught() {
    use serde_json::json;
    // The agent API writes `code` as a string; a number is not its answer.
    let hang = "/api/v2/agentbox.php?agent_id=1001&api=hang";
    let ok = json!({"code": "200", "error": null, "msg": "Call hung up"});
    assert_eq!(violations("POST", hang, &ok), None);
    let numeric = json!({"code": 200, "error": null, "msg": "Call hung up"});
    assert!(violations("POST", hang, &numeric).is_some());
    // create_campaign's rows are its own, not another write's.
    let create = "/api/v2/campaign.php?api=create_campaign&type_campaign=predictive";
    let created = json!({"code": 201, "error": null, "msg": "m",
        "data": [{"id_campaign": "9", "name_campaign": "n"}]});
    assert_eq!(violations("POST", create, &created), None);
    let other = json!({"code": 201, "error": null, "msg": "m", "data": [{"total_registers": "9"}]});
    assert!(violations("POST", create, &other).is_some());
    // campaign_15 answers `records`, not `data`.
    let c15 = "/api/v2/campaign.php?api=campaign_15&campaign_id=1";
    let data = json!({"code": 200, "error": null, "msg": "m", "data": []});
    assert!(violations("GET", c15, &data).is_some());
    // Marcador's own paths are not the catalogue's.
    assert_eq!(violations("GET", "/healthz", &json!("ok")), None);
}
