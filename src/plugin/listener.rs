//! Where the plugin listens: a unix socket in a private temp directory (what Go plugins do on
//! Linux and macOS), or loopback TCP inside the port range go-plugin hands us (what Go plugins
//! do on Windows, where go-plugin has no unix sockets; Terraform there sets
//! `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT`, 10000-25000 by default).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;

use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;

use super::conn::PluginConn;
use super::handshake::Network;

/// Test/ops switch: force TCP even where unix sockets work.
pub const FORCE_TCP_KEY: &str = "AZUREAI_PLUGIN_TCP";

/// How to choose the listener, read from the environment go-plugin gives us.
#[derive(Debug, Clone, Default)]
pub struct ListenConfig {
    /// Use TCP instead of a unix socket (Windows always uses TCP).
    pub force_tcp: bool,
    /// `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT`, when the host set both.
    pub port_range: Option<(u16, u16)>,
    /// `PLUGIN_UNIX_SOCKET_DIR`: parent directory for the socket directory (unix only).
    pub socket_dir: Option<PathBuf>,
}

impl ListenConfig {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let port = |k: &str| var(k).and_then(|v| v.trim().parse::<u16>().ok());
        let port_range = match (port("PLUGIN_MIN_PORT"), port("PLUGIN_MAX_PORT")) {
            (Some(min), Some(max)) if min <= max && max > 0 => Some((min, max)),
            _ => None,
        };
        ListenConfig {
            force_tcp: var(FORCE_TCP_KEY).is_some_and(|v| v != "0" && v != "false"),
            port_range,
            socket_dir: var("PLUGIN_UNIX_SOCKET_DIR").map(PathBuf::from),
        }
    }
}

/// A bound listener plus what the handshake line needs to describe it.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix {
        listener: UnixListener,
        /// Keeps the socket path alive; removes the directory when the listener goes away.
        dir: SocketDir,
    },
}

impl Listener {
    /// On unix a unix socket unless TCP is forced, falling back to TCP if the socket cannot be
    /// created (e.g. a socket path beyond the platform's limit: 108 bytes on Linux, 104 on
    /// macOS); on Windows loopback TCP.
    pub fn bind(config: &ListenConfig) -> io::Result<Self> {
        #[cfg(unix)]
        if !config.force_tcp {
            match Self::bind_unix(config.socket_dir.as_deref()) {
                Ok(l) => return Ok(l),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen on a unix socket; falling back to TCP")
                }
            }
        }
        match config.port_range {
            Some((min, max)) => Self::bind_tcp_in_range(min, max),
            None => Self::bind_loopback_any_port(),
        }
    }

    /// A socket `plugin.sock` inside a fresh 0700 directory, so no other user can connect.
    #[cfg(unix)]
    pub fn bind_unix(parent: Option<&Path>) -> io::Result<Self> {
        let dir = SocketDir::create(parent)?;
        let listener = UnixListener::bind(dir.socket_path())?;
        Ok(Listener::Unix { listener, dir })
    }

    /// Loopback TCP on the first free port of the range, starting at a random offset so that
    /// several providers started together do not race for the same ports.
    pub fn bind_tcp_in_range(min: u16, max: u16) -> io::Result<Self> {
        let span = u32::from(max - min) + 1;
        let start = rand::random_range(0..span);
        let mut last_err = None;
        for i in 0..span {
            let port = min + ((start + i) % span) as u16;
            match std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
                Ok(l) => return Self::from_std_tcp(l),
                Err(e) => last_err = Some(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "no free port in {min}..={max}: {}",
                last_err.map(|e| e.to_string()).unwrap_or_default()
            ),
        ))
    }

    /// Loopback TCP on a port chosen by the OS (debug mode, or no range given).
    pub fn bind_loopback_any_port() -> io::Result<Self> {
        Self::from_std_tcp(std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?)
    }

    fn from_std_tcp(l: std::net::TcpListener) -> io::Result<Self> {
        l.set_nonblocking(true)?;
        Ok(Listener::Tcp(TcpListener::from_std(l)?))
    }

    pub fn network(&self) -> Network {
        match self {
            Listener::Tcp(_) => Network::Tcp,
            #[cfg(unix)]
            Listener::Unix { .. } => Network::Unix,
        }
    }

    /// The address as the handshake line and `TF_REATTACH_PROVIDERS` spell it.
    pub fn address(&self) -> io::Result<String> {
        match self {
            Listener::Tcp(l) => Ok(l.local_addr()?.to_string()),
            #[cfg(unix)]
            Listener::Unix { dir, .. } => Ok(dir.socket_path().display().to_string()),
        }
    }

    /// TCP address, if this is a TCP listener (tests and debug mode use it).
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok(),
            #[cfg(unix)]
            Listener::Unix { .. } => None,
        }
    }

    pub async fn accept(&self) -> io::Result<PluginConn> {
        match self {
            Listener::Tcp(l) => {
                let (s, _) = l.accept().await?;
                // gRPC traffic is many small frames; Nagle only adds latency.
                s.set_nodelay(true)?;
                Ok(PluginConn::new(s))
            }
            #[cfg(unix)]
            Listener::Unix { listener, .. } => {
                let (s, _) = listener.accept().await?;
                Ok(PluginConn::new(s))
            }
        }
    }
}

