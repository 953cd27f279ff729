//! Imports against Postgres: every form of the releases, every oddity they hold, the round
//! trip back out, idempotency, and bad trees with and without `skip_bad`.

use super::*;
use crate::export::{ExportFormat, ExportOptions};
use serde_json::json;
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;

fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A tree with every field and every oddity: nulls, missing fields, all emoji kinds, labels,
/// a duplicate author under one parent, deeper and wider than Grove's limits. `base` makes
/// its ids unique.
fn odd_tree(base: u32) -> Value {
    let prompt = id(base);
    let mut replies = Vec::new();
    // six assistant replies (wider than the default limit), two by the same author
    for r in 1..=6u32 {
        let reply = id(base + r);
        let follow = json!({
            "message_id": id(base + 10 + r), "parent_id": reply, "text": format!("Follow-up {r}"),
            "role": "prompter", "lang": "en", "user_id": null, "created_date": null,
            "emojis": null, "labels": null, "rank": null, "review_count": null,
            "deleted": null, "synthetic": null, "model_name": null, "detoxify": null,
        });
        let mut node = json!({
            "message_id": reply, "parent_id": prompt,
            "user_id": if r <= 2 { "same-author".to_owned() } else { format!("author-{r}") },
            "created_date": "2023-02-05T14:23:50.983374+00:00",
            "text": format!("Reply {r}"), "role": "assistant", "lang": "en",
            "review_count": 3, "review_result": r != 6, "deleted": r == 5, "rank": r - 1,
            "synthetic": false, "model_name": null,
            "emojis": {"+1": r, "-1": 1, "red_flag": 0, "_skip_reply": 2, "_skip_labeling": 1,
                       "_skip_ranking": 3, "heart": 4},
            "labels": {"spam": {"value": 0.0, "count": 3}, "quality": {"value": 0.625, "count": 2}},
            "detoxify": {"toxicity": 0.000_5 * f64::from(r), "insult": 0.25},
            "replies": [follow],
        });
        if r == 1 {
            // deeper than the default limit: ten more turns under the first reply
            let mut chain = Vec::new();
            let mut parent = id(base + 11);
            for d in 0..10u32 {
                let me = id(base + 100 + d);
                chain.push((
                    me.clone(),
                    parent.clone(),
                    if d % 2 == 0 { "assistant" } else { "prompter" },
                ));
                parent = me;
            }
            let mut deep: Option<Value> = None;
            for (me, parent, role) in chain.into_iter().rev() {
                deep = Some(json!({
                    "message_id": me, "parent_id": parent, "text": format!("Turn {me}"),
                    "role": role, "lang": "en", "review_count": 0,
                    "replies": deep.take().map(|d| vec![d]).unwrap_or_default(),
                }));
            }
            node["replies"][0]["replies"] = json!([deep]);
        }
        replies.push(node);
    }
    json!({
        "message_tree_id": prompt, "tree_state": "ready_for_export",
        "prompt": {
            "message_id": prompt, "parent_id": null, "user_id": null,
            "text": "How do I keep basil alive?", "role": "prompter", "lang": "en",
            "review_count": 3, "review_result": true, "deleted": false, "rank": null,
            "synthetic": false, "model_name": null, "emojis": {"+1": 7}, "labels": {},
            "replies": replies,
        }
    })
}

/// The messages of a tree, flat, as a release's messages file has them.
fn flatten(node: &Value, tree: &str, out: &mut Vec<Value>) {
    let mut flat = node.clone();
    let replies = flat
        .as_object_mut()
        .and_then(|o| o.remove("replies"))
        .unwrap_or(Value::Null);
    flat["message_tree_id"] = json!(tree);
    flat["tree_state"] = json!("ready_for_export");
    out.push(flat);
    for reply in replies.as_array().into_iter().flatten() {
        flatten(reply, tree, out);
    }
}

