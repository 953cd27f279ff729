//! `grove export` and `grove import`: the dataset on the command line.

use crate::{config::Config, startup::Database};
use anyhow::Context;
use domain::{moderation::ExportQuery, tree::TreeState};
use engine::{export::ExportOptions, import::ImportOptions};
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
    Ok(())
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

pub async fn import(
    config: Config,
    file: PathBuf,
    state: &str,
    origin: String,
    dry_run: bool,
) -> anyhow::Result<()> {
    let state = TreeState::parse(state).map_err(|e| anyhow::anyhow!(e.message))?;
    let reader = File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let input: Box<dyn std::io::BufRead> = if gzipped(&file) {
        Box::new(BufReader::new(GzDecoder::new(reader)))
    } else {
        Box::new(BufReader::new(reader))
    };
    let database = Database::open(&config).await?;
    let result = database
        .engine
        .import_trees(
            input,
            ImportOptions {
                state,
                origin,
                dry_run,
            },
        )
        .await;
    database.close().await;
    let report = result.map_err(|e| anyhow::anyhow!("{} ({})", e.public_message(), e.code()))?;
    println!(
        "{} {} trees, {} messages",
        if report.dry_run {
            "would import"
        } else {
            "imported"
        },
        report.trees,
        report.messages
    );
    Ok(())
}
