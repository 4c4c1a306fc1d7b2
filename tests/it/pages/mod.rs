//! Pages: layout, CSP and static files, the library, the asset page, the admin pages.

mod admin;
mod asset;
mod layout;
mod library;

/// Every `<script>` has a `src` or is a JSON data block; no `style=` or `on*=` attribute and
/// no `<style>` element: what a strict CSP would block must not be there.
pub fn assert_no_inline_code(html: &str) {
    let lower = html.to_ascii_lowercase();
    for (i, _) in lower.match_indices("<script") {
        let tag = &lower[i..i + lower[i..].find('>').unwrap()];
        assert!(
            tag.contains(" src=") || tag.contains("type=\"application/json\""),
            "inline script: {tag}"
        );
    }
    assert!(!lower.contains("<style"), "inline <style> element");
    let mut rest = lower.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with('!') || tag.starts_with('/') {
            continue;
        }
        // Attribute values are dropped first: words inside them are not attributes.
        let mut names = String::new();
        let mut quoted = false;
        for ch in tag.chars() {
            if ch == '"' {
                quoted = !quoted;
            } else if !quoted {
                names.push(ch);
            }
        }
        for attr in names.split_whitespace().skip(1) {
            let name = attr.split('=').next().unwrap_or("");
            assert!(name != "style", "inline style attribute in <{tag}>");
            assert!(!name.starts_with("on"), "inline event handler in <{tag}>");
        }
    }
}

pub fn static_urls(html: &str) -> Vec<String> {
    html.match_indices("/static/")
        .map(|(i, _)| {
            let rest = &html[i..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect()
}
