//! [`ProviderService`]: the tfplugin5 `Provider` gRPC service over a framework [`Provider`].
//!
//! Each RPC decodes its `DynamicValue`s with the schema of the type it names, calls the
//! framework, and encodes the answer as msgpack. Problems become diagnostics; the only gRPC
//! errors are the generated `Unimplemented` stubs of RPCs we do not serve.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};
use tracing::Instrument;

use super::diagnostics::{decode_error, encode_error, to_proto};
use super::{dynamic, schema};
use crate::framework::{
    ApplyRequest, ClientCapabilities, Ctx, DataSource, Diagnostic, Diagnostics, PlanRequest,
    Provider, ReadDataRequest, ReadRequest, Resource, UpgradeRequest, Value,
};
use crate::framework::{codec, run};
use crate::proto::tfplugin5 as pb;
use pb::provider_server::Provider as GrpcProvider;

/// Serves one framework provider over tfplugin5. Cheap to share: wrap it in
/// `ProviderServer::new(service)`.
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    /// The provider's resource and data source types, asked for once: instances share the
    /// provider's configure handle, so the same instances serve before and after `Configure`.
    resources: Vec<Arc<dyn Resource>>,
    data_sources: Vec<Arc<dyn DataSource>>,
    /// The GetSchema answer, built on first use: schemas never change within a process and
    /// Terraform asks on every command.
    schema: OnceLock<pb::get_provider_schema::Response>,
    /// Cancelled by `Stop`; every call's `Ctx::cancel` is a child of it, so a Stop reaches
    /// every in-flight operation (and any started afterwards).
    stop: CancellationToken,
}

impl ProviderService {
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        ProviderService {
            resources: provider.resources(),
            data_sources: provider.data_sources(),
            provider,
            schema: OnceLock::new(),
            stop: CancellationToken::new(),
        }
    }

    /// The token `Stop` cancels, for the transport to cancel work on shutdown too.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    // Assigned rather than built with a literal so fields the framework adds to Ctx later
    // keep their defaults without touching this layer.
    #[allow(clippy::field_reassign_with_default)]
    fn ctx(&self) -> Ctx {
        let mut ctx = Ctx::default();
        ctx.cancel = self.stop.child_token();
        ctx
    }

    // A linear search: a provider has a handful of types, fewer than a hash costs.
    fn resource(&self, type_name: &str) -> Result<Arc<dyn Resource>, Diagnostic> {
        if let Some(r) = self.resources.iter().find(|r| r.type_name() == type_name) {
            return Ok(r.clone());
        }
        Err(unknown_type(
            "resource",
            type_name,
            self.provider.type_name(),
            self.resources.iter().map(|r| r.type_name()),
        ))
    }

    fn data_source(&self, type_name: &str) -> Result<Arc<dyn DataSource>, Diagnostic> {
        if let Some(d) = self
            .data_sources
            .iter()
            .find(|d| d.type_name() == type_name)
        {
            return Ok(d.clone());
        }
        Err(unknown_type(
            "data source",
            type_name,
            self.provider.type_name(),
            self.data_sources.iter().map(|d| d.type_name()),
        ))
    }

    fn build_schema(&self) -> pb::get_provider_schema::Response {
        let mut problems = Vec::new();
        let provider_schema = self.provider.schema();
        let provider_name = format!("provider {}", self.provider.type_name());
        problems.extend(schema::check(&provider_schema.block, &provider_name));
        problems.extend(schema::check_no_write_only(
            &provider_schema.block,
            &provider_name,
        ));
        let mut resource_schemas = HashMap::new();
        for r in &self.resources {
            problems.extend(schema::check(&r.schema().block, r.type_name()));
            resource_schemas.insert(
                r.type_name().to_owned(),
                schema::schema_to_proto(r.schema()),
            );
        }
        let mut data_source_schemas = HashMap::new();
        for d in &self.data_sources {
            let name = format!("data.{}", d.type_name());
            problems.extend(schema::check(&d.schema().block, &name));
            problems.extend(schema::check_no_write_only(&d.schema().block, &name));
            data_source_schemas.insert(
                d.type_name().to_owned(),
                schema::schema_to_proto(d.schema()),
            );
        }
        let diagnostics = problems
            .into_iter()
            .map(|p| {
                Diagnostic::error(
                    "Invalid provider schema",
                    format!("{p}. This is a bug in the provider; please report it."),
                )
            })
            .collect::<Vec<_>>();
        pb::get_provider_schema::Response {
            provider: Some(schema::schema_to_proto(provider_schema)),
            resource_schemas,
            data_source_schemas,
            diagnostics: to_proto(&Diagnostics(diagnostics)),
            provider_meta: None,
            server_capabilities: Some(capabilities()),
            functions: HashMap::new(),
            ephemeral_resource_schemas: HashMap::new(),
        }
    }
}

