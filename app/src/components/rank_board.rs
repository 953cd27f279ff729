//! Ordering sibling replies: cards moved by drag and drop (the mouse drags a card, a finger or
//! pen its grip, through pointer events), or entirely by keyboard (arrow keys on a focused
//! card, or its buttons); ties marked per card, long replies expanded in place.

use super::markdown_view::Markdown;
use crate::{i18n::*, tr};
use domain::{ids::MessageId, task::view::ConversationMessage};
use leptos::{
    ev::{KeyboardEvent, PointerEvent},
    prelude::*,
};
use serde::{Deserialize, Serialize};

/// Replies longer than this are shown collapsed at first.
const LONG_REPLY: usize = 500;

/// The ranking being built, kept in the draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankState {
    /// Best first.
    pub order: Vec<MessageId>,
    /// Per position: tied with the reply above it.
    pub tied: Vec<bool>,
    pub not_rankable: bool,
    /// Whether the annotator changed anything (the initial order is random).
    pub touched: bool,
}

impl RankState {
    pub fn new(replies: &[ConversationMessage]) -> Self {
        Self {
            order: replies.iter().map(|r| r.message_id).collect(),
            tied: vec![false; replies.len()],
            not_rankable: false,
            touched: false,
        }
    }

    /// Groups of tied replies, best first, as the engine takes them.
    pub fn groups(&self) -> Vec<Vec<MessageId>> {
        let mut groups: Vec<Vec<MessageId>> = Vec::new();
        for (index, id) in self.order.iter().enumerate() {
            let tied = index > 0 && self.tied.get(index).copied().unwrap_or(false);
            match groups.last_mut() {
                Some(group) if tied => group.push(*id),
                _ => groups.push(vec![*id]),
            }
        }
        groups
    }

    /// The displayed rank of each position (tied replies share one).
    fn ranks(&self) -> Vec<usize> {
        let mut rank = 0;
        (0..self.order.len())
            .map(|index| {
                if index == 0 || !self.tied.get(index).copied().unwrap_or(false) {
                    rank = index + 1;
                }
                rank
            })
            .collect()
    }

    fn move_item(&mut self, from: usize, to: usize) {
        if from == to || from >= self.order.len() || to >= self.order.len() {
            return;
        }
        let id = self.order.remove(from);
        self.order.insert(to, id);
        // ties belong to positions; a move starts the moved reply untied
        self.tied = vec![false; self.order.len()];
        self.touched = true;
    }
}

#[component]
pub fn RankBoard(
    replies: Vec<ConversationMessage>,
    state: RwSignal<RankState>,
    #[prop(into)] locked: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let replies = StoredValue::new(replies);
    let dragged = StoredValue::new(None::<usize>);
    let position = move |id: MessageId| state.with(|s| s.order.iter().position(|o| *o == id));
    // a touch or pen drag: the reply held by its grip, moved to the card under the pointer
    let held = RwSignal::new(None::<MessageId>);
    follow_touch_drag(state, held, locked);
    let move_by = move |id: MessageId, delta: isize| {
        if locked.get_untracked() {
            return;
        }
        state.update(|s| {
            if let Some(from) = s.order.iter().position(|o| *o == id) {
                let to = from as isize + delta;
                if to >= 0 {
                    s.move_item(from, to as usize);
                }
            }
        });
        refocus(id);
    };

    view! {
        <div class="rank-board" data-test="rank-board">
            <p class="hint">
                {tr(i18n, |i| t_string!(i, rank.hint_start))}
                <kbd>"↑"</kbd>
                " / "
                <kbd>"↓"</kbd>
                {tr(i18n, |i| t_string!(i, rank.hint_move))}
                <kbd>"T"</kbd>
                {tr(i18n, |i| t_string!(i, rank.hint_tie))}
            </p>
            <ol class="rank-list">
                <For each=move || state.with(|s| s.order.clone()) key=|id| *id let:id>
                    {
                        let reply = replies
                            .with_value(|all| all.iter().find(|r| r.message_id == id).cloned());
                        let text = reply.map(|r| r.text).unwrap_or_default();
                        let long = text.chars().count() > LONG_REPLY;
                        let expanded = RwSignal::new(!long);
                        let index = move || position(id).unwrap_or(0);
                        let rank = move || state.with(|s| s.ranks().get(index()).copied().unwrap_or(0));
                        let tied = move || state.with(|s| index() > 0 && s.tied.get(index()).copied().unwrap_or(false));
                        let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
                            "ArrowUp" => {
                                ev.prevent_default();
                                move_by(id, -1);
                            }
                            "ArrowDown" => {
                                ev.prevent_default();
                                move_by(id, 1);
                            }
                            "t" | "T" if !locked.get_untracked() && index() > 0 => {
                                state.update(|s| {
                                    let i = s.order.iter().position(|o| *o == id).unwrap_or(0);
                                    if let Some(flag) = s.tied.get_mut(i) {
                                        *flag = !*flag;
                                        s.touched = true;
                                    }
                                });
                            }
                            _ => {}
                        };
                        view! {
                            <li
                                class="rank-card"
                                class:tied=tied
                                class:dragging=move || held.get() == Some(id)
                                tabindex="0"
                                draggable=move || (!locked.get()).to_string()
                                data-rank-card=id.to_string()
                                aria-label=move || t_string!(i18n, rank.card).replace("{rank}", &rank().to_string())
                                on:keydown=on_keydown
                                on:dragstart=move |_| dragged.set_value(position(id))
                                on:dragover=move |ev| ev.prevent_default()
                                on:drop=move |ev| {
                                    ev.prevent_default();
                                    if let (Some(from), Some(to)) = (dragged.get_value(), position(id)) {
                                        if !locked.get_untracked() {
                                            state.update(|s| s.move_item(from, to));
                                        }
                                    }
                                    dragged.set_value(None);
                                }
                            >
                                <div class="rank-grip" aria-hidden="true" data-test="rank-grip"
                                    on:pointerdown=move |ev: PointerEvent| {
                                        // the mouse drags the whole card (HTML drag and drop)
                                        if ev.pointer_type() != "mouse" && !locked.get_untracked() {
                                            ev.prevent_default();
                                            held.set(Some(id));
                                        }
                                    }
                                >
                                    <span class="grip-dots">"⠿"</span>
                                    <span class="rank-number" data-test="rank-number">{rank}</span>
                                </div>
                                <div class="rank-body">
                                    <div class="rank-text" class:collapsed=move || !expanded.get()>
                                        <Markdown text=text.clone() />
                                    </div>
                                    <div class="rank-actions">
                                        {long.then(|| view! {
                                            <button type="button" class="link-button" on:click=move |_| expanded.update(|e| *e = !*e)>
                                                {move || if expanded.get() { t_string!(i18n, rank.show_less) } else { t_string!(i18n, rank.show_more) }}
                                            </button>
                                        })}
                                        <button type="button" class="button small secondary" aria-label=tr(i18n, |i| t_string!(i, rank.move_up))
                                            disabled=move || locked.get() || index() == 0
                                            on:click=move |_| move_by(id, -1)>{tr(i18n, |i| t_string!(i, rank.up))}</button>
                                        <button type="button" class="button small secondary" aria-label=tr(i18n, |i| t_string!(i, rank.move_down))
                                            disabled={move || locked.get() || index() + 1 >= state.with(|s| s.order.len())}
                                            on:click=move |_| move_by(id, 1)>{tr(i18n, |i| t_string!(i, rank.down))}</button>
                                        <label class="tie-toggle">
                                            <input type="checkbox"
                                                prop:checked=tied
                                                disabled=move || locked.get() || index() == 0
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    state.update(|s| {
                                                        let i = s.order.iter().position(|o| *o == id).unwrap_or(0);
                                                        if let Some(flag) = s.tied.get_mut(i) {
                                                            *flag = on;
                                                            s.touched = true;
                                                        }
                                                    });
                                                } />
                                            {tr(i18n, |i| t_string!(i, rank.tied))}
                                        </label>
                                    </div>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
            <label class="check-row" data-test="not-rankable">
                <input
                    type="checkbox"
                    prop:checked=move || state.with(|s| s.not_rankable)
                    disabled=locked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        state.update(|s| {
                            s.not_rankable = on;
                            s.touched = true;
                        });
                    }
                />
                {tr(i18n, |i| t_string!(i, rank.not_rankable))}
            </label>
        </div>
    }
}

