//! Messages to the user: errors, by code.

use crate::error::AppError;
use leptos::prelude::*;

/// Shows an error's message; the code is kept as an attribute for tests and styling.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    view! {
        <p class="error-note" role="alert" data-code=error.code.clone()>
            {error.message}
        </p>
    }
}

/// Shows the error of the last run of an action, if it failed.
#[component]
pub fn ActionError<T: Clone + Send + Sync + 'static>(
    #[prop(into)] result: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    move || {
        result
            .get()
            .and_then(Result::err)
            .map(|error| view! { <ErrorNote error /> })
    }
}
