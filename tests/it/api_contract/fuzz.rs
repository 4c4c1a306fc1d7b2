//! schemathesis against a live mm: every operation of the served document, with an admin
//! token, a bounded number of generated cases each, and the checks for server errors,
//! undocumented statuses and content types, and responses that do not match their schemas.

use super::{operations, tool};
use crate::harness::TestApp;
use crate::harness::{seed_token, seed_user};
use mm::auth::{Permission, Role};

/// Cases per operation in the fuzzing phase (the examples and coverage phases add their own,
/// fewer): the whole run stays within about three minutes on two cores.
const MAX_EXAMPLES: &str = "12";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance";
/// Fixed, so a failure reproduces; `MM_FUZZ_SEED` tries another.
const SEED: &str = "20261202";

/// `st`'s own entry point, with room for hypothesis's deep generation stacks.
const LAUNCH: &str = "import sys; sys.setrecursionlimit(20000); sys.argv[0] = 'st'; \
                      from schemathesis.cli import schemathesis; sys.exit(schemathesis())";

/// Runs `st run` over the operations `filter` selects; returns its exit status and output.
async fn schemathesis(app: &TestApp, token: &str, filter: &[&str]) -> (bool, String) {
    let seed = std::env::var("MM_FUZZ_SEED").unwrap_or_else(|_| SEED.into());
    // `st` through its interpreter with a higher recursion limit: CPython 3.11.7 turns a
    // RecursionError inside `ast.parse` (which hypothesis calls to describe a filter) into
    // "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905), which
    // schemathesis reports as a runtime error of the operation being generated.
    let out = tokio::process::Command::new(tool("python3"))
        .args(["-c", LAUNCH, "run"])
        .arg(app.url("/api/openapi.json"))
        .args(["--checks", CHECKS])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", &seed])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--workers", "2", "--request-timeout", "20", "--no-shrink"])
        .args(["--suppress-health-check", "all"])
        .args(filter)
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .kill_on_drop(true)
        .output()
        .await
        .expect("schemathesis runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The closing lines (the summary), for the test's output.
fn summary(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = lines
        .iter()
        .rposition(|l| l.contains("SUMMARY"))
        .unwrap_or(lines.len().saturating_sub(25));
    lines[from..].join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_failure_in_any_operation() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let admin = seed_user(&app, "fuzz-admin@mm.test", Role::Admin);
    let (_, token) = seed_token(&app, &admin, Permission::ALL, 3600);
    let started = std::time::Instant::now();
    // Logging out with the token revokes it, so those two run last, on their own.
    let ending = [
        "--include-operation-id",
        "logout",
        "--include-operation-id",
        "logout_all",
    ];
    let (ok, text) = schemathesis(
        &app,
        &token,
        &[
            "--exclude-operation-id",
            "logout",
            "--exclude-operation-id",
            "logout_all",
        ],
    )
    .await;
    println!(
        "== schemathesis, every operation but logout:\n{}",
        summary(&text)
    );
    assert!(ok, "schemathesis failed:\n{text}");
    let (ok2, text2) = schemathesis(&app, &token, &ending).await;
    println!(
        "== schemathesis, logout and logout-all:\n{}",
        summary(&text2)
    );
    assert!(ok2, "schemathesis failed:\n{text2}");
    println!("schemathesis took {:.0?} in all", started.elapsed());
    // Every operation ran: all but the two logouts in the first run, those in the second.
    let (selected, total) = selected(&text);
    assert!(
        total + 1 >= operations().len(),
        "schemathesis loaded {total} operations"
    );
    assert_eq!(selected, total - 2, "{}", summary(&text));
    assert!(
        text.contains(&format!("Tested: {selected}\n")),
        "{}",
        summary(&text)
    );
    assert_eq!(self::selected(&text2), (2, total), "{}", summary(&text2));
}

/// `Selected: a/b` of a summary.
fn selected(text: &str) -> (usize, usize) {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Selected: "))
        .expect("a Selected: line");
    let (a, b) = line.split_once('/').expect("a/b");
    (a.trim().parse().unwrap(), b.trim().parse().unwrap())
}
