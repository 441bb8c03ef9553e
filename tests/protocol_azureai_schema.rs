//! The real azureai provider behind `ProviderService`: its schemas must pass the rules
//! Terraform enforces on load (a broken schema makes every command fail with a terse error),
//! and every type GetMetadata lists must have a schema whose attribute types Terraform parses.

use azureai::framework::Type;
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
