//! Webhooks: the three message formats, DingTalk's signature, what counts as delivered, and
//! the retry schedule. Pure functions; the deliverer job does the I/O.
use std::str::FromStr;

use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use crate::domain::field::FieldError;

pub const MAX_URL_CHARS: usize = 500;
pub const MAX_SECRET_CHARS: usize = 200;
/// Attempts before an outbox row is given up as `failed`.
pub const MAX_ATTEMPTS: i32 = 10;
const FIRST_RETRY_SECS: i64 = 30;
const MAX_RETRY_SECS: i64 = 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// 企业微信群机器人
    Wecom,
    /// 钉钉群机器人
    Dingtalk,
    /// Our own JSON: the event payload plus title and body.
    Json,
}

impl WebhookFormat {
    pub const EXPECTED: &'static str = "one of wecom, dingtalk, json";

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Wecom => "wecom",
            WebhookFormat::Dingtalk => "dingtalk",
            WebhookFormat::Json => "json",
        }
    }
}

impl FromStr for WebhookFormat {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "wecom" => Ok(WebhookFormat::Wecom),
            "dingtalk" => Ok(WebhookFormat::Dingtalk),
            "json" => Ok(WebhookFormat::Json),
            _ => Err(()),
        }
    }
}

/// Where a webhook may point.
#[derive(Debug, Clone, Copy)]
pub struct UrlPolicy {
    /// https only (production), since the URL of a chat robot is itself its key.
    pub https_only: bool,
    /// Loopback, private and link-local hosts allowed (`LIAISON_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

/// Whether a URL names an internal host by its spelling: an internal IP literal in any of
/// the forms a URL parser accepts (`http://2130706433/` is 127.0.0.1), or a local name. The
/// address a public name resolves to is checked again when the message is sent.
pub fn names_internal_host(url: &str) -> bool {
    match url::Url::parse(url).ok().as_ref().and_then(url::Url::host) {
        Some(url::Host::Ipv4(ip)) => crate::domain::net::is_internal(ip.into()),
        Some(url::Host::Ipv6(ip)) => crate::domain::net::is_internal(ip.into()),
        Some(url::Host::Domain(name)) => crate::domain::net::is_internal_name(name),
        None => true,
    }
}

/// A webhook address: absolute http(s) with a host, at most 500 characters, as `policy`
/// allows.
pub fn parse_url(field: &'static str, raw: &str, policy: UrlPolicy) -> Result<String, FieldError> {
    let https_only = policy.https_only;
    let url = raw.trim();
    if url.is_empty() {
        return Err(FieldError::required(field));
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Err(FieldError::new(field, crate::domain::field::Problem::TooLong { max: MAX_URL_CHARS }));
    }
    let expected = if https_only { "an https:// address" } else { "an http:// or https:// address" };
    let rest = match url.split_once("://") {
        Some(("https", rest)) => rest,
        Some(("http", rest)) if !https_only => rest,
        _ => return Err(FieldError::invalid(field, expected)),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = !host.is_empty() && !host.contains('@');
    if !host_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::invalid(field, expected));
    }
    if !policy.allow_private && names_internal_host(url) {
        return Err(FieldError::invalid(
            field,
            "an address on the internet (loopback, private, link-local and metadata addresses are refused)",
        ));
    }
    Ok(url.to_string())
}

/// The body to POST. `link` is the staff page of the case (or of the notifications).
pub fn message(format: WebhookFormat, title: &str, body: &str, link: &str, payload: Option<&str>) -> Value {
    match format {
        WebhookFormat::Wecom => json!({
            "msgtype": "markdown",
            "markdown": {"content": format!("**{title}**\n{body}\n[查看详情]({link})")},
        }),
        WebhookFormat::Dingtalk => json!({
            "msgtype": "markdown",
            "markdown": {"title": title, "text": format!("### {title}\n\n{body}\n\n[查看详情]({link})")},
        }),
        WebhookFormat::Json => {
            let mut object = payload
                .and_then(|p| serde_json::from_str::<Value>(p).ok())
                .and_then(|v| match v {
                    Value::Object(map) => Some(map),
                    _ => None,
                })
                .unwrap_or_default();
            object.insert("title".into(), title.into());
            object.insert("body".into(), body.into());
            object.insert("url".into(), link.into());
            Value::Object(object)
        }
    }
}

/// DingTalk's signature for a robot with 加签: base64(HMAC-SHA256(secret,
/// "{timestamp}\n{secret}")), sent with the timestamp (ms) as query parameters (the caller
/// URL-encodes it).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    hmac_sha256_base64(secret, &format!("{timestamp_ms}\n{secret}"))
}

