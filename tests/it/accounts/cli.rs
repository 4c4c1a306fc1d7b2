//! The operator CLI against a real database: `mm user ...` and `mm token create`.

use crate::harness::{ApiClient, TestApp, count, mm_bin, new_client, seed_user};
use mm::auth::Role;
use reqwest::Method;
use std::io::Write;
use std::process::{Output, Stdio};

fn mm(app: &TestApp, args: &[&str], password: Option<&str>, stdin: Option<&str>) -> Output {
    let mut cmd = mm_bin();
    cmd.args(args).env("DATABASE_URL", &app.db.url);
    if let Some(p) = password {
        cmd.env("MM_PASSWORD", p);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn can_login(app: &TestApp, email: &str, password: &str) -> u16 {
    new_client()
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_manage_users_from_the_command_line() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let o = mm(
        &app,
        &[
            "user",
            "create",
            "--email",
            "Ops@MM.test",
            "--role",
            "admin",
            "--name",
            "Ops",
        ],
        Some("first password 1"),
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("created ops@mm.test (admin)"),
        "{}",
        out(&o)
    );
    assert_eq!(
        can_login(&app, "ops@mm.test", "first password 1").await,
        200
    );
    // Setup is closed now that an account exists.
    assert_eq!(
        new_client()
            .get(app.url("/setup"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let o = mm(
        &app,
        &[
            "user",
            "create",
            "--email",
            "ed@mm.test",
            "--role",
            "editor",
        ],
        None,
        Some("from standard input\n"),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        can_login(&app, "ed@mm.test", "from standard input").await,
        200
    );

    for (args, pw, why) in [
        (
            vec![
                "user",
                "create",
                "--email",
                "ed@mm.test",
                "--role",
                "viewer",
            ],
            "long enough pass",
            "already exists",
        ),
        (
            vec!["user", "create", "--email", "x@mm.test", "--role", "viewer"],
            "short",
            "at least 12",
        ),
        (
            vec!["user", "create", "--email", "x@mm.test", "--role", "owner"],
            "long enough pass",
            "unknown role",
        ),
        (
            vec!["user", "disable", "--email", "nobody@mm.test"],
            "",
            "no account",
        ),
    ] {
        let o = mm(&app, &args, Some(pw), None);
        assert!(!o.status.success(), "{args:?}");
        assert!(err(&o).contains(why), "{args:?}: {}", err(&o));
    }
    let o = mm(
        &app,
        &["user", "create", "--email", "y@mm.test", "--role", "viewer"],
        None,
        Some(""),
    );
    assert!(!o.status.success());
    assert!(err(&o).contains("no password given"), "{}", err(&o));

    let o = mm(&app, &["user", "list"], None, None);
    assert!(o.status.success());
    let listing = out(&o);
    assert!(
        listing.contains("ops@mm.test\tadmin\tactive\tOps\t"),
        "{listing}"
    );
    assert!(listing.contains("ed@mm.test\teditor\tactive"), "{listing}");
    assert!(!listing.contains("argon2"));

    let o = mm(
        &app,
        &["user", "set-password", "--email", "ed@mm.test"],
        None,
        Some("a brand new password\n"),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        can_login(&app, "ed@mm.test", "from standard input").await,
        401
    );
    assert_eq!(
        can_login(&app, "ed@mm.test", "a brand new password").await,
        200
    );

    let o = mm(
        &app,
        &["user", "disable", "--email", "ed@mm.test"],
        None,
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'ed@mm.test'"
        ),
        0
    );
    assert_eq!(
        can_login(&app, "ed@mm.test", "a brand new password").await,
        403
    );
    let o = mm(
        &app,
        &["user", "disable", "--email", "ops@mm.test"],
        None,
        None,
    );
    assert!(!o.status.success());
    assert!(err(&o).contains("only active admin"), "{}", err(&o));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE actor_label = 'cli' AND action IN ('user.create', 'user.password', 'user.disable')"
        ),
        4
    );
    let o = mm_bin().args(["user", "list"]).output().unwrap();
    assert!(err(&o).contains("DATABASE_URL"), "{}", err(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_create_tokens_from_the_command_line() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let o = mm(
        &app,
        &[
            "token",
            "create",
            "--user",
            "ed@mm.test",
            "--name",
            "ci",
            "--scopes",
            "assets:read,uploads:create",
            "--ttl",
            "30d",
        ],
        None,
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    let stdout = out(&o);
    assert_eq!(
        stdout.lines().count(),
        1,
        "only the token on stdout: {stdout}"
    );
    let token = stdout.trim();
    assert!(err(&o).contains("shown only now"), "{}", err(&o));
    let me: serde_json::Value = ApiClient::bearer(&app, token)
        .send(Method::GET, "/api/auth/me", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["permissions"],
        serde_json::json!(["assets:read", "uploads:create"])
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM api_tokens WHERE expires_at BETWEEN now() + interval '29 days' AND now() + interval '31 days'"
        ),
        1
    );

    for (args, why) in [
        (
            vec![
                "token",
                "create",
                "--user",
                "ed@mm.test",
                "--name",
                "x",
                "--scopes",
                "audit:read",
            ],
            "cannot grant audit:read",
        ),
        (
            vec![
                "token",
                "create",
                "--user",
                "ed@mm.test",
                "--name",
                "x",
                "--scopes",
                "nope",
            ],
            "unknown scope",
        ),
        (
            vec![
                "token",
                "create",
                "--user",
                "ed@mm.test",
                "--name",
                "x",
                "--ttl",
                "5y",
            ],
            "duration",
        ),
        (
            vec!["token", "create", "--user", "nobody@mm.test", "--name", "x"],
            "no account",
        ),
    ] {
        let o = mm(&app, &args, None, None);
        assert!(!o.status.success(), "{args:?}");
        assert!(err(&o).contains(why), "{args:?}: {}", err(&o));
        assert!(out(&o).is_empty());
    }
    assert_eq!(count(&app, "SELECT count(*) AS n FROM api_tokens"), 1);
}
