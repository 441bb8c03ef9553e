//! Code-based hosted agents (`v1`): multipart/form-data uploads, the code store, and
//! `GET /agents/{name}/code:download`.
//!
//! An upload (`POST /agents`, `POST /agents/{name}`, `POST /agents/{name}/versions` with
//! `Content-Type: multipart/form-data`) carries two parts in any order: `metadata` (JSON:
//! `definition`, `description`, `metadata`; on `POST /agents` also `state`, `agent_endpoint`,
//! `agent_card`, and optionally `name`, which must then equal the header) and `code` (the zip; its
//! filename must end in `.zip`). Headers: `x-ms-code-zip-sha256` (required: the lower-case hex
//! SHA-256 of the zip, checked) and, on `POST /agents`, `x-ms-agent-name`.
//!
//! Memory stays flat whatever the zip's size: server.rs spools the request body to a temp file
//! before anything answers (see `spool`), the parts are parsed from that file as a stream, and the
//! zip goes to a second temp file while it is hashed. Zips live in the code store, one file per
//! SHA-256 (`<state-file>.code/` beside `--state-file`, else a temp directory removed at exit).
//!
//! Choices where the service's behaviour is undocumented (strict):
//! - A zip must be a valid archive (central directory and every entry's CRC), no entry may leave
//!   the archive root (`..`, absolute paths), encrypted entries are refused, and at least one file
//!   must sit at the root ("flat at the root": a zip of a folder instead of its contents fails).
//! - Parts other than `metadata` and `code`, or either part twice, are refused.
//! - Dedupe: an upload whose content hash and definition equal an existing version of the agent
//!   (any version, not only the newest) returns that version unchanged, with its own description
//!   and metadata; nothing is created. `POST /agents` still answers 409 for an existing agent.
//! - The size limit applies to the zip (`--max-code-zip-bytes`, 250 MiB by default); a larger zip
//!   gets 413 `request_too_large`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

use super::api;
use super::digest::Sha256Stream;
use super::errors::ApiError;
use super::generation::Generation;
use super::render;
use super::server::{AppState, now_ms};
use super::validation::{self, Source, truncate};

/// 250 MiB, the service's documented upload limit.
pub const DEFAULT_MAX_CODE_ZIP_BYTES: u64 = 250 * 1024 * 1024;
/// Room for the metadata part and the multipart framing on top of the zip.
pub const METADATA_ALLOWANCE: u64 = 1024 * 1024;
pub const SHA_HEADER: &str = "x-ms-code-zip-sha256";
pub const AGENT_NAME_HEADER: &str = "x-ms-agent-name";
pub const VERSION_HEADER: &str = "x-ms-agent-version";
const UPLOAD_PREFIX: &str = ".upload-";

/// The media type of `Content-Type`, lower-case and without parameters.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

pub fn is_multipart(headers: &HeaderMap) -> bool {
    media_type(headers).as_deref() == Some("multipart/form-data")
}

fn server_error(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!("{what}: {e}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "The emulator could not store the upload.",
    )
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_too_large",
        format!(
            "The code zip is larger than the upload limit of {limit} bytes (the service allows 250 MB)."
        ),
    )
}

/// A file deleted when dropped, unless kept.
pub struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Where uploaded zips live: `<sha256>.zip`, plus `.upload-*.tmp` files while requests run.
/// The directory is made on first use, so runs that upload nothing leave nothing behind.
pub struct CodeStore {
    /// Beside the state file, when there is one.
    fixed: Option<PathBuf>,
    /// Otherwise a temp directory, removed at exit.
    temp: std::sync::OnceLock<std::io::Result<tempfile::TempDir>>,
}

