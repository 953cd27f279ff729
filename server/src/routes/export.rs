//! Dataset downloads: the REST export (an API key with the `export` scope, or a moderator's
//! session), streamed and gzipped on the fly so memory stays flat; and the files of export jobs
//! started from the dashboard.

use super::api::{ApiError, ApiQuery, ApiUser};
use app::error::AppError;
use axum::{
    body::Body,
    extract::{FromRef, FromRequestParts, Path, State},
    http::{header, request::Parts, HeaderValue},
    response::Response,
};
use domain::{account::Role, moderation::ExportQuery};
use engine::{
    export::{ExportDownload, ExportOptions},
    Engine,
};
use flate2::{write::GzEncoder, Compression};
use serde::Deserialize;
use std::io::Write;
use tokio_util::io::ReaderStream;

/// Who may export: an API key with the `export` scope, or a logged-in moderator.
pub struct Exporter;

impl<S> FromRequestParts<S> for Exporter
where
    S: Send + Sync,
    Engine: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let engine = Engine::from_ref(state);
        if let Some(key) = bearer(parts) {
            return match engine.api_key_holder(&key).await? {
                Some(holder) if holder.allows("export") => {
                    // a key acting for an account stops with it
                    if let Some(user) = holder.user_id {
                        let user = engine.user(user).await?;
                        if user.banned || user.deleted {
                            return Err(ApiError(AppError::new(
                                403,
                                "account_banned",
                                "The key's account is banned or deleted.",
                            )));
                        }
                    }
                    Ok(Self)
                }
                Some(_) => Err(ApiError(AppError::new(
                    403,
                    "scope_missing",
                    "This key may not export.",
                ))),
                None => Err(ApiError(AppError::new(
                    401,
                    "invalid_api_key",
                    "Unknown or revoked API key.",
                ))),
            };
        }
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        let user = engine.user(user).await?;
        if user.role.at_least(Role::Moderator) {
            Ok(Self)
        } else {
            Err(ApiError(AppError::forbidden()))
        }
    }
}

/// The key of an `Authorization: Bearer <key>` header.
pub fn bearer(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|k| k.trim().to_owned())
}

/// Read beside the [`ExportQuery`] from the same query string: `serde(flatten)` would turn
/// every value into a string and refuse `include_deleted=true`.
#[derive(Deserialize)]
pub struct GzipParam {
    /// Compress on the fly (default); `false` sends plain JSON Lines.
    #[serde(default = "yes")]
    gzip: bool,
    /// Once a request parameter; refused now, so nobody believes they chose the key.
    #[serde(default)]
    secret: Option<String>,
}

fn yes() -> bool {
    true
}

/// `GET /api/v1/export?format=...`: the export as a download, streamed.
#[utoipa::path(
    get, path = "/export", tag = "export",
    params(
        ExportQuery,
        ("gzip" = Option<bool>, Query, description = "Compress on the fly (default true)"),
    ),
    responses(
        (status = 200, description = "JSON Lines, gzipped unless `gzip=false`", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "`invalid_format`, `invalid_tree_state`, `invalid_date`, `invalid_split`...", body = AppError),
        (status = 403, description = "`scope_missing`, `forbidden`", body = AppError),
    ),
)]
pub async fn stream(
    State(engine): State<Engine>,
    _exporter: Exporter,
    ApiQuery(query): ApiQuery<ExportQuery>,
    ApiQuery(compression): ApiQuery<GzipParam>,
) -> Result<Response, ApiError> {
    if compression.secret.is_some() {
        return Err(ApiError(AppError::new(
            400,
            "secret_not_accepted",
            "The pseudonyms' key is a server setting (GROVE_EXPORT_SECRET), not a request parameter.",
        )));
    }
    let options = ExportOptions::from_query(&query)?;
    let gzip = compression.gzip;
    let format = options.format.as_str();
    let file_name = format!("grove-{format}.jsonl{}", if gzip { ".gz" } else { "" });
    let cursor = engine.export(options);
    let encoder = gzip.then(|| GzEncoder::new(Vec::new(), Compression::fast()));
    let body = futures::stream::unfold(Some((cursor, encoder)), |state| async move {
        let (mut cursor, mut encoder) = state?;
        match cursor.next_chunk().await {
            Ok(Some(chunk)) => {
                let bytes = match encoder.as_mut() {
                    Some(gz) => {
                        if let Err(e) = gz.write_all(&chunk) {
                            return Some((Err(std::io::Error::other(e)), None));
                        }
                        std::mem::take(gz.get_mut())
                    }
                    None => chunk,
                };
                Some((Ok(bytes), Some((cursor, encoder))))
            }
            Ok(None) => {
                let tail = match encoder.map(|gz| gz.finish()) {
                    Some(Ok(rest)) => rest,
                    Some(Err(e)) => return Some((Err(e), None)),
                    None => Vec::new(),
                };
                Some((Ok(tail), None))
            }
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, "export stream failed");
                Some((Err(std::io::Error::other(e.public_message())), None))
            }
        }
    });
    download(Body::from_stream(body), &file_name, gzip)
}

/// `GET /moderation/exports/{id}/download`: the file of a finished export job, from whichever
/// store keeps it (any server can serve any file).
pub async fn job_file(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = super::api::parse_id::<uuid::Uuid>(&id)?;
    match engine.export_job_download(user, job).await? {
        ExportDownload::File { path, name } => {
            let file = tokio::fs::File::open(&path).await.map_err(|_| {
                ApiError(AppError::new(
                    410,
                    "export_gone",
                    "The export file is no longer there.",
                ))
            })?;
            download(Body::from_stream(ReaderStream::new(file)), &name, true)
        }
        ExportDownload::Database { job, chunks, name } => {
            // one piece (1 MiB) in memory at a time
            let pieces = futures::stream::unfold(0, move |seq| {
                let engine = engine.clone();
                async move {
                    if seq >= chunks {
                        return None;
                    }
                    let piece = engine
                        .export_chunk(job, seq)
                        .await
                        .map(axum::body::Bytes::from)
                        .map_err(|e| std::io::Error::other(e.public_message()));
                    Some((piece, seq + 1))
                }
            });
            download(Body::from_stream(pieces), &name, true)
        }
    }
}

fn download(body: Body, file_name: &str, gzip: bool) -> Result<Response, ApiError> {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let kind = if gzip {
        "application/gzip"
    } else {
        "application/x-ndjson"
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .map_err(|_| ApiError(AppError::internal()))?;
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    Ok(response)
}
