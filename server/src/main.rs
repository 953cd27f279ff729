//! `grove`: parse the command line, start logging, run the subcommand.

#![recursion_limit = "512"]

use clap::Parser;
use server::{
    cli,
    config::{Cli, Command},
    startup::Application,
    telemetry,
};

/// mimalloc rather than glibc's allocator: under a crowd's load glibc's malloc and free took
/// about a fifth of the server's CPU (BENCHMARKS.md, "Annotators over HTTP at crowd scale").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // Leptos' server-function futures nest deep under the middleware; unoptimised builds
    // overflow tokio's default 2 MiB worker stacks on the largest of them
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let unknown = server::config::unknown_grove_variables();
    if !unknown.is_empty() {
        anyhow::bail!(
            "unknown configuration variable(s) {}: see `grove --help` for the known ones",
            unknown.join(", ")
        );
    }
    let Cli { command, config } = Cli::parse();
    telemetry::init(config.log_format);
    match command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(config).await?.run_until_stopped().await,
        Command::Migrate => cli::migrate(config).await,
        Command::User { command } => cli::user(config, command).await,
        Command::Simulate {
            users,
            trees,
            spammers,
            lang,
            seed,
            writing,
            quality_report,
            careful,
            noisy,
            random,
            always_first,
            adversarial,
            spam_share,
            gold_trees,
        } => {
            let mix = quality_report.then_some(engine::simulate::AnnotatorMix {
                careful,
                noisy,
                random,
                always_first,
                adversarial,
            });
            let simulation = engine::simulate::Simulation {
                users,
                trees,
                spammer_share: spammers,
                lang,
                seed,
                writing: writing.into(),
                mix,
                spam_share,
                gold_trees,
                ..Default::default()
            };
            cli::simulate(config, simulation).await
        }
        Command::Seed { messages, lang } => cli::seed(config, messages, &lang).await,
        Command::Check => cli::check(config).await,
        Command::Openapi => {
            println!(
                "{}",
                server::routes::api::openapi::document().to_pretty_json()?
            );
            Ok(())
        }
        Command::Export { query, out } => server::dataset::export(config, query.query(), out).await,
        Command::Import {
            file,
            form,
            skip_bad,
            state,
            origin,
            dry_run,
        } => {
            let form =
                engine::import::ImportForm::parse(&form).map_err(|e| anyhow::anyhow!("{e}"))?;
            let state =
                domain::tree::TreeState::parse(&state).map_err(|e| anyhow::anyhow!(e.message))?;
            let options = engine::import::ImportOptions {
                dry_run,
                form,
                skip_bad,
                ..engine::import::ImportOptions::new(state, origin)
            };
            server::dataset::import(config, file, options).await
        }
        Command::ApiKey { command } => cli::api_key(config, command).await,
        Command::Bench { command } => server::bench::run(config, command).await,
    }
}