impl CodeStore {
    /// Beside the state file (`<state-file>.code/`), so zips survive a restart; else a temp
    /// directory. Temp files a killed process left behind are removed.
    pub fn open(state_file: Option<&Path>) -> anyhow::Result<CodeStore> {
        let fixed = state_file.map(|p| {
            let mut name = p.file_name().unwrap_or_default().to_os_string();
            name.push(".code");
            p.with_file_name(name)
        });
        if let Some(dir) = &fixed
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(UPLOAD_PREFIX) && name.ends_with(".tmp") {
                    let _ = std::fs::remove_file(entry.path());
                    tracing::info!("removed stale upload {}", entry.path().display());
                }
            }
        }
        Ok(CodeStore {
            fixed,
            temp: std::sync::OnceLock::new(),
        })
    }

    fn dir(&self) -> std::io::Result<PathBuf> {
        if let Some(d) = &self.fixed {
            std::fs::create_dir_all(d)?;
            return Ok(d.clone());
        }
        let temp = self.temp.get_or_init(|| {
            tempfile::Builder::new()
                .prefix("azureai-emulator-code-")
                .tempdir()
        });
        match temp {
            Ok(t) => Ok(t.path().to_path_buf()),
            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
        }
    }

    pub fn temp_file(&self) -> std::io::Result<(TempFile, std::fs::File)> {
        let path = self.dir()?.join(format!(
            "{UPLOAD_PREFIX}{}.tmp",
            uuid::Uuid::new_v4().simple()
        ));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok((TempFile { path, keep: false }, file))
    }

    pub fn zip_path(&self, sha256: &str) -> std::io::Result<PathBuf> {
        Ok(self.dir()?.join(format!("{sha256}.zip")))
    }

    /// Makes an uploaded zip the stored copy of `sha256` (content-addressed: an existing copy
    /// stays and the upload is discarded).
    pub fn commit(&self, mut upload: TempFile, sha256: &str) -> std::io::Result<()> {
        let dest = self.zip_path(sha256)?;
        if dest.exists() {
            return Ok(());
        }
        std::fs::rename(&upload.path, &dest)?;
        upload.keep = true;
        Ok(())
    }

    pub fn remove(&self, sha256: &str) {
        if let Ok(p) = self.zip_path(sha256) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A spooled request body read back from its temp file, which goes away with the stream.
struct Spooled {
    reader: ReaderStream<tokio::fs::File>,
    _file: TempFile,
}

impl Stream for Spooled {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.reader).poll_next(cx)
    }
}

/// Reads a multipart request's whole body into a temp file (at most `limit` bytes; the rest of a
/// larger body is read and discarded so the client gets the 413) and returns the request with
/// its body streamed from that file. Everything answers only after the body was read, as for
/// JSON requests (see server.rs).
pub async fn spool(req: Request, store: &CodeStore, limit: u64) -> Result<Request, ApiError> {
    let (parts, body) = req.into_parts();
    let (tmp, file) = store
        .temp_file()
        .map_err(|e| server_error("creating upload file", e))?;
    let mut file = tokio::fs::File::from_std(file);
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("The request body could not be read: {e}"),
            )
        })?;
        total += chunk.len() as u64;
        if total <= limit {
            file.write_all(&chunk)
                .await
                .map_err(|e| server_error("writing upload", e))?;
        }
    }
    if total > limit {
        return Err(too_large(limit.saturating_sub(METADATA_ALLOWANCE)));
    }
    file.flush()
        .await
        .map_err(|e| server_error("writing upload", e))?;
    drop(file);
    let reader = tokio::fs::File::open(tmp.path())
        .await
        .map_err(|e| server_error("reading upload", e))?;
    let body = Body::from_stream(Spooled {
        reader: ReaderStream::with_capacity(reader, 64 * 1024),
        _file: tmp,
    });
    Ok(Request::from_parts(parts, body))
}

/// What an upload creates.
pub enum Target {
    /// `POST /agents`: a new agent (name in `x-ms-agent-name`) and its first version.
    Agent,
    /// `POST /agents/{name}`: a new version of an existing agent; answers with the agent.
    Update(String),
    /// `POST /agents/{name}/versions`: a new version; answers with the version.
    Version(String),
}

struct Upload {
    metadata: Map<String, Value>,
    code: TempFile,
    sha256: String,
}

fn bad(param: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(param, message)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| bad(name, format!("Header {name} must be ASCII text."))),
    }
}

