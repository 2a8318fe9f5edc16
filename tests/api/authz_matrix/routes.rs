//! Every route the server answers: the JSON API from its OpenAPI document, the pages and the
//! other services from the source that registers them (actix cannot list its routes).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A method and a path template, as registered (`/app/cases/{id}`).
pub type Route = (String, String);

/// The (method, path) pairs of the OpenAPI document.
pub fn from_openapi(doc: &Value) -> BTreeSet<Route> {
    let mut routes = BTreeSet::new();
    let paths = doc["paths"].as_object().expect("paths in the OpenAPI document");
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first string literal after `from` in `text`.
fn literal(text: &str) -> Option<&str> {
    let start = text.find('"')? + 1;
    let end = start + text[start..].find('"')?;
    Some(&text[start..end])
}

/// Routes registered with `web::resource("…").route(web::get()…)` in the page modules and in
/// `startup.rs`, plus the Swagger UI. Any other way of registering a route in those files
/// (`web::scope`, `web::route`, `.route("…")`, a route macro) is refused, so that nothing
/// escapes this list.
pub fn from_source() -> BTreeSet<Route> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join("http/pages"), &mut files);
    files.push(root.join("startup.rs"));
    let mut routes = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        // The API's scope is listed by its OpenAPI document.
        let checked = source.replace("utoipa_actix_web::scope(\"/api/v1\")", "");
        for unsupported in ["web::scope(", "web::route(", ".route(\"", "#[get(", "#[post("] {
            assert!(
                !checked.contains(unsupported),
                "{name} registers a route with `{unsupported}`: teach tests/api/authz_matrix/routes.rs to read it"
            );
        }
        let mut rest = source.as_str();
        while let Some(at) = rest.find("web::resource(") {
            rest = &rest[at + "web::resource(".len()..];
            let path = literal(rest).unwrap_or_else(|| panic!("{name}: web::resource without a literal path"));
            let end =
                ["web::resource(", ".service(", ";"].iter().filter_map(|m| rest.find(m)).min().unwrap_or(rest.len());
            let chain = &rest[..end];
            let mut any = false;
            for method in ["get", "post", "put", "patch", "delete"] {
                if chain.contains(&format!("web::{method}()")) {
                    routes.insert((method.to_uppercase(), path.to_string()));
                    any = true;
                }
            }
            assert!(any, "{name}: web::resource(\"{path}\") has no method this test can read");
        }
        // The Swagger UI serves its pages and the OpenAPI document it is given.
        if let Some(at) = source.find("SwaggerUi::new(") {
            let swagger = &source[at..];
            routes.insert(("GET".into(), literal(swagger).unwrap().to_string()));
            if let Some(url) = swagger.find(".url(") {
                routes.insert(("GET".into(), literal(&swagger[url..]).unwrap().to_string()));
            }
        }
    }
    routes
}
