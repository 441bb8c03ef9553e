//! Drives `ProviderService` directly (no network) with a small fake provider, covering every
//! RPC the service implements: schema conversion, msgpack through Plan/Apply/Read, unknowns,
//! requires_replace, diagnostics with attribute paths, Stop, and UpgradeResourceState.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use azureai::framework::codec;
use azureai::framework::plan::attributes_changed;
use azureai::framework::{
    ApplyRequest, ApplyResponse, AttrPath, Attribute, Block, Ctx, DataSource, Diagnostics,
    ImportResponse, ImportedResource, NestedBlock, Nesting, PlanRequest, PlanResponse, Provider,
    ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse, Resource, Schema, Type,
    UpgradeRequest, UpgradeResponse, Value,
};
use azureai::proto::tfplugin5 as pb;
use azureai::proto::tfplugin5::provider_server::Provider as _;
use azureai::protocol::ProviderService;
use pb::attribute_path::step::Selector;
use tonic::Request;

// ---------------------------------------------------------------------------------------------
// The fake provider

#[derive(Default)]
struct Counters {
    provider_schema: AtomicUsize,
    plans: AtomicUsize,
    applies: AtomicUsize,
    configures: AtomicUsize,
}

struct FakeProvider {
    schema: Schema,
    thing: Arc<FakeThing>,
    info: Arc<FakeInfo>,
    counters: Arc<Counters>,
    /// terraform_version of the last Configure
    configured: std::sync::Mutex<Option<(String, Value)>>,
}

struct FakeThing {
    schema: Schema,
    counters: Arc<Counters>,
}

struct FakeInfo {
    schema: Schema,
}

fn thing_schema() -> Schema {
    let rule = Block::new()
        .attribute(Attribute::number("port").required())
        .attribute(Attribute::string("protocol").optional_computed())
        .attribute(Attribute::string("rule_id").computed());
    Schema::new(
        1,
        Block::new()
            .description("A **fake** thing.")
            .attribute(
                Attribute::string("name")
                    .required()
                    .description("Its name."),
            )
            .attribute(Attribute::string("id").computed())
            .attribute(Attribute::number("size").optional())
            .attribute(Attribute::typed("tags", Type::set(Type::String)).optional())
            .attribute(Attribute::string_map("labels").optional())
            .attribute(Attribute::string("secret").optional().sensitive())
            .attribute(Attribute::string("old").optional().deprecated())
            .block(NestedBlock::list("rule", rule.clone()).max_items(3))
            .block(NestedBlock::new("set_rule", Nesting::Set, rule.clone()))
            .block(NestedBlock::new("map_rule", Nesting::Map, rule.clone()))
            .block(
                NestedBlock::single(
                    "settings",
                    Block::new().attribute(Attribute::bool("enabled").optional()),
                )
                .min_items(1)
                .max_items(1),
            )
            .block(NestedBlock::new(
                "group",
                Nesting::Group,
                Block::new().attribute(Attribute::string("note").optional()),
            )),
    )
}

fn new_provider() -> Arc<FakeProvider> {
    let counters = Arc::new(Counters::default());
    Arc::new(FakeProvider {
        schema: Schema::new(
            0,
            Block::new()
                .attribute(Attribute::string("endpoint").optional())
                .attribute(Attribute::string("client_secret").optional().sensitive()),
        ),
        thing: Arc::new(FakeThing {
            schema: thing_schema(),
            counters: counters.clone(),
        }),
        info: Arc::new(FakeInfo {
            schema: Schema::new(
                0,
                Block::new()
                    .attribute(Attribute::string("name").required())
                    .attribute(Attribute::number("value").computed()),
            ),
        }),
        counters,
        configured: std::sync::Mutex::new(None),
    })
}

#[async_trait]
impl Provider for FakeProvider {
    fn type_name(&self) -> &'static str {
        "fake"
    }
    fn schema(&self) -> &Schema {
        self.counters.provider_schema.fetch_add(1, Ordering::SeqCst);
        &self.schema
    }
    fn validate_config(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Some(e) = config.get("endpoint").as_str()
            && !e.starts_with("https://")
        {
            d.error_at(
                AttrPath::root("endpoint"),
                "Invalid endpoint",
                "Use an https:// URL.",
            );
        }
        d
    }
    async fn configure(&self, _ctx: &Ctx, config: &Value, terraform_version: &str) -> Diagnostics {
        self.counters.configures.fetch_add(1, Ordering::SeqCst);
        *self.configured.lock().unwrap() = Some((terraform_version.to_owned(), config.clone()));
        Diagnostics::new()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![self.thing.clone()]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![self.info.clone()]
    }
}

