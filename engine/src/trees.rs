//! What happens to trees: transitions after reviews and rankings, scoring, the prompt lottery,
//! auto-moderation and the start-up sweep. The state changes themselves are decided by
//! `domain::tree::TreeState::apply`; this module loads the facts and stores the result.

use crate::{
    db::{self, messages::MessageRow, trees::TreeRow},
    quality::evidence,
    Engine, Error,
};
use domain::{
    message::Role,
    ranking::{consensus::Ballot, ranked_pairs_weighted, stored_ballot},
    review,
    tree::{config::TreeLimits, TreeConfig, TreeEvent, TreeState},
};
use sqlx::PgConnection;
use std::collections::BTreeSet;
use tracing::instrument;
use uuid::Uuid;

/// A tree locked by the current transaction.
pub(crate) struct LockedTree {
    pub id: Uuid,
    pub state: TreeState,
    pub lang: String,
    /// The limits frozen when the tree was created.
    pub limits: TreeLimits,
    pub won_lottery: bool,
}

impl LockedTree {
    /// Reply slots of a message under this tree's frozen limits.
    pub fn reply_slots(&self, role: Role, depth: i32) -> i64 {
        // a depth below zero cannot be stored (check constraint); it would get no slots
        let depth = u32::try_from(depth).unwrap_or(u32::MAX);
        i64::from(self.limits.reply_slots(role, depth))
    }
}

impl TryFrom<TreeRow> for LockedTree {
    type Error = Error;

    fn try_from(row: TreeRow) -> Result<Self, Error> {
        let limit = |value: i32| {
            u32::try_from(value)
                .map_err(|_| Error::Internal(format!("negative tree limit {value}")))
        };
        Ok(Self {
            id: row.message_tree_id,
            state: TreeState::parse(&row.state)
                .map_err(|_| Error::Internal(format!("unknown tree state {:?}", row.state)))?,
            lang: row.lang,
            limits: TreeLimits {
                goal_tree_size: limit(row.goal_tree_size)?,
                max_depth: limit(row.max_depth)?,
                max_children_count: limit(row.max_children_count)?,
                num_prompter_replies: limit(row.num_prompter_replies)?,
            },
            won_lottery: row.won_lottery_at.is_some(),
        })
    }
}

/// Locks a tree for the rest of the transaction.
pub(crate) async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<LockedTree, Error> {
    db::trees::lock(conn, id)
        .await?
        .ok_or(Error::NotFound("Tree"))
        .and_then(LockedTree::try_from)
}

/// Applies an event and stores the new state.
pub(crate) async fn transition(
    conn: &mut PgConnection,
    tree: &mut LockedTree,
    event: TreeEvent,
) -> Result<(), Error> {
    let next = tree.state.apply(event).map_err(|rejection| {
        Error::conflict(
            "invalid_tree_transition",
            domain::Invalid::from(rejection).message,
        )
    })?;
    if next != tree.state {
        tracing::info!(tree_id = %tree.id, from = %tree.state, to = %next, "tree state");
        db::trees::set_state(&mut *conn, tree.id, next.as_str()).await?;
        if next == TreeState::Growing {
            tree.won_lottery = true;
        }
        tree.state = next;
    }
    Ok(())
}

/// What deciding a message's verdict needs to know about it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reviewed {
    pub message_id: Uuid,
    pub depth: i32,
    /// The verdict so far.
    pub review_result: Option<bool>,
    /// Reviews from tasks counted on the message (as many as the rows `reviews_of` reads:
    /// `grove check` holds them equal), when the caller knows; `None`: they are read.
    pub reviews: Option<i32>,
}

impl From<&MessageRow> for Reviewed {
    fn from(message: &MessageRow) -> Self {
        Self {
            message_id: message.message_id,
            depth: message.depth,
            review_result: message.review_result,
            reviews: None,
        }
    }
}

