//! Encryption at rest of residents' names and phones: AES-256-GCM under the current data key
//! (a random 96-bit nonce per value, the key id bound in as associated data), any configured
//! key for reading; and a keyed hash (HMAC-SHA256 under a separate lookup key) of the
//! normalised phone, so "cases from this phone" is an equality on the hash.
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::domain::phone::Phone;
use crate::domain::sealed::{FORMAT_PREFIX, KeyId, NONCE_BYTES, SealedText};
use crate::error::AppError;

pub const KEY_BYTES: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CipherError {
    #[error("a stored value is sealed under key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("a stored value sealed under key `{0}` does not open: wrong key or altered data")]
    DoesNotOpen(String),
}

impl From<CipherError> for AppError {
    fn from(error: CipherError) -> Self {
        AppError::Internal(error.into())
    }
}

struct DataKey {
    id: KeyId,
    aead: Aes256Gcm,
    fingerprint: String,
}

/// The configured keys: the first data key seals, every data key opens.
pub struct Cipher {
    keys: Vec<DataKey>,
    lookup: [u8; KEY_BYTES],
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Cipher").field("data_keys", &ids).finish_non_exhaustive()
    }
}

/// What a fingerprint is computed over: it shows which key is meant without revealing it.
const FINGERPRINT_INPUT: &[u8] = b"liaison/data-key-check/v1";

fn hmac_hex(key: &[u8], parts: &[&[u8]], bytes: usize) -> String {
    // HMAC accepts keys of any length: this cannot fail for our 32-byte keys.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().iter().take(bytes).map(|b| format!("{b:02x}")).collect()
}

impl Cipher {
    /// `data_keys`: the current key first. Ids must differ.
    pub fn new(data_keys: Vec<(KeyId, [u8; KEY_BYTES])>, lookup_key: [u8; KEY_BYTES]) -> Result<Cipher, String> {
        if data_keys.is_empty() {
            return Err("no data key is configured".into());
        }
        let mut keys: Vec<DataKey> = Vec::with_capacity(data_keys.len());
        for (id, bytes) in data_keys {
            if keys.iter().any(|k| k.id == id) {
                return Err(format!("data key `{id}` is given twice"));
            }
            let aead = Aes256Gcm::new_from_slice(&bytes).map_err(|_| format!("data key `{id}` is not 32 bytes"))?;
            let fingerprint = hmac_hex(&bytes, &[FINGERPRINT_INPUT], 16);
            keys.push(DataKey { id, aead, fingerprint });
        }
        Ok(Cipher { keys, lookup: lookup_key })
    }

    /// The key new values are sealed under.
    pub fn current(&self) -> &KeyId {
        &self.keys[0].id
    }

    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.iter().map(|k| &k.id)
    }

    /// A value that identifies a data key (to catch a wrong key at start-up) and reveals nothing of it.
    pub fn fingerprint(&self, id: &KeyId) -> Option<&str> {
        self.keys.iter().find(|k| &k.id == id).map(|k| k.fingerprint.as_str())
    }

    /// The same for the lookup key.
    pub fn lookup_fingerprint(&self) -> String {
        hmac_hex(&self.lookup, &[FINGERPRINT_INPUT], 16)
    }

    pub fn seal(&self, plain: &str) -> SealedText {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(&key.id);
        // Encryption only fails for inputs beyond GCM's limit (64 GiB), far above any field.
        let ciphertext = key
            .aead
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: aad.as_bytes() })
            .unwrap_or_default();
        SealedText::assemble(&key.id, &nonce, &ciphertext)
    }

    pub fn seal_opt(&self, plain: Option<&str>) -> Option<SealedText> {
        plain.map(|p| self.seal(p))
    }

    /// The plaintext. A value not in the sealed form is a row from before encryption and is
    /// returned as it is (start-up converts them; an older process may still write some).
    pub fn open(&self, stored: &SealedText) -> Result<String, CipherError> {
        let Some(parts) = stored.parts() else {
            return Ok(stored.as_stored().to_string());
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id.as_str() == parts.key_id)
            .ok_or_else(|| CipherError::UnknownKey(parts.key_id.to_string()))?;
        let (nonce, ciphertext) = parts.nonce_and_ciphertext.split_at(NONCE_BYTES);
        let aad = associated_data(&key.id);
        let plain = key
            .aead
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: aad.as_bytes() })
            .map_err(|_| CipherError::DoesNotOpen(key.id.to_string()))?;
        String::from_utf8(plain).map_err(|_| CipherError::DoesNotOpen(key.id.to_string()))
    }

    pub fn open_opt(&self, stored: Option<&SealedText>) -> Result<Option<String>, CipherError> {
        stored.map(|s| self.open(s)).transpose()
    }

    /// The lookup hash of a phone in its normal form (`13812341234`, `0571-88001234`).
    pub fn phone_hash(&self, phone: &Phone) -> String {
        self.hash_normalised(&phone.to_string())
    }

    /// The lookup hash of a phone as stored: its normal form when it parses (every phone
    /// written through the forms does), otherwise the trimmed text.
    pub fn stored_phone_hash(&self, phone: &str) -> String {
        match Phone::parse("phone", phone) {
            Ok(parsed) => self.phone_hash(&parsed),
            Err(_) => self.hash_normalised(phone.trim()),
        }
    }

    fn hash_normalised(&self, normal: &str) -> String {
        // 128 bits: no collisions among a district's phones, half the index of a full digest.
        hmac_hex(&self.lookup, &[b"liaison/phone/v1\0", normal.as_bytes()], 16)
    }
}

