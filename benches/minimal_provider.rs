//! `minimal`: the smallest provider our protocol layer can serve, for the benchmark's plan
//! comparison (docs/performance.md).
//!
//! Two resource types, neither validating nor calling any API (the framework's plan from a
//! schema without rules marks computed attributes unknown; apply sets `id`):
//! - `minimal_thing` holds the values of a benchmark `azureai_hosted_agent_version` in seven
//!   plain attributes. N of these against N `terraform_data` is what any out-of-process provider
//!   costs Terraform (process starts, gRPC, msgpack): the protocol floor.
//! - `minimal_hosted_agent_version` has exactly the azureai resource's schema, without its
//!   rules (validators, defaults, equivalences, requires-replace). N of these
//!   against N `minimal_thing` is what Terraform core spends on that richer schema; N real
//!   `azureai_hosted_agent_version` against these is what the resource's own rules add.
//!
//! Built with `cargo build --release --example minimal-provider`; never shipped.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use azureai::framework::{
    ApplyRequest, ApplyResponse, Attribute, Block, Ctx, DataSource, Diagnostics, ImportResponse,
    Provider, ReadRequest, ReadResponse, Resource, Schema, Type, Value,
};
use azureai::plugin::{self, ServeOptions};
use azureai::protocol::ProviderService;

static PROVIDER_SCHEMA: LazyLock<Schema> = LazyLock::new(|| Schema::new(0, Block::new()));

/// The azureai resource's schema as Terraform sees it, with none of its rules.
static TWIN_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let real = &azureai::resources::hosted_agent_version::SCHEMA;
    Schema::new(real.version, real.block.without_rules())
});

static THING_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let protocol = Type::Object(
        [("protocol", Type::String), ("version", Type::String)]
            .into_iter()
            .map(|(k, t)| (k.to_owned(), t))
            .collect(),
    );
    Schema::new(
        0,
        Block::new()
            .attribute(Attribute::string("id").computed())
            .attribute(Attribute::string("agent_name").required())
            .attribute(Attribute::string("image").required())
            .attribute(Attribute::string("cpu").optional())
            .attribute(Attribute::string("memory").optional())
            .attribute(
                Attribute::typed("container_protocol_version", Type::list(protocol)).optional(),
            )
            .attribute(Attribute::string_map("environment_variables").optional()),
    )
});

struct Minimal;

#[async_trait]
impl Provider for Minimal {
    fn type_name(&self) -> &'static str {
        "minimal"
    }
    fn schema(&self) -> &Schema {
        &PROVIDER_SCHEMA
    }
    async fn configure(&self, _: &Ctx, _: &Value, _: &str) -> Diagnostics {
        Diagnostics::new()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            Arc::new(Thing {
                type_name: "minimal_thing",
                schema: &THING_SCHEMA,
            }),
            Arc::new(Thing {
                type_name: "minimal_hosted_agent_version",
                schema: &TWIN_SCHEMA,
            }),
        ]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![]
    }
}

/// A resource type that only echoes: the schema is all that differs between the two.
struct Thing {
    type_name: &'static str,
    schema: &'static Schema,
}

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        self.type_name
    }
    fn schema(&self) -> &Schema {
        self.schema
    }
    async fn apply(&self, _: &Ctx, req: ApplyRequest) -> ApplyResponse {
        let mut new_state = req.planned_state;
        if !new_state.is_null() {
            let id = new_state
                .get("image")
                .as_str()
                .unwrap_or_default()
                .to_owned();
            new_state.set("id", Value::string(id));
        }
        ApplyResponse {
            new_state,
            ..ApplyResponse::default()
        }
    }
    async fn read(&self, _: &Ctx, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            ..ReadResponse::default()
        }
    }
    async fn import(&self, _: &Ctx, _: &str) -> ImportResponse {
        ImportResponse::default()
    }
}

fn main() -> std::process::ExitCode {
    let service = ProviderService::new(Arc::new(Minimal));
    let opts = ServeOptions {
        provider_address: "registry.terraform.io/azureai/minimal".into(),
        cancel_on_shutdown: Some(service.stop_token()),
        ..ServeOptions::default()
    };
    plugin::run(service, opts)
}
