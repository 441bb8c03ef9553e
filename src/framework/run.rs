//! What the framework does around each call of a resource or data source: the schema's
//! declarations first, then the type's own hook. The protocol layer calls these, and so do
//! tests that drive a resource without Terraform, so both see the same behaviour.
//!
//! Write-only arguments: whatever a resource answers, every plan, new state, read state and
//! imported state leaves here with its write-only attributes null (`Block::without_write_only`),
//! so no value Terraform handed over in a configuration can come back to be stored.

use super::diag::Diagnostics;
use super::plan;
use super::traits::{
    ApplyRequest, ApplyResponse, ClientCapabilities, Ctx, DataSource, ImportResponse, PlanRequest,
    PlanResponse, ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse, Resource,
};
use super::validate;
use super::value::Value;

/// `ValidateResourceConfig`: write-only arguments against the client's capabilities
/// ([`validate::write_only`]), the schema's validators, then [`Resource::validate`].
pub fn validate_resource(
    r: &dyn Resource,
    config: &Value,
    caps: &ClientCapabilities,
) -> Diagnostics {
    let block = &r.schema().block;
    let mut d = validate::write_only(block, config, caps);
    d.extend(validate::config(block, config));
    d.extend_unique(r.validate(config));
    d
}

/// `PlanResourceChange`: [`plan::from_schema`], then [`Resource::modify_plan`] (not for a
/// destroy). Findings repeated by both are reported once.
pub async fn plan_resource(r: &dyn Resource, ctx: &Ctx, req: PlanRequest) -> PlanResponse {
    let mut resp = plan::from_schema(&r.schema().block, &req);
    if req.proposed_new_state.is_null() {
        return resp;
    }
    let schema_findings = std::mem::take(&mut resp.diagnostics);
    r.modify_plan(ctx, &req, &mut resp).await;
    let mut diagnostics = schema_findings;
    diagnostics.extend_unique(std::mem::take(&mut resp.diagnostics));
    resp.diagnostics = diagnostics;
    resp.planned_state = r.schema().block.without_write_only(resp.planned_state);
    resp
}

/// `ApplyResourceChange`: [`Resource::apply`] (which finds write-only values in
/// `req.config`); the new state leaves with write-only attributes null.
pub async fn apply_resource(r: &dyn Resource, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
    let mut resp = r.apply(ctx, req).await;
    resp.new_state = r.schema().block.without_write_only(resp.new_state);
    resp
}

/// `ReadResource`: [`Resource::read`]; the state leaves with write-only attributes null.
pub async fn read_resource(r: &dyn Resource, ctx: &Ctx, req: ReadRequest) -> ReadResponse {
    let mut resp = r.read(ctx, req).await;
    resp.new_state = r.schema().block.without_write_only(resp.new_state);
    resp
}

/// `ImportResourceState`: [`Resource::import`]; every imported state leaves with write-only
/// attributes null.
pub async fn import_resource(r: &dyn Resource, ctx: &Ctx, id: &str) -> ImportResponse {
    let mut resp = r.import(ctx, id).await;
    let block = &r.schema().block;
    for imported in &mut resp.imported {
        imported.state = block.without_write_only(std::mem::take(&mut imported.state));
    }
    resp
}

/// `ValidateDataResourceConfig`: the schema's validators, then [`DataSource::validate`].
pub fn validate_data_source(d: &dyn DataSource, config: &Value) -> Diagnostics {
    let mut diags = validate::config(&d.schema().block, config);
    diags.extend_unique(d.validate(config));
    diags
}

/// `ReadDataSource`: the checks again (values unknown at validate are known now), errors
/// only; on an error the configuration goes back unread. Then [`DataSource::read`].
pub async fn read_data_source(
    d: &dyn DataSource,
    ctx: &Ctx,
    req: ReadDataRequest,
) -> ReadDataResponse {
    let errors = validate_data_source(d, &req.config).errors();
    if errors.has_errors() {
        return ReadDataResponse {
            state: req.config,
            diagnostics: errors,
        };
    }
    d.read(ctx, req).await
}
