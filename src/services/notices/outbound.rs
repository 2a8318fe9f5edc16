//! Where outgoing requests may go. Webhook URLs are checked when saved, but a public name can
//! later resolve to an internal address (DNS rebinding): this resolver looks every name up
//! at send time and hands the HTTP client only public addresses, so a post never reaches
//! loopback, a private network or a metadata service. IP literals never reach a resolver;
//! `check_literal` refuses them before the request is made.
use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::net::is_internal;

/// Whole request, connecting included.
pub const POST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The HTTP client for webhooks: short timeouts, no redirects (a robot URL that redirects
/// is misconfigured, and following it could lead anywhere), no proxy from the environment
/// (the address checked must be the address connected to), and, unless `allow_private`,
/// only public addresses ([`PublicOnly`]).
pub fn http_client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(POST_TIMEOUT)
        .connect_timeout(POST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("liaison/", env!("CARGO_PKG_VERSION")));
    if allow_private { builder } else { builder.dns_resolver(std::sync::Arc::new(PublicOnly)) }.build()
}

/// Why a post was not made.
#[derive(Debug, thiserror::Error)]
#[error("the address is internal (loopback, private, link-local or metadata); refused")]
pub struct InternalAddress;

/// Resolves with the system resolver and drops every internal address.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|addr| !is_internal(addr.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(InternalAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Refuses a URL whose host is an internal IP literal (or a local name).
pub fn check_literal(url: &reqwest::Url) -> Result<(), InternalAddress> {
    if crate::domain::webhook::names_internal_host(url.as_str()) { Err(InternalAddress) } else { Ok(()) }
}

/// Whether an error of the HTTP client came from this module's refusal.
pub fn is_refusal(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<InternalAddress>() {
            return true;
        }
        current = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_that_resolve_inward_are_refused() {
        // `localhost` resolves (from /etc/hosts, no network needed) to loopback only.
        let refused = PublicOnly.resolve("localhost".parse().unwrap()).await;
        let error = refused.err().expect("loopback refused");
        assert!(is_refusal(error.as_ref()), "{error}");
    }

    #[test]
    fn literals_are_checked_before_sending() {
        assert!(check_literal(&"http://127.0.0.1:9/x".parse().unwrap()).is_err());
        assert!(check_literal(&"http://[::ffff:a9fe:a9fe]/".parse().unwrap()).is_err());
        assert!(check_literal(&"https://qyapi.weixin.qq.com/x".parse().unwrap()).is_ok());
    }
}
