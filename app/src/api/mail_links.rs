//! Sign-in help by e-mail: verifying an address, resetting a forgotten password, signing in by
//! a link. Asking for a link answers the same whether the address is known or not (the mail
//! goes out in the background, so not even the time differs).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::session::{engine, require_user, UserSession};

/// What the sign-in page can offer besides username and password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInHelp {
    /// Links by e-mail (SMTP is configured).
    pub mail: bool,
    /// Identity providers to sign in with.
    pub providers: Vec<crate::api::identity::SignInProvider>,
}

#[server(endpoint = "sign_in/options", input = leptos::server_fn::codec::Json)]
pub async fn sign_in_options() -> Result<SignInHelp, AppError> {
    Ok(SignInHelp {
        mail: crate::mail::mailer().is_some(),
        providers: crate::api::identity::providers(),
    })
}

#[cfg(feature = "ssr")]
fn mail_off() -> AppError {
    AppError::new(
        404,
        "mail_not_configured",
        "E-mail is not set up on this Grove (GROVE_SMTP_URL).",
    )
}

/// Sends a reset or sign-in link to `email` if a live account has it verified; the answer is
/// the same either way.
#[cfg(feature = "ssr")]
async fn send_link_to(email: &str, purpose: domain::account::LinkPurpose) -> Result<(), AppError> {
    let mailer = crate::mail::mailer().ok_or_else(mail_off)?;
    if let Some(link) = engine()?.link_for_address(email, purpose).await? {
        mailer.send_later(crate::mail::link_mail(&link, &crate::mail::site_url()));
    }
    Ok(())
}

#[server(endpoint = "password/forgot")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    send_link_to(&email, domain::account::LinkPurpose::ResetPassword).await
}

#[server(endpoint = "sign_in/email")]
pub async fn request_login_link(email: String) -> Result<(), AppError> {
    send_link_to(&email, domain::account::LinkPurpose::LoginLink).await
}

/// Whether a link still works (its page offers the form only then).
#[server(endpoint = "link/usable", input = leptos::server_fn::codec::Json)]
pub async fn link_usable(
    token: String,
    purpose: domain::account::LinkPurpose,
) -> Result<bool, AppError> {
    Ok(engine()?.link_is_usable(&token, purpose).await?)
}

/// Sets a new password with a reset link, ends every other session, and signs this one in;
/// the page to go to next.
#[server(endpoint = "password/reset")]
pub async fn reset_password(token: String, new_password: String) -> Result<String, AppError> {
    let user = engine()?.reset_password(&token, new_password).await?;
    UserSession::from_request().await?.log_in(&user).await?;
    Ok(crate::api::accounts::landing_page(&user))
}

/// Signs in with a link (once); the page to go to next.
#[server(endpoint = "sign_in/link")]
pub async fn use_login_link(token: String) -> Result<String, AppError> {
    let user = engine()?.use_login_link(&token).await?;
    UserSession::from_request().await?.log_in(&user).await?;
    Ok(crate::api::accounts::landing_page(&user))
}

/// Uses a verification link: the address now verified.
#[server(endpoint = "email/verify", input = leptos::server_fn::codec::Json)]
pub async fn verify_email(token: String) -> Result<String, AppError> {
    Ok(engine()?.verify_email(&token).await?)
}

/// Sends the logged-in user's address a new verification link.
#[server(endpoint = "email/send_verification")]
pub async fn send_verification() -> Result<(), AppError> {
    let mailer = crate::mail::mailer().ok_or_else(mail_off)?;
    let user = require_user().await?;
    if let Some(link) = engine()?.verification_link(user.id).await? {
        mailer.send_later(crate::mail::link_mail(&link, &crate::mail::site_url()));
    }
    Ok(())
}

/// Gives the account a new address (unverified; a link goes to it) or removes it (empty).
#[server(endpoint = "email/change")]
pub async fn change_email(email: String) -> Result<Option<String>, AppError> {
    let user = require_user().await?;
    let engine = engine()?;
    let saved = engine.change_email(user.id, &email).await?;
    if saved.is_some() {
        welcome_address(&engine, user.id).await?;
    }
    Ok(saved)
}

/// After a registration or an address change: a verification link to the new address, or,
/// when another account already verified it, a notice to that address instead (the answer to
/// the request is the same).
#[cfg(feature = "ssr")]
pub async fn welcome_address(
    engine: &engine::Engine,
    user: domain::ids::UserId,
) -> Result<(), AppError> {
    let Some(mailer) = crate::mail::mailer() else {
        return Ok(());
    };
    let account = engine.user(user).await?;
    let Some(address) = account.email.clone().filter(|_| !account.email_verified) else {
        return Ok(());
    };
    let base = crate::mail::site_url();
    if engine.address_taken_by_other(user, &address).await? {
        mailer.send_later(crate::mail::known_address_mail(&address, &base));
    } else if let Some(link) = engine.verification_link(user).await? {
        mailer.send_later(crate::mail::link_mail(&link, &base));
    }
    Ok(())
}
