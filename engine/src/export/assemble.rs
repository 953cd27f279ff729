//! Turning one batch of trees (their rows and labels) into lines of the chosen format.

use super::{
    pseudonym::Pseudonyms,
    schema::{ExportNode, ExportTree, LabelValue},
    ExportFormat, ExportOptions, ExportStats,
};
use crate::{
    db::{
        export::{ExportRow, TreeHead},
        quality::QualityRow,
    },
    tasks::view_time,
    Error,
};
use domain::{
    quality::{
        agreement::{set_agreement, SetAgreement},
        reliability::wilson,
    },
    ranking::consensus::Ballot,
};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Rows of a batch, grouped per tree.
pub(crate) struct Batch {
    trees: Vec<(TreeHead, Vec<ExportRow>)>,
    labels: HashMap<Uuid, BTreeMap<String, LabelValue>>,
    scores: HashMap<Uuid, f32>,
    /// Agreement among the rankers of each ranked parent.
    agreement: HashMap<Uuid, SetAgreement>,
}

impl Batch {
    pub(crate) fn new(
        heads: Vec<TreeHead>,
        rows: Vec<ExportRow>,
        labels: Vec<(Uuid, String, f64, i64)>,
        scores: Vec<(Uuid, f32)>,
        rankings: Vec<(Uuid, Vec<Uuid>, Vec<i32>)>,
    ) -> Self {
        let mut by_tree: HashMap<Uuid, Vec<ExportRow>> = HashMap::with_capacity(heads.len());
        for row in rows {
            by_tree.entry(row.message_tree_id).or_default().push(row);
        }
        let trees = heads
            .into_iter()
            .map(|head| {
                let rows = by_tree.remove(&head.message_tree_id).unwrap_or_default();
                (head, rows)
            })
            .collect();
        let mut by_message: HashMap<Uuid, BTreeMap<String, LabelValue>> = HashMap::new();
        for (message, name, total, count) in labels {
            if count > 0 {
                let value = total / count as f64;
                by_message
                    .entry(message)
                    .or_default()
                    .insert(name, LabelValue { value, count });
            }
        }
        let mut ballots: HashMap<Uuid, Vec<Ballot<Uuid>>> = HashMap::new();
        for (parent, ids, groups) in rankings {
            ballots
                .entry(parent)
                .or_default()
                .push(crate::quality::report::ballot(&ids, &groups));
        }
        Self {
            trees,
            labels: by_message,
            scores: scores.into_iter().collect(),
            agreement: ballots
                .into_iter()
                .map(|(parent, ballots)| (parent, set_agreement(&ballots)))
                .collect(),
        }
    }

    /// Writes the batch as JSON Lines; returns what was written.
    pub(crate) fn write(
        &self,
        options: &ExportOptions,
        pseudonyms: &mut Pseudonyms,
        out: &mut Vec<u8>,
    ) -> Result<ExportStats, Error> {
        let mut stats = ExportStats::default();
        for (head, rows) in &self.trees {
            let kept: Vec<&ExportRow> = rows.iter().filter(|row| keep(row, options)).collect();
            let Some(root) = kept.iter().find(|row| row.parent_id.is_none()) else {
                continue;
            };
            // a message whose parent was left out is left out too
            let mut present: HashMap<Uuid, bool> = HashMap::with_capacity(kept.len());
            let mut connected: Vec<&ExportRow> = Vec::with_capacity(kept.len());
            for row in &kept {
                let attached = match row.parent_id {
                    None => true,
                    Some(parent) => present.get(&parent).copied().unwrap_or(false),
                };
                if attached && (!options.prompts_only || row.parent_id.is_none()) {
                    present.insert(row.message_id, true);
                    connected.push(row);
                }
            }
            stats.trees += 1;
            stats.messages += connected.len() as u64;
            match options.format {
                ExportFormat::Trees => {
                    let tree = ExportTree {
                        message_tree_id: head.message_tree_id.to_string(),
                        tree_state: head.state.clone(),
                        prompt: self.nested(root, &connected, pseudonyms, options.prompts_only),
                        origin: head.origin.clone(),
                    };
                    line(out, &tree)?;
                    stats.records += 1;
                }
                ExportFormat::Messages => {
                    for row in &connected {
                        let mut node = self.node(row, pseudonyms);
                        node.message_tree_id = Some(head.message_tree_id.to_string());
                        node.tree_state = Some(head.state.clone());
                        line(out, &node)?;
                        stats.records += 1;
                    }
                }
                ExportFormat::Pairs | ExportFormat::PairsChat => {
                    stats.records += pairs(
                        &connected,
                        head,
                        options.format == ExportFormat::PairsChat,
                        &self.agreement,
                        out,
                    )?;
                }
                ExportFormat::Sft => {
                    stats.records += threads(root, &connected, head, out)?;
                }
                // written from the annotators, not the trees (ExportCursor)
                ExportFormat::AnnotatorReliability => {}
            }
        }
        Ok(stats)
    }

