//! Schemas of the provider, resources and data sources, with a small builder.
//!
//! An argument declares, beside its type and description, what the framework does with it
//! (in the spirit of terraform-plugin-framework's validators and plan modifiers):
//!
//! ```ignore
//! Attribute::string("image").required().requires_replace().validate_str(rules::image)
//! Attribute::string("cpu").optional_computed().default(DEFAULT_CPU).requires_replace()
//!     .equivalent_str(cpu_equivalent)
//! Attribute::bool("force_delete").optional_computed().default(false).state_only()
//! ```
//!
//! - `validate`: run by the framework on every configuration (`framework::validate`), never
//!   with a null or unknown value, with the attribute's path (list elements included);
//! - `default`: planned when the configuration leaves the argument null (and stated in the
//!   description, so the docs cannot disagree);
//! - `equivalent`: two spellings that mean the same (`2Gi` and `2048Mi`): the plan keeps the
//!   prior spelling and does not replace;
//! - `requires_replace`: a change replaces the object;
//! - `state_only`: a change only rewrites Terraform's state (nothing to send; e.g. a flag that
//!   steers a later delete, or the timeouts block);
//! - `write_only`: Terraform (1.11 and later) hands the value to the provider in the
//!   configuration and never stores it in a plan or the state; the framework plans and answers
//!   null for it in every plan and state, whatever Terraform asks, and refuses a value from a
//!   Terraform that does not announce the capability (`framework::validate::write_only`).
//!   Terraform cannot see a change of a value it never stores, so a write-only argument takes
//!   no change rule; a companion argument (`*_version`) carries the change.
//!
//! A resource without an update call must give every argument `requires_replace` or
//! `state_only`; [`internal_validate`] (run over every resource by
//! `tests/protocol_azureai_schema.rs`) refuses anything else, as terraform-plugin-sdk refuses
//! "No Update defined, must set ForceNew on: ...". `framework::plan::from_schema` turns the
//! declarations into a plan.
//!
//! Descriptions are markdown: the docs generator renders them verbatim into the registry
//! pages, and Terraform shows them in `terraform providers schema -json`.

use std::sync::{Arc, OnceLock};

use super::diag::{AttrPath, Diagnostics};
use super::value::{Type, Value};

/// A versioned schema: the version reaches `UpgradeResourceState` with old state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

/// A configuration block: attributes plus nested blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
    /// [`Block::value_type`], derived once: every decoded and encoded value needs it, and
    /// building it allocates a map per nested block. Reset by the builder methods.
    value_type: TypeCache,
}

/// A lazily computed type that takes no part in comparing blocks.
#[derive(Clone, Default)]
struct TypeCache(OnceLock<Type>);

impl PartialEq for TypeCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for TypeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypeCache")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
    /// Write-only (tfplugin5 `Schema.Attribute.write_only`, Terraform 1.11): the value arrives
    /// in the configuration only and is null in every plan and state the provider answers.
    pub write_only: bool,
    /// What a change to this argument does; see [`OnChange`].
    pub on_change: OnChange,
    /// Planned when the configuration leaves the argument null (optional+computed only).
    pub default: Option<Value>,
    pub validators: Vec<Validator>,
    /// Semantic equality of two values; `None` means [`crate::framework::plan::semantically_equal`].
    pub equivalence: Option<Equivalence>,
}

/// What a change to an argument does in a plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnChange {
    /// Not declared: an in-place update, which a resource with an update call sends to the
    /// service. A resource without one refuses it ([`internal_validate`]).
    #[default]
    Update,
    /// The object is replaced (tfplugin5 `requires_replace`).
    Replace,
    /// Only Terraform's state changes; there is nothing to send.
    StateOnly,
}

/// The function behind a [`Validator`].
type ValidateFn = dyn Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync;
/// The function behind an [`Equivalence`].
type EquivalentFn = dyn Fn(&Value, &Value) -> bool + Send + Sync;

/// A check of one argument's value: gets the value (never null, never unknown at the top; its
/// elements may be unknown) and the path to report at.
#[derive(Clone)]
pub struct Validator(Arc<ValidateFn>);

impl Validator {
    pub fn new(f: impl Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync + 'static) -> Self {
        Validator(Arc::new(f))
    }
    pub fn run(&self, value: &Value, at: &AttrPath, diags: &mut Diagnostics) {
        (self.0)(value, at, diags)
    }
}

/// Whether two values of an argument mean the same thing.
#[derive(Clone)]
pub struct Equivalence(Arc<EquivalentFn>);

