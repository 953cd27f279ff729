//! Configuration: one typed struct, read from command-line flags or environment variables, with
//! defaults that suit a developer's machine. The README's table lists the same variables.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr};

/// The `grove` command line.
#[derive(Debug, Parser)]
#[command(
    name = "grove",
    version,
    about = "Grove: crowdsourced human feedback for language models"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and API (the default).
    Serve,
    /// Apply database migrations, then exit.
    Migrate,
    /// Manage accounts from the command line.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Grow trees with simulated honest and spammy annotators (demo data, load).
    Simulate {
        /// Simulated annotators, working in parallel.
        #[arg(long, default_value_t = 20)]
        users: usize,
        /// Stop once this many trees are ready for export.
        #[arg(long, default_value_t = 20)]
        trees: usize,
        /// Share of spammers among the annotators.
        #[arg(long, default_value_t = 0.1)]
        spammers: f64,
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Honest replies carry a hidden quality (`marked`), or are sensible sentences or their
        /// words shuffled, ranked sensible first (`sensible`: data a reward model can learn).
        #[arg(long, value_enum, default_value = "marked")]
        writing: SimulatedWriting,
        /// Annotators of known kinds judge against a hidden truth; prints how well weighted and
        /// unweighted decisions recover it, and how well flagging finds bad annotators.
        #[arg(long)]
        quality_report: bool,
        /// With --quality-report: shares of careful, noisy, random, always-first and
        /// adversarial annotators.
        #[arg(long, default_value_t = 0.55)]
        careful: f64,
        #[arg(long, default_value_t = 0.15)]
        noisy: f64,
        #[arg(long, default_value_t = 0.1)]
        random: f64,
        #[arg(long, default_value_t = 0.1)]
        always_first: f64,
        #[arg(long, default_value_t = 0.1)]
        adversarial: f64,
        /// With --quality-report: share of written messages that are spam.
        #[arg(long, default_value_t = 0.15)]
        spam_share: f64,
        /// With --quality-report: finished trees marked as gold before work starts.
        #[arg(long, default_value_t = 8)]
        gold_trees: usize,
    },
    /// Add finished trees until the database holds this many messages.
    Seed {
        #[arg(long, default_value_t = 10_000)]
        messages: i64,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Check every database invariant and list violations (exit code 1 if any).
    Check,
    /// Print the REST API's OpenAPI document (also served at /api/v1/openapi.json).
    Openapi,
    /// Export the dataset as JSON Lines (gzip when FILE ends in .gz).
    Export {
        #[command(flatten)]
        query: ExportArgs,
        /// Where to write; `-` for standard output.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import trees in the OpenAssistant formats (oasst releases, their Hugging Face copies,
    /// Grove exports): tree files, flat message files, or bare message trees.
    Import {
        /// JSON Lines (gzip when it ends in .gz), or one JSON document.
        file: PathBuf,
        /// auto (from the first record), trees (one tree per line), messages (one message per
        /// line) or tree (a prompt node with its replies, without the outer tree object).
        #[arg(long, default_value = "auto")]
        form: String,
        /// Report bad trees and go on, instead of stopping at the first.
        #[arg(long)]
        skip_bad: bool,
        /// backlog_ranking, ranking or ready_for_export.
        #[arg(long, default_value = "backlog_ranking")]
        state: String,
        /// Where the trees come from (kept on each tree).
        #[arg(long, default_value = "import")]
        origin: String,
        /// Check every record, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// API keys for integrations.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; it is printed once.
    Create {
        #[arg(long)]
        name: String,
        /// read, annotate, export or admin (repeat for several).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The admin creating it (username).
        #[arg(long)]
        by: String,
        /// For `annotate` keys: the user the key acts for.
        #[arg(long)]
        user: Option<String>,
    },
}

/// The export options of `grove export` (the same as the REST query and the dashboard form).
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// trees, messages, pairs, pairs_chat or sft.
    #[arg(long, default_value = "trees")]
    pub format: String,
    /// Tree states, comma-separated, or `all` (default: ready_for_export).
    #[arg(long)]
    pub states: Option<String>,
    /// Languages, comma-separated (default: all).
    #[arg(long)]
    pub langs: Option<String>,
    #[arg(long)]
    pub include_deleted: bool,
    /// Include rejected (spam) messages.
    #[arg(long)]
    pub include_spam: bool,
    /// Include trees with model-generated messages.
    #[arg(long)]
    pub include_synthetic: bool,
    /// Trees whose prompt is this recent (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub prompts_only: bool,
    /// Add each message's latest reward-model score (`reward_score`).
    #[arg(long)]
    pub include_reward_scores: bool,
    /// Add each ranked parent's agreement among its rankers (`agreement`).
    #[arg(long)]
    pub include_agreement: bool,
    /// train or validation (split by tree).
    #[arg(long)]
    pub split: Option<String>,
    #[arg(long)]
    pub validation_fraction: Option<f64>,
    #[arg(long)]
    pub split_seed: Option<u64>,
}

impl ExportArgs {
    pub fn query(&self) -> domain::moderation::ExportQuery {
        domain::moderation::ExportQuery {
            format: self.format.clone(),
            states: self.states.clone(),
            langs: self.langs.clone(),
            include_deleted: self.include_deleted,
            include_spam: self.include_spam,
            include_synthetic: self.include_synthetic,
            from: self.from.clone(),
            to: self.to.clone(),
            prompts_only: self.prompts_only,
            include_reward_scores: self.include_reward_scores,
            include_agreement: self.include_agreement,
            split: self.split.clone(),
            validation_fraction: self.validation_fraction,
            split_seed: self.split_seed,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The active-learning simulation (no database): rankings handed out at random against
    /// rankings the reward model is least sure about first; prints both accuracy curves and
    /// the rankings saved, as JSON.
    ActiveLearning {
        #[arg(long, default_value_t = 400)]
        parents: usize,
        /// The priority weight of the guided policy (GROVE_ACTIVE_LEARNING_WEIGHT's role).
        #[arg(long, default_value_t = domain::ranking::active::DEFAULT_WEIGHT)]
        weight: f64,
        /// The simulated model's error, in quality units (quality spans 0..1).
        #[arg(long, default_value_t = 0.1)]
        model_noise: f64,
        /// Rankings per parent at which the random policy's accuracy is the target.
        #[arg(long, default_value_t = 2.0)]
        target_per_parent: f64,
        #[arg(long, default_value_t = 5)]
        seeds: u64,
    },
    /// Time task requests and submits of simulated annotators on a database of a given size.
    Tasks {
        /// Seed the database up to this many messages first.
        #[arg(long, default_value_t = 100_000)]
        messages: i64,
        /// Annotators working in parallel.
        #[arg(long, default_value_t = 20)]
        users: usize,
        /// Submits to time.
        #[arg(long, default_value_t = 2000)]
        submits: u64,
    },
    /// Time an import of generated trees (ten messages each, every field filled) into this
    /// database: messages per second, peak memory.
    Import {
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
    },
    /// Time an export of a database of a given size (messages per second, peak memory).
    Export {
        #[arg(long, default_value_t = 1_000_000)]
        messages: i64,
        #[arg(long, default_value = "trees")]
        format: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account, for example the first admin.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        email: String,
        /// annotator, moderator or admin.
        #[arg(long, default_value = "annotator")]
        role: String,
        /// The password; prefer --password-stdin on shared machines (arguments are visible).
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<Secret>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Record the terms of service as accepted (for accounts made on someone's behalf).
        #[arg(long)]
        accept_terms: bool,
    },
    /// Ban an account: it can no longer log in and its sessions end.
    Ban { username: String },
    /// Lift a ban.
    Unban { username: String },
    /// Change an account's role.
    SetRole { username: String, role: String },
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Postgres URL. Without it Grove runs its own private cluster under the data folder.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<Secret>,
    /// Folder for Grove's own data (the private Postgres cluster, export files).
    #[arg(long, env = "GROVE_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// Folder with the Postgres server programs (initdb, pg_ctl); found automatically if unset.
    #[arg(long, env = "GROVE_PG_BIN", global = true)]
    pub pg_bin: Option<PathBuf>,
    /// Address and port to listen on.
    #[arg(
        long,
        env = "GROVE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,
    /// Folder with the built front end (pkg/grove.js, pkg/grove.wasm, pkg/grove.css).
    #[arg(
        long,
        env = "GROVE_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: PathBuf,
    /// The address users reach Grove at; an https:// URL marks session cookies Secure.
    #[arg(long, env = "GROVE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Multiplies every rate limit (logins, registrations, task requests, submits); 0 turns
    /// them off.
    #[arg(
        long,
        env = "GROVE_RATE_LIMIT_SCALE",
        default_value_t = 1.0,
        global = true
    )]
    pub rate_limit_scale: f64,
    /// Where dashboard export files are kept: `postgres:` (in the database, so every server
    /// can serve every file) or `file:///folder` (a folder every server must mount).
    #[arg(
        long,
        env = "GROVE_EXPORT_STORE",
        default_value = "postgres:",
        value_parser = engine::export::ExportStore::parse,
        global = true
    )]
    pub export_store: engine::export::ExportStore,
    /// Serve `/metrics` on this address only (an internal one), not beside the app.
    #[arg(long, env = "GROVE_METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,
    /// Take the client address from `X-Forwarded-For` (set only behind a proxy that writes it).
    #[arg(long, env = "GROVE_TRUST_FORWARDED_FOR", global = true)]
    pub trust_forwarded_for: bool,
    /// Minutes of inactivity after which a login session ends.
    #[arg(long, env = "GROVE_SESSION_IDLE_MINUTES", default_value_t = 7 * 24 * 60, global = true)]
    pub session_idle_minutes: i64,
    /// Largest number of database connections.
    #[arg(long, env = "GROVE_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub db_pool_size: u32,
    /// Messages a tree collects before its replies are ranked.
    #[arg(
        long,
        env = "GROVE_GOAL_TREE_SIZE",
        default_value_t = 15,
        global = true
    )]
    pub goal_tree_size: u32,
    /// Deepest reply level (the prompt is level 0).
    #[arg(long, env = "GROVE_MAX_TREE_DEPTH", default_value_t = 5, global = true)]
    pub max_tree_depth: u32,
    /// Replies a user message can get.
    #[arg(long, env = "GROVE_MAX_CHILDREN", default_value_t = 3, global = true)]
    pub max_children: u32,
    /// Reviews that decide whether a message is accepted.
    #[arg(
        long,
        env = "GROVE_REVIEWS_PER_MESSAGE",
        default_value_t = 3,
        global = true
    )]
    pub reviews_per_message: u32,
    /// Rankings every set of sibling replies gets.
    #[arg(
        long,
        env = "GROVE_RANKINGS_PER_PARENT",
        default_value_t = 3,
        global = true
    )]
    pub rankings_per_parent: u32,
    /// Trees growing at once per language when few annotators are active (the least).
    #[arg(
        long,
        env = "GROVE_MAX_ACTIVE_TREES",
        default_value_t = 10,
        global = true
    )]
    pub max_active_trees: u32,
    /// The most trees growing at once per language however many annotators are active (one
    /// more tree per three active annotators above the minimum).
    #[arg(
        long,
        env = "GROVE_ACTIVE_TREES_CEILING",
        default_value_t = 400,
        global = true
    )]
    pub active_trees_ceiling: u32,
    /// How strongly ranking tasks the language's current reward model is least sure about are
    /// preferred: a task's draw weight is 1 + weight × the model's uncertainty (0 to 1); 0
    /// turns model guidance off.
    #[arg(
        long,
        env = "GROVE_ACTIVE_LEARNING_WEIGHT",
        default_value_t = domain::ranking::active::DEFAULT_WEIGHT,
        global = true
    )]
    pub active_learning_weight: f64,
    /// Chance that a task is a gold item once an annotator is calibrated.
    #[arg(long, env = "GROVE_GOLD_SHARE", default_value_t = 0.05, global = true)]
    pub gold_share: f64,
    /// Tasks a new annotator does at the calibration share of gold items.
    #[arg(
        long,
        env = "GROVE_CALIBRATION_TASKS",
        default_value_t = 20,
        global = true
    )]
    pub calibration_tasks: u32,
    /// Chance of a gold item during calibration.
    #[arg(
        long,
        env = "GROVE_CALIBRATION_GOLD_SHARE",
        default_value_t = 0.25,
        global = true
    )]
    pub calibration_gold_share: f64,
    /// Whether reliability weights decide acceptance and the consensus (off: every vote once).
    #[arg(
        long,
        env = "GROVE_RELIABILITY_WEIGHTS",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub reliability_weights: bool,
    /// The key of the user pseudonyms in exports (any length; keep it secret and keep it:
    /// another key gives other pseudonyms). Unset: the instance makes a random one, once, and
    /// keeps it in Postgres.
    #[arg(long, env = "GROVE_EXPORT_SECRET", global = true)]
    pub export_secret: Option<Secret>,
    /// Whether signed-in contributors see other people's names beside their messages
    /// (visitors never do, moderators always).
    #[arg(long, env = "GROVE_SHOW_AUTHOR_NAMES", global = true)]
    pub show_author_names: bool,
    /// SMTP server for the mails Grove sends (address verification, password reset, sign-in
    /// links), as a URL: `smtp://host:port`, `smtps://user:password@host`,
    /// `smtp://host:587?tls=required`. Unset: no mail, and the features that need it are
    /// hidden.
    #[arg(long, env = "GROVE_SMTP_URL", global = true)]
    pub smtp_url: Option<Secret>,
    /// The sender of Grove's mails.
    #[arg(
        long,
        env = "GROVE_MAIL_FROM",
        default_value = "Grove <grove@localhost>",
        global = true
    )]
    pub mail_from: String,
    /// A JSON file listing the identity providers people may sign in with (OpenID Connect:
    /// Google, GitLab, Keycloak or any issuer; OAuth2: GitHub, Discord): see the README.
    /// Unset: username and password only.
    #[arg(long, env = "GROVE_SIGN_IN_PROVIDERS", global = true)]
    pub sign_in_providers: Option<PathBuf>,
    /// Log format: text for people, json for log collectors. Filter with RUST_LOG.
    #[arg(long, env = "GROVE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl Config {
    /// The tree thresholds: OpenAssistant's production defaults with the overrides above.
    pub fn tree_config(&self) -> engine::TreeConfig {
        engine::TreeConfig {
            goal_tree_size: self.goal_tree_size.max(1),
            max_depth: self.max_tree_depth.max(1),
            max_children_count: self.max_children.max(1),
            num_reviews_initial_prompt: self.reviews_per_message.max(1),
            num_reviews_reply: self.reviews_per_message.max(1),
            num_required_rankings: self.rankings_per_parent.max(1),
            max_active_trees: self.max_active_trees.max(1),
            active_trees_ceiling: self.active_trees_ceiling,
            active_learning_weight: if self.active_learning_weight.is_finite() {
                self.active_learning_weight.clamp(0.0, 1000.0)
            } else {
                0.0
            },
            gold_share: self.gold_share.clamp(0.0, 1.0),
            calibration_tasks: self.calibration_tasks,
            calibration_gold_share: self.calibration_gold_share.clamp(0.0, 1.0),
            reliability_weights: self.reliability_weights,
            show_author_names: self.show_author_names,
            ..engine::TreeConfig::default()
        }
    }

    /// The engine these settings describe, on `pool` (tests; the server connects with
    /// [`crate::startup`]'s pool settings and the same two calls).
    pub fn engine(&self, pool: sqlx::PgPool) -> engine::Engine {
        self.configure(engine::Engine::new(pool))
    }

    /// `engine` with these thresholds and this export key.
    pub fn configure(&self, engine: engine::Engine) -> engine::Engine {
        engine
            .with_tree_config(self.tree_config())
            .with_export_secret(self.export_secret.as_ref().map(|s| s.expose().to_owned()))
            .with_export_store(self.export_store.clone())
    }

    /// Whether cookies must only travel over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// `scheme://host[:port]` of the public URL: the origin browsers send from.
    pub fn public_origin(&self) -> Option<String> {
        let url = self.public_url.as_deref()?;
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split('/').next().filter(|h| !h.is_empty())?;
        Some(format!("{scheme}://{host}"))
    }

    /// The address to tell people about.
    pub fn display_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A value that must not appear in logs or debug output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Environment variables that start with `GROVE_` but that Grove does not know: almost always a
