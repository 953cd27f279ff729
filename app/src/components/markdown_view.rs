//! A message's Markdown, rendered and sanitised.

use crate::markdown::render;
use leptos::prelude::*;

#[component]
pub fn Markdown(#[prop(into)] text: Signal<String>) -> impl IntoView {
    view! { <div class="markdown" inner_html=move || render(&text.get())></div> }
}