fn capabilities() -> pb::ServerCapabilities {
    // No plan_destroy: core then sends destroys straight to ApplyResourceChange, which every
    // Terraform version since 1.0 does, keeping one code path.
    // get_provider_schema_optional: no RPC depends on GetProviderSchema having been called
    // (schemas are built on first use, wherever that is), so Terraform ≥ 1.6 may reuse the
    // schema it cached from an earlier process of this provider instead of asking each one.
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

/// The client's capabilities; a Terraform that sends none supports none.
fn client_capabilities(c: Option<&pb::ClientCapabilities>) -> ClientCapabilities {
    ClientCapabilities {
        write_only_attributes_allowed: c.is_some_and(|c| c.write_only_attributes_allowed),
    }
}

fn unknown_type<'a>(
    kind: &str,
    name: &str,
    provider: &str,
    known: impl Iterator<Item = &'a str>,
) -> Diagnostic {
    let known: Vec<_> = known.collect();
    let summary = match kind {
        "data source" => "Unknown data source type",
        _ => "Unknown resource type",
    };
    Diagnostic::error(
        summary,
        format!(
            "The {provider} provider has no {kind} type named {name:?}. Supported {kind} types: {}.",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ),
    )
}

fn rpc_span(rpc: &'static str, type_name: &str) -> tracing::Span {
    tracing::debug_span!("tfplugin5", rpc, type_name)
}

/// Logs the call at debug: the RPC and type name only, never values (they may be secret).
fn log_call(diags: &Diagnostics) {
    let errors = diags
        .iter()
        .filter(|d| d.severity == crate::framework::Severity::Error)
        .count();
    tracing::debug!(
        diagnostics = diags.0.len(),
        errors,
        "tfplugin5 call answered"
    );
}

/// Decodes a request value, recording a diagnostic on failure.
fn decode(
    dv: Option<&pb::DynamicValue>,
    block: &crate::framework::Block,
    what: &str,
    type_name: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    match dynamic::decode(dv, block) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(decode_error(what, type_name, &e));
            None
        }
    }
}

/// Decodes every value of a request (prior state, new state, configuration, …), recording a
/// diagnostic for each that fails; all of them, or None.
fn decode_all<const N: usize>(
    values: [(Option<&pb::DynamicValue>, &str); N],
    block: &crate::framework::Block,
    type_name: &str,
    diags: &mut Diagnostics,
) -> Option<[Value; N]> {
    let decoded = values.map(|(dv, what)| decode(dv, block, what, type_name, diags));
    if decoded.iter().all(Option::is_some) {
        Some(decoded.map(Option::unwrap_or_default))
    } else {
        None
    }
}

/// Encodes a response value, recording a diagnostic on failure.
fn encode(
    v: &Value,
    block: &crate::framework::Block,
    what: &str,
    type_name: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match dynamic::encode(v, block) {
        Ok(dv) => Some(dv),
        Err(e) => {
            diags.push(encode_error(what, type_name, &e));
            None
        }
    }
}

/// Private state the resource did not set is passed through, so a resource that does not use
/// private state never loses what an earlier provider version stored there.
fn keep_private(answer: Vec<u8>, given: Vec<u8>) -> Vec<u8> {
    if answer.is_empty() { given } else { answer }
}