/// A private directory holding the unix socket; removed on drop.
#[cfg(unix)]
#[derive(Debug)]
pub struct SocketDir {
    path: PathBuf,
}

#[cfg(unix)]
impl SocketDir {
    fn create(parent: Option<&Path>) -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let parent = parent
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let path = parent.join(Self::dir_name());
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(SocketDir { path })
    }

    /// `plugin` and 64 random bits: unique among concurrent providers (creating an existing
    /// directory fails) and short, since a socket path has a hard limit (104 bytes on macOS,
    /// whose `$TMPDIR` alone is about 50).
    fn dir_name() -> String {
        format!("plugin{:016x}", rand::random::<u64>())
    }

    pub fn socket_path(&self) -> PathBuf {
        self.path.join("plugin.sock")
    }
}

#[cfg(unix)]
impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn unix_socket_lives_in_private_dir_and_is_removed() {
        use std::os::unix::fs::PermissionsExt;
        let l = Listener::bind(&ListenConfig::default()).unwrap();
        assert_eq!(l.network(), Network::Unix);
        let addr = PathBuf::from(l.address().unwrap());
        assert!(addr.exists(), "socket {addr:?} missing");
        let dir = addr.parent().unwrap().to_path_buf();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        drop(l);
        assert!(!dir.exists(), "socket dir {dir:?} left behind");
    }

    /// macOS's `$TMPDIR` looks like `/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/` (49
    /// bytes); the socket path under it must stay within macOS's 104-byte `sun_path`.
    #[cfg(unix)]
    #[test]
    fn socket_path_fits_macos_limit_under_its_tmpdir() {
        let tmpdir = "/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/";
        let path = Path::new(tmpdir)
            .join(SocketDir::dir_name())
            .join("plugin.sock");
        assert!(
            path.as_os_str().len() < 104,
            "{} bytes",
            path.as_os_str().len()
        );
        assert_ne!(SocketDir::dir_name(), SocketDir::dir_name());
    }

    #[tokio::test]
    async fn tcp_binds_inside_the_range() {
        let l = Listener::bind(&ListenConfig {
            force_tcp: true,
            port_range: Some((20000, 20100)),
            socket_dir: None,
        })
        .unwrap();
        let port = l.tcp_addr().unwrap().port();
        assert!((20000..=20100).contains(&port), "port {port} outside range");
        assert_eq!(l.network(), Network::Tcp);
        assert!(l.address().unwrap().starts_with("127.0.0.1:"));
    }

    #[tokio::test]
    async fn tcp_range_exhausted_is_an_error() {
        let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = Listener::bind_tcp_in_range(port, port).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }
}