/// Reads the parts: `metadata` into memory (at most [`METADATA_ALLOWANCE`]), `code` into a temp
/// file in the code store while hashing it.
async fn read_parts(app: &AppState, headers: &HeaderMap, body: Body) -> Result<Upload, ApiError> {
    let content_type = header_str(headers, header::CONTENT_TYPE.as_str())?.unwrap_or("");
    let boundary = multer::parse_boundary(content_type).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("The multipart/form-data Content-Type has no usable boundary: {e}."),
        )
    })?;
    let malformed = |e: multer::Error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("The multipart/form-data body could not be parsed: {e}."),
        )
    };
    let limit = app.options.max_code_zip_bytes;
    let mut parts = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut metadata: Option<Vec<u8>> = None;
    let mut code: Option<(TempFile, String)> = None;
    while let Some(mut field) = parts.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "metadata" if metadata.is_none() => {
                let mut buf = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    buf.extend_from_slice(&chunk);
                    if buf.len() as u64 > METADATA_ALLOWANCE {
                        return Err(bad(
                            "metadata",
                            format!("The metadata part is larger than {METADATA_ALLOWANCE} bytes."),
                        ));
                    }
                }
                metadata = Some(buf);
            }
            "code" if code.is_none() => {
                let filename = field.file_name().unwrap_or("").to_string();
                if !filename.to_ascii_lowercase().ends_with(".zip") {
                    return Err(bad(
                        "code",
                        format!(
                            "The code part needs a filename ending in .zip (Content-Disposition: form-data; name=\"code\"; filename=\"agent.zip\"); got '{}'.",
                            truncate(&filename, 80)
                        ),
                    ));
                }
                let (tmp, file) = app
                    .code
                    .temp_file()
                    .map_err(|e| server_error("creating code file", e))?;
                let mut file = tokio::fs::File::from_std(file);
                let mut hash = Sha256Stream::new();
                let mut size = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    size += chunk.len() as u64;
                    if size > limit {
                        return Err(too_large(limit));
                    }
                    hash.update(&chunk);
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| server_error("writing code", e))?;
                }
                file.flush()
                    .await
                    .map_err(|e| server_error("writing code", e))?;
                file.sync_all()
                    .await
                    .map_err(|e| server_error("writing code", e))?;
                code = Some((tmp, hash.finish_hex()));
            }
            "metadata" | "code" => {
                return Err(bad(&name, format!("The '{name}' part appears twice.")));
            }
            other => {
                return Err(bad(
                    other,
                    format!(
                        "Unexpected part '{}'; a code upload has exactly the parts 'metadata' and 'code'.",
                        truncate(other, 40)
                    ),
                ));
            }
        }
    }
    let Some(metadata) = metadata else {
        return Err(ApiError::missing("metadata"));
    };
    let Some((code, sha256)) = code else {
        return Err(ApiError::missing("code"));
    };
    let metadata = match serde_json::from_slice::<Value>(&metadata) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(bad("metadata", "The metadata part must be a JSON object.")),
        Err(e) => {
            return Err(bad(
                "metadata",
                format!("The metadata part is not valid JSON: {e}."),
            ));
        }
    };
    Ok(Upload {
        metadata,
        code,
        sha256,
    })
}

/// Checks the zip (see module docs); the error text says what is wrong.
fn check_zip(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot be read ({e})"))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("is not a valid zip archive ({e})"))?;
    let mut root_files = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("has an unreadable entry #{i} ({e})"))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if entry.enclosed_name().is_none() {
            return Err(format!(
                "has an entry whose path leaves the archive root: '{}'",
                truncate(&name, 120)
            ));
        }
        if entry.is_dir() {
            continue;
        }
        if !name.trim_start_matches("./").contains('/') {
            root_files += 1;
        }
        // Reading to the end verifies the entry's CRC.
        loop {
            match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(format!(
                        "has a corrupt entry '{}' ({e})",
                        truncate(&name, 120)
                    ));
                }
            }
        }
    }
    if root_files == 0 {
        return Err(
            "has no files at its root: zip the contents of the agent's folder (main.py, requirements.txt, …), not the folder itself"
                .into(),
        );
    }
    Ok(())
}

