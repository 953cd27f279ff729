//! Importing conversation trees in the OpenAssistant formats: tree files (one tree per line, as
//! Grove exports them and as the releases ship `*.trees.jsonl.gz`), flat message files (one
//! message per line, as the releases ship `*.messages.jsonl.gz` and as the Hugging Face copies
//! hold them, with `emojis` and `labels` as columns of names and counts), and a bare message
//! tree (the prompt node with its replies, one per line or as one JSON document).
//!
//! Every optional field may be missing or `null`. A message without an author gets the tree's
//! imported author (one per tree); one without a date, the time of the import (both counted in
//! the report). Every emoji count is kept (Grove's four reactions in their counters, the rest
//! as they came) and labels keep value and count.
//!
//! Imported history is kept as it is: trees deeper or wider than Grove's limits, or with an
//! author replying twice to one parent, go in unchanged (their messages are flagged
//! `imported`, which the live rules and `grove check` leave alone) and never grow, since
//! imports enter past growth (`backlog_ranking`, `ranking` or `ready_for_export`). What
//! cannot be a conversation (a role out of turn, a parent that is not in the tree, a message
//! id twice, no text) is refused as `line N: <the rule>`.
//!
//! Trees go in by batches, a few statements per batch, each tree whole or not at all: a tree
//! the database refuses is found with a savepoint per tree. Without `skip_bad` the first bad
//! tree stops the import (the trees before it stay); with it, bad trees are reported and
//! skipped. Trees already in Grove are skipped and counted, so running an interrupted import
//! again completes it.

use crate::{
    db::import::{self as bulk, LabelColumns, MessageColumns, TreeColumns},
    export::schema::LabelValue,
    Engine, Error,
};
use domain::{message::Role, tree::TreeState};
use serde::{de::Error as _, Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sqlx::{Acquire, PgConnection};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    io::BufRead,
};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use uuid::Uuid;

/// The shape of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportForm {
    /// Decided by the first record.
    #[default]
    Auto,
    /// One tree per line: `{"message_tree_id", "tree_state", "prompt": {...}}`.
    Trees,
    /// One message per line, with `parent_id` (and usually `message_tree_id`).
    Messages,
    /// The prompt node with its nested `replies`, without the outer tree object.
    Tree,
}

impl ImportForm {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "auto" => Ok(Self::Auto),
            "trees" => Ok(Self::Trees),
            "messages" => Ok(Self::Messages),
            "tree" => Ok(Self::Tree),
            _ => Err(Error::bad_input(
                "invalid_import_form",
                format!("'{raw}' is not a form: auto, trees, messages or tree."),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Trees => "trees",
            Self::Messages => "messages",
            Self::Tree => "tree",
        }
    }

    /// The form of one record.
    fn of(record: &Value) -> Self {
        let has = |key: &str| record.get(key).is_some_and(|v| !v.is_null());
        if has("prompt") {
            Self::Trees
        } else if has("replies") {
            Self::Tree
        } else {
            Self::Messages
        }
    }
}

/// How imported trees enter Grove.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// `backlog_ranking` (waiting to be ranked), `ranking` (rankable now) or
    /// `ready_for_export` (kept as they are).
    pub state: TreeState,
    /// Where the trees come from, kept on each tree (a tree's own `origin` wins).
    pub origin: String,
    /// Check every record and report, but write nothing.
    pub dry_run: bool,
    pub form: ImportForm,
    /// Report and skip bad trees instead of stopping at the first.
    pub skip_bad: bool,
}

impl ImportOptions {
    pub fn new(state: TreeState, origin: impl Into<String>) -> Self {
        Self {
            state,
            origin: origin.into(),
            dry_run: false,
            form: ImportForm::Auto,
            skip_bad: false,
        }
    }
}

/// A tree left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadTree {
    /// The line of its first record.
    pub line: usize,
    pub reason: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub form: ImportForm,
    pub trees: u64,
    pub messages: u64,
    /// Trees already in Grove, skipped.
    pub present: u64,
    /// Trees skipped as bad (with `skip_bad`).
    pub bad: Vec<BadTree>,
    /// Messages without an author (given their tree's imported author).
    pub without_author: u64,
    /// Messages without a date (given the time of the import).
    pub without_date: u64,
    pub dry_run: bool,
}

/// Trees per batch, and messages per batch at most (a batch is a few statements).
const BATCH_TREES: usize = 500;
const BATCH_MESSAGES: usize = 5_000;