#[async_trait]
impl Resource for FakeThing {
    fn type_name(&self) -> &'static str {
        "fake_thing"
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Some(n) = config.get("name").as_str()
            && n.chars().any(|c| c.is_ascii_uppercase())
        {
            d.error_at(
                AttrPath::root("name"),
                "Invalid name",
                "Use lowercase letters only.",
            );
        }
        if let Some(labels) = config.get("labels").as_map()
            && labels.contains_key("reserved")
        {
            d.error_at(
                AttrPath::root("labels").key("reserved"),
                "Reserved label",
                "The key \"reserved\" is used by the provider.",
            );
        }
        for (i, r) in config
            .get("rule")
            .as_elements()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if r.get("port")
                .as_number()
                .and_then(|n| n.as_i64())
                .is_some_and(|p| p > 65535)
            {
                d.error_at(
                    AttrPath::root("rule").index(i).attr("port"),
                    "Invalid port",
                    "Ports are 1 to 65535.",
                );
            }
        }
        d
    }
    // The framework's plan from this schema (no declarations) marks computed attributes
    // unknown on create and keeps the proposed state on update; this adds the rest.
    async fn modify_plan(&self, _ctx: &Ctx, req: &PlanRequest, resp: &mut PlanResponse) {
        self.counters.plans.fetch_add(1, Ordering::SeqCst);
        let planned = &mut resp.planned_state;
        if planned.get("name").as_str() == Some("buggy") {
            // a provider bug: a string where the schema says number
            planned.set("size", Value::string("3 GB"));
        }
        resp.requires_replace = attributes_changed(&req.prior_state, planned, &["name", "tags"]);
    }
    async fn apply(&self, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        self.counters.applies.fetch_add(1, Ordering::SeqCst);
        if req.planned_state.is_null() {
            return ApplyResponse::default();
        }
        let mut state = fill_unknowns(
            &req.planned_state,
            req.planned_state.get("name").as_str().unwrap_or("x"),
        );
        if state.get("name").as_str() == Some("slow") {
            // waits until Terraform interrupts; a real resource would poll the API here
            tokio::select! {
                () = ctx.cancel.cancelled() => {
                    let mut d = Diagnostics::new();
                    d.error("Interrupted", "Terraform asked the provider to stop.");
                    state.set("id", Value::string("partial"));
                    return ApplyResponse { new_state: state, private: b"p".to_vec(), diagnostics: d };
                }
                () = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
        }
        ApplyResponse {
            new_state: state,
            private: b"applied".to_vec(),
            diagnostics: Diagnostics::new(),
        }
    }
    async fn read(&self, _ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        if req.current_state.get("id").as_str() == Some("gone") {
            return ReadResponse::default();
        }
        // private deliberately not echoed: the service must keep it
        ReadResponse {
            new_state: req.current_state,
            private: vec![],
            diagnostics: Diagnostics::new(),
        }
    }
    async fn import(&self, _ctx: &Ctx, id: &str) -> ImportResponse {
        let mut d = Diagnostics::new();
        if id.is_empty() {
            d.error("Invalid import ID", "Use the object's name.");
            return ImportResponse {
                imported: vec![],
                diagnostics: d,
            };
        }
        let state = Value::object([("id", Value::string(id)), ("name", Value::string(id))]);
        ImportResponse {
            imported: vec![ImportedResource {
                state,
                private: b"imp".to_vec(),
            }],
            diagnostics: d,
        }
    }
    fn upgrade(&self, req: UpgradeRequest) -> UpgradeResponse {
        let mut raw = req.raw_state;
        let mut diagnostics = Diagnostics::new();
        match req.version {
            // version 0 called the name `title`
            0 => {
                if let Some(o) = raw.as_object_mut()
                    && let Some(t) = o.remove("title")
                {
                    o.insert("name".into(), t);
                }
            }
            1 => {}
            v => diagnostics.error(
                "Unsupported state version",
                format!("version {v} is newer than this provider"),
            ),
        }
        UpgradeResponse {
            upgraded_state: raw,
            diagnostics,
        }
    }
}