/// The signature of our own JSON format when the webhook has a secret:
/// `sha256=` + hex(HMAC-SHA256(secret, "{timestamp}.{body}")), so a receiver can check
/// both origin and freshness.
pub fn json_signature(secret: &str, timestamp_ms: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp_ms}.").as_bytes());
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn hmac_sha256_base64(key: &str, text: &str) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether a 2xx answer means delivered: WeCom and DingTalk answer 200 with
/// `{"errcode": N, "errmsg": …}` and report refusals with N ≠ 0.
pub fn check_answer(format: WebhookFormat, body: &[u8]) -> Result<(), String> {
    if format == WebhookFormat::Json {
        return Ok(());
    }
    let Ok(answer) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    match answer.get("errcode").and_then(Value::as_i64) {
        None | Some(0) => Ok(()),
        Some(code) => {
            let text = answer.get("errmsg").and_then(Value::as_str).unwrap_or("");
            Err(short(&format!("errcode {code}: {text}")))
        }
    }
}

/// When to try again after the `attempts`-th failure: 30 s, doubling, at most an hour.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = attempts.saturating_sub(1).clamp(0, 20) as u32;
    Duration::seconds((FIRST_RETRY_SECS << exponent).min(MAX_RETRY_SECS))
}

/// An error kept on the outbox row: one short line.
pub fn short(text: &str) -> String {
    let line: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    line.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_print() {
        for f in [WebhookFormat::Wecom, WebhookFormat::Dingtalk, WebhookFormat::Json] {
            assert_eq!(f.as_str().parse::<WebhookFormat>(), Ok(f));
        }
        assert!("slack".parse::<WebhookFormat>().is_err());
    }

    const OPEN: UrlPolicy = UrlPolicy { https_only: false, allow_private: true };
    const PRODUCTION: UrlPolicy = UrlPolicy { https_only: true, allow_private: false };

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert!(parse_url("url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", PRODUCTION).is_ok());
        assert!(parse_url("url", "http://10.0.0.5:8080/hook", OPEN).is_ok());
        assert!(parse_url("url", "http://qyapi.weixin.qq.com/x", PRODUCTION).is_err());
        for bad in ["", "ftp://x", "https://", "https:///x", "https://u@h/", "https://h/a b", "javascript:x"] {
            assert!(parse_url("url", bad, OPEN).is_err(), "{bad}");
        }
        let long = format!("https://h/{}", "a".repeat(500));
        assert_eq!(parse_url("url", &long, OPEN).unwrap_err().code(), "too_long");
    }

    #[test]
    fn internal_hosts_are_refused_unless_allowed() {
        for url in [
            "https://169.254.169.254/latest/meta-data/",
            "https://127.0.0.1:8443/internal-admin",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://[::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://100.100.100.200/latest/meta-data/",
            "https://localhost/",
            "https://intranet/hook",
        ] {
            assert!(parse_url("url", url, PRODUCTION).is_err(), "{url}");
            assert!(parse_url("url", url, UrlPolicy { https_only: true, allow_private: true }).is_ok(), "{url}");
        }
        assert!(parse_url("url", "https://oapi.dingtalk.com/robot/send?access_token=x", PRODUCTION).is_ok());
    }

    #[test]
    fn messages_have_each_robots_shape() {
        let wecom = message(WebhookFormat::Wecom, "T", "B", "https://x/app/cases/1", None);
        assert_eq!(wecom["msgtype"], "markdown");
        assert!(wecom["markdown"]["content"].as_str().unwrap().contains("(https://x/app/cases/1)"));
        let ding = message(WebhookFormat::Dingtalk, "T", "B", "L", None);
        assert_eq!(ding["markdown"]["title"], "T");
        assert!(ding["markdown"]["text"].as_str().unwrap().starts_with("### T"));
        let own = message(WebhookFormat::Json, "T", "B", "L", Some(r#"{"event":"case_submitted","case_id":3}"#));
        assert_eq!(own["event"], "case_submitted");
        assert_eq!(own["case_id"], 3);
        assert_eq!(own["title"], "T");
        assert_eq!(own["url"], "L");
    }

    #[test]
    fn dingtalk_signature_matches_its_documented_scheme() {
        // HMAC-SHA256("secret", "1700000000000\nsecret"), base64: computed independently
        // with `openssl dgst -sha256 -hmac secret -binary | base64`.
        assert_eq!(dingtalk_sign("secret", 1_700_000_000_000), "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY=");
    }

    #[test]
    fn robots_report_refusals_in_the_body() {
        assert!(check_answer(WebhookFormat::Wecom, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        let refused = check_answer(WebhookFormat::Dingtalk, br#"{"errcode":310000,"errmsg":"sign not match"}"#);
        assert_eq!(refused.unwrap_err(), "errcode 310000: sign not match");
        assert!(check_answer(WebhookFormat::Json, br#"{"errcode":1}"#).is_ok());
        assert!(check_answer(WebhookFormat::Wecom, b"OK").is_ok());
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let secs: Vec<i64> = (1..=10).map(|n| retry_delay(n).num_seconds()).collect();
        assert_eq!(secs, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }
}
