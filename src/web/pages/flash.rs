//! Flash messages: one short notice carried to the next page, either in a short-lived cookie
//! set by the server (free text) or as `?notice=<key>` from a page script (fixed texts only, so
//! a crafted link cannot put words in mm's mouth).

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const COOKIE: &str = "mm_flash";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Info,
    Success,
    Error,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Info => "info",
            Kind::Success => "success",
            Kind::Error => "error",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [Kind::Info, Kind::Success, Kind::Error]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub kind: Kind,
    pub text: String,
    /// Whether it came from the cookie, which the response then clears.
    pub from_cookie: bool,
}

/// The texts a `?notice=` may show.
fn notice(key: &str) -> Option<(Kind, &'static str)> {
    Some(match key {
        "asset-deleted" => (Kind::Success, "The asset was deleted."),
        "signed-out" => (Kind::Info, "You are signed out."),
        "uploads-done" => (Kind::Success, "Your uploads are in the library."),
        "user-created" => (Kind::Success, "The person was added."),
        "user-updated" => (Kind::Success, "The change was saved."),
        _ => return None,
    })
}

const MAX_TEXT: usize = 300;

/// The notice this request carries, if any.
pub fn take(req: &HttpRequest) -> Option<Flash> {
    if let Some(c) = req.cookie(COOKIE) {
        let decoded = URL_SAFE_NO_PAD
            .decode(c.value())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let parsed = decoded.as_deref().and_then(|d| d.split_once('\n'));
        if let Some((kind, text)) = parsed
            && let Some(kind) = Kind::parse(kind)
        {
            let text = text.chars().take(MAX_TEXT).collect();
            return Some(Flash {
                kind,
                text,
                from_cookie: true,
            });
        }
    }
    let query = url::form_urlencoded::parse(req.query_string().as_bytes());
    query
        .filter(|(k, _)| k == "notice")
        .find_map(|(_, v)| notice(&v))
        .map(|(kind, text)| Flash {
            kind,
            text: text.to_string(),
            from_cookie: false,
        })
}

fn cookie(value: String, max_age: Duration) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

/// A 303 to `location` that shows `text` on the next page.
pub fn redirect(location: &str, kind: Kind, text: &str) -> HttpResponse {
    // base64url never needs cookie escaping, whatever the text holds.
    let text: String = text.chars().take(MAX_TEXT).collect();
    let value = URL_SAFE_NO_PAD.encode(format!("{}\n{text}", kind.as_str()));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .cookie(cookie(value, Duration::seconds(60)))
        .finish()
}

/// Removes a flash cookie once its page has shown it.
pub fn clear(res: &mut HttpResponse) {
    let mut c = cookie(String::new(), Duration::ZERO);
    c.make_removal();
    let _ = res.add_cookie(&c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_cookie_set_by_redirect_reads_back() {
        let res = redirect("/", Kind::Success, "Saved: a & b = c; done");
        let set = res.cookies().next().unwrap().into_owned();
        let req = TestRequest::default().cookie(set).to_http_request();
        let f = take(&req).unwrap();
        assert_eq!(f.kind, Kind::Success);
        assert_eq!(f.text, "Saved: a & b = c; done");
        assert!(f.from_cookie);
    }

    #[test]
    fn notices_only_show_known_texts() {
        let req = TestRequest::with_uri("/?notice=asset-deleted").to_http_request();
        assert_eq!(take(&req).unwrap().text, "The asset was deleted.");
        let req = TestRequest::with_uri("/?notice=Your+account+is+locked").to_http_request();
        assert_eq!(take(&req), None);
    }
}
