//! The OpenAPI document of `/api/v1/`, generated from the handlers' annotations and the
//! request and response types themselves, served at `/api/v1/openapi.json`.

use super::{messages::MessageApi, tasks::TaskApi};
use app::error::AppError;
use axum::Json;
use utoipa::{
    openapi::{
        path::{Operation, ParameterIn},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, OpenApi as Document, Ref, ResponseBuilder,
    },
    Modify, OpenApi,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Grove API",
        description = "Tasks, submissions and reactions for bots and integrations, and dataset \
            export. Every error is `{\"code\", \"message\"}` with a stable code. Writes made \
            with the session cookie must come from Grove's own pages; bots use an API key.",
    ),
    servers((url = "/api/v1")),
    paths(crate::routes::export::stream),
    components(schemas(AppError)),
    modifiers(&Security),
    security(("api_key" = []), ("session" = [])),
    tags(
        (name = "tasks", description = "Request, skip and answer annotation tasks"),
        (name = "messages", description = "Thumbs, reports and labels on messages"),
        (name = "export", description = "The dataset as JSON Lines"),
    ),
)]
struct GroveApi;

/// Grove's two ways in: an API key (`Authorization: Bearer`) or the browser's session cookie.
struct Security;

impl Modify for Security {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A key made with `grove api-key create`; the `annotate` scope acts for \
                         its user, `export` downloads the dataset.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("grove_session"))),
        );
    }
}

/// The document, built per call: it is small and rarely asked for.
pub fn document() -> Document {
    let mut document = GroveApi::openapi();
    document.merge(TaskApi::openapi());
    document.merge(MessageApi::openapi());
    for item in document.paths.paths.values_mut() {
        for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
            add_shared_errors(operation);
        }
    }
    document
}

/// The errors any operation may answer, from the layers and extractors every route shares;
/// an operation's own description of a status wins.
fn add_shared_errors(operation: &mut Operation) {
    let has_body = operation.request_body.is_some();
    let takes = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let has_path_id = takes(ParameterIn::Path);
    let has_query = takes(ParameterIn::Query);
    let mut shared = vec![
        ("401", "`unauthenticated`, `invalid_api_key`"),
        (
            "403",
            "`forbidden`, `scope_missing`, `account_banned`, `terms_not_accepted`",
        ),
        (
            "429",
            "`rate_limited`: too many requests; see the `Retry-After` header",
        ),
        ("503", "`database_unavailable`: try again shortly"),
    ];
    let mut bad_input = Vec::new();
    if has_body {
        bad_input.push("`invalid_json`");
        shared.push(("413", "`body_too_large`"));
        shared.push(("415", "`invalid_json`: the body must be application/json"));
    }
    if has_query {
        bad_input.push("`invalid_query`");
    }
    if has_path_id {
        bad_input.push("`invalid_id`");
        shared.push(("404", "No such item"));
    }
    let bad_input = format!("Bad input: {}", bad_input.join(", "));
    if has_body || has_query || has_path_id {
        shared.push(("400", &bad_input));
    }
    for (status, description) in shared {
        if !operation.responses.responses.contains_key(status) {
            let response = ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("AppError")))
                        .build(),
                )
                .build();
            operation
                .responses
                .responses
                .insert(status.to_owned(), response.into());
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<Document> {
    Json(document())
}
