//! The login, logout and first-run setup pages.

use super::Layout;
use crate::auth::accounts::{self, Attempt, NewAccount};
use crate::auth::extract::client_ip;
use crate::auth::password::Password;
use crate::auth::{MaybeUser, PageForm, Role, csrf, perm, session};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/setup", web::get().to(setup_form))
        .route("/setup", web::post().to(setup));
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    layout: Layout,
    csrf_token: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    layout: Layout,
    csrf_token: &'a str,
    email: &'a str,
    display_name: &'a str,
    error: Option<String>,
}

/// Where to go after login: a local path only, so `next` can never send anyone off-site.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next.map(str::trim) else {
        return "/".into();
    };
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.chars().any(|c| c.is_control() || c == '\\');
    let loops = n == "/login" || n.starts_with("/login?") || n.starts_with("/logout");
    if local && !loops {
        n.to_string()
    } else {
        "/".into()
    }
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Renders a page with the pre-session CSRF cookie set when the browser has none yet.
fn with_csrf_cookie(
    mut resp: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> HttpResponse {
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(
    req: HttpRequest,
    st: web::Data<AppState>,
    user: MaybeUser,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(q.next.as_deref());
    if user.0.is_some() {
        return Ok(see_other(&next));
    }
    if accounts::setup_open(&st).await? {
        return Ok(see_other("/setup"));
    }
    let (token, cookie) = csrf::pre_session_token(&req, &st.config.auth);
    let page = LoginPage {
        layout: Layout::new(&req, None),
        csrf_token: &token,
        next: &next,
        email: "",
        error: None,
    };
    Ok(with_csrf_cookie(
        page.layout.respond(&page, StatusCode::OK),
        cookie,
    ))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: Password,
}

async fn login(
    req: HttpRequest,
    st: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let f = form.into_inner();
    let next = safe_next(f.next.as_deref());
    let (token, cookie) = csrf::pre_session_token(&req, &st.config.auth);
    let render = |status: StatusCode, error: String| {
        let page = LoginPage {
            layout: Layout::new(&req, None),
            csrf_token: &token,
            next: &next,
            email: &f.email,
            error: Some(error),
        };
        with_csrf_cookie(page.layout.respond(&page, status), cookie.clone())
    };
    if !csrf::pre_session_ok(&req, &f.csrf_token) {
        return render(
            StatusCode::FORBIDDEN,
            "The form expired; please sign in again.".into(),
        );
    }
    let attempt = Attempt {
        email: f.email.clone(),
        password: f.password.clone(),
        ip: client_ip(&req, st.config.auth.client_ip_header.as_deref()),
        user_agent: user_agent(&req),
    };
    match accounts::login(&st, attempt).await {
        Ok(done) => {
            let mut resp = see_other(&next);
            let _ = resp.add_cookie(&session::cookie(&st.config.auth, &done.session.secret));
            resp
        }
        Err(e) => {
            let mut resp = render(e.status_code(), e.public_message());
            if let AppError::TooManyRequests { retry_after, .. } = e {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, retry_after.into());
            }
            resp
        }
    }
}

pub(crate) fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(
    st: web::Data<AppState>,
    form: PageForm<perm::Any, Empty>,
) -> Result<HttpResponse, AppError> {
    accounts::logout(&st, &form.caller).await?;
    let mut resp =
        super::flash::redirect("/login", super::flash::Kind::Info, "You are signed out.");
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    let _ = resp.add_cookie(&session::removal_cookie(&st.config.auth));
    Ok(resp)
}

async fn setup_form(req: HttpRequest, st: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if !accounts::setup_open(&st).await? {
        return Ok(super::not_found_page(&req));
    }
    let (token, cookie) = csrf::pre_session_token(&req, &st.config.auth);
    let page = SetupPage {
        layout: Layout::new(&req, None),
        csrf_token: &token,
        email: "",
        display_name: "",
        error: None,
    };
    Ok(with_csrf_cookie(
        page.layout.respond(&page, StatusCode::OK),
        cookie,
    ))
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: Password,
}

async fn setup(
    req: HttpRequest,
    st: web::Data<AppState>,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    if !accounts::setup_open(&st).await? {
        return Ok(super::not_found_page(&req));
    }
    let (token, cookie) = csrf::pre_session_token(&req, &st.config.auth);
    let render = |status: StatusCode, error: String| {
        let page = SetupPage {
            layout: Layout::new(&req, None),
            csrf_token: &token,
            email: &f.email,
            display_name: &f.display_name,
            error: Some(error),
        };
        with_csrf_cookie(page.layout.respond(&page, status), cookie.clone())
    };
    if !csrf::pre_session_ok(&req, &f.csrf_token) {
        return Ok(render(
            StatusCode::FORBIDDEN,
            "The form expired; please try again.".into(),
        ));
    }
    let ip = client_ip(&req, st.config.auth.client_ip_header.as_deref());
    let account = NewAccount {
        email: f.email.clone(),
        display_name: Some(f.display_name.clone()),
        role: Role::Admin,
        password: f.password.clone(),
    };
    let admin = match accounts::setup_first_admin(&st, account, ip.clone()).await {
        Ok(Some(admin)) => admin,
        // Someone else finished setup a moment ago.
        Ok(None) => return Ok(super::not_found_page(&req)),
        Err(e) if e.status_code().is_client_error() => {
            return Ok(render(e.status_code(), e.public_message()));
        }
        Err(e) => return Err(e),
    };
    let started = session::start(&st.db, &st.config.auth, admin.id, user_agent(&req), ip).await?;
    let mut resp = see_other("/");
    let _ = resp.add_cookie(&session::cookie(&st.config.auth, &started.secret));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/assets/1?t=2")), "/assets/1?t=2");
        for bad in [
            "https://evil.test/",
            "//evil.test",
            "/\\evil.test",
            "javascript:alert(1)",
            "/login?next=/x",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