impl Equivalence {
    pub fn new(f: impl Fn(&Value, &Value) -> bool + Send + Sync + 'static) -> Self {
        Equivalence(Arc::new(f))
    }
    pub fn holds(&self, a: &Value, b: &Value) -> bool {
        (self.0)(a, b)
    }
}

// Behaviour takes no part in comparing or printing schemas beyond its identity.
impl PartialEq for Validator {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl PartialEq for Equivalence {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Validator")
    }
}
impl std::fmt::Debug for Equivalence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Equivalence")
    }
}

/// How a nested block repeats (tfplugin5 `NestingMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
    Group,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
    /// What a change to the block (any of its values) does.
    pub on_change: OnChange,
    /// Checks of the whole block value (e.g. no two list elements alike).
    pub validators: Vec<Validator>,
    pub equivalence: Option<Equivalence>,
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Self {
        Schema { version, block }
    }
}

impl Block {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn description(mut self, md: impl Into<String>) -> Self {
        self.description = md.into();
        self
    }
    /// Adds an attribute, completing its description with what the schema declares (its
    /// default), so the documentation states what the plan does.
    pub fn attribute(mut self, mut a: Attribute) -> Self {
        if let Some(text) = a.default.as_ref().and_then(default_text) {
            let sentence = format!("Default `{text}`.");
            if !a.description.contains(&sentence) {
                let sep = if a.description.is_empty() { "" } else { " " };
                a.description = format!("{}{sep}{sentence}", a.description.trim_end());
            }
        }
        self.attributes.push(a);
        self.value_type = TypeCache::default();
        self
    }
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self.value_type = TypeCache::default();
        self
    }
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn find_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// Top-level arguments: attributes the configuration may set, and nested blocks.
    pub fn arguments(&self) -> impl Iterator<Item = Argument<'_>> {
        self.attributes
            .iter()
            .filter(|a| a.required || a.optional)
            .map(Argument::Attribute)
            .chain(self.blocks.iter().map(Argument::Block))
    }

    /// The write-only attributes (top level only: [`internal_validate`] refuses them in
    /// nested blocks).
    pub fn write_only_attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.attributes.iter().filter(|a| a.write_only)
    }

    /// `value` with every write-only attribute null: what a plan or state may hold. Null and
    /// unknown values (no object) are returned as they are.
    pub fn without_write_only(&self, mut value: Value) -> Value {
        if matches!(value, Value::Object(_)) {
            for a in self.write_only_attributes() {
                value.set(&a.name, Value::Null);
            }
        }
        value
    }

    /// Attributes only the provider sets (computed, not optional).
    pub fn computed_only(&self) -> impl Iterator<Item = &Attribute> {
        self.attributes.iter().filter(|a| a.computed && !a.optional)
    }

    /// Whether `a` and `b` mean the same value of the argument `name` (its declared
    /// equivalence, else semantic equality; an unknown equals nothing).
    pub fn equivalent(&self, name: &str, a: &Value, b: &Value) -> bool {
        if !a.is_wholly_known() || !b.is_wholly_known() {
            return false;
        }
        let declared = self
            .find_attribute(name)
            .and_then(|x| x.equivalence.as_ref())
            .or_else(|| self.find_block(name).and_then(|x| x.equivalence.as_ref()));
        match declared {
            Some(e) => e.holds(a, b),
            None => super::plan::semantically_equal(a, b),
        }
    }

    /// The value of an empty configuration, as Terraform sends it: every attribute null,
    /// list and set blocks empty, single blocks null.
    pub fn null_value(&self) -> Value {
        let mut v = Value::object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), Value::Null)),
        );
        for b in &self.blocks {
            let empty = match b.nesting {
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
                Nesting::Map => Value::Map(Default::default()),
                Nesting::Single | Nesting::Group => Value::Null,
            };
            v.set(&b.name, empty);
        }
        v
    }

    /// The same shape (names, types, flags, descriptions) without any declared behaviour:
    /// no validators, defaults, equivalences or change rules. For the benchmark's floor.
    pub fn without_rules(&self) -> Block {
        let mut b = self.clone();
        for a in &mut b.attributes {
            a.on_change = OnChange::Update;
            a.default = None;
            a.validators.clear();
            a.equivalence = None;
        }
        for nb in &mut b.blocks {
            nb.on_change = OnChange::Update;
            nb.validators.clear();
            nb.equivalence = None;
            nb.block = nb.block.without_rules();
        }
        b
    }

    /// The object type a value of this block has (attributes plus nested blocks), used by
    /// the codec to decode block values.
    pub fn value_type(&self) -> &Type {
        self.value_type.0.get_or_init(|| self.derive_value_type())
    }

    fn derive_value_type(&self) -> Type {
        let mut attrs: std::collections::BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for b in &self.blocks {
            let inner = b.block.value_type().clone();
            let t = match b.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
                Nesting::Map => Type::map(inner),
            };
            attrs.insert(b.name.clone(), t);
        }
        Type::Object(attrs)
    }
}

