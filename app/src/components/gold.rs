//! Marking gold items from the tree view (moderators): a message's expected labels, or the
//! expected order of its replies, each with an explanation annotators see when they miss it.

use super::{
    feedback::ErrorNote,
    label_form::LabelForm,
    rank_board::{RankBoard, RankState},
};
use crate::{
    api::quality::{gold_items, mark_gold, retire_gold},
    error::AppError,
    i18n::*,
    tr,
};
use domain::{
    ids::{GoldId, MessageId},
    label::{catalogue, LabelMode, LabelTarget},
    quality::gold::{Expected, GoldItemView, NewGold},
    task::view::{ConversationMessage, LabelField},
    tree::view::MessageView,
};
use leptos::{prelude::*, task::spawn_local};
use std::collections::BTreeMap;

/// What an expectation says, in a few words; replies are named by `name`.
pub fn describe(expected: &Expected, name: &dyn Fn(MessageId) -> String) -> String {
    match expected {
        Expected::Labels { labels, tolerance } => {
            let values: Vec<String> = labels
                .iter()
                .map(|(name, value)| format!("{name} = {value}"))
                .collect();
            if *tolerance > 0.0 {
                format!("{} (± {tolerance})", values.join(", "))
            } else {
                values.join(", ")
            }
        }
        Expected::Ranking { ranking } => ranking
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|id| name(*id))
                    .collect::<Vec<_>>()
                    .join(" = ")
            })
            .collect::<Vec<_>>()
            .join(" > "),
    }
}

/// The first characters of an id, for a reply without a text at hand.
pub fn short_id(id: MessageId) -> String {
    id.to_string().chars().take(8).collect()
}

/// The gold controls of one message in the tree view.
#[component]
pub fn GoldPanel(message: MessageView, children: Vec<MessageView>) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let existing = RwSignal::new(Vec::<GoldItemView>::new());
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let labels = RwSignal::new(BTreeMap::<String, f64>::new());
    let tolerance = RwSignal::new("0.25".to_owned());
    let explanation = RwSignal::new(String::new());
    let id = message.message_id;
    let tree = message.message_tree_id;
    let fields: Vec<LabelField> = catalogue::valid_labels(
        LabelTarget::of(message.role, u32::try_from(message.depth).unwrap_or(0)),
        LabelMode::Full,
    )
    .into_iter()
    .map(|spec| LabelField::from_spec(spec, false))
    .collect();
    let replies: Vec<ConversationMessage> = children
        .iter()
        .filter(|c| {
            c.review_result == Some(true) && !c.deleted && c.role == message.role.reply_role()
        })
        .map(|c| ConversationMessage {
            message_id: c.message_id,
            role: c.role,
            text: c.text.clone(),
            lang: c.lang.clone(),
            is_own: false,
            synthetic: c.synthetic,
        })
        .collect();
    let rankable = replies.len() >= 2;
    let names: BTreeMap<MessageId, String> = replies
        .iter()
        .map(|r| {
            let mut short: String = r.text.chars().take(40).collect();
            if r.text.chars().count() > 40 {
                short.push('…');
            }
            (r.message_id, format!("“{short}”"))
        })
        .collect();
    let names = StoredValue::new(names);
    let name = move |id: MessageId| {
        names.with_value(|names| names.get(&id).cloned().unwrap_or_else(|| short_id(id)))
    };
    let order = RwSignal::new(RankState::new(&replies));
    let load = move || {
        spawn_local(async move {
            match gold_items(Some(tree)).await {
                Ok(items) => {
                    existing.set(items.into_iter().filter(|g| g.message_id == id).collect())
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let save = move |expected: Expected| {
        let gold = NewGold {
            message_id: id,
            expected,
            explanation: explanation.get_untracked(),
        };
        spawn_local(async move {
            match mark_gold(gold).await {
                Ok(_) => {
                    error.set(None);
                    notice.set(Some(t_string!(i18n, quality.gold_saved)));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let save_labels = move |_| {
        save(Expected::Labels {
            labels: labels.get_untracked(),
            tolerance: tolerance.get_untracked().parse().unwrap_or(0.0),
        })
    };
    let save_ranking = move |_| {
        save(Expected::Ranking {
            ranking: order.get_untracked().groups(),
        })
    };
    let retire = move |gold: GoldId| {
        spawn_local(async move {
            match retire_gold(gold).await {
                Ok(()) => load(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="gold-panel" data-test="gold-panel">
            <button type="button" class="link-button" data-test="gold-toggle" aria-expanded=move || open.get().to_string()
                on:click=move |_| {
                    let opening = !open.get_untracked();
                    open.set(opening);
                    if opening {
                        load();
                    }
                }>{tr(i18n, |i| t_string!(i, quality.gold_toggle))}</button>
            <Show when=move || open.get()>
                <div class="card-form form">
                    {move || {
                        let items = existing.get();
                        (!items.is_empty()).then(|| view! {
                            <ul class="gold-list" data-test="gold-existing">
                                {items.into_iter().map(|item| {
                                    let gold = item.gold_id;
                                    view! {
                                        <li>
                                            <span class="badge gold">{tr(i18n, |i| t_string!(i, quality.gold_badge))}</span>
                                            " " {describe(&item.expected, &name)} " "
                                            <span class="muted">{item.explanation.clone()}</span>
                                            " "
                                            <button type="button" class="link-button" on:click=move |_| retire(gold)>{tr(i18n, |i| t_string!(i, quality.retire))}</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        })
                    }}
                    <label>{tr(i18n, |i| t_string!(i, quality.explanation))}
                        <textarea rows="2" dir="auto" bind:value=explanation data-test="gold-explanation"></textarea>
                    </label>
                    <h3>{tr(i18n, |i| t_string!(i, quality.mark_labels))}</h3>
                    <LabelForm fields=fields.clone() values=labels locked=Signal::derive(|| false) />
                    <label>{tr(i18n, |i| t_string!(i, quality.tolerance))}
                        <select bind:value=tolerance data-test="gold-tolerance">
                            <option value="0">"0"</option>
                            <option value="0.25">"± 1"</option>
                            <option value="0.5">"± 2"</option>
                        </select>
                    </label>
                    <button type="button" class="button small" data-test="save-gold-labels" on:click=save_labels>{tr(i18n, |i| t_string!(i, quality.save_gold))}</button>
                    {rankable.then(|| view! {
                        <h3>{tr(i18n, |i| t_string!(i, quality.mark_ranking))}</h3>
                        <RankBoard replies=replies.clone() state=order locked=Signal::derive(|| false) />
                        <button type="button" class="button small" data-test="save-gold-ranking" on:click=save_ranking>{tr(i18n, |i| t_string!(i, quality.save_gold))}</button>
                    })}
                    {move || notice.get().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
                    {move || error.get().map(|error| view! { <ErrorNote error /> })}
                </div>
            </Show>
        </div>
    }
}
