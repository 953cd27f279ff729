//! The moderation area, for moderators and admins: overview, messages, users, reports,
//! quality, trollboard.

pub mod export;
pub mod message;
pub mod messages;
pub mod models;
pub mod quality;
pub mod registry;
pub mod reports;
pub mod trollboard;
pub mod user;
pub mod users;

use crate::{
    api::moderation::{moderation_overview, set_prompts_paused},
    components::{feedback::ErrorNote, guard::RequireUser, language_name},
    i18n::*,
    tr,
};
use domain::{
    account::Role,
    moderation::{AuditEntry, LanguagePause, LanguageStatistics},
    tree::TreeState,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The links between moderation pages.
#[component]
pub fn ModerationNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="subnav" aria-label=tr(i18n, |i| t_string!(i, moderation.nav))>
            <A href="/moderation">{tr(i18n, |i| t_string!(i, moderation.overview))}</A>
            <A href="/moderation/messages">{tr(i18n, |i| t_string!(i, moderation.messages))}</A>
            <A href="/moderation/reports">{tr(i18n, |i| t_string!(i, moderation.reports))}</A>
            <A href="/moderation/users">{tr(i18n, |i| t_string!(i, moderation.users))}</A>
            <A href="/moderation/quality">{tr(i18n, |i| t_string!(i, quality.nav))}</A>
            <A href="/moderation/trollboard">{tr(i18n, |i| t_string!(i, moderation.trollboard))}</A>
            <A href="/moderation/export">{tr(i18n, |i| t_string!(i, moderation.export))}</A>
            <A href="/moderation/models">{tr(i18n, |i| t_string!(i, moderation.models))}</A>
            <A href="/moderation/registry">{tr(i18n, |i| t_string!(i, reward_loop.nav_registry))}</A>
            <A href="/moderation/disagreements">{tr(i18n, |i| t_string!(i, reward_loop.nav_disagreements))}</A>
            <A href="/stats">{tr(i18n, |i| t_string!(i, moderation.stats))}</A>
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
        <Suspense fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || data.get().map(|result| match result {
                Ok(overview) => view! {
                    <div class="card row">
                        <span><strong data-test="open-reports">{overview.open_reports}</strong>{t!(i18n, moderation.open_reports, count = overview.open_reports)}</span>
                        <A href="/moderation/reports" attr:class="button">{tr(i18n, |i| t_string!(i, moderation.open_queue))}</A>
                    </div>
                    <LanguageTable statistics=overview.languages paused=overview.paused_languages may_pause=overview.may_pause_languages data />
                    <h2>{tr(i18n, |i| t_string!(i, moderation.recent))}</h2>
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
        return view! { <p class="muted">{tr(i18n, |i| t_string!(i, moderation.no_actions))}</p> }
            .into_any();
    }
    view! {
        <table class="data-table" data-test="audit-log">
            <thead><tr><th>{tr(i18n, |i| t_string!(i, moderation.when))}</th><th>{tr(i18n, |i| t_string!(i, moderation.who))}</th><th>{tr(i18n, |i| t_string!(i, moderation.action))}</th><th>{tr(i18n, |i| t_string!(i, moderation.before))}</th><th>{tr(i18n, |i| t_string!(i, moderation.after))}</th></tr></thead>
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

/// Trees and outstanding work per language, and whether new conversations are open there;
/// admins pause and resume languages here.
#[component]
fn LanguageTable(
    statistics: LanguageStatistics,
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
    let rows = language_rows(&statistics, &paused);
    view! {
        <section class="card" data-test="language-pauses">
            <h2>{tr(i18n, |i| t_string!(i, pause.heading))}</h2>
            <p class="hint">{tr(i18n, |i| t_string!(i, pause.hint))}</p>
            <table class="data-table" data-test="language-table">
                <thead><tr>
                    <th>{tr(i18n, |i| t_string!(i, languages.language))}</th>
                    <th class="num">{tr(i18n, |i| t_string!(i, languages.growing))}</th>
                    <th class="num">{tr(i18n, |i| t_string!(i, languages.in_review))}</th>
                    <th class="num">{tr(i18n, |i| t_string!(i, languages.waiting))}</th>
                    <th class="num">{tr(i18n, |i| t_string!(i, languages.ready))}</th>
                    <th class="num">{tr(i18n, |i| t_string!(i, languages.reviews_missing))}</th>
                    <th class="num">{tr(i18n, |i| t_string!(i, languages.rankings_missing))}</th>
                    <th>{tr(i18n, |i| t_string!(i, languages.new_conversations))}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let lang = row.lang.clone();
                        let status = match row.pause.clone() {
                            Some(pause) => {
                                let admin = pause.paused_by;
                                let date = pause.paused_at.chars().take(10).collect::<String>();
                                let resume = may_pause.then(|| {
                                    let lang = lang.clone();
                                    view! {
                                        " "
                                        <button type="button" class="button small secondary" data-test=format!("resume-{lang}")
                                            on:click=move |_| change(lang.clone(), false)>{tr(i18n, |i| t_string!(i, pause.resume))}</button>
                                    }
                                });
                                view! {
                                    <span data-test=format!("paused-{lang}")>
                                        <span class="badge rejected">{t!(i18n, pause.paused_by, admin, date)}</span>
                                        {resume}
                                    </span>
                                }.into_any()
                            }
                            None => {
                                let pause = may_pause.then(|| {
                                    let lang = lang.clone();
                                    view! {
                                        " "
                                        <button type="button" class="button small secondary" data-test=format!("pause-{lang}")
                                            on:click=move |_| change(lang.clone(), true)>{tr(i18n, |i| t_string!(i, languages.pause))}</button>
                                    }
                                });
                                view! { <span class="badge accepted">{tr(i18n, |i| t_string!(i, languages.open))}</span>{pause} }.into_any()
                            }
                        };
                        view! {
                            <tr data-test=format!("language-{lang}")>
                                <td>{language_name(&lang)}</td>
                                <td class="num">{row.growing}</td>
                                <td class="num">{row.in_review}</td>
                                <td class="num">{row.waiting}</td>
                                <td class="num">{row.ready}</td>
                                <td class="num">{row.reviews_missing}</td>
                                <td class="num">{row.rankings_missing}</td>
                                <td>{status}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {may_pause.then(|| view! {
                <div class="row">
                    <select data-test="pause-lang" aria-label=tr(i18n, |i| t_string!(i, quality.language)) on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {domain::message::LANGUAGES.iter().map(|(tag, _, _)| view! {
                            <option value=*tag selected=*tag == "en">{language_name(tag)}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="button small danger" data-test="pause-prompts"
                        on:click=move |_| change(chosen.get_untracked(), true)>{tr(i18n, |i| t_string!(i, pause.pause))}</button>
                </div>
            })}
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
        </section>
    }
}

/// One line of the language table.
#[derive(Debug, Clone, Default, PartialEq)]
struct LanguageRow {
    lang: String,
    growing: i64,
    in_review: i64,
    waiting: i64,
    ready: i64,
    reviews_missing: i64,
    rankings_missing: i64,
    pause: Option<LanguagePause>,
}

/// Every language with trees, outstanding work or a pause, in tag order.
fn language_rows(statistics: &LanguageStatistics, paused: &[LanguagePause]) -> Vec<LanguageRow> {
    let mut rows = std::collections::BTreeMap::<String, LanguageRow>::new();
    fn entry<'a>(
        rows: &'a mut std::collections::BTreeMap<String, LanguageRow>,
        lang: &str,
    ) -> &'a mut LanguageRow {
        rows.entry(lang.to_owned()).or_insert_with(|| LanguageRow {
            lang: lang.to_owned(),
            ..LanguageRow::default()
        })
    }
    for (lang, state, trees) in &statistics.trees_by_state {
        let row = entry(&mut rows, lang);
        match state {
            TreeState::Growing => row.growing += trees,
            TreeState::InitialPromptReview => row.in_review += trees,
            TreeState::PromptLotteryWaiting => row.waiting += trees,
            TreeState::ReadyForExport => row.ready += trees,
            _ => {}
        }
    }
    for (lang, reviews, rankings) in &statistics.backlog {
        let row = entry(&mut rows, lang);
        row.reviews_missing += reviews;
        row.rankings_missing += rankings;
    }
    for pause in paused {
        entry(&mut rows, &pause.lang).pause = Some(pause.clone());
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_rows_merge_trees_work_and_pauses_per_language() {
        let statistics = LanguageStatistics {
            trees_by_state: vec![
                ("de".to_owned(), TreeState::Growing, 3),
                ("de".to_owned(), TreeState::ReadyForExport, 7),
                ("en".to_owned(), TreeState::InitialPromptReview, 2),
            ],
            backlog: vec![("de".to_owned(), 4, 1)],
        };
        let paused = vec![LanguagePause {
            lang: "sk".to_owned(),
            paused_by: "root".to_owned(),
            paused_at: "2026-11-27T10:00:00Z".to_owned(),
        }];
        let rows = language_rows(&statistics, &paused);
        let [de, en, sk] = rows.as_slice() else {
            panic!("expected three rows, got {rows:?}");
        };
        assert_eq!(
            (de.lang.as_str(), en.lang.as_str(), sk.lang.as_str()),
            ("de", "en", "sk")
        );
        assert_eq!(
            (
                de.growing,
                de.ready,
                de.reviews_missing,
                de.rankings_missing
            ),
            (3, 7, 4, 1)
        );
        assert_eq!(en.in_review, 2);
        assert!(sk.pause.is_some() && de.pause.is_none());
    }
}
