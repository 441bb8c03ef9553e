//! What the framework does around each call of a resource or data source: the schema's
//! declarations first, then the type's own hook. The protocol layer calls these, and so do
//! tests that drive a resource without Terraform, so both see the same behaviour.

use super::diag::Diagnostics;
use super::plan;
use super::traits::{
    Ctx, DataSource, PlanRequest, PlanResponse, ReadDataRequest, ReadDataResponse, Resource,
};
use super::validate;
use super::value::Value;

/// `ValidateResourceConfig`: the schema's validators, then [`Resource::validate`].
pub fn validate_resource(r: &dyn Resource, config: &Value) -> Diagnostics {
    let mut d = validate::config(&r.schema().block, config);
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
