//! The page for unknown addresses, answered with HTTP 404.

use crate::{i18n::*, tr};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, not_found.title).to_string() />
        <section class="card centered" data-test="not-found">
            <h1>{tr(i18n, |i| t_string!(i, not_found.heading))}</h1>
            <p>{tr(i18n, |i| t_string!(i, not_found.text))}</p>
            <A href="/" attr:class="button">{tr(i18n, |i| t_string!(i, not_found.back))}</A>
        </section>
    }
}
