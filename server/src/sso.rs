//! Sign-in through identity providers: OpenID Connect (discovery, PKCE, state and nonce, the
//! ID token's signature, issuer, audience and expiry checked by the `openidconnect` crate),
//! and OAuth2 with a profile endpoint for GitHub and Discord, which offer no OpenID Connect.
//!
//! `GET /auth/<provider>/start` keeps a flow (state, nonce, PKCE verifier, where to go next)
//! in the session and sends the browser to the provider; `GET /auth/<provider>/callback`
//! takes the flow out of the session (once), checks the state, exchanges the code, reads who
//! signed in, and leaves the rest to `engine::identities`: sign in, create an account, or
//! offer to link one (the `/login/connect` page asks). Every failure ends on the sign-in
//! page with a code it explains (`/login?sso=<code>`).
//!
//! The providers come from the JSON file `GROVE_SIGN_IN_PROVIDERS` names (README).

use anyhow::{bail, Context};
use app::{
    api::identity::{PendingLink, SignInProvider, SignInProviders, OFFER_KEY},
    session::UserSession,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use domain::{
    identity::{
        github_profile, DiscordUser, ExternalProfile, GithubEmail, GithubUser, ProviderId,
        StandardUserInfo,
    },
    ids::UserId,
};
use engine::{identities::IdentitySignIn, Engine};
use openidconnect::{
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims},
    reqwest, AccessTokenHash, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{
    path::Path as FsPath,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::RwLock;
use tower_sessions::Session;

/// How long a provider's discovery document and keys are trusted before they are fetched
/// again (a key the provider rotated in is also fetched at once, see `verified_claims`).
const METADATA_TTL: Duration = Duration::from_secs(15 * 60);

/// How long a person may take at the provider.
const FLOW_SECONDS: i64 = 10 * 60;

const FLOW_KEY: &str = "grove.sso.flow";

/// One provider as the settings file lists it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setting {
    id: String,
    #[serde(default)]
    preset: Preset,
    display_name: Option<String>,
    issuer: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    scopes: Option<Vec<String>>,
    authorization_url: Option<String>,
    token_url: Option<String>,
    userinfo_url: Option<String>,
    api_url: Option<String>,
}

/// Ready-made settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Preset {
    /// Any OpenID Connect issuer (`issuer` required).
    #[default]
    Oidc,
    Google,
    /// gitlab.com, or a GitLab of your own (`issuer`).
    Gitlab,
    /// A Keycloak realm (`issuer`: `https://host/realms/<realm>`).
    Keycloak,
    /// GitHub over OAuth2 (GitHub Enterprise: `authorization_url`, `token_url`, `api_url`).
    Github,
    Discord,
    /// Any OAuth2 server with a user-info endpoint answering standard claims
    /// (`authorization_url`, `token_url`, `userinfo_url` required).
    Oauth2,
}

/// Where an OAuth2 provider says who signed in.
#[derive(Debug, Clone)]
enum ProfileSource {
    Github { api: String },
    Discord { api: String },
    UserInfo { url: String },
}

#[derive(Debug)]
enum Protocol {
    Oidc {
        issuer: IssuerUrl,
        metadata: Box<RwLock<Option<(Instant, CoreProviderMetadata)>>>,
    },
    OAuth2 {
        authorization_url: AuthUrl,
        token_url: TokenUrl,
        profile: ProfileSource,
    },
}

