//! HS256 JSON Web Tokens signed with the server secret: account JWTs (`X-Appwrite-JWT`) and
//! ephemeral keys (`ephemeral_<JWT>`). Only HS256 is ever issued or accepted, so this is a
//! short piece of our own code on hmac + sha2 rather than a general JWT library.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Largest token we try to verify; anything longer is rejected before any work.
const MAX_TOKEN_LEN: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("malformed token")]
    Malformed,
    #[error("bad signature")]
    Signature,
    #[error("token expired")]
    Expired,
}

/// Signs `claims` (which should carry `exp`) with `secret`.
pub fn sign<T: Serialize>(secret: &[u8], claims: &T) -> Result<String, JwtError> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let payload = serde_json::to_vec(claims).map_err(|_| JwtError::Malformed)?;
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| JwtError::Malformed)?;
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signing_input}.{sig}"))
}

/// Verifies signature, algorithm and `exp` (seconds since the epoch, compared with `now`).
pub fn verify<T: DeserializeOwned>(secret: &[u8], token: &str, now: i64) -> Result<T, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: serde_json::Value = decode_part(h)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(JwtError::Malformed);
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| JwtError::Malformed)?;
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&sig).map_err(|_| JwtError::Signature)?;
    let claims: serde_json::Value = decode_part(p)?;
    match claims.get("exp").and_then(|e| e.as_i64()) {
        Some(exp) if exp >= now => {}
        Some(_) => return Err(JwtError::Expired),
        None => return Err(JwtError::Malformed),
    }
    serde_json::from_value(claims).map_err(|_| JwtError::Malformed)
}

fn decode_part<T: DeserializeOwned>(part: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Claims {
        #[serde(rename = "userId")]
        user_id: String,
        exp: i64,
    }

    #[test]
    fn round_trip_and_failures() {
        let c = Claims { user_id: "u1".into(), exp: 100 };
        let t = sign(b"secret", &c).unwrap();
        assert_eq!(verify::<Claims>(b"secret", &t, 50).unwrap(), c);
        assert_eq!(verify::<Claims>(b"other", &t, 50), Err(JwtError::Signature));
        assert_eq!(verify::<Claims>(b"secret", &t, 101), Err(JwtError::Expired));
        assert_eq!(verify::<Claims>(b"secret", "a.b", 0), Err(JwtError::Malformed));
        let tampered = t.replacen('.', ".x", 1);
        assert!(verify::<Claims>(b"secret", &tampered, 50).is_err());
    }
}
