//! The data side of reward-model jobs: the ranked groups a training job learns from, the
//! trained model's archive (stored in chunks in Postgres, so every worker and server sharing the
//! database can fetch it), and the scores a scoring job writes per message. The worker calls
//! these directly (it is trusted: it holds the database credentials); moderators reach the
//! archive through `model_archive_size` + `model_archive_chunk`.

use crate::{
    db::{self, model_data::MessageRow},
    model_jobs::lease_lost,
    moderation::require_moderator,
    Engine, Error,
};
use domain::{
    ids::{JobId, MessageId, TreeId, UserId},
    message::Role,
    training::{
        conversation_text, JobResult, RankedGroup, RankedReply, RankingSource, ScoreScope,
        ScoringInput, TrainingSettings, Turn,
    },
    tree::TreeState,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Archive chunk size: big enough for few rows, small enough for one message to Postgres.
pub const ARTIFACT_CHUNK: usize = 1 << 20;

/// Locks the job row and checks that `worker` still holds it; `lease_lost` otherwise.
async fn require_held(
    conn: &mut sqlx::PgConnection,
    job: JobId,
    worker: &str,
) -> Result<(), Error> {
    if db::model_data::lock_held(conn, job.as_uuid(), worker).await? {
        Ok(())
    } else {
        Err(lease_lost(job))
    }
}

/// Messages by id, with the conversation (root first) up to each of them.
struct Forest {
    by_id: HashMap<Uuid, MessageRow>,
}

impl Forest {
    fn new(rows: Vec<MessageRow>) -> Self {
        Self {
            by_id: rows.into_iter().map(|row| (row.message_id, row)).collect(),
        }
    }

    /// The conversation ending with `id`, oldest first; None when a message on the way is
    /// hidden (deleted or rejected), since then the conversation is not what annotators saw.
    fn conversation(&self, id: Uuid) -> Option<Vec<Turn>> {
        let mut turns = Vec::new();
        let mut at = Some(id);
        while let Some(current) = at {
            let row = self.by_id.get(&current)?;
            turns.push(Turn {
                role: Role::parse(&row.role).ok()?,
                text: row.text.clone(),
            });
            at = row.parent_id;
        }
        turns.reverse();
        Some(turns)
    }

    /// An assistant reply (reward models judge the assistant; prompter rankings are left out).
    fn reply(&self, id: Uuid, tier: u32) -> Option<RankedReply> {
        let row = self.by_id.get(&id)?;
        (row.role == Role::Assistant.as_str()).then(|| RankedReply {
            message: MessageId::from_uuid(id),
            text: row.text.clone(),
            tier,
        })
    }
}

fn group(forest: &Forest, parent: Uuid, replies: Vec<RankedReply>) -> Option<RankedGroup> {
    let tree = forest.by_id.get(&parent)?.message_tree_id;
    let group = RankedGroup {
        tree: TreeId::from_uuid(tree),
        parent: MessageId::from_uuid(parent),
        conversation: forest.conversation(parent)?,
        replies,
    };
    group.is_trainable().then_some(group)
}

/// Whether every ranking holding both replies put them in the same tie group (and at least
/// one holds both).
fn unanimously_tied(ballots: &[HashMap<Uuid, i32>], a: Uuid, b: Uuid) -> bool {
    let mut both = ballots
        .iter()
        .filter_map(|ballot| Some((*ballot.get(&a)?, *ballot.get(&b)?)))
        .peekable();
    both.peek().is_some() && both.all(|(x, y)| x == y)
}

impl Engine {
    /// The examples of a training job: per parent, its assistant replies in consensus order
    /// (replies all rankers tied share a tier), or one example per annotator ranking (`RankingSource::Raw`). Groups whose replies are all
    /// tied, or that have fewer than two visible replies, are left out.
    pub async fn ranked_groups(
        &self,
        settings: &TrainingSettings,
    ) -> Result<Vec<RankedGroup>, Error> {
        let states: Vec<String> = settings
            .tree_states
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        let rows = db::model_data::messages(&self.pool, &states, &settings.languages).await?;
        let trees: Vec<Uuid> = rows
            .iter()
            .filter(|r| r.parent_id.is_none())
            .map(|r| r.message_tree_id)
            .collect();
        let forest = Forest::new(rows);
        let mut groups = Vec::new();
        match settings.ranking_source {
            RankingSource::Consensus => {
                // the consensus order is strict; replies every ranker tied stay tied, so no
                // pair is trained (or scored) that nobody asked for
                let mut ballots: HashMap<Uuid, Vec<HashMap<Uuid, i32>>> = HashMap::new();
                for ranking in db::model_data::rankings(&self.pool, &trees).await? {
                    let ballot = ranking
                        .ranked_ids
                        .into_iter()
                        .zip(ranking.tie_groups)
                        .collect();
                    ballots.entry(ranking.parent_id).or_default().push(ballot);
                }
                let mut children: HashMap<Uuid, Vec<&MessageRow>> = HashMap::new();
                for row in forest.by_id.values().filter(|r| r.rank.is_some()) {
                    if let Some(parent) = row.parent_id {
                        children.entry(parent).or_default().push(row);
                    }
                }
                let mut parents: Vec<_> = children.into_iter().collect();
                parents.sort_by_key(|(parent, _)| *parent);
                for (parent, mut rows) in parents {
                    rows.sort_by_key(|r| (r.rank, r.message_id));
                    let no_ballots = Vec::new();
                    let ballots = ballots.get(&parent).unwrap_or(&no_ballots);
                    let mut tier = 0u32;
                    let mut replies = Vec::new();
                    let mut previous: Option<Uuid> = None;
                    for row in rows {
                        if let Some(before) = previous {
                            if !unanimously_tied(ballots, before, row.message_id) {
                                tier += 1;
                            }
                        }
                        previous = Some(row.message_id);
                        replies.extend(forest.reply(row.message_id, tier));
                    }
                    groups.extend(group(&forest, parent, replies));
                }
            }
            RankingSource::Raw => {
                for ranking in db::model_data::rankings(&self.pool, &trees).await? {
                    let replies = ranking
                        .ranked_ids
                        .iter()
                        .zip(&ranking.tie_groups)
                        .filter_map(|(id, tier)| forest.reply(*id, tier.unsigned_abs()))
                        .collect();
                    groups.extend(group(&forest, ranking.parent_id, replies));
                }
            }
        }
        Ok(groups)
    }

    /// Every visible assistant reply with its conversation, for a scoring job; with a scope,
    /// only those of its trees (see [`ScoreScope`]).
    pub async fn scoring_inputs(
        &self,
        scope: Option<&ScoreScope>,
    ) -> Result<Vec<ScoringInput>, Error> {
        let states: Vec<String> = TreeState::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        let (languages, trees) = match scope {
            None => (Vec::new(), None),
            Some(scope) => {
                let mut trees: HashSet<Uuid> =
                    db::reward_loop::held_out_trees(&self.pool, scope.held_out_of.as_uuid())
                        .await?
                        .into_iter()
                        .collect();
                if scope.open_trees {
                    trees.extend(db::reward_loop::open_trees(&self.pool, &scope.lang).await?);
                }
                (vec![scope.lang.clone()], Some(trees))
            }
        };
        let rows = db::model_data::messages(&self.pool, &states, &languages).await?;
        let rows = match &trees {
            None => rows,
            Some(trees) => rows
                .into_iter()
                .filter(|row| trees.contains(&row.message_tree_id))
                .collect(),
        };
        let forest = Forest::new(rows);
        let mut inputs: Vec<ScoringInput> = forest
            .by_id
            .values()
            .filter(|row| row.role == Role::Assistant.as_str())
            .filter_map(|row| {
                let conversation = forest.conversation(row.parent_id?)?;
                Some(ScoringInput {
                    message: MessageId::from_uuid(row.message_id),
                    conversation: conversation_text(&conversation),
                    text: row.text.clone(),
                })
            })
            .collect();
        inputs.sort_by_key(|input| input.message);
        Ok(inputs)
    }

    /// Stores a trained model's archive and summary, replacing any earlier upload of the job,
    /// in one transaction; `lease_lost` when the worker no longer holds the job.
    pub async fn store_model_artifact(
        &self,
        job: JobId,
        worker: &str,
        archive: &[u8],
        result: &JobResult,
        held_out_trees: &[TreeId],
    ) -> Result<(), Error> {
        let held_out: Vec<Uuid> = held_out_trees.iter().map(|t| t.as_uuid()).collect();
        let result = serde_json::to_value(result)
            .map_err(|e| Error::Internal(format!("job result not serialisable: {e}")))?;
        let total = i64::try_from(archive.len()).unwrap_or(i64::MAX);
        let archive: std::sync::Arc<[u8]> = archive.into();
        let worker = worker.to_owned();
        self.transaction(move |conn| {
            let (worker, result, archive) = (worker.clone(), result.clone(), archive.clone());
            let held_out = held_out.clone();
            Box::pin(async move {
                require_held(&mut *conn, job, &worker).await?;
                db::reward_loop::store_held_out(&mut *conn, job.as_uuid(), &held_out).await?;
                let chunks: Vec<&[u8]> = archive.chunks(ARTIFACT_CHUNK).collect();
                db::model_data::replace_artifact(&mut *conn, job.as_uuid(), &chunks, total, &result)
                    .await
            })
        })
        .await
    }

    /// Records what a job produced (a scoring job's count); `lease_lost` as above.
    pub async fn store_job_result(
        &self,
        job: JobId,
        worker: &str,
        result: &JobResult,
    ) -> Result<(), Error> {
        let result = serde_json::to_value(result)
            .map_err(|e| Error::Internal(format!("job result not serialisable: {e}")))?;
        let worker = worker.to_owned();
        self.transaction(move |conn| {
            let (worker, result) = (worker.clone(), result.clone());
            Box::pin(async move {
                require_held(&mut *conn, job, &worker).await?;
                db::model_data::set_result(&mut *conn, job.as_uuid(), &result, None).await
            })
        })
        .await
    }

    /// A trained model's whole archive (for a worker that scores with it); None when the job
    /// stored none.
    pub async fn model_artifact(&self, job: JobId) -> Result<Option<Vec<u8>>, Error> {
        let mut archive = Vec::new();
        let mut chunk = 0;
        while let Some(bytes) =
            db::model_data::artifact_chunk(&self.pool, job.as_uuid(), chunk).await?
        {
            archive.extend_from_slice(&bytes);
            chunk += 1;
        }
        Ok((chunk > 0).then_some(archive))
    }

    /// The size of a trained model's archive, for a moderator about to download it.
    pub async fn model_archive_size(&self, actor: UserId, job: JobId) -> Result<i64, Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                require_moderator(conn, actor).await?;
                db::model_jobs::by_id(&mut *conn, job.as_uuid())
                    .await?
                    .and_then(|row| row.artifact_bytes)
                    .ok_or_else(|| {
                        Error::not_found("model_not_found", "This job has no trained model.")
                    })
            })
        })
        .await
    }

    /// One chunk of a model archive, in order from 0; None past the end.
    pub async fn model_archive_chunk(
        &self,
        job: JobId,
        chunk: i32,
    ) -> Result<Option<Vec<u8>>, Error> {
        db::model_data::artifact_chunk(&self.pool, job.as_uuid(), chunk).await
    }

    /// Stores scores a model (its training job) gave messages, while `worker` holds the
    /// scoring `job`.
    pub async fn store_message_scores(
        &self,
        job: JobId,
        worker: &str,
        model_job: JobId,
        scores: &[(MessageId, f32)],
    ) -> Result<(), Error> {
        let messages: Vec<Uuid> = scores.iter().map(|(id, _)| id.as_uuid()).collect();
        let values: Vec<f32> = scores.iter().map(|(_, score)| *score).collect();
        let worker = worker.to_owned();
        self.transaction(move |conn| {
            let (worker, messages, values) = (worker.clone(), messages.clone(), values.clone());
            Box::pin(async move {
                require_held(&mut *conn, job, &worker).await?;
                db::model_data::upsert_scores(&mut *conn, model_job.as_uuid(), &messages, &values)
                    .await
            })
        })
        .await
    }

    /// The latest reward score of each message that has one, with the model that gave it.
    pub async fn message_scores(
        &self,
        messages: &[MessageId],
    ) -> Result<HashMap<MessageId, (f32, JobId)>, Error> {
        let ids: Vec<Uuid> = messages.iter().map(|m| m.as_uuid()).collect();
        Ok(db::model_data::latest_scores(&self.pool, &ids)
            .await?
            .into_iter()
            .map(|(id, score, job)| (MessageId::from_uuid(id), (score, JobId::from_uuid(job))))
            .collect())
    }
}

#[cfg(test)]
mod tests;
