//! Grove's user interface: the app shell, its pages and components, and the server functions
//! behind them. Built twice: with `ssr` into the server, with `hydrate` into WebAssembly.

#![recursion_limit = "512"]

pub mod api;
pub mod auth;
#[cfg(test)]
mod catalogue_check;
mod components;
mod drafts;
pub mod error;
pub mod markdown;
mod pages;
#[cfg(feature = "ssr")]
pub mod session;

// The catalogue's generated `i18n` module. The crate now prefers generating it from a build
// script, but its build-script helper compiles a CLDR downloader (HTTP client, zip) into every
// cold build; the macro reads the same files with the same compile-time key checks.
#[allow(deprecated)]
mod catalogue {
    leptos_i18n::load_locales!();
}
pub use catalogue::i18n;

/// The interface-language context every translated component reads.
pub type I18n = leptos_i18n::I18nContext<i18n::Locale>;

/// A translated text that follows the interface language. Every call site shares this one
/// closure type, so the renderer's generic code exists once instead of once per text: written
/// as `t!(i18n, key)` at 500 places, the texts added 1.4 MB to the WebAssembly.
pub fn tr(
    i18n: I18n,
    text: fn(I18n) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || text(i18n)
}

use auth::Auth;
use i18n::*;
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_meta::{provide_meta_context, Html, Link, Meta, MetaTags, Title};
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
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // the stylesheet carries the same content hash as the scripts (scripts/build.sh)
                <link rel="stylesheet" id="grove" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name) />
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

/// The whole application in the reader's interface language: navigation plus one page per route.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The catalogue's own <I18nContextProvider> also renders an empty <script> (for its
    // dynamic-load mode), which the nonce-only script policy would refuse; so the context is
    // provided here, with the same cookie, Accept-Language and <html lang dir> handling.
    let i18n = leptos_i18n::context::init_i18n_context_with_options::<Locale>(Default::default());
    provide_context(i18n);
    let lang = move || i18n.get_locale().as_str();
    let dir = move || i18n.get_locale().direction().as_str();
    view! {
        <Pages />
        <Html attr:lang=lang attr:dir=dir />
    }
}

#[component]
fn Pages() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::provide();
    components::locale_select::follow_account_locale();
    // Lets tests and scripts know the WebAssembly took over the server-rendered page.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content=move || t_string!(i18n, meta.description).to_string() />
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
                    <Route path=path!("/moderation/quality") view=pages::moderate::quality::QualityPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/trollboard") view=pages::moderate::trollboard::TrollboardPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/export") view=pages::moderate::export::ExportPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/models") view=pages::moderate::models::ModelsPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation/models/:id") view=pages::moderate::models::ModelJobPage ssr=SsrMode::Async />
                    <Route path=path!("/stats") view=pages::stats::StatsPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

#[component]
fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="footer">
            <span>{tr(i18n, |i| t_string!(i, footer.tagline))}</span>
            <a href="/terms">{tr(i18n, |i| t_string!(i, footer.terms))}</a>
            <components::locale_select::LocaleSelect />
        </footer>
    }
}
