//! The account page: profile, display name, password change and account deletion.

use crate::{
    api::accounts::{update_languages, ChangePassword, CurrentUser, UpdateDisplayName},
    auth::use_auth,
    components::{
        feedback::ActionError, guard::RequireUser, locale_select::LocaleSelect,
        password_meter::PasswordMeter,
    },
};
use crate::{i18n::*, tr};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    view! {
        <Title text=move || t_string!(i18n, account.title).to_string() />
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
    let i18n = use_i18n();
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
        <h1>{tr(i18n, |i| t_string!(i, account.heading))}</h1>
        <section class="card">
            <dl class="facts">
                <dt>{tr(i18n, |i| t_string!(i, account.username))}</dt>
                <dd data-test="account-username">{user.username.clone()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, account.email))}</dt>
                <dd>{user.email.clone().unwrap_or_else(|| t_string!(i18n, account.none).to_owned())}</dd>
                <dt>{tr(i18n, |i| t_string!(i, account.role))}</dt>
                <dd>{user.role.as_str()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, account.member_since))}</dt>
                <dd>{user.joined_on.clone()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, account.terms_accepted))}</dt>
                <dd>{user.terms_accepted_on.clone().unwrap_or_else(|| t_string!(i18n, account.not_yet).to_owned())}</dd>
            </dl>
        </section>
        <section class="card" data-test="interface-language">
            <h2>{tr(i18n, |i| t_string!(i, account.interface))}</h2>
            <p class="muted">{tr(i18n, |i| t_string!(i, account.interface_hint))}</p>
            <LocaleSelect />
        </section>
        <LanguagePicker chosen=user.languages.clone() />
        <section class="card">
            <h2>{tr(i18n, |i| t_string!(i, account.display_name))}</h2>
            <ActionForm action=rename attr:class="form" attr:data-test="display-name-form">
                <label>
                    {tr(i18n, |i| t_string!(i, account.display_name_hint))}
                    <input name="display_name" required maxlength="64" prop:value=display_name />
                </label>
                <ActionError result=rename.value() />
                <Show when=renamed>
                    <p class="notice success" data-test="display-name-saved">{tr(i18n, |i| t_string!(i, account.saved))}</p>
                </Show>
                <button type="submit" class="button">{tr(i18n, |i| t_string!(i, account.save_name))}</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>{tr(i18n, |i| t_string!(i, account.password))}</h2>
            <ActionForm action=change_password attr:class="form" attr:data-test="password-form">
                <label>
                    {tr(i18n, |i| t_string!(i, account.current_password))}
                    <input name="current_password" type="password" autocomplete="current-password" required />
                </label>
                <label>
                    {tr(i18n, |i| t_string!(i, account.new_password))}
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
                        {tr(i18n, |i| t_string!(i, account.password_changed))}
                    </p>
                </Show>
                <button type="submit" class="button">{tr(i18n, |i| t_string!(i, account.change_password))}</button>
            </ActionForm>
        </section>
        <section class="card danger-zone">
            <h2>{tr(i18n, |i| t_string!(i, account.delete))}</h2>
            <p>
                {tr(i18n, |i| t_string!(i, account.delete_text))}
            </p>
            <ActionForm action=auth.delete_account attr:class="form" attr:data-test="delete-form">
                <label>
                    {tr(i18n, |i| t_string!(i, account.confirm_password))}
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <ActionError result=auth.delete_account.value() />
                <button type="submit" class="button danger">{tr(i18n, |i| t_string!(i, account.delete_button))}</button>
            </ActionForm>
        </section>
    }
}

/// The languages a user writes and judges in: tasks come only in these.
#[component]
fn LanguagePicker(chosen: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(chosen);
    let saved = RwSignal::new(false);
    let error = RwSignal::new(None::<crate::error::AppError>);
    let save = move |_| {
        let languages = chosen.get_untracked();
        leptos::task::spawn_local(async move {
            match update_languages(languages).await {
                Ok(languages) => {
                    chosen.set(languages);
                    saved.set(true);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" id="languages" data-test="languages">
            <h2>{tr(i18n, |i| t_string!(i, account.languages))}</h2>
            <p class="muted">{tr(i18n, |i| t_string!(i, account.languages_hint))}</p>
            <div class="language-grid">
                {domain::message::LANGUAGES
                    .iter()
                    .map(|(tag, english, native)| {
                        let tag = (*tag).to_owned();
                        let checked = { let tag = tag.clone(); move || chosen.with(|c| c.contains(&tag)) };
                        view! {
                            <label class="choice">
                                <input type="checkbox" value=tag.clone() prop:checked=checked
                                    on:change={
                                        let tag = tag.clone();
                                        move |ev| {
                                            let on = event_target_checked(&ev);
                                            saved.set(false);
                                            chosen.update(|c| {
                                                c.retain(|t| *t != tag);
                                                if on {
                                                    c.push(tag.clone());
                                                }
                                            });
                                        }
                                    } />
                                {format!("{english} · {native}")}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            {move || error.get().map(|error| view! { <crate::components::feedback::ErrorNote error /> })}
            <Show when=move || saved.get()>
                <p class="notice success" data-test="languages-saved">{tr(i18n, |i| t_string!(i, account.saved))}</p>
            </Show>
            <button type="button" class="button" data-test="save-languages" on:click=save>{tr(i18n, |i| t_string!(i, account.save_languages))}</button>
        </section>
    }
}
