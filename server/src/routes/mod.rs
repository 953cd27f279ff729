//! The router: the Leptos pages and server functions, health, static files, and the layers
//! around them (validators, sessions, cross-site refusal, rate limits, security headers,
//! compression, metrics, tracing, panic safety).

pub mod api;
pub mod delivery;
pub mod export;
pub mod health;
mod models;
mod security;

use crate::{config::Config, limits::RateLimits, metrics::HttpMetrics};
use app::session::WebSessions;
use app::{shell, App};
use axum::{middleware, routing::get, Router};
use engine::Engine;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

/// Builds the whole HTTP surface. Tests call this with a test database.
pub fn router(config: &Config, engine: Engine, sessions: WebSessions) -> Router {
    routers(config, engine, sessions).app
}

/// The app, and `/metrics` apart when it has an internal address of its own.
pub struct Routers {
    pub app: Router,
    pub metrics: Option<Router>,
}

pub fn routers(config: &Config, engine: Engine, sessions: WebSessions) -> Routers {
    let leptos_options = LeptosOptions::builder()
        .output_name(delivery::output_name(&config.site_root))
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .env(leptos_config::Env::PROD)
        .build();
    let sessions = SessionManagerLayer::new(sessions)
        .with_name("grove_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            config.session_idle_minutes,
        )));
    let routes = generate_route_list(App);
    let mailer = match crate::mail::mailer(
        config.smtp_url.as_ref().map(|url| url.expose()),
        &config.mail_from,
    ) {
        Ok(mailer) => mailer,
        Err(error) => {
            // a misconfigured mailer means no mail, loudly, rather than no server
            tracing::error!(error.cause_chain = ?error, "mail is off");
            None
        }
    };
    let site_url = app::mail::SiteUrl(config.display_url());
    let providers =
        crate::sso::Providers::load(config.sign_in_providers.as_deref(), &config.display_url())
            .unwrap_or_else(|error| {
                // `grove serve` checks the file before it gets here; a test may not
                tracing::error!(error = format!("{error:#}"), "no sign-in providers");
                crate::sso::Providers::default()
            });
    let provider_buttons = providers.buttons();
    let context_engine = engine.clone();
    let limits_engine = engine.clone();
    let metrics = HttpMetrics::new(
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()),
    );
    let metrics_page = Router::new()
        .route("/metrics", get(crate::metrics::render))
        .with_state((metrics.clone(), engine.clone()));
    // on an internal address of its own, or beside the app
    let (internal, beside_app) = if config.metrics_addr.is_some() {
        (Some(metrics_page), Router::new())
    } else {
        (None, metrics_page)
    };
    let app = Router::new()
        .route("/healthz", get(health::health))
        .nest("/api/v1", api::router())
        .nest("/auth", crate::sso::router(providers, engine.clone()))
        .route("/moderation/exports/{id}/download", get(export::job_file))
        .route("/moderation/models/{id}/download", get(models::archive))
        .with_state(engine)
        .nest("/pkg", delivery::assets(&config.site_root))
        .route("/texts/{file}", get(delivery::texts))
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || {
                provide_context(context_engine.clone());
                provide_context(mailer.clone());
                provide_context(site_url.clone());
                provide_context(provider_buttons.clone());
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options)
        .merge(beside_app)
        .layer(middleware::from_fn(delivery::validators))
        .layer(middleware::from_fn_with_state(
            RateLimits::new(
                config.rate_limit_scale,
                config.trust_forwarded_for,
                limits_engine,
            ),
            crate::limits::enforce,
        ))
        .layer(middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .layer(middleware::from_fn_with_state(
            config.public_origin(),
            security::refuse_cross_site_writes,
        ))
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(security::MAX_BODY_BYTES))
        .layer(middleware::from_fn(security::refuse_large_bodies))
        .layer(middleware::from_fn(security::security_headers))
        .layer(delivery::compression())
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(internal_error_page));
    Routers {
        app,
        metrics: internal,
    }
}

/// A panic anywhere becomes a plain 500 that says nothing about the cause.
fn internal_error_page(
    _panic: Box<dyn std::any::Any + Send + 'static>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("a request handler panicked");
    app::error::AppError::internal().into_response()
}
