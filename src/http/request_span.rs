//! The span each request is logged under. Unlike tracing-actix-web's default it writes the
//! target with its long digit runs masked (a phone typed into a search box ends up in the
//! query string), believes `X-Forwarded-For` only behind a trusted proxy, and logs errors by
//! their public message, never by their `Debug` (which may hold what the client sent).
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use crate::domain::redact::mask_long_numbers;
use crate::http::shared::client::ClientInfo;

pub struct RequestSpan;

/// The path and query as logged: decoded, long digit runs masked, encoded again.
pub fn logged_target(path: &str, query: &str) -> String {
    let path = percent_decode(path);
    let mut out = mask_long_numbers(&path);
    if !query.is_empty() {
        let mut masked = form_urlencoded::Serializer::new(String::new());
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            masked.append_pair(&mask_long_numbers(&name), &mask_long_numbers(&value));
        }
        out.push('?');
        out.push_str(&masked.finish());
    }
    out
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let request_id = request.extensions().get::<RequestId>().map(ToString::to_string).unwrap_or_default();
        let client = ClientInfo::of(request.request());
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %logged_target(request.path(), request.query_string()),
            http.client_ip = %client.ip,
            http.user_agent = %client.user_agent.as_deref().unwrap_or(""),
            http.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        span.record("http.status_code", status.as_u16());
        let Some(error) = error else { return };
        let message = mask_long_numbers(&error.as_response_error().to_string());
        span.record("exception.message", tracing::field::display(&message));
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %message, "request failed");
        } else {
            tracing::warn!(status = status.as_u16(), error = %message, "request refused");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::logged_target;

    #[test]
    fn phones_in_targets_are_masked() {
        assert_eq!(
            logged_target("/api/v1/cases", "q=139-1234-5678&status=bogus"),
            "/api/v1/cases?q=139-****-**78&status=bogus"
        );
        assert_eq!(logged_target("/api/v1/cases", "q=138+1234+5678"), "/api/v1/cases?q=138+****+**78");
        assert_eq!(logged_target("/app/cases", "q=13912345678&page=2"), "/app/cases?q=139******78&page=2");
        assert_eq!(logged_target("/t/WGC6V3WD19WD", ""), "/t/WGC6V3WD19WD");
        assert_eq!(logged_target("/x/13912345678", ""), "/x/139******78");
        assert_eq!(logged_target("/api/v1/cases/42", "page=3"), "/api/v1/cases/42?page=3");
    }
}
