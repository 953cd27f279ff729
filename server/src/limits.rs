//! Rate limits on the requests worth abusing: logins and the current-password checks of
//! password change and account deletion (password guessing), registrations (sock puppets),
//! sign-ins through identity providers,
//! task requests and submits (bots flooding the queue). Token buckets per client
//! address, per session or API key, and for logins per username; a refused request gets 429
//! `rate_limited` with `Retry-After`. The buckets are kept in Postgres (`rate_bucket`), so every
//! server behind a proxy counts the same attempts: a guesser gains nothing by spreading
//! attempts over servers. Each limited request costs one short transaction (an upsert per
//! bucket); requests without a rule cost nothing.

use app::error::AppError;
use axum::{
    body::{to_bytes, Body},
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use engine::{rate_limits::Draw, Engine};
use std::{net::SocketAddr, time::Duration};

/// What a request does, as far as limits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Action {
    Login,
    /// A request that checks the current password of a logged-in account.
    PasswordCheck,
    /// The registration form's question whether a new password would do (CPU, no account).
    PasswordAdvice,
    /// A request that sends a link by e-mail (reset, sign-in, verification).
    MailLink,
    Register,
    /// A sign-in through an identity provider (each asks the provider over the network).
    ProviderSignIn,
    TaskRequest,
    Submit,
}

impl Action {
    fn of(method: &Method, path: &str) -> Option<Self> {
        if method == Method::GET && path.starts_with("/auth/") {
            return Some(Self::ProviderSignIn);
        }
        if method != Method::POST {
            return None;
        }
        match path {
            "/api/login" => Some(Self::Login),
            "/api/account/password" | "/api/account/delete" => Some(Self::PasswordCheck),
            "/api/password/check" => Some(Self::PasswordAdvice),
            "/api/password/forgot"
            | "/api/sign_in/email"
            | "/api/email/send_verification"
            | "/api/email/change" => Some(Self::MailLink),
            "/api/register" => Some(Self::Register),
            "/api/v1/tasks" | "/api/tasks/request" => Some(Self::TaskRequest),
            "/api/tasks/submit" => Some(Self::Submit),
            _ if path.starts_with("/api/v1/tasks/") && path.ends_with("/submit") => {
                Some(Self::Submit)
            }
            _ => None,
        }
    }
}

/// Who a bucket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scope {
    /// The client address.
    Address,
    /// The session cookie or API key.
    Client,
    /// The username a login names, or the address a link is asked for.
    Username,
}

/// `burst` requests at once, then `per_minute` on average.
#[derive(Debug, Clone, Copy)]
struct Rule {
    burst: f64,
    per_minute: f64,
}

/// The limits, scaled by `GROVE_RATE_LIMIT_SCALE` (0 turns them off).
fn rule(action: Action, scope: Scope) -> Option<Rule> {
    let (burst, per_minute) = match (action, scope) {
        // a person logs in a few times a day; a guesser tries thousands of passwords
        (Action::Login, Scope::Username) => (10.0, 1.0),
        (Action::Login, Scope::Address) => (30.0, 10.0),
        // the same guessing, with a session instead of a username
        (Action::PasswordCheck, Scope::Client) => (10.0, 1.0),
        (Action::PasswordCheck, Scope::Address) => (30.0, 10.0),
        // asked once per pause in typing
        (Action::PasswordAdvice, Scope::Address) => (60.0, 60.0),
        // nobody needs many links; a mailbox must not be flooded
        (Action::MailLink, Scope::Address) => (20.0, 2.0),
        (Action::MailLink, Scope::Client) => (5.0, 0.5),
        (Action::MailLink, Scope::Username) => (3.0, 0.1),
        (Action::Register, Scope::Address) => (20.0, 1.0),
        // a start and a callback per sign-in
        (Action::ProviderSignIn, Scope::Address) => (30.0, 10.0),
        // an annotator spends seconds to minutes per task
        (Action::TaskRequest, Scope::Client) => (30.0, 30.0),
        (Action::TaskRequest, Scope::Address) => (300.0, 300.0),
        (Action::Submit, Scope::Client) => (30.0, 30.0),
        (Action::Submit, Scope::Address) => (300.0, 300.0),
        _ => return None,
    };
    Some(Rule { burst, per_minute })
}

#[derive(Clone)]
pub struct RateLimits {
    scale: f64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    trust_forwarded: bool,
    /// The buckets live in Postgres, shared by every server.
    engine: Engine,
}

/// What the buckets of one request look like in the shared store: one per scope that has a
/// rule, named by action, scope and key.
fn draws(action: Action, keys: &[(Scope, String)], scale: f64) -> Vec<Draw> {
    keys.iter()
        .filter_map(|(scope, key)| {
            let rule = rule(action, *scope)?;
            Some(Draw {
                bucket: format!("{action:?}|{scope:?}|{key}"),
                burst: rule.burst * scale,
                per_second: rule.per_minute * scale / 60.0,
            })
        })
        .collect()
}

impl RateLimits {
    pub fn new(scale: f64, trust_forwarded: bool, engine: Engine) -> Self {
        Self {
            scale,
            trust_forwarded,
            engine,
        }
    }

