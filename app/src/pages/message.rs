//! A message page: the conversation leading to the message, and its whole tree with replies in
//! rank order, each with thumbs, report and labels.

use crate::{
    api::messages::{label_message, message_tree, report_message, toggle_thumb},
    auth::use_auth,
    components::{
        conversation::role_name, feedback::ErrorNote, label_form::LabelForm, language_name,
        markdown_view::Markdown, state_names::tree_state,
    },
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::{
    account::Role,
    ids::MessageId,
    label::{catalogue, LabelMode, LabelTarget},
    task::view::LabelField,
    tree::view::{MessageView, Thumb, TreeView},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use std::{collections::BTreeMap, sync::Arc};

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
    let tree = Resource::new(id, |id| async move {
        match id {
            Some(id) => message_tree(id).await.map(|tree| (id, tree)),
            None => Err(AppError::new(404, "message_not_found", "No such message.")),
        }
    });
    view! {
        <Title text=move || t_string!(i18n, message.title).to_string() />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || tree.get().map(|result| match result {
                Ok((id, tree)) => view! { <TreePage focus=id tree /> }.into_any(),
                Err(error) if error.code == "message_not_found" => view! { <Gone /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNote error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

/// A message that cannot be shown (removed, still in review for this reader, or a wrong
/// address): a page that says so and where to go, answered with HTTP 404.
#[component]
fn Gone() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <section class="card centered" data-test="message-gone">
            <h1>{tr(i18n, |i| t_string!(i, message.gone_title))}</h1>
            <p>{tr(i18n, |i| t_string!(i, message.gone_text))}</p>
            <div class="actions">
                <A href="/dashboard" attr:class="button">{tr(i18n, |i| t_string!(i, message.gone_back))}</A>
                <A href="/contributions" attr:class="button secondary">{tr(i18n, |i| t_string!(i, nav.contributions))}</A>
            </div>
        </section>
    }
}

/// Thumbs up, down and the reader's own of every message on the page, one signal a message, so
/// the two cards of a message (in the conversation and in the whole tree) show the same counts.
#[derive(Clone)]
struct PageThumbs(Arc<Vec<(MessageId, RwSignal<ThumbState>)>>);

type ThumbState = (i32, i32, Option<Thumb>);

#[component]
fn TreePage(focus: MessageId, tree: TreeView) -> impl IntoView {
    let i18n = use_i18n();
    provide_context(PageThumbs(Arc::new(
        tree.messages
            .iter()
            .map(|m| {
                let state = (m.thumbs_up, m.thumbs_down, m.my_thumb);
                (m.message_id, RwSignal::new(state))
            })
            .collect(),
    )));
    let all = Arc::new(tree.messages.clone());
    let mut thread = Vec::new();
    let mut cursor = all.iter().find(|m| m.message_id == focus).cloned();
    while let Some(message) = cursor {
        cursor = message
            .parent_id
            .and_then(|parent| all.iter().find(|m| m.message_id == parent).cloned());
        thread.push(message);
    }
    thread.reverse();
    let root = all.iter().find(|m| m.parent_id.is_none()).cloned();
    view! {
        <section data-test="message-page">
            <h1>{tr(i18n, |i| t_string!(i, message.conversation))}</h1>
            <p class="muted">
                {t!(i18n, message.summary, state = move || tree_state(i18n, tree.state), language = language_name(&tree.lang), count = tree.messages.len())}
            </p>
            <ol class="thread">
                {thread.into_iter().map(|message| {
                    let focused = message.message_id == focus;
                    view! { <li><MessageCard message focused /></li> }
                }).collect_view()}
            </ol>
            <h2>{tr(i18n, |i| t_string!(i, message.whole_tree))}</h2>
            <div class="tree" data-test="tree">
                {root.map(|root| view! { <TreeNode message=root all=all.clone() focus /> })}
            </div>
        </section>
    }
}

#[component]
fn TreeNode(message: MessageView, all: Arc<Vec<MessageView>>, focus: MessageId) -> AnyView {
    let children: Vec<MessageView> = all
        .iter()
        .filter(|m| m.parent_id == Some(message.message_id))
        .cloned()
        .collect();
    let focused = message.message_id == focus;
    let auth = use_auth();
    let moderator = move || {
        auth.me
            .get()
            .and_then(|me| me.ok().flatten())
            .is_some_and(|me| me.role.at_least(Role::Moderator))
    };
    // the full app's tools: moderators get that bundle, volunteers' pages never show the panel
    let gold =
        crate::use_staff_tools().map(|tools| (tools.gold_panel, message.clone(), children.clone()));
    view! {
        <div class="tree-node">
            <MessageCard message focused />
            <Show when=moderator>
                {gold.clone().map(|(panel, message, children)| panel(message, children))}
            </Show>
            {(!children.is_empty()).then(|| view! {
                <div class="tree-children">
                    {children.into_iter().map(|child| view! { <TreeNode message=child all=all.clone() focus /> }).collect_view()}
                </div>
            })}
        </div>
    }
    .into_any()
}

fn status(i18n: crate::I18n, message: &MessageView) -> (&'static str, &'static str) {
    match message.review_result {
        None => (t_string!(i18n, message.in_review), "pending"),
        Some(true) => (t_string!(i18n, message.accepted), "accepted"),
        Some(false) => (t_string!(i18n, message.rejected), "rejected"),
    }
}

#[component]
fn MessageCard(message: MessageView, focused: bool) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let logged_in = move || auth.me.get().and_then(|me| me.ok().flatten()).is_some();
    let id = message.message_id;
    let thumbs = use_context::<PageThumbs>()
        .and_then(|page| {
            page.0
                .iter()
                .find(|(m, _)| *m == id)
                .map(|(_, thumbs)| *thumbs)
        })
        .unwrap_or_else(|| {
            RwSignal::new((message.thumbs_up, message.thumbs_down, message.my_thumb))
        });
    let error = RwSignal::new(None::<AppError>);
    let reporting = RwSignal::new(false);
    let labelling = RwSignal::new(false);
    let report_text = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<&'static str>);
    let labels = RwSignal::new(BTreeMap::<String, f64>::new());
    let fields: Vec<LabelField> = catalogue::valid_labels(
        LabelTarget::of(message.role, u32::try_from(message.depth).unwrap_or(0)),
        LabelMode::Full,
    )
    .into_iter()
    .filter(|spec| spec.name != "spam" && spec.name != "fails_task")
    .map(|spec| LabelField::from_spec(spec, false))
    .collect();
    let vote = move |thumb: Thumb| {
        spawn_local(async move {
            match toggle_thumb(id, thumb).await {
                Ok(state) => thumbs.set((state.thumbs_up, state.thumbs_down, state.mine)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let send_report = move |_| {
        let reason = report_text.get_untracked();
        spawn_local(async move {
            match report_message(id, reason).await {
                Ok(()) => {
                    reporting.set(false);
                    notice.set(Some(t_string!(i18n, message.report_thanks)));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let send_labels = move |_| {
        let chosen = labels.get_untracked();
        spawn_local(async move {
            match label_message(id, chosen).await {
                Ok(()) => {
                    labelling.set(false);
                    notice.set(Some(t_string!(i18n, message.labels_saved)));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let (status_text, status_class) = status(i18n, &message);
    let own = message.is_own;
    view! {
        <article class="message-card" class:focused=focused class:assistant=message.role == domain::message::Role::Assistant
            data-test=if focused { "focused-message" } else { "tree-message" } data-message-id=id.to_string()>
            <header class="message-meta">
                <span class="role">{role_name(i18n, message.role)}</span>
                // names only where the reader may see them (domain::tree::audience)
                {message.author.clone().map(|author| view! { <span class="muted">{t!(i18n, message.by, author)}</span> })}
                <span class=format!("badge {status_class}")>{status_text}</span>
                {message.rank.map(|rank| view! { <span class="badge rank" data-test="rank">{format!("#{}", rank + 1)}</span> })}
                {message.reward_score.map(|score| view! {
                    <span class="badge reward" data-test="reward-score" title=tr(i18n, |i| t_string!(i, mod_models.reward))>{format!("{score:+.2}")}</span>
                })}
                {message.synthetic.then(|| view! { <span class="badge">{tr(i18n, |i| t_string!(i, conversation.synthetic))}</span> })}
                {message.edited.then(|| view! { <span class="badge">{tr(i18n, |i| t_string!(i, message.edited))}</span> })}
                <A href=format!("/messages/{id}") attr:class="permalink">{tr(i18n, |i| t_string!(i, message.link))}</A>
            </header>
            <Markdown text=message.text.clone() />
            <footer class="message-actions">
                <button type="button" class="thumb" data-test="thumb-up"
                    aria-pressed=move || (thumbs.get().2 == Some(Thumb::Up)).to_string()
                    disabled=move || own || !logged_in() on:click=move |_| vote(Thumb::Up)>
                    <span aria-hidden="true">"👍 "</span><span class="sr-only">{tr(i18n, |i| t_string!(i, message.thumbs_up))} " "</span>{move || thumbs.get().0}
                </button>
                <button type="button" class="thumb" data-test="thumb-down"
                    aria-pressed=move || (thumbs.get().2 == Some(Thumb::Down)).to_string()
                    disabled=move || own || !logged_in() on:click=move |_| vote(Thumb::Down)>
                    <span aria-hidden="true">"👎 "</span><span class="sr-only">{tr(i18n, |i| t_string!(i, message.thumbs_down))} " "</span>{move || thumbs.get().1}
                </button>
                <Show when=move || logged_in() && !own>
                    <button type="button" class="link-button" data-test="report" on:click=move |_| reporting.update(|r| *r = !*r)>{tr(i18n, |i| t_string!(i, message.report))}</button>
                    <button type="button" class="link-button" data-test="label" on:click=move |_| labelling.update(|l| *l = !*l)>{tr(i18n, |i| t_string!(i, message.label))}</button>
                </Show>
            </footer>
            <Show when=move || reporting.get()>
                <div class="card-form form">
                    <label>{tr(i18n, |i| t_string!(i, message.what_wrong))}
                        <textarea rows="3" bind:value=report_text data-test="report-reason"></textarea>
                    </label>
                    <button type="button" class="button small danger" data-test="send-report" on:click=send_report>{tr(i18n, |i| t_string!(i, message.send_report))}</button>
                </div>
            </Show>
            <Show when=move || labelling.get()>
                <div class="card-form">
                    <LabelForm fields=fields.clone() values=labels locked=Signal::derive(|| false) />
                    <button type="button" class="button small" data-test="save-labels" on:click=send_labels>{tr(i18n, |i| t_string!(i, message.save_labels))}</button>
                </div>
            </Show>
            {move || notice.get().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
        </article>
    }
}
