//! One user for moderators: role, ban, notes, leaderboard visibility, stats, messages (deleted
//! ones too), and a purge of their contributions with a preview first.

use super::ModerationPage;
use crate::{
    api::moderation::{
        moderation_purge, moderation_set_banned, moderation_set_leaderboard, moderation_set_notes,
        moderation_set_role, moderation_user,
    },
    components::{conversation::role_name, feedback::ErrorNote},
    error::AppError,
};
use domain::{
    account::Role,
    ids::UserId,
    moderation::{PurgeSummary, UserDetail},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_params_map};

#[component]
pub fn UserPage() -> impl IntoView {
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
        <ModerationPage title="User">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
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
    let user = detail.summary.clone();
    let id = user.id;
    let error = RwSignal::new(None::<AppError>);
    let notes = RwSignal::new(detail.notes.clone());
    let preview = RwSignal::new(None::<PurgeSummary>);
    let purged = RwSignal::new(None::<PurgeSummary>);
    let ban_too = RwSignal::new(true);
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
                <dt>"Role"</dt><dd data-test="user-role">{user.role.as_str()}</dd>
                <dt>"State"</dt><dd data-test="user-state">{if user.deleted { "deleted" } else if user.banned { "banned" } else { "active" }}</dd>
                <dt>"E-mail"</dt><dd>{detail.email.clone().unwrap_or_else(|| "none".to_owned())}</dd>
                <dt>"Joined"</dt><dd>{user.created_at.chars().take(10).collect::<String>()}</dd>
                <dt>"Terms accepted"</dt><dd>{detail.terms_accepted_at.clone().map(|t| t.chars().take(10).collect::<String>()).unwrap_or_else(|| "no".to_owned())}</dd>
                <dt>"Points"</dt><dd>{format!("{} (level {}, {} day streak)", score.points, score.level, score.streak_days)}</dd>
                <dt>"Work"</dt><dd>{format!("{} prompts, {} assistant and {} user replies, {} reviews, {} rankings",
                    score.contributions.prompts, score.contributions.assistant_replies, score.contributions.prompter_replies,
                    score.contributions.full_reviews + score.contributions.quick_reviews, score.contributions.rankings)}</dd>
            </dl>
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
            <div class="actions">
                <label>"Role "
                    <select data-test="role-select" on:change=move |ev| {
                        if let Ok(role) = Role::parse(&event_target_value(&ev)) { set_role(role) }
                    }>
                        {Role::ALL.into_iter().map(|role| view! {
                            <option value=role.as_str() selected=role == user.role>{role.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {if user.banned {
                    view! { <button type="button" class="button" data-test="unban" on:click=move |_| set_banned(false)>"Unban"</button> }.into_any()
                } else {
                    view! { <button type="button" class="button danger" data-test="ban" on:click=move |_| set_banned(true)>"Ban"</button> }.into_any()
                }}
                <button type="button" class="button secondary" on:click=toggle_board>
                    {if detail.show_on_leaderboard { "Hide from leaderboards" } else { "Show on leaderboards" }}
                </button>
            </div>
        </div>
        <section class="card">
            <h2>"Notes"</h2>
            <textarea rows="3" bind:value=notes data-test="notes"></textarea>
            <button type="button" class="button small" on:click=save_notes>"Save notes"</button>
        </section>
        <section class="card danger-zone" data-test="purge">
            <h2>"Purge contributions"</h2>
            <p>"Deletes every message of this user (with the replies below them) and removes their reviews, rankings and reactions. Look at the preview first."</p>
            <label class="choice"><input type="checkbox" bind:checked=ban_too />"Ban the user too"</label>
            <div class="actions">
                <button type="button" class="button secondary" data-test="purge-preview" on:click=move |_| purge(false)>"Preview"</button>
            </div>
            {move || preview.get().map(|p| view! {
                <div class="notice warning" data-test="purge-summary">
                    <p>{format!("This removes {} messages of theirs, {} replies by others below them, {} reviews, {} rankings and {} reactions, in {} trees.",
                        p.messages, p.descendants, p.labels, p.rankings, p.reactions, p.trees_affected)}</p>
                    <button type="button" class="button danger" data-test="purge-confirm" on:click=move |_| purge(true)>"Purge now"</button>
                </div>
            })}
            {move || purged.get().map(|p| view! {
                <p class="notice success" data-test="purge-done">{format!("Purged {} messages.", p.messages)}</p>
            })}
        </section>
        <section class="card">
            <h2>"Messages"</h2>
            <table class="data-table">
                <thead><tr><th>"Message"</th><th>"Role"</th><th>"Review"</th><th>"State"</th></tr></thead>
                <tbody>
                    {detail.messages.into_iter().map(|m| view! {
                        <tr class:deleted=m.deleted>
                            <td><A href=format!("/moderation/messages/{}", m.message_id)>{m.text.chars().take(100).collect::<String>()}</A></td>
                            <td>{role_name(m.role)}</td>
                            <td>{match m.review_result { None => "pending", Some(true) => "accepted", Some(false) => "rejected" }}</td>
                            <td>{if m.deleted { "deleted" } else { "live" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
