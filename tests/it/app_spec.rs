//! app-spec.yaml against the code: every variable it declares is one mm reads, every variable
//! a role requires is declared for that component, and each command and health path exist.

use crate::harness::{TestApp, new_key};
use clap::Parser;
use mm::cli::{Cli, Command};
use mm::config::{Config, Env, Role};
use serde_yaml_ng::Value;

struct Component {
    /// `services`, `workers` or `jobs`.
    section: &'static str,
    name: String,
    run_command: String,
    health_path: Option<String>,
    envs: Vec<(String, Option<String>)>,
}

fn components() -> Vec<Component> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/app-spec.yaml")).unwrap();
    let spec: Value = serde_yaml_ng::from_str(&text).expect("app-spec.yaml parses");
    let mut out = Vec::new();
    for section in ["services", "workers", "jobs"] {
        let list = spec[section]
            .as_sequence()
            .unwrap_or_else(|| panic!("app-spec.yaml has no `{section}` list"));
        assert!(!list.is_empty(), "`{section}` lists no component");
        for c in list {
            assert!(
                c.get("image").is_none(),
                "{section}: built from source, not a registry image"
            );
            assert_eq!(c["dockerfile_path"].as_str(), Some("Dockerfile"));
            let name = c["name"].as_str().expect("every component has a name");
            let envs = c["envs"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{name}: no `envs` list"))
                .iter()
                .map(|e| {
                    let key = e["key"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{name}: an env without a key"))
                        .to_string();
                    let secret = e["type"].as_str() == Some("SECRET");
                    let looks_secret = ["KEY", "SECRET", "DSN"]
                        .iter()
                        .any(|s| key.ends_with(s) || key.contains("SECRET"));
                    if looks_secret && !key.ends_with("ACCESS_KEY") {
                        assert!(secret, "{key} must be declared with type: SECRET");
                    }
                    (key, e["value"].as_str().map(str::to_string))
                })
                .collect();
            out.push(Component {
                section,
                name: name.to_string(),
                run_command: c["run_command"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: no run_command"))
                    .to_string(),
                health_path: c["health_check"]["http_path"].as_str().map(str::to_string),
                envs,
            });
        }
    }
    let mut names: Vec<&str> = out.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["api", "edge", "migrate", "worker"],
        "the components this test knows; a new one needs its checks here"
    );
    out
}

/// A plausible production value for a declared variable, as App Platform would inject it.
fn value_for(key: &str, declared: &Option<String>) -> String {
    match declared.as_deref() {
        Some("${db.DATABASE_URL}") => {
            "postgresql://doadmin:pw@db.example.com:25060/defaultdb?sslmode=require".into()
        }
        Some(v) if v.starts_with("${cache.") => {
            "rediss://default:pw@cache.example.com:25061".into()
        }
        Some("${APP_URL}") => "https://mm.example.com".into(),
        Some(v) => v.to_string(),
        None if key == "MM_EDGE_KEYS" => format!("k1:{}", new_key()),
        None if key == "MM_SECRET_KEY" || key == "MM_METRICS_TOKEN" => new_key(),
        None if key == "SENTRY_DSN" => "https://public@sentry.example.com/1".into(),
        None => "secret-value".into(),
    }
}

fn role_of(cmd: &str) -> Option<Role> {
    match Cli::try_parse_from(cmd.split_whitespace())
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
        .command
    {
        Command::Serve { role } => Some(role),
        Command::Migrate { .. } => None,
        other => panic!("unexpected command {other:?}"),
    }
}

#[test]
fn every_declared_variable_is_read_and_every_required_one_declared() {
    for c in components() {
        let pairs: Vec<(String, String)> = c
            .envs
            .iter()
            .map(|(k, v)| (k.clone(), value_for(k, v)))
            .collect();
        assert!(
            !pairs.iter().any(|(k, _)| k == "PORT"),
            "App Platform sets PORT"
        );
        let env = Env::from_pairs(pairs.clone());
        let config = Config::from_env(&env);
        let read = env.asked();
        for (k, _) in &pairs {
            assert!(
                read.contains(k),
                "{}: declares {k}, which mm never reads",
                c.name
            );
        }
        match role_of(&c.run_command) {
            Some(role) => {
                let problems = config.problems_for(role);
                assert!(
                    problems.is_empty(),
                    "{}: role {role:?} would refuse to start: {problems:?}",
                    c.name
                );
            }
            None => assert!(
                pairs.iter().any(|(k, _)| k == "DATABASE_URL"),
                "{}: mm migrate needs DATABASE_URL",
                c.name
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_health_path_answers_for_its_role() {
    let mut checked = 0;
    for c in components() {
        let role = role_of(&c.run_command);
        match (c.section, c.health_path.clone(), role) {
            ("services", Some(path), Some(role)) => {
                let app = TestApp::spawn(role).await;
                let r = app.client.get(app.url(&path)).send().await.unwrap();
                assert_eq!(r.status(), 200, "{}: {path}", c.name);
                app.stop().await;
                checked += 1;
            }
            // App Platform health-checks services only; a worker answers on its own health
            // port (tested with the worker role), a job runs to completion.
            ("workers", None, Some(Role::Worker)) | ("jobs", None, None) => {}
            (section, path, role) => panic!(
                "{}: unexpected {section} component (health path {path:?}, role {role:?})",
                c.name
            ),
        }
    }
    assert_eq!(checked, 2, "the api and edge services were both checked");
}
