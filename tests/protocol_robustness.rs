//! `ProviderService` under hostile or busy conditions: arbitrary bytes in every value field
//! (diagnostics, never a panic or a gRPC error), Terraform's parallel calls, and logs that name
//! RPCs and types but never carry values.

use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use azureai::framework::codec;
use azureai::framework::plan::mark_computed_unknown;
use azureai::framework::{
    ApplyRequest, ApplyResponse, Attribute, Block, Ctx, DataSource, Diagnostics, ImportResponse,
    PlanRequest, PlanResponse, Provider, ReadRequest, ReadResponse, Resource, Schema, Type, Value,
};
use azureai::proto::tfplugin5 as pb;
use azureai::proto::tfplugin5::provider_server::Provider as _;
use azureai::protocol::ProviderService;
use proptest::prelude::*;
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
    async fn plan(&self, _ctx: &Ctx, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned_state: mark_computed_unknown(
                &self.schema.block,
                &req.config,
                &req.proposed_new_state,
            ),
            ..Default::default()
        }
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

fn block() -> Block {
    Block::new()
        .attribute(Attribute::string("name").required())
        .attribute(Attribute::string("token").optional().sensitive())
        .attribute(Attribute::typed("tags", Type::set(Type::String)).optional())
        .attribute(Attribute::string("id").computed())
}

fn service() -> ProviderService {
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

fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: codec::encode_block_msgpack(v, &block()).unwrap(),
        json: vec![],
    })
}

fn config(name: &str) -> Value {
    Value::object([
        ("name", Value::string(name)),
        ("token", Value::string("s3cr3t-t0ken")),
        ("tags", Value::Set(vec![Value::string("a")])),
        ("id", Value::Null),
    ])
}

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
            let c = config(&name);
            let p = svc
                .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                    type_name: "fake_thing".into(),
                    proposed_new_state: dv(&c),
                    config: dv(&c),
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner();
            let a = svc
                .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                    type_name: "fake_thing".into(),
                    planned_state: p.planned_state,
                    config: dv(&c),
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner();
            let state =
                codec::decode_block_msgpack(&a.new_state.unwrap().msgpack, &block()).unwrap();
            (name, state)
        }));
    }
    for t in tasks {
        let (name, state) = t.await.unwrap();
        assert_eq!(state.get("name"), &Value::string(&name));
        assert_eq!(state.get("id"), &Value::string(format!("id-{name}")));
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn debug_logs_name_the_rpc_and_type_but_never_values() {
    let capture = Capture::default();
    let sink = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        // Other tests in this binary run on other threads without a subscriber; a callsite
        // they register while this one's dispatcher is being set up can cache "never
        // interested" (a flake seen in CI). Recompute every callsite's interest now that this
        // thread's subscriber exists.
        tracing::callsite::rebuild_interest_cache();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let svc = service();
            let c = config("logged");
            let p = svc
                .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                    type_name: "fake_thing".into(),
                    proposed_new_state: dv(&c),
                    config: dv(&c),
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner();
            svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: "fake_thing".into(),
                planned_state: p.planned_state,
                config: dv(&c),
                ..Default::default()
            }))
            .await
            .unwrap();
            let pcfg = Value::object([("secret", Value::string("s3cr3t-t0ken"))]);
            let pblock = Block::new().attribute(Attribute::string("secret").optional().sensitive());
            svc.configure(Request::new(pb::configure::Request {
                terraform_version: "1.11.4".into(),
                config: Some(pb::DynamicValue {
                    msgpack: codec::encode_block_msgpack(&pcfg, &pblock).unwrap(),
                    json: vec![],
                }),
                client_capabilities: None,
            }))
            .await
            .unwrap();
        });
    });
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for rpc in [
        "PlanResourceChange",
        "ApplyResourceChange",
        "ConfigureProvider",
    ] {
        assert!(logs.contains(rpc), "{rpc} missing from logs:\n{logs}");
    }
    assert!(logs.contains("fake_thing"), "type name missing:\n{logs}");
    assert!(
        !logs.contains("s3cr3t"),
        "a value leaked into the logs:\n{logs}"
    );
    assert!(
        !logs.contains("logged"),
        "a value leaked into the logs:\n{logs}"
    );
}