/// A top-level argument of a block: an attribute the configuration sets, or a nested block.
#[derive(Clone, Copy, Debug)]
pub enum Argument<'a> {
    Attribute(&'a Attribute),
    Block(&'a NestedBlock),
}

impl Argument<'_> {
    pub fn name(&self) -> &str {
        match self {
            Argument::Attribute(a) => &a.name,
            Argument::Block(b) => &b.name,
        }
    }
    pub fn on_change(&self) -> OnChange {
        match self {
            Argument::Attribute(a) => a.on_change,
            Argument::Block(b) => b.on_change,
        }
    }
    /// A write-only attribute (never stored, so it takes no change rule).
    pub fn is_write_only(&self) -> bool {
        matches!(self, Argument::Attribute(a) if a.write_only)
    }
}

/// How a default reads in a description (`1`, `2Gi`, `false`, `["responses"]`).
fn default_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::List(items) | Value::Set(items) => {
            let shown = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Some(format!("{s:?}")),
                    other => default_text(other),
                })
                .collect::<Option<Vec<_>>>()?;
            Some(format!("[{}]", shown.join(", ")))
        }
        _ => None,
    }
}

impl Schema {
    /// Arguments a resource without an update call leaves undecided (neither replaced nor
    /// state-only), by name. See [`internal_validate`].
    pub fn undecided_arguments(&self) -> Vec<String> {
        self.block
            .arguments()
            .filter(|a| a.on_change() == OnChange::Update && !a.is_write_only())
            .map(|a| a.name().to_owned())
            .collect()
    }
}

/// The schema mistakes a resource must not ship, one message each (empty when sound), in the
/// spirit of terraform-plugin-sdk's `InternalValidate`:
/// - without an update call (`has_update` false), every argument is `requires_replace` or
///   `state_only` — otherwise a change plans as an update that never reaches the service;
/// - a default belongs to an optional+computed attribute (Terraform lets the provider choose
///   only computed values);
/// - a computed-only attribute takes no change rule, default or validator (the user never
///   sets it);
/// - a write-only attribute is optional or required, never computed, takes no default and no
///   change rule (Terraform never stores it, so no change of it can be seen), and sits at the
///   top level of the resource (the plan and state nulling looks there).
/// - with an update call, a `timeouts` block declares an `update` timeout (the update's calls
///   would otherwise run under a fallback nobody chose or documented).
pub fn internal_validate(type_name: &str, schema: &Schema, has_update: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if has_update
        && let Some(t) = schema.block.find_block("timeouts")
        && t.block.find_attribute("update").is_none()
    {
        problems.push(format!(
            "{type_name} has an update call, so its timeouts block declares an update timeout (Timeouts::update)"
        ));
    }
    if !has_update {
        let undecided = schema.undecided_arguments();
        if !undecided.is_empty() {
            problems.push(format!(
                "{type_name} has no update call, so every argument must be requires_replace() or state_only(); undecided: {}",
                undecided.join(", ")
            ));
        }
    }
    check_block(type_name, &schema.block, &mut problems);
    problems
}

fn check_block(at: &str, block: &Block, problems: &mut Vec<String>) {
    check_attributes(at, block, problems);
    for b in &block.blocks {
        let here = format!("{at}.{}", b.name);
        for a in b.block.write_only_attributes() {
            problems.push(format!(
                "{here}.{}: write-only attributes are supported at the top level of a resource only",
                a.name
            ));
        }
        check_block(&here, &b.block, problems);
    }
}

fn check_attributes(at: &str, block: &Block, problems: &mut Vec<String>) {
    for a in block.write_only_attributes() {
        let here = format!("{at}.{}", a.name);
        if a.computed || !(a.optional || a.required) {
            problems.push(format!(
                "{here}: a write-only attribute is optional or required, never computed"
            ));
        }
        if a.default.is_some() || a.on_change != OnChange::Update {
            problems.push(format!(
                "{here}: write-only, so Terraform never stores it: drop its default and change rule (a companion argument carries the change)"
            ));
        }
    }
    for a in &block.attributes {
        let here = format!("{at}.{}", a.name);
        if a.default.is_some() && !(a.optional && a.computed) {
            problems.push(format!(
                "{here}: a default needs an optional+computed attribute"
            ));
        }
        if a.computed
            && !a.optional
            && (a.on_change != OnChange::Update || a.default.is_some() || !a.validators.is_empty())
        {
            problems.push(format!(
                "{here}: computed-only, so the configuration never sets it; drop its change rule, default and validators"
            ));
        }
    }
}

