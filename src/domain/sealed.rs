//! Residents' names and phones as they are stored: `v1:<key id>:<base64 of nonce ‖ ciphertext>`
//! (AES-256-GCM, see `services::cipher`). A column value that is not in this form is a row
//! written before encryption existed: plaintext, converted at start-up.
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// A stored personal value: sealed, or (before conversion) plaintext. Never shown as is.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedText(pub String);

impl fmt::Debug for SealedText {
    // Debug output ends up in logs: show only which key sealed it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            Some(parts) => write!(f, "SealedText({}:…)", parts.key_id),
            None => f.write_str("SealedText(<plaintext>)"),
        }
    }
}

pub const FORMAT_PREFIX: &str = "v1:";
pub const NONCE_BYTES: usize = 12;
/// The GCM tag is appended to the ciphertext.
pub const TAG_BYTES: usize = 16;

/// A sealed value taken apart.
#[derive(Debug, PartialEq, Eq)]
pub struct SealedParts<'a> {
    pub key_id: &'a str,
    pub nonce_and_ciphertext: Vec<u8>,
}

impl SealedText {
    /// The stored form of a nonce and ciphertext under a key.
    pub fn assemble(key_id: &KeyId, nonce: &[u8], ciphertext: &[u8]) -> SealedText {
        let mut bytes = Vec::with_capacity(nonce.len() + ciphertext.len());
        bytes.extend_from_slice(nonce);
        bytes.extend_from_slice(ciphertext);
        SealedText(format!("{FORMAT_PREFIX}{}:{}", key_id.as_str(), STANDARD_NO_PAD.encode(bytes)))
    }

    /// Its key id and bytes, or `None` for a value that is not in the sealed form (plaintext).
    pub fn parts(&self) -> Option<SealedParts<'_>> {
        let rest = self.0.strip_prefix(FORMAT_PREFIX)?;
        let (key_id, payload) = rest.split_once(':')?;
        KeyId::parse(key_id).ok()?;
        let bytes = STANDARD_NO_PAD.decode(payload).ok()?;
        (bytes.len() >= NONCE_BYTES + TAG_BYTES).then_some(SealedParts { key_id, nonce_and_ciphertext: bytes })
    }

    pub fn is_sealed(&self) -> bool {
        self.parts().is_some()
    }

    /// Whether this value is sealed under `key`.
    pub fn is_under(&self, key: &KeyId) -> bool {
        self.parts().is_some_and(|p| p.key_id == key.as_str())
    }

    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

/// A key's name in configuration and in every value it sealed: 1–32 of `A–Z a–z 0–9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    pub fn parse(raw: &str) -> Result<KeyId, String> {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(KeyId(raw.to_string()))
        } else {
            Err(format!("key id `{raw}` must be 1–32 letters, digits, `_` or `-`"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How every value sealed under `key` begins (compared with `substr` in SQL: `LIKE` would
/// treat a `_` in a key id as a wildcard).
pub fn sealed_prefix(key: &KeyId) -> String {
    format!("{FORMAT_PREFIX}{}:", key.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> KeyId {
        KeyId::parse(id).unwrap()
    }

    #[test]
    fn a_sealed_value_comes_apart_again() {
        let sealed = SealedText::assemble(&key("k2026"), &[1; 12], &[2; 20]);
        assert!(sealed.as_stored().starts_with("v1:k2026:"));
        let parts = sealed.parts().unwrap();
        assert_eq!(parts.key_id, "k2026");
        assert_eq!(&parts.nonce_and_ciphertext[..12], &[1; 12]);
        assert!(sealed.is_under(&key("k2026")));
        assert!(!sealed.is_under(&key("k2025")));
    }

    #[test]
    fn plaintext_is_not_mistaken_for_a_sealed_value() {
        for plain in ["张三", "13812341234", "v1:", "v1:k:", "v1:k:!!!", "v1:bad id:AAAA", "v1:k:AAAA"] {
            assert!(!SealedText(plain.into()).is_sealed(), "{plain}");
        }
    }

    #[test]
    fn debug_output_hides_the_value() {
        assert_eq!(format!("{:?}", SealedText("张三".into())), "SealedText(<plaintext>)");
        let sealed = SealedText::assemble(&key("a"), &[0; 12], &[0; 16]);
        assert_eq!(format!("{sealed:?}"), "SealedText(a:…)");
    }

    #[test]
    fn key_ids_are_short_and_plain() {
        assert!(KeyId::parse("2026-a_1").is_ok());
        for bad in ["", "a:b", "a b", "密钥", &"x".repeat(33)] {
            assert!(KeyId::parse(bad).is_err(), "{bad}");
        }
    }
}