/// Bound into every ciphertext: a value cannot be passed off as sealed under another key id.
fn associated_data(id: &KeyId) -> String {
    format!("{FORMAT_PREFIX}{id}")
}

/// A new random 32-byte key.
pub fn random_key() -> [u8; KEY_BYTES] {
    let mut key = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> KeyId {
        KeyId::parse(s).unwrap()
    }

    fn cipher(keys: &[(&str, u8)]) -> Cipher {
        Cipher::new(keys.iter().map(|(name, byte)| (id(name), [*byte; 32])).collect(), [9; 32]).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_to_what_was_sealed() {
        let c = cipher(&[("a", 1)]);
        for plain in ["张三", "13812341234", "", "0571-88001234-12"] {
            let sealed = c.seal(plain);
            assert!(sealed.is_under(&id("a")));
            assert!(!sealed.as_stored().contains(plain) || plain.is_empty());
            assert_eq!(c.open(&sealed).unwrap(), plain);
        }
    }

    #[test]
    fn every_sealing_uses_a_new_nonce() {
        let c = cipher(&[("a", 1)]);
        let (one, two) = (c.seal("张三"), c.seal("张三"));
        assert_ne!(one, two);
        assert_ne!(one.parts().unwrap().nonce_and_ciphertext[..12], two.parts().unwrap().nonce_and_ciphertext[..12]);
    }

    #[test]
    fn the_wrong_key_does_not_open_it() {
        let sealed = cipher(&[("a", 1)]).seal("张三");
        assert_eq!(cipher(&[("a", 2)]).open(&sealed), Err(CipherError::DoesNotOpen("a".into())));
        assert_eq!(cipher(&[("b", 1)]).open(&sealed), Err(CipherError::UnknownKey("a".into())));
    }

    #[test]
    fn altered_ciphertext_does_not_open() {
        let c = cipher(&[("a", 1)]);
        let sealed = c.seal("13812341234");
        let mut bytes = sealed.parts().unwrap().nonce_and_ciphertext;
        for position in [0, 12, bytes.len() - 1] {
            bytes[position] ^= 1;
            let tampered = SealedText::assemble(&id("a"), &bytes[..12], &bytes[12..]);
            assert_eq!(c.open(&tampered), Err(CipherError::DoesNotOpen("a".into())), "byte {position}");
            bytes[position] ^= 1;
        }
    }

    #[test]
    fn a_value_cannot_be_moved_under_another_key_id() {
        // Two ids with the same key material: the key id is bound in as associated data.
        let c = cipher(&[("a", 1), ("b", 1)]);
        let bytes = c.seal("张三").parts().unwrap().nonce_and_ciphertext;
        let relabelled = SealedText::assemble(&id("b"), &bytes[..12], &bytes[12..]);
        assert!(c.open(&relabelled).is_err());
    }

    #[test]
    fn the_first_key_seals_and_any_key_opens() {
        let old = cipher(&[("a", 1)]).seal("张三");
        let rotated = cipher(&[("b", 2), ("a", 1)]);
        assert_eq!(rotated.open(&old).unwrap(), "张三");
        assert!(rotated.seal("张三").is_under(&id("b")));
    }

    #[test]
    fn plaintext_from_before_encryption_reads_as_it_is() {
        assert_eq!(cipher(&[("a", 1)]).open(&SealedText("李四".into())).unwrap(), "李四");
    }

    #[test]
    fn phone_hashes_match_on_the_normal_form_and_depend_on_the_key() {
        let c = cipher(&[("a", 1)]);
        let typed = Phone::parse("p", "+86 138-1234-1234").unwrap();
        assert_eq!(c.phone_hash(&typed), c.stored_phone_hash("13812341234"));
        assert_ne!(c.phone_hash(&typed), c.stored_phone_hash("13812341235"));
        let other = Cipher::new(vec![(id("a"), [1; 32])], [8; 32]).unwrap();
        assert_ne!(c.phone_hash(&typed), other.phone_hash(&typed));
        assert_eq!(c.phone_hash(&typed).len(), 32);
    }

    #[test]
    fn keys_are_checked_when_put_together() {
        assert!(Cipher::new(vec![], [0; 32]).is_err());
        assert!(Cipher::new(vec![(id("a"), [1; 32]), (id("a"), [2; 32])], [0; 32]).is_err());
        let c = cipher(&[("a", 1), ("b", 2)]);
        assert_ne!(c.fingerprint(&id("a")), c.fingerprint(&id("b")));
        assert!(!format!("{c:?}").contains("1, 1"));
    }
}
