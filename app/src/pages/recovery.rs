//! Sign-in help by e-mail: a forgotten password (`/forgot`, then `/reset?token=`), a sign-in
//! link (`/login/email`, then `/login/link?token=`) and address verification
//! (`/verify?token=`). Every form also works as a plain form without the WebAssembly.

use crate::{
    api::mail_links::{
        link_usable, sign_in_options, verify_email, RequestLoginLink, RequestPasswordReset,
        ResetPassword, UseLoginLink,
    },
    components::{feedback::ActionError, password_meter::PasswordMeter},
    i18n::*,
    tr,
};
use domain::account::LinkPurpose;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// The `token` of the page's address.
fn token() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get("token").unwrap_or_default()
}

/// Shown instead of a form when this Grove sends no mail.
#[component]
fn NoMail() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="notice info" data-test="mail-unavailable">{tr(i18n, |i| t_string!(i, recovery.unavailable))}</p> }
}

/// Where a form asking for a link goes when this Grove sends mail: an address in, the same
/// answer whatever it is (`sent` once done).
#[component]
fn AskForLink(
    done: Signal<bool>,
    sent: fn(I18n) -> &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let options = Resource::new(|| (), |()| sign_in_options());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| ()>
            {move || options.get().map(|options| match options {
                Ok(options) if options.mail => view! {
                    {children.with_value(|children| children())}
                    <Show when=move || done.get()>
                        <p class="notice success" role="status" data-test="link-sent">{tr(i18n, sent)}</p>
                    </Show>
                }.into_any(),
                _ => view! { <NoMail /> }.into_any(),
            })}
        </Suspense>
    }
}

/// The address field of a form asking for a link.
#[component]
fn AddressField() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>
            {tr(i18n, |i| t_string!(i, recovery.email))}
            <input name="email" type="email" autocomplete="email" required />
        </label>
    }
}

#[component]
pub fn ForgotPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<RequestPasswordReset>::new();
    let done = Signal::derive(move || matches!(action.value().get(), Some(Ok(()))));
    view! {
        <Title text=move || t_string!(i18n, recovery.forgot_title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, recovery.forgot_title))}</h1>
            <p class="muted">{tr(i18n, |i| t_string!(i, recovery.forgot_intro))}</p>
            <AskForLink done sent=|i| t_string!(i, recovery.reset_sent)>
                <ActionForm action attr:class="form" attr:data-test="ask-for-link">
                    <AddressField />
                    <ActionError result=action.value() />
                    <button type="submit" class="button">{tr(i18n, |i| t_string!(i, recovery.send))}</button>
                </ActionForm>
            </AskForLink>
            <p class="muted"><A href="/login">{tr(i18n, |i| t_string!(i, recovery.back_to_login))}</A></p>
        </section>
    }
}

#[component]
pub fn EmailSignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<RequestLoginLink>::new();
    let done = Signal::derive(move || matches!(action.value().get(), Some(Ok(()))));
    view! {
        <Title text=move || t_string!(i18n, recovery.link_title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, recovery.link_title))}</h1>
            <p class="muted">{tr(i18n, |i| t_string!(i, recovery.link_intro))}</p>
            <AskForLink done sent=|i| t_string!(i, recovery.link_sent)>
                <ActionForm action attr:class="form" attr:data-test="ask-for-link">
                    <AddressField />
                    <ActionError result=action.value() />
                    <button type="submit" class="button">{tr(i18n, |i| t_string!(i, recovery.send))}</button>
                </ActionForm>
            </AskForLink>
            <p class="muted"><A href="/login">{tr(i18n, |i| t_string!(i, recovery.back_to_login))}</A></p>
        </section>
    }
}

/// A used or expired link: say so and offer a new one.
#[component]
fn Expired(again: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="notice info" data-test="link-expired">{tr(i18n, |i| t_string!(i, recovery.expired))}</p>
        <p><A href=again attr:class="button secondary">{tr(i18n, |i| t_string!(i, recovery.ask_again))}</A></p>
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = token();
    let usable = Resource::new(token, |token| {
        link_usable(token, LinkPurpose::ResetPassword)
    });
    let action = ServerAction::<ResetPassword>::new();
    crate::auth::load_next_page_after(action);
    let password = RwSignal::new(String::new());
    crate::drafts::keep_typed("reset-password", password);
    view! {
        <Title text=move || t_string!(i18n, recovery.reset_title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, recovery.reset_title))}</h1>
            <Suspense fallback=|| ()>
                {move || usable.get().map(|usable| match usable {
                    Ok(true) => view! {
                        <ActionForm action attr:class="form" attr:data-test="reset-form">
                            <input type="hidden" name="token" prop:value=token />
                            <label>
                                {tr(i18n, |i| t_string!(i, recovery.new_password))}
                                <input name="new_password" type="password" autocomplete="new-password" required data-test="reset-password" bind:value=password />
                            </label>
                            <PasswordMeter password username=Signal::stored(String::new()) />
                            <ActionError result=action.value() />
                            <button type="submit" class="button">{tr(i18n, |i| t_string!(i, recovery.reset_submit))}</button>
                        </ActionForm>
                    }.into_any(),
                    _ => view! { <Expired again="/forgot" /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn LinkSignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = token();
    let usable = Resource::new(token, |token| link_usable(token, LinkPurpose::LoginLink));
    let action = ServerAction::<UseLoginLink>::new();
    crate::auth::load_next_page_after(action);
    // the link signs in only when its button is pressed: a mail scanner opening it does not
    view! {
        <Title text=move || t_string!(i18n, recovery.use_title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, recovery.use_title))}</h1>
            <Suspense fallback=|| ()>
                {move || usable.get().map(|usable| match usable {
                    Ok(true) => view! {
                        <p class="muted">{tr(i18n, |i| t_string!(i, recovery.use_text))}</p>
                        <ActionForm action attr:class="form" attr:data-test="link-sign-in">
                            <input type="hidden" name="token" prop:value=token />
                            <ActionError result=action.value() />
                            <button type="submit" class="button">{tr(i18n, |i| t_string!(i, recovery.use_button))}</button>
                        </ActionForm>
                    }.into_any(),
                    _ => view! { <Expired again="/login/email" /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn VerifyPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = token();
    let verified = Resource::new(token, verify_email);
    view! {
        <Title text=move || t_string!(i18n, recovery.verify_title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, recovery.verify_title))}</h1>
            <Suspense fallback=|| ()>
                {move || verified.get().map(|verified| match verified {
                    Ok(email) => view! {
                        <p class="notice success" data-test="email-verified">{t!(i18n, recovery.verified, email)}</p>
                        <p><A href="/dashboard" attr:class="button">{tr(i18n, |i| t_string!(i, message.gone_back))}</A></p>
                    }.into_any(),
                    Err(_) => view! { <Expired again="/account" /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