/// After a review of `message`: decides its verdict once enough reviews are in, and moves the
/// tree on.
pub(crate) async fn after_review(
    conn: &mut PgConnection,
    config: &TreeConfig,
    tree: &mut LockedTree,
    message: Reviewed,
    ledger: &mut evidence::Ledger,
) -> Result<(), Error> {
    let is_prompt = message.depth == 0;
    // a message short of the reviews its verdict needs waits without reading them
    let short = message.reviews.is_some_and(|counted| {
        !review::has_enough_reviews(usize::try_from(counted).unwrap_or(0), is_prompt, config)
    });
    if message.review_result.is_some() || short {
        return Ok(());
    }
    let reviews = db::quality::reviews_of(&mut *conn, message.message_id).await?;
    let votes = evidence::weighted_votes(config, &reviews);
    let Some(accepted) = review::weighted_verdict(&votes, is_prompt, config) else {
        return Ok(());
    };
    db::messages::set_review_result(&mut *conn, message.message_id, accepted).await?;
    evidence::review_decided(conn, config, is_prompt, accepted, &reviews, ledger).await?;
    if is_prompt {
        if tree.state == TreeState::InitialPromptReview {
            transition(conn, tree, TreeEvent::PromptReviewed { accepted }).await?;
        }
        if accepted {
            let lang = tree.lang.clone();
            run_lottery(conn, config, &lang, 1, 0).await?;
        }
        Ok(())
    } else {
        advance(conn, config, tree, ledger).await
    }
}

/// Moves a tree on as far as its data allows: growing → ranking → ready for scoring → scored.
pub(crate) async fn advance(
    conn: &mut PgConnection,
    config: &TreeConfig,
    tree: &mut LockedTree,
    ledger: &mut evidence::Ledger,
) -> Result<(), Error> {
    if tree.state == TreeState::Growing {
        if db::trees::live_messages(&mut *conn, tree.id).await? == 0 {
            transition(conn, tree, TreeEvent::Halt).await?;
            return Ok(());
        }
        let pending = db::trees::pending_reviews(&mut *conn, tree.id).await?;
        let size = db::trees::size(&mut *conn, tree.id).await?;
        let full = size >= i64::from(tree.limits.goal_tree_size)
            || db::trees::open_reply_slots(&mut *conn, tree.id).await? == 0;
        if pending == 0 && full {
            transition(conn, tree, TreeEvent::GrowthComplete).await?;
            let lang = tree.lang.clone();
            run_lottery(conn, config, &lang, 1, 0).await?;
        }
    }
    if tree.state == TreeState::Ranking {
        let parents =
            db::trees::rankable_parents(&mut *conn, tree.id, config.rank_prompter_replies).await?;
        let required = i64::from(config.num_required_rankings);
        if parents.iter().all(|parent| parent.rankings >= required) {
            transition(conn, tree, TreeEvent::RankingsComplete).await?;
        }
    }
    if tree.state == TreeState::ReadyForScoring {
        score(conn, config, tree, ledger).await?;
    }
    Ok(())
}

/// Computes the consensus rank of every set of ranked siblings and finishes the tree.
#[instrument(skip_all, fields(tree_id = %tree.id))]
pub(crate) async fn score(
    conn: &mut PgConnection,
    config: &TreeConfig,
    tree: &mut LockedTree,
    ledger: &mut evidence::Ledger,
) -> Result<(), Error> {
    let parents =
        db::trees::rankable_parents(&mut *conn, tree.id, config.rank_prompter_replies).await?;
    for parent in parents {
        let children: BTreeSet<Uuid> = parent.children.iter().copied().collect();
        let rankings = db::quality::rankings_of(&mut *conn, parent.parent_id).await?;
        let mut ballots: Vec<Ballot<Uuid>> = Vec::new();
        let mut weights = Vec::new();
        let mut rankers = Vec::new();
        for ranking in rankings {
            // "all replies are bad" says nothing about their order
            if ranking.not_rankable {
                continue;
            }
            match stored_ballot(&ranking.ranked_ids, &ranking.tie_groups, |id| {
                children.contains(id)
            }) {
                Some(ballot) => {
                    ballots.push(ballot);
                    weights.push(evidence::ranking_weight(config, ranking.weight));
                    rankers.push((ranking.ranking_id, ranking.user_id));
                }
                None => {
                    tracing::error!(parent_id = %parent.parent_id, "malformed ranking");
                    transition(conn, tree, TreeEvent::ScoringFailedWith).await?;
                    return Ok(());
                }
            }
        }
        let consensus = ranked_pairs_weighted(&ballots, &weights);
        let ranked = if consensus.len() >= 2 {
            consensus
        } else {
            Vec::new()
        };
        db::messages::set_ranks(&mut *conn, parent.parent_id, &ranked).await?;
        evidence::parent_scored(conn, &rankers, &ballots, &weights, &ranked, ledger).await?;
    }
    transition(conn, tree, TreeEvent::Scored).await
}

