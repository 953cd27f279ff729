//! The Markdown editor of writing tasks: write and preview tabs, a live length bar, the
//! language the text goes in with a warning when it looks like another.

use super::language_name;
use super::markdown_view::Markdown;
use crate::{
    api::dashboard::{detect_language, LanguageGuess},
    i18n::*,
    tr,
};
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

/// Words a useful message usually has; the bar fills toward it.
const GOAL_WORDS: usize = 50;
/// Longest message in characters (the engine's default limit).
pub const MAX_CHARS: usize = 2000;

#[component]
pub fn MarkdownEditor(
    text: RwSignal<String>,
    lang: String,
    /// True while the author reviews before submitting: the text cannot change.
    #[prop(into)]
    locked: Signal<bool>,
    #[prop(into)] placeholder: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let preview = RwSignal::new(false);
    let words = move || text.with(|t| t.split_whitespace().count());
    let chars = move || text.with(|t| t.chars().count());
    let level = move || match words() {
        0..20 => "short",
        20..40 => "fair",
        _ => "good",
    };
    let warning_name = StoredValue::new(language_name(&lang));
    // marks the textarea once the app owns it (see `typed_before_hydration` of the workspace),
    // and puts the focus there: writing is the first thing to do
    let input = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(element) = input.get() {
            let _ = element.set_attribute("data-live", "true");
            let _ = element.focus();
        }
    });

    // ask the server what language the draft looks like, once typing pauses. The timer and the
    // request can outlive the editor (a submitted task is replaced at once), so they only touch
    // its state through `try_`: a disposed editor is simply a stale generation.
    let guess = RwSignal::new(None::<LanguageGuess>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let draft = text.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let lang = lang.clone();
        set_timeout(
            move || {
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                spawn_local(async move {
                    if let Ok(result) = detect_language(draft, lang).await {
                        if generation.try_get_value() == Some(mine) {
                            guess.try_set(result);
                        }
                    }
                });
            },
            Duration::from_millis(700),
        );
    });

    view! {
        <div class="editor">
            <div class="tabs" role="tablist">
                <button
                    type="button"
                    role="tab"
                    aria-selected=move || (!preview.get()).to_string()
                    class:active=move || !preview.get()
                    on:click=move |_| preview.set(false)
                >
                    {tr(i18n, |i| t_string!(i, editor.write))}
                </button>
                <button
                    type="button"
                    role="tab"
                    aria-selected=move || preview.get().to_string()
                    class:active=move || preview.get()
                    on:click=move |_| preview.set(true)
                >
                    {tr(i18n, |i| t_string!(i, editor.preview))}
                </button>
            </div>
            <Show
                when=move || preview.get() || locked.get()
                fallback=move || {
                    view! {
                        <textarea
                            class="editor-input"
                            aria-label=tr(i18n, |i| t_string!(i, editor.input_label))
                            data-test="editor"
                            dir="auto"
                            rows="10"
                            placeholder=placeholder.clone()
                            node_ref=input
                            bind:value=text
                        ></textarea>
                    }
                }
            >
                <div class="editor-preview" data-test="preview">
                    <Markdown text=Signal::derive(move || text.get()) />
                </div>
            </Show>
            <div class="length" data-level=level>
                <div class="length-bar">
                    <span style:width=move || format!("{}%", (words() * 100 / GOAL_WORDS).min(100))></span>
                </div>
                <span class="length-label" data-test="length">
                    {t!(i18n, editor.words, words, goal = GOAL_WORDS)}
                </span>
                <span class="char-count" class:over={move || chars() > MAX_CHARS}>
                    {t!(i18n, editor.chars, chars, max = MAX_CHARS)}
                </span>
            </div>
            <Show when=move || { chars() > MAX_CHARS }>
                <p class="notice warning" role="alert" data-test="too-long">
                    {t!(i18n, editor.too_long, over = move || chars().saturating_sub(MAX_CHARS))}
                </p>
            </Show>
            <p class="language-line" data-test="submission-language">
                {t!(i18n, editor.submitted_in, language = warning_name.get_value())}
            </p>
            {move || {
                guess
                    .get()
                    .filter(|g| g.mismatch)
                    .map(|g| {
                        // whatlang knows languages Grove does not offer: those keep their English name
                        let detected = Some(language_name(&g.lang))
                            .filter(|name| *name != g.lang)
                            .unwrap_or(g.english_name);
                        view! {
                            <p class="notice warning" role="status" data-test="language-warning">
                                {t!(
                                    i18n,
                                    editor.mismatch,
                                    detected = detected.clone(),
                                    language = warning_name.get_value()
                                )}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
