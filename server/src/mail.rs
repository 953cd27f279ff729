//! Sending mail over SMTP (lettre), configured by one URL (`GROVE_SMTP_URL`, for example
//! `smtp://localhost:25`, `smtps://user:password@mail.example.org` or
//! `smtp://mail.example.org:587?tls=required`) and a sender (`GROVE_MAIL_FROM`).

use anyhow::Context;
use app::mail::{Mail, Mailer};
use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// The mailer the settings describe; none without an SMTP URL.
pub fn mailer(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Option<Mailer>> {
    let Some(url) = smtp_url.filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
        .context("GROVE_SMTP_URL is not an SMTP URL (smtp://host:port, smtps://...)")?
        .build();
    let from: Mailbox = from
        .parse()
        .with_context(|| format!("GROVE_MAIL_FROM '{from}' is not an address"))?;
    Ok(Some(Mailer::new(move |mail: Mail| {
        let (transport, from) = (transport.clone(), from.clone());
        Box::pin(async move {
            let to: Mailbox = mail
                .to
                .parse()
                .map_err(|e| format!("recipient {:?}: {e}", mail.to))?;
            let message = Message::builder()
                .from(from)
                .to(to)
                .subject(mail.subject)
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body)
                .map_err(|e| format!("message: {e}"))?;
            transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("smtp: {e}"))
        })
    })))
}