/// What the prompt lottery of a language goes by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LotteryDue {
    /// Trees growing now.
    pub growing: i64,
    /// Active annotators as the database counts them (people holding a task).
    pub active: i64,
    /// Trees that should grow for the crowd (`domain::tree::config::active_trees`).
    pub target: i64,
}

impl LotteryDue {
    /// Whether the lottery has a slot to fill.
    pub(crate) fn has_room(&self) -> bool {
        self.growing < self.target
    }
}

/// The trees growing in a language, its active annotators, and how many trees should grow for
/// them (for at least `demand` people).
pub(crate) async fn lottery_due(
    conn: &mut PgConnection,
    config: &TreeConfig,
    lang: &str,
    demand: u32,
) -> Result<LotteryDue, Error> {
    let growing = db::trees::count_in_state(&mut *conn, lang, "growing").await?;
    // as many trees grow as the language's crowd keeps busy (domain::tree::config)
    let active = db::tasks::active_annotators(&mut *conn, lang).await?;
    let target = i64::from(domain::tree::config::active_trees(
        config,
        u32::try_from(active).unwrap_or(u32::MAX).max(demand),
    ));
    Ok(LotteryDue {
        growing,
        active,
        target,
    })
}

/// Draws waiting prompts into growing while the language has free growing slots. `demand`
/// is a lower bound of the language's active annotators known without the database (the
/// people who asked this server lately), 0 if none.
pub(crate) async fn run_lottery(
    conn: &mut PgConnection,
    config: &TreeConfig,
    lang: &str,
    max_activate: u32,
    demand: u32,
) -> Result<u32, Error> {
    let due = lottery_due(&mut *conn, config, lang, demand).await?;
    if !due.has_room() {
        return Ok(0);
    }
    let LotteryDue { active, target, .. } = due;
    db::trees::lock_lottery(&mut *conn, lang).await?;
    let mut growing = db::trees::count_in_state(&mut *conn, lang, "growing").await?;
    let mut activated = 0;
    while growing < target && activated < max_activate {
        let Some(winner) = db::trees::draw_lottery_winner(&mut *conn, lang).await? else {
            break;
        };
        // a tree another transaction holds is left for the next draw
        let Some(row) = db::trees::try_lock(&mut *conn, winner).await? else {
            break;
        };
        let mut tree = LockedTree::try_from(row)?;
        if tree.state != TreeState::PromptLotteryWaiting {
            break;
        }
        transition(conn, &mut tree, TreeEvent::WonLottery).await?;
        growing += 1;
        activated += 1;
    }
    if activated > 0 {
        tracing::info!(
            lang,
            active,
            demand,
            target,
            growing,
            "prompt lottery drawn"
        );
    }
    Ok(activated)
}

