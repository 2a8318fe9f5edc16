//! The layers' import rules (ARCHITECTURE.md), read from the source: a new `use` that breaks
//! one fails here rather than in review.
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines of the files under `dir` (relative to `src/`) that mention any of `forbidden`,
/// outside comments.
fn offenders(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join(dir), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if forbidden.iter().any(|f| code.contains(f)) {
                found.push(format!("{}:{}: {}", file.strip_prefix(&root).unwrap().display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn pages_and_api_never_import_each_other() {
    let mut found = offenders("http/pages", &["http::api"]);
    found.extend(offenders("http/api", &["http::pages"]));
    found.extend(offenders("http/shared", &["http::api", "http::pages"]));
    assert!(found.is_empty(), "pages and API are siblings:\n{}", found.join("\n"));
}

#[test]
fn services_import_no_job_http_or_migration() {
    let found = offenders("services", &["crate::jobs", "crate::http", "migration::", "crate::state"]);
    assert!(found.is_empty(), "services are the bottom of the application:\n{}", found.join("\n"));
}

#[test]
fn the_domain_is_pure() {
    let found = offenders(
        "domain",
        &["sea_orm", "crate::services", "crate::entities", "crate::http", "crate::jobs", "crate::state", "actix"],
    );
    assert!(found.is_empty(), "the domain does no I/O and knows no layer above it:\n{}", found.join("\n"));
}

#[test]
fn no_stored_value_is_parsed_with_a_fallback() {
    // A stored closed list is typed in its entity; parsing one and defaulting would turn a
    // bad value into another state silently.
    let found: Vec<String> = offenders("", &[".parse::<"])
        .into_iter()
        .filter(|line| line.contains(".unwrap_or(") && !line.contains("domain/") && !line.contains("fuzzing/"))
        .filter(|line| {
            ["Status", "Tier", "Level", "Kind", "Role", "Format", "Slot", "Satisfaction"]
                .iter()
                .any(|t| line.contains(t))
        })
        .collect();
    assert!(found.is_empty(), "stored values parsed with a fallback:\n{}", found.join("\n"));
}
