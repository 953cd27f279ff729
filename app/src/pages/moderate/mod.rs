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
    api::moderation::{moderation_overview, set_prompts_paused},
    components::{feedback::ErrorNote, guard::RequireUser, language_name},
    i18n::*,
};
use domain::{
    account::Role,
    moderation::{AuditEntry, LanguagePause},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The links between moderation pages.
#[component]
pub fn ModerationNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="subnav" aria-label=move || t_string!(i18n, moderation.nav)>
            <A href="/moderation">{t!(i18n, moderation.overview)}</A>
            <A href="/moderation/messages">{t!(i18n, moderation.messages)}</A>
            <A href="/moderation/reports">{t!(i18n, moderation.reports)}</A>
            <A href="/moderation/users">{t!(i18n, moderation.users)}</A>
            <A href="/moderation/trollboard">{t!(i18n, moderation.trollboard)}</A>
            <A href="/moderation/export">{t!(i18n, moderation.export)}</A>
            <A href="/stats">{t!(i18n, moderation.stats)}</A>
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
    let i18n = use_i18n();
    let data = Resource::new(|| (), |()| moderation_overview());
    view! {
        <ModerationPage title=t_string!(i18n, moderation.title)>
            <Overview data />
        </ModerationPage>
    }
}

#[component]
fn Overview(
    data: Resource<Result<crate::api::moderation::Overview, crate::error::AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || data.get().map(|result| match result {
                Ok(overview) => view! {
                    <div class="card row">
                        <span><strong data-test="open-reports">{overview.open_reports}</strong>{t!(i18n, moderation.open_reports)}</span>
                        <A href="/moderation/reports" attr:class="button">{t!(i18n, moderation.open_queue)}</A>
                    </div>
                    <LanguagePauses paused=overview.paused_languages may_pause=overview.may_pause_languages data />
                    <h2>{t!(i18n, moderation.recent)}</h2>
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
    let i18n = use_i18n();
    if entries.is_empty() {
        return view! { <p class="muted">{t!(i18n, moderation.no_actions)}</p> }.into_any();
    }
    view! {
        <table class="data-table" data-test="audit-log">
            <thead><tr><th>{t!(i18n, moderation.when)}</th><th>{t!(i18n, moderation.who)}</th><th>{t!(i18n, moderation.action)}</th><th>{t!(i18n, moderation.before)}</th><th>{t!(i18n, moderation.after)}</th></tr></thead>
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

/// Languages where new conversations are paused; admins pause and resume them here.
#[component]
fn LanguagePauses(
    paused: Vec<LanguagePause>,
    may_pause: bool,
    data: Resource<Result<crate::api::moderation::Overview, crate::error::AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new("en".to_owned());
    let error = RwSignal::new(None::<crate::error::AppError>);
    let change = move |lang: String, paused: bool| {
        leptos::task::spawn_local(async move {
            match set_prompts_paused(lang, paused).await {
                Ok(()) => {
                    error.set(None);
                    data.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-test="language-pauses">
            <h2>{t!(i18n, pause.heading)}</h2>
            <p class="hint">{t!(i18n, pause.hint)}</p>
            {if paused.is_empty() {
                view! { <p class="muted">{t!(i18n, pause.none)}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {paused.into_iter().map(|pause| {
                            let lang = pause.lang.clone();
                            let admin = pause.paused_by.clone();
                            let date = pause.paused_at.chars().take(10).collect::<String>();
                            view! {
                                <li data-test=format!("paused-{lang}")>
                                    <strong>{language_name(&lang)}</strong>" "
                                    <span class="muted">{t!(i18n, pause.paused_by, admin, date)}</span>
                                    {may_pause.then(|| {
                                        let lang = lang.clone();
                                        view! {
                                            " "
                                            <button type="button" class="button small secondary" data-test=format!("resume-{lang}")
                                                on:click=move |_| change(lang.clone(), false)>{t!(i18n, pause.resume)}</button>
                                        }
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {may_pause.then(|| view! {
                <div class="row">
                    <select data-test="pause-lang" on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {domain::message::LANGUAGES.iter().map(|(tag, _, _)| view! {
                            <option value=*tag selected=*tag == "en">{language_name(tag)}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="button small danger" data-test="pause-prompts"
                        on:click=move |_| change(chosen.get_untracked(), true)>{t!(i18n, pause.pause)}</button>
                </div>
            })}
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
        </section>
    }
}