/// Replaces unknowns with values derived from `name`, like an API filling computed fields.
fn fill_unknowns(v: &Value, name: &str) -> Value {
    match v {
        Value::Unknown => Value::string(format!("{name}-computed")),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let filled = match (k.as_str(), x) {
                        ("id", Value::Unknown) => Value::string(format!("id-{name}")),
                        _ => fill_unknowns(x, name),
                    };
                    (k.clone(), filled)
                })
                .collect(),
        ),
        Value::List(items) => Value::List(items.iter().map(|i| fill_unknowns(i, name)).collect()),
        Value::Set(items) => Value::Set(items.iter().map(|i| fill_unknowns(i, name)).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, i)| (k.clone(), fill_unknowns(i, name)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[async_trait]
impl DataSource for FakeInfo {
    fn type_name(&self) -> &'static str {
        "fake_info"
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get("name").as_str() == Some("") {
            d.error_at(AttrPath::root("name"), "Empty name", "Give a name.");
        }
        d
    }
    async fn read(&self, _ctx: &Ctx, req: ReadDataRequest) -> ReadDataResponse {
        let len = req.config.get("name").as_str().map_or(0, str::len);
        ReadDataResponse {
            state: Value::object([
                ("name", req.config.get("name").clone()),
                ("value", Value::int(len as i64)),
            ]),
            diagnostics: Diagnostics::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn service() -> (Arc<ProviderService>, Arc<FakeProvider>) {
    let p = new_provider();
    (Arc::new(ProviderService::new(p.clone())), p)
}

fn block() -> Block {
    thing_schema().block
}

fn dv(v: &Value, b: &Block) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: codec::encode_block_msgpack(v, b).unwrap(),
        json: vec![],
    })
}

fn undv(d: &Option<pb::DynamicValue>, b: &Block) -> Value {
    let d = d.as_ref().expect("a DynamicValue");
    assert!(!d.msgpack.is_empty(), "answers are msgpack");
    codec::decode_block_msgpack(&d.msgpack, b).unwrap()
}

fn s(x: &str) -> Value {
    Value::string(x)
}

/// A configuration of `fake_thing` as Terraform would send it (unset attributes null).
fn thing_config(name: &str) -> Value {
    let mut v = codec::empty_block_value(&block());
    v.set("name", s(name));
    v.set("size", Value::int(3));
    v.set("tags", Value::Set(vec![s("a"), s("b")]));
    v.set(
        "labels",
        Value::Map(BTreeMap::from([("team".into(), s("x"))])),
    );
    v.set(
        "rule",
        Value::List(vec![Value::object([
            ("port", Value::int(80)),
            ("protocol", Value::Null),
            ("rule_id", Value::Null),
        ])]),
    );
    v.set("settings", Value::object([("enabled", Value::Bool(true))]));
    v
}

fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

fn selectors(p: &Option<pb::AttributePath>) -> Vec<Selector> {
    p.as_ref()
        .expect("an attribute path")
        .steps
        .iter()
        .map(|s| s.selector.clone().unwrap())
        .collect()
}