/// typo that would otherwise be silently ignored.
pub fn unknown_grove_variables() -> Vec<String> {
    use clap::CommandFactory;
    // subcommands have variables of their own (GROVE_EXPORT_SECRET)
    fn collect(command: &clap::Command, known: &mut Vec<String>) {
        known.extend(
            command
                .get_arguments()
                .filter_map(|arg| arg.get_env())
                .map(|env| env.to_string_lossy().into_owned()),
        );
        for sub in command.get_subcommands() {
            collect(sub, known);
        }
    }
    let mut known = Vec::new();
    collect(&Cli::command(), &mut known);
    std::env::vars_os()
        .filter_map(|(key, _)| key.into_string().ok())
        .filter(|key| key.starts_with("GROVE_") && !known.contains(key))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_suit_a_developer_machine() -> Result<(), clap::Error> {
        let cli = Cli::try_parse_from(["grove"])?;
        assert!(cli.command.is_none());
        assert_eq!(cli.config.addr.to_string(), "127.0.0.1:3000");
        assert!(!cli.config.secure_cookies());
        Ok(())
    }

    #[test]
    fn an_https_public_url_makes_cookies_secure() -> Result<(), clap::Error> {
        let cli = Cli::try_parse_from(["grove", "--public-url", "https://grove.example.org"])?;
        assert!(cli.config.secure_cookies());
        assert_eq!(cli.config.display_url(), "https://grove.example.org");
        Ok(())
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let secret = Secret("postgres://user:hunter2@db/grove".to_owned());
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}

/// What simulated annotators write (`grove simulate --writing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SimulatedWriting {
    Marked,
    Sensible,
}

impl From<SimulatedWriting> for engine::simulate::Writing {
    fn from(writing: SimulatedWriting) -> Self {
        match writing {
            SimulatedWriting::Marked => Self::Marked,
            SimulatedWriting::Sensible => Self::SensibleOverShuffled,
        }
    }
}
