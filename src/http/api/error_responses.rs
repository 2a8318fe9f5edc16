//! Declares in the OpenAPI document the error answers every operation can give, so clients
//! (and schemathesis) see each status the server may send, with its `ErrorBody`, without
//! repeating them in a hundred annotations. An operation's own declaration of a status wins.
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// Every operation: the database may be down.
const ALWAYS: &[(&str, &str)] = &[("503", "The database is unavailable; try again after `Retry-After` seconds")];
/// Operations with parameters or a body: they may not be readable (400), what they name may
/// not exist or not be the caller's to see (404, also for an unparseable path segment), and a
/// field may be refused (422).
const WITH_INPUT: &[(&str, &str)] = &[
    ("400", "The request could not be read (query parameters, body)"),
    ("404", "Not found, or not visible to the caller"),
    ("422", "A field was refused; `fields` says which and why"),
];
/// Operations behind a session.
const SIGNED_IN: &[(&str, &str)] = &[
    ("401", "Not signed in, or the session ended"),
    ("403", "Signed in, but the caller's role or stations do not allow it"),
];
/// Operations with a request body.
const WITH_BODY: &[(&str, &str)] = &[("413", "The body is larger than allowed")];

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

fn declare(operation: &mut Operation, statuses: &[(&str, &str)]) {
    for (status, description) in statuses {
        operation.responses.responses.entry((*status).to_string()).or_insert_with(|| error_response(description));
    }
}

/// Adds the common error answers to every operation of `openapi` (call it after the paths are in).
pub fn add_error_responses(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            declare(operation, ALWAYS);
            if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) || operation.request_body.is_some() {
                declare(operation, WITH_INPUT);
            }
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                declare(operation, SIGNED_IN);
            }
            if operation.request_body.is_some() {
                declare(operation, WITH_BODY);
            }
        }
    }
}
