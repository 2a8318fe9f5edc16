//! Unguessable public tokens (deputy QR codes, station links).
use rand::Rng;

/// Crockford's base32 alphabet in lower case: no i, l, o, u, so nothing is misread.
const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// 16 characters × 5 bits = 80 bits of randomness: short in a QR code, infeasible to guess.
pub const PUBLIC_TOKEN_LEN: usize = 16;

pub fn new_public_token() -> String {
    let mut rng = rand::rng();
    (0..PUBLIC_TOKEN_LEN).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

/// Whether `raw` could be a token we issued; checked before touching the database.
pub fn looks_like_public_token(raw: &str) -> bool {
    raw.len() == PUBLIC_TOKEN_LEN && raw.bytes().all(|b| ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_well_formed_and_distinct() {
        let a = new_public_token();
        let b = new_public_token();
        assert!(looks_like_public_token(&a));
        assert_ne!(a, b);
        assert!(!looks_like_public_token("short"));
        assert!(!looks_like_public_token("ILOU0000ILOU0000"));
    }
}