/// A provider ready to use.
pub struct Provider {
    pub id: ProviderId,
    pub display_name: String,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    scopes: Vec<String>,
    protocol: Protocol,
    redirect: RedirectUrl,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Provider {
    fn from_setting(setting: Setting, base_url: &str) -> anyhow::Result<Self> {
        let id = ProviderId::parse(&setting.id)
            .map_err(|e| anyhow::anyhow!("provider id {:?}: {}", setting.id, e.message))?;
        let need = |value: Option<String>, field: &str| -> anyhow::Result<String> {
            value.with_context(|| format!("provider {id}: `{field}` is required"))
        };
        let url = |value: String, field: &str| -> anyhow::Result<String> {
            if value.starts_with("https://") || value.starts_with("http://") {
                Ok(value.trim_end_matches('/').to_owned())
            } else {
                bail!("provider {id}: `{field}` must be an http(s) URL")
            }
        };
        let oidc_scopes = scopes(&["openid", "email", "profile"]);
        let (default_name, default_scopes, protocol) = match setting.preset {
            Preset::Oidc | Preset::Keycloak | Preset::Google | Preset::Gitlab => {
                let issuer = match (setting.preset, setting.issuer) {
                    (_, Some(issuer)) => issuer,
                    (Preset::Google, None) => "https://accounts.google.com".to_owned(),
                    (Preset::Gitlab, None) => "https://gitlab.com".to_owned(),
                    (_, None) => need(None, "issuer")?,
                };
                // the issuer is compared exactly with the discovery document's: not trimmed
                if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
                    bail!("provider {id}: `issuer` must be an http(s) URL");
                }
                let name = match setting.preset {
                    Preset::Google => "Google",
                    Preset::Gitlab => "GitLab",
                    Preset::Keycloak => "Keycloak",
                    _ => id.as_str(),
                };
                let protocol = Protocol::Oidc {
                    issuer: IssuerUrl::new(issuer)
                        .with_context(|| format!("provider {id}: bad issuer"))?,
                    metadata: Box::new(RwLock::new(None)),
                };
                (name.to_owned(), oidc_scopes, protocol)
            }
            Preset::Github => {
                let api = url(
                    setting
                        .api_url
                        .unwrap_or_else(|| "https://api.github.com".to_owned()),
                    "api_url",
                )?;
                let protocol = Protocol::OAuth2 {
                    authorization_url: AuthUrl::new(url(
                        setting.authorization_url.unwrap_or_else(|| {
                            "https://github.com/login/oauth/authorize".to_owned()
                        }),
                        "authorization_url",
                    )?)?,
                    token_url: TokenUrl::new(url(
                        setting.token_url.unwrap_or_else(|| {
                            "https://github.com/login/oauth/access_token".to_owned()
                        }),
                        "token_url",
                    )?)?,
                    profile: ProfileSource::Github { api },
                };
                (
                    "GitHub".to_owned(),
                    scopes(&["read:user", "user:email"]),
                    protocol,
                )
            }
            Preset::Discord => {
                let api = url(
                    setting
                        .api_url
                        .unwrap_or_else(|| "https://discord.com/api".to_owned()),
                    "api_url",
                )?;
                let protocol = Protocol::OAuth2 {
                    authorization_url: AuthUrl::new(url(
                        setting
                            .authorization_url
                            .unwrap_or_else(|| "https://discord.com/oauth2/authorize".to_owned()),
                        "authorization_url",
                    )?)?,
                    token_url: TokenUrl::new(url(
                        setting
                            .token_url
                            .unwrap_or_else(|| "https://discord.com/api/oauth2/token".to_owned()),
                        "token_url",
                    )?)?,
                    profile: ProfileSource::Discord { api },
                };
                (
                    "Discord".to_owned(),
                    scopes(&["identify", "email"]),
                    protocol,
                )
            }
            Preset::Oauth2 => {
                let protocol = Protocol::OAuth2 {
                    authorization_url: AuthUrl::new(url(
                        need(setting.authorization_url, "authorization_url")?,
                        "authorization_url",
                    )?)?,
                    token_url: TokenUrl::new(url(
                        need(setting.token_url, "token_url")?,
                        "token_url",
                    )?)?,
                    profile: ProfileSource::UserInfo {
                        url: url(need(setting.userinfo_url, "userinfo_url")?, "userinfo_url")?,
                    },
                };
                (id.as_str().to_owned(), Vec::new(), protocol)
            }
        };
        let display_name = setting
            .display_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(default_name);
        let redirect = RedirectUrl::new(format!(
            "{}/auth/{id}/callback",
            base_url.trim_end_matches('/')
        ))
        .context("the public URL makes no valid redirect URL")?;
        Ok(Self {
            client_id: ClientId::new(setting.client_id),
            client_secret: setting.client_secret.map(ClientSecret::new),
            scopes: setting.scopes.unwrap_or(default_scopes),
            display_name,
            protocol,
            redirect,
            id,
        })
    }
}

