//! The dynamic value model shared by every resource: Terraform's cty values minus the wire.
//!
//! A `Value` is always interpreted together with a [`Type`] (from the schema); the codec in
//! [`super::codec`] is what turns msgpack/JSON into `Value`s guided by that type, which is how
//! number-vs-string and set-vs-list ambiguities are settled.

use std::collections::BTreeMap;
use std::fmt;

use super::diag::{AttrPath, PathStep};

/// A Terraform type (cty type), as written in a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    /// `"dynamic"`: the value carries its own type.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// The cty JSON type representation that goes into `Schema.Attribute.type`.
    pub fn to_cty_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_cty_json()]),
            Type::Set(t) => json!(["set", t.to_cty_json()]),
            Type::Map(t) => json!(["map", t.to_cty_json()]),
            Type::Object(attrs) => {
                let m: serde_json::Map<String, serde_json::Value> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_cty_json()))
                    .collect();
                json!(["object", m])
            }
            Type::Tuple(ts) => json!([
                "tuple",
                ts.iter().map(Type::to_cty_json).collect::<Vec<_>>()
            ]),
        }
    }

    /// Parses the cty JSON type representation (used for `dynamic` values on the wire).
    pub fn from_cty_json(v: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match v {
            J::String(s) => match s.as_str() {
                "string" => Some(Type::String),
                "number" => Some(Type::Number),
                "bool" => Some(Type::Bool),
                "dynamic" => Some(Type::Dynamic),
                _ => None,
            },
            J::Array(a) if a.len() == 2 => {
                let kind = a[0].as_str()?;
                match kind {
                    "list" => Some(Type::list(Type::from_cty_json(&a[1])?)),
                    "set" => Some(Type::set(Type::from_cty_json(&a[1])?)),
                    "map" => Some(Type::map(Type::from_cty_json(&a[1])?)),
                    "object" => {
                        let m = a[1].as_object()?;
                        let mut attrs = BTreeMap::new();
                        for (k, t) in m {
                            attrs.insert(k.clone(), Type::from_cty_json(t)?);
                        }
                        Some(Type::Object(attrs))
                    }
                    "tuple" => {
                        let ts = a[1].as_array()?;
                        ts.iter()
                            .map(Type::from_cty_json)
                            .collect::<Option<Vec<_>>>()
                            .map(Type::Tuple)
                    }
                    _ => None,
                }
            }
            // ["object", {...}, [optional attrs]] is produced by newer cores for optional
            // object attributes; we never declare those, so it is not accepted here.
            _ => None,
        }
    }
}

/// A number. Terraform numbers are arbitrary-precision decimals; integers and floats cover
/// every value this provider produces, and `Decimal` keeps anything else exactly as written.
#[derive(Clone, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A decimal that fits neither i64 nor f64 exactly, kept verbatim.
    Decimal(String),
}

impl Number {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            Number::Float(_) => None,
            Number::Decimal(s) => s.parse().ok(),
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Number::Int(i) => Some(*i as f64),
            Number::Float(f) => Some(*f),
            Number::Decimal(s) => s.parse().ok(),
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Decimal(a), Number::Decimal(b)) => a == b,
            _ => self.as_f64() == other.as_f64(),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Decimal(s) => f.write_str(s),
        }
    }
}

/// A Terraform value. `Unknown` is a value that will only be known after apply.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements of a set; order carries no meaning.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// An object or a block: every attribute of its type is present (null when unset).
    Object(BTreeMap<String, Value>),
}

static NULL: Value = Value::Null;

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }
    /// An object from `(name, value)` pairs.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    /// A map of strings (e.g. `metadata`); `None` gives null.
    pub fn string_map<'a>(m: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
        Value::Map(
            m.into_iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }
    /// Known at this level (may still contain unknowns deeper down).
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }
    /// Known all the way down.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// The attribute `name` of an object; null when absent or when `self` is not an object
    /// (a null or unknown block has no attributes to read).
    pub fn get(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
    /// Mutable access to an attribute of an object (inserting null when absent).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(m) => Some(m.entry(name.to_owned()).or_insert(Value::Null)),
            _ => None,
        }
    }
    /// Sets an attribute of an object; does nothing on non-objects.
    pub fn set(&mut self, name: &str, v: Value) {
        if let Value::Object(m) = self {
            m.insert(name.to_owned(), v);
        }
    }
    /// Follows a path; `None` when a step does not exist.
    pub fn at_path(&self, path: &AttrPath) -> Option<&Value> {
        let mut cur = self;
        for step in path.steps() {
            cur = match (step, cur) {
                (PathStep::Attr(a), Value::Object(m)) => m.get(a)?,
                (PathStep::Key(k), Value::Map(m)) => m.get(k)?,
                (PathStep::Index(i), Value::List(v) | Value::Set(v)) => {
                    v.get(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    /// Elements of a list or a set.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }
    /// Entries of a map (not of an object).
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    /// A map of known strings, e.g. `metadata`; `None` when null, unknown, or any entry is
    /// not a known string.
    pub fn as_string_map(&self) -> Option<BTreeMap<String, String>> {
        self.as_map()?
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect()
    }
    /// A list/set of known strings.
    pub fn as_string_list(&self) -> Option<Vec<String>> {
        self.as_elements()?
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect()
    }
}
