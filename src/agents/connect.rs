//! Why a request got no HTTP answer at all, and whether trying again can help.
//!
//! A failure to connect is classified by walking its source chain for typed errors (never by
//! matching reqwest's or hyper's message text): a [`rustls::Error`] means the TLS handshake
//! failed, a [`ResolveError`] (from the client's own resolver, `transport.rs`) says how name
//! resolution failed, an [`io::Error`] of kind `ConnectionRefused` means nothing listened
//! (`HostUnreachable` / `NetworkUnreachable`: no route). hyper-util's own connect error type
//! is private; what it wraps (one of the above) is what is looked at.
//!
//! | problem | retried? |
//! |---|---|
//! | TLS handshake / certificate | never: the same certificate fails the same way |
//! | host name does not exist (NXDOMAIN: `EAI_NONAME`, `EAI_NODATA`), or `EAI_FAIL` | never |
//! | connection refused, no route to the host, resolver unreachable (`EAI_AGAIN`) | for [`UNREACHABLE_RETRY_WINDOW`] while the endpoint has never answered this process; with the normal budget once it has (a restart) |
//!
//! `EAI_AGAIN` ("temporary failure in name resolution") is what glibc reports when no DNS
//! server answered at all (no network, a resolver restarting, a VPN not connected yet) or
//! the server failed (SERVFAIL); it says nothing about whether the name exists, so it is
//! treated like a refused connection rather than like an unknown host.
//!
//! The per-endpoint record of "has it ever answered" lives here too ([`note_answer`],
//! [`note_unreachable`]); the agents client and the credentials' transport (`auth.rs`) both
//! feed it, so the window is per endpoint and per provider process, not per call.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::errors::ErrorKind;
use super::transport::SSL_CERT_FILE;

/// How long an endpoint that has never answered this provider process is retried while it
/// refuses connections (or the resolver does not answer), counted from the first failure. 15 s
/// covers a service or emulator that is still starting and a brief resolver outage; a wrong
/// host or port fails within it instead of after the whole retry budget (minutes). An
/// endpoint that answered before gets the normal budget: that is a restart (see
/// `docs/reliability.md`, guarantee 5).
pub const UNREACHABLE_RETRY_WINDOW: Duration = Duration::from_secs(15);

/// How name resolution failed, from the resolver's error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResolveKind {
    /// The name does not exist, or has no address (`EAI_NONAME`, `EAI_NODATA`;
    /// `WSAHOST_NOT_FOUND`, `WSANO_DATA` on Windows): the DNS answered NXDOMAIN.
    NoSuchHost,
    /// No DNS server answered, or it failed temporarily (`EAI_AGAIN`, `WSATRY_AGAIN`).
    Temporary,
    /// A non-recoverable resolver failure (`EAI_FAIL`, `WSANO_RECOVERY`).
    Failed,
    /// Anything else (`EAI_SYSTEM` with an OS error, `EAI_MEMORY`, ...).
    Other,
}

/// A failed name lookup of the client's resolver, kept typed so [`classify`] can find it.
#[derive(Debug)]
pub struct ResolveError {
    pub host: String,
    pub kind: ResolveKind,
    pub source: io::Error,
}

impl ResolveError {
    pub fn new(host: impl Into<String>, source: io::Error) -> Self {
        ResolveError {
            host: host.into(),
            kind: resolve_kind(&source),
            source,
        }
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}: {}", self.host, self.source)
    }
}

impl std::error::Error for ResolveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The kind of a failed `getaddrinfo` as the standard library reports it. std keeps the
/// `EAI_*` code only in the message it builds from `gai_strerror(code)` (an `EAI_SYSTEM`
/// failure carries the OS error instead), so the code is recovered by comparing with
/// `gai_strerror` of each code of interest: the same C library, the same locale, the exact
/// text. On Windows the WSA code is the raw OS error.
#[cfg(unix)]
fn resolve_kind(e: &io::Error) -> ResolveKind {
    if e.raw_os_error().is_some() {
        return ResolveKind::Other;
    }
    let text = e.to_string();
    let is = |code: libc::c_int| {
        // SAFETY: gai_strerror returns a pointer to a static, NUL-terminated string for any
        // code (an "unknown error" text for codes it does not know).
        let s = unsafe { std::ffi::CStr::from_ptr(libc::gai_strerror(code)) };
        let s = s.to_string_lossy();
        !s.is_empty() && text.ends_with(s.as_ref())
    };
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if is(libc::EAI_NODATA) {
        return ResolveKind::NoSuchHost;
    }
    if is(libc::EAI_NONAME) {
        ResolveKind::NoSuchHost
    } else if is(libc::EAI_AGAIN) {
        ResolveKind::Temporary
    } else if is(libc::EAI_FAIL) {
        ResolveKind::Failed
    } else {
        ResolveKind::Other
    }
}