fn bad(line: usize, reason: impl std::fmt::Display) -> Error {
    Error::bad_input("invalid_record", format!("line {line}: {reason}"))
}

/// One message as a file may hold it: everything but its id, text and role may be missing
/// or null.
#[derive(Debug, Clone, Deserialize)]
struct InNode {
    message_id: String,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    created_date: Option<String>,
    text: String,
    role: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    review_count: Option<i64>,
    #[serde(default)]
    review_result: Option<bool>,
    #[serde(default)]
    deleted: Option<bool>,
    #[serde(default, deserialize_with = "whole_number")]
    rank: Option<i64>,
    #[serde(default)]
    synthetic: Option<bool>,
    #[serde(default)]
    model_name: Option<String>,
    #[serde(default, deserialize_with = "emoji_counts")]
    emojis: BTreeMap<String, i64>,
    #[serde(default, deserialize_with = "label_values")]
    labels: BTreeMap<String, LabelValue>,
    #[serde(default)]
    replies: Option<Vec<InNode>>,
    #[serde(default)]
    message_tree_id: Option<String>,
    /// Detoxify scores, kept as they came (an object of scores).
    #[serde(default)]
    detoxify: Option<Value>,
}

/// One tree as a tree file holds it.
#[derive(Debug, Deserialize)]
struct InTree {
    #[serde(default)]
    message_tree_id: Option<String>,
    prompt: InNode,
    #[serde(default)]
    origin: Option<String>,
}

/// A number that must be whole: an integer, a float without a fraction (`1.0`, as columnar
/// copies write it), or null.
fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(value) => as_whole(&value)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{value} is not a whole number"))),
    }
}

fn as_whole(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// `{"+1": 3, "_skip_labeling": 1}`, or the columnar `{"name": [...], "count": [...]}`, or
/// null. Null counts are left out.
fn emoji_counts<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, i64>, D::Error> {
    let mut out = BTreeMap::new();
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => match columns(&map, ["name", "count"]) {
            Some([names, counts]) => {
                for (name, count) in names.iter().zip(counts) {
                    let name = name
                        .as_str()
                        .ok_or_else(|| D::Error::custom("an emoji name is not a string"))?;
                    if let Some(count) = count_of::<D>(count)? {
                        out.insert(name.to_owned(), count);
                    }
                }
            }
            None => {
                for (name, count) in &map {
                    if let Some(count) = count_of::<D>(count)? {
                        out.insert(name.clone(), count);
                    }
                }
            }
        },
        Some(other) => {
            return Err(D::Error::custom(format!(
                "emojis: {other} is not an object"
            )))
        }
    }
    Ok(out)
}

fn count_of<'de, D: Deserializer<'de>>(value: &Value) -> Result<Option<i64>, D::Error> {
    if value.is_null() {
        return Ok(None);
    }
    as_whole(value)
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("count {value} is not a whole number")))
}

/// The arrays of a columnar object, when it is exactly one (same keys, same lengths).
fn columns<'a, const N: usize>(
    map: &'a serde_json::Map<String, Value>,
    keys: [&str; N],
) -> Option<[&'a Vec<Value>; N]> {
    if map.len() != N {
        return None;
    }
    let cols: Vec<&Vec<Value>> = keys
        .iter()
        .map(|k| map.get(*k).and_then(Value::as_array))
        .collect::<Option<_>>()?;
    let len = cols.first().map_or(0, |c| c.len());
    if cols.iter().any(|c| c.len() != len) {
        return None;
    }
    cols.try_into().ok()
}

/// `{"spam": {"value": 0.0, "count": 3}}`, or the columnar `{"name": [...], "value": [...],
/// "count": [...]}`, or null. A missing or null count is one value.
fn label_values<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, LabelValue>, D::Error> {
    let mut out = BTreeMap::new();
    let label = |name: &str,
                 value: &Value,
                 count: Option<&Value>|
     -> Result<Option<LabelValue>, D::Error> {
        if value.is_null() {
            return Ok(None);
        }
        let value = value
            .as_f64()
            .ok_or_else(|| D::Error::custom(format!("label {name}: {value} is not a number")))?;
        let count = match count {
            None => 1,
            Some(c) => count_of::<D>(c)?.unwrap_or(1),
        };
        Ok(Some(LabelValue { value, count }))
    };
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => match columns(&map, ["name", "value", "count"]) {
            Some([names, values, counts]) => {
                for ((name, value), count) in names.iter().zip(values).zip(counts) {
                    let name = name
                        .as_str()
                        .ok_or_else(|| D::Error::custom("a label name is not a string"))?;
                    if let Some(l) = label(name, value, Some(count))? {
                        out.insert(name.to_owned(), l);
                    }
                }
            }
            None => {
                for (name, entry) in &map {
                    let found = match entry {
                        Value::Object(fields) => label(
                            name,
                            fields.get("value").unwrap_or(&Value::Null),
                            fields.get("count"),
                        )?,
                        Value::Null => None,
                        number => label(name, number, None)?,
                    };
                    if let Some(l) = found {
                        out.insert(name.clone(), l);
                    }
                }
            }
        },
        Some(other) => {
            return Err(D::Error::custom(format!(
                "labels: {other} is not an object"
            )))
        }
    }
    Ok(out)
}

