//! A test client around the real router: keeps the session cookie like a browser would.

use app::session::WebSessions;
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    Router,
};
use clap::Parser;
use http_body_util::BodyExt;
use server::config::Cli;
use sqlx::PgPool;
use tower::ServiceExt;

pub struct TestApp {
    router: Router,
    /// The `Cookie` header the next request sends: every cookie the server set, by name.
    pub cookie: Option<String>,
    jar: std::collections::BTreeMap<String, String>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The session cookie set by this response (or the first cookie, without one).
    pub fn set_cookie(&self) -> Option<&str> {
        let all: Vec<&str> = self
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        all.iter()
            .find(|cookie| cookie.starts_with("grove_session="))
            .or(all.first())
            .copied()
    }
}

impl TestApp {
    pub fn new(pool: PgPool) -> Self {
        Self::with_args(pool, &[])
    }

    /// The app serving the front end from `site_root`.
    pub fn with_site_root(pool: PgPool, site_root: &std::path::Path) -> Self {
        Self::with_args(pool, &["--site-root", &site_root.to_string_lossy()])
    }

    /// The app with extra command-line settings (`--trust-forwarded-for`, ...).
    pub fn with_flags(pool: PgPool, flags: &[&str]) -> Self {
        Self::with_args(pool, flags)
    }

    fn with_args(pool: PgPool, extra: &[&str]) -> Self {
        // export files of tests go to a throwaway folder, not the project's data/
        let data_dir = std::env::temp_dir().join("grove-api-tests");
        let data_dir = data_dir.to_string_lossy();
        let mut args = vec!["grove", "--data-dir", &data_dir];
        args.extend_from_slice(extra);
        let config = match Cli::try_parse_from(args) {
            Ok(cli) => cli.config,
            Err(error) => panic!("default configuration must parse: {error}"),
        };
        let engine = config.engine(pool);
        let router = server::routes::router(&config, engine.clone(), WebSessions::new(engine));
        Self {
            router,
            cookie: None,
            jar: Default::default(),
        }
    }

    /// Loads a page the way a browser does.
    pub async fn get(&mut self, path: &str) -> TestResponse {
        let request = Request::get(path).header(header::ACCEPT, "text/html,*/*;q=0.8");
        self.send(request, Body::empty()).await
    }

    /// A GET with extra request headers.
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html,*/*;q=0.8");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request, Body::empty()).await
    }

    /// A GET with an API key.
    pub async fn get_with_bearer(&mut self, path: &str, key: &str) -> TestResponse {
        let request = Request::get(path).header(header::AUTHORIZATION, format!("Bearer {key}"));
        self.send(request, Body::empty()).await
    }

    /// Calls a server function the way the hydrated app does (form-encoded, JSON back).
    pub async fn call(&mut self, endpoint: &str, form: &[(&str, &str)]) -> TestResponse {
        let body = form_body(form);
        let request = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        self.send(request, Body::from(body)).await
    }

    /// Sends JSON to the REST API (or any raw body with the JSON content type).
    pub async fn post_json(&mut self, path: &str, body: &str) -> TestResponse {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        self.send(request, Body::from(body.to_owned())).await
    }

    /// Registers, accepts the terms: a user ready to contribute.
    pub async fn contributor(&mut self, username: &str) {
        self.register(username).await;
        self.call("accept_terms", &[]).await;
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_plain_form(&mut self, endpoint: &str, form: &[(&str, &str)]) -> TestResponse {
        let request = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, "http://localhost/login");
        self.send(request, Body::from(form_body(form))).await
    }

    pub async fn send(
        &mut self,
        mut request: axum::http::request::Builder,
        body: Body,
    ) -> TestResponse {
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie.clone());
        }
        let request = match request.body(body) {
            Ok(request) => request,
            Err(error) => panic!("bad test request: {error}"),
        };
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(error) => match error {},
        };
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
        {
            let mut parts = set.split(';');
            let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
                continue;
            };
            let gone = parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if gone || value.is_empty() {
                self.jar.remove(name.trim());
            } else {
                self.jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        if !self.jar.is_empty() || self.cookie.is_some() {
            let header: Vec<String> = self.jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
            self.cookie = (!header.is_empty()).then(|| header.join("; "));
        }
        let bytes = match response.into_body().collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => panic!("unreadable body: {error}"),
        };
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// Registers and logs in a fresh account; returns its username.
    pub async fn register(&mut self, username: &str) -> TestResponse {
        self.call(
            "register",
            &[
                ("username", username),
                ("email", ""),
                ("password", PASSWORD),
            ],
        )
        .await
    }
}

pub const PASSWORD: &str = "lemon-stand-7";

fn form_body(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
