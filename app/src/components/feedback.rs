//! Messages to the user: errors, by code.

use crate::{error::AppError, i18n::*};
use leptos::prelude::*;

/// Shows an error's message, in the interface language for the errors people commonly meet;
/// the others keep the server's (English) message, which often names the exact field. The code
/// is kept as an attribute for tests and styling.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let code = error.code.clone();
    let message = message(error);
    view! {
        <p class="error-note" role="alert" data-code=code>
            {message}
        </p>
    }
}

/// An answer that is not a failure (nothing to do right now), as a friendly notice rather than
/// a red error.
#[component]
pub fn InfoNote(error: AppError) -> impl IntoView {
    let code = error.code.clone();
    let message = message(error);
    view! {
        <p class="notice info" role="status" data-code=code>
            {message}
        </p>
    }
}

/// The error's text: English readers get the server's own message, which is often more
/// specific; others the catalogue's for the common codes.
fn message(error: AppError) -> impl Fn() -> String + Send + Sync + 'static {
    let i18n = use_i18n();
    move || match i18n.get_locale() {
        Locale::en => error.message.clone(),
        _ => translated(i18n, &error.code).map_or_else(|| error.message.clone(), str::to_owned),
    }
}

fn translated(i18n: crate::I18n, code: &str) -> Option<&'static str> {
    Some(match code {
        "network" => t_string!(i18n, errors.network),
        "rate_limited" => t_string!(i18n, errors.rate_limited),
        "unauthenticated" => t_string!(i18n, errors.unauthenticated),
        "forbidden" => t_string!(i18n, errors.forbidden),
        "no_task_available" => t_string!(i18n, errors.no_task_available),
        "invalid_credentials" => t_string!(i18n, errors.invalid_credentials),
        "username_taken" => t_string!(i18n, errors.username_taken),
        "email_taken" => t_string!(i18n, errors.email_taken),
        "weak_password" => t_string!(i18n, errors.weak_password),
        "password_common" => t_string!(i18n, errors.password_common),
        "password_word" => t_string!(i18n, errors.password_word),
        "password_name" => t_string!(i18n, errors.password_name),
        "password_pattern" => t_string!(i18n, errors.password_pattern),
        "password_date" => t_string!(i18n, errors.password_date),
        "password_guessable" => t_string!(i18n, errors.password_guessable),
        "name_taken" => t_string!(i18n, errors.name_taken),
        "link_invalid" => t_string!(i18n, errors.link_invalid),
        "mail_not_configured" => t_string!(i18n, errors.mail_not_configured),
        "identity_taken" => t_string!(i18n, methods.identity_taken),
        "identity_already_linked" => t_string!(i18n, methods.already_linked),
        "last_sign_in_method" => t_string!(i18n, methods.only_way),
        "link_offer_expired" => t_string!(i18n, connect.expired),
        "invalid_display_name" => t_string!(i18n, errors.invalid_display_name),
        "account_banned" => t_string!(i18n, errors.banned),
        "task_expired" => t_string!(i18n, errors.task_expired),
        "task_not_found" => t_string!(i18n, errors.task_not_found),
        "database_unavailable" => t_string!(i18n, errors.database_unavailable),
        "internal" => t_string!(i18n, errors.internal),
        _ => return None,
    })
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
