//! Rate limits on the requests worth abusing: logins and the current-password checks of
//! password change and account deletion (password guessing), registrations (sock puppets),
//! sign-ins through identity providers,
//! task requests and submits (bots flooding the queue). Token buckets per client
//! address, per session or API key, and for logins per username; a refused request gets 429
//! `rate_limited` with `Retry-After`. Kept in memory: one process is one limit.

use app::error::AppError;
use axum::{
    body::{to_bytes, Body},
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

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

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// One bucket per action, scope and key (an address, a session, a username).
type Buckets = HashMap<(Action, Scope, String), Bucket>;

/// Buckets beyond this many trigger a sweep of the full ones (memory stays bounded).
const SWEEP_AT: usize = 100_000;

#[derive(Clone)]
pub struct RateLimits {
    scale: f64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    trust_forwarded: bool,
    buckets: Arc<Mutex<Buckets>>,
}

impl RateLimits {
    pub fn new(scale: f64, trust_forwarded: bool) -> Self {
        Self {
            scale,
            trust_forwarded,
            buckets: Arc::default(),
        }
    }

    /// Takes one token from every bucket the request falls in; the longest wait if any is empty.
    fn take(&self, action: Action, keys: &[(Scope, String)], now: Instant) -> Result<(), Duration> {
        if self.scale <= 0.0 {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() > SWEEP_AT {
            let scale = self.scale;
            buckets.retain(|(action, scope, _), bucket| {
                rule(*action, *scope)
                    .is_some_and(|r| refilled(bucket, r, scale, now) < r.burst * scale)
            });
        }
        let mut wait = Duration::ZERO;
        let mut updates = Vec::with_capacity(keys.len());
        for (scope, key) in keys {
            let Some(rule) = rule(action, *scope) else {
                continue;
            };
            let entry = (action, *scope, key.clone());
            let tokens = buckets.get(&entry).map_or(rule.burst * self.scale, |b| {
                refilled(b, rule, self.scale, now)
            });
            if tokens < 1.0 {
                let per_second = rule.per_minute * self.scale / 60.0;
                wait = wait.max(Duration::from_secs_f64((1.0 - tokens) / per_second));
            }
            updates.push((entry, tokens));
        }
        if wait > Duration::ZERO {
            return Err(wait);
        }
        for (entry, tokens) in updates {
            buckets.insert(
                entry,
                Bucket {
                    tokens: tokens - 1.0,
                    updated: now,
                },
            );
        }
        Ok(())
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

fn refilled(bucket: &Bucket, rule: Rule, scale: f64, now: Instant) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * rule.per_minute * scale / 60.0).min(rule.burst * scale)
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
    match limits.take(action, &keys, Instant::now()) {
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
    fn a_burst_passes_then_the_rate_holds() {
        let limits = RateLimits::new(1.0, false);
        let start = Instant::now();
        let me = keys("10.0.0.1", Some("session:a"));
        for _ in 0..30 {
            assert_eq!(limits.take(Action::Submit, &me, start), Ok(()));
        }
        let wait = limits.take(Action::Submit, &me, start).unwrap_err();
        assert!(
            wait > Duration::from_millis(1900) && wait <= Duration::from_secs(2),
            "{wait:?}"
        );
        // two seconds later one more token (30 per minute)
        assert_eq!(
            limits.take(Action::Submit, &me, start + Duration::from_secs(2)),
            Ok(())
        );
        // another session on the same address is not held back by the first one's bucket
        assert_eq!(
            limits.take(Action::Submit, &keys("10.0.0.1", Some("session:b")), start),
            Ok(())
        );
    }

    #[test]
    fn a_refused_request_takes_no_token_elsewhere() {
        let limits = RateLimits::new(1.0, false);
        let now = Instant::now();
        let user = |name: &str| {
            vec![
                (Scope::Address, "10.0.0.9".to_owned()),
                (Scope::Username, name.to_owned()),
            ]
        };
        for _ in 0..10 {
            assert!(limits.take(Action::Login, &user("ada"), now).is_ok());
        }
        assert!(limits.take(Action::Login, &user("ada"), now).is_err());
        // the address bucket (30) was not charged for the refused attempt: 20 left for others
        for _ in 0..10 {
            assert!(limits.take(Action::Login, &user("bob"), now).is_ok());
        }
        for _ in 0..10 {
            assert!(limits.take(Action::Login, &user("cy"), now).is_ok());
        }
        assert!(limits.take(Action::Login, &user("dee"), now).is_err());
    }

    #[test]
    fn scale_zero_turns_limits_off() {
        let limits = RateLimits::new(0.0, false);
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(limits
                .take(Action::Register, &keys("10.0.0.2", None), now)
                .is_ok());
        }
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