#[cfg(windows)]
fn resolve_kind(e: &io::Error) -> ResolveKind {
    // winsock2.h
    const WSAHOST_NOT_FOUND: i32 = 11001;
    const WSATRY_AGAIN: i32 = 11002;
    const WSANO_RECOVERY: i32 = 11003;
    const WSANO_DATA: i32 = 11004;
    match e.raw_os_error() {
        Some(WSAHOST_NOT_FOUND | WSANO_DATA) => ResolveKind::NoSuchHost,
        Some(WSATRY_AGAIN) => ResolveKind::Temporary,
        Some(WSANO_RECOVERY) => ResolveKind::Failed,
        _ => ResolveKind::Other,
    }
}

#[cfg(not(any(unix, windows)))]
fn resolve_kind(_: &io::Error) -> ResolveKind {
    ResolveKind::Other
}

/// What went wrong before any HTTP answer, in the terms the user can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectProblem {
    /// The server's certificate was rejected; `detail` is rustls' reason.
    Certificate {
        reason: CertificateReason,
        detail: String,
    },
    /// The TLS handshake failed for another reason (the port does not speak TLS, no common
    /// protocol version, an alert from the server).
    TlsHandshake { detail: String },
    /// The host name does not exist (the DNS answered NXDOMAIN, or no address record).
    NoSuchHost { host: String, detail: String },
    /// Name resolution failed for good (`EAI_FAIL`).
    ResolutionFailed { host: String, detail: String },
    /// No DNS server answered (`EAI_AGAIN`).
    ResolverUnavailable { host: String, detail: String },
    /// Nothing accepted the TCP connection.
    Refused,
    /// No route to the host or its network (`EHOSTUNREACH`, `ENETUNREACH`).
    NoRoute { detail: String },
}

/// Why a certificate was rejected, for the advice that goes with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateReason {
    /// Issued by an authority this machine does not trust (self-signed, private CA, a
    /// TLS-inspecting proxy).
    Untrusted,
    /// Valid, but not for the host name in the URL.
    WrongName,
    /// Expired or not valid yet.
    Expired,
    /// Anything else the verifier refused (revoked, bad encoding, unsupported usage).
    Rejected,
}

impl ConnectProblem {
    /// Problems that the same request will meet again: no retry can help.
    pub fn is_permanent(&self) -> bool {
        !matches!(
            self,
            ConnectProblem::Refused
                | ConnectProblem::NoRoute { .. }
                | ConnectProblem::ResolverUnavailable { .. }
        )
    }
}

/// Looks through `err` and its sources for a failure to connect that [`ConnectProblem`]
/// describes. `None` for everything else (a reset connection, a timeout, a bad response),
/// which the caller handles as before.
pub fn classify(err: &(dyn std::error::Error + 'static)) -> Option<ConnectProblem> {
    let mut refused = false;
    let mut no_route: Option<String> = None;
    // `io::Error::source` skips the error it wraps (it returns that error's source), so an
    // io::Error's payload is looked at explicitly, at any depth: hyper-rustls reports a failed
    // handshake as `io::Error(Other, io::Error(InvalidData, rustls::Error))`.
    let mut pending: Vec<&(dyn std::error::Error + 'static)> = vec![err];
    let mut looked = 0;
    while let Some(e) = pending.pop() {
        looked += 1;
        if looked > 64 {
            break;
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls_problem(tls));
        }
        if let Some(r) = e.downcast_ref::<ResolveError>() {
            let (host, detail) = (r.host.clone(), r.source.to_string());
            return match r.kind {
                ResolveKind::NoSuchHost => Some(ConnectProblem::NoSuchHost { host, detail }),
                ResolveKind::Failed => Some(ConnectProblem::ResolutionFailed { host, detail }),
                ResolveKind::Temporary => {
                    Some(ConnectProblem::ResolverUnavailable { host, detail })
                }
                ResolveKind::Other => None,
            };
        }
        if let Some(source) = e.source() {
            pending.push(source);
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => refused = true,
                io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                    no_route.get_or_insert_with(|| io.to_string());
                }
                _ => {}
            }
            if let Some(inner) = io.get_ref() {
                pending.push(inner);
            }
        }
    }
    if refused {
        Some(ConnectProblem::Refused)
    } else {
        no_route.map(|detail| ConnectProblem::NoRoute { detail })
    }
}