/// Handles a multipart create for `target` (api.rs routes multipart requests here).
pub async fn upload(
    app: Arc<AppState>,
    generation: Generation,
    target: Target,
    req: Request,
) -> Result<Response, ApiError> {
    if generation != Generation::B {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Code uploads (multipart/form-data) need api-version v1.",
        ));
    }
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    let declared = match header_str(headers, SHA_HEADER)? {
        None => return Err(ApiError::missing(SHA_HEADER)),
        Some(v) => v.to_string(),
    };
    if declared.len() != 64
        || !declared
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(bad(
            SHA_HEADER,
            format!(
                "Header {SHA_HEADER} must be the lower-case hex SHA-256 of the zip (64 characters); got '{}'.",
                truncate(&declared, 80)
            ),
        ));
    }
    let name = match &target {
        Target::Agent => match header_str(headers, AGENT_NAME_HEADER)? {
            None => return Err(ApiError::missing(AGENT_NAME_HEADER)),
            Some(n) => {
                validation::agent_name(n, AGENT_NAME_HEADER)?;
                n.to_string()
            }
        },
        Target::Update(n) | Target::Version(n) => {
            validation::agent_name(n, "agent_name")?;
            if let Some(h) = header_str(headers, AGENT_NAME_HEADER)?
                && h != n
            {
                return Err(bad(
                    AGENT_NAME_HEADER,
                    format!("Header {AGENT_NAME_HEADER} names another agent than the URL."),
                ));
            }
            n.clone()
        }
    };
    let upload = read_parts(&app, headers, body).await?;
    if upload.sha256 != declared {
        return Err(bad(
            SHA_HEADER,
            format!(
                "Header {SHA_HEADER} ({declared}) does not match the SHA-256 of the uploaded zip ({}).",
                upload.sha256
            ),
        ));
    }
    let zip_path = upload.code.path().to_path_buf();
    tokio::task::spawn_blocking(move || check_zip(&zip_path))
        .await
        .map_err(|e| server_error("checking zip", e))?
        .map_err(|e| bad("code", format!("The code zip {e}.")))?;
    let meta = &upload.metadata;
    match meta.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(n)) if *n == name => {}
        Some(_) => {
            return Err(bad(
                "metadata.name",
                "'name' in the metadata part must equal the agent's name (header x-ms-agent-name or the URL).",
            ));
        }
    }
    let new = validation::new_version(
        meta,
        Generation::B,
        &app.limits,
        Source::Upload {
            sha256: &upload.sha256,
        },
    )?;
    let agent_fields = match target {
        Target::Agent => Some(api::agent_fields(meta)?),
        _ => None,
    };
    let now = now_ms();
    let sha = upload.sha256.clone();
    let code = upload.code;
    let (rendered, created) = app.store.write(|s| {
        if matches!(target, Target::Agent) && s.agents.contains_key(&name) {
            return Err(api::agent_exists(&name));
        }
        if matches!(target, Target::Update(_)) {
            s.agent(&name)?;
        }
        let existing = s.same_definition(&name, &new.definition).cloned();
        let version = match existing {
            Some(v) => (v, false),
            None => {
                // Under the store lock, so a concurrent delete cannot remove the zip between here
                // and the version that refers to it.
                app.code
                    .commit(code, &sha)
                    .map_err(|e| server_error("storing code", e))?;
                let v = s.add_version(&name, new, &app.lifecycle, now);
                (v, true)
            }
        };
        if let Some(fields) = agent_fields {
            api::apply_agent_fields(s, &name, fields)?;
        }
        let body = match target {
            Target::Version(_) => render::version(&name, &version.0, Generation::B, now),
            _ => render::agent(s.agent(&name)?, Generation::B, now),
        };
        Ok((body, version.1))
    })?;
    if created {
        app.stats.record_write();
    }
    Ok(Json(rendered).into_response())
}

/// `GET /agents/{name}/code:download[?agent_version=N]`: the stored zip of that version (default:
/// the newest), with `x-ms-agent-version` and `x-ms-code-zip-sha256`.
pub async fn download(
    State(app): State<Arc<AppState>>,
    UrlPath((_, name)): UrlPath<(String, String)>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (number, sha) = app.store.read(|s| -> Result<_, ApiError> {
        let agent = s.agent(&name)?;
        let version = match q.get("agent_version").filter(|v| !v.is_empty()) {
            Some(v) => s.version(&name, v)?,
            None => agent
                .latest()
                .ok_or_else(|| super::store::agent_not_found(&name))?,
        };
        match &version.code_sha256 {
            Some(sha) => Ok((version.number, sha.clone())),
            None => Err(ApiError::new(
                StatusCode::CONFLICT,
                "AgentNotCodeBased",
                format!(
                    "Version '{}' of agent '{}' is image-based: only code-based versions have code to download.",
                    version.number,
                    truncate(&name, 80)
                ),
            )),
        }
    })?;
    let path = app
        .code
        .zip_path(&sha)
        .map_err(|e| server_error("opening stored code", e))?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| server_error("opening stored code", e))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| server_error("opening stored code", e))?
        .len();
    let mut resp = Body::from_stream(ReaderStream::with_capacity(file, 64 * 1024)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(VERSION_HEADER, HeaderValue::from(number));
    if let Ok(v) = HeaderValue::from_str(&sha) {
        h.insert(SHA_HEADER, v);
    }
    Ok(resp)
}

