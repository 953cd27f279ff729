//! Export jobs started from the dashboard. Starting one only records it; any server's job
//! runner claims it under a lease (`SKIP LOCKED`), writes the gzip file to the export store
//! with progress in the database (each progress update renews the lease), and finishes it.
//! A server that dies mid-export stops renewing; once the lease runs out another server starts
//! the job again from the beginning. Any server can serve any finished file: the default store
//! keeps files in Postgres (`export_chunk`), the other a folder every server mounts.

use super::{ExportCursor, ExportOptions};
use crate::{db, moderation::require_moderator, tasks::view_time, Engine, Error};
use domain::{
    ids::UserId,
    moderation::{ExportFilters, ExportJobView},
};
use flate2::{write::GzEncoder, Compression};
use std::{io::Write, path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::Notify;
use uuid::Uuid;

/// How long a claim holds without a progress update.
pub const LEASE: Duration = Duration::from_secs(60);
/// Tries before a job that keeps dying (its servers killed mid-way) is given up.
const MAX_ATTEMPTS: i32 = 3;
/// The size of one stored piece of a file in the database.
const CHUNK_BYTES: usize = 1 << 20;

/// Where finished export files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportStore {
    /// In Postgres, in pieces of 1 MiB: every server can serve every file.
    Database,
    /// In a folder; shared only if every server mounts the same one.
    Folder(PathBuf),
}

impl ExportStore {
    /// `postgres:` (or `database:`) or `file:///path`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url == "postgres:" || url == "database:" || url == "postgres" || url == "database" {
            return Ok(Self::Database);
        }
        match url.strip_prefix("file://") {
            Some(path) if path.starts_with('/') => Ok(Self::Folder(PathBuf::from(path))),
            _ => Err(format!(
                "'{url}' is not an export store: use postgres: or file:///absolute/folder"
            )),
        }
    }
}

/// What the job runners of this process share: who they are and a bell to ring when a job
/// was started here (so it starts at once rather than at the next poll).
#[derive(Clone, Debug)]
pub(crate) struct ExportRunner {
    pub store: ExportStore,
    pub bell: Arc<Notify>,
    pub owner: Arc<str>,
}

impl Default for ExportRunner {
    fn default() -> Self {
        Self {
            store: ExportStore::Database,
            bell: Arc::default(),
            owner: Arc::from(format!(
                "{}-{}",
                std::process::id(),
                Uuid::new_v4().simple()
            )),
        }
    }
}

/// A finished file, ready to be streamed.
pub enum ExportDownload {
    /// Pieces `0..chunks` of the job in the database ([`Engine::export_chunk`]).
    Database {
        job: Uuid,
        chunks: i32,
        name: String,
    },
    File {
        path: PathBuf,
        name: String,
    },
}

impl Engine {
    /// Records an export for a job runner to write; returns the job id.
    pub async fn start_export_job(
        &self,
        actor: UserId,
        options: ExportOptions,
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
        self.exports.bell.notify_one();
        Ok(id)
    }

    /// Claims and writes export jobs until the process ends: at once when one is started here,
    /// otherwise every `poll` (jobs started on other servers, leases that ran out).
    pub async fn run_export_jobs(self, poll: Duration) {
        loop {
            match self.run_one_export_job().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(error.cause_chain = ?error, "export runner"),
            }
            let _ = tokio::time::timeout(poll, self.exports.bell.notified()).await;
        }
    }

    /// Claims one job if any is waiting or abandoned, and writes it. Whether one was claimed.
    pub async fn run_one_export_job(&self) -> Result<bool, Error> {
        let owner = self.exports.owner.clone();
        let lease_secs = LEASE.as_secs_f64();
        let Some(claim) =
            db::export::claim_job(&self.pool, &owner, lease_secs, MAX_ATTEMPTS).await?
        else {
            return Ok(false);
        };
        let id = claim.export_job_id;
        if claim.gave_up {
            tracing::error!(job = %id, "export given up after repeated interruptions");
            return Ok(true);
        }
        let options: ExportOptions = match serde_json::from_value(claim.options) {
            Ok(options) => options,
            Err(e) => {
                let message = format!("unreadable export settings: {e}");
                db::export::finish_job(&self.pool, id, &owner, None, Some(&message)).await?;
                return Ok(true);
            }
        };
        let file_name = format!("grove-{}-{}.jsonl.gz", options.format.as_str(), id.simple());
        db::export::drop_chunks(&self.pool, id).await?;
        let cursor = self.export(options);
        let outcome = write_job(self, id, cursor, &file_name).await;
        let (name, error) = match &outcome {
            Ok(Written::Whole) => (Some(file_name.as_str()), None),
            Ok(Written::LeaseLost) => {
                tracing::warn!(job = %id, "export lease lost; another server has the job");
                return Ok(true);
            }
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, job = %id, "export job failed");
                (None, Some(e.public_message()))
            }
        };
        db::export::finish_job(&self.pool, id, &owner, name, error.as_deref()).await?;
        Ok(true)
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
    pub async fn export_job_download(
        &self,
        actor: UserId,
        job: Uuid,
    ) -> Result<ExportDownload, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        let row = db::export::jobs(&mut *conn, Some(job))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("export_not_found", "No such export."))?;
        let ("done", Some(name)) = (row.status.as_str(), row.file_name) else {
            return Err(Error::conflict(
                "export_not_ready",
                "This export has not finished.",
            ));
        };
        Ok(match &self.exports.store {
            ExportStore::Database => ExportDownload::Database {
                job,
                chunks: db::export::chunk_count(&mut *conn, job).await?,
                name,
            },
            ExportStore::Folder(dir) => ExportDownload::File {
                path: dir.join(&name),
                name,
            },
        })
    }

    /// Piece `seq` of a finished job's file kept in the database.
    pub async fn export_chunk(&self, job: Uuid, seq: i32) -> Result<Vec<u8>, Error> {
        db::export::chunk(&self.pool, job, seq)
            .await?
            .ok_or_else(|| Error::not_found("export_gone", "The export file is no longer there."))
    }
}