/// The configured providers, shared by every request.
#[derive(Clone, Default)]
pub struct Providers(Arc<Inner>);

#[derive(Default)]
struct Inner {
    list: Vec<Provider>,
    http: Option<reqwest::Client>,
}

impl Providers {
    /// Reads the settings file; redirect URLs are made from `base_url` (the public URL).
    pub fn load(file: Option<&FsPath>, base_url: &str) -> anyhow::Result<Self> {
        let Some(file) = file else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        Self::parse(&text, base_url).with_context(|| format!("in {}", file.display()))
    }

    fn parse(text: &str, base_url: &str) -> anyhow::Result<Self> {
        let settings: Vec<Setting> =
            serde_json::from_str(text).context("not a JSON list of providers")?;
        let mut list: Vec<Provider> = Vec::new();
        for setting in settings {
            let provider = Provider::from_setting(setting, base_url)?;
            if list.iter().any(|p| p.id == provider.id) {
                bail!("provider {} is listed twice", provider.id);
            }
            list.push(provider);
        }
        let http = reqwest::Client::builder()
            // following redirects would let a provider's answer send Grove elsewhere (SSRF)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent("Grove")
            .build()
            .context("cannot make an HTTP client")?;
        Ok(Self(Arc::new(Inner {
            list,
            http: Some(http),
        })))
    }

    /// The buttons of the sign-in page.
    pub fn buttons(&self) -> SignInProviders {
        SignInProviders(
            self.0
                .list
                .iter()
                .map(|p| SignInProvider {
                    id: p.id.as_str().to_owned(),
                    display_name: p.display_name.clone(),
                })
                .collect(),
        )
    }

    fn get(&self, id: &str) -> Option<(&Provider, &reqwest::Client)> {
        let provider = self.0.list.iter().find(|p| p.id.as_str() == id)?;
        Some((provider, self.0.http.as_ref()?))
    }
}

/// A sign-in under way, kept in the session from start to callback.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    provider: String,
    state: String,
    nonce: String,
    verifier: String,
    next: Option<String>,
    /// Set when a signed-in user links a provider from the account page.
    link_to: Option<UserId>,
    started_at: i64,
}

/// Why a sign-in failed, as the sign-in page explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    UnknownProvider,
    /// No flow in this session, another provider's, too old, or the state differs.
    State,
    /// The person said no at the provider.
    Denied,
    /// The provider could not be reached, or its answer did not verify.
    Provider,
}

impl Failure {
    fn code(self) -> &'static str {
        match self {
            Self::UnknownProvider => "unknown_provider",
            Self::State => "sso_state_invalid",
            Self::Denied => "sso_denied",
            Self::Provider => "sso_failed",
        }
    }
}

fn to_login(code: &str) -> Response {
    Redirect::to(&format!("/login?sso={code}")).into_response()
}

fn failed(provider: &ProviderId, what: &str, error: &dyn std::error::Error) -> Failure {
    tracing::warn!(provider = %provider, error = %error, source = ?error.source(), "{what}");
    Failure::Provider
}

/// Only a path of this site: no scheme, no `//host`, no backslash tricks.
fn safe_next(next: Option<String>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && n.len() <= 512
            && !n.chars().any(char::is_control)
    })
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

pub fn router<S: Clone + Send + Sync + 'static>(providers: Providers, engine: Engine) -> Router<S> {
    Router::new()
        .route("/{provider}/start", get(start))
        .route("/{provider}/callback", get(callback))
        .with_state((providers, engine))
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    next: Option<String>,
    /// `link`: a signed-in user adds the provider to their account.
    intent: Option<String>,
}

type Oidc = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

type OAuth2 = oauth2::basic::BasicClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

