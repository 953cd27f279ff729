//! The admin subcommands: `grove migrate`, `grove user ...`, `grove simulate`, `grove seed`,
//! `grove check`.

use crate::{
    config::{ApiKeyCommand, Config, UserCommand},
    startup::Database,
};
use anyhow::Context;
use domain::account::Role;
use engine::{accounts::Registration, Engine};

pub async fn migrate(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    println!("database is up to date");
    database.close().await;
    Ok(())
}

pub async fn user(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = run_user_command(&database.engine, command).await;
    database.close().await;
    result
}

async fn run_user_command(engine: &Engine, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            username,
            email,
            role,
            password,
            password_stdin,
            accept_terms,
        } => {
            let role = Role::parse(&role)?;
            let password = match (password, password_stdin) {
                (Some(password), _) => password.expose().to_owned(),
                (None, true) => read_password_line()?,
                (None, false) => anyhow::bail!("give --password-stdin (or --password)"),
            };
            let user = engine
                .register(Registration {
                    username,
                    email,
                    password,
                    role: Some(role),
                })
                .await
                .map_err(describe)?;
            if accept_terms {
                engine.accept_terms(user.id).await.map_err(describe)?;
            }
            println!(
                "created {} ({}) with role {}",
                user.username, user.id, user.role
            );
        }
        UserCommand::Ban { username } => {
            let user = engine.user_by_username(&username).await.map_err(describe)?;
            engine.set_banned(user.id, true).await.map_err(describe)?;
            println!("banned {}", user.username);
        }
        UserCommand::Unban { username } => {
            let user = engine.user_by_username(&username).await.map_err(describe)?;
            engine.set_banned(user.id, false).await.map_err(describe)?;
            println!("unbanned {}", user.username);
        }
        UserCommand::SetRole { username, role } => {
            let role = Role::parse(&role)?;
            let user = engine.user_by_username(&username).await.map_err(describe)?;
            engine.set_role(user.id, role).await.map_err(describe)?;
            println!("{} is now {}", user.username, role);
        }
    }
    Ok(())
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// An engine error as a one-line message with its code, for the terminal. The operator at the
/// terminal also sees the cause of a failure on Grove's side, which users never do.
fn describe(error: engine::Error) -> anyhow::Error {
    let cause = match &error {
        engine::Error::Database(cause) => format!(": {cause}"),
        engine::Error::Migration(cause) => format!(": {cause}"),
        engine::Error::Internal(cause) => format!(": {cause}"),
        _ => String::new(),
    };
    anyhow::anyhow!("{} ({}){cause}", error.public_message(), error.code())
}

pub async fn simulate(
    config: Config,
    simulation: engine::simulate::Simulation,
) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = database.engine.simulate(simulation).await.map_err(describe);
    database.close().await;
    let report = result?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

pub async fn seed(config: Config, messages: i64, lang: &str) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = database
        .engine
        .seed_messages(messages, lang)
        .await
        .map_err(describe);
    database.close().await;
    println!("the database holds {} messages", result?);
    Ok(())
}

pub async fn check(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = database.engine.check_invariants().await.map_err(describe);
    database.close().await;
    let violations = result?;
    if violations.is_empty() {
        println!("all invariants hold");
        return Ok(());
    }
    for violation in &violations {
        println!("{violation}");
    }
    anyhow::bail!("{} invariant violations", violations.len())
}

pub async fn api_key(config: Config, command: ApiKeyCommand) -> anyhow::Result<()> {
    let ApiKeyCommand::Create {
        name,
        scopes,
        by,
        user,
    } = command;
    let database = Database::open(&config).await?;
    let engine = &database.engine;
    let result = async {
        let admin = engine.user_by_username(&by).await.map_err(describe)?;
        let acting_for = match user {
            Some(user) => Some(engine.user_by_username(&user).await.map_err(describe)?.id),
            None => None,
        };
        engine
            .create_api_key(admin.id, &name, &scopes, acting_for)
            .await
            .map_err(describe)
    }
    .await;
    database.close().await;
    println!("{}", result?);
    eprintln!("Keep this key: it is shown only now. Send it as `Authorization: Bearer <key>`.");
    Ok(())
}