impl Attribute {
    fn new(name: &str, ty: Type) -> Self {
        Attribute {
            name: name.to_owned(),
            ty,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
            write_only: false,
            on_change: OnChange::Update,
            default: None,
            validators: Vec::new(),
            equivalence: None,
        }
    }
    pub fn string(name: &str) -> Self {
        Self::new(name, Type::String)
    }
    pub fn bool(name: &str) -> Self {
        Self::new(name, Type::Bool)
    }
    pub fn number(name: &str) -> Self {
        Self::new(name, Type::Number)
    }
    pub fn typed(name: &str, ty: Type) -> Self {
        Self::new(name, ty)
    }
    pub fn string_map(name: &str) -> Self {
        Self::new(name, Type::map(Type::String))
    }
    pub fn string_list(name: &str) -> Self {
        Self::new(name, Type::list(Type::String))
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    /// Optional, and filled by the provider when the user leaves it unset.
    pub fn optional_computed(mut self) -> Self {
        self.optional = true;
        self.computed = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    /// Write-only: see the module documentation. Resources only, top level only.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    pub fn description(mut self, md: impl Into<String>) -> Self {
        self.description = md.into();
        self
    }
    /// A change to this argument replaces the object.
    pub fn requires_replace(mut self) -> Self {
        self.on_change = OnChange::Replace;
        self
    }
    /// A change to this argument only rewrites Terraform's state: nothing is sent.
    pub fn state_only(mut self) -> Self {
        self.on_change = OnChange::StateOnly;
        self
    }
    /// Planned when the configuration leaves the argument null. The argument must be
    /// optional+computed; the description gains "Default `…`." when the block is built.
    /// Defaults follow the configuration, not the prior state: removing the argument from the
    /// configuration plans the default again.
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self
    }
    /// A check of the value; see [`Validator`].
    pub fn validate(
        mut self,
        f: impl Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync + 'static,
    ) -> Self {
        self.validators.push(Validator::new(f));
        self
    }
    /// A check of a string value (values of other types are left to Terraform's type checks).
    pub fn validate_str(
        self,
        f: impl Fn(&str, &AttrPath, &mut Diagnostics) + Send + Sync + 'static,
    ) -> Self {
        self.validate(move |v, at, d| {
            if let Some(s) = v.as_str() {
                f(s, at, d)
            }
        })
    }
    /// Semantic equality of two values: the plan keeps the prior value when the new one is
    /// equivalent, and an equivalent value never replaces the object.
    pub fn equivalent(
        mut self,
        f: impl Fn(&Value, &Value) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.equivalence = Some(Equivalence::new(f));
        self
    }
    /// [`Attribute::equivalent`] for strings: equal, or `f` says they mean the same. Other
    /// values compare semantically.
    pub fn equivalent_str(self, f: fn(&str, &str) -> bool) -> Self {
        self.equivalent(move |a, b| match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x == y || f(x, y),
            _ => super::plan::semantically_equal(a, b),
        })
    }
}

