//! Registration, login, logout, terms acceptance and the account page. The actions that change
//! who is logged in answer with the page to go to next; the browser then loads it afresh, so
//! every part of the page sees the new login at once.

use crate::error::AppError;
use domain::{account::Role, ids::UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::session::{engine, redirect_plain_form, require_user, UserSession};

/// The logged-in account as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// Whether the address was proven by a link sent to it.
    pub email_verified: bool,
    /// False for an account made by an identity provider until it sets a password.
    pub has_password: bool,
    pub role: Role,
    /// When the terms were accepted (UTC date), if they were.
    pub terms_accepted_on: Option<String>,
    pub joined_on: String,
    /// Contribution languages, in the user's order.
    pub languages: Vec<String>,
    /// The interface language chosen (a catalogue locale); none follows the browser.
    pub interface_locale: Option<String>,
}

impl CurrentUser {
    pub fn has_accepted_terms(&self) -> bool {
        self.terms_accepted_on.is_some()
    }
}

#[cfg(feature = "ssr")]
impl From<engine::accounts::User> for CurrentUser {
    fn from(user: engine::accounts::User) -> Self {
        Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            email_verified: user.email_verified,
            has_password: user.has_password,
            role: user.role,
            terms_accepted_on: user.tos_accepted_at.map(|at| at.date().to_string()),
            joined_on: user.created_at.date().to_string(),
            languages: user.languages,
            interface_locale: user.interface_locale,
        }
    }
}

/// Puts the user's interface language into the cookie the catalogue reads, so the pages after
/// a login are rendered in it from the first byte, on any device.
#[cfg(feature = "ssr")]
fn remember_interface_locale(locale: &str) {
    use axum::http::{header, HeaderValue};
    let cookie = format!("i18n_pref_locale={locale}; Path=/; Max-Age=31536000; SameSite=Lax");
    if let (Some(response), Ok(value)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Where a user goes after logging in: the terms first, if they have not accepted them.
#[cfg(feature = "ssr")]
pub(crate) fn landing_page(user: &engine::accounts::User) -> String {
    let page = if user.has_accepted_terms() {
        "/dashboard"
    } else {
        "/terms"
    };
    redirect_plain_form(page);
    page.to_owned()
}

/// Who is logged in. Also keeps the staff cookie ([`crate::STAFF_COOKIE`]) in step with the
/// account's role, so the next page comes with the bundle that has the moderators' tools.
#[server(endpoint = "me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    let session = UserSession::from_request().await?;
    let user = session.user(&engine()?).await?.map(CurrentUser::from);
    keep_staff_cookie(
        user.as_ref()
            .is_some_and(|u| u.role.at_least(Role::Moderator)),
    );
    Ok(user)
}

/// Sets or clears [`crate::STAFF_COOKIE`] when the request's does not match `staff`.
#[cfg(feature = "ssr")]
fn keep_staff_cookie(staff: bool) {
    use axum::http::{header, request::Parts, HeaderValue};
    let has =
        use_context::<Parts>().is_some_and(|request| crate::has_staff_cookie(&request.headers));
    if has == staff {
        return;
    }
    let cookie = if staff {
        format!(
            "{}=1; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            crate::STAFF_COOKIE
        )
    } else {
        format!(
            "{}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly",
            crate::STAFF_COOKIE
        )
    };
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

#[server(endpoint = "register")]
pub async fn register(
    username: String,
    email: String,
    password: String,
) -> Result<String, AppError> {
    let engine = engine()?;
    let user = engine
        .register(engine::accounts::Registration {
            username,
            email,
            password,
            role: None,
        })
        .await?;
    UserSession::from_request().await?.log_in(&user).await?;
    crate::api::mail_links::welcome_address(&engine, user.id).await?;
    Ok(landing_page(&user))
}

#[server(endpoint = "login")]
pub async fn log_in(username: String, password: String) -> Result<String, AppError> {
    let user = engine()?.log_in(&username, password).await?;
    UserSession::from_request().await?.log_in(&user).await?;
    if let Some(locale) = &user.interface_locale {
        remember_interface_locale(locale);
    }
    keep_staff_cookie(user.role.at_least(Role::Moderator));
    Ok(landing_page(&user))
}

#[server(endpoint = "logout")]
pub async fn log_out() -> Result<String, AppError> {
    UserSession::from_request().await?.log_out().await?;
    keep_staff_cookie(false);
    redirect_plain_form("/");
    Ok("/".to_owned())
}

#[server(endpoint = "accept_terms")]
pub async fn accept_terms() -> Result<String, AppError> {
    let user = require_user().await?;
    engine()?.accept_terms(user.id).await?;
    redirect_plain_form("/dashboard");
    Ok("/dashboard".to_owned())
}

/// Whether a password would be accepted for this username (asked while typing; nothing is
/// stored): the reason as an error when not.
#[server(endpoint = "password/check", input = leptos::server_fn::codec::Json)]
pub async fn check_password(password: String, username: String) -> Result<(), AppError> {
    Ok(engine()?.check_new_password(password, &[username.trim()])?)
}

#[server(endpoint = "account/display_name")]
pub async fn update_display_name(display_name: String) -> Result<String, AppError> {
    let user = require_user().await?;
    engine()?.set_display_name(user.id, &display_name).await?;
    Ok(display_name.trim().to_owned())
}

#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let user = require_user().await?;
    let version = engine()?
        .change_password(user.id, current_password, new_password)
        .await?;
    UserSession::from_request()
        .await?
        .remember(user.id, version)
        .await
}

#[server(endpoint = "account/delete")]
pub async fn delete_account(password: String) -> Result<String, AppError> {
    let user = require_user().await?;
    engine()?.delete_account(user.id, password).await?;
    UserSession::from_request().await?.log_out().await?;
    redirect_plain_form("/?account=deleted");
    Ok("/?account=deleted".to_owned())
}

#[server(endpoint = "account/languages", input = leptos::server_fn::codec::Json)]
pub async fn update_languages(languages: Vec<String>) -> Result<Vec<String>, AppError> {
    let user = require_user().await?;
    Ok(engine()?.set_languages(user.id, &languages).await?)
}

/// Saves the interface language (a catalogue locale such as `de` or `pt-BR`).
#[server(endpoint = "account/interface_locale")]
pub async fn update_interface_locale(locale: String) -> Result<Option<String>, AppError> {
    let user = require_user().await?;
    let saved = engine()?
        .set_interface_locale(user.id, Some(&locale))
        .await?;
    if let Some(locale) = &saved {
        remember_interface_locale(locale);
    }
    Ok(saved)
}
