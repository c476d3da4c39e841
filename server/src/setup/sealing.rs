//! Sealing what must not be readable from the database alone (the GitHub App's private key and secrets): ChaCha20-
//! Poly1305 with a key from the environment, a random nonce per seal, and what the value is for as associated data
//! (so a sealed value moved to another purpose does not open).

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

const KEY_BYTES: usize = 32;
const TAG_BYTES: usize = 16;

/// `TENGU_SECRET_KEY`, read.
pub struct SealingKey(LessSafeKey);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealingError {
    #[error("TENGU_SECRET_KEY must be {KEY_BYTES} bytes in hex (64 characters; make one with `openssl rand -hex 32`)")]
    BadKey,
    #[error("no random numbers could be had from the system")]
    NoRandom,
    #[error("the stored value cannot be opened with this TENGU_SECRET_KEY (another key sealed it, or it was altered)")]
    WontOpen,
}

impl SealingKey {
    pub fn parse(text: &str) -> Result<Self, SealingError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealingError::BadKey)?;
        if bytes.len() != KEY_BYTES {
            return Err(SealingError::BadKey);
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| SealingError::BadKey)?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// The nonce, then the sealed text and its tag.
    pub fn seal(&self, plain: &[u8], purpose: &str) -> Result<Vec<u8>, SealingError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| SealingError::NoRandom)?;
        let mut sealed = plain.to_vec();
        self.0
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(purpose.as_bytes()), &mut sealed)
            .map_err(|_| SealingError::NoRandom)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], purpose: &str) -> Result<Vec<u8>, SealingError> {
        if sealed.len() < NONCE_LEN + TAG_BYTES {
            return Err(SealingError::WontOpen);
        }
        let (nonce, text) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealingError::WontOpen)?;
        let mut text = text.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut text)
            .map_err(|_| SealingError::WontOpen)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn what_is_sealed_opens_with_the_same_key_and_purpose_only() {
        let key = SealingKey::parse(KEY).unwrap();
        let sealed = key.seal(b"-----BEGIN RSA PRIVATE KEY-----", "github app 7").unwrap();
        assert!(!sealed.windows(5).any(|w| w == b"BEGIN"), "the text is not readable in what is stored");
        assert_eq!(key.open(&sealed, "github app 7").unwrap(), b"-----BEGIN RSA PRIVATE KEY-----");
        assert_eq!(key.open(&sealed, "github app 8"), Err(SealingError::WontOpen));
        let other = SealingKey::parse(&KEY.replace("00", "01")).unwrap();
        assert_eq!(other.open(&sealed, "github app 7"), Err(SealingError::WontOpen));
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(&altered, "github app 7"), Err(SealingError::WontOpen));
        assert_ne!(key.seal(b"x", "p").unwrap(), key.seal(b"x", "p").unwrap(), "a new nonce each time");
    }

    #[test]
    fn a_key_is_32_bytes_of_hex() {
        assert!(SealingKey::parse(&KEY[..62]).is_err());
        assert!(SealingKey::parse("not hex at all").is_err());
        assert!(SealingKey::parse(&format!(" {KEY}\n")).is_ok());
    }
}
