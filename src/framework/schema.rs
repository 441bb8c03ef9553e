//! Schemas of the provider, resources and data sources, with a small builder.
//!
//! Descriptions are markdown: the docs generator renders them verbatim into the registry
//! pages, and Terraform shows them in `terraform providers schema -json`.

use std::sync::OnceLock;

use super::value::Type;

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
    pub fn attribute(mut self, a: Attribute) -> Self {
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
    pub fn description(mut self, md: impl Into<String>) -> Self {
        self.description = md.into();
        self
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
        }
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