/// A tree read from the input, not yet checked.
struct Pending {
    line: usize,
    root: InNode,
    /// The id the file gives the tree, if any (it must be the prompt's).
    tree_id: Option<String>,
    origin: Option<String>,
}

/// One message of a checked tree, ready for the bulk insert.
struct Row {
    id: Uuid,
    parent: Option<Uuid>,
    depth: i32,
    role: Role,
    lang: String,
    text: String,
    author_key: String,
    created_at: OffsetDateTime,
    review_count: i32,
    review_result: Option<bool>,
    deleted: bool,
    synthetic: bool,
    model_name: Option<String>,
    rank: Option<i32>,
    children: i32,
    emojis: BTreeMap<String, i64>,
    labels: BTreeMap<String, LabelValue>,
    detoxify: Option<serde_json::Map<String, Value>>,
}

/// A tree that passed the checks.
struct Checked {
    line: usize,
    id: Uuid,
    lang: String,
    origin: Option<String>,
    rows: Vec<Row>,
    without_author: u64,
    without_date: u64,
}

fn parse_id(raw: &str) -> Result<Uuid, String> {
    Uuid::parse_str(raw.trim()).map_err(|_| format!("'{raw}' is not a UUID"))
}

fn parse_time(raw: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(raw, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{raw}Z"), &Rfc3339))
        .map_err(|_| format!("'{raw}' is not an RFC 3339 time"))
}

/// Checks a tree and flattens it, parents before children. The rules are those of any
/// conversation, not Grove's growth limits.
fn check(pending: Pending, now: OffsetDateTime) -> Result<Checked, String> {
    let Pending {
        line,
        root,
        tree_id,
        origin,
    } = pending;
    let id = parse_id(&root.message_id)?;
    if let Some(given) = tree_id.as_deref().filter(|t| !t.trim().is_empty()) {
        if parse_id(given)? != id {
            return Err("message_tree_id is not the prompt's message_id".to_owned());
        }
    }
    if root
        .parent_id
        .as_deref()
        .is_some_and(|p| !p.trim().is_empty())
    {
        return Err(format!("the prompt {id} has a parent"));
    }
    let lang = root
        .lang
        .clone()
        .filter(|l| !l.trim().is_empty())
        .ok_or_else(|| format!("the prompt {id} has no lang"))?;
    let tree_author = format!("tree:{id}");
    let mut checked = Checked {
        line,
        id,
        lang: lang.clone(),
        origin,
        rows: Vec::new(),
        without_author: 0,
        without_date: 0,
    };
    let mut seen = HashSet::new();
    let mut queue =
        std::collections::VecDeque::from([(root, None::<Uuid>, 0i32, Role::Prompter, lang)]);
    while let Some((node, parent, depth, role, parent_lang)) = queue.pop_front() {
        let id = parse_id(&node.message_id)?;
        if !seen.insert(id) {
            return Err(format!("message {id} appears twice"));
        }
        if Role::parse(&node.role).ok() != Some(role) {
            return Err(format!("message {id} should have role {role}"));
        }
        if let (Some(parent), Some(given)) = (parent, node.parent_id.as_deref()) {
            if parse_id(given)? != parent {
                return Err(format!("message {id} names the wrong parent"));
            }
        }
        if node.text.trim().is_empty() {
            return Err(format!("message {id} has no text"));
        }
        if node.text.contains('\0') {
            return Err(format!("message {id} has a NUL character in its text"));
        }
        if node.text.chars().count() > 100_000 {
            return Err(format!("message {id} is longer than 100,000 characters"));
        }
        let rank = match node.rank {
            Some(rank) => Some(
                i32::try_from(rank)
                    .ok()
                    .filter(|r| *r >= 0)
                    .ok_or_else(|| format!("message {id}: rank {rank} is not 0 or more"))?,
            ),
            None => None,
        };
        let created_at = match node
            .created_date
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(raw) => parse_time(raw).map_err(|e| format!("message {id}: {e}"))?,
            None => {
                checked.without_date += 1;
                now
            }
        };
        let author_key = match node
            .user_id
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(user) => user.to_owned(),
            None => {
                checked.without_author += 1;
                tree_author.clone()
            }
        };
        let lang = node
            .lang
            .clone()
            .filter(|l| !l.trim().is_empty())
            .unwrap_or(parent_lang);
        let detoxify = match node.detoxify {
            None | Some(Value::Null) => None,
            Some(Value::Object(scores)) => Some(scores),
            Some(other) => return Err(format!("message {id}: detoxify {other} is not an object")),
        };
        let replies = node.replies.unwrap_or_default();
        let children = replies.iter().filter(|r| r.deleted != Some(true)).count();
        for reply in replies {
            queue.push_back((reply, Some(id), depth + 1, role.reply_role(), lang.clone()));
        }
        checked.rows.push(Row {
            id,
            parent,
            depth,
            role,
            lang,
            text: node.text,
            author_key,
            created_at,
            review_count: i32::try_from(node.review_count.unwrap_or(0).max(0)).unwrap_or(i32::MAX),
            review_result: node.review_result,
            deleted: node.deleted.unwrap_or(false),
            synthetic: node.synthetic.unwrap_or(false),
            model_name: node.model_name.filter(|m| !m.is_empty()),
            rank,
            children: i32::try_from(children).unwrap_or(i32::MAX),
            emojis: node.emojis,
            labels: node.labels,
            detoxify,
        });
    }
    Ok(checked)
}