impl Provider {
    async fn metadata(
        &self,
        http: &reqwest::Client,
        fresh: bool,
    ) -> Result<CoreProviderMetadata, Failure> {
        let Protocol::Oidc { issuer, metadata } = &self.protocol else {
            return Err(Failure::Provider);
        };
        if !fresh {
            if let Some((at, cached)) = &*metadata.read().await {
                if at.elapsed() < METADATA_TTL {
                    return Ok(cached.clone());
                }
            }
        }
        let found = CoreProviderMetadata::discover_async(issuer.clone(), http)
            .await
            .map_err(|e| failed(&self.id, "discovery failed", &e))?;
        *metadata.write().await = Some((Instant::now(), found.clone()));
        Ok(found)
    }

    fn oidc_client(&self, metadata: CoreProviderMetadata) -> Oidc {
        CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    fn oauth2_client(&self) -> Option<OAuth2> {
        let Protocol::OAuth2 {
            authorization_url,
            token_url,
            ..
        } = &self.protocol
        else {
            return None;
        };
        let client = oauth2::basic::BasicClient::new(self.client_id.clone())
            .set_auth_uri(authorization_url.clone())
            .set_token_uri(token_url.clone())
            .set_redirect_uri(self.redirect.clone());
        Some(match &self.client_secret {
            Some(secret) => client.set_client_secret(secret.clone()),
            None => client,
        })
    }

    /// Whether an authorization answer naming `iss` can come from this provider: an OpenID
    /// provider's answer names it exactly or not at all; OAuth2 providers do not name one.
    fn issued(&self, iss: Option<&str>) -> bool {
        match (&self.protocol, iss) {
            (Protocol::Oidc { issuer, .. }, Some(iss)) => issuer.as_str() == iss,
            _ => true,
        }
    }

    /// The provider's authorization URL, and the flow to keep.
    async fn authorize(&self, http: &reqwest::Client) -> Result<(String, Flow), Failure> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let extra = self
            .scopes
            .iter()
            .filter(|s| s.as_str() != "openid")
            .map(|s| Scope::new(s.clone()));
        let (url, state, nonce) = match &self.protocol {
            Protocol::Oidc { .. } => {
                let client = self.oidc_client(self.metadata(http, false).await?);
                let (url, state, nonce) = client
                    .authorize_url(
                        CoreAuthenticationFlow::AuthorizationCode,
                        CsrfToken::new_random,
                        Nonce::new_random,
                    )
                    .add_scopes(extra)
                    .set_pkce_challenge(challenge)
                    .url();
                (url, state, nonce.secret().clone())
            }
            Protocol::OAuth2 { .. } => {
                let client = self.oauth2_client().ok_or(Failure::Provider)?;
                let (url, state) = client
                    .authorize_url(CsrfToken::new_random)
                    .add_scopes(self.scopes.iter().map(|s| Scope::new(s.clone())))
                    .set_pkce_challenge(challenge)
                    .url();
                (url, state, String::new())
            }
        };
        Ok((
            url.to_string(),
            Flow {
                provider: self.id.as_str().to_owned(),
                state: state.secret().clone(),
                nonce,
                verifier: verifier.secret().clone(),
                next: None,
                link_to: None,
                started_at: now(),
            },
        ))
    }

