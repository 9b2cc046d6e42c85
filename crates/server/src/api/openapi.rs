//! `GET /openapi.json`: the API as an OpenAPI 3.1 document, made from code —
//! the wire crate's catalogue (`wire::catalog`: each path and method, the
//! `api` values it answers, the parameters they read, the statuses) and its
//! types (the wallboard's snapshot and its rows, derived with utoipa) — never
//! kept by hand. A snapshot test (`tests/api/openapi.rs`) catches a change,
//! and CI runs schemathesis against a live server with it.
//!
//! A Wolkvox path answers many reports on one path and method, told apart by
//! the `api` query parameter, which OpenAPI cannot branch on: each path and
//! method is one operation whose `api` is an enum of what it answers, and
//! whose success is any of its apis' answers (`wire::catalog::Answer`) — the
//! envelope with that report's rows (the row type's derived schema), a bare
//! array (real_time campaigns), the envelope with one object, or a type that
//! is the whole answer (a write's envelope without rows, the agent API's
//! answers, campaign_15's) — or the error envelope of the catalogue's statuses.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use marcador_wire::api::{
    HEALTHZ_PATH, METRICS_PATH, OPENAPI_PATH, TOKEN_HEADER, WALLBOARD_PATH, param,
};
use marcador_wire::catalog::{
    Answer, ENDPOINTS, ERROR_STATUSES, Endpoint, SUCCESS_STATUSES, Shape, is_date,
};
use marcador_wire::wallboard::{SNAPSHOT_PATH, Snapshot};
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr,
    Required, ResponseBuilder, ResponsesBuilder, Schema,
};

/// The name of the token's security scheme.
const TOKEN: &str = "wolkvox_token";

/// The document, made once.
static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| document().to_pretty_json().unwrap_or_default());

/// `GET /openapi.json` (no token).
pub async fn serve() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut paths = Paths::new();
    for e in ENDPOINTS {
        let method = match e.method {
            "GET" => HttpMethod::Get,
            "PUT" => HttpMethod::Put,
            "POST" => HttpMethod::Post,
            _ => HttpMethod::Delete,
        };
        paths.add_path_operation(e.path, vec![method], wolkvox_operation(e));
    }
    own_paths(&mut paths);
    // The snapshot's rows, as its fields name them.
    let mut snapshot_rows = Vec::new();
    <Snapshot as utoipa::ToSchema>::schemas(&mut snapshot_rows);
    let mut components = ComponentsBuilder::new();
    for a in ENDPOINTS.iter().flat_map(|e| e.answers) {
        components = (a.register)(components);
    }
    for (name, schema) in answer_schemas() {
        components = components.schema(name, schema);
    }
    let components = components
        .security_scheme(
            TOKEN,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                TOKEN_HEADER,
                "The operation's token (`marcador token create`, or the demo's)",
            ))),
        )
        .schema("ErrorEnvelope", error_envelope())
        .schema_from::<Snapshot>()
        .schemas_from_iter(snapshot_rows)
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Marcador: the Wolkvox API v2")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "A contact center that speaks the Wolkvox API v2. Each Wolkvox path answers \
                     the reports its `api` parameter names; README \"The endpoints\" describes each.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// A Wolkvox path and method: `api`, its parameters, the token, the answers.
fn wolkvox_operation(e: &Endpoint) -> Operation {
    let mut op = OperationBuilder::new()
        .operation_id(Some(format!(
            "{}_{}",
            e.method.to_lowercase(),
            e.path.rsplit('/').next().unwrap_or("").replace('.', "_")
        )))
        .summary(Some(format!(
            "{} {}: {}",
            e.method,
            e.path,
            e.apis().collect::<Vec<_>>().join(", ")
        )))
        .security(SecurityRequirement::new(TOKEN, Vec::<String>::new()))
        .parameter(
            ParameterBuilder::new()
                .name(param::API)
                .parameter_in(ParameterIn::Query)
                .required(Required::True)
                .description(Some("The report or action"))
                .schema(Some(string().enum_values(Some(e.apis())))),
        );
    for name in e.params {
        let schema = if is_date(name) {
            string()
                .pattern(Some("^[0-9]{14}$"))
                .description(Some("YYYYmmddHHiiss, in the operation's time zone"))
        } else {
            string()
        };
        op = op.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(schema)),
        );
    }
    if e.body {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .description(Some("The api's JSON body (README \"Companion endpoints\")"))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Schema::Object(ObjectBuilder::new().build())))
                        .build(),
                )
                .required(Some(Required::False))
                .build(),
        ));
    }
    op.responses(answers(success(e))).build()
}

