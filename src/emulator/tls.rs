//! Self-signed TLS material for `--tls`: a throwaway local CA and a server certificate for
//! `localhost`, `127.0.0.1` and `::1` signed by it. Clients trust the CA PEM written by
//! `--tls-cert-out` (REQUESTS_CA_BUNDLE for Python, SSL_CERT_FILE for the provider). A CA plus
//! leaf, rather than one self-signed leaf, satisfies both OpenSSL and webpki, which refuses an
//! end-entity certificate used as its own trust anchor in some configurations.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct Material {
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

impl Material {
    pub fn generate() -> anyhow::Result<Material> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "azureai-emulator local CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

        let leaf_key = KeyPair::generate()?;
        let mut leaf_params = CertificateParams::new(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ])?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf_params.use_authority_key_identifier_extension = true;
        let leaf = leaf_params.signed_by(&leaf_key, &ca)?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), ca.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )?;
        // HTTP/1.1 only: one request per connection at a time, so a dropped-response fault
        // affects exactly one request.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Material {
            ca_pem: ca.pem(),
            server_config: Arc::new(config),
        })
    }
}
