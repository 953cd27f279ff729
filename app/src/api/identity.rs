//! Sign-in through identity providers, the parts pages call: the providers on offer, the
//! confirmation that links a provider to an existing account, and the account's sign-in
//! methods. The protocol itself (redirects, tokens) is the server's `/auth/<provider>/...`.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::session::{engine, redirect_plain_form, require_user, UserSession};

/// A provider as a sign-in button shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInProvider {
    pub id: String,
    pub display_name: String,
}

/// The providers this Grove offers (the server provides them; empty when none are set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInProviders(pub Vec<SignInProvider>);

#[cfg(feature = "ssr")]
pub fn providers() -> Vec<SignInProvider> {
    use_context::<SignInProviders>()
        .map(|p| p.0)
        .unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn display_name_of(id: &str) -> String {
    providers()
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| p.display_name)
        .unwrap_or_else(|| id.to_owned())
}

/// An offer waiting for the person's answer: the provider vouched for an address an account
/// has verified. Kept in the session between the provider's callback and the answer.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLink {
    pub provider: domain::identity::ProviderId,
    pub profile: domain::identity::ExternalProfile,
    pub user: domain::ids::UserId,
    /// Unix seconds; an offer lasts [`OFFER_SECONDS`].
    pub made_at: i64,
}

#[cfg(feature = "ssr")]
pub const OFFER_KEY: &str = "grove.sso.offer";

/// How long the question "link this account?" waits for an answer.
#[cfg(feature = "ssr")]
pub const OFFER_SECONDS: i64 = 15 * 60;

#[cfg(feature = "ssr")]
async fn current_offer(session: &UserSession) -> Result<Option<PendingLink>, AppError> {
    let offer: Option<PendingLink> = session.get_value(OFFER_KEY).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(offer.filter(|o| now - o.made_at <= OFFER_SECONDS && now >= o.made_at))
}

/// The link offer, as the confirmation page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOfferView {
    pub provider: String,
    pub email: String,
    pub username: String,
    pub display_name: String,
}

/// The offer waiting in this session, if any (none once it expired or was answered).
#[server(endpoint = "sign_in/link_offer", input = leptos::server_fn::codec::Json)]
pub async fn link_offer() -> Result<Option<LinkOfferView>, AppError> {
    let session = UserSession::from_request().await?;
    let Some(offer) = current_offer(&session).await? else {
        return Ok(None);
    };
    let user = engine()?.user(offer.user).await?;
    Ok(Some(LinkOfferView {
        provider: display_name_of(offer.provider.as_str()),
        email: offer.profile.email.clone().unwrap_or_default(),
        username: user.username,
        display_name: user.display_name,
    }))
}

#[cfg(feature = "ssr")]
fn offer_gone() -> AppError {
    AppError::new(
        410,
        "link_offer_expired",
        "This sign-in has expired. Please sign in with the provider again.",
    )
}

/// Links the provider to the account the offer names and signs in; the page to go to next.
#[server(endpoint = "sign_in/link_confirm")]
pub async fn confirm_link() -> Result<String, AppError> {
    let session = UserSession::from_request().await?;
    let offer = current_offer(&session).await?.ok_or_else(offer_gone)?;
    session.remove_value::<PendingLink>(OFFER_KEY).await?;
    let user = engine()?
        .link_identity(offer.user, &offer.provider, offer.profile)
        .await?;
    session.log_in(&user).await?;
    Ok(crate::api::accounts::landing_page(&user))
}

/// Declines the offer: nothing is linked, nobody is signed in.
#[server(endpoint = "sign_in/link_cancel")]
pub async fn cancel_link() -> Result<String, AppError> {
    let session = UserSession::from_request().await?;
    session.remove_value::<PendingLink>(OFFER_KEY).await?;
    redirect_plain_form("/login");
    Ok("/login".to_owned())
}

/// One linked identity on the sign-in methods page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedView {
    pub provider: String,
    pub display_name: String,
    pub email: Option<String>,
}

/// How the signed-in account signs in, and which providers it could link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInMethodsView {
    pub username: String,
    pub has_password: bool,
    pub linked: Vec<LinkedView>,
    pub linkable: Vec<SignInProvider>,
}

#[server(endpoint = "account/sign_in_methods", input = leptos::server_fn::codec::Json)]
pub async fn sign_in_methods() -> Result<SignInMethodsView, AppError> {
    let user = require_user().await?;
    let methods = engine()?.sign_in_methods(user.id).await?;
    let linked: Vec<LinkedView> = methods
        .identities
        .into_iter()
        .map(|identity| LinkedView {
            display_name: display_name_of(identity.provider.as_str()),
            provider: identity.provider.as_str().to_owned(),
            email: identity.email,
        })
        .collect();
    let linkable = providers()
        .into_iter()
        .filter(|p| !linked.iter().any(|l| l.provider == p.id))
        .collect();
    Ok(SignInMethodsView {
        username: user.username,
        has_password: methods.has_password,
        linked,
        linkable,
    })
}

/// Unlinks a provider from the signed-in account (not its last way in).
#[server(endpoint = "account/unlink")]
pub async fn unlink_identity(provider: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let provider = domain::identity::ProviderId::parse(&provider)
        .map_err(|e| AppError::from(engine::Error::Invalid(e)))?;
    engine()?.unlink_identity(user.id, &provider).await?;
    redirect_plain_form("/account/sign-in");
    Ok(())
}
