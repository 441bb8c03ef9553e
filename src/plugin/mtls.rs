//! AutoMTLS: the TLS configuration go-plugin expects from a plugin.
//!
//! Terraform generates a throwaway client certificate per run and passes it to us in
//! `PLUGIN_CLIENT_CERT`; we generate a throwaway server certificate and send it back in the
//! handshake line. Each side then trusts exactly the other's certificate.
//!
//! Stock webpki verification cannot be used for the client side: Terraform's certificate is a
//! self-signed CA certificate presented as the end entity (webpki refuses that) on ECDSA P-521.
//! Since we know the exact certificate to expect, we pin its DER instead of building a chain,
//! and only borrow rustls' signature checks (aws-lc-rs, which supports P-521) to prove the peer
//! holds its private key.

use std::sync::Arc;

use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, KeyPair, PKCS_ECDSA_P256_SHA256, SanType};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};

/// Environment variable holding Terraform's client certificate (PEM) under AutoMTLS.
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";

/// The per-process server certificate and its private key.
pub struct ServerIdentity {
    pub cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("ServerIdentity")
            .field("cert_len", &self.cert.len())
            .finish_non_exhaustive()
    }
}

impl ServerIdentity {
    /// A fresh self-signed P-256 certificate for `localhost`.
    ///
    /// Terraform dials with `ServerName = "localhost"`, trusts only this certificate as its
    /// root, and (being Go) requires the serverAuth EKU on it.
    pub fn generate() -> anyhow::Result<Self> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params.distinguished_name.push(
            rcgen::DnType::OrganizationName,
            "terraform-provider-azureai",
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.self_signed(&key)?;
        Ok(ServerIdentity {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }
}

/// Parses the first certificate of a PEM document (the `PLUGIN_CLIENT_CERT` value).
pub fn parse_client_cert(pem: &str) -> anyhow::Result<CertificateDer<'static>> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("{CLIENT_CERT_KEY} does not hold a PEM certificate: {e}"))
}

/// Accepts exactly one client certificate, byte for byte, and requires the client to present it.
#[derive(Debug)]
pub struct PinnedClientCert {
    pinned: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    pub fn new(pinned: CertificateDer<'static>, provider: &CryptoProvider) -> Self {
        PinnedClientCert {
            pinned,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: Go then presents its one certificate whatever the CA list would say.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // The pin is the whole trust decision: this certificate was handed to us by the
        // process that launched us, moments ago, over an inherited environment.
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // Must include ECDSA_NISTP521_SHA512, or Go will not send its P-521 certificate.
        self.algorithms.supported_schemes()
    }
}

/// rustls server config: our identity, the pinned client, TLS 1.2+, ALPN `h2` (grpc-go ≥ 1.67
/// refuses servers that do not negotiate it).
pub fn server_config(
    identity: &ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedClientCert::new(client_cert, &provider));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![identity.cert.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_identity_is_for_localhost_and_fresh_each_time() {
        let a = ServerIdentity::generate().unwrap();
        let b = ServerIdentity::generate().unwrap();
        assert_ne!(a.cert.as_ref(), b.cert.as_ref());
        // The DNS SAN "localhost" appears verbatim in the DER.
        assert!(a.cert.windows(9).any(|w| w == b"localhost"));
        assert!(!format!("{a:?}").contains("key:"));
    }

    #[test]
    fn pin_accepts_only_the_exact_certificate() {
        let pinned = ServerIdentity::generate().unwrap().cert;
        let other = ServerIdentity::generate().unwrap().cert;
        let v = PinnedClientCert::new(
            pinned.clone(),
            &rustls::crypto::aws_lc_rs::default_provider(),
        );
        assert!(v.client_auth_mandatory());
        assert!(v.verify_client_cert(&pinned, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&other, &[], UnixTime::now()).is_err());
        assert!(
            v.supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }

    #[test]
    fn parses_pem_and_rejects_garbage() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let parsed = parse_client_cert(&cert.pem()).unwrap();
        assert_eq!(parsed.as_ref(), cert.der().as_ref());
        assert!(parse_client_cert("not a certificate").is_err());
    }

    #[test]
    fn server_config_negotiates_h2() {
        let id = ServerIdentity::generate().unwrap();
        let cfg = server_config(&id, id.cert.clone()).unwrap();
        assert_eq!(cfg.alpn_protocols, vec![b"h2".to_vec()]);
    }
}
