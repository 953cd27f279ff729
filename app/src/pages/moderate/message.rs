//! One message for moderators: its text, edit with history, delete and undelete, its tree's
//! state and limits with halt and restart, its reports and audit trail.

use super::{AuditTable, ModerationPage};
use crate::{
    api::moderation::{
        moderation_delete, moderation_edit, moderation_message, moderation_set_halted,
        moderation_undelete, MessageDossier,
    },
    components::{
        conversation::role_name, editor::MarkdownEditor, feedback::ErrorNote, language_name,
        markdown_view::Markdown, state_names::tree_state,
    },
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::{ids::MessageId, tree::TreeState};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_params_map};

#[component]
pub fn MessagePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|raw| raw.parse::<MessageId>().ok())
    };
    let version = RwSignal::new(0u32);
    let dossier = Resource::new(
        move || (id(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => moderation_message(id).await,
                None => Err(AppError::new(404, "message_not_found", "No such message.")),
            }
        },
    );
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <ModerationPage title=t_string!(i18n, mod_message.title)>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || dossier.get().map(|result| match result {
                    Ok(dossier) => view! { <Dossier dossier reload /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
        </ModerationPage>
    }
}

#[component]
fn Dossier(dossier: MessageDossier, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let message = dossier.message.message.clone();
    let id = message.message_id;
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let preview = dossier.delete_preview.clone();
    let draft = RwSignal::new(message.text.clone());
    let error = RwSignal::new(None::<AppError>);
    let run = move |action: &'static str| {
        spawn_local(async move {
            let result = match action {
                "delete" => moderation_delete(id).await.map(|_| ()),
                "undelete" => moderation_undelete(id).await.map(|_| ()),
                "halt" => moderation_set_halted(id, true).await.map(|_| ()),
                "restart" => moderation_set_halted(id, false).await.map(|_| ()),
                _ => moderation_edit(id, draft.get_untracked()).await,
            };
            match result {
                Ok(()) => {
                    error.set(None);
                    editing.set(false);
                    reload.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let tree = dossier.tree.clone();
    let halted =
        tree.state == TreeState::HaltedByModerator || tree.state == TreeState::AbortedLowGrade;
    let deleted = message.deleted;
    view! {
        <div class="card" data-test="mod-message" data-deleted=deleted.to_string()>
            <div class="message-meta">
                <span class="role">{role_name(i18n, message.role)}</span>
                <span>{t!(i18n, mod_message.by, author = message.author.clone().unwrap_or_default())}</span>
                <span class="badge">{message.lang.clone()}</span>
                {deleted.then(|| view! { <span class="badge rejected" data-test="deleted-badge">{tr(i18n, |i| t_string!(i, mod_message.deleted))}</span> })}
                {message.edited.then(|| view! { <span class="badge">{tr(i18n, |i| t_string!(i, mod_message.edited))}</span> })}
                <A href=format!("/messages/{id}")>{tr(i18n, |i| t_string!(i, mod_message.public))}</A>
            </div>
            <Show when=move || !editing.get() fallback=move || view! {
                <MarkdownEditor text=draft lang=message.lang.clone() locked=Signal::derive(|| false) placeholder=t_string!(i18n, mod_message.text_placeholder) />
                <p class="notice warning">{tr(i18n, |i| t_string!(i, mod_message.edit_warning))}</p>
                <div class="actions">
                    <button type="button" class="button" data-test="save-edit" on:click=move |_| run("edit")>{tr(i18n, |i| t_string!(i, mod_message.save_edit))}</button>
                    <button type="button" class="button secondary" on:click=move |_| editing.set(false)>{tr(i18n, |i| t_string!(i, mod_message.cancel))}</button>
                </div>
            }>
                <div data-test="mod-text"><Markdown text=draft.get_untracked() /></div>
            </Show>
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
            <div class="actions">
                <button type="button" class="button secondary" data-test="edit" on:click=move |_| editing.set(true)>{tr(i18n, |i| t_string!(i, mod_message.edit))}</button>
                {if deleted {
                    view! { <button type="button" class="button" data-test="undelete" on:click=move |_| run("undelete")>{tr(i18n, |i| t_string!(i, mod_message.undelete))}</button> }.into_any()
                } else {
                    view! { <button type="button" class="button danger" data-test="delete" on:click=move |_| confirming.set(true)>{tr(i18n, |i| t_string!(i, mod_message.delete))}</button> }.into_any()
                }}
            </div>
            <Show when=move || confirming.get()>
                <div class="notice warning" role="alertdialog" data-test="delete-confirmation">
                    <p>{t!(i18n, mod_message.delete_confirm, count = preview.messages, authors = preview.authors.join(", "))}</p>
                    <div class="actions">
                        <button type="button" class="button danger" data-test="confirm-delete"
                            on:click=move |_| { confirming.set(false); run("delete") }>{tr(i18n, |i| t_string!(i, mod_message.confirm_delete))}</button>
                        <button type="button" class="button secondary" on:click=move |_| confirming.set(false)>{tr(i18n, |i| t_string!(i, mod_message.keep))}</button>
                    </div>
                </div>
            </Show>
        </div>
        <section class="card" data-test="mod-tree">
            <h2>{tr(i18n, |i| t_string!(i, mod_message.tree))}</h2>
            <dl class="facts">
                <dt>{tr(i18n, |i| t_string!(i, mod_message.state))}</dt><dd data-test="tree-state" data-state=tree.state.as_str()>{tree_state(i18n, tree.state)}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_message.language))}</dt><dd>{language_name(&tree.lang)}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_message.goal))}</dt><dd>{tree.goal_tree_size}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_message.depth))}</dt><dd>{tree.max_depth}</dd>
                <dt>{tr(i18n, |i| t_string!(i, mod_message.replies))}</dt><dd>{tree.max_children_count}</dd>
            </dl>
            <div class="actions">
                {if halted {
                    view! { <button type="button" class="button" data-test="restart" on:click=move |_| run("restart")>{tr(i18n, |i| t_string!(i, mod_message.restart))}</button> }.into_any()
                } else {
                    view! { <button type="button" class="button danger" data-test="halt" on:click=move |_| run("halt")>{tr(i18n, |i| t_string!(i, mod_message.halt))}</button> }.into_any()
                }}
                <A href=format!("/messages/{}", tree.message_tree_id)>{tr(i18n, |i| t_string!(i, mod_message.whole_tree))}</A>
            </div>
        </section>
        <section class="card" data-test="revisions">
            <h2>{tr(i18n, |i| t_string!(i, mod_message.history))}</h2>
            {if dossier.revisions.is_empty() {
                view! { <p class="muted">{tr(i18n, |i| t_string!(i, mod_message.never))}</p> }.into_any()
            } else {
                view! {
                    <ol class="revisions">
                        {dossier.revisions.into_iter().map(|r| view! {
                            <li data-test="revision">
                                <p class="muted">{t!(i18n, mod_message.edited_on, editor = r.editor.clone(), date = r.created_at.chars().take(16).collect::<String>().replace('T', " "))}</p>
                                <div class="diff">
                                    <div class="before"><strong>{tr(i18n, |i| t_string!(i, mod_message.before))}</strong><Markdown text=r.previous_text /></div>
                                    <div class="after"><strong>{tr(i18n, |i| t_string!(i, mod_message.after))}</strong><Markdown text=r.new_text /></div>
                                </div>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
        <section class="card" data-test="message-reports">
            <h2>{tr(i18n, |i| t_string!(i, mod_message.reports))}</h2>
            {if dossier.reports.is_empty() {
                view! { <p class="muted">{tr(i18n, |i| t_string!(i, mod_message.no_reports))}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {dossier.reports.into_iter().map(|r| view! {
                            <li>{format!("{} ({}): {}", r.reporter, r.status.as_str(), r.reason)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{tr(i18n, |i| t_string!(i, mod_message.audit))}</h2>
            <AuditTable entries=dossier.audit />
        </section>
    }
}