async fn plan(
    svc: &ProviderService,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> pb::plan_resource_change::Response {
    let b = block();
    svc.plan_resource_change(Request::new(pb::plan_resource_change::Request {
        type_name: "fake_thing".into(),
        prior_state: dv(prior, &b),
        proposed_new_state: dv(proposed, &b),
        config: dv(config, &b),
        prior_private: b"prior".to_vec(),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn apply(
    svc: &ProviderService,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> pb::apply_resource_change::Response {
    let b = block();
    svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
        type_name: "fake_thing".into(),
        prior_state: dv(prior, &b),
        planned_state: dv(planned, &b),
        config: dv(config, &b),
        planned_private: b"planned".to_vec(),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
}

// ---------------------------------------------------------------------------------------------
// GetSchema / GetMetadata

#[tokio::test]
async fn get_schema_converts_every_schema_and_is_cached() {
    let (svc, p) = service();
    let r1 = svc
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    let r2 = svc
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r1, r2);
    assert_eq!(
        p.counters.provider_schema.load(Ordering::SeqCst),
        1,
        "built once per process"
    );
    assert!(r1.diagnostics.is_empty(), "{:?}", r1.diagnostics);
    let caps = r1.server_capabilities.unwrap();
    assert!(!caps.plan_destroy);
    assert!(
        caps.get_provider_schema_optional,
        "RPCs must not need a GetSchema first"
    );

    let provider = r1
        .provider
        .unwrap()
        .block
        .expect("provider schema always has a block");
    assert_eq!(provider.attributes.len(), 2);
    assert!(
        provider
            .attributes
            .iter()
            .any(|a| a.name == "client_secret" && a.sensitive && a.optional)
    );

    let thing = &r1.resource_schemas["fake_thing"];
    assert_eq!(thing.version, 1);
    let b = thing.block.as_ref().unwrap();
    assert_eq!(b.description, "A **fake** thing.");
    assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
    let attr = |n: &str| b.attributes.iter().find(|a| a.name == n).unwrap();
    assert!(attr("name").required && attr("name").description == "Its name.");
    assert!(attr("id").computed && !attr("id").optional);
    assert_eq!(attr("size").r#type, b"\"number\"");
    assert_eq!(attr("tags").r#type, br#"["set","string"]"#);
    assert_eq!(attr("labels").r#type, br#"["map","string"]"#);
    assert!(attr("secret").sensitive);
    assert!(attr("old").deprecated);
    use pb::schema::nested_block::NestingMode;
    let nb = |n: &str| b.block_types.iter().find(|x| x.type_name == n).unwrap();
    assert_eq!(
        (
            nb("rule").nesting,
            nb("rule").min_items,
            nb("rule").max_items
        ),
        (NestingMode::List as i32, 0, 3)
    );
    assert_eq!(nb("set_rule").nesting, NestingMode::Set as i32);
    assert_eq!(nb("map_rule").nesting, NestingMode::Map as i32);
    assert_eq!(
        (
            nb("settings").nesting,
            nb("settings").min_items,
            nb("settings").max_items
        ),
        (NestingMode::Single as i32, 1, 1)
    );
    assert_eq!(nb("group").nesting, NestingMode::Group as i32);
    let rule = nb("rule").block.as_ref().unwrap();
    assert!(
        rule.attributes
            .iter()
            .any(|a| a.name == "protocol" && a.optional && a.computed)
    );

    assert!(r1.data_source_schemas.contains_key("fake_info"));
}

#[tokio::test]
async fn get_metadata_lists_type_names() {
    let (svc, _) = service();
    let m = svc
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        m.resources
            .iter()
            .map(|r| r.type_name.as_str())
            .collect::<Vec<_>>(),
        ["fake_thing"]
    );
    assert_eq!(
        m.data_sources
            .iter()
            .map(|r| r.type_name.as_str())
            .collect::<Vec<_>>(),
        ["fake_info"]
    );
    assert!(m.server_capabilities.is_some());
}

#[tokio::test]
async fn unimplemented_rpcs_stay_unimplemented() {
    let (svc, _) = service();
    let e = svc
        .get_functions(Request::new(pb::get_functions::Request {}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unimplemented);
}

// ---------------------------------------------------------------------------------------------
// Provider config

#[tokio::test]
async fn prepare_provider_config_echoes_config_and_validates() {
    let (svc, p) = service();
    let pblock = p.schema.block.clone();
    let config = Value::object([("endpoint", s("http://x")), ("client_secret", Value::Null)]);
    let req = pb::prepare_provider_config::Request {
        config: dv(&config, &pblock),
    };
    let r = svc
        .prepare_provider_config(Request::new(req.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.prepared_config, req.config, "echoed unchanged");
    let e = errors(&r.diagnostics);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].summary, "Invalid endpoint");
    assert_eq!(
        selectors(&e[0].attribute),
        [Selector::AttributeName("endpoint".into())]
    );
    // an unknown endpoint (from another resource) is not validated
    let unknown = Value::object([("endpoint", Value::Unknown)]);
    let r = svc
        .prepare_provider_config(Request::new(pb::prepare_provider_config::Request {
            config: dv(&unknown, &pblock),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    // unset config → null, no diagnostics, echoed as unset
    let r = svc
        .prepare_provider_config(Request::new(pb::prepare_provider_config::Request {
            config: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty() && r.prepared_config.is_none());
}

#[tokio::test]
async fn configure_passes_config_and_terraform_version() {
    let (svc, p) = service();
    let pblock = p.schema.block.clone();
    let config = Value::object([("endpoint", s("https://e")), ("client_secret", s("shh"))]);
    let r = svc
        .configure(Request::new(pb::configure::Request {
            terraform_version: "1.11.4".into(),
            config: dv(&config, &pblock),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    let (version, got) = p.configured.lock().unwrap().clone().unwrap();
    assert_eq!(version, "1.11.4");
    assert_eq!(got, config);
}

// ---------------------------------------------------------------------------------------------
// Validation and diagnostics

#[tokio::test]
async fn validate_reports_diagnostics_with_attribute_paths() {
    let (svc, _) = service();
    let mut config = thing_config("Upper");
    config.set(
        "labels",
        Value::Map(BTreeMap::from([("reserved".into(), s("x"))])),
    );
    config.set(
        "rule",
        Value::List(vec![
            Value::object([("port", Value::int(80))]),
            Value::object([("port", Value::int(70000))]),
        ]),
    );
    let r = svc
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "fake_thing".into(),
            config: dv(&config, &block()),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    let paths: Vec<_> = r
        .diagnostics
        .iter()
        .map(|d| selectors(&d.attribute))
        .collect();
    assert_eq!(
        paths,
        vec![
            vec![Selector::AttributeName("name".into())],
            vec![
                Selector::AttributeName("labels".into()),
                Selector::ElementKeyString("reserved".into())
            ],
            vec![
                Selector::AttributeName("rule".into()),
                Selector::ElementKeyInt(1),
                Selector::AttributeName("port".into())
            ],
        ]
    );
    assert!(
        r.diagnostics
            .iter()
            .all(|d| d.severity == pb::diagnostic::Severity::Error as i32 && !d.detail.is_empty())
    );
}

#[tokio::test]
async fn validate_accepts_unknowns_in_config() {
    let (svc, _) = service();
    let mut config = thing_config("x");
    config.set("name", Value::Unknown);
    config.set("labels", Value::Unknown);
    config.set(
        "rule",
        Value::List(vec![Value::object([("port", Value::Unknown)])]),
    );
    let r = svc
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "fake_thing".into(),
            config: dv(&config, &block()),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[tokio::test]
async fn data_source_validate_and_read() {
    let (svc, p) = service();
    let b = p.info.schema.block.clone();
    let config = Value::object([("name", s("")), ("value", Value::Null)]);
    let r = svc
        .validate_data_source_config(Request::new(pb::validate_data_source_config::Request {
            type_name: "fake_info".into(),
            config: dv(&config, &b),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(
        selectors(&r.diagnostics[0].attribute),
        [Selector::AttributeName("name".into())]
    );

    let config = Value::object([("name", s("four")), ("value", Value::Null)]);
    let r = svc
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "fake_info".into(),
            config: dv(&config, &b),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(
        undv(&r.state, &b),
        Value::object([("name", s("four")), ("value", Value::int(4))])
    );
}

#[tokio::test]
async fn unknown_type_names_are_error_diagnostics() {
    let (svc, _) = service();
    let check = |diags: &[pb::Diagnostic], kind: &str| {
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].summary, format!("Unknown {kind} type"));
        assert!(diags[0].detail.contains("\"nope\""), "{}", diags[0].detail);
    };
    let r = svc
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "resource");
    assert!(
        r.diagnostics[0].detail.contains("fake_thing"),
        "lists the supported types"
    );
    let r = svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "resource");
    let r = svc
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "resource");
    let r = svc
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "resource");
    let r = svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "resource");
    let r = svc
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "resource");
    let r = svc
        .validate_data_source_config(Request::new(pb::validate_data_source_config::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "data source");
    let r = svc
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    check(&r.diagnostics, "data source");
}

#[tokio::test]
async fn undecodable_values_are_error_diagnostics() {
    let (svc, p) = service();
    let garbage = Some(pb::DynamicValue {
        msgpack: vec![0x81, 0xa4, b'n', b'a'],
        json: vec![],
    });
    let r = svc
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "fake_thing".into(),
            config: garbage.clone(),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&r.diagnostics).len(), 1);
    assert_eq!(
        r.diagnostics[0].summary,
        "Invalid value received from Terraform"
    );
    // a wrongly typed attribute: the detail names the path, never the value
    let wrong = Value::object([("name", Value::Bool(true))]);
    let wrong_type = Block::new().attribute(Attribute::bool("name").optional());
    let r = plan(&svc, &Value::Null, &Value::Null, &Value::Null).await;
    assert!(r.diagnostics.is_empty());
    let r = svc
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "fake_thing".into(),
            proposed_new_state: dv(&wrong, &wrong_type),
            config: dv(&wrong, &wrong_type),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&r.diagnostics).len(), 2, "{:?}", r.diagnostics);
    assert!(
        r.diagnostics[0]
            .detail
            .contains("at name: expected a string, found a bool"),
        "{}",
        r.diagnostics[0].detail
    );
    assert_eq!(
        p.counters.plans.load(Ordering::SeqCst),
        0,
        "the resource is not called with bad input"
    );
    // JSON fallback with garbage
    let r = svc
        .configure(Request::new(pb::configure::Request {
            terraform_version: "1.0.3".into(),
            config: Some(pb::DynamicValue {
                msgpack: vec![],
                json: b"{\"endpoint\": 12}".to_vec(),
            }),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&r.diagnostics).len(), 1);
    assert_eq!(p.counters.configures.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------------------------
// Plan / Apply / Read / Import

#[tokio::test]
async fn create_round_trips_through_plan_apply_and_read() {
    let (svc, _) = service();
    let b = block();
    let config = thing_config("web");

    let planned = plan(&svc, &Value::Null, &config, &config).await;
    assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
    assert!(!planned.legacy_type_system);
    assert!(
        planned.requires_replace.is_empty(),
        "nothing to replace on create"
    );
    assert_eq!(planned.planned_private, b"prior");
    // computed attributes are unknown on the wire: ext 0, exactly as go-cty writes it
    let raw = &planned.planned_state.as_ref().unwrap().msgpack;
    assert!(
        raw.windows(5).any(|w| w == [0xa2, b'i', b'd', 0xd4, 0x00]),
        "id is written as fixext1 ext 0"
    );
    let pv = undv(&planned.planned_state, &b);
    assert_eq!(pv.get("id"), &Value::Unknown);
    assert_eq!(pv.get("name"), &s("web"));
    assert_eq!(pv.get("tags"), &Value::Set(vec![s("a"), s("b")]));
    let rule0 = &pv.get("rule").as_elements().unwrap()[0];
    assert_eq!(
        (rule0.get("protocol"), rule0.get("rule_id")),
        (&Value::Unknown, &Value::Unknown)
    );
    assert_eq!(
        pv.get("group"),
        &Value::object([("note", Value::Null)]),
        "group block never null"
    );
    assert_eq!(
        pv.get("settings"),
        &Value::object([("enabled", Value::Bool(true))])
    );

    let applied = apply(&svc, &Value::Null, &pv, &config).await;
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    assert_eq!(applied.private, b"applied");
    let state = undv(&applied.new_state, &b);
    assert!(state.is_wholly_known());
    assert_eq!(state.get("id"), &s("id-web"));
    assert_eq!(
        state.get("rule").as_elements().unwrap()[0].get("protocol"),
        &s("web-computed")
    );
    assert_eq!(state.get("size"), &Value::int(3));
    assert_eq!(state.get("labels"), config.get("labels"));

    let read = svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "fake_thing".into(),
            current_state: dv(&state, &b),
            private: b"applied".to_vec(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty());
    assert_eq!(undv(&read.new_state, &b), state);
    assert_eq!(
        read.private, b"applied",
        "private kept when the resource leaves it empty"
    );
}

#[tokio::test]
async fn update_reports_requires_replace_paths() {
    let (svc, _) = service();
    let b = block();
    let config = thing_config("web");
    let pv = undv(
        &plan(&svc, &Value::Null, &config, &config)
            .await
            .planned_state,
        &b,
    );
    let prior = undv(&apply(&svc, &Value::Null, &pv, &config).await.new_state, &b);

    // reordered set, same name: an in-place update with nothing to replace
    let mut same = prior.clone();
    same.set("tags", Value::Set(vec![s("b"), s("a")]));
    same.set("size", Value::int(4));
    let r = plan(&svc, &prior, &same, &same).await;
    assert!(r.requires_replace.is_empty(), "{:?}", r.requires_replace);
    assert_eq!(undv(&r.planned_state, &b).get("size"), &Value::int(4));

    let mut renamed = prior.clone();
    renamed.set("name", s("web2"));
    renamed.set("tags", Value::Set(vec![s("a")]));
    let r = plan(&svc, &prior, &renamed, &renamed).await;
    let paths: Vec<_> = r
        .requires_replace
        .iter()
        .map(|p| selectors(&Some(p.clone())))
        .collect();
    assert_eq!(
        paths,
        vec![
            vec![Selector::AttributeName("name".into())],
            vec![Selector::AttributeName("tags".into())]
        ]
    );
}

#[tokio::test]
async fn destroy_plans_null_without_the_resource_and_applies_null() {
    let (svc, p) = service();
    let b = block();
    let prior = thing_config("web");
    let r = plan(&svc, &prior, &Value::Null, &Value::Null).await;
    assert!(r.diagnostics.is_empty());
    assert_eq!(
        r.planned_state.as_ref().unwrap().msgpack,
        vec![0xc0],
        "null plan is msgpack nil"
    );
    assert_eq!(r.planned_private, b"prior");
    assert_eq!(p.counters.plans.load(Ordering::SeqCst), 0);

    let r = apply(&svc, &prior, &Value::Null, &Value::Null).await;
    assert!(r.diagnostics.is_empty());
    assert_eq!(undv(&r.new_state, &b), Value::Null);
    assert_eq!(
        p.counters.applies.load(Ordering::SeqCst),
        1,
        "the resource performs the delete"
    );
}

#[tokio::test]
async fn read_of_a_vanished_object_is_null() {
    let (svc, _) = service();
    let b = block();
    let mut state = thing_config("web");
    state.set("id", s("gone"));
    let r = svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "fake_thing".into(),
            current_state: dv(&state, &b),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.new_state.unwrap().msgpack, vec![0xc0]);
}

#[tokio::test]
async fn import_returns_typed_objects() {
    let (svc, _) = service();
    let b = block();
    let r = svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "fake_thing".into(),
            id: "web".into(),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.imported_resources.len(), 1);
    let imp = &r.imported_resources[0];
    assert_eq!(imp.type_name, "fake_thing");
    assert_eq!(imp.private, b"imp");
    let state = undv(&imp.state, &b);
    assert_eq!((state.get("id"), state.get("name")), (&s("web"), &s("web")));
    assert_eq!(state.get("size"), &Value::Null, "every attribute present");

    let r = svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "fake_thing".into(),
            id: String::new(),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.imported_resources.is_empty());
    assert_eq!(errors(&r.diagnostics)[0].summary, "Invalid import ID");
}

// ---------------------------------------------------------------------------------------------
// UpgradeResourceState

async fn upgrade(
    svc: &ProviderService,
    version: i64,
    raw: pb::RawState,
) -> pb::upgrade_resource_state::Response {
    svc.upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
        type_name: "fake_thing".into(),
        version,
        raw_state: Some(raw),
    }))
    .await
    .unwrap()
    .into_inner()
}

#[tokio::test]
async fn upgrade_turns_stored_json_into_schema_typed_msgpack() {
    let (svc, _) = service();
    let b = block();
    // numbers as number and as string, a set stored as a JSON array, a removed attribute,
    // and version 0's `title` renamed by the resource
    let json = serde_json::json!({
        "title": "old",
        "id": "i-1",
        "size": "12",
        "tags": ["z", "y"],
        "labels": {"a": "b"},
        "removed_long_ago": true,
        "rule": [{"port": 443, "protocol": "tcp", "rule_id": "r"}],
        "settings": {"enabled": false},
        "group": null
    });
    let r = upgrade(
        &svc,
        0,
        pb::RawState {
            json: serde_json::to_vec(&json).unwrap(),
            flatmap: Default::default(),
        },
    )
    .await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let d = r.upgraded_state.as_ref().unwrap();
    assert!(
        d.json.is_empty() && !d.msgpack.is_empty(),
        "answered as msgpack, not the stored JSON"
    );
    let v = undv(&r.upgraded_state, &b);
    assert_eq!(v.get("name"), &s("old"));
    assert_eq!(v.get("size"), &Value::int(12));
    assert_eq!(v.get("tags"), &Value::Set(vec![s("z"), s("y")]));
    assert_eq!(
        v.get("rule").as_elements().unwrap()[0].get("port"),
        &Value::int(443)
    );
    assert_eq!(v.get("group"), &Value::object([("note", Value::Null)]));
    assert_eq!(v.get("set_rule"), &Value::Null);

    // current version passes through
    let r = upgrade(
        &svc,
        1,
        pb::RawState {
            json: br#"{"name":"n","size":1.5}"#.to_vec(),
            flatmap: Default::default(),
        },
    )
    .await;
    assert!(r.diagnostics.is_empty());
    assert_eq!(
        undv(&r.upgraded_state, &b).get("size"),
        &Value::Number(azureai::framework::Number::Float(1.5))
    );
}

#[tokio::test]
async fn upgrade_failures_are_diagnostics() {
    let (svc, _) = service();
    let flat = pb::RawState {
        json: vec![],
        flatmap: [("id".to_string(), "x".to_string())].into(),
    };
    let r = upgrade(&svc, 0, flat).await;
    assert_eq!(
        errors(&r.diagnostics)[0].summary,
        "Unsupported state format"
    );
    assert!(r.upgraded_state.is_none());

    let r = upgrade(
        &svc,
        1,
        pb::RawState {
            json: b"{not json".to_vec(),
            flatmap: Default::default(),
        },
    )
    .await;
    assert_eq!(errors(&r.diagnostics)[0].summary, "Invalid stored state");

    let r = upgrade(
        &svc,
        7,
        pb::RawState {
            json: b"{}".to_vec(),
            flatmap: Default::default(),
        },
    )
    .await;
    assert_eq!(
        errors(&r.diagnostics)[0].summary,
        "Unsupported state version"
    );

    let r = upgrade(
        &svc,
        1,
        pb::RawState {
            json: br#"{"size": "twelve"}"#.to_vec(),
            flatmap: Default::default(),
        },
    )
    .await;
    let e = errors(&r.diagnostics);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].detail.contains("at size: expected a number"),
        "{}",
        e[0].detail
    );
    assert!(
        !e[0].detail.contains("twelve"),
        "values never appear in diagnostics"
    );

    // no stored state at all → null
    let r = upgrade(&svc, 1, pb::RawState::default()).await;
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.upgraded_state.unwrap().msgpack, vec![0xc0]);
}

// ---------------------------------------------------------------------------------------------
// Stop

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_answers_at_once_and_cancels_an_inflight_apply() {
    let (svc, _) = service();
    let b = block();
    let config = thing_config("slow");
    let pv = undv(
        &plan(&svc, &Value::Null, &config, &config)
            .await
            .planned_state,
        &b,
    );
    let running = {
        let svc = svc.clone();
        let pv = pv.clone();
        tokio::spawn(async move { apply(&svc, &Value::Null, &pv, &config).await })
    };
    // let the apply reach its wait
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!running.is_finished(), "apply waits until stopped");
    let stopped = tokio::time::timeout(
        Duration::from_secs(1),
        svc.stop(Request::new(pb::stop::Request {})),
    )
    .await
    .expect("Stop answers at once")
    .unwrap()
    .into_inner();
    assert_eq!(stopped.error, "");
    let applied = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("apply returns after Stop")
        .unwrap();
    assert_eq!(errors(&applied.diagnostics)[0].summary, "Interrupted");
    // the partial state survives the interruption
    assert_eq!(undv(&applied.new_state, &b).get("id"), &s("partial"));
    assert_eq!(applied.private, b"p");
}

#[tokio::test]
async fn values_that_do_not_fit_the_schema_are_reported_as_provider_bugs() {
    let (svc, _) = service();
    let config = thing_config("buggy");
    let r = plan(&svc, &Value::Null, &config, &config).await;
    let e = errors(&r.diagnostics);
    assert_eq!(e.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(e[0].summary, "Provider produced an invalid value");
    assert!(
        e[0].detail
            .contains("at size: expected a number, found a string"),
        "{}",
        e[0].detail
    );
    assert!(
        e[0].detail.contains("bug in the provider"),
        "{}",
        e[0].detail
    );
    assert!(
        !e[0].detail.contains("3 GB"),
        "values never appear in diagnostics"
    );
    assert!(r.planned_state.is_none());
}