/// Reads the input's records: (line, JSON) in order. A first line that is not JSON by itself
/// means the whole input is one JSON document (a tree, a node, or a list of them).
fn records(input: impl BufRead) -> impl Iterator<Item = Result<(usize, Value), Error>> {
    let mut lines = input.lines().enumerate();
    let mut whole: Option<std::vec::IntoIter<(usize, Value)>> = None;
    let mut first = true;
    std::iter::from_fn(move || loop {
        if let Some(items) = whole.as_mut() {
            return items.next().map(Ok);
        }
        let (index, line) = lines.next()?;
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => return Some(Err(bad(number, format!("unreadable: {e}")))),
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(value) => {
                first = false;
                return Some(Ok((number, value)));
            }
            Err(error) if first => {
                // one JSON document over many lines
                let mut text = line;
                for (index, rest) in lines.by_ref() {
                    match rest {
                        Ok(rest) => {
                            text.push('\n');
                            text.push_str(&rest);
                        }
                        Err(e) => return Some(Err(bad(index + 1, format!("unreadable: {e}")))),
                    }
                }
                let document: Value = match serde_json::from_str(&text) {
                    Ok(document) => document,
                    Err(_) => return Some(Err(bad(number, error))),
                };
                let items = match document {
                    Value::Array(items) => items,
                    single => vec![single],
                };
                whole = Some(
                    items
                        .into_iter()
                        .map(|item| (number, item))
                        .collect::<Vec<_>>()
                        .into_iter(),
                );
            }
            Err(error) => return Some(Err(bad(number, error))),
        }
    })
}

/// A tree record, or a reason it is not one.
fn pending_tree(line: usize, value: Value, form: ImportForm) -> Result<Pending, String> {
    match form {
        ImportForm::Trees => {
            let tree: InTree = serde_json::from_value(value).map_err(|e| e.to_string())?;
            Ok(Pending {
                line,
                root: tree.prompt,
                tree_id: tree.message_tree_id,
                origin: tree.origin,
            })
        }
        _ => {
            let root: InNode = serde_json::from_value(value).map_err(|e| e.to_string())?;
            Ok(Pending {
                line,
                tree_id: root.message_tree_id.clone(),
                root,
                origin: None,
            })
        }
    }
}

