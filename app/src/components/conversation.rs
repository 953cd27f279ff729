//! The conversation a task is about, root first, with the message that matters highlighted.

use super::markdown_view::Markdown;
use crate::{i18n::*, tr};
use domain::{message::Role, task::view::ConversationMessage};
use leptos::prelude::*;

/// A role as a reader sees it.
pub fn role_name(i18n: crate::I18n, role: Role) -> &'static str {
    match role {
        Role::Prompter => t_string!(i18n, conversation.user),
        Role::Assistant => t_string!(i18n, conversation.assistant),
    }
}

#[component]
pub fn Conversation(
    messages: Vec<ConversationMessage>,
    /// Highlight the last message (the one replied to, ranked under or reviewed).
    #[prop(optional)]
    highlight_last: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let last = messages.len().saturating_sub(1);
    view! {
        <ol class="conversation" aria-label=tr(i18n, |i| t_string!(i, conversation.aria))>
            {messages
                .into_iter()
                .enumerate()
                .map(|(index, message)| {
                    let highlighted = highlight_last && index == last;
                    let role = message.role;
                    view! {
                        <li
                            class="turn"
                            class:assistant=role == Role::Assistant
                            class:highlight=highlighted
                            data-test=if highlighted { "highlighted-message" } else { "message" }
                        >
                            <div class="turn-meta">
                                <span class="role">{move || role_name(i18n, role)}</span>
                                {message.is_own.then(|| view! { <span class="badge">{tr(i18n, |i| t_string!(i, conversation.own))}</span> })}
                                {message.synthetic.then(|| view! { <span class="badge">{tr(i18n, |i| t_string!(i, conversation.synthetic))}</span> })}
                            </div>
                            <Markdown text=message.text />
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
