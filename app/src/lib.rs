//! Grove's user interface: the app shell, its pages and components, and the server functions
//! behind them. Built twice: with `ssr` into the server, with `hydrate` into WebAssembly.

#![recursion_limit = "512"]

pub mod api;
pub mod auth;
mod components;
mod drafts;
pub mod error;
pub mod markdown;
mod pages;
#[cfg(feature = "ssr")]
pub mod session;

use auth::Auth;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Only scripts carrying this response's nonce run (the hydration script and the resource data
/// streamed into the page) and what they load ('strict-dynamic': the app's module); the
/// WebAssembly may compile; no plugin, frame, foreign form target or base URL. Styles allow
/// inline attributes because components set widths (progress bars, charts) that way.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{header, HeaderValue};
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(&policy),
    ) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The whole application: navigation plus one page per route.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth = Auth::provide();
    // Lets tests and scripts know the WebAssembly took over the server-rendered page.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="grove" href="/pkg/grove.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content="Grove: grow conversation trees that teach language models to help." />
        <Title formatter=|page: String| if page.is_empty() { "Grove".to_owned() } else { format!("{page} · Grove") } />
        <Router>
            <components::nav::NavBar auth />
            <main class="page">
                // Async: every page waits for its data before the first byte, so redirects and
                // status codes (401, 403, 404) reach the browser as real HTTP.
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=pages::register::RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/terms") view=pages::terms::TermsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=pages::dashboard::DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/tasks/:kind") view=pages::tasks::TaskPage ssr=SsrMode::Async />
                    <Route path=path!("/messages/:id") view=pages::message::MessagePage ssr=SsrMode::Async />
                    <Route path=path!("/contributions") view=pages::contributions::ContributionsPage ssr=SsrMode::Async />
                    <Route path=path!("/leaderboard") view=pages::leaderboard::LeaderboardPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation") view=pages::moderate::OverviewPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/messages") view=pages::moderate::messages::MessagesPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/messages/:id") view=pages::moderate::message::MessagePage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/users") view=pages::moderate::users::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/users/:id") view=pages::moderate::user::UserPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/reports") view=pages::moderate::reports::ReportsPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/trollboard") view=pages::moderate::trollboard::TrollboardPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/export") view=pages::moderate::export::ExportPage ssr=SsrMode::Async />
                    <Route path=path!("/stats") view=pages::stats::StatsPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="footer">
                <span>"Grove: open human feedback for language models"</span>
                <a href="/terms">"Terms of service"</a>
            </footer>
        </Router>
    }
}