/// What a success of `e` is: any of its apis' answers (components named by
/// [`answer_name`]).
fn success(e: &Endpoint) -> RefOr<Schema> {
    let mut names: Vec<String> = Vec::new();
    for a in e.answers {
        let name = answer_name(a);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if let [one] = names.as_slice() {
        return RefOr::Ref(Ref::from_schema_name(one.as_str()));
    }
    let mut any = AnyOfBuilder::new();
    for name in &names {
        any = any.item(Ref::from_schema_name(name.as_str()));
    }
    RefOr::T(Schema::AnyOf(any.build()))
}

/// The component name of an api's answer: where its rows are and their type
/// (`RowsCampaign3Row`, `BareCampaignRealtimeRow`, `ObjectCdr4Data`), or the
/// type's own name when it is the whole answer (`WriteAnswer`).
pub fn answer_name(a: &Answer) -> String {
    let shape = match a.shape {
        Shape::Rows => "Rows",
        Shape::Bare => "Bare",
        Shape::Object => "Object",
        Shape::Whole => "",
    };
    format!("{shape}{}", (a.name)())
}

/// The schema of every answer around rows (a whole answer is its type's own
/// component), titled by the apis that answer with it.
fn answer_schemas() -> Vec<(String, Schema)> {
    let mut out: Vec<(String, Shape, String, Vec<&str>)> = Vec::new();
    for a in ENDPOINTS.iter().flat_map(|e| e.answers) {
        if a.shape == Shape::Whole {
            continue;
        }
        let name = answer_name(a);
        match out.iter_mut().find(|(n, ..)| *n == name) {
            Some((.., apis)) => {
                if !apis.contains(&a.api) {
                    apis.push(a.api)
                }
            }
            None => out.push((name, a.shape, (a.name)().into_owned(), vec![a.api])),
        }
    }
    out.into_iter()
        .map(|(name, shape, row, apis)| {
            let rows = Ref::from_schema_name(row.as_str());
            let title = apis.join(", ");
            let schema = match shape {
                Shape::Bare => {
                    Schema::Array(ArrayBuilder::new().title(Some(title)).items(rows).build())
                }
                Shape::Rows => Schema::Object(
                    answered(&title)
                        .property("data", ArrayBuilder::new().items(rows))
                        .build(),
                ),
                Shape::Object | Shape::Whole => {
                    Schema::Object(answered(&title).property("data", rows).build())
                }
            };
            (name, schema)
        })
        .collect()
}

/// The envelope of a report's answer, titled by the apis that answer with it.
fn answered(title: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .title(Some(title))
        .property("code", code())
        .property(
            "error",
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])),
        )
        .property("msg", string())
        .required("code")
        .required("msg")
        .required("data")
}

/// The success statuses with `ok`, the error catalogue with the error envelope.
fn answers(ok: RefOr<Schema>) -> utoipa::openapi::Responses {
    let mut responses = ResponsesBuilder::new();
    for status in SUCCESS_STATUSES {
        responses = responses.response(
            status.to_string(),
            ResponseBuilder::new().description("The answer").content(
                "application/json",
                ContentBuilder::new().schema(Some(ok.clone())).build(),
            ),
        );
    }
    for status in ERROR_STATUSES {
        responses = responses.response(
            status.to_string(),
            ResponseBuilder::new()
                .description("The Wolkvox error envelope (404: no data, `data` empty)")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                        .build(),
                ),
        );
    }
    responses.build()
}

/// `code` as written: a number (a string on some agentbox answers, as the vendor's).
fn code() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::String]))
        .description(Some("The HTTP status, repeated"))
}

/// An error: `code`, `error` (the status's name), `msg` (the vendor's words or
/// Marcador's, naming what was wrong), and on 404 an empty `data`.
fn error_envelope() -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .property("code", code())
            .property("error", string())
            .property("msg", string())
            .property(
                "data",
                ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::Object)),
            )
            .required("code")
            .required("error")
            .required("msg")
            .build(),
    )
}

/// Marcador's own paths: health, metrics, this document, the wallboard.
fn own_paths(paths: &mut Paths) {
    let plain = |id: &str, summary: &str, kind: &str| {
        OperationBuilder::new()
            .operation_id(Some(id))
            .summary(Some(summary))
            .response(
                "200",
                ResponseBuilder::new()
                    .description(summary)
                    .content(kind, ContentBuilder::new().schema(Some(string())).build()),
            )
            .build()
    };
    paths.add_path_operation(
        HEALTHZ_PATH,
        vec![HttpMethod::Get],
        plain("healthz", "`ok` while the process serves", "text/plain"),
    );
    paths.add_path_operation(
        METRICS_PATH,
        vec![HttpMethod::Get],
        plain(
            "metrics",
            "The Prometheus page (README \"Operating it\")",
            "application/openmetrics-text",
        ),
    );
    paths.add_path_operation(
        WALLBOARD_PATH,
        vec![HttpMethod::Get],
        plain("wallboard", "The live wallboard page", "text/html"),
    );
    paths.add_path_operation(
        OPENAPI_PATH,
        vec![HttpMethod::Get],
        OperationBuilder::new()
            .operation_id(Some("openapi"))
            .summary(Some("This document"))
            .response(
                "200",
                ResponseBuilder::new().description("This document").content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                        .build(),
                ),
            )
            .build(),
    );
    let snapshot = OperationBuilder::new()
        .operation_id(Some("wallboard_snapshot"))
        .summary(Some(
            "The wallboard's snapshot: real_time campaigns, agents and calls_last_10 and today's \
             diagram_1_3 (not counted against the quota)",
        ))
        .security(SecurityRequirement::new(TOKEN, Vec::<String>::new()))
        .responses(answers(RefOr::Ref(Ref::from_schema_name("Snapshot"))))
        .build();
    paths.add_path_operation(SNAPSHOT_PATH, vec![HttpMethod::Get], snapshot);
}