/// Flat messages assembled into trees, in the order their prompts came; messages whose tree
/// cannot be assembled make that tree bad (reported at its first line).
fn assemble(messages: Vec<(usize, InNode)>) -> Vec<Result<Pending, (usize, String)>> {
    // a message id given twice: the children go under the last copy, and the tree with both
    // is refused by the checks ("appears twice")
    let by_id: HashMap<String, usize> = messages
        .iter()
        .enumerate()
        .map(|(index, (_, node))| (node.message_id.trim().to_lowercase(), index))
        .collect();
    let parent_of = |node: &InNode| -> Option<String> {
        node.parent_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_lowercase)
    };
    // each message's root: follow parents (a cycle or a missing parent has none)
    let root_of: Vec<Result<usize, String>> = messages
        .iter()
        .enumerate()
        .map(|(index, (_, node))| {
            let (mut at, mut node, mut steps) = (index, node, 0);
            loop {
                let Some(parent) = parent_of(node) else {
                    return Ok(at);
                };
                let Some(&next) = by_id.get(&parent) else {
                    return Err(format!("parent {parent} is not in the file"));
                };
                steps += 1;
                if steps > messages.len() {
                    return Err("its parents form a cycle".to_owned());
                }
                at = next;
                node = messages.get(next).map_or(node, |(_, n)| n);
            }
        })
        .collect();
    // group under roots, in file order; children in file order
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots: Vec<usize> = Vec::new();
    let mut broken: BTreeMap<usize, (usize, String)> = BTreeMap::new();
    for (index, ((line, node), root)) in messages.iter().zip(&root_of).enumerate() {
        match root {
            Ok(root) if *root == index => roots.push(index),
            Ok(_) => {
                if let Some(parent) = parent_of(node).and_then(|p| by_id.get(&p)) {
                    children.entry(*parent).or_default().push(index);
                }
            }
            Err(reason) => {
                // a tree named by the file, else a tree of its own
                let key = node
                    .message_tree_id
                    .as_deref()
                    .and_then(|t| by_id.get(&t.trim().to_lowercase()).copied())
                    .unwrap_or(index);
                broken
                    .entry(key)
                    .or_insert_with(|| (*line, format!("message {}: {reason}", node.message_id)));
            }
        }
    }
    let lines: Vec<usize> = messages.iter().map(|(line, _)| *line).collect();
    let mut slots: Vec<Option<InNode>> = messages.into_iter().map(|(_, n)| Some(n)).collect();
    fn build(
        at: usize,
        slots: &mut [Option<InNode>],
        children: &HashMap<usize, Vec<usize>>,
    ) -> InNode {
        let mut node = slots
            .get_mut(at)
            .and_then(Option::take)
            .unwrap_or_else(unreachable_node);
        let replies: Vec<InNode> = children
            .get(&at)
            .map(|kids| kids.iter().map(|k| build(*k, slots, children)).collect())
            .unwrap_or_default();
        node.replies = Some(replies);
        node
    }
    let mut out = Vec::new();
    for root in roots {
        let line = lines.get(root).copied().unwrap_or_default();
        if let Some((_, reason)) = broken.remove(&root) {
            out.push(Err((line, reason)));
            continue;
        }
        let node = build(root, &mut slots, &children);
        out.push(Ok(Pending {
            line,
            tree_id: node.message_tree_id.clone(),
            root: node,
            origin: None,
        }));
    }
    out.extend(broken.into_values().map(Err));
    out
}

/// A placeholder for a node taken twice (a message listed as its own ancestor cannot be: the
/// cycle check refuses it first).
fn unreachable_node() -> InNode {
    InNode {
        message_id: String::new(),
        parent_id: None,
        user_id: None,
        created_date: None,
        text: String::new(),
        role: String::new(),
        lang: None,
        review_count: None,
        review_result: None,
        deleted: None,
        rank: None,
        synthetic: None,
        model_name: None,
        emojis: BTreeMap::new(),
        labels: BTreeMap::new(),
        replies: None,
        message_tree_id: None,
        detoxify: None,
    }
}

/// Grove's own reactions among the emojis; the rest are kept as they came.
const COUNTED: [&str; 4] = ["+1", "-1", "red_flag", "_skip_reply"];

/// How a batch of trees goes in: the shared settings of every batch.
#[derive(Clone)]
struct Writer {
    pool: sqlx::PgPool,
    state: TreeState,
    origin: String,
    limits: [i32; 4],
    dry_run: bool,
    skip_bad: bool,
}

/// What a batch's transaction did, before its commit.
#[derive(Default)]
struct Outcome {
    trees: u64,
    messages: u64,
    present: u64,
    without_author: u64,
    without_date: u64,
    bad: Vec<BadTree>,
    /// The bad tree that stops the import (without `skip_bad`); the trees before it commit.
    stop: Option<Error>,
}

