//! A live strength meter under a new-password field. It runs in the browser as the user types,
//! using the same rule the server enforces.

use crate::i18n::*;
use domain::account::{NewPassword, PasswordStrength};
use leptos::prelude::*;

#[component]
pub fn PasswordMeter(
    #[prop(into)] password: Signal<String>,
    #[prop(into)] username: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let strength = Memo::new(move |_| {
        let password = password.get();
        (!password.is_empty()).then(|| NewPassword::strength(&password, &username.get()))
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
        </div>
    }
}
