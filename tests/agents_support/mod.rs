//! A scripted loopback HTTP/1.1 server for the agents client tests: each connection gets the
//! next scripted reply (or the fallback), and every request is recorded for assertions.
//! Plain TCP rather than a framework so a test can also drop or stall a connection.
#![allow(dead_code)]

pub mod emulator;
#[path = "../support/process.rs"]
mod process;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone)]
pub enum Reply {
    Json(u16, serde_json::Value),
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request and never answer.
    Hang,
    /// Computed from every request seen so far, this one last (e.g. to echo a creation token
    /// the client made up).
    Dynamic(Arc<dyn Fn(&[Seen]) -> Reply + Send + Sync>),
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Json(status, v) => write!(f, "Json({status}, {v})"),
            Reply::Raw { status, body, .. } => write!(f, "Raw({status}, {body:?})"),
            Reply::Drop => f.write_str("Drop"),
            Reply::Hang => f.write_str("Hang"),
            Reply::Dynamic(_) => f.write_str("Dynamic"),
        }
    }
}

pub fn with_headers(
    status: u16,
    headers: &[(&'static str, &str)],
    body: serde_json::Value,
) -> Reply {
    Reply::Raw {
        status,
        headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        body: body.to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Mock {
    pub endpoint: url::Url,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    /// Serve `script` in order; once it is exhausted, answer `fallback` forever.
    pub async fn start(script: Vec<Reply>, fallback: Reply) -> Mock {
        Mock::start_with(script, fallback, "http", |s| async move { Some(s) }).await
    }

    /// Like `start`, with `wrap` turning each accepted TCP stream into the stream to serve
    /// (e.g. a TLS handshake); `None` drops the connection.
    pub async fn start_with<S, F, Fut>(
        script: Vec<Reply>,
        fallback: Reply,
        scheme: &str,
        wrap: F,
    ) -> Mock
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Option<S>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (seen2, script2) = (seen.clone(), script.clone());
        let wrap = Arc::new(wrap);
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (seen, script, fallback, wrap) = (
                    seen2.clone(),
                    script2.clone(),
                    fallback.clone(),
                    wrap.clone(),
                );
                tokio::spawn(async move {
                    if let Some(stream) = wrap(sock).await {
                        serve(stream, seen, script, fallback).await
                    }
                });
            }
        });
        Mock {
            endpoint: format!("{scheme}://{addr}/api/projects/demo")
                .parse()
                .unwrap(),
            seen,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serve one request on any byte stream (plain TCP or TLS).
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut sock: S,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    fallback: Reply,
) {
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, target) = (
        first.next().unwrap_or("").to_string(),
        first.next().unwrap_or("").to_string(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 4096];
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
    seen.lock().unwrap().push(Seen {
        method,
        target,
        headers,
        body,
    });
    let mut reply = script.lock().unwrap().pop_front().unwrap_or(fallback);
    while let Reply::Dynamic(f) = &reply {
        let seen = seen.lock().unwrap().clone();
        reply = f(&seen);
    }
    let (status, extra, body) = match reply {
        Reply::Drop => return,
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Reply::Json(status, v) => (status, vec![], v.to_string()),
        Reply::Raw {
            status,
            headers,
            body,
        } => (status, headers, body),
        Reply::Dynamic(_) => unreachable!("resolved above"),
    };
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    let _ = sock.write_all(out.as_bytes()).await;
    let _ = sock.shutdown().await;
}