/// A batch being written: its outcome comes first, then it waits for the word to commit (or
/// to roll back), so that batches commit in file order.
struct Running {
    outcome: tokio::sync::oneshot::Receiver<Result<Outcome, Error>>,
    go: tokio::sync::oneshot::Sender<bool>,
    done: tokio::task::JoinHandle<Result<(), Error>>,
}

impl Writer {
    /// Starts writing `trees` (checked, in file order) on a connection of its own.
    fn start(&self, trees: Vec<Checked>) -> Running {
        let (outcome_tx, outcome) = tokio::sync::oneshot::channel();
        let (go, go_rx) = tokio::sync::oneshot::channel::<bool>();
        let writer = self.clone();
        let done = tokio::spawn(async move {
            let tx = match writer.prepare(&trees).await {
                Ok((tx, result)) => {
                    let _ = outcome_tx.send(Ok(result));
                    tx
                }
                Err(error) => {
                    let _ = outcome_tx.send(Err(error));
                    return Ok(());
                }
            };
            // a dropped sender (the import ended early) rolls back too
            if go_rx.await.unwrap_or(false) && !writer.dry_run {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok(())
        });
        Running { outcome, go, done }
    }

    /// A bad tree: reported (with `skip_bad`) or the stop of the import.
    fn refuse(&self, outcome: &mut Outcome, line: usize, reason: String) -> bool {
        if self.skip_bad {
            outcome.bad.push(BadTree { line, reason });
            true
        } else {
            outcome.stop = Some(bad(line, reason));
            false
        }
    }

    /// Everything but the commit.
    async fn prepare(
        &self,
        trees: &[Checked],
    ) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, Outcome), Error> {
        let mut outcome = Outcome::default();
        // trees already here are skipped; a message already here makes its tree bad
        let ids: Vec<Uuid> = trees.iter().map(|t| t.id).collect();
        let mut conn = self.pool.acquire().await?;
        let present: HashSet<Uuid> = bulk::present_trees(&mut conn, &ids)
            .await?
            .into_iter()
            .collect();
        let fresh: Vec<&Checked> = trees.iter().filter(|t| !present.contains(&t.id)).collect();
        outcome.present = (trees.len() - fresh.len()) as u64;
        let message_ids: Vec<Uuid> = fresh
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| r.id))
            .collect();
        let taken: HashSet<Uuid> = bulk::present_messages(&mut conn, &message_ids)
            .await?
            .into_iter()
            .collect();
        let mut kept: Vec<&Checked> = Vec::with_capacity(fresh.len());
        for tree in fresh {
            match tree.rows.iter().find(|r| taken.contains(&r.id)) {
                Some(row) => {
                    let reason = format!("message {} is already in Grove, in another tree", row.id);
                    if !self.refuse(&mut outcome, tree.line, reason) {
                        break;
                    }
                }
                None => kept.push(tree),
            }
        }
        // the authors first, committed on their own (hidden accounts), so that batches in
        // flight together never wait on each other's new authors; a dry run keeps them in
        drop(conn);
        let mut keys: Vec<String> = kept
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| r.author_key.clone()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut tx = self.pool.begin().await?;
        let authors = if self.dry_run {
            bulk::authors(&mut tx, &keys).await?
        } else {
            let mut own = self.pool.begin().await?;
            let authors = bulk::authors(&mut own, &keys).await?;
            own.commit().await?;
            authors
        };
        // all at once; if the database refuses, tree by tree to find the one it refuses
        let mut inserted: Vec<&Checked> = Vec::new();
        let mut whole = tx.begin().await?;
        match self.insert(&mut whole, &kept, &authors).await {
            Ok(()) => {
                whole.commit().await?;
                inserted = kept;
            }
            // a statement Postgres refused (a constraint, a check), not a lost connection
            Err(Error::Database(error)) if error.as_database_error().is_some() => {
                whole.rollback().await?;
                for tree in kept {
                    let mut one = tx.begin().await?;
                    match self.insert(&mut one, &[tree], &authors).await {
                        Ok(()) => {
                            one.commit().await?;
                            inserted.push(tree);
                        }
                        Err(Error::Database(error)) if error.as_database_error().is_some() => {
                            one.rollback().await?;
                            let reason = error
                                .as_database_error()
                                .map_or_else(|| error.to_string(), |d| d.message().to_owned());
                            let reason = format!("the database refused the tree: {reason}");
                            if !self.refuse(&mut outcome, tree.line, reason) {
                                break;
                            }
                        }
                        Err(other) => return Err(other),
                    }
                }
            }
            Err(other) => return Err(other),
        }
        for tree in inserted {
            outcome.trees += 1;
            outcome.messages += tree.rows.len() as u64;
            outcome.without_author += tree.without_author;
            outcome.without_date += tree.without_date;
        }
        Ok((tx, outcome))
    }

    /// Writes trees in a handful of statements.
    async fn insert(
        &self,
        conn: &mut PgConnection,
        trees: &[&Checked],
        authors: &HashMap<String, Uuid>,
    ) -> Result<(), Error> {
        if trees.is_empty() {
            return Ok(());
        }
        let mut tree_columns = TreeColumns::default();
        let mut m = MessageColumns::default();
        let mut labels = LabelColumns::default();
        for tree in trees {
            tree_columns.id.push(tree.id);
            tree_columns.lang.push(tree.lang.clone());
            tree_columns
                .origin
                .push(tree.origin.clone().unwrap_or_else(|| self.origin.clone()));
            for row in &tree.rows {
                let author = authors
                    .get(&row.author_key)
                    .copied()
                    .ok_or_else(|| Error::Internal(format!("no account for {}", row.author_key)))?;
                let count = |code: &str| {
                    i32::try_from(row.emojis.get(code).copied().unwrap_or(0).max(0))
                        .unwrap_or(i32::MAX)
                };
                let extra: serde_json::Map<String, Value> = row
                    .emojis
                    .iter()
                    .filter(|(code, count)| !COUNTED.contains(&code.as_str()) && **count > 0)
                    .map(|(code, count)| (code.clone(), Value::from(*count)))
                    .collect();
                m.id.push(row.id);
                m.tree.push(tree.id);
                m.parent.push(row.parent.unwrap_or(Uuid::nil()));
                m.author.push(author);
                m.role.push(row.role.as_str().to_owned());
                m.depth.push(row.depth);
                m.lang.push(row.lang.clone());
                m.text.push(row.text.clone());
                m.deleted.push(row.deleted);
                m.synthetic.push(row.synthetic);
                m.model_name
                    .push(row.model_name.clone().unwrap_or_default());
                m.review_count.push(row.review_count);
                m.review_result.push(match row.review_result {
                    None => -1,
                    Some(false) => 0,
                    Some(true) => 1,
                });
                m.rank.push(row.rank.unwrap_or(-1));
                m.created_at.push(row.created_at);
                m.children.push(row.children);
                m.thumbs_up.push(count("+1"));
                m.thumbs_down.push(count("-1"));
                m.red_flags.push(count("red_flag"));
                m.skips.push(count("_skip_reply"));
                m.extra_emojis.push(if extra.is_empty() {
                    String::new()
                } else {
                    Value::Object(extra).to_string()
                });
                m.detoxify.push(
                    row.detoxify
                        .as_ref()
                        .map(|scores| Value::Object(scores.clone()).to_string())
                        .unwrap_or_default(),
                );
                for (name, label) in &row.labels {
                    labels.message.push(row.id);
                    labels.name.push(name.clone());
                    labels.value.push(label.value);
                    labels
                        .count
                        .push(i32::try_from(label.count.max(1)).unwrap_or(i32::MAX));
                }
            }
        }
        bulk::insert_trees(&mut *conn, &tree_columns, self.state.as_str(), self.limits).await?;
        bulk::insert_messages(&mut *conn, &m).await?;
        bulk::insert_labels(&mut *conn, &labels).await
    }
}

