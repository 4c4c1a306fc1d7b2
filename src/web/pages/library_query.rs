//! The library page's query string: search, filters, sort, page and layout, read leniently (a
//! bad value falls back to the default and is reported on the page) and written back into links.

use crate::status::VersionStatus;
use serde::Deserialize;
use std::sync::LazyLock;
use time::Date;
use time::macros::format_description;

pub const PAGE_SIZE: i64 = 50;
/// Deep pages are refused: nobody pages through 2,000 screens, and OFFSET costs grow with depth.
pub const MAX_PAGE: i64 = 2_000;

/// What the browser sends; every field optional and free-form.
#[derive(Debug, Default, Deserialize)]
pub struct Raw {
    pub q: Option<String>,
    pub status: Option<String>,
    pub media: Option<String>,
    pub review: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub view: Option<String>,
    /// A review set's id: only its assets.
    pub set: Option<String>,
}

/// The checked query, with every field in the form the page echoes back.
#[derive(Clone, Debug, PartialEq)]
pub struct LibraryQuery {
    pub q: String,
    /// "" (all), queued, processing, ready, failed.
    pub status: String,
    /// "" (all), video, audio, image.
    pub media: String,
    /// "" (all), none, in_review, approved, changes_requested.
    pub review: String,
    pub from: String,
    pub to: String,
    /// "" (newest), relevance, newest, oldest, title, size.
    pub sort: String,
    pub page: i64,
    pub list: bool,
    /// "" (all), or a review set's id.
    pub set: String,
}

/// The stored statuses, as the library API filters on them (from the one vocabulary).
pub static STATUS_OPTIONS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    std::iter::once(("", "Any status"))
        .chain(
            VersionStatus::ALL
                .iter()
                .map(|s| (s.as_str(), s.filter_label())),
        )
        .collect()
});
pub const MEDIA_OPTIONS: &[(&str, &str)] = &[
    ("", "Any type"),
    ("video", "Video"),
    ("audio", "Audio"),
    ("image", "Image"),
];
/// The review statuses, as the library API filters on them (from review::decisions).
pub static REVIEW_OPTIONS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    std::iter::once(("", "Any review"))
        .chain(crate::review::decisions::STATUSES.iter().copied())
        .collect()
});
pub const SORT_OPTIONS: &[(&str, &str)] = &[
    ("relevance", "Best match"),
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("title", "Title A–Z"),
    ("size", "Largest first"),
    ("review", "Needs review first"),
    ("set", "Set order"),
];

fn pick(
    value: Option<&str>,
    allowed: &[(&str, &str)],
    problems: &mut Vec<String>,
    what: &str,
) -> String {
    let v = value.unwrap_or("").trim();
    if allowed.iter().any(|(a, _)| *a == v) {
        return v.to_string();
    }
    if !v.is_empty() {
        problems.push(format!("Unknown {what} “{v}” was ignored."));
    }
    allowed[0].0.to_string()
}

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

impl Default for LibraryQuery {
    fn default() -> Self {
        LibraryQuery {
            q: String::new(),
            status: String::new(),
            media: String::new(),
            review: String::new(),
            from: String::new(),
            to: String::new(),
            sort: String::new(),
            page: 1,
            list: false,
            set: String::new(),
        }
    }
}