    /// Takes one token from every bucket the request falls in; the longest wait if any is
    /// empty. A database that cannot answer lets the request through (it fails on its own).
    async fn take(&self, action: Action, keys: &[(Scope, String)]) -> Result<(), Duration> {
        if self.scale <= 0.0 {
            return Ok(());
        }
        match self
            .engine
            .take_rate_tokens(&draws(action, keys, self.scale))
            .await
        {
            Ok(verdict) => verdict,
            Err(error) => {
                tracing::warn!(error.cause_chain = ?error, "rate limits unavailable");
                Ok(())
            }
        }
    }

    fn address(&self, request: &Request) -> String {
        let forwarded = self
            .trust_forwarded
            .then(|| forwarded_client(request.headers()))
            .flatten();
        forwarded
            .or_else(|| {
                request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(addr)| addr.ip().to_string())
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// The client address behind our proxies: `X-Forwarded-For` read from the right (every proxy
/// appends the address it saw; entries on the left are whatever the client wrote), skipping
/// the hops of our own network (loopback, private and link-local addresses). When every hop is
/// ours, the left-most one.
fn forwarded_client(headers: &axum::http::HeaderMap) -> Option<String> {
    let hops: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    let ours = |ip: &std::net::IpAddr| match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    };
    hops.iter()
        .rev()
        .find(|ip| !ours(ip))
        .or(hops.first())
        .map(|ip| ip.to_string())
}

/// The session cookie or API key: a client without logging in to the database.
fn client_key(request: &Request) -> Option<String> {
    let headers = request.headers();
    if let Some(key) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(format!("key:{}", key.trim()));
    }
    // the last one, as the session layer takes it: a decoy before the real cookie must not
    // make a fresh bucket
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("grove_session="))
        .next_back()
        .map(|id| format!("session:{id}"))
}

/// A field of a form or JSON body, trimmed and lower-cased (the body is read and put back).
async fn named_field(request: Request, field: &str) -> (Request, Option<String>) {
    let (parts, body) = request.into_parts();
    // a login body is tiny; anything larger is refused by the handler anyway
    let Ok(bytes) = to_bytes(body, 16 * 1024).await else {
        return (Request::from_parts(parts, Body::empty()), None);
    };
    let username = form_field(&bytes, field).or_else(|| {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get(field).and_then(|u| u.as_str()).map(str::to_owned))
    });
    (
        Request::from_parts(parts, Body::from(bytes)),
        username.map(|u| u.trim().to_lowercase()),
    )
}

fn form_field(bytes: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(bytes)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

pub async fn enforce(State(limits): State<RateLimits>, request: Request, next: Next) -> Response {
    let Some(action) = Action::of(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let mut keys = vec![(Scope::Address, limits.address(&request))];
    if let Some(client) = client_key(&request) {
        keys.push((Scope::Client, client));
    }
    // the name a login guesses for, or the address a link goes to: its own bucket
    let named = match action {
        Action::Login => Some("username"),
        Action::MailLink => Some("email"),
        _ => None,
    };
    let request = match named {
        Some(field) => {
            let (request, name) = named_field(request, field).await;
            if let Some(name) = name {
                keys.push((Scope::Username, name));
            }
            request
        }
        None => request,
    };
    match limits.take(action, &keys).await {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            tracing::warn!(?action, seconds, "rate limited");
            let mut response = AppError::new(
                429,
                "rate_limited",
                format!("Too many requests; try again in {seconds} s."),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(address: &str, client: Option<&str>) -> Vec<(Scope, String)> {
        let mut keys = vec![(Scope::Address, address.to_owned())];
        if let Some(client) = client {
            keys.push((Scope::Client, client.to_owned()));
        }
        keys
    }

    #[test]
    fn a_request_draws_from_one_bucket_per_scope_with_a_rule() {
        let drawn = draws(Action::Submit, &keys("10.0.0.1", Some("session:a")), 2.0);
        assert_eq!(
            drawn,
            vec![
                Draw {
                    bucket: "Submit|Address|10.0.0.1".to_owned(),
                    burst: 600.0,
                    per_second: 10.0,
                },
                Draw {
                    bucket: "Submit|Client|session:a".to_owned(),
                    burst: 60.0,
                    per_second: 1.0,
                },
            ]
        );
        // registrations have no per-session rule
        assert_eq!(
            draws(Action::Register, &keys("10.0.0.2", Some("s")), 1.0).len(),
            1
        );
        // a login draws on the name too
        let login = draws(
            Action::Login,
            &[
                (Scope::Address, "10.0.0.3".to_owned()),
                (Scope::Username, "ada".to_owned()),
            ],
            1.0,
        );
        assert_eq!(login.len(), 2);
        assert_eq!(login.get(1).map(|d| d.burst), Some(10.0));
    }

    #[test]
    fn actions_are_recognised_by_method_and_path() {
        assert_eq!(Action::of(&Method::POST, "/api/login"), Some(Action::Login));
        assert_eq!(
            Action::of(&Method::POST, "/api/v1/tasks/abc/submit"),
            Some(Action::Submit)
        );
        assert_eq!(
            Action::of(&Method::POST, "/api/v1/tasks"),
            Some(Action::TaskRequest)
        );
        assert_eq!(Action::of(&Method::GET, "/api/v1/tasks"), None);
        assert_eq!(Action::of(&Method::POST, "/api/v1/tasks/abc/skip"), None);
    }

    #[test]
    fn usernames_come_from_forms() {
        assert_eq!(
            form_field(b"username=Ada%20L&password=x", "username").as_deref(),
            Some("Ada L")
        );
        assert_eq!(form_field(b"password=x", "username"), None);
    }
}
