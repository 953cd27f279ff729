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

pub mod i18n;
#[cfg(feature = "ssr")]
pub mod mail;

/// The interface-language context every translated component reads.
pub type I18n = i18n::I18n;

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
use leptos_meta::{provide_meta_context, Html, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let bundle = page_bundle();
    let scripts = bundle_options(&options, bundle);
    // the reader's texts, a cached file the browser loads beside the WebAssembly (i18n.rs)
    #[cfg(feature = "ssr")]
    let (texts, locale) = {
        let locale = i18n::request_locale();
        (i18n::texts_path(locale), locale.as_str())
    };
    #[cfg(not(feature = "ssr"))]
    let (texts, locale) = (String::new(), "en");
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // the stylesheet carries the same content hash as the scripts (scripts/build.sh)
                <link rel="stylesheet" id="grove" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name) />
                <meta name="grove-texts" content=texts.clone() data-locale=locale />
                <link rel="preload" href=texts r#as="fetch" crossorigin="anonymous" />
                <HydrationScripts options=scripts />
                <MetaTags />
            </head>
            // what the server renders is what the bundle it sends hydrates
            <body>
                {match bundle {
                    Bundle::Full => view! { <App /> }.into_any(),
                    Bundle::Volunteer => view! { <VolunteerApp /> }.into_any(),
                }}
            </body>
        </html>
    }
}

/// A front-end bundle (`scripts/build.sh` builds both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// What a volunteer needs: [`VolunteerApp`], `<name>.{js,wasm}`.
    Volunteer,
    /// Every page and the moderators' tools on volunteer pages: [`App`],
    /// `<name>.full.{js,wasm}`.
    Full,
}

/// The cookie that tells the server a moderator or admin is reading: their pages come with the
/// full bundle and its tools (gold marking in the tree view). Kept in step with the account by
/// [`api::accounts::me`]; a stale or forged one only changes which bundle a page gets, never
/// what anyone may do.
pub const STAFF_COOKIE: &str = "grove_staff";

/// The bundle of the page being rendered: the full one for the pages of [`uses_full_bundle`]
/// and for staff, the volunteer one for everyone else.
fn page_bundle() -> Bundle {
    #[cfg(feature = "ssr")]
    {
        let full = use_context::<axum::http::request::Parts>().is_some_and(|request| {
            uses_full_bundle(request.uri.path()) || has_staff_cookie(&request.headers)
        });
        if full {
            return Bundle::Full;
        }
    }
    Bundle::Volunteer
}

/// Whether the request carries [`STAFF_COOKIE`].
#[cfg(feature = "ssr")]
pub fn has_staff_cookie(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .any(|cookie| cookie.trim() == format!("{STAFF_COOKIE}=1"))
}

/// The hydration scripts' options for `bundle`.
fn bundle_options(options: &LeptosOptions, bundle: Bundle) -> LeptosOptions {
    let mut options = options.clone();
    if bundle == Bundle::Full {
        options.output_name = format!("{}.full", options.output_name).into();
    }
    options
}

/// Parts of volunteer pages only moderators use, provided by the full [`App`]: the volunteer
/// bundle never links them, and the server renders a page with the app of the bundle it sends.
#[derive(Clone, Copy)]
pub struct StaffTools {
    /// The gold-marking panel under a message of the tree view.
    pub gold_panel:
        fn(domain::tree::view::MessageView, Vec<domain::tree::view::MessageView>) -> AnyView,
}

