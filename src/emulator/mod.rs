//! `azureai-emulator`: a local, faithful emulator of the Azure AI Foundry agents API (hosted
//! agent versions, both API generations), used by tests, the quickstart and benchmarks.
//!
//! One job per module: [`cli`] options, [`server`] router + listener, [`api`] agents API
//! handlers, [`control`] test-control endpoints, [`store`] state and persistence, [`lifecycle`]
//! Gen B status, [`validation`] request rules, [`render`] response shapes, [`errors`] the error
//! body, [`auth`] tokens, [`faults`] fault injection, [`stats`] counters, [`tls`] certificates.

pub mod api;
pub mod auth;
pub mod cli;
pub mod control;
pub mod digest;
pub mod errors;
pub mod faults;
pub mod generation;
pub mod lifecycle;
pub mod render;
pub mod server;
pub mod stats;
pub mod store;
pub mod tls;
pub mod validation;

pub use cli::Options;
pub use server::run;
