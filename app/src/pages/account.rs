//! The account page: profile, display name, password change and account deletion.

use crate::{
    api::{
        accounts::{update_languages, ChangePassword, CurrentUser, UpdateDisplayName},
        mail_links::{sign_in_options, ChangeEmail, SendVerification},
    },
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
    crate::drafts::keep_typed("account-new-password", new_password);
    let username = Signal::stored(user.username.clone());
    let display_name = RwSignal::new(user.display_name.clone());
    crate::drafts::keep_typed("account-display-name", display_name);
    Effect::new(move |_| {
        if let Some(Ok(name)) = rename.value().get() {
            display_name.set(name);
        }
    });
    let renamed = move || matches!(rename.value().get(), Some(Ok(_)));
    let password_changed = move || matches!(change_password.value().get(), Some(Ok(())));
    let has_password = user.has_password;

    view! {
        <h1>{tr(i18n, |i| t_string!(i, account.heading))}</h1>
        <section class="card">
            <dl class="facts">
                <dt>{tr(i18n, |i| t_string!(i, account.username))}</dt>
                <dd data-test="account-username">{user.username.clone()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, account.role))}</dt>
                <dd>{user.role.as_str()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, account.member_since))}</dt>
                <dd>{user.joined_on.clone()}</dd>
                <dt>{tr(i18n, |i| t_string!(i, account.terms_accepted))}</dt>
                <dd>{user.terms_accepted_on.clone().unwrap_or_else(|| t_string!(i18n, account.not_yet).to_owned())}</dd>
            </dl>
        </section>
        <EmailSection email=user.email.clone() verified=user.email_verified />
        <section class="card" data-test="sign-in-methods">
            <h2>{tr(i18n, |i| t_string!(i, methods.title))}</h2>
            <p class="muted">{tr(i18n, |i| t_string!(i, methods.intro))}</p>
            <p><a href="/account/sign-in" rel="external" data-test="sign-in-methods-link">{tr(i18n, |i| t_string!(i, methods.manage))}</a></p>
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
                    <input name="display_name" required maxlength="64" data-test="account-display-name" value=display_name.get_untracked() prop:value=display_name />
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
                // an account made by an identity provider sets its first password
                {if has_password {
                    view! {
                        <label>
                            {tr(i18n, |i| t_string!(i, account.current_password))}
                            <input name="current_password" type="password" autocomplete="current-password" required />
                        </label>
                    }.into_any()
                } else {
                    view! { <input type="hidden" name="current_password" value="" /> }.into_any()
                }}
                <label>
                    {tr(i18n, |i| t_string!(i, account.new_password))}
                    <input
                        name="new_password"
                        type="password"
                        autocomplete="new-password"
                        required
                        data-test="account-new-password"
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
                {if has_password {
                    view! {
                        <label>
                            {tr(i18n, |i| t_string!(i, account.confirm_password))}
                            <input name="password" type="password" autocomplete="current-password" required />
                        </label>
                    }.into_any()
                } else {
                    view! {
                        <label>
                            {tr(i18n, |i| t_string!(i, account.confirm_username))}
                            <input name="password" autocomplete="off" required />
                        </label>
                    }.into_any()
                }}
                <ActionError result=auth.delete_account.value() />
                <button type="submit" class="button danger">{tr(i18n, |i| t_string!(i, account.delete_button))}</button>
            </ActionForm>
        </section>
    }
}

/// The account's address: verified or not, a new verification link, another address. Links
/// need mail (SMTP); without it the address is only kept.
#[component]
fn EmailSection(email: Option<String>, verified: bool) -> impl IntoView {
    let i18n = use_i18n();
    let options = Resource::new(|| (), |()| sign_in_options());
    let resend = ServerAction::<SendVerification>::new();
    let change = ServerAction::<ChangeEmail>::new();
    let shown = RwSignal::new(email);
    let verified = RwSignal::new(verified);
    Effect::new(move |_| {
        if let Some(Ok(saved)) = change.value().get() {
            shown.set(saved);
            verified.set(false);
        }
    });
    let mail = move || options.get().and_then(Result::ok).is_some_and(|o| o.mail);
    let sent = move || {
        matches!(resend.value().get(), Some(Ok(())))
            || (mail() && matches!(change.value().get(), Some(Ok(Some(_)))))
    };
    view! {
        <section class="card" data-test="email">
            <h2>{tr(i18n, |i| t_string!(i, account.email))}</h2>
            <p>
                <span data-test="account-email">{move || shown.get().unwrap_or_else(|| t_string!(i18n, account.none).to_owned())}</span>
                " "
                {move || shown.get().map(|_| if verified.get() {
                    view! { <span class="badge accepted" data-test="email-verified-badge">{tr(i18n, |i| t_string!(i, account.email_verified))}</span> }.into_any()
                } else {
                    view! { <span class="badge" data-test="email-unverified-badge">{tr(i18n, |i| t_string!(i, account.email_unverified))}</span> }.into_any()
                })}
            </p>
            <Suspense fallback=|| ()>
                {move || (mail() && shown.get().is_some() && !verified.get()).then(|| view! {
                    <ActionForm action=resend attr:class="inline-form" attr:data-test="resend-verification">
                        <button type="submit" class="button secondary small">{tr(i18n, |i| t_string!(i, account.email_send))}</button>
                    </ActionForm>
                })}
            </Suspense>
            <Show when=sent>
                <p class="notice success" role="status" data-test="verification-sent">{tr(i18n, |i| t_string!(i, account.email_sent))}</p>
            </Show>
            <ActionForm action=change attr:class="form" attr:data-test="email-form">
                <label>
                    {tr(i18n, |i| t_string!(i, account.email_new))}
                    <input name="email" type="email" autocomplete="email" />
                </label>
                <p class="hint">{tr(i18n, |i| t_string!(i, account.email_hint))}</p>
                <ActionError result=change.value() />
                <button type="submit" class="button">{tr(i18n, |i| t_string!(i, account.email_save))}</button>
            </ActionForm>
        </section>
    }
}

/// The languages a user writes and judges in: tasks come only in these.
#[component]
fn LanguagePicker(chosen: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(chosen);
    // boxes ticked or unticked while the page was still the server's are kept once the app runs
    let ticked = crate::drafts::ticked_before_hydration("account-language");
    Effect::new(move |_| {
        if let Some(ticked) = &ticked {
            let same = chosen.with_untracked(|chosen| {
                chosen.len() == ticked.len() && ticked.iter().all(|tag| chosen.contains(tag))
            });
            if !same {
                chosen.set(ticked.clone());
            }
        }
    });
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
                                <input type="checkbox" data-test="account-language" value=tag.clone() checked=checked.clone() prop:checked=checked
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
            <button type="button" class="button wide" data-test="save-languages" on:click=save>{tr(i18n, |i| t_string!(i, account.save_languages))}</button>
        </section>
    }
}
