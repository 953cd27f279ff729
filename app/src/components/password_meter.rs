//! A live strength meter under a new-password field. It runs in the browser as the user types,
//! using the same rule the server enforces.

use domain::account::{NewPassword, PasswordStrength};
use leptos::prelude::*;

#[component]
pub fn PasswordMeter(
    #[prop(into)] password: Signal<String>,
    #[prop(into)] username: Signal<String>,
) -> impl IntoView {
    let strength = Memo::new(move |_| {
        let password = password.get();
        (!password.is_empty()).then(|| NewPassword::strength(&password, &username.get()))
    });
    let label = move || match strength.get() {
        None => "Enter a password",
        Some(PasswordStrength::TooWeak) => "Too weak",
        Some(PasswordStrength::Fair) => "Fair",
        Some(PasswordStrength::Good) => "Good",
        Some(PasswordStrength::Strong) => "Strong",
    };
    let score = move || strength.get().map_or(0, PasswordStrength::score);

    view! {
        <div class="meter" data-score=score aria-live="polite">
            <div class="meter-bar">
                <span style:width=move || format!("{}%", score() * 25)></span>
            </div>
            <span class="meter-label" data-test="password-strength">{label}</span>
            <span class="hint">
                {format!("At least {} characters; avoid common passwords and your username.", NewPassword::MIN_LEN)}
            </span>
        </div>
    }
}
