//! The moderation area, for moderators and admins: overview, messages, users, reports,
//! trollboard.

pub mod export;
pub mod message;
pub mod messages;
pub mod reports;
pub mod trollboard;
pub mod user;
pub mod users;

use crate::{
    api::moderation::moderation_overview,
    components::{feedback::ErrorNote, guard::RequireUser},
};
use domain::{account::Role, moderation::AuditEntry};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The links between moderation pages.
#[component]
pub fn ModerationNav() -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Moderation">
            <A href="/moderation">"Overview"</A>
            <A href="/moderation/messages">"Messages"</A>
            <A href="/moderation/reports">"Reports"</A>
            <A href="/moderation/users">"Users"</A>
            <A href="/moderation/trollboard">"Trollboard"</A>
            <A href="/moderation/export">"Export"</A>
            <A href="/stats">"Statistics"</A>
        </nav>
    }
}

/// Wraps a moderation page: the role guard and the sub-navigation. Pages create their
/// resources before this wrapper (outside the guard), so server and browser create resources
/// in the same order.
#[component]
pub fn ModerationPage(#[prop(into)] title: String, children: ChildrenFn) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <Title text=title.clone() />
        <RequireUser role=Role::Moderator>
            <section class="moderation" data-test="moderation">
                <ModerationNav />
                <h1>{title.clone()}</h1>
                {children.read_value()()}
            </section>
        </RequireUser>
    }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let data = Resource::new(|| (), |()| moderation_overview());
    view! {
        <ModerationPage title="Moderation">
            <Overview data />
        </ModerationPage>
    }
}

#[component]
fn Overview(
    data: Resource<Result<crate::api::moderation::Overview, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok(overview) => view! {
                    <div class="card row">
                        <span><strong data-test="open-reports">{overview.open_reports}</strong>" open reports"</span>
                        <A href="/moderation/reports" attr:class="button">"Open the report queue"</A>
                    </div>
                    <h2>"Recent moderator actions"</h2>
                    <AuditTable entries=overview.recent />
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Suspense>
    }
}

/// Audit entries as a table.
#[component]
pub fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"No actions recorded."</p> }.into_any();
    }
    view! {
        <table class="data-table" data-test="audit-log">
            <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Before"</th><th>"After"</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|entry| view! {
                    <tr>
                        <td>{entry.created_at.chars().take(19).collect::<String>().replace('T', " ")}</td>
                        <td>{entry.actor}</td>
                        <td><code>{entry.action}</code></td>
                        <td class="json">{entry.before.unwrap_or_default()}</td>
                        <td class="json">{entry.after.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
