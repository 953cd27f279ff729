//! Exports and imports against Postgres: the round trip, the pair and SFT shapes, filters,
//! pseudonyms, splits, and import errors.

use super::{schema::ExportTree, ExportFormat, ExportOptions, Split, SplitPart};
use crate::{import::ImportOptions, simulate::Simulation, Engine, Error, TreeConfig};
use domain::tree::TreeState;
use serde_json::Value;
use sqlx::PgPool;
use std::collections::HashMap;

async fn grown(pool: &PgPool, trees: usize) -> Result<Engine, Error> {
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            goal_tree_size: 6,
            ..TreeConfig::default()
        },
    );
    engine
        .simulate(Simulation {
            users: 10,
            trees,
            spammer_share: 0.1,
            seed: 3,
            ..Simulation::default()
        })
        .await?;
    Ok(engine)
}

async fn export(engine: &Engine, options: ExportOptions) -> Result<String, Error> {
    let mut cursor = engine.export(options);
    let mut out = Vec::new();
    while let Some(chunk) = cursor.next_chunk().await? {
        out.extend(chunk);
    }
    String::from_utf8(out).map_err(|e| Error::Internal(e.to_string()))
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect()
}

/// Replaces pseudonyms by their order of first appearance, and rounds label means, so two
/// exports compare on everything else.
fn normalise(text: &str) -> String {
    fn walk(value: &mut Value, seen: &mut HashMap<String, usize>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(user)) = map.get("user_id") {
                    let next = seen.len();
                    let n = *seen.entry(user.clone()).or_insert(next);
                    map.insert("user_id".to_owned(), Value::String(format!("user-{n}")));
                }
                map.remove("origin");
                if let Some(Value::Object(labels)) = map.get_mut("labels") {
                    for label in labels.values_mut() {
                        if let Some(v) = label.get("value").and_then(Value::as_f64) {
                            label["value"] = Value::from((v * 1e9).round() / 1e9);
                        }
                    }
                }
                for child in map.values_mut() {
                    walk(child, seen);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, seen)),
            _ => {}
        }
    }
    let mut seen = HashMap::new();
    text.lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap_or(Value::Null);
            walk(&mut value, &mut seen);
            value.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn export_import_export_round_trips(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool, 6).await?;
    let first = export(&engine, ExportOptions::new(ExportFormat::Trees)).await?;
    assert!(lines(&first).len() >= 6);

    sqlx::query!("truncate message_tree, message, task, submission, label, ranking, reaction, report, message_revision, message_label_import cascade")
        .execute(&pool)
        .await?;
    let options = ImportOptions::new(TreeState::ReadyForExport, "round-trip");
    let report = engine.import_trees(first.as_bytes(), options).await?;
    assert_eq!(report.trees as usize, lines(&first).len());

    let second = export(&engine, ExportOptions::new(ExportFormat::Trees)).await?;
    assert_eq!(normalise(&first), normalise(&second));
    let tree: ExportTree = serde_json::from_str(second.lines().next().unwrap_or_default())
        .map_err(|e| Error::Internal(e.to_string()))?;
    assert_eq!(tree.origin.as_deref(), Some("round-trip"));
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn pairs_have_the_columns_reward_trainers_read(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool, 4).await?;
    let plain = lines(&export(&engine, ExportOptions::new(ExportFormat::Pairs)).await?);
    assert!(!plain.is_empty());
    for pair in &plain {
        assert!(
            pair["prompt"]
                .as_str()
                .is_some_and(|p| p.starts_with("User: ")),
            "{pair}"
        );
        assert!(
            pair["chosen"].is_string() && pair["rejected"].is_string(),
            "{pair}"
        );
        assert!(pair["rank_gap"].as_i64().is_some_and(|g| g > 0), "{pair}");
        assert_ne!(pair["chosen"], pair["rejected"]);
    }
    let chat = lines(&export(&engine, ExportOptions::new(ExportFormat::PairsChat)).await?);
    assert_eq!(chat.len(), plain.len());
    for pair in &chat {
        let prompt = pair["prompt"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            prompt.first().and_then(|m| m["role"].as_str()),
            Some("user"),
            "{pair}"
        );
        assert_eq!(pair["chosen"][0]["role"], "assistant");
        assert!(pair["rejected"][0]["content"].is_string());
    }
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn sft_threads_end_with_the_assistant_and_start_with_the_best_path(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = grown(&pool, 4).await?;
    let threads = lines(&export(&engine, ExportOptions::new(ExportFormat::Sft)).await?);
    assert!(!threads.is_empty());
    let mut first_of_tree: HashMap<String, Value> = HashMap::new();
    for thread in &threads {
        let messages = thread["messages"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            messages.first().and_then(|m| m["role"].as_str()),
            Some("user")
        );
        assert_eq!(
            messages.last().and_then(|m| m["role"].as_str()),
            Some("assistant")
        );
        let tree = thread["message_tree_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        first_of_tree.entry(tree).or_insert_with(|| thread.clone());
    }
    for thread in first_of_tree.values() {
        // the first thread of a tree takes the best-ranked reply at every ranked step
        for rank in thread["ranks"].as_array().cloned().unwrap_or_default() {
            assert!(rank.is_null() || rank == 0, "{thread}");
        }
    }
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn exports_hide_people_and_split_by_tree(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool, 6).await?;
    let mut options = ExportOptions::new(ExportFormat::Messages);
    options.pseudonym_secret = Some("secret".to_owned());
    let text = export(&engine, options.clone()).await?;
    let names: Vec<String> = sqlx::query_scalar!("select username from app_user")
        .fetch_all(&pool)
        .await?;
    for name in names {
        assert!(!text.contains(&name), "{name} leaked");
    }
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar!("select user_id from app_user")
        .fetch_all(&pool)
        .await?;
    for id in ids {
        assert!(!text.contains(&id.to_string()), "a real user id leaked");
    }
    assert_eq!(
        text,
        export(&engine, options.clone()).await?,
        "the same secret gives the same pseudonyms"
    );
    // without a configured secret the instance makes one, keeps it, and never shows it
    let plain = export(&engine, ExportOptions::new(ExportFormat::Messages)).await?;
    assert_ne!(plain, text, "the instance's key is not the test's");
    assert_eq!(
        plain,
        export(&engine, ExportOptions::new(ExportFormat::Messages)).await?
    );
    let kept: i64 = sqlx::query_scalar!("select count(*) as \"n!\" from instance_secret")
        .fetch_one(&pool)
        .await?;
    assert_eq!(kept, 1);
    let configured = engine.clone().with_export_secret(Some("secret".to_owned()));
    assert_eq!(
        export(&configured, ExportOptions::new(ExportFormat::Messages)).await?,
        text,
        "GROVE_EXPORT_SECRET is the key when set"
    );

    let part = |part| {
        let mut o = ExportOptions::new(ExportFormat::Trees);
        o.split = Some(Split {
            part,
            validation_fraction: 0.3,
            seed: 9,
        });
        o
    };
    let train: Vec<String> = lines(&export(&engine, part(SplitPart::Train)).await?)
        .iter()
        .map(|t| t["message_tree_id"].to_string())
        .collect();
    let validation: Vec<String> = lines(&export(&engine, part(SplitPart::Validation)).await?)
        .iter()
        .map(|t| t["message_tree_id"].to_string())
        .collect();
    let all = lines(&export(&engine, ExportOptions::new(ExportFormat::Trees)).await?);
    assert_eq!(train.len() + validation.len(), all.len());
    assert!(train.iter().all(|t| !validation.contains(t)));

    let mut prompts = ExportOptions::new(ExportFormat::Messages);
    prompts.prompts_only = true;
    assert!(lines(&export(&engine, prompts).await?)
        .iter()
        .all(|m| m["parent_id"].is_null()));
    let mut everything = ExportOptions::new(ExportFormat::Trees);
    everything.states = Vec::new();
    everything.include_spam = true;
    assert!(lines(&export(&engine, everything).await?).len() > all.len());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn import_names_the_bad_line_and_a_dry_run_writes_nothing(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool, 2).await?;
    let good = export(&engine, ExportOptions::new(ExportFormat::Trees)).await?;
    sqlx::query!("truncate message_tree, message, task, submission, label, ranking, reaction, report, message_revision, message_label_import cascade")
        .execute(&pool)
        .await?;
    let dry = ImportOptions {
        dry_run: true,
        ..ImportOptions::new(TreeState::BacklogRanking, "oasst")
    };
    let report = engine.import_trees(good.as_bytes(), dry.clone()).await?;
    assert!(report.trees >= 2 && report.dry_run);
    let count = sqlx::query_scalar!("select count(*) as \"n!\" from message")
        .fetch_one(&pool)
        .await?;
    assert_eq!(count, 0);

    let broken = format!(
        "{}\n{{\"message_tree_id\": \"nope\"}}\n",
        good.lines().next().unwrap_or_default()
    );
    let error = engine
        .import_trees(broken.as_bytes(), dry.clone())
        .await
        .err()
        .map(|e| (e.code(), e.to_string()));
    assert_eq!(error.as_ref().map(|e| e.0), Some("invalid_record"));
    assert!(error.is_some_and(|e| e.1.starts_with("line 2:")));

    let wrong_role = good.lines().next().unwrap_or_default().replacen(
        "\"role\":\"prompter\"",
        "\"role\":\"assistant\"",
        1,
    );
    let error = engine
        .import_trees(wrong_role.as_bytes(), dry)
        .await
        .err()
        .map(|e| e.to_string());
    assert!(error.is_some_and(|e| e.contains("line 1") && e.contains("role")));
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn agreement_and_annotator_reliability_are_exported_under_the_same_pseudonyms(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = grown(&pool, 4).await?;
    let secret = "one-secret-for-both".to_owned();
    let mut options = ExportOptions::new(ExportFormat::Messages);
    options.include_agreement = true;
    options.pseudonym_secret = Some(secret.clone());
    let messages = lines(&export(&engine, options).await?);
    let ranked: Vec<&Value> = messages
        .iter()
        .filter(|m| m.get("agreement").is_some())
        .collect();
    assert!(!ranked.is_empty());
    for parent in &ranked {
        let agreement = &parent["agreement"];
        assert_eq!(agreement["rankers"], 3, "{agreement}");
        let w = agreement["kendalls_w"].as_f64().unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&w), "{agreement}");
    }
    // without the option, no agreement field
    let plain = lines(&export(&engine, ExportOptions::new(ExportFormat::Trees)).await?);
    assert!(!plain
        .iter()
        .any(|t| t.to_string().contains("\"agreement\"")));
    let mut pairs = ExportOptions::new(ExportFormat::Pairs);
    pairs.include_agreement = true;
    let pairs = lines(&export(&engine, pairs).await?);
    assert!(pairs.iter().all(|p| p["agreement"]["rankers"] == 3));

    let mut options = ExportOptions::new(ExportFormat::AnnotatorReliability);
    options.pseudonym_secret = Some(secret);
    let annotators = lines(&export(&engine, options).await?);
    assert!(annotators.len() >= 10);
    let authors: std::collections::HashSet<&str> = messages
        .iter()
        .filter_map(|m| m["user_id"].as_str())
        .collect();
    let joined = annotators
        .iter()
        .filter(|a| authors.contains(a["user_id"].as_str().unwrap_or_default()))
        .count();
    assert!(
        joined >= 5,
        "reliability lines join the data export's pseudonyms"
    );
    assert!(annotators
        .iter()
        .all(|a| a["tasks"].as_i64().unwrap_or(0) > 0 && a.get("label_weight").is_some()));
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_filters_say_what_they_leave_out(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool, 6).await?;
    // a deleted message and a tree in another state, whatever the simulation left
    sqlx::query!("update message set deleted = true where message_id = (select message_id from message where parent_id is not null order by message_id limit 1)")
        .execute(&pool)
        .await?;
    let options = ExportOptions::new(ExportFormat::Trees);
    let left = engine.export_left_out(&options).await?;
    let others = sqlx::query_scalar!(
        r#"select count(*) as "n!" from message_tree where state <> 'ready_for_export'"#
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(
        left.other_states.iter().map(|(_, n)| n).sum::<i64>(),
        others
    );
    let (deleted, spam) = sqlx::query!(
        r#"select count(*) filter (where m.deleted) as "deleted!",
                  count(*) filter (where m.review_result = false and not m.deleted) as "spam!"
           from message m join message_tree t using (message_tree_id)
           where t.state = 'ready_for_export'"#
    )
    .fetch_one(&pool)
    .await
    .map(|r| (r.deleted, r.spam))?;
    assert_eq!((left.deleted_messages, left.spam_messages), (deleted, spam));

    // asked for, nothing is left out
    let mut all = ExportOptions::new(ExportFormat::Trees);
    all.states = Vec::new();
    all.include_deleted = true;
    all.include_spam = true;
    all.include_synthetic = true;
    assert!(engine.export_left_out(&all).await?.is_empty());
    Ok(())
}

/// Two engines on one database stand for two servers: a job started on one is written by
/// whichever claims it, served from the database by either, and a job whose writer died (its
/// lease ran out) is written again by the other.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn export_jobs_are_claimed_under_a_lease_and_served_by_any_server(
    pool: PgPool,
) -> Result<(), Error> {
    use std::io::Read;
    let one = grown(&pool, 4).await?;
    let two = Engine::new(pool.clone());
    let moderator = one
        .register(crate::accounts::Registration {
            username: "mod".to_owned(),
            email: String::new(),
            password: "lemon-stand-7".to_owned(),
            role: Some(domain::account::Role::Moderator),
        })
        .await?
        .id;
    let expected = export(&one, ExportOptions::new(ExportFormat::Trees)).await?;

    let job = one
        .start_export_job(moderator, ExportOptions::new(ExportFormat::Trees))
        .await?;
    // the other server's runner claims it; the first finds nothing left to claim
    assert!(two.run_one_export_job().await?);
    assert!(!one.run_one_export_job().await?);
    let download = one.export_job_download(moderator, job).await?;
    let super::ExportDownload::Database { chunks, .. } = download else {
        panic!("the default store is the database");
    };
    let mut gz = Vec::new();
    for seq in 0..chunks {
        gz.extend(two.export_chunk(job, seq).await?);
    }
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| Error::Internal(e.to_string()))?;
    assert_eq!(normalise(&text), normalise(&expected));

    // a writer that died: claimed, then its lease ran out with nothing finished
    let job = two
        .start_export_job(moderator, ExportOptions::new(ExportFormat::Trees))
        .await?;
    sqlx::query!(
        "update export_job set lease_owner = 'dead server', lease_until = now() + interval '1 hour', attempts = 1
         where export_job_id = $1",
        job
    )
    .execute(&pool)
    .await?;
    assert!(
        !one.run_one_export_job().await?,
        "a live lease is respected"
    );
    sqlx::query!(
        "update export_job set lease_until = now() - interval '1 second' where export_job_id = $1",
        job
    )
    .execute(&pool)
    .await?;
    assert!(one.run_one_export_job().await?);
    let jobs = one.export_jobs(moderator).await?;
    let done = jobs
        .iter()
        .find(|j| j.id == job.to_string())
        .map(|j| j.status.as_str());
    assert_eq!(done, Some("done"));
    // the dead server's late progress no longer counts
    assert!(!crate::db::export::job_progress(&pool, job, "dead server", 60.0, 1, 1, 1).await?);
    Ok(())
}