async fn export(engine: &Engine, format: ExportFormat) -> Result<Vec<Value>, Error> {
    let mut options = ExportOptions::new(format);
    options.states = Vec::new();
    options.include_deleted = true;
    options.include_spam = true;
    options.include_synthetic = true;
    let mut cursor = engine.export(options);
    let mut out = Vec::new();
    while let Some(chunk) = cursor.next_chunk().await? {
        out.extend(chunk);
    }
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Every message of a tree file's trees (or a messages file), by id.
fn by_id(records: &[Value]) -> BTreeMap<String, Value> {
    fn walk(node: &Value, out: &mut BTreeMap<String, Value>) {
        out.insert(
            node["message_id"].as_str().unwrap_or_default().to_owned(),
            node.clone(),
        );
        for reply in node["replies"].as_array().into_iter().flatten() {
            walk(reply, out);
        }
    }
    let mut out = BTreeMap::new();
    for record in records {
        walk(
            if record.get("prompt").is_some() {
                &record["prompt"]
            } else {
                record
            },
            &mut out,
        );
    }
    out
}

/// The differences between a source message and its export, field by field, except the
/// documented ones (pseudonymous `user_id`; `created_date` where the source has none).
fn differences(source: &Value, exported: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let or_null = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    for key in [
        "parent_id",
        "text",
        "role",
        "lang",
        "rank",
        "model_name",
        "detoxify",
    ] {
        if or_null(source, key) != or_null(exported, key) {
            out.push(format!(
                "{key}: {} vs {}",
                or_null(source, key),
                or_null(exported, key)
            ));
        }
    }
    let flag = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    for key in ["deleted", "synthetic"] {
        if flag(source, key) != flag(exported, key) {
            out.push(format!("{key} differs"));
        }
    }
    let count = |v: &Value| v.get("review_count").and_then(Value::as_i64).unwrap_or(0);
    if count(source) != count(exported) {
        out.push("review_count differs".to_owned());
    }
    if or_null(source, "review_result") != or_null(exported, "review_result") {
        out.push("review_result differs".to_owned());
    }
    if let Some(date) = source.get("created_date").and_then(Value::as_str) {
        let parse = |d: &str| OffsetDateTime::parse(d, &Rfc3339).ok();
        if parse(date) != exported["created_date"].as_str().and_then(parse) {
            out.push(format!(
                "created_date: {date} vs {}",
                exported["created_date"]
            ));
        }
    }
    let emojis = |v: &Value| -> BTreeMap<String, i64> {
        v.get("emojis")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, c)| c.as_i64().filter(|c| *c > 0).map(|c| (k.clone(), c)))
                    .collect()
            })
            .unwrap_or_default()
    };
    if emojis(source) != emojis(exported) {
        out.push(format!(
            "emojis: {:?} vs {:?}",
            emojis(source),
            emojis(exported)
        ));
    }
    let labels = |v: &Value| {
        v.get("labels")
            .filter(|l| !l.is_null())
            .cloned()
            .unwrap_or(json!({}))
    };
    if labels(source) != labels(exported) {
        out.push(format!(
            "labels: {} vs {}",
            labels(source),
            labels(exported)
        ));
    }
    out
}