/// How a writer stopped without an error.
enum Written {
    Whole,
    /// The lease ran out and another server claimed the job: its writer owns the file now.
    LeaseLost,
}

/// Where the compressed bytes go as they come.
enum Sink {
    Database { next_seq: i32 },
    File(std::fs::File),
}

async fn write_job(
    engine: &Engine,
    id: Uuid,
    mut cursor: ExportCursor,
    file_name: &str,
) -> Result<Written, Error> {
    let mut sink = match &engine.exports.store {
        ExportStore::Database => Sink::Database { next_seq: 0 },
        ExportStore::Folder(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Internal(format!("cannot create {}: {e}", dir.display())))?;
            let path = dir.join(file_name);
            Sink::File(
                std::fs::File::create(&path).map_err(|e| {
                    Error::Internal(format!("cannot create {}: {e}", path.display()))
                })?,
            )
        }
    };
    let owner = engine.exports.owner.clone();
    let lease_secs = LEASE.as_secs_f64();
    let mut encoder = Some(GzEncoder::new(Vec::new(), Compression::fast()));
    let mut bytes = 0i64;
    loop {
        let chunk = cursor.next_chunk().await?;
        let last = chunk.is_none();
        let mut writer = encoder
            .take()
            .ok_or_else(|| Error::Internal("export writer lost".to_owned()))?;
        // compressing is CPU work: keep it off the async threads
        let (writer, ready) = tokio::task::spawn_blocking(move || {
            match chunk {
                Some(chunk) => writer.write_all(&chunk)?,
                None => {
                    let rest = writer.finish()?;
                    return Ok::<_, std::io::Error>((None, rest));
                }
            }
            let ready = if writer.get_ref().len() >= CHUNK_BYTES {
                std::mem::take(writer.get_mut())
            } else {
                Vec::new()
            };
            Ok((Some(writer), ready))
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(format!("cannot compress the export: {e}")))?;
        encoder = writer;
        if !ready.is_empty() {
            bytes += i64::try_from(ready.len()).unwrap_or(i64::MAX);
            store(engine, id, &mut sink, ready).await?;
        }
        let stats = cursor.stats();
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        // the progress update renews the lease; a lost lease stops this writer
        let still_mine = db::export::job_progress(
            &engine.pool,
            id,
            &owner,
            lease_secs,
            as_i64(stats.trees_read),
            as_i64(stats.records),
            bytes,
        )
        .await?;
        if !still_mine {
            return Ok(Written::LeaseLost);
        }
        if last {
            break;
        }
    }
    if let Sink::File(file) = sink {
        tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(|e| Error::Internal(format!("cannot finish the export: {e}")))?;
    }
    Ok(Written::Whole)
}

async fn store(engine: &Engine, id: Uuid, sink: &mut Sink, bytes: Vec<u8>) -> Result<(), Error> {
    match sink {
        Sink::Database { next_seq } => {
            db::export::insert_chunk(&engine.pool, id, *next_seq, &bytes).await?;
            *next_seq += 1;
            Ok(())
        }
        Sink::File(file) => {
            let mut handle = file
                .try_clone()
                .map_err(|e| Error::Internal(format!("cannot write the export: {e}")))?;
            tokio::task::spawn_blocking(move || handle.write_all(&bytes))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?
                .map_err(|e| Error::Internal(format!("cannot write the export: {e}")))
        }
    }
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
        // a job's options are written by `start_export` from `ExportOptions`; a row that does
        // not read back shows no filters rather than failing the list
        filters: serde_json::from_value::<ExportOptions>(row.options)
            .map(|options| filters(&options))
            .unwrap_or_default(),
    }
}

/// The filters of a job's options, for its line in the list.
fn filters(options: &ExportOptions) -> ExportFilters {
    ExportFilters {
        states: options.states.clone(),
        langs: options.langs.clone(),
        split: options.split.map(|split| split.part),
        from: options.from.map(|date| date.to_string()),
        to: options.to.map(|date| date.to_string()),
        include_deleted: options.include_deleted,
        include_spam: options.include_spam,
        include_synthetic: options.include_synthetic,
        prompts_only: options.prompts_only,
    }
}