#[tonic::async_trait]
impl GrpcProvider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let _span = rpc_span("GetMetadata", "").entered();
        log_call(&Diagnostics::new());
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: vec![],
            data_sources: self
                .data_sources
                .iter()
                .map(|d| pb::get_metadata::DataSourceMetadata {
                    type_name: d.type_name().to_owned(),
                })
                .collect(),
            resources: self
                .resources
                .iter()
                .map(|r| pb::get_metadata::ResourceMetadata {
                    type_name: r.type_name().to_owned(),
                })
                .collect(),
            functions: vec![],
            ephemeral_resources: vec![],
        }))
    }

    async fn get_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let _span = rpc_span("GetProviderSchema", "").entered();
        let answer = self.schema.get_or_init(|| self.build_schema()).clone();
        tracing::debug!(
            diagnostics = answer.diagnostics.len(),
            "tfplugin5 call answered"
        );
        Ok(Response::new(answer))
    }

    async fn prepare_provider_config(
        &self,
        request: Request<pb::prepare_provider_config::Request>,
    ) -> Result<Response<pb::prepare_provider_config::Response>, Status> {
        let req = request.into_inner();
        let _span = rpc_span("ValidateProviderConfig", self.provider.type_name()).entered();
        let mut diags = Diagnostics::new();
        let name = format!("the {} provider", self.provider.type_name());
        if let Some(config) = decode(
            req.config.as_ref(),
            &self.provider.schema().block,
            "configuration",
            &name,
            &mut diags,
        ) {
            diags.extend(self.provider.validate_config(&config));
        }
        log_call(&diags);
        // Echoed unchanged: core (1.11 included) still decodes prepared_config.
        Ok(Response::new(pb::prepare_provider_config::Response {
            prepared_config: req.config,
            diagnostics: to_proto(&diags),
        }))
    }

    async fn validate_resource_type_config(
        &self,
        request: Request<pb::validate_resource_type_config::Request>,
    ) -> Result<Response<pb::validate_resource_type_config::Response>, Status> {
        let req = request.into_inner();
        let _span = rpc_span("ValidateResourceConfig", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        match self.resource(&req.type_name) {
            Err(d) => diags.push(d),
            Ok(r) => {
                if let Some(config) = decode(
                    req.config.as_ref(),
                    &r.schema().block,
                    "configuration",
                    &req.type_name,
                    &mut diags,
                ) {
                    let caps = client_capabilities(req.client_capabilities.as_ref());
                    diags.extend(run::validate_resource(r.as_ref(), &config, &caps));
                }
            }
        }
        log_call(&diags);
        Ok(Response::new(pb::validate_resource_type_config::Response {
            diagnostics: to_proto(&diags),
        }))
    }

    async fn validate_data_source_config(
        &self,
        request: Request<pb::validate_data_source_config::Request>,
    ) -> Result<Response<pb::validate_data_source_config::Response>, Status> {
        let req = request.into_inner();
        let _span = rpc_span("ValidateDataResourceConfig", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        match self.data_source(&req.type_name) {
            Err(d) => diags.push(d),
            Ok(d) => {
                if let Some(config) = decode(
                    req.config.as_ref(),
                    &d.schema().block,
                    "configuration",
                    &req.type_name,
                    &mut diags,
                ) {
                    diags.extend(run::validate_data_source(d.as_ref(), &config));
                }
            }
        }
        log_call(&diags);
        Ok(Response::new(pb::validate_data_source_config::Response {
            diagnostics: to_proto(&diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let _span = rpc_span("UpgradeResourceState", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        let upgraded = self.upgrade(&req, &mut diags);
        log_call(&diags);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state: upgraded,
            diagnostics: to_proto(&diags),
        }))
    }

    async fn configure(
        &self,
        request: Request<pb::configure::Request>,
    ) -> Result<Response<pb::configure::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span("ConfigureProvider", self.provider.type_name());
        async {
            let mut diags = Diagnostics::new();
            let name = format!("the {} provider", self.provider.type_name());
            if let Some(config) = decode(
                req.config.as_ref(),
                &self.provider.schema().block,
                "configuration",
                &name,
                &mut diags,
            ) {
                diags.extend(
                    self.provider
                        .configure(&self.ctx(), &config, &req.terraform_version)
                        .await,
                );
            }
            log_call(&diags);
            Ok(Response::new(pb::configure::Response {
                diagnostics: to_proto(&diags),
            }))
        }
        .instrument(span)
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span("ReadResource", &req.type_name);
        async {
            let mut diags = Diagnostics::new();
            let mut answer = pb::read_resource::Response::default();
            match self.resource(&req.type_name) {
                Err(d) => diags.push(d),
                Ok(r) => {
                    let block = &r.schema().block;
                    if let Some(current) = decode(
                        req.current_state.as_ref(),
                        block,
                        "state",
                        &req.type_name,
                        &mut diags,
                    ) {
                        let resp = run::read_resource(
                            r.as_ref(),
                            &self.ctx(),
                            ReadRequest {
                                current_state: current,
                                private: req.private.clone(),
                            },
                        )
                        .await;
                        diags.extend(resp.diagnostics);
                        answer.new_state = encode(
                            &resp.new_state,
                            block,
                            "new state",
                            &req.type_name,
                            &mut diags,
                        );
                        answer.private = keep_private(resp.private, req.private);
                    }
                }
            }
            log_call(&diags);
            answer.diagnostics = to_proto(&diags);
            Ok(Response::new(answer))
        }
        .instrument(span)
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span("PlanResourceChange", &req.type_name);
        async {
            let mut diags = Diagnostics::new();
            // legacy_type_system stays false: Terraform checks our plans strictly.
            let mut answer = pb::plan_resource_change::Response::default();
            match self.resource(&req.type_name) {
                Err(d) => diags.push(d),
                Ok(r) => {
                    let block = &r.schema().block;
                    let t = &req.type_name;
                    let values = [
                        (req.prior_state.as_ref(), "prior state"),
                        (req.proposed_new_state.as_ref(), "proposed new state"),
                        (req.config.as_ref(), "configuration"),
                    ];
                    if let Some([prior, proposed, config]) =
                        decode_all(values, block, t, &mut diags)
                    {
                        if proposed.is_null() {
                            // Destroy: the plan is null, nothing for the resource to decide.
                            answer.planned_state =
                                encode(&Value::Null, block, "planned state", t, &mut diags);
                            answer.planned_private = req.prior_private;
                        } else {
                            let resp = run::plan_resource(
                                r.as_ref(),
                                &self.ctx(),
                                PlanRequest {
                                    prior_state: prior,
                                    proposed_new_state: proposed,
                                    config,
                                    prior_private: req.prior_private.clone(),
                                },
                            )
                            .await;
                            diags.extend(resp.diagnostics);
                            answer.planned_state =
                                encode(&resp.planned_state, block, "planned state", t, &mut diags);
                            answer.requires_replace = resp
                                .requires_replace
                                .iter()
                                .map(super::diagnostics::path_to_proto)
                                .collect();
                            answer.planned_private =
                                keep_private(resp.planned_private, req.prior_private);
                        }
                    }
                }
            }
            log_call(&diags);
            answer.diagnostics = to_proto(&diags);
            Ok(Response::new(answer))
        }
        .instrument(span)
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span("ApplyResourceChange", &req.type_name);
        async {
            let mut diags = Diagnostics::new();
            let mut answer = pb::apply_resource_change::Response::default();
            match self.resource(&req.type_name) {
                Err(d) => diags.push(d),
                Ok(r) => {
                    let block = &r.schema().block;
                    let t = &req.type_name;
                    let values = [
                        (req.prior_state.as_ref(), "prior state"),
                        (req.planned_state.as_ref(), "planned state"),
                        (req.config.as_ref(), "configuration"),
                    ];
                    if let Some([prior, planned, config]) = decode_all(values, block, t, &mut diags)
                    {
                        let resp = run::apply_resource(
                            r.as_ref(),
                            &self.ctx(),
                            ApplyRequest {
                                prior_state: prior,
                                planned_state: planned,
                                config,
                                planned_private: req.planned_private.clone(),
                            },
                        )
                        .await;
                        diags.extend(resp.diagnostics);
                        answer.new_state =
                            encode(&resp.new_state, block, "new state", t, &mut diags);
                        answer.private = keep_private(resp.private, req.planned_private);
                    }
                }
            }
            log_call(&diags);
            answer.diagnostics = to_proto(&diags);
            Ok(Response::new(answer))
        }
        .instrument(span)
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span("ImportResourceState", &req.type_name);
        async {
            let mut diags = Diagnostics::new();
            let mut answer = pb::import_resource_state::Response::default();
            match self.resource(&req.type_name) {
                Err(d) => diags.push(d),
                Ok(r) => {
                    let block = &r.schema().block;
                    let resp = run::import_resource(r.as_ref(), &self.ctx(), &req.id).await;
                    diags.extend(resp.diagnostics);
                    for imported in resp.imported {
                        if let Some(state) = encode(
                            &imported.state,
                            block,
                            "imported state",
                            &req.type_name,
                            &mut diags,
                        ) {
                            answer.imported_resources.push(
                                pb::import_resource_state::ImportedResource {
                                    type_name: req.type_name.clone(),
                                    state: Some(state),
                                    private: imported.private,
                                },
                            );
                        }
                    }
                }
            }
            log_call(&diags);
            answer.diagnostics = to_proto(&diags);
            Ok(Response::new(answer))
        }
        .instrument(span)
        .await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span("ReadDataSource", &req.type_name);
        async {
            let mut diags = Diagnostics::new();
            let mut answer = pb::read_data_source::Response::default();
            match self.data_source(&req.type_name) {
                Err(d) => diags.push(d),
                Ok(d) => {
                    let block = &d.schema().block;
                    if let Some(config) = decode(
                        req.config.as_ref(),
                        block,
                        "configuration",
                        &req.type_name,
                        &mut diags,
                    ) {
                        let resp = run::read_data_source(
                            d.as_ref(),
                            &self.ctx(),
                            ReadDataRequest { config },
                        )
                        .await;
                        diags.extend(resp.diagnostics);
                        answer.state =
                            encode(&resp.state, block, "state", &req.type_name, &mut diags);
                    }
                }
            }
            log_call(&diags);
            answer.diagnostics = to_proto(&diags);
            Ok(Response::new(answer))
        }
        .instrument(span)
        .await
    }

    async fn stop(
        &self,
        _request: Request<pb::stop::Request>,
    ) -> Result<Response<pb::stop::Response>, Status> {
        let _span = rpc_span("Stop", "").entered();
        // Answer at once; the operations notice through their Ctx and wind down themselves.
        self.stop.cancel();
        tracing::debug!("tfplugin5 call answered: in-flight operations cancelled");
        Ok(Response::new(pb::stop::Response {
            error: String::new(),
        }))
    }
}

impl ProviderService {
    /// UpgradeResourceState: stored JSON → resource upgrade → current-schema msgpack.
    fn upgrade(
        &self,
        req: &pb::upgrade_resource_state::Request,
        diags: &mut Diagnostics,
    ) -> Option<pb::DynamicValue> {
        let r = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let block = &r.schema().block;
        let t = &req.type_name;
        let raw = req.raw_state.clone().unwrap_or_default();
        if raw.json.is_empty() {
            if !raw.flatmap.is_empty() {
                diags.error(
                    "Unsupported state format",
                    format!(
                        "The stored state of this {t} is in the legacy \"flatmap\" format written by Terraform 0.11 and older, which this provider cannot read. Remove the object from state (`terraform state rm`) and import it again."
                    ),
                );
                return None;
            }
            return encode(&Value::Null, block, "upgraded state", t, diags);
        }
        let json: serde_json::Value = match serde_json::from_slice(&raw.json) {
            Ok(j) => j,
            Err(e) => {
                diags.error(
                    "Invalid stored state",
                    format!(
                        "The stored state of this {t} is not valid JSON (line {}, column {}). Remove the object from state and import it again.",
                        e.line(),
                        e.column()
                    ),
                );
                return None;
            }
        };
        let resp = r.upgrade(UpgradeRequest {
            version: req.version,
            raw_state: json,
        });
        let failed = resp.diagnostics.has_errors();
        diags.extend(resp.diagnostics);
        if failed {
            return None;
        }
        // The schema settles number-vs-string and set-vs-list, which raw JSON cannot.
        match codec::decode_block_json(&resp.upgraded_state, block) {
            Ok(v) => encode(&v, block, "upgraded state", t, diags),
            Err(e) => {
                diags.push(decode_error("stored state", t, &e));
                None
            }
        }
    }
}