/// The staff tools in context, where the page's app has them.
pub fn use_staff_tools() -> Option<StaffTools> {
    use_context::<StaffTools>()
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

/// The first path segments of [`uses_full_bundle`].
const FULL_BUNDLE_PATHS: [&str; 11] = [
    "/moderation",
    "/stats",
    "/contributions",
    "/leaderboard",
    "/forgot",
    "/reset",
    "/login/email",
    "/login/link",
    "/verify",
    "/login/connect",
    "/account/sign-in",
];

/// Paths whose pages live only in the full front end: moderation (models, export and the rest),
/// statistics, the volunteer's secondary pages (leaderboard, contributions) and the sign-in
/// help by e-mail (reset, links, verification) and by identity providers (linking an
/// account, the sign-in methods), so that what
/// every volunteer downloads first (home, sign-in, dashboard, tasks, message and account pages)
/// stays small. The server sends the full bundle with these pages, the volunteer bundle
/// everywhere else (`scripts/build.sh` builds both); the volunteer bundle answers a client-side
/// navigation to one of them with a full page load ([`FullPageLoad`]).
pub fn uses_full_bundle(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    FULL_BUNDLE_PATHS.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The pages every volunteer needs, and then `$more` routes. Both bundles list these; the
/// full one adds the moderation and statistics pages, the volunteer one a full page load for
/// them.
macro_rules! routes {
    ($fallback:expr; $($more:tt)*) => {
        view! {
            // Async: every page waits for its data before the first byte, so redirects and
            // status codes (401, 403, 404) reach the browser as real HTTP.
            <Routes fallback=$fallback>
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                <Route path=path!("/register") view=pages::register::RegisterPage ssr=SsrMode::Async />
                <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                <Route path=path!("/terms") view=pages::terms::TermsPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard") view=pages::dashboard::DashboardPage ssr=SsrMode::Async />
                <Route path=path!("/tasks/:kind") view=pages::tasks::TaskPage ssr=SsrMode::Async />
                <Route path=path!("/messages/:id") view=pages::message::MessagePage ssr=SsrMode::Async />
                <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                <Route path=path!("/guidelines") view=pages::guidelines::GuidelinesPage ssr=SsrMode::Async />
                $($more)*
            </Routes>
        }
    };
}

/// The whole application in the reader's interface language: navigation plus one page per
/// route. The server renders every page with it; the full front-end bundle hydrates it.
#[component]
pub fn App() -> impl IntoView {
    provide_context(StaffTools {
        gold_panel: |message, children| {
            view! { <components::gold::GoldPanel message children /> }.into_any()
        },
    });
    view! {
        <Frame>
            {routes! {
                pages::not_found::NotFound;
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
                <Route path=path!("/moderation/registry") view=pages::moderate::registry::RegistryPage ssr=SsrMode::Async />
                <Route path=path!("/moderation/disagreements") view=pages::moderate::registry::DisagreementsPage ssr=SsrMode::Async />
                <Route path=path!("/stats") view=pages::stats::StatsPage ssr=SsrMode::Async />
                <Route path=path!("/contributions") view=pages::contributions::ContributionsPage ssr=SsrMode::Async />
                <Route path=path!("/leaderboard") view=pages::leaderboard::LeaderboardPage ssr=SsrMode::Async />
                <Route path=path!("/forgot") view=pages::recovery::ForgotPage ssr=SsrMode::Async />
                <Route path=path!("/reset") view=pages::recovery::ResetPage ssr=SsrMode::Async />
                <Route path=path!("/login/email") view=pages::recovery::EmailSignInPage ssr=SsrMode::Async />
                <Route path=path!("/login/link") view=pages::recovery::LinkSignInPage ssr=SsrMode::Async />
                <Route path=path!("/verify") view=pages::recovery::VerifyPage ssr=SsrMode::Async />
                <Route path=path!("/login/connect") view=pages::providers::ConnectPage ssr=SsrMode::Async />
                <Route path=path!("/account/sign-in") view=pages::providers::SignInMethodsPage ssr=SsrMode::Async />
            }}
        </Frame>
    }
}

/// The same application without the pages of [`uses_full_bundle`], hydrated by the volunteer
/// bundle: what a volunteer downloads.
#[component]
pub fn VolunteerApp() -> impl IntoView {
    view! {
        <Frame>
            // the full bundle's pages are not routes here: reached by a click, they fall through
            // to a full page load (route types cost code; one fallback costs nothing per page)
            {routes! { VolunteerFallback; }}
        </Frame>
    }
}

/// The volunteer bundle's unmatched address: a page of the full bundle loads afresh, any
/// other is not found.
#[component]
fn VolunteerFallback() -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    if uses_full_bundle(&path) {
        view! { <FullPageLoad /> }.into_any()
    } else {
        view! { <pages::not_found::NotFound /> }.into_any()
    }
}

/// A page of the full bundle reached by a client-side navigation in the volunteer bundle: the
/// browser loads its address afresh, and the server sends it with the bundle that has it.
#[component]
fn FullPageLoad() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        let search = location.search.get_untracked();
        let target = match search.as_str() {
            "" => location.pathname.get_untracked(),
            query if query.starts_with('?') => {
                format!("{}{query}", location.pathname.get_untracked())
            }
            query => format!("{}?{query}", location.pathname.get_untracked()),
        };
        let _ = window().location().assign(&target);
    }
    view! { <p class="loading">"…"</p> }
}

/// Navigation, the page's routes and the footer, in the reader's interface language.
#[component]
fn Frame(children: Children) -> impl IntoView {
    provide_meta_context();
    let i18n = provide_i18n();
    let locale = i18n.get_locale();
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
            <main class="page">{children()}</main>
            <Footer />
        </Router>
        <Html attr:lang=locale.as_str() attr:dir=locale.direction().as_str() />
    }
}

#[component]
fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="footer">
            <span>{tr(i18n, |i| t_string!(i, footer.tagline))}</span>
            <a href="/terms">{tr(i18n, |i| t_string!(i, footer.terms))}</a>
            <a href="/guidelines">{tr(i18n, |i| t_string!(i, footer.guidelines))}</a>
            <components::locale_select::LocaleSelect />
        </footer>
    }
}

#[cfg(test)]
mod tests {
    use super::uses_full_bundle;

    #[test]
    fn moderation_statistics_and_secondary_pages_take_the_full_bundle() {
        for path in [
            "/moderation",
            "/moderation/models/x",
            "/stats",
            "/stats?window=30",
            "/contributions",
            "/leaderboard#you",
            "/login/link?token=x",
            "/forgot",
        ] {
            assert!(uses_full_bundle(path), "{path}");
        }
        for path in [
            "/",
            "/dashboard",
            "/login",
            "/tasks/random",
            "/messages/1",
            "/statsx",
            "/moderationx",
        ] {
            assert!(!uses_full_bundle(path), "{path}");
        }
    }
}