fn tls_problem(e: &rustls::Error) -> ConnectProblem {
    use rustls::CertificateError as C;
    let detail = e.to_string();
    let reason = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension => {
                CertificateReason::Untrusted
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => CertificateReason::WrongName,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => CertificateReason::Expired,
            _ => CertificateReason::Rejected,
        },
        _ => return ConnectProblem::TlsHandshake { detail },
    };
    ConnectProblem::Certificate { reason, detail }
}

/// Which endpoint a [`ConnectFailure`] is about, for the advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The project endpoint (provider `endpoint` / `AZURE_AI_PROJECT_ENDPOINT`).
    Project,
    /// A credential's token endpoint (`IDENTITY_ENDPOINT`, IMDS, `AZURE_AUTHORITY_HOST`).
    Token,
}

/// A connection problem with the endpoint it happened on: the user-facing sentence, and the
/// typed error the credentials' transport puts in an `azure_core::Error`'s chain (see
/// [`find_connect_failure`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectFailure {
    pub role: Role,
    /// `host:port` as the URL gives it (default port filled in).
    pub endpoint: String,
    pub problem: ConnectProblem,
    /// For a refused connection or an unavailable resolver: how long it was retried.
    pub retried_for: Option<Duration>,
}

impl ConnectFailure {
    /// The error kind of the final error: configuration problems are `Config` (no advice to
    /// run again); a resolver that did not answer, or a network without a route, is `Transport`
    /// (a network problem that may well be gone soon).
    pub fn error_kind(&self) -> ErrorKind {
        match self.problem {
            ConnectProblem::ResolverUnavailable { .. } | ConnectProblem::NoRoute { .. } => {
                ErrorKind::Transport
            }
            _ => ErrorKind::Config,
        }
    }
}

fn trust_advice() -> String {
    format!(
        "If this is the right endpoint, trust the certificate authority that issued its certificate: write the CA certificate (PEM) to a file and set {SSL_CERT_FILE} to that file's path, or add the CA to the operating system's trust store."
    )
}

impl fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.role {
            Role::Project => "the project endpoint",
            Role::Token => "the token endpoint",
        };
        let ep = &self.endpoint;
        let not_retried = "This cannot succeed by retrying, so the provider did not retry.";
        match &self.problem {
            ConnectProblem::Certificate { reason, detail } => {
                let (why, advice) = match reason {
                    CertificateReason::Untrusted => (
                        "its certificate is not trusted (issued by an unknown authority)",
                        trust_advice(),
                    ),
                    CertificateReason::WrongName => (
                        "its certificate is not valid for this host name",
                        "Use the host name the certificate was issued for.".to_string(),
                    ),
                    CertificateReason::Expired => (
                        "its certificate has expired or is not valid yet",
                        "Renew the certificate, or check this machine's clock.".to_string(),
                    ),
                    CertificateReason::Rejected => ("its certificate was rejected", trust_advice()),
                };
                write!(
                    f,
                    "TLS failure: cannot connect securely to {what} {ep}: {why} ({detail}). {advice} {not_retried}"
                )
            }
            ConnectProblem::TlsHandshake { detail } => write!(
                f,
                "TLS failure: the TLS handshake with {what} {ep} failed ({detail}). Check the endpoint's scheme and port: an https:// URL must reach a TLS server. {not_retried}"
            ),
            ConnectProblem::NoSuchHost { host, detail } => write!(
                f,
                "cannot resolve the host name of {what} {ep}: {host:?} does not exist in DNS ({detail}). Check the host name{}. {not_retried}",
                match self.role {
                    Role::Project => {
                        " (a Foundry project endpoint looks like https://<account>.services.ai.azure.com/api/projects/<project>)"
                    }
                    Role::Token => "",
                }
            ),
            ConnectProblem::ResolutionFailed { host, detail } => write!(
                f,
                "cannot resolve the host name of {what} {ep}: the DNS lookup of {host:?} failed ({detail}). Check the host name and this machine's DNS settings. {not_retried}"
            ),
            ConnectProblem::ResolverUnavailable { host, detail } => write!(
                f,
                "cannot resolve the host name of {what} {ep}: no DNS server answered for {host:?} ({detail}){}. Check the network connection and DNS settings (a VPN or proxy may be needed).",
                retried(self.retried_for)
            ),
            ConnectProblem::NoRoute { detail } => write!(
                f,
                "cannot reach {what} {ep}: no route to it ({detail}){}. Check the endpoint's address and the network connection (a VPN or proxy may be needed).",
                retried(self.retried_for)
            ),
            ConnectProblem::Refused => write!(
                f,
                "connection to {what} {ep} refused: nothing is listening there{}, and it has not answered this provider process. Check the endpoint's host and port, and that the service is running.",
                retried(self.retried_for)
            ),
        }
    }
}