    /// Exchanges the code and says who signed in.
    async fn profile(
        &self,
        http: &reqwest::Client,
        code: String,
        flow: &Flow,
    ) -> Result<ExternalProfile, Failure> {
        let code = AuthorizationCode::new(code);
        let verifier = PkceCodeVerifier::new(flow.verifier.clone());
        match &self.protocol {
            Protocol::Oidc { .. } => self.oidc_profile(http, code, verifier, flow).await,
            Protocol::OAuth2 { profile, .. } => {
                let client = self.oauth2_client().ok_or(Failure::Provider)?;
                let token = client
                    .exchange_code(code)
                    .set_pkce_verifier(verifier)
                    .request_async(http)
                    .await
                    .map_err(|e| failed(&self.id, "code exchange failed", &e))?;
                let access = token.access_token().secret();
                Ok(match profile {
                    ProfileSource::Github { api } => {
                        let user: GithubUser =
                            self.get_json(http, &format!("{api}/user"), access).await?;
                        // without the user:email scope there are none: no address
                        let emails: Vec<GithubEmail> = self
                            .get_json(http, &format!("{api}/user/emails"), access)
                            .await
                            .unwrap_or_default();
                        github_profile(user, &emails)
                    }
                    ProfileSource::Discord { api } => self
                        .get_json::<DiscordUser>(http, &format!("{api}/users/@me"), access)
                        .await?
                        .into(),
                    ProfileSource::UserInfo { url } => self
                        .get_json::<StandardUserInfo>(http, url, access)
                        .await?
                        .into(),
                })
            }
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        http: &reqwest::Client,
        url: &str,
        access_token: &str,
    ) -> Result<T, Failure> {
        let response = http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| failed(&self.id, "profile request failed", &e))?;
        let body = response
            .bytes()
            .await
            .map_err(|e| failed(&self.id, "profile request failed", &e))?;
        serde_json::from_slice(&body).map_err(|e| failed(&self.id, "profile unreadable", &e))
    }

    async fn oidc_profile(
        &self,
        http: &reqwest::Client,
        code: AuthorizationCode,
        verifier: PkceCodeVerifier,
        flow: &Flow,
    ) -> Result<ExternalProfile, Failure> {
        let client = self.oidc_client(self.metadata(http, false).await?);
        let token = client
            .exchange_code(code)
            .map_err(|e| failed(&self.id, "no token endpoint", &e))?
            .set_pkce_verifier(verifier)
            .request_async(http)
            .await
            .map_err(|e| failed(&self.id, "code exchange failed", &e))?;
        let id_token = token.id_token().ok_or_else(|| {
            tracing::warn!(provider = %self.id, "no ID token in the answer");
            Failure::Provider
        })?;
        let nonce = Nonce::new(flow.nonce.clone());
        // a key the provider rotated in since the last discovery: fetch the keys once more
        let (client, claims) = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => (client.clone(), claims.clone()),
            Err(first) => {
                let client = self.oidc_client(self.metadata(http, true).await?);
                let claims = id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| {
                        tracing::warn!(provider = %self.id, first = %first, "ID token refused");
                        failed(&self.id, "ID token refused", &e)
                    })?
                    .clone();
                (client, claims)
            }
        };
        if let Some(expected) = claims.access_token_hash() {
            let verifier = client.id_token_verifier();
            let alg = id_token
                .signing_alg()
                .map_err(|e| failed(&self.id, "ID token algorithm", &e))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| failed(&self.id, "ID token key", &e))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| failed(&self.id, "access token hash", &e))?;
            if actual != *expected {
                tracing::warn!(provider = %self.id, "access token does not match the ID token");
                return Err(Failure::Provider);
            }
        }
        let mut profile = ExternalProfile {
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified().unwrap_or(false),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            username: claims.preferred_username().map(|u| u.as_str().to_owned()),
        };
        // providers that keep the ID token small say the rest at the user-info endpoint
        if let Ok(request) =
            client.user_info(token.access_token().clone(), Some(claims.subject().clone()))
        {
            match request.request_async(http).await {
                Ok(info) => merge_user_info(&mut profile, &info),
                Err(e) => {
                    tracing::warn!(provider = %self.id, error = %e, "user info unavailable");
                }
            }
        }
        Ok(profile)
    }
}

/// Fills what the ID token left out from the user-info answer (same subject, checked).
fn merge_user_info(profile: &mut ExternalProfile, info: &CoreUserInfoClaims) {
    if profile.email.is_none() {
        profile.email = info.email().map(|e| e.as_str().to_owned());
        profile.email_verified = info.email_verified().unwrap_or(false);
    }
    if profile.name.is_none() {
        profile.name = info
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
    }
    if profile.username.is_none() {
        profile.username = info.preferred_username().map(|u| u.as_str().to_owned());
    }
}

