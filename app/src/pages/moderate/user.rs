//! One user for moderators: role, ban, notes, leaderboard visibility, stats, messages (deleted
//! ones too), and a purge of their contributions with a preview first.

use super::ModerationPage;
use crate::{
    api::moderation::{
        moderation_purge, moderation_set_banned, moderation_set_leaderboard, moderation_set_notes,
        moderation_set_role, moderation_user,
    },
    components::{conversation::role_name, feedback::ErrorNote, reliability::ReliabilityFacts},
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::{
    account::Role,
    ids::UserId,
    moderation::{PurgeSummary, UserDetail},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_params_map};

#[component]
pub fn UserPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|raw| raw.parse::<UserId>().ok())
    };
    let version = RwSignal::new(0u32);
    let detail = Resource::new(
        move || (id(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => moderation_user(id).await,
                None => Err(AppError::new(404, "user_not_found", "No such user.")),
            }
        },
    );
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <ModerationPage title=t_string!(i18n, mod_user.title)>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(detail) => view! { <UserDetailView detail reload /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
        </ModerationPage>
    }
}

#[component]
fn UserDetailView(detail: UserDetail, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let user = detail.summary.clone();
    let id = user.id;
    let error = RwSignal::new(None::<AppError>);
    let notes = RwSignal::new(detail.notes.clone());
    let preview = RwSignal::new(None::<PurgeSummary>);
    let purged = RwSignal::new(None::<PurgeSummary>);
    let ban_too = RwSignal::new(true);
    let confirming_ban = RwSignal::new(false);
    let done = move |result: Result<(), AppError>| match result {
        Ok(()) => {
            error.set(None);
            reload.run(());
        }
        Err(e) => error.set(Some(e)),
    };
    let set_role =
        move |role: Role| spawn_local(async move { done(moderation_set_role(id, role).await) });
    let set_banned = move |banned: bool| {
        spawn_local(async move { done(moderation_set_banned(id, banned).await) })
    };
    let save_notes = move |_| {
        spawn_local(async move { done(moderation_set_notes(id, notes.get_untracked()).await) })
    };
    let toggle_board = {
        let show = detail.show_on_leaderboard;
        move |_| spawn_local(async move { done(moderation_set_leaderboard(id, !show).await) })
    };
    let purge = move |confirm: bool| {
        spawn_local(async move {
            match moderation_purge(id, ban_too.get_untracked(), !confirm).await {
                Ok(summary) if confirm => {
                    purged.set(Some(summary));
                    preview.set(None);
                    reload.run(());
                }
                Ok(summary) => preview.set(Some(summary)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let score = detail.score.clone();
    view! {
        <div class="card" data-test="user-detail">
            <h2>{user.display_name.clone()} " " <span class="muted">{format!("@{}", user.username)}</span></h2>
            <dl class="facts">
                <dt>{tr(i18n, |i| t_string!(i, mod_user.role))}</dt><dd data-test="user-role">{user.role.as_str()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_user.state))}</dt><dd data-test="user-state">{if user.deleted { t_string!(i18n, mod_users.deleted) } else if user.banned { t_string!(i18n, mod_users.banned) } else { t_string!(i18n, mod_users.active) }}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_user.email))}</dt><dd>{detail.email.clone().unwrap_or_else(|| t_string!(i18n, mod_user.none).to_owned())}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_user.joined))}</dt><dd>{user.created_at.chars().take(10).collect::<String>()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_user.terms))}</dt><dd>{detail.terms_accepted_at.clone().map(|t| t.chars().take(10).collect::<String>()).unwrap_or_else(|| t_string!(i18n, mod_user.no).to_owned())}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_user.points))}</dt><dd>{t!(i18n, mod_user.points_value, points = score.points, level = score.level, streak = score.streak_days)}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_user.work))}</dt><dd>{t!(i18n, mod_user.work_value,
                    prompts = score.contributions.prompts, assistant = score.contributions.assistant_replies, user = score.contributions.prompter_replies,
                    reviews = score.contributions.full_reviews + score.contributions.quick_reviews, rankings = score.contributions.rankings)}</dd>
            </dl>
            <h3>{tr(i18n, |i| t_string!(i, quality.reliability))}</h3>
            {match detail.reliability.clone() {
                Some(row) => view! { <ReliabilityFacts row /> }.into_any(),
                None => view! { <p class="muted">{tr(i18n, |i| t_string!(i, quality.no_reliability))}</p> }.into_any(),
            }}
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
            <div class="actions">
                <label>{tr(i18n, |i| t_string!(i, mod_user.role_label))}
                    <select data-test="role-select" on:change=move |ev| {
                        if let Ok(role) = Role::parse(&event_target_value(&ev)) { set_role(role) }
                    }>
                        {Role::ALL.into_iter().map(|role| view! {
                            <option value=role.as_str() selected=role == user.role>{role.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {if user.banned {
                    view! { <button type="button" class="button" data-test="unban" on:click=move |_| set_banned(false)>{tr(i18n, |i| t_string!(i, mod_user.unban))}</button> }.into_any()
                } else {
                    view! { <button type="button" class="button danger" data-test="ban" on:click=move |_| confirming_ban.set(true)>{tr(i18n, |i| t_string!(i, mod_user.ban))}</button> }.into_any()
                }}
                <button type="button" class="button secondary" on:click=toggle_board>
                    {if detail.show_on_leaderboard { t_string!(i18n, mod_user.hide) } else { t_string!(i18n, mod_user.show) }}
                </button>
            </div>
            <Show when=move || confirming_ban.get()>
                <div class="notice warning" role="alertdialog" data-test="ban-confirmation">
                    <p>{t!(i18n, mod_user.ban_confirm, name = user.display_name.clone())}</p>
                    <div class="actions">
                        <button type="button" class="button danger" data-test="confirm-ban"
                            on:click=move |_| { confirming_ban.set(false); set_banned(true) }>{tr(i18n, |i| t_string!(i, mod_user.ban))}</button>
                        <button type="button" class="button secondary" on:click=move |_| confirming_ban.set(false)>{tr(i18n, |i| t_string!(i, mod_message.keep))}</button>
                    </div>
                </div>
            </Show>
        </div>
        <section class="card">
            <h2>{tr(i18n, |i| t_string!(i, mod_user.notes))}</h2>
            <textarea rows="3" class="notes" aria-label=tr(i18n, |i| t_string!(i, mod_user.notes)) bind:value=notes data-test="notes"></textarea>
            <button type="button" class="button small" on:click=save_notes>{tr(i18n, |i| t_string!(i, mod_user.save_notes))}</button>
        </section>
        <section class="card danger-zone" data-test="purge">
            <h2>{tr(i18n, |i| t_string!(i, mod_user.purge))}</h2>
            <p>{tr(i18n, |i| t_string!(i, mod_user.purge_text))}</p>
            <label class="choice"><input type="checkbox" bind:checked=ban_too />{tr(i18n, |i| t_string!(i, mod_user.ban_too))}</label>
            <div class="actions">
                <button type="button" class="button secondary" data-test="purge-preview" on:click=move |_| purge(false)>{tr(i18n, |i| t_string!(i, mod_user.preview))}</button>
            </div>
            {move || preview.get().map(|p| view! {
                <div class="notice warning" data-test="purge-summary">
                    <p>{t!(i18n, mod_user.purge_summary, messages = p.messages, descendants = p.descendants,
                        labels = p.labels, rankings = p.rankings, reactions = p.reactions, trees = p.trees_affected)}</p>
                    <button type="button" class="button danger" data-test="purge-confirm" on:click=move |_| purge(true)>{tr(i18n, |i| t_string!(i, mod_user.purge_now))}</button>
                </div>
            })}
            {move || purged.get().map(|p| view! {
                <p class="notice success" data-test="purge-done">{t!(i18n, mod_user.purged, count = p.messages)}</p>
            })}
        </section>
        <section class="card">
            <h2>{tr(i18n, |i| t_string!(i, mod_user.messages))}</h2>
            <table class="data-table">
                <thead><tr><th>{tr(i18n, |i| t_string!(i, mod_user.message))}</th><th>{tr(i18n, |i| t_string!(i, mod_user.role))}</th><th>{tr(i18n, |i| t_string!(i, mod_user.review))}</th><th>{tr(i18n, |i| t_string!(i, mod_user.state))}</th></tr></thead>
                <tbody>
                    {detail.messages.into_iter().map(|m| view! {
                        <tr class:deleted=m.deleted>
                            <td><A href=format!("/moderation/messages/{}", m.message_id)>{m.text.chars().take(100).collect::<String>()}</A></td>
                            <td>{role_name(i18n, m.role)}</td>
                            <td>{match m.review_result { None => t_string!(i18n, mod_user.pending), Some(true) => t_string!(i18n, mod_user.accepted), Some(false) => t_string!(i18n, mod_user.rejected) }}</td>
                            <td>{if m.deleted { t_string!(i18n, mod_user.deleted) } else { t_string!(i18n, mod_user.live) }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