/// Auto-moderation after a red flag: a prompt with too many aborts its tree, a reply with too
/// many is deleted with everything below it.
pub(crate) async fn after_red_flag(
    conn: &mut PgConnection,
    config: &TreeConfig,
    tree: &mut LockedTree,
    message: &MessageRow,
    red_flags: i64,
    ledger: &mut evidence::Ledger,
) -> Result<(), Error> {
    if !config.auto_mod_enabled || red_flags < i64::from(config.auto_mod_red_flags) {
        return Ok(());
    }
    if message.depth == 0 {
        if matches!(
            tree.state,
            TreeState::InitialPromptReview | TreeState::PromptLotteryWaiting | TreeState::Growing
        ) {
            tracing::info!(message_id = %message.message_id, "auto-moderation: prompt flagged");
            transition(conn, tree, TreeEvent::PromptFlagged).await?;
        }
        return Ok(());
    }
    if !message.deleted {
        tracing::info!(message_id = %message.message_id, "auto-moderation: reply deleted");
        delete_subtree(conn, config, tree, message.message_id, ledger).await?;
    }
    Ok(())
}

/// Auto-moderation after a skip: too many annotators refusing to reply halts the tree.
pub(crate) async fn after_reply_skip(
    conn: &mut PgConnection,
    config: &TreeConfig,
    tree: &mut LockedTree,
    skips: i64,
) -> Result<(), Error> {
    if config.auto_mod_enabled
        && skips >= i64::from(config.auto_mod_max_skip_reply)
        && tree.state.is_active()
    {
        tracing::info!(tree_id = %tree.id, "auto-moderation: halted after mass skips");
        transition(conn, tree, TreeEvent::Halt).await?;
    }
    Ok(())
}

/// Soft-deletes a message and its descendants, keeps counters right and moves the tree on.
pub(crate) async fn delete_subtree(
    conn: &mut PgConnection,
    config: &TreeConfig,
    tree: &mut LockedTree,
    message_id: Uuid,
    ledger: &mut evidence::Ledger,
) -> Result<u64, Error> {
    let deleted = db::messages::delete_subtree(&mut *conn, message_id).await?;
    db::messages::recount_children(&mut *conn, tree.id).await?;
    if tree.state == TreeState::Growing && db::trees::live_messages(&mut *conn, tree.id).await? == 0
    {
        transition(conn, tree, TreeEvent::Halt).await?;
    } else {
        advance(conn, config, tree, ledger).await?;
    }
    Ok(deleted)
}

impl Engine {
    /// Re-checks every active tree against the current data and configuration (run at
    /// start-up: finishes transitions a crash or a configuration change left pending), then
    /// fills free growing slots.
    #[instrument(skip_all)]
    pub async fn sweep_trees(&self) -> Result<u32, Error> {
        let ids = db::trees::active_tree_ids(&self.pool).await?;
        let mut changed = 0;
        for id in ids {
            let config = self.config.clone();
            let moved = self
                .transaction(move |conn| {
                    let config = config.clone();
                    Box::pin(async move {
                        let mut tree = lock(conn, id).await?;
                        let before = tree.state;
                        let mut ledger = evidence::Ledger::default();
                        if tree.state == TreeState::InitialPromptReview {
                            if let Some(root) = db::messages::get(&mut *conn, id).await? {
                                let root = (&root).into();
                                after_review(conn, &config, &mut tree, root, &mut ledger).await?;
                            }
                        } else {
                            let pending = db::messages::of_tree(&mut *conn, id).await?;
                            for message in pending
                                .iter()
                                .filter(|m| m.depth > 0 && !m.deleted && m.review_result.is_none())
                            {
                                let message = message.into();
                                after_review(conn, &config, &mut tree, message, &mut ledger)
                                    .await?;
                            }
                            advance(conn, &config, &mut tree, &mut ledger).await?;
                        }
                        evidence::settle(conn, ledger, None).await?;
                        Ok(tree.state != before)
                    })
                })
                .await?;
            changed += u32::from(moved);
        }
        let languages = db::trees::languages_with_waiting_prompts(&self.pool).await?;
        for lang in languages {
            let config = self.config.clone();
            changed += self
                .transaction(move |conn| {
                    let config = config.clone();
                    let lang = lang.clone();
                    Box::pin(async move { run_lottery(conn, &config, &lang, u32::MAX, 0).await })
                })
                .await?;
        }
        Ok(changed)
    }
}
