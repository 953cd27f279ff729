//! The account page: profile, display name, password change and account deletion.

use crate::{
    api::accounts::{ChangePassword, CurrentUser, UpdateDisplayName},
    auth::use_auth,
    components::{feedback::ActionError, guard::RequireUser, password_meter::PasswordMeter},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="Account" />
        <RequireUser>
            {move || {
                auth.me
                    .get()
                    .and_then(|me| me.ok().flatten())
                    .map(|user| view! { <AccountDetails user /> })
            }}
        </RequireUser>
    }
}

#[component]
fn AccountDetails(user: CurrentUser) -> impl IntoView {
    let auth = use_auth();
    let rename = ServerAction::<UpdateDisplayName>::new();
    let change_password = ServerAction::<ChangePassword>::new();
    let new_password = RwSignal::new(String::new());
    let username = Signal::stored(user.username.clone());
    let display_name = RwSignal::new(user.display_name.clone());
    Effect::new(move |_| {
        if let Some(Ok(name)) = rename.value().get() {
            display_name.set(name);
        }
    });
    let renamed = move || matches!(rename.value().get(), Some(Ok(_)));
    let password_changed = move || matches!(change_password.value().get(), Some(Ok(())));

    view! {
        <h1>"Your account"</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Username"</dt>
                <dd data-test="account-username">{user.username.clone()}</dd>
                <dt>"E-mail"</dt>
                <dd>{user.email.clone().unwrap_or_else(|| "none".to_owned())}</dd>
                <dt>"Role"</dt>
                <dd>{user.role.as_str()}</dd>
                <dt>"Member since"</dt>
                <dd>{user.joined_on.clone()}</dd>
                <dt>"Terms accepted"</dt>
                <dd>{user.terms_accepted_on.clone().unwrap_or_else(|| "not yet".to_owned())}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Display name"</h2>
            <ActionForm action=rename attr:class="form" attr:data-test="display-name-form">
                <label>
                    "Shown next to your contributions and on the leaderboard"
                    <input name="display_name" required maxlength="64" prop:value=display_name />
                </label>
                <ActionError result=rename.value() />
                <Show when=renamed>
                    <p class="notice success" data-test="display-name-saved">"Saved."</p>
                </Show>
                <button type="submit" class="button">"Save name"</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"Password"</h2>
            <ActionForm action=change_password attr:class="form" attr:data-test="password-form">
                <label>
                    "Current password"
                    <input name="current_password" type="password" autocomplete="current-password" required />
                </label>
                <label>
                    "New password"
                    <input
                        name="new_password"
                        type="password"
                        autocomplete="new-password"
                        required
                        bind:value=new_password
                    />
                </label>
                <PasswordMeter password=new_password username />
                <ActionError result=change_password.value() />
                <Show when=password_changed>
                    <p class="notice success" data-test="password-saved">
                        "Password changed. Your other sessions were logged out."
                    </p>
                </Show>
                <button type="submit" class="button">"Change password"</button>
            </ActionForm>
        </section>
        <section class="card danger-zone">
            <h2>"Delete account"</h2>
            <p>
                "Your username, e-mail and display name are removed and you are logged out. Messages, reviews and rankings you contributed stay in the dataset, shown as \"Deleted user\"."
            </p>
            <ActionForm action=auth.delete_account attr:class="form" attr:data-test="delete-form">
                <label>
                    "Confirm with your password"
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <ActionError result=auth.delete_account.value() />
                <button type="submit" class="button danger">"Delete my account"</button>
            </ActionForm>
        </section>
    }
}
