//! `grove`: parse the command line, start logging, run the subcommand.

use clap::Parser;
use server::{
    cli,
    config::{Cli, Command},
    startup::Application,
    telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
    }
}