/// Reads, checks and hands batches to the writer: while one batch is written, the next is
/// read and checked (and written too, committing only after the one before it did), so the
/// reading and both cores of the database work at once.
struct Importer {
    writer: Writer,
    report: ImportReport,
    batch: Vec<Pending>,
    batch_messages: usize,
    now: OffsetDateTime,
    running: Option<Running>,
}

impl Importer {
    async fn push(&mut self, pending: Pending) -> Result<(), Error> {
        self.batch_messages += count_nodes(&pending.root);
        self.batch.push(pending);
        if self.batch.len() >= BATCH_TREES || self.batch_messages >= BATCH_MESSAGES {
            self.flush().await?;
        }
        Ok(())
    }

    /// A bad record outside any batch: reported, or the end of the import once the trees
    /// before it are in.
    async fn refuse(&mut self, line: usize, reason: String) -> Result<(), Error> {
        if self.writer.skip_bad {
            self.report.bad.push(BadTree { line, reason });
            return Ok(());
        }
        self.finish().await?;
        Err(bad(line, reason))
    }

    /// Checks the batch and starts writing it; the batch before it is committed meanwhile.
    async fn flush(&mut self) -> Result<(), Error> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_messages = 0;
        if batch.is_empty() {
            return Ok(());
        }
        // a bad tree without skip_bad ends the import after the trees before it
        let mut good = Vec::with_capacity(batch.len());
        let mut stop = None;
        for pending in batch {
            let line = pending.line;
            match check(pending, self.now) {
                Ok(tree) => good.push(tree),
                Err(reason) if self.writer.skip_bad => {
                    self.report.bad.push(BadTree { line, reason });
                }
                Err(reason) => {
                    stop = Some(bad(line, reason));
                    break;
                }
            }
        }
        let next = self.writer.start(good);
        if let Some(before) = self.running.take() {
            if let Err(error) = self.settle(before).await {
                let _ = next.go.send(false);
                let _ = next.done.await;
                return Err(error);
            }
        }
        match stop {
            Some(error) => {
                self.settle(next).await?;
                Err(error)
            }
            None => {
                self.running = Some(next);
                Ok(())
            }
        }
    }

    /// Commits a running batch once its outcome is known, and counts it.
    async fn settle(&mut self, running: Running) -> Result<(), Error> {
        let outcome = match running.outcome.await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(error)) => {
                let _ = running.done.await;
                return Err(error);
            }
            Err(_) => {
                return Err(match running.done.await {
                    Ok(Err(error)) => error,
                    _ => Error::Internal("an import batch ended unexpectedly".to_owned()),
                })
            }
        };
        let _ = running.go.send(true);
        running
            .done
            .await
            .map_err(|e| Error::Internal(format!("import batch: {e}")))??;
        self.report.trees += outcome.trees;
        self.report.messages += outcome.messages;
        self.report.present += outcome.present;
        self.report.without_author += outcome.without_author;
        self.report.without_date += outcome.without_date;
        self.report.bad.extend(outcome.bad);
        outcome.stop.map_or(Ok(()), Err)
    }

    /// Writes what is left and waits for it.
    async fn finish(&mut self) -> Result<(), Error> {
        self.flush().await?;
        match self.running.take() {
            Some(running) => self.settle(running).await,
            None => Ok(()),
        }
    }
}

