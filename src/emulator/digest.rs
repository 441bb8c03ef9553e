//! SHA-256 and HMAC-SHA256 through rustls' aws-lc-rs provider, so the emulator needs no extra
//! crypto crate (aws-lc-rs stays the only crypto backend of the project).

use rustls::crypto::hash::Hash;

fn sha256_provider() -> &'static dyn Hash {
    rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256
        .tls13()
        .expect("TLS13_AES_128_GCM_SHA256 is a TLS 1.3 suite")
        .common
        .hash_provider
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let out = sha256_provider().hash(data);
    let mut buf = [0u8; 32];
    buf.copy_from_slice(out.as_ref());
    buf
}

/// SHA-256 over data that arrives in pieces (an upload streamed to disk).
pub struct Sha256Stream(Box<dyn rustls::crypto::hash::Context>);

impl Sha256Stream {
    pub fn new() -> Self {
        Sha256Stream(sha256_provider().start())
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// Lower-case hex digest.
    pub fn finish_hex(self) -> String {
        hex(self.0.finish().as_ref())
    }
}

impl Default for Sha256Stream {
    fn default() -> Self {
        Self::new()
    }
}

/// RFC 2104 HMAC over SHA-256 (block size 64).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&sha256(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Vec::with_capacity(64 + message.len());
    inner.extend(block.iter().map(|b| b ^ 0x36));
    inner.extend_from_slice(message);
    let inner_hash = sha256(&inner);
    let mut outer = Vec::with_capacity(96);
    outer.extend(block.iter().map(|b| b ^ 0x5c));
    outer.extend_from_slice(&inner_hash);
    sha256(&outer)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Constant-time comparison, so token checks leak nothing through timing.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A stable UUID-shaped identifier derived from `seed` (for instance identities).
pub fn stable_uuid(seed: &str) -> uuid::Uuid {
    let h = sha256(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let mut s = Sha256Stream::new();
        s.update(b"a");
        s.update(b"bc");
        assert_eq!(s.finish_hex(), hex(&sha256(b"abc")));
        assert_eq!(unhex("0aff").unwrap(), vec![0x0a, 0xff]);
        assert!(unhex("zz").is_none());
        assert_eq!(stable_uuid("a:1"), stable_uuid("a:1"));
        assert_ne!(stable_uuid("a:1"), stable_uuid("a:2"));
    }
}
