//! A live strength meter under a new-password field: a quick estimate in the browser as the
//! user types, then, once typing pauses, the server's verdict (zxcvbn, the rule it enforces)
//! with the reason when the password is too easy to guess.

use crate::{
    api::accounts::check_password, components::feedback::ErrorNote, error::AppError, i18n::*,
};
use domain::account::{NewPassword, PasswordStrength};
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

#[component]
pub fn PasswordMeter(
    #[prop(into)] password: Signal<String>,
    #[prop(into)] username: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    // the server's verdict on the password as typed, when typing has paused
    let verdict = RwSignal::new(None::<(String, Result<(), AppError>)>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (typed, name) = (password.get(), username.get());
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if typed.is_empty() {
            return;
        }
        set_timeout(
            move || {
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                spawn_local(async move {
                    let result = check_password(typed.clone(), name).await;
                    if generation.try_get_value() == Some(mine) {
                        verdict.try_set(Some((typed, result)));
                    }
                });
            },
            Duration::from_millis(500),
        );
    });
    // the server's refusal of the current text, if it has one
    let refusal = move || {
        verdict.with(|v| match v {
            Some((checked, Err(error)))
                if *checked == password.get() && error.code.starts_with("password_") =>
            {
                Some(error.clone())
            }
            _ => None,
        })
    };
    let strength = Memo::new(move |_| {
        let password = password.get();
        (!password.is_empty()).then(|| {
            if refusal().is_some() {
                PasswordStrength::TooWeak
            } else {
                NewPassword::strength(&password, &username.get())
            }
        })
    });
    let label = move || match strength.get() {
        None => t_string!(i18n, password.enter),
        Some(PasswordStrength::TooWeak) => t_string!(i18n, password.too_weak),
        Some(PasswordStrength::Fair) => t_string!(i18n, password.fair),
        Some(PasswordStrength::Good) => t_string!(i18n, password.good),
        Some(PasswordStrength::Strong) => t_string!(i18n, password.strong),
    };
    let score = move || strength.get().map_or(0, PasswordStrength::score);

    view! {
        <div class="meter" data-score=score aria-live="polite">
            <div class="meter-bar">
                <span style:width=move || format!("{}%", score() * 25)></span>
            </div>
            <span class="meter-label" data-test="password-strength">{label}</span>
            <span class="hint">
                {t!(i18n, password.rule, min = NewPassword::MIN_LEN)}
            </span>
            <div data-test="password-reason">{move || refusal().map(|error| view! { <ErrorNote error /> })}</div>
        </div>
    }
}