fn retried(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (retried for {:.1} s)", d.as_secs_f64()),
        None => String::new(),
    }
}

impl std::error::Error for ConnectFailure {}

/// The [`ConnectFailure`] somewhere in `err`'s source chain (credential errors carry one when
/// their token endpoint could not be reached).
pub fn find_connect_failure<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a ConnectFailure> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(f) = e.downcast_ref::<ConnectFailure>() {
            return Some(f);
        }
        current = e.source();
    }
    None
}

/// `host:port` of a URL, the key of the per-endpoint record.
pub fn endpoint_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[derive(Default)]
struct Seen {
    answered: bool,
    first_unreachable: Option<Instant>,
}

static SEEN: LazyLock<Mutex<HashMap<String, Seen>>> = LazyLock::new(Default::default);

fn with_seen<T>(endpoint: &str, f: impl FnOnce(&mut Seen) -> T) -> T {
    let mut map = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    f(map.entry(endpoint.to_string()).or_default())
}

/// Records that `endpoint` gave an HTTP answer (any status): from now on it is a service that
/// exists, and refused connections to it are a restart, retried with the normal budget.
pub fn note_answer(endpoint: &str) {
    with_seen(endpoint, |s| s.answered = true);
}

/// Records that `endpoint` could not be reached. `None` when it has answered this process
/// before (retry normally); otherwise the moment of the first such failure, from which
/// [`UNREACHABLE_RETRY_WINDOW`] is counted.
pub fn note_unreachable(endpoint: &str) -> Option<Instant> {
    with_seen(endpoint, |s| {
        if s.answered {
            None
        } else {
            Some(*s.first_unreachable.get_or_insert_with(Instant::now))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_refused() -> io::Error {
        io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused")
    }

    /// An error wrapping another, like hyper's and reqwest's.
    #[derive(Debug)]
    struct Wrap(Box<dyn std::error::Error + Send + Sync>);
    impl fmt::Display for Wrap {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("error sending request")
        }
    }
    impl std::error::Error for Wrap {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&*self.0)
        }
    }

    #[test]
    fn refused_connections_are_found_through_wrappers() {
        let e = Wrap(Box::new(Wrap(Box::new(io_refused()))));
        assert_eq!(classify(&e), Some(ConnectProblem::Refused));
        let reset = Wrap(Box::new(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "reset",
        )));
        assert_eq!(classify(&reset), None);
        let no_route = Wrap(Box::new(io::Error::from(io::ErrorKind::HostUnreachable)));
        let p = classify(&no_route).unwrap();
        assert!(matches!(p, ConnectProblem::NoRoute { .. }), "{p:?}");
        assert!(!p.is_permanent());
    }

    #[test]
    fn rustls_errors_inside_io_errors_are_tls_problems() {
        // As hyper-rustls reports it: an io::Error wrapping tokio-rustls' io::Error.
        let cert = io::Error::other(io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        ));
        let got = classify(&Wrap(Box::new(cert))).unwrap();
        assert!(
            matches!(
                got,
                ConnectProblem::Certificate {
                    reason: CertificateReason::Untrusted,
                    ..
                }
            ),
            "{got:?}"
        );
        assert!(got.is_permanent());
        let name = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
        assert!(matches!(
            classify(&Wrap(Box::new(name))),
            Some(ConnectProblem::Certificate {
                reason: CertificateReason::WrongName,
                ..
            })
        ));
        let plain = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        );
        assert!(matches!(
            classify(&plain),
            Some(ConnectProblem::TlsHandshake { .. })
        ));
    }

    #[cfg(unix)]
    fn gai_error(code: libc::c_int) -> io::Error {
        // What std builds for a failed getaddrinfo (library/std/src/sys/net).
        let text = unsafe { std::ffi::CStr::from_ptr(libc::gai_strerror(code)) };
        io::Error::other(format!(
            "failed to lookup address information: {}",
            text.to_string_lossy()
        ))
    }

    #[cfg(unix)]
    #[test]
    fn resolver_codes_are_recovered_from_std_errors() {
        let kind = |code| ResolveError::new("h.invalid", gai_error(code)).kind;
        assert_eq!(kind(libc::EAI_NONAME), ResolveKind::NoSuchHost);
        assert_eq!(kind(libc::EAI_AGAIN), ResolveKind::Temporary);
        assert_eq!(kind(libc::EAI_FAIL), ResolveKind::Failed);
        assert_eq!(kind(libc::EAI_MEMORY), ResolveKind::Other);
        #[cfg(target_os = "linux")]
        assert_eq!(kind(libc::EAI_NODATA), ResolveKind::NoSuchHost);
        let os = ResolveError::new("h", io::Error::from_raw_os_error(libc::ENOMEM));
        assert_eq!(os.kind, ResolveKind::Other);

        let nx = Wrap(Box::new(ResolveError::new(
            "h.invalid",
            gai_error(libc::EAI_NONAME),
        )));
        let p = classify(&nx).unwrap();
        assert!(
            matches!(&p, ConnectProblem::NoSuchHost { host, .. } if host == "h.invalid"),
            "{p:?}"
        );
        assert!(p.is_permanent());
        let again = ResolveError::new("h.invalid", gai_error(libc::EAI_AGAIN));
        let p = classify(&again).unwrap();
        assert!(matches!(p, ConnectProblem::ResolverUnavailable { .. }));
        assert!(!p.is_permanent());
    }

    #[test]
    fn messages_name_the_endpoint_the_cause_and_the_remedy() {
        let tls = ConnectFailure {
            role: Role::Token,
            endpoint: "127.0.0.1:8443".into(),
            problem: ConnectProblem::Certificate {
                reason: CertificateReason::Untrusted,
                detail: "invalid peer certificate: UnknownIssuer".into(),
            },
            retried_for: None,
        }
        .to_string();
        for needle in [
            "TLS",
            "token endpoint 127.0.0.1:8443",
            "UnknownIssuer",
            SSL_CERT_FILE,
        ] {
            assert!(tls.contains(needle), "{needle}: {tls}");
        }
        let refused = ConnectFailure {
            role: Role::Project,
            endpoint: "127.0.0.1:9".into(),
            problem: ConnectProblem::Refused,
            retried_for: Some(Duration::from_millis(15_200)),
        };
        let text = refused.to_string();
        assert!(
            text.contains("project endpoint 127.0.0.1:9 refused"),
            "{text}"
        );
        assert!(text.contains("retried for 15.2 s"), "{text}");
        assert_eq!(refused.error_kind(), ErrorKind::Config);
        for f in [&tls, &text] {
            assert!(!f.to_lowercase().contains("run again"), "{f}");
        }
    }

    #[test]
    fn the_window_starts_at_the_first_failure_and_ends_with_an_answer() {
        let ep = "unit-test.invalid:1";
        let first = note_unreachable(ep).unwrap();
        assert_eq!(note_unreachable(ep), Some(first), "counted from the first");
        note_answer(ep);
        assert_eq!(note_unreachable(ep), None, "answered once: a restart");
    }

    #[test]
    fn endpoints_carry_the_default_port() {
        let u: Url = "https://acct.services.ai.azure.com/api/projects/p"
            .parse()
            .unwrap();
        assert_eq!(endpoint_of(&u), "acct.services.ai.azure.com:443");
        let u: Url = "http://127.0.0.1:8080/x".parse().unwrap();
        assert_eq!(endpoint_of(&u), "127.0.0.1:8080");
    }
}
