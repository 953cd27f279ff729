//! Building the application: database, state, router, listener; and running it until a signal
//! asks it to stop, finishing in-flight requests first.

use crate::{config::Config, dev_db::EmbeddedPostgres, routes};
use anyhow::Context;
use app::session::WebSessions;
use axum::Router;
use engine::Engine;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// A database connection for any subcommand: the configured server, or the private cluster.
pub struct Database {
    pub engine: Engine,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects (starting the private cluster if no URL is configured) and migrates.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (url, embedded) = match &config.database_url {
            Some(url) => (url.expose().to_owned(), None),
            None => {
                let cluster = EmbeddedPostgres::start(&config.data_dir, config.pg_bin.as_deref())
                    .await
                    .context("cannot start the private Postgres cluster")?;
                engine::database::create_database_if_missing(
                    &cluster.admin_url(),
                    cluster.database_name(),
                )
                .await?;
                (cluster.url(), Some(cluster))
            }
        };
        let engine = match Engine::connect(&url, config.db_pool_size).await {
            Ok(engine) => config.configure(engine),
            Err(error) => {
                if let Some(cluster) = embedded {
                    cluster.stop().await;
                }
                return Err(error).context("cannot connect to Postgres");
            }
        };
        let database = Self { engine, embedded };
        if let Err(error) = database.engine.migrate().await {
            database.close().await;
            return Err(error).context("cannot migrate the database");
        }
        Ok(database)
    }

    /// Closes the pool and stops the private cluster if this process started it.
    pub async fn close(self) {
        self.engine.pool().close().await;
        if let Some(cluster) = self.embedded {
            cluster.stop().await;
        }
    }
}

/// A built server, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    /// `/metrics` on an internal address of its own.
    metrics: Option<(TcpListener, Router)>,
    router: Router,
    database: Database,
    url: String,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        // a broken providers file stops the start, with the reason
        crate::sso::Providers::load(config.sign_in_providers.as_deref(), &config.display_url())
            .context("GROVE_SIGN_IN_PROVIDERS")?;
        let database = Database::open(&config).await?;
        let moved = database
            .engine
            .sweep_trees()
            .await
            .context("cannot re-check the active trees")?;
        tracing::info!(trees_moved = moved, "start-up sweep done");
        // export jobs started on any server (or left by one that died) are written here too
        tokio::spawn(
            database
                .engine
                .clone()
                .run_export_jobs(tokio::time::Duration::from_secs(2)),
        );
        // full rate buckets are forgotten now and then (any server may do it)
        every(
            &database.engine,
            300,
            "cannot sweep rate buckets",
            |engine| async move { engine.sweep_rate_buckets().await.map(drop) },
        );
        // retraining schedules and runs move on every few seconds (any server may do it; a
        // worker does it too after each job)
        every(
            &database.engine,
            5,
            "cannot advance retraining",
            |engine| async move { engine.tick_retraining().await.map(drop) },
        );
        // planner statistics keep up with tables that grow fast (a launch's first hour):
        // engine/src/planner.rs
        every(
            &database.engine,
            5,
            "cannot refresh planner statistics",
            |engine| async move { engine.refresh_planner_statistics().await.map(drop) },
        );
        let sessions = WebSessions::new(database.engine.clone());
        match sessions.adopt_legacy().await {
            Ok((0, 0)) => {}
            Ok((adopted, left_out)) => {
                tracing::info!(
                    adopted,
                    left_out,
                    "sessions carried over from the old store"
                )
            }
            Err(error) => {
                // the old sessions stay where they were (their users sign in again)
                tracing::error!(error.cause_chain = ?error, "cannot carry old sessions over")
            }
        }
        every(
            &database.engine,
            3600,
            "cannot delete expired sessions",
            |engine| async move { engine.delete_expired_sessions().await.map(drop) },
        );
        let routers = routes::routers(&config, database.engine.clone(), sessions);
        let router = routers.app;
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let metrics = match (routers.metrics, config.metrics_addr) {
            (Some(page), Some(addr)) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} (metrics)"))?;
                Some((listener, page))
            }
            _ => None,
        };
        let url = match config.public_url.clone() {
            Some(url) => url,
            None => format!("http://{}", listener.local_addr()?),
        };
        Ok(Self {
            listener,
            metrics,
            router,
            database,
            url,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(url = %self.url, "Grove is listening");
        println!("Grove is running at {}", self.url);
        if let Some((listener, page)) = self.metrics {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(%addr, "metrics are served apart");
            }
            tokio::spawn(async move {
                if let Err(error) = axum::serve(listener, page).await {
                    tracing::error!(%error, "the metrics listener stopped");
                }
            });
        }
        // rate limits need the client address
        let service = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        self.database.close().await;
        tracing::info!("stopped");
        served.context("server failed")
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Runs `job` on a copy of the engine every `secs` seconds for the life of the server (any
/// server may run these; each job is safe to run on several at once), logging a failure and
/// going on.
fn every<F, Fut>(engine: &Engine, secs: u64, failure: &'static str, job: F)
where
    F: Fn(Engine) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), engine::Error>> + Send,
{
    let engine = engine.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(tokio::time::Duration::from_secs(secs));
        loop {
            every.tick().await;
            if let Err(error) = job(engine.clone()).await {
                tracing::warn!(error.cause_chain = ?error, "{failure}");
            }
        }
    });
}