    fn node(&self, row: &ExportRow, pseudonyms: &mut Pseudonyms) -> ExportNode {
        let mut emojis = BTreeMap::new();
        for (code, count) in [
            ("+1", row.thumbs_up),
            ("-1", row.thumbs_down),
            ("red_flag", row.red_flags),
            ("_skip_reply", row.skip_count),
        ] {
            if count > 0 {
                emojis.insert(code.to_owned(), i64::from(count));
            }
        }
        // what an imported release counted beyond Grove's own reactions
        if let Some(serde_json::Value::Object(extra)) = &row.imported_emojis {
            for (code, count) in extra {
                if let Some(count) = count.as_i64().filter(|c| *c > 0) {
                    emojis.entry(code.clone()).or_insert(count);
                }
            }
        }
        ExportNode {
            message_id: row.message_id.to_string(),
            parent_id: row.parent_id.map(|p| p.to_string()),
            user_id: Some(pseudonyms.of(row.user_id)),
            created_date: view_time(row.created_at),
            text: row.text.clone(),
            role: row.role.clone(),
            lang: row.lang.clone(),
            review_count: row.review_count,
            // as oasst: a rejection with fewer than three reviews reads as undecided
            review_result: match row.review_result {
                Some(false) if row.review_count <= 2 => None,
                other => other,
            },
            deleted: row.deleted,
            rank: row.rank,
            synthetic: row.synthetic,
            model_name: row.model_name.clone(),
            emojis,
            labels: self
                .labels
                .get(&row.message_id)
                .cloned()
                .unwrap_or_default(),
            detoxify: row.imported_detoxify.clone(),
            replies: None,
            message_tree_id: None,
            tree_state: None,
            reward_score: self.scores.get(&row.message_id).copied(),
            agreement: self.agreement.get(&row.message_id).copied(),
        }
    }

    fn nested(
        &self,
        row: &ExportRow,
        rows: &[&ExportRow],
        pseudonyms: &mut Pseudonyms,
        prompts_only: bool,
    ) -> ExportNode {
        let mut node = self.node(row, pseudonyms);
        if !prompts_only {
            // rows come parents first, siblings best-ranked first: children keep that order
            let replies = rows
                .iter()
                .filter(|child| child.parent_id == Some(row.message_id))
                .map(|child| self.nested(child, rows, pseudonyms, false))
                .collect();
            node.replies = Some(replies);
        }
        node
    }
}

fn keep(row: &ExportRow, options: &ExportOptions) -> bool {
    (options.include_deleted || !row.deleted)
        && (options.include_spam || row.review_result != Some(false))
        && (options.include_synthetic || !row.synthetic)
}

fn line<T: Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    serde_json::to_writer(&mut *out, value)
        .map_err(|e| Error::Internal(format!("export encoding: {e}")))?;
    out.push(b'\n');
    Ok(())
}

/// The chat role of a message.
fn chat_role(role: &str) -> &'static str {
    if role == "assistant" {
        "assistant"
    } else {
        "user"
    }
}

/// The path from the root to `id`, root first.
fn path<'a>(id: Uuid, rows: &[&'a ExportRow]) -> Vec<&'a ExportRow> {
    let by_id: HashMap<Uuid, &ExportRow> = rows.iter().map(|row| (row.message_id, *row)).collect();
    let mut out = Vec::new();
    let mut cursor = by_id.get(&id).copied();
    while let Some(row) = cursor {
        out.push(row);
        cursor = row.parent_id.and_then(|p| by_id.get(&p).copied());
    }
    out.reverse();
    out
}