/// While a reply is `held` by its grip, the pointer's moves over the window put it in the place
/// of the card under the pointer; lifting or cancelling lets go. Listening on the window keeps
/// the drag alive while the card's element moves in the list.
fn follow_touch_drag(
    state: RwSignal<RankState>,
    held: RwSignal<Option<MessageId>>,
    locked: Signal<bool>,
) {
    #[cfg(feature = "hydrate")]
    {
        let moving = window_event_listener(leptos::ev::pointermove, move |ev| {
            let Some(id) = held.get_untracked() else {
                return;
            };
            if locked.get_untracked() {
                return;
            }
            ev.prevent_default();
            let target = document()
                .element_from_point(ev.client_x() as f32, ev.client_y() as f32)
                .and_then(|element| element.closest("[data-rank-card]").ok().flatten())
                .and_then(|card| card.get_attribute("data-rank-card"))
                .and_then(|raw| raw.parse::<MessageId>().ok());
            if let Some(over) = target.filter(|over| *over != id) {
                state.update(|s| {
                    let from = s.order.iter().position(|o| *o == id);
                    let to = s.order.iter().position(|o| *o == over);
                    if let (Some(from), Some(to)) = (from, to) {
                        s.move_item(from, to);
                    }
                });
            }
        });
        let lifted = window_event_listener(leptos::ev::pointerup, move |_| held.set(None));
        let cancelled = window_event_listener(leptos::ev::pointercancel, move |_| held.set(None));
        on_cleanup(move || {
            moving.remove();
            lifted.remove();
            cancelled.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, held, locked);
}

/// Moving a card re-inserts its element, which loses keyboard focus; give it back.
fn refocus(id: MessageId) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use leptos::wasm_bindgen::JsCast;
        let selector = format!("[data-rank-card=\"{id}\"]");
        if let Some(card) = document()
            .query_selector(&selector)
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = card.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<MessageId> {
        (0..n)
            .map(|i| MessageId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)))
            .collect()
    }

    #[test]
    fn moves_and_ties_become_groups() {
        let order = ids(3);
        let mut state = RankState {
            order: order.clone(),
            tied: vec![false; 3],
            not_rankable: false,
            touched: false,
        };
        state.move_item(2, 0);
        assert!(state.touched);
        assert_eq!(state.order, vec![order[2], order[0], order[1]]);
        state.tied[2] = true;
        assert_eq!(
            state.groups(),
            vec![vec![order[2]], vec![order[0], order[1]]]
        );
        assert_eq!(state.ranks(), vec![1, 2, 2]);
    }
}
