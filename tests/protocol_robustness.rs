//! `ProviderService` under hostile or busy conditions: arbitrary bytes in every value field
//! (diagnostics, never a panic or a gRPC error) and Terraform's parallel calls. What the service
//! logs is checked in `protocol_logging.rs`, a binary of its own.

mod protocol_fake;

use std::sync::Arc;

use azureai::framework::Value;
use azureai::framework::codec;
use azureai::proto::tfplugin5 as pb;
use azureai::proto::tfplugin5::provider_server::Provider as _;
use proptest::prelude::*;
use protocol_fake::{block, config, create, service};
use tonic::Request;

fn has_error(diags: &[pb::Diagnostic]) -> bool {
    diags
        .iter()
        .any(|d| d.severity == pb::diagnostic::Severity::Error as i32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever arrives in a DynamicValue, every RPC answers normally: no panic, no gRPC
    /// status, and an error diagnostic whenever the bytes are not a value of the schema.
    #[test]
    fn arbitrary_dynamic_values_never_break_an_rpc(
        bytes in prop::collection::vec(any::<u8>(), 0..48),
        as_json in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let svc = service();
        let value = Some(if as_json {
            pb::DynamicValue { msgpack: vec![], json: bytes.clone() }
        } else {
            pb::DynamicValue { msgpack: bytes.clone(), json: vec![] }
        });
        let empty = bytes.is_empty();
        let decodes = empty || if as_json {
            codec::decode_json_bytes(&bytes, &block().value_type()).is_ok()
        } else {
            codec::decode_block_msgpack(&bytes, &block()).is_ok()
        };
        rt.block_on(async {
            let t = "fake_thing".to_string();
            let v = svc.validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
                type_name: t.clone(), config: value.clone(), client_capabilities: None,
            })).await.unwrap().into_inner();
            prop_assert_eq!(has_error(&v.diagnostics), !decodes);
            let p = svc.plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: t.clone(), prior_state: None, proposed_new_state: value.clone(), config: value.clone(),
                ..Default::default()
            })).await.unwrap().into_inner();
            if !decodes {
                prop_assert!(has_error(&p.diagnostics));
            }
            let a = svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: t.clone(), planned_state: value.clone(), config: value.clone(), ..Default::default()
            })).await.unwrap().into_inner();
            if !decodes {
                prop_assert!(has_error(&a.diagnostics));
            }
            let r = svc.read_resource(Request::new(pb::read_resource::Request {
                type_name: t.clone(), current_state: value.clone(), ..Default::default()
            })).await.unwrap().into_inner();
            prop_assert_eq!(has_error(&r.diagnostics), !decodes);
            let u = svc.upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: t.clone(), version: 0, raw_state: Some(pb::RawState { json: bytes.clone(), flatmap: Default::default() }),
            })).await.unwrap().into_inner();
            if u.diagnostics.is_empty() {
                // whatever upgraded cleanly is schema-conformant msgpack
                let up = u.upgraded_state.unwrap();
                prop_assert!(codec::decode_block_msgpack(&up.msgpack, &block()).is_ok());
            }
            let c = svc.configure(Request::new(pb::configure::Request {
                terraform_version: String::new(), config: value.clone(), client_capabilities: None,
            })).await.unwrap().into_inner();
            let _ = c;
            Ok(())
        })?;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_calls_do_not_interfere() {
    // Terraform runs up to 10 operations at once against one provider process.
    let svc = Arc::new(service());
    let mut tasks = Vec::new();
    for i in 0..40 {
        let svc = svc.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("n{i}");
            let state = create(&svc, &config(&name)).await;
            (name, state)
        }));
    }
    for t in tasks {
        let (name, state) = t.await.unwrap();
        assert_eq!(state.get("name"), &Value::string(&name));
        assert_eq!(state.get("id"), &Value::string(format!("id-{name}")));
    }
}