/// Accepted, ranked siblings become pairs: every better reply against every worse one.
fn pairs(
    rows: &[&ExportRow],
    head: &TreeHead,
    chat: bool,
    agreement: &HashMap<Uuid, SetAgreement>,
    out: &mut Vec<u8>,
) -> Result<u64, Error> {
    let accepted: Vec<&ExportRow> = rows
        .iter()
        .copied()
        .filter(|row| row.review_result == Some(true) && !row.deleted)
        .collect();
    let mut written = 0;
    let mut parents: Vec<Uuid> = accepted.iter().filter_map(|row| row.parent_id).collect();
    parents.dedup();
    parents.sort();
    parents.dedup();
    for parent in parents {
        let mut ranked: Vec<&ExportRow> = accepted
            .iter()
            .copied()
            .filter(|row| row.parent_id == Some(parent) && row.rank.is_some())
            .collect();
        if ranked.len() < 2 {
            continue;
        }
        ranked.sort_by_key(|row| row.rank);
        let conversation = path(parent, &accepted);
        if conversation
            .first()
            .is_none_or(|root| root.parent_id.is_some())
        {
            continue;
        }
        for (i, better) in ranked.iter().enumerate() {
            for worse in ranked.iter().skip(i + 1) {
                let gap = worse.rank.unwrap_or(0) - better.rank.unwrap_or(0);
                if gap <= 0 {
                    continue;
                }
                let mut record = if chat {
                    let prompt: Vec<_> = conversation
                        .iter()
                        .map(|m| json!({ "role": chat_role(&m.role), "content": m.text }))
                        .collect();
                    json!({
                        "prompt": prompt,
                        "chosen": [{ "role": chat_role(&better.role), "content": better.text }],
                        "rejected": [{ "role": chat_role(&worse.role), "content": worse.text }],
                        "rank_gap": gap,
                        "lang": better.lang,
                        "message_tree_id": head.message_tree_id.to_string(),
                        "parent_id": parent.to_string(),
                    })
                } else {
                    let prompt = conversation
                        .iter()
                        .map(|m| {
                            format!(
                                "{}: {}",
                                if m.role == "assistant" {
                                    "Assistant"
                                } else {
                                    "User"
                                },
                                m.text
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n\n");
                    json!({
                        "prompt": prompt,
                        "chosen": better.text,
                        "rejected": worse.text,
                        "rank_gap": gap,
                        "lang": better.lang,
                        "message_tree_id": head.message_tree_id.to_string(),
                        "parent_id": parent.to_string(),
                    })
                };
                if let (Some(agreement), Some(fields)) =
                    (agreement.get(&parent), record.as_object_mut())
                {
                    fields.insert("agreement".to_owned(), json!(agreement));
                }
                line(out, &record)?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// One line per annotator with evidence: their pseudonym and reliability.
pub(crate) fn reliability(
    rows: &[QualityRow],
    pseudonyms: &mut Pseudonyms,
    out: &mut Vec<u8>,
) -> Result<u64, Error> {
    for row in rows {
        let evidence = &row.evidence;
        let gold = wilson(evidence.gold_correct, evidence.gold_total);
        let record = json!({
            "user_id": pseudonyms.of(row.user_id),
            "tasks": row.tasks_done,
            "label_agreement": evidence.labels.agreement(),
            "label_items": evidence.labels.items(),
            "label_youden": evidence.labels.youden(),
            "ranking_agreement": evidence.ranking_tau(),
            "ranking_pairs": evidence.pairs_agreed + evidence.pairs_reversed,
            "rankings": evidence.rankings,
            "gold_accuracy": gold.map(|g| g.estimate),
            "gold_interval": gold.map(|g| [g.low, g.high]),
            "gold_checks": evidence.gold_total,
            "label_weight": row.label_weight,
            "ranking_weight": row.ranking_weight,
            "flagged": row.flag.is_some(),
            "flag": row.flag,
        });
        line(out, &record)?;
    }
    Ok(rows.len() as u64)
}

/// Every conversation ending in an accepted assistant reply with no accepted assistant reply
/// further down, depth first with siblings best-ranked first, so a tree's best path comes
/// first.
fn threads(
    root: &ExportRow,
    rows: &[&ExportRow],
    head: &TreeHead,
    out: &mut Vec<u8>,
) -> Result<u64, Error> {
    let accepted: Vec<&ExportRow> = rows
        .iter()
        .copied()
        .filter(|row| row.review_result == Some(true) && !row.deleted)
        .collect();
    if !accepted.iter().any(|row| row.message_id == root.message_id) {
        return Ok(0);
    }
    let mut children: HashMap<Uuid, Vec<&ExportRow>> = HashMap::new();
    for row in &accepted {
        if let Some(parent) = row.parent_id {
            children.entry(parent).or_default().push(row);
        }
    }
    // rows come deepest last: walking them backwards marks every ancestor of an assistant reply
    let mut assistant_below: HashMap<Uuid, bool> = HashMap::new();
    for row in accepted.iter().rev() {
        let below = children.get(&row.message_id).is_some_and(|kids| {
            kids.iter().any(|kid| {
                kid.role == "assistant"
                    || assistant_below
                        .get(&kid.message_id)
                        .copied()
                        .unwrap_or(false)
            })
        });
        assistant_below.insert(row.message_id, below);
    }
    let mut written = 0;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.role == "assistant"
            && !assistant_below
                .get(&node.message_id)
                .copied()
                .unwrap_or(false)
        {
            let thread = path(node.message_id, &accepted);
            let messages: Vec<_> = thread
                .iter()
                .map(|m| json!({ "role": chat_role(&m.role), "content": m.text }))
                .collect();
            let record = json!({
                "thread_id": node.message_id.to_string(),
                "message_tree_id": head.message_tree_id.to_string(),
                "lang": thread.first().map(|m| m.lang.clone()).unwrap_or_default(),
                "ranks": thread.iter().map(|m| m.rank).collect::<Vec<_>>(),
                "messages": messages,
            });
            line(out, &record)?;
            written += 1;
        }
        // siblings come best-ranked first; push them worst first so the best is visited next
        for child in children.get(&node.message_id).into_iter().flatten().rev() {
            stack.push(child);
        }
    }
    Ok(written)
}
