//! Trained reward models for download: the model folder (Hugging Face layout plus the scalar
//! head) as a tar archive, streamed chunk by chunk from Postgres.

use super::api::{parse_id, ApiError, ApiUser};
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderValue},
    response::Response,
};
use domain::ids::JobId;
use engine::Engine;

/// `GET /moderation/models/{id}/download`: moderators and admins (session or API key).
pub async fn archive(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job: JobId = parse_id(&id)?;
    let size = engine.model_archive_size(user, job).await?;
    let body = futures::stream::unfold(Some(0), move |next| {
        let engine = engine.clone();
        async move {
            let chunk = next?;
            match engine.model_archive_chunk(job, chunk).await {
                Ok(Some(bytes)) => Some((Ok(bytes), Some(chunk + 1))),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error.cause_chain = ?e, "model archive stream failed");
                    Some((Err(std::io::Error::other(e.public_message())), None))
                }
            }
        }
    });
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(size.max(0) as u64),
    );
    let disposition = format!("attachment; filename=\"grove-reward-model-{job}.tar\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