impl LibraryQuery {
    /// The checked query and the problems found (shown on the page, never a 400 for a person).
    pub fn parse(raw: Raw) -> (Self, Vec<String>) {
        let mut problems = Vec::new();
        let q: String = raw.q.unwrap_or_default().trim().chars().take(200).collect();
        let status = pick(
            raw.status.as_deref(),
            &STATUS_OPTIONS,
            &mut problems,
            "status",
        );
        let media = pick(raw.media.as_deref(), MEDIA_OPTIONS, &mut problems, "type");
        let review = pick(
            raw.review.as_deref(),
            &REVIEW_OPTIONS,
            &mut problems,
            "review status",
        );
        let sort = match raw.sort.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(s) if SORT_OPTIONS.iter().any(|(v, _)| *v == s) => s.to_string(),
            Some(s) => {
                problems.push(format!("Unknown sort order “{s}” was ignored."));
                String::new()
            }
        };
        let mut date = |v: Option<String>, what: &str| {
            let v = v.unwrap_or_default().trim().to_string();
            if v.is_empty() || parse_date(&v).is_some() {
                v
            } else {
                problems.push(format!(
                    "The {what} date “{v}” is not a date; it was ignored."
                ));
                String::new()
            }
        };
        let from = date(raw.from, "from");
        let to = date(raw.to, "to");
        let page = match raw.page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(p) => match p.parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    problems.push(format!("Page “{p}” does not exist; showing page 1."));
                    1
                }
            },
        };
        let list = raw.view.as_deref() == Some("list");
        let set = match raw.set.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(s) if uuid::Uuid::parse_str(s).is_ok() => s.to_string(),
            Some(s) => {
                problems.push(format!("Unknown review set “{s}” was ignored."));
                String::new()
            }
        };
        // The set's own order only means something with a set.
        let sort = if sort == "set" && set.is_empty() {
            problems.push("The set order needs a review set; showing newest first.".into());
            String::new()
        } else {
            sort
        };
        let query = LibraryQuery {
            set,
            q,
            status,
            media,
            review,
            from,
            to,
            sort,
            page,
            list,
        };
        (query, problems)
    }

    /// The order used: newest first unless asked otherwise, even when searching (a search
    /// narrows the library; studios look for recent material first, and ranking every match
    /// costs time on broad words); best match only with words to match.
    pub fn effective_sort(&self) -> &str {
        match self.sort.as_str() {
            "relevance" if !self.q.is_empty() => "relevance",
            "" if !self.set.is_empty() => "set",
            "" | "relevance" => "newest",
            s => s,
        }
    }

    /// The library API's name of the order.
    pub fn api_sort(&self) -> &'static str {
        match self.effective_sort() {
            "relevance" => "relevance",
            "oldest" => "created_at",
            "title" => "title",
            "size" => "-size",
            "review" => "review",
            "set" => "set",
            _ => "-created_at",
        }
    }

    /// The orders offered: the set's own only when showing a set.
    pub fn sort_options(&self) -> Vec<(&'static str, &'static str)> {
        SORT_OPTIONS
            .iter()
            .copied()
            .filter(|(v, _)| *v != "set" || !self.set.is_empty())
            .collect()
    }

    pub fn is_filtered(&self) -> bool {
        !(self.q.is_empty()
            && self.status.is_empty()
            && self.media.is_empty()
            && self.review.is_empty()
            && self.from.is_empty()
            && self.to.is_empty()
            && self.set.is_empty())
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * PAGE_SIZE
    }

    /// This query as a link, with another page or layout.
    pub fn url(&self, page: i64, list: bool) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("status", &self.status),
            ("media", &self.media),
            ("review", &self.review),
            ("from", &self.from),
            ("to", &self.to),
            ("set", &self.set),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if !self.sort.is_empty() {
            s.append_pair("sort", &self.sort);
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        if list {
            s.append_pair("view", "list");
        }
        let qs = s.finish();
        if qs.is_empty() {
            "/".into()
        } else {
            format!("/?{qs}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> Raw {
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        serde_urlencoded_like(&qs)
    }

    fn serde_urlencoded_like(qs: &str) -> Raw {
        let mut r = Raw::default();
        for (k, v) in url::form_urlencoded::parse(qs.as_bytes()) {
            let v = Some(v.into_owned());
            match &*k {
                "q" => r.q = v,
                "status" => r.status = v,
                "media" => r.media = v,
                "review" => r.review = v,
                "from" => r.from = v,
                "to" => r.to = v,
                "sort" => r.sort = v,
                "page" => r.page = v,
                "view" => r.view = v,
                "set" => r.set = v,
                _ => {}
            }
        }
        r
    }

    #[test]
    fn a_clean_query_round_trips_through_its_url() {
        let (q, problems) = LibraryQuery::parse(raw(&[
            ("q", " A001 & co "),
            ("status", "ready"),
            ("media", "video"),
            ("from", "2026-01-02"),
            ("sort", "title"),
            ("page", "3"),
        ]));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(q.q, "A001 & co");
        assert_eq!(q.api_sort(), "title");
        assert_eq!(q.offset(), 100);
        let url = q.url(3, false);
        let (again, _) = LibraryQuery::parse(serde_urlencoded_like(url.trim_start_matches("/?")));
        assert_eq!(again, q);
        assert_eq!(LibraryQuery::default().url(1, false), "/");
    }

    #[test]
    fn bad_values_fall_back_and_are_reported() {
        let (q, problems) = LibraryQuery::parse(raw(&[
            ("status", "<script>"),
            ("from", "yesterday"),
            ("page", "-4"),
            ("sort", "random"),
        ]));
        assert_eq!(q.status, "");
        assert_eq!(q.from, "");
        assert_eq!(q.page, 1);
        assert_eq!(q.sort, "");
        assert_eq!(q.effective_sort(), "newest");
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn a_set_shows_in_its_own_order_which_needs_a_set() {
        let id = uuid::Uuid::nil().to_string();
        let (q, problems) = LibraryQuery::parse(raw(&[("set", id.as_str())]));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((q.effective_sort(), q.api_sort()), ("set", "set"));
        assert!(q.sort_options().iter().any(|(v, _)| *v == "set"));
        let (q, problems) = LibraryQuery::parse(raw(&[("sort", "set")]));
        assert_eq!((q.effective_sort(), problems.len()), ("newest", 1));
        assert!(!q.sort_options().iter().any(|(v, _)| *v == "set"));
    }
}