impl NestedBlock {
    pub fn new(name: &str, nesting: Nesting, block: Block) -> Self {
        NestedBlock {
            name: name.to_owned(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
            on_change: OnChange::Update,
            validators: Vec::new(),
            equivalence: None,
        }
    }
    /// A change to any value in the block replaces the object.
    pub fn requires_replace(mut self) -> Self {
        self.on_change = OnChange::Replace;
        self
    }
    /// A change to the block only rewrites Terraform's state.
    pub fn state_only(mut self) -> Self {
        self.on_change = OnChange::StateOnly;
        self
    }
    /// A check of the whole block value (a list, set or map of objects, or one object).
    pub fn validate(
        mut self,
        f: impl Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync + 'static,
    ) -> Self {
        self.validators.push(Validator::new(f));
        self
    }
    /// Semantic equality of two block values (e.g. a list whose order carries no meaning).
    pub fn equivalent(
        mut self,
        f: impl Fn(&Value, &Value) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.equivalence = Some(Equivalence::new(f));
        self
    }
    pub fn list(name: &str, block: Block) -> Self {
        Self::new(name, Nesting::List, block)
    }
    pub fn single(name: &str, block: Block) -> Self {
        Self::new(name, Nesting::Single, block)
    }
    pub fn min_items(mut self, n: i64) -> Self {
        self.min_items = n;
        self
    }
    pub fn max_items(mut self, n: i64) -> Self {
        self.max_items = n;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_validate_names_each_mistake() {
        let block = Block::new()
            .attribute(Attribute::string("id").computed())
            .attribute(Attribute::string("name").required().requires_replace())
            .attribute(Attribute::string("size").optional().default("1"))
            .attribute(Attribute::string("status").computed().requires_replace())
            .attribute(
                Attribute::bool("force")
                    .optional_computed()
                    .default(false)
                    .state_only(),
            )
            .block(NestedBlock::single("timeouts", Block::new()).state_only());
        let schema = Schema::new(0, block);
        assert_eq!(
            internal_validate("t", &schema, true)
                .first()
                .map(String::as_str),
            Some(
                "t has an update call, so its timeouts block declares an update timeout (Timeouts::update)"
            )
        );
        let problems = internal_validate("t", &schema, false);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].ends_with("undecided: size"), "{}", problems[0]);
        assert!(
            problems[1].starts_with("t.size: a default"),
            "{}",
            problems[1]
        );
        assert!(
            problems[2].starts_with("t.status: computed-only"),
            "{}",
            problems[2]
        );
    }

    #[test]
    fn write_only_arguments_take_no_change_rule_and_stay_at_the_top() {
        let ok = Block::new()
            .attribute(Attribute::string("name").required().requires_replace())
            .attribute(Attribute::string_map("secret_wo").optional().write_only());
        assert!(
            internal_validate("t", &Schema::new(0, ok.clone()), false).is_empty(),
            "a write-only argument is exempt from requires_replace/state_only"
        );
        let bad = Block::new()
            .attribute(
                Attribute::string("a_wo")
                    .optional_computed()
                    .write_only()
                    .requires_replace(),
            )
            .block(
                NestedBlock::single(
                    "inner",
                    Block::new().attribute(Attribute::string("b_wo").optional().write_only()),
                )
                .state_only(),
            );
        let problems = internal_validate("t", &Schema::new(0, bad), false);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].starts_with("t.a_wo: a write-only attribute is optional or required"));
        assert!(problems[1].starts_with("t.a_wo: write-only, so Terraform never stores it"));
        assert!(
            problems[2]
                .starts_with("t.inner.b_wo: write-only attributes are supported at the top level")
        );
        let mut v = ok.null_value();
        v.set("name", Value::string("n"));
        v.set("secret_wo", Value::Unknown);
        let cleared = ok.without_write_only(v);
        assert_eq!(cleared.get("secret_wo"), &Value::Null);
        assert_eq!(cleared.get("name"), &Value::string("n"));
        assert_eq!(ok.without_write_only(Value::Null), Value::Null);
    }

    #[test]
    fn defaults_are_stated_in_the_description_once() {
        let b = Block::new()
            .attribute(
                Attribute::string("cpu")
                    .optional_computed()
                    .description("Cores.")
                    .default("1"),
            )
            .attribute(Attribute::bool("f").optional_computed().default(false));
        assert_eq!(b.attributes[0].description, "Cores. Default `1`.");
        assert_eq!(b.attributes[1].description, "Default `false`.");
        let set = Block::new().attribute(
            Attribute::typed("p", Type::set(Type::String))
                .optional_computed()
                .default(Value::Set(vec![Value::string("responses")])),
        );
        assert_eq!(set.attributes[0].description, "Default `[\"responses\"]`.");
        let again = Block::new().attribute(b.attributes[0].clone());
        assert_eq!(again.attributes[0].description, "Cores. Default `1`.");
    }

    #[test]
    fn without_rules_keeps_the_shape_only() {
        let b = Block::new()
            .attribute(
                Attribute::string("cpu")
                    .optional_computed()
                    .default("1")
                    .requires_replace(),
            )
            .block(
                NestedBlock::list("p", Block::new())
                    .requires_replace()
                    .validate(|_, _, _| {}),
            );
        let bare = b.without_rules();
        assert_eq!(bare.value_type(), b.value_type());
        assert_eq!(bare.attributes[0].description, b.attributes[0].description);
        assert!(bare.attributes[0].default.is_none());
        assert_eq!(bare.attributes[0].on_change, OnChange::Update);
        assert!(bare.blocks[0].validators.is_empty());
    }
}
