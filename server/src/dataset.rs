//! `grove export` and `grove import`: the dataset on the command line.

use crate::{config::Config, startup::Database};
use anyhow::Context;
use domain::moderation::ExportQuery;
use engine::{
    export::ExportOptions,
    import::{ImportOptions, ImportReport},
};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use std::{
    fs::File,
    io::{BufReader, BufWriter, Write},
    path::PathBuf,
};

fn gzipped(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

pub async fn export(config: Config, query: ExportQuery, out: PathBuf) -> anyhow::Result<()> {
    let options = ExportOptions::from_query(&query)
        .map_err(|e| anyhow::anyhow!("{} ({})", e.public_message(), e.code()))?;
    let database = Database::open(&config).await?;
    let left_out = database.engine.export_left_out(&options).await;
    let result = write_export(&database, options, &out).await;
    database.close().await;
    let stats = result?;
    eprintln!(
        "exported {} trees, {} messages, {} records to {}",
        stats.trees,
        stats.messages,
        stats.records,
        out.display()
    );
    match left_out {
        Ok(left_out) => eprint!("{}", describe_left_out(&left_out)),
        Err(error) => eprintln!("(what the filters left out is unknown: {error})"),
    }
    Ok(())
}

/// What the filters left out, and the flag that brings each back.
pub fn describe_left_out(left: &domain::moderation::ExportLeftOut) -> String {
    let mut out = String::new();
    if !left.other_states.is_empty() {
        let states: Vec<String> = left
            .other_states
            .iter()
            .map(|(state, trees)| format!("{state} {trees}"))
            .collect();
        let total: i64 = left.other_states.iter().map(|(_, n)| n).sum();
        out.push_str(&format!(
            "left out: {total} trees in other states ({}); --states all (or a list) brings them back\n",
            states.join(", ")
        ));
    }
    for (count, what, flag) in [
        (
            left.synthetic_trees,
            "trees with model-written messages",
            "--include-synthetic",
        ),
        (
            left.deleted_messages,
            "deleted messages",
            "--include-deleted",
        ),
        (
            left.spam_messages,
            "rejected (spam) messages",
            "--include-spam",
        ),
    ] {
        if count > 0 {
            out.push_str(&format!(
                "left out: {count} {what}; {flag} brings them back\n"
            ));
        }
    }
    out
}

async fn write_export(
    database: &Database,
    options: ExportOptions,
    out: &std::path::Path,
) -> anyhow::Result<engine::export::ExportStats> {
    let sink: Box<dyn Write> = if out.as_os_str() == "-" {
        Box::new(BufWriter::new(std::io::stdout()))
    } else {
        let file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
        if gzipped(out) {
            Box::new(GzEncoder::new(BufWriter::new(file), Compression::fast()))
        } else {
            Box::new(BufWriter::new(file))
        }
    };
    let mut sink = sink;
    let mut cursor = database.engine.export(options);
    while let Some(chunk) = cursor
        .next_chunk()
        .await
        .map_err(|e| anyhow::anyhow!("export failed: {e}"))?
    {
        sink.write_all(&chunk)?;
    }
    sink.flush()?;
    drop(sink);
    Ok(cursor.stats())
}

pub async fn import(config: Config, file: PathBuf, options: ImportOptions) -> anyhow::Result<()> {
    let reader = File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let input: Box<dyn std::io::BufRead> = if gzipped(&file) {
        Box::new(BufReader::new(GzDecoder::new(reader)))
    } else {
        Box::new(BufReader::new(reader))
    };
    let database = Database::open(&config).await?;
    let started = std::time::Instant::now();
    let result = database.engine.import_trees(input, options).await;
    database.close().await;
    let report = result.map_err(|e| anyhow::anyhow!("{} ({})", e.public_message(), e.code()))?;
    print!("{}", describe(&report, started.elapsed()));
    Ok(())
}

/// What an import did, for people.
pub fn describe(report: &ImportReport, took: std::time::Duration) -> String {
    let mut out = format!(
        "{} {} trees, {} messages ({} form, {:.1} s)\n",
        if report.dry_run {
            "would import"
        } else {
            "imported"
        },
        report.trees,
        report.messages,
        report.form.as_str(),
        took.as_secs_f64(),
    );
    if report.present > 0 {
        out.push_str(&format!(
            "skipped {} trees already in Grove\n",
            report.present
        ));
    }
    if report.without_author > 0 {
        out.push_str(&format!(
            "{} messages without an author: each tree's got one imported author\n",
            report.without_author
        ));
    }
    if report.without_date > 0 {
        out.push_str(&format!(
            "{} messages without a date: dated with the time of the import\n",
            report.without_date
        ));
    }
    if !report.bad.is_empty() {
        out.push_str(&format!("skipped {} bad trees:\n", report.bad.len()));
        for tree in &report.bad {
            out.push_str(&format!("  line {}: {}\n", tree.line, tree.reason));
        }
    }
    out
}
