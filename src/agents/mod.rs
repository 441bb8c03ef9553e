//! HTTP client of the Azure AI Foundry agents API for hosted agent versions (both API
//! versions, see docs/agents-api.md), with its credential chain and retry policy.
//!
//! - [`models`]: serde models; reading tolerates both API versions, writing is explicit.
//! - [`agent_endpoint`]: the agent endpoint and card of an agent, and the merge-patch that sets them.
//! - [`client`]: [`Client`] with one method per operation, deadline-bounded and retried.
//! - [`retry`]: which failures are retried and how long to wait.
//! - [`auth`]: credential selection and the default chain.
//! - [`transport`]: the shared reqwest client and its TLS trust (`SSL_CERT_FILE`).
//! - [`connect`]: why a request got no answer (TLS, DNS, refused) and whether to retry it.
//! - [`errors`]: typed errors for diagnostics.
//!
//! Only this module (and the emulator) speaks HTTP; the domain sees typed models and errors.

pub mod agent_endpoint;
pub mod auth;
pub mod client;
pub mod connect;
pub mod errors;
pub mod models;
pub mod retry;
pub mod transport;

pub use crate::domain::{ApiVersion, UnknownApiVersion};
pub use agent_endpoint::{
    AgentCard, AgentEndpoint, AgentPatch, AgentSkill, AuthorizationScheme, EndpointSettings,
    ProtocolSetting, SelectionRule, VersionSelector,
};
pub use auth::{AGENTS_SCOPE, AuthSelection, ChainedCredential, credential_chain};
pub use client::{Client, ClientOptions, default_user_agent};
pub use connect::{ConnectFailure, ConnectProblem, UNREACHABLE_RETRY_WINDOW};
pub use errors::{Error, ErrorKind};
pub use models::{
    Agent, AgentVersion, AgentVersions, CREATION_TOKEN_KEY, CreateVersionRequest, HostedDefinition,
    Identity, ListPage, ProtocolVersion, Tool, VersionError, VersionStatus, new_creation_token,
};
pub use retry::RetryPolicy;
pub use transport::{build_http_client, build_http_client_trusting, shared_http_client};
