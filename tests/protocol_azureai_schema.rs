//! The real azureai provider behind `ProviderService`: its schemas must pass the rules
//! Terraform enforces on load (a broken schema makes every command fail with a terse error),
//! and every type GetMetadata lists must have a schema whose attribute types Terraform parses.
//!
//! And the guard in the spirit of terraform-plugin-sdk's `InternalValidate`: a resource
//! without an update call must decide, for every argument, whether a change replaces the
//! object or only rewrites the state. An argument added without deciding would plan as an
//! in-place update that never reaches the service.

use azureai::framework::schema::internal_validate;
use azureai::framework::{Attribute, NestedBlock, Schema, Type};
use azureai::proto::tfplugin5 as pb;
use azureai::proto::tfplugin5::provider_server::Provider as _;
use azureai::protocol::ProviderService;
use tonic::Request;

fn check_types(block: &pb::schema::Block, at: &str) {
    for a in &block.attributes {
        let j: serde_json::Value = serde_json::from_slice(&a.r#type).expect("type is JSON");
        assert!(
            Type::from_cty_json(&j).is_some(),
            "{at}.{}: unparseable type {j}",
            a.name
        );
        assert_eq!(a.description_kind, pb::StringKind::Markdown as i32);
    }
    for b in &block.block_types {
        check_types(
            b.block.as_ref().expect("nested block has a block"),
            &format!("{at}.{}", b.type_name),
        );
    }
}

#[tokio::test]
async fn azureai_schemas_are_valid_for_terraform() {
    let svc = ProviderService::new(azureai::provider::new_provider());
    let s = svc
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(
        s.diagnostics.is_empty(),
        "schema problems: {:#?}",
        s.diagnostics
    );
    check_types(
        s.provider
            .as_ref()
            .and_then(|p| p.block.as_ref())
            .expect("provider block"),
        "provider",
    );
    assert!(
        s.resource_schemas
            .contains_key("azureai_hosted_agent_version")
    );

    let m = svc
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    for r in &m.resources {
        let schema = s
            .resource_schemas
            .get(&r.type_name)
            .unwrap_or_else(|| panic!("no schema for {}", r.type_name));
        check_types(schema.block.as_ref().unwrap(), &r.type_name);
    }
    for d in &m.data_sources {
        let schema = s
            .data_source_schemas
            .get(&d.type_name)
            .unwrap_or_else(|| panic!("no schema for {}", d.type_name));
        check_types(schema.block.as_ref().unwrap(), &d.type_name);
    }
    assert_eq!(m.resources.len(), s.resource_schemas.len());
    assert_eq!(m.data_sources.len(), s.data_source_schemas.len());
}

#[test]
fn every_resource_passes_internal_validate() {
    let provider = azureai::provider::new_provider();
    let resources = provider.resources();
    assert!(!resources.is_empty());
    for r in resources {
        let problems = internal_validate(r.type_name(), r.schema(), r.has_update());
        assert!(problems.is_empty(), "{}: {problems:#?}", r.type_name());
    }
}

/// The guard catches the mistake it exists for: an argument added to the version resource
/// (which has no update call) without `requires_replace()` or `state_only()`.
#[test]
fn internal_validate_fails_on_a_forgotten_argument() {
    let real = &azureai::resources::hosted_agent_version::SCHEMA;
    let resource = azureai::provider::new_provider()
        .resources()
        .into_iter()
        .find(|r| r.type_name() == "azureai_hosted_agent_version")
        .expect("the version resource");
    assert!(!resource.has_update(), "versions are immutable");

    let forgotten = Schema::new(
        real.version,
        real.block
            .clone()
            .attribute(Attribute::string("registry_connection_id").optional()),
    );
    let problems = internal_validate("azureai_hosted_agent_version", &forgotten, false);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("undecided: registry_connection_id"),
        "{problems:#?}"
    );

    // A nested block counts as an argument too.
    let forgotten_block = Schema::new(
        real.version,
        real.block.clone().block(NestedBlock::single(
            "code",
            azureai::framework::Block::new().attribute(Attribute::string("path").required()),
        )),
    );
    let problems = internal_validate("azureai_hosted_agent_version", &forgotten_block, false);
    assert!(problems[0].ends_with("undecided: code"), "{problems:#?}");

    // Deciding fixes it; so does an update call (an updatable resource sends the change).
    let decided = Schema::new(
        real.version,
        real.block.clone().attribute(
            Attribute::string("registry_connection_id")
                .optional()
                .requires_replace(),
        ),
    );
    assert!(internal_validate("azureai_hosted_agent_version", &decided, false).is_empty());
    // (An updatable resource's timeouts block also needs an `update` timeout.)
    let problems = internal_validate("azureai_hosted_agent_version", &forgotten, true);
    assert!(
        problems.iter().all(|p| p.contains("update timeout")),
        "{problems:#?}"
    );
}
