//! Export jobs started from the dashboard: written in the background to a gzip file, with
//! progress in the database so the page can show it, then downloaded.

use super::{ExportCursor, ExportOptions};
use crate::{db, moderation::require_moderator, tasks::view_time, Engine, Error};
use domain::{ids::UserId, moderation::ExportJobView};
use flate2::{write::GzEncoder, Compression};
use std::{fs::File, io::Write, path::PathBuf};
use uuid::Uuid;

impl Engine {
    /// Starts writing an export to `dir/<job>.jsonl.gz` in the background; returns the job id.
    pub async fn start_export_job(
        &self,
        actor: UserId,
        options: ExportOptions,
        dir: PathBuf,
    ) -> Result<Uuid, Error> {
        let mut conn = self.pool.acquire().await?;
        let moderator = require_moderator(&mut conn, actor).await?;
        drop(conn);
        let total = self.export_tree_count(&options).await?;
        let saved = serde_json::to_value(&options).map_err(|e| Error::Internal(e.to_string()))?;
        let id = db::export::insert_job(
            &self.pool,
            moderator.id.as_uuid(),
            options.format.as_str(),
            &saved,
            total,
        )
        .await?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let file_name = format!("grove-{}-{}.jsonl.gz", options.format.as_str(), id.simple());
        let path = dir.join(&file_name);
        let engine = self.clone();
        tokio::spawn(async move {
            let cursor = engine.export(options);
            let outcome = write_job(&engine, id, cursor, path).await;
            let (name, error) = match &outcome {
                Ok(()) => (Some(file_name.as_str()), None),
                Err(e) => {
                    tracing::error!(error.cause_chain = ?e, job = %id, "export job failed");
                    (None, Some(e.public_message()))
                }
            };
            if let Err(e) = db::export::finish_job(&engine.pool, id, name, error.as_deref()).await {
                tracing::error!(error.cause_chain = ?e, job = %id, "cannot record the end of an export job");
            }
        });
        Ok(id)
    }

    /// The newest export jobs.
    pub async fn export_jobs(&self, actor: UserId) -> Result<Vec<ExportJobView>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        Ok(db::export::jobs(&mut *conn, None)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// The file of a finished job, for download.
    pub async fn export_job_file(
        &self,
        actor: UserId,
        job: Uuid,
        dir: &std::path::Path,
    ) -> Result<(PathBuf, String), Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        let row = db::export::jobs(&mut *conn, Some(job))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("export_not_found", "No such export."))?;
        match (row.status.as_str(), row.file_name) {
            ("done", Some(name)) => Ok((dir.join(&name), name)),
            _ => Err(Error::conflict(
                "export_not_ready",
                "This export has not finished.",
            )),
        }
    }

    /// Marks jobs of an earlier run that never finished as failed (at start-up).
    pub async fn fail_interrupted_exports(&self) -> Result<u64, Error> {
        db::export::fail_interrupted_jobs(&self.pool).await
    }
}

async fn write_job(
    engine: &Engine,
    id: Uuid,
    mut cursor: ExportCursor,
    path: PathBuf,
) -> Result<(), Error> {
    let file = File::create(&path)
        .map_err(|e| Error::Internal(format!("cannot create {}: {e}", path.display())))?;
    let mut encoder = Some(GzEncoder::new(file, Compression::fast()));
    let mut bytes = 0i64;
    while let Some(chunk) = cursor.next_chunk().await? {
        bytes += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
        let mut writer = encoder
            .take()
            .ok_or_else(|| Error::Internal("export writer lost".to_owned()))?;
        // compressing is CPU work: keep it off the async threads
        writer = tokio::task::spawn_blocking(move || writer.write_all(&chunk).map(|()| writer))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(|e| Error::Internal(format!("cannot write the export: {e}")))?;
        encoder = Some(writer);
        let stats = cursor.stats();
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        db::export::job_progress(
            &engine.pool,
            id,
            as_i64(stats.trees_read),
            as_i64(stats.records),
            bytes,
        )
        .await?;
    }
    let writer = encoder.ok_or_else(|| Error::Internal("export writer lost".to_owned()))?;
    tokio::task::spawn_blocking(move || writer.finish().map(|_| ()))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(format!("cannot finish the export: {e}")))
}

fn view(row: db::export::JobRow) -> ExportJobView {
    ExportJobView {
        id: row.export_job_id.to_string(),
        format: row.format,
        status: row.status,
        trees_total: row.trees_total,
        trees_done: row.trees_done,
        records: row.records,
        bytes: row.bytes,
        file_name: row.file_name,
        error: row.error,
        created_at: view_time(row.created_at),
        finished_at: row.finished_at.map(view_time),
    }
}