async fn start(
    State((providers, engine)): State<(Providers, Engine)>,
    Path(id): Path<String>,
    Query(query): Query<StartQuery>,
    session: Session,
) -> Response {
    let Some((provider, http)) = providers.get(&id) else {
        return to_login(Failure::UnknownProvider.code());
    };
    let session = UserSession::new(session);
    let link_to = if query.intent.as_deref() == Some("link") {
        match session.user(&engine).await {
            Ok(Some(user)) => Some(user.id),
            Ok(None) => return Redirect::to("/login").into_response(),
            Err(error) => return error.into_response(),
        }
    } else {
        None
    };
    let (url, mut flow) = match provider.authorize(http).await {
        Ok(found) => found,
        Err(failure) => return to_login(failure.code()),
    };
    flow.next = safe_next(query.next);
    flow.link_to = link_to;
    if let Err(error) = session.insert_value(FLOW_KEY, flow).await {
        return error.into_response();
    }
    Redirect::to(&url).into_response()
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// The issuer of the answer (RFC 9207), where the provider says it.
    iss: Option<String>,
}

async fn callback(
    State((providers, engine)): State<(Providers, Engine)>,
    Path(id): Path<String>,
    Query(query): Query<CallbackQuery>,
    session: Session,
) -> Response {
    let session = UserSession::new(session);
    // the flow is used once, whatever happens next
    let flow: Option<Flow> = match session.remove_value(FLOW_KEY).await {
        Ok(flow) => flow,
        Err(error) => return error.into_response(),
    };
    let Some((provider, http)) = providers.get(&id) else {
        return to_login(Failure::UnknownProvider.code());
    };
    let age = flow.as_ref().map(|f| now() - f.started_at);
    let state_matches = match (&flow, &query.state) {
        (Some(flow), Some(state)) => digest(&flow.state) == digest(state),
        _ => false,
    };
    let Some(flow) = flow.filter(|f| {
        f.provider == id && state_matches && age.is_some_and(|a| (0..=FLOW_SECONDS).contains(&a))
    }) else {
        return to_login(Failure::State.code());
    };
    if !provider.issued(query.iss.as_deref()) {
        // an answer from another provider than the flow went to (a mix-up attack)
        tracing::warn!(provider = %provider.id, "the answer names another issuer");
        return to_login(Failure::State.code());
    }
    if query.error.is_some() {
        return to_login(Failure::Denied.code());
    }
    let Some(code) = query.code else {
        return to_login(Failure::State.code());
    };
    let profile = match provider.profile(http, code, &flow).await {
        Ok(profile) => profile,
        Err(failure) => return to_login(failure.code()),
    };
    if let Some(target) = flow.link_to {
        return link_from_account(&engine, &session, target, provider, profile).await;
    }
    match engine.identity_sign_in(&provider.id, profile.clone()).await {
        Ok(IdentitySignIn::SignedIn(user) | IdentitySignIn::Created(user)) => {
            if let Err(error) = session.log_in(&user).await {
                return error.into_response();
            }
            let next = if user.has_accepted_terms() {
                flow.next.unwrap_or_else(|| "/dashboard".to_owned())
            } else {
                "/terms".to_owned()
            };
            Redirect::to(&next).into_response()
        }
        Ok(IdentitySignIn::OfferLink(user)) => {
            let offer = PendingLink {
                provider: provider.id.clone(),
                profile,
                user: user.id,
                made_at: now(),
            };
            match session.insert_value(OFFER_KEY, offer).await {
                Ok(()) => Redirect::to("/login/connect").into_response(),
                Err(error) => error.into_response(),
            }
        }
        Err(error) if error.kind() == engine::ErrorKind::Internal => {
            tracing::error!(error.cause_chain = ?error, "provider sign-in failed");
            to_login("internal")
        }
        Err(error) => to_login(error.code()),
    }
}

