//! `grove bench tasks` times task requests and submits of simulated annotators on a database
//! of a given size; `grove bench export` times an export. Run them against a throwaway
//! database: they add seeded trees and users. `grove bench import` times an import of
//! generated trees. `grove bench active-learning` runs the active-learning simulation.

use crate::{
    config::{BenchCommand, Config},
    startup::Database,
};
use engine::simulate::Simulation;

pub async fn run(config: Config, command: BenchCommand) -> anyhow::Result<()> {
    if let BenchCommand::ActiveLearning {
        parents,
        weight,
        model_noise,
        target_per_parent,
        seeds,
    } = command
    {
        let report = engine::simulate::ActiveLearningSimulation {
            parents,
            weight,
            model_noise,
            target_per_parent,
            seeds,
            ..Default::default()
        }
        .run();
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let database = Database::open(&config).await?;
    let result = match command {
        BenchCommand::Tasks {
            messages,
            users,
            submits,
        } => tasks(&database, messages, users, submits).await,
        BenchCommand::Export { messages, format } => export(&database, messages, &format).await,
        BenchCommand::Import { messages } => import(&database, messages).await,
        BenchCommand::ActiveLearning { .. } => Ok(()),
    };
    database.close().await;
    result
}

/// Exports every tree (all states) to nowhere, timing it and reading the peak memory.
async fn export(database: &Database, messages: i64, format: &str) -> anyhow::Result<()> {
    let engine = &database.engine;
    let seeded = engine
        .seed_messages(messages, "en")
        .await
        .map_err(|e| anyhow::anyhow!("seeding failed: {e}"))?;
    let mut options = engine::export::ExportOptions::from_query(&domain::moderation::ExportQuery {
        format: format.to_owned(),
        states: Some("all".to_owned()),
        ..Default::default()
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    options.include_synthetic = true;
    // the peak so far is from start-up and seeding: count from here
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = std::time::Instant::now();
    let mut cursor = engine.export(options);
    let mut bytes = 0usize;
    while let Some(chunk) = cursor
        .next_chunk()
        .await
        .map_err(|e| anyhow::anyhow!("export failed: {e}"))?
    {
        bytes += chunk.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    let stats = cursor.stats();
    println!("database: {seeded} messages; format {format}");
    println!(
        "exported {} messages ({} trees, {} records, {:.1} MB of JSON) in {:.2} s: {:.0} messages/s",
        stats.messages,
        stats.trees,
        stats.records,
        bytes as f64 / 1e6,
        seconds,
        stats.messages as f64 / seconds.max(f64::EPSILON)
    );
    println!(
        "peak resident memory during the export: {}",
        peak_rss().unwrap_or_else(|| "unknown".to_owned())
    );
    Ok(())
}

/// Writes `messages` messages as trees of ten (a prompt, three replies, two follow-ups each)
/// to a temporary tree file, then imports it, timing the import alone.
async fn import(database: &Database, messages: usize) -> anyhow::Result<()> {
    use std::io::Write as _;
    let dir = tempfile_dir()?;
    let path = dir.join("bench-import.jsonl");
    let (run, _) = uuid::Uuid::new_v4().as_u64_pair();
    // unique per run, tree and message
    let id =
        |tree: usize, n: usize| uuid::Uuid::from_u64_pair(run, ((tree as u64) << 16) | n as u64);
    let node = |tree: usize,
                n: usize,
                parent: Option<usize>,
                role: &str,
                replies: Vec<serde_json::Value>| {
        let rank = if parent.is_some() && role == "assistant" {
            serde_json::json!(n % 3)
        } else {
            serde_json::Value::Null
        };
        serde_json::json!({
            "message_id": id(tree, n).to_string(),
            "parent_id": parent.map(|p| id(tree, p).to_string()),
            "user_id": format!("author-{}", (tree * 7 + n * 13) % 997),
            "created_date": "2023-02-05T14:23:50.983374+00:00",
            "text": format!("Message {n} of tree {tree}: a sentence of ordinary length, to import."),
            "role": role,
            "lang": "en",
            "review_count": 3,
            "review_result": true,
            "deleted": false,
            "rank": rank,
            "synthetic": false,
            "model_name": null,
            "emojis": {"+1": 2, "_skip_labeling": 1},
            "labels": {"spam": {"value": 0.0, "count": 3}, "quality": {"value": 0.75, "count": 3}},
            "replies": replies,
        })
    };
    let trees = messages.div_ceil(10);
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for tree in 0..trees {
            let replies = (0..3)
                .map(|r| {
                    let a = 1 + r * 3;
                    let follow = (1..3)
                        .map(|f| node(tree, a + f, Some(a), "prompter", vec![]))
                        .collect();
                    node(tree, a, Some(0), "assistant", follow)
                })
                .collect();
            let root = node(tree, 0, None, "prompter", replies);
            let line = serde_json::json!({
                "message_tree_id": id(tree, 0).to_string(),
                "tree_state": "ready_for_export",
                "prompt": root,
            });
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    }
    let size = std::fs::metadata(&path)?.len();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = std::time::Instant::now();
    let input = std::io::BufReader::new(std::fs::File::open(&path)?);
    let report = database
        .engine
        .import_trees(
            input,
            engine::import::ImportOptions::new(
                domain::tree::TreeState::ReadyForExport,
                "bench import",
            ),
        )
        .await
        .map_err(|e| anyhow::anyhow!("import failed: {e}"));
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    let report = report?;
    println!(
        "imported {} messages ({} trees, {:.1} MB of JSON) in {:.2} s: {:.0} messages/s",
        report.messages,
        report.trees,
        size as f64 / 1e6,
        seconds,
        report.messages as f64 / seconds.max(f64::EPSILON)
    );
    println!(
        "peak resident memory during the import: {}",
        peak_rss().unwrap_or_else(|| "unknown".to_owned())
    );
    Ok(())
}

/// A fresh folder for the bench's file.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("grove-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The process's peak resident set size (Linux `VmHWM`).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .map(|line| line.trim_start_matches("VmHWM:").trim().to_owned())
}

async fn tasks(
    database: &Database,
    messages: i64,
    users: usize,
    submits: u64,
) -> anyhow::Result<()> {
    let engine = &database.engine;
    let seeded = engine
        .seed_messages(messages, "en")
        .await
        .map_err(|e| anyhow::anyhow!("seeding failed: {e}"))?;
    println!("database: {seeded} messages; {users} annotators in parallel, {submits} submits");
    let report = engine
        .simulate(Simulation {
            users,
            trees: usize::MAX,
            spammer_share: 0.1,
            max_submits: submits,
            ..Simulation::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("simulation failed: {e}"))?;
    let (mut requests, mut submits) = (report.request_micros.clone(), report.submit_micros.clone());
    println!(
        "task request: median {:.1} ms, p99 {:.1} ms ({} requests)",
        percentile(&mut requests, 50.0),
        percentile(&mut requests, 99.0),
        requests.len()
    );
    println!(
        "task submit:  median {:.1} ms, p99 {:.1} ms ({} submits)",
        percentile(&mut submits, 50.0),
        percentile(&mut submits, 99.0),
        submits.len()
    );
    let mut quality = engine.counters().quality_update_micros();
    println!(
        "reliability evidence and weights, per submit: median {:.2} ms, p99 {:.2} ms",
        percentile(&mut quality, 50.0),
        percentile(&mut quality, 99.0),
    );
    println!(
        "throughput:   {:.0} submits/s over {:.1} s; trees by state: {:?}",
        report.submits as f64 / report.elapsed_secs.max(f64::EPSILON),
        report.elapsed_secs,
        report.trees_by_state
    );
    Ok(())
}

/// The `p`th percentile of latencies in microseconds, in milliseconds.
fn percentile(values: &mut [u64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values.get(rank.min(values.len() - 1)).copied().unwrap_or(0) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_pick_the_ranked_value() {
        let mut values: Vec<u64> = (1..=100).map(|v| v * 1000).collect();
        assert!((percentile(&mut values, 50.0) - 51.0).abs() < f64::EPSILON);
        assert!((percentile(&mut values, 99.0) - 99.0).abs() < f64::EPSILON);
        assert!(percentile(&mut [], 50.0).abs() < f64::EPSILON);
    }
}
