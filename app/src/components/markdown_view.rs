//! A message's Markdown, rendered and sanitised.

use crate::markdown::render;
use leptos::prelude::*;

#[component]
pub fn Markdown(#[prop(into)] text: Signal<String>) -> impl IntoView {
    // user-written text keeps its own direction (English stays readable in the Arabic interface)
    view! { <div class="markdown" dir="auto" inner_html=move || render(&text.get())></div> }
}