fn assert_round_trip(source: &BTreeMap<String, Value>, exported: &BTreeMap<String, Value>) {
    assert_eq!(source.len(), exported.len(), "every message comes back");
    for (id, message) in source {
        let back = exported.get(id).unwrap_or(&Value::Null);
        assert_eq!(
            differences(message, back),
            Vec::<String>::new(),
            "message {id}"
        );
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn every_form_imports_every_oddity_and_exports_it_back(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::new(pool.clone());
    let trees = [odd_tree(1000), odd_tree(2000)];
    let source = by_id(&trees);

    // a tree file
    let file: String = trees.iter().map(|t| format!("{t}\n")).collect();
    let report = engine
        .import_trees(
            file.as_bytes(),
            ImportOptions::new(TreeState::ReadyForExport, "test"),
        )
        .await?;
    assert_eq!(report.form, ImportForm::Trees);
    assert_eq!((report.trees, report.messages), (2, source.len() as u64));
    // the prompt, every follow-up and every deep turn have neither author nor date
    assert_eq!(report.without_author, 2 * (1 + 6 + 10));
    assert_eq!(report.without_date, 2 * (1 + 6 + 10));
    assert_round_trip(
        &source,
        &by_id(&export(&engine, ExportFormat::Trees).await?),
    );
    assert_round_trip(
        &source,
        &by_id(&export(&engine, ExportFormat::Messages).await?),
    );
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());

    // the same file again: nothing new, every tree counted as present
    let again = engine
        .import_trees(
            file.as_bytes(),
            ImportOptions::new(TreeState::ReadyForExport, "test"),
        )
        .await?;
    assert_eq!((again.trees, again.present), (0, 2));

    // the missing authors: one imported author per tree, not one for all
    let authors = sqlx::query_scalar!(
        r#"select count(distinct user_id) as "n!" from message
           where message_tree_id = any($1) and parent_id is not null and role = 'prompter' and depth = 2"#,
        &[Uuid::parse_str(&id(1000)).unwrap_or_default(), Uuid::parse_str(&id(2000)).unwrap_or_default()],
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(authors, 2);
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn flat_messages_bare_trees_and_columnar_copies_import_too(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::new(pool.clone());
    let options = || ImportOptions::new(TreeState::ReadyForExport, "test");

    // flat messages, shuffled, one tree without message_tree_id
    let tree = odd_tree(3000);
    let mut flat = Vec::new();
    flatten(&tree["prompt"], &id(3000), &mut flat);
    flat.reverse();
    let second = odd_tree(4000);
    let mut more = Vec::new();
    flatten(&second["prompt"], &id(4000), &mut more);
    for message in &mut more {
        message.as_object_mut().map(|m| m.remove("message_tree_id"));
    }
    flat.extend(more);
    let text: String = flat.iter().map(|m| format!("{m}\n")).collect();
    let report = engine.import_trees(text.as_bytes(), options()).await?;
    assert_eq!(report.form, ImportForm::Messages);
    assert_eq!(report.trees, 2);
    let mut source = by_id(&[tree, second]);
    assert_round_trip(
        &source,
        &by_id(&export(&engine, ExportFormat::Trees).await?),
    );

    // a bare tree (the prompt node), as one pretty-printed document
    let bare = odd_tree(5000)["prompt"].clone();
    let pretty = serde_json::to_string_pretty(&bare).unwrap_or_default();
    let report = engine.import_trees(pretty.as_bytes(), options()).await?;
    assert_eq!((report.form, report.trees), (ImportForm::Tree, 1));
    source.extend(by_id(&[bare]));

    // a Hugging Face copy: columnar emojis and labels, ranks as floats
    let mut hf = Vec::new();
    flatten(&odd_tree(6000)["prompt"], &id(6000), &mut hf);
    let expected = by_id(&hf);
    for message in &mut hf {
        let emojis = message["emojis"].as_object().cloned().unwrap_or_default();
        message["emojis"] = json!({
            "name": emojis.keys().collect::<Vec<_>>(),
            "count": emojis.values().collect::<Vec<_>>(),
        });
        let labels = message["labels"].as_object().cloned().unwrap_or_default();
        message["labels"] = json!({
            "name": labels.keys().collect::<Vec<_>>(),
            "value": labels.values().map(|l| l["value"].clone()).collect::<Vec<_>>(),
            "count": labels.values().map(|l| l["count"].clone()).collect::<Vec<_>>(),
        });
        if let Some(rank) = message["rank"].as_i64() {
            message["rank"] = json!(rank as f64);
        }
    }
    let text: String = hf.iter().map(|m| format!("{m}\n")).collect();
    let report = engine
        .import_trees(
            text.as_bytes(),
            ImportOptions {
                form: ImportForm::Messages,
                ..options()
            },
        )
        .await?;
    assert_eq!(report.trees, 1);
    source.extend(expected);
    assert_round_trip(
        &source,
        &by_id(&export(&engine, ExportFormat::Messages).await?),
    );
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_bad_tree_stops_the_import_or_is_skipped_and_reported(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::new(pool.clone());
    let mut broken = odd_tree(8000);
    broken["prompt"]["replies"][0]["role"] = json!("prompter");
    let file = format!("{}\n{}\n{}\n", odd_tree(7000), broken, odd_tree(9000));

    let error = engine
        .import_trees(
            file.as_bytes(),
            ImportOptions::new(TreeState::ReadyForExport, "test"),
        )
        .await
        .err()
        .map(|e| (e.code(), e.to_string()));
    assert_eq!(error.as_ref().map(|e| e.0), Some("invalid_record"));
    assert!(
        error
            .as_ref()
            .is_some_and(|e| e.1.starts_with("line 2:") && e.1.contains("role")),
        "{error:?}"
    );
    // the tree before the bad one is in, whole; the one after is not
    let trees = sqlx::query_scalar!(r#"select count(*) as "n!" from message_tree"#)
        .fetch_one(&pool)
        .await?;
    assert_eq!(trees, 1);

    let report = engine
        .import_trees(
            file.as_bytes(),
            ImportOptions {
                skip_bad: true,
                ..ImportOptions::new(TreeState::ReadyForExport, "test")
            },
        )
        .await?;
    assert_eq!((report.trees, report.present), (1, 1));
    assert_eq!(report.bad.len(), 1);
    assert_eq!(report.bad[0].line, 2);

    // null where a value must be, and a message another tree holds: reported, never internal
    let mut taken = odd_tree(10_000);
    taken["prompt"]["replies"][0]["message_id"] = json!(id(7001));
    taken["prompt"]["replies"][0]["replies"][0]["parent_id"] = json!(id(7001));
    let nothing = json!({"message_tree_id": id(11_000), "prompt": {"message_id": id(11_000), "role": "prompter", "text": null}});
    let file = format!("{taken}\n{nothing}\n");
    let report = engine
        .import_trees(
            file.as_bytes(),
            ImportOptions {
                skip_bad: true,
                ..ImportOptions::new(TreeState::ReadyForExport, "test")
            },
        )
        .await?;
    assert_eq!(report.trees, 0);
    let reason = |line: usize| {
        report
            .bad
            .iter()
            .find(|b| b.line == line)
            .map(|b| b.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason(1).contains("already in Grove"), "{:?}", report.bad);
    assert!(reason(2).contains("null"), "{:?}", report.bad);
    Ok(())
}

#[test]
fn numbers_counts_and_columns_are_read_leniently() {
    let node: InNode = serde_json::from_value(json!({
        "message_id": id(1), "text": "x", "role": "prompter",
        "rank": 2.0, "review_count": null,
        "emojis": {"name": ["+1", "_skip_ranking"], "count": [3, 1]},
        "labels": {"name": ["spam"], "value": [0.5], "count": [null]},
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(node.rank, Some(2));
    assert_eq!(node.review_count, None);
    assert_eq!(node.emojis.get("_skip_ranking"), Some(&1));
    assert_eq!(
        node.labels.get("spam").map(|l| (l.value, l.count)),
        Some((0.5, 1))
    );
    let fraction = serde_json::from_value::<InNode>(json!({
        "message_id": id(1), "text": "x", "role": "prompter", "rank": 1.5,
    }));
    assert!(fraction.is_err());
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn batches_commit_in_file_order_and_a_bad_tree_stops_after_the_ones_before(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::new(pool.clone());
    // 1,200 two-message trees: three batches; the 700th tree (in the second) is bad
    let file: String = (0..1200u32)
        .map(|n| {
            let prompt = id(100_000 + 2 * n);
            let reply_role = if n == 699 { "prompter" } else { "assistant" };
            let tree = json!({
                "message_tree_id": prompt,
                "prompt": {"message_id": prompt, "text": format!("Prompt {n}"), "role": "prompter", "lang": "en",
                           "replies": [{"message_id": id(100_001 + 2 * n), "parent_id": prompt,
                                        "text": "A reply", "role": reply_role, "lang": "en"}]},
            });
            format!("{tree}\n")
        })
        .collect();
    let options = || ImportOptions::new(TreeState::ReadyForExport, "test");
    let error = engine
        .import_trees(file.as_bytes(), options())
        .await
        .err()
        .map(|e| e.to_string());
    assert!(
        error.as_deref().is_some_and(|e| e.starts_with("line 700:")),
        "{error:?}"
    );
    let trees = sqlx::query_scalar!(r#"select count(*) as "n!" from message_tree"#)
        .fetch_one(&pool)
        .await?;
    assert_eq!(trees, 699);

    // again, skipping the bad one: the 699 are present, the 500 after it go in
    let report = engine
        .import_trees(
            file.as_bytes(),
            ImportOptions {
                skip_bad: true,
                ..options()
            },
        )
        .await?;
    assert_eq!(
        (report.present, report.trees, report.bad.len()),
        (699, 500, 1)
    );
    assert_eq!(report.bad.first().map(|b| b.line), Some(700));
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}