fn count_nodes(node: &InNode) -> usize {
    1 + node
        .replies
        .iter()
        .flatten()
        .map(count_nodes)
        .sum::<usize>()
}

impl Engine {
    /// Reads trees in any of the forms of the module documentation and inserts them by
    /// batches, each tree whole.
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
        let limits = self.config.limits();
        let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let mut importer = Importer {
            writer: Writer {
                pool: self.pool.clone(),
                state: options.state,
                origin: options.origin.clone(),
                limits: [
                    as_i32(limits.goal_tree_size),
                    as_i32(limits.max_depth),
                    as_i32(limits.max_children_count),
                    as_i32(limits.num_prompter_replies),
                ],
                dry_run: options.dry_run,
                skip_bad: options.skip_bad,
            },
            report: ImportReport {
                dry_run: options.dry_run,
                form: options.form,
                ..ImportReport::default()
            },
            batch: Vec::new(),
            batch_messages: 0,
            now: OffsetDateTime::now_utc(),
            running: None,
        };
        let mut form = options.form;
        // flat messages are gathered until the end: a tree is whole only then
        let mut flat: Vec<(usize, InNode)> = Vec::new();
        for record in records(input) {
            let (line, value) = record?;
            if form == ImportForm::Auto {
                form = ImportForm::of(&value);
                importer.report.form = form;
            }
            if form == ImportForm::Messages {
                match serde_json::from_value::<InNode>(value) {
                    Ok(node) => flat.push((line, node)),
                    Err(error) => importer.refuse(line, error.to_string()).await?,
                }
                continue;
            }
            match pending_tree(line, value, form) {
                Ok(pending) => importer.push(pending).await?,
                Err(reason) => importer.refuse(line, reason).await?,
            }
        }
        for tree in assemble(flat) {
            match tree {
                Ok(pending) => importer.push(pending).await?,
                Err((line, reason)) => importer.refuse(line, reason).await?,
            }
        }
        importer.finish().await?;
        Ok(importer.report)
    }
}

#[cfg(test)]
mod tests;
