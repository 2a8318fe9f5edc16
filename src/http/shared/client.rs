//! Who is calling: the client address (for throttling and audit) and user agent.
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn of(req: &HttpRequest) -> ClientInfo {
        let trust_proxy = req.app_data::<web::Data<AppState>>().is_some_and(|state| state.settings.trust_proxy);
        let info = req.connection_info();
        // Behind a trusted proxy the forwarded address is the client; otherwise only the
        // socket peer can be believed.
        let ip = if trust_proxy { info.realip_remote_addr() } else { info.peer_addr() }
            .map(strip_port)
            .unwrap_or("unknown")
            .to_string();
        let user_agent =
            req.headers().get(actix_web::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
        ClientInfo { ip, user_agent }
    }
}

fn strip_port(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => addr,
    }
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientInfo::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::strip_port;

    #[test]
    fn ports_are_removed() {
        assert_eq!(strip_port("127.0.0.1:5555"), "127.0.0.1");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("10.0.0.1"), "10.0.0.1");
    }
}
