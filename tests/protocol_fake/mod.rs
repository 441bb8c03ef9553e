//! A fake provider with one resource (`fake_thing`, with a sensitive attribute), shared by the
//! protocol tests that drive `ProviderService` directly, without Terraform.

use std::sync::Arc;

use async_trait::async_trait;
use azureai::framework::codec;
use azureai::framework::{
    ApplyRequest, ApplyResponse, Attribute, Block, Ctx, DataSource, Diagnostics, ImportResponse,
    Provider, ReadRequest, ReadResponse, Resource, Schema, Type, Value,
};
use azureai::proto::tfplugin5 as pb;
use azureai::proto::tfplugin5::provider_server::Provider as _;
use azureai::protocol::ProviderService;
use tonic::Request;

struct P {
    schema: Schema,
    res: Arc<R>,
}

struct R {
    schema: Schema,
}

#[async_trait]
impl Provider for P {
    fn type_name(&self) -> &'static str {
        "fake"
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    async fn configure(&self, _ctx: &Ctx, _config: &Value, _v: &str) -> Diagnostics {
        Diagnostics::new()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![self.res.clone()]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![]
    }
}

#[async_trait]
impl Resource for R {
    fn type_name(&self) -> &'static str {
        "fake_thing"
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    async fn apply(&self, _ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        let mut state = req.planned_state;
        let name = state.get("name").as_str().unwrap_or_default().to_owned();
        // yield so parallel calls interleave
        tokio::task::yield_now().await;
        state.set("id", Value::string(format!("id-{name}")));
        ApplyResponse {
            new_state: state,
            ..Default::default()
        }
    }
    async fn read(&self, _ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            ..Default::default()
        }
    }
    async fn import(&self, _ctx: &Ctx, _id: &str) -> ImportResponse {
        ImportResponse::default()
    }
}

pub fn block() -> Block {
    Block::new()
        .attribute(Attribute::string("name").required())
        .attribute(Attribute::string("token").optional().sensitive())
        .attribute(Attribute::typed("tags", Type::set(Type::String)).optional())
        .attribute(Attribute::string("id").computed())
}

pub fn service() -> ProviderService {
    ProviderService::new(Arc::new(P {
        schema: Schema::new(
            0,
            Block::new().attribute(Attribute::string("secret").optional().sensitive()),
        ),
        res: Arc::new(R {
            schema: Schema::new(0, block()),
        }),
    }))
}

pub fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: codec::encode_block_msgpack(v, &block()).unwrap(),
        json: vec![],
    })
}

pub fn config(name: &str) -> Value {
    Value::object([
        ("name", Value::string(name)),
        ("token", Value::string("s3cr3t-t0ken")),
        ("tags", Value::Set(vec![Value::string("a")])),
        ("id", Value::Null),
    ])
}

/// Creates a `fake_thing` from `config` as Terraform does (plan, then apply the plan); returns
/// the new state.
pub async fn create(svc: &ProviderService, config: &Value) -> Value {
    let p = svc
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "fake_thing".into(),
            proposed_new_state: dv(config),
            config: dv(config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let a = svc
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            planned_state: p.planned_state,
            config: dv(config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    codec::decode_block_msgpack(&a.new_state.unwrap().msgpack, &block()).unwrap()
}
