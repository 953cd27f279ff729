//! Importing trees in the OpenAssistant export format (oasst1/oasst2 releases, or Grove's own
//! exports): one transaction per tree, a dry run that writes nothing, and errors that name the
//! line of the bad record.

use crate::{
    db::{self, messages::NewMessage, trees::NewTree},
    export::schema::{ExportNode, ExportTree},
    Engine, Error,
};
use domain::{message::Role, tree::TreeState};
use serde::Serialize;
use sqlx::PgConnection;
use std::{collections::HashSet, io::BufRead};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use uuid::Uuid;

/// How imported trees enter Grove.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// `backlog_ranking` (waiting to be ranked), `ranking` (rankable now) or
    /// `ready_for_export` (kept as they are).
    pub state: TreeState,
    /// Where the trees come from, kept on each tree.
    pub origin: String,
    /// Check every record and report, but write nothing.
    pub dry_run: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub trees: u64,
    pub messages: u64,
    pub dry_run: bool,
}

fn bad(line: usize, reason: impl std::fmt::Display) -> Error {
    Error::bad_input("invalid_record", format!("line {line}: {reason}"))
}

impl Engine {
    /// Reads trees, one JSON object per line, and inserts each in its own transaction.
    pub async fn import_trees(
        &self,
        input: impl BufRead,
        options: ImportOptions,
    ) -> Result<ImportReport, Error> {
        if !matches!(
            options.state,
            TreeState::BacklogRanking | TreeState::Ranking | TreeState::ReadyForExport
        ) {
            return Err(Error::bad_input(
                "invalid_import_state",
                "Imported trees go to backlog_ranking, ranking or ready_for_export.",
            ));
        }
        let mut report = ImportReport {
            dry_run: options.dry_run,
            ..ImportReport::default()
        };
        for (index, line) in input.lines().enumerate() {
            let number = index + 1;
            let line = line.map_err(|e| bad(number, format!("unreadable: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let tree: ExportTree = serde_json::from_str(&line).map_err(|e| bad(number, e))?;
            let messages = check(&tree, number)?;
            let mut tx = self.pool.begin().await?;
            insert(&mut tx, self, &tree, &options, number).await?;
            if options.dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            report.trees += 1;
            report.messages += messages;
        }
        Ok(report)
    }
}

/// Checks a tree's shape: ids, roles alternating from the prompter down, no id twice.
fn check(tree: &ExportTree, line: usize) -> Result<u64, Error> {
    let root_id = parse_id(&tree.prompt.message_id, line)?;
    if parse_id(&tree.message_tree_id, line)? != root_id {
        return Err(bad(line, "message_tree_id is not the prompt's message_id"));
    }
    if tree.prompt.parent_id.is_some() {
        return Err(bad(line, "the prompt has a parent"));
    }
    let mut seen = HashSet::new();
    let mut stack = vec![(&tree.prompt, Role::Prompter, None::<Uuid>)];
    while let Some((node, role, parent)) = stack.pop() {
        let id = parse_id(&node.message_id, line)?;
        if !seen.insert(id) {
            return Err(bad(line, format!("message {id} appears twice")));
        }
        if Role::parse(&node.role).ok() != Some(role) {
            return Err(bad(line, format!("message {id} should have role {role}")));
        }
        if let (Some(parent), Some(given)) = (parent, node.parent_id.as_deref()) {
            if parse_id(given, line)? != parent {
                return Err(bad(line, format!("message {id} names the wrong parent")));
            }
        }
        if node.text.trim().is_empty() {
            return Err(bad(line, format!("message {id} has no text")));
        }
        parse_time(&node.created_date, line)?;
        for reply in node.replies.iter().flatten() {
            stack.push((reply, role.reply_role(), Some(id)));
        }
    }
    Ok(seen.len() as u64)
}

fn parse_id(raw: &str, line: usize) -> Result<Uuid, Error> {
    Uuid::parse_str(raw).map_err(|_| bad(line, format!("'{raw}' is not a UUID")))
}

fn parse_time(raw: &str, line: usize) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::parse(raw, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{raw}Z"), &Rfc3339))
        .map_err(|_| bad(line, format!("'{raw}' is not an RFC 3339 time")))
}

async fn insert(
    conn: &mut PgConnection,
    engine: &Engine,
    tree: &ExportTree,
    options: &ImportOptions,
    line: usize,
) -> Result<(), Error> {
    let root = parse_id(&tree.prompt.message_id, line)?;
    let limits = engine.config.limits();
    let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let origin = tree
        .origin
        .clone()
        .unwrap_or_else(|| options.origin.clone());
    db::trees::insert(
        &mut *conn,
        NewTree {
            message_tree_id: root,
            state: options.state.as_str(),
            lang: &tree.prompt.lang,
            goal_tree_size: as_i32(limits.goal_tree_size),
            max_depth: as_i32(limits.max_depth),
            max_children_count: as_i32(limits.max_children_count),
            num_prompter_replies: as_i32(limits.num_prompter_replies),
            origin: Some(&origin),
        },
    )
    .await
    .map_err(|e| match e {
        Error::Database(ref db_error)
            if db_error.as_database_error().and_then(|d| d.constraint())
                == Some("message_tree_pkey") =>
        {
            bad(line, format!("tree {root} is already in Grove"))
        }
        other => other,
    })?;
    let mut stack = vec![(&tree.prompt, None::<Uuid>, 0i32)];
    while let Some((node, parent, depth)) = stack.pop() {
        insert_node(conn, node, root, parent, depth, line).await?;
        let id = parse_id(&node.message_id, line)?;
        // children go in after their parent; reverse keeps the file's order
        for reply in node.replies.iter().flatten().rev() {
            stack.push((reply, Some(id), depth + 1));
        }
    }
    db::messages::recount_children(&mut *conn, root).await
}

async fn insert_node(
    conn: &mut PgConnection,
    node: &ExportNode,
    tree: Uuid,
    parent: Option<Uuid>,
    depth: i32,
    line: usize,
) -> Result<(), Error> {
    let id = parse_id(&node.message_id, line)?;
    if db::export::message_exists(&mut *conn, id).await? {
        return Err(bad(line, format!("message {id} is already in Grove")));
    }
    let author =
        db::export::import_author(&mut *conn, node.user_id.as_deref().unwrap_or("unknown")).await?;
    db::messages::insert(
        &mut *conn,
        NewMessage {
            message_id: id,
            message_tree_id: tree,
            parent_id: parent,
            user_id: author,
            role: &node.role,
            depth,
            lang: &node.lang,
            text: &node.text,
            task_id: None,
            deleted: node.deleted,
            synthetic: node.synthetic,
            model_name: node.model_name.as_deref(),
            review_count: node.review_count.max(0),
            review_result: node.review_result,
            rank: node.rank,
            created_at: Some(parse_time(&node.created_date, line)?),
        },
    )
    .await?;
    let count = |code: &str| {
        i32::try_from(node.emojis.get(code).copied().unwrap_or(0).max(0)).unwrap_or(i32::MAX)
    };
    db::export::set_imported_counts(
        &mut *conn,
        id,
        count("+1"),
        count("-1"),
        count("red_flag"),
        count("_skip_reply"),
    )
    .await?;
    for (name, label) in &node.labels {
        let n = i32::try_from(label.count.max(1)).unwrap_or(i32::MAX);
        db::export::insert_imported_label(&mut *conn, id, name, label.value, n).await?;
    }
    Ok(())
}