/// A signed-in user linked a provider from the account page: still the same user, it links.
async fn link_from_account(
    engine: &Engine,
    session: &UserSession,
    target: UserId,
    provider: &Provider,
    profile: ExternalProfile,
) -> Response {
    match session.user(engine).await {
        Ok(Some(user)) if user.id == target => {}
        Ok(_) => return to_login(Failure::State.code()),
        Err(error) => return error.into_response(),
    }
    match engine.link_identity(target, &provider.id, profile).await {
        Ok(_) => Redirect::to(&format!("/account/sign-in?linked={}", provider.id)).into_response(),
        Err(error) => {
            Redirect::to(&format!("/account/sign-in?error={}", error.code())).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_fill_in_what_is_known() -> anyhow::Result<()> {
        let providers = Providers::parse(
            r#"[
              {"id": "google", "preset": "google", "client_id": "g", "client_secret": "s"},
              {"id": "gitlab", "preset": "gitlab", "client_id": "l"},
              {"id": "corp", "preset": "keycloak", "issuer": "https://kc.example.org/realms/grove",
               "client_id": "k", "display_name": "Corp SSO"},
              {"id": "github", "preset": "github", "client_id": "h", "client_secret": "s"},
              {"id": "discord", "preset": "discord", "client_id": "d", "client_secret": "s"},
              {"id": "other", "preset": "oauth2", "client_id": "o",
               "authorization_url": "https://id.example.org/auth",
               "token_url": "https://id.example.org/token",
               "userinfo_url": "https://id.example.org/me", "scopes": ["openid", "email"]}
            ]"#,
            "https://grove.example.org/",
        )?;
        let buttons = providers.buttons().0;
        let names: Vec<&str> = buttons.iter().map(|b| b.display_name.as_str()).collect();
        assert_eq!(
            names,
            ["Google", "GitLab", "Corp SSO", "GitHub", "Discord", "other"]
        );
        let (google, _) = providers.get("google").context("google")?;
        assert_eq!(
            google.redirect.as_str(),
            "https://grove.example.org/auth/google/callback"
        );
        assert!(matches!(&google.protocol, Protocol::Oidc { issuer, .. }
            if issuer.as_str() == "https://accounts.google.com"));
        let (github, _) = providers.get("github").context("github")?;
        assert_eq!(github.scopes, ["read:user", "user:email"]);
        assert!(
            matches!(&github.protocol, Protocol::OAuth2 { profile: ProfileSource::Github { api }, .. }
            if api == "https://api.github.com")
        );
        assert!(providers.get("nobody").is_none());
        Ok(())
    }

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        for (text, reason) in [
            (r#"[{"id": "x", "client_id": "c"}]"#, "`issuer` is required"),
            (
                r#"[{"id": "X!", "issuer": "https://a", "client_id": "c"}]"#,
                "provider id",
            ),
            (
                r#"[{"id": "x", "issuer": "ftp://a", "client_id": "c"}]"#,
                "http(s) URL",
            ),
            (
                r#"[{"id": "x", "preset": "oauth2", "client_id": "c"}]"#,
                "authorization_url",
            ),
            (
                r#"[{"id": "x", "preset": "google", "client_id": "c"},
                 {"id": "x", "preset": "google", "client_id": "c"}]"#,
                "listed twice",
            ),
            (
                r#"[{"id": "x", "preset": "google", "client_id": "c", "secret": "typo"}]"#,
                "not a JSON list",
            ),
        ] {
            let error = Providers::parse(text, "http://127.0.0.1:3000").err();
            let message = error.map(|e| format!("{e:#}")).unwrap_or_default();
            assert!(message.contains(reason), "{text}: {message}");
        }
    }

    #[test]
    fn an_answer_from_another_issuer_is_refused() -> anyhow::Result<()> {
        let providers = Providers::parse(
            r#"[{"id": "corp", "issuer": "https://id.example.org", "client_id": "c"},
               {"id": "github", "preset": "github", "client_id": "h"}]"#,
            "https://grove.example.org",
        )?;
        let (corp, _) = providers.get("corp").context("corp")?;
        assert!(corp.issued(Some("https://id.example.org")));
        assert!(corp.issued(None));
        assert!(!corp.issued(Some("https://evil.example.org")));
        let (github, _) = providers.get("github").context("github")?;
        assert!(github.issued(None));
        Ok(())
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/tasks/rank".into())).as_deref(),
            Some("/tasks/rank")
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad.into())), None, "{bad:?}");
        }
    }
}
