//! The one reqwest client (one connection pool) of a provider instance, used both for agents API
//! calls and as the `azure_identity` transport.
//!
//! Trust: the platform's roots plus every certificate in the PEM file named by `SSL_CERT_FILE`,
//! the convention Go-based providers follow, so a self-signed endpoint (the emulator's TLS mode,
//! a corporate proxy) can be trusted without turning verification off.
//!
//! Names are resolved by the system resolver (`getaddrinfo`, like reqwest's default), through
//! [`SystemResolver`], which keeps how a lookup failed typed ([`ResolveError`]) so an unknown
//! host fails at once instead of being retried (`connect.rs`).

use std::net::ToSocketAddrs;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use super::connect::ResolveError;
use super::errors::{Error, ErrorKind};

/// Environment variable naming an extra PEM bundle to trust.
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// The process's one HTTP client (one connection pool), built by [`build_http_client`] on first
/// use: a provider process may be configured more than once (validate, then plan), and each
/// configured client shares the pool. Built lazily so serving schemas never loads trust roots.
pub fn shared_http_client() -> Result<reqwest::Client, Error> {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = HTTP.get() {
        return Ok(c.clone());
    }
    let built = build_http_client()?;
    Ok(HTTP.get_or_init(|| built).clone())
}

/// Build the shared HTTP client: rustls (aws-lc-rs), platform roots + `SSL_CERT_FILE`.
pub fn build_http_client() -> Result<reqwest::Client, Error> {
    match std::env::var_os(SSL_CERT_FILE).filter(|v| !v.is_empty()) {
        Some(path) => build_http_client_trusting(Some(Path::new(&path))),
        None => build_http_client_trusting(None),
    }
}

/// Like [`build_http_client`], with the extra PEM bundle given explicitly (tests, and callers
/// that resolved the path themselves).
pub fn build_http_client_trusting(extra_pem: Option<&Path>) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_rustls()
        .connect_timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(90))
        // Agents API calls are small; never follow redirects with a bearer token attached.
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(SystemResolver);
    if let Some(path) = extra_pem {
        let pem = std::fs::read(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot read {SSL_CERT_FILE} {}: {e}", path.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "{SSL_CERT_FILE} {} is not a PEM certificate bundle: {e}",
                    path.display()
                ),
            )
        })?;
        if certs.is_empty() {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "{SSL_CERT_FILE} {} contains no PEM certificates",
                    path.display()
                ),
            ));
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("cannot build the HTTP client: {e}"),
        )
    })
}

/// `getaddrinfo` on the blocking pool (as reqwest's default resolver does), with failures
/// reported as [`ResolveError`] so the resolver's verdict survives the trip through hyper and
/// reqwest.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl reqwest::dns::Resolve for SystemResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let lookup = host.clone();
            let found = tokio::task::spawn_blocking(move || {
                (lookup.as_str(), 0)
                    .to_socket_addrs()
                    .map(|addrs| addrs.collect::<Vec<_>>())
            })
            .await;
            match found {
                Ok(Ok(addrs)) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Ok(Err(e)) => Err(Box::new(ResolveError::new(host, e)) as _),
                Err(join) => Err(Box::new(std::io::Error::other(join)) as _),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_without_extra_roots() {
        build_http_client_trusting(None).unwrap();
    }

    #[test]
    fn unreadable_or_empty_bundles_are_config_errors() {
        let e = build_http_client_trusting(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        assert!(e.message.contains("/nonexistent/ca.pem"), "{}", e.message);

        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), "not a certificate\n").unwrap();
        let e = build_http_client_trusting(Some(f.path())).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
    }

    #[test]
    fn accepts_a_pem_bundle() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), cert.cert.pem()).unwrap();
        build_http_client_trusting(Some(f.path())).unwrap();
    }
}
