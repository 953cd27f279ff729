//! Markdown to HTML, safe to insert into the page: raw HTML in the text is shown as text, links
//! and images may only point to http(s) or mail addresses, and images become links (no remote
//! content loads by itself). Used for previews in the browser and pages on the server.

use pulldown_cmark::{html, CowStr, Event, LinkType, Options, Parser, Tag};

/// Renders Markdown to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut in_image = false;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // no tag of the author's reaches the page: script, style, iframe, on* handlers...
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            dest_url,
            title,
            id,
            ..
        }) => {
            in_image = true;
            Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url: safe_url(dest_url),
                title,
                id,
            })
        }
        Event::End(pulldown_cmark::TagEnd::Image) if in_image => {
            in_image = false;
            Event::End(pulldown_cmark::TagEnd::Link)
        }
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let allowed = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
        || (lower.starts_with('/') && !lower.starts_with("//"));
    if allowed {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders() {
        assert_eq!(
            render("**bold** and `code`"),
            "<p><strong>bold</strong> and <code>code</code></p>\n"
        );
        assert!(render("| a | b |\n|---|---|\n| 1 | 2 |").contains("<table>"));
    }

    #[test]
    fn no_script_or_style_survives() {
        for attack in [
            "<script>alert(1)</script>",
            "hello <img src=x onerror=alert(1)>",
            "<style>body{display:none}</style>",
            "<iframe src='https://evil'></iframe>",
        ] {
            let out = render(attack);
            assert!(!out.contains("<script"), "{out}");
            assert!(!out.contains("<img"), "{out}");
            assert!(!out.contains("<style"), "{out}");
            assert!(!out.contains("<iframe"), "{out}");
        }
    }

    #[test]
    fn dangerous_links_are_defused() {
        assert!(render("[x](javascript:alert(1))").contains("href=\"#\""));
        assert!(render("[x](data:text/html;base64,xxx)").contains("href=\"#\""));
        assert!(render("[x](https://example.org)").contains("href=\"https://example.org\""));
        let image = render("![cat](https://example.org/cat.png)");
        assert!(
            image.contains("<a href=\"https://example.org/cat.png\">cat</a>"),
            "{image}"
        );
    }
}