/// After a delete: removes zips no version refers to any more. Runs under the store lock so an
/// upload of the same content cannot slip in between the check and the removal.
pub fn collect_garbage(app: &AppState, candidates: &[String]) {
    if candidates.is_empty() {
        return;
    }
    app.store.read(|s| {
        for sha in candidates {
            if !s.code_in_use(sha) {
                app.code.remove(sha);
            }
        }
    });
}

/// The code zips `versions` refer to.
pub fn shas_of<'a>(versions: impl Iterator<Item = &'a super::store::VersionRecord>) -> Vec<String> {
    versions.filter_map(|v| v.code_sha256.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            if name.ends_with('/') {
                w.add_directory(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
            } else {
                let stored = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored);
                w.start_file(*name, stored).unwrap();
                w.write_all(data).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    fn check(bytes: &[u8]) -> Result<(), String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.zip");
        std::fs::write(&p, bytes).unwrap();
        check_zip(&p)
    }

    #[test]
    fn zip_rules() {
        check(&zip_of(&[
            ("main.py", b"print(1)"),
            ("lib/", b""),
            ("lib/x.py", b""),
        ]))
        .unwrap();
        assert!(check(b"not a zip").unwrap_err().contains("not a valid zip"));
        assert!(check(b"").is_err());
        assert!(
            check(&zip_of(&[]))
                .unwrap_err()
                .contains("no files at its root")
        );
        assert!(
            check(&zip_of(&[("agent/", b""), ("agent/main.py", b"x")]))
                .unwrap_err()
                .contains("no files at its root")
        );
        assert!(
            check(&zip_of(&[("main.py", b"x"), ("../evil.py", b"x")]))
                .unwrap_err()
                .contains("leaves the archive root")
        );
        // A flipped byte in the stored data fails the CRC check.
        let mut z = zip_of(&[("main.py", b"print('hello, world')")]);
        let at = z.windows(5).position(|w| w == b"print").unwrap();
        z[at] ^= 0x01;
        assert!(check(&z).is_err());
    }

    #[test]
    fn the_code_store_is_made_on_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let store = CodeStore::open(Some(&state)).unwrap();
        assert!(!dir.path().join("state.json.code").exists());
        drop(store.temp_file().unwrap());
        assert!(dir.path().join("state.json.code").is_dir());
        let store = CodeStore::open(None).unwrap();
        assert!(store.temp.get().is_none());
        let (f, _) = store.temp_file().unwrap();
        let temp_dir = f.path().parent().unwrap().to_path_buf();
        drop(f);
        drop(store);
        assert!(!temp_dir.exists(), "the temp directory goes at exit");
    }

    #[test]
    fn code_store_is_content_addressed_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let stale = dir.path().join("state.json.code/.upload-x.tmp");
        std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
        std::fs::write(&stale, b"partial").unwrap();
        let store = CodeStore::open(Some(&state)).unwrap();
        assert!(!stale.exists());
        let (a, mut f) = store.temp_file().unwrap();
        f.write_all(b"zip").unwrap();
        let a_path = a.path().to_path_buf();
        store.commit(a, "ab").unwrap();
        assert!(!a_path.exists() && store.zip_path("ab").unwrap().exists());
        let (b, _) = store.temp_file().unwrap();
        let b_path = b.path().to_path_buf();
        store.commit(b, "ab").unwrap();
        assert!(!b_path.exists(), "a second copy is discarded");
        assert_eq!(
            std::fs::read(store.zip_path("ab").unwrap()).unwrap(),
            b"zip"
        );
        let (c, _) = store.temp_file().unwrap();
        let c_path = c.path().to_path_buf();
        drop(c);
        assert!(!c_path.exists(), "temp files go away when dropped");
    }
}
