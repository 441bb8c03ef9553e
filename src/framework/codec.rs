//! The schema-aware codec between Terraform's wire encodings (msgpack and JSON, see
//! `docs/plugin-protocol/object-wire-format.md`) and [`Value`].
//!
//! Decoding is always guided by a [`Type`] (or a [`Block`]), because the wire alone cannot tell
//! a number from a decimal string or a set from a list. This is the only framework module that
//! knows msgpack/JSON wire details; nothing rmpv-typed leaves it.
//!
//! Input comes from another process and is treated as hostile: every malformed input (truncated
//! bytes, wrong types, trailing bytes, absurd lengths, deep nesting) is a [`CodecError`] carrying
//! the path where decoding stopped, never a panic. Error messages name kinds, never values,
//! because values may be secrets.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;

use super::diag::{AttrPath, PathStep};
use super::schema::{Block, Nesting};
use super::value::{Number, Type, Value};

/// Deepest nesting of values the codec accepts. Real schemas nest a handful of levels; the
/// limit only exists so hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// A decoding or encoding failure at `path` (empty path = the whole value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecError {
    pub path: AttrPath,
    pub message: String,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for CodecError {}

/// Walk state: the current path (a stack, so errors can report it without cloning on every
/// step) and the remaining depth budget.
struct Walk {
    path: Vec<PathStep>,
    /// JSON only: drop object attributes the type does not know (state written by an older
    /// schema) instead of failing.
    ignore_extra_attrs: bool,
}

impl Walk {
    fn new() -> Self {
        Walk {
            path: Vec::new(),
            ignore_extra_attrs: false,
        }
    }
    fn err(&self, message: impl Into<String>) -> CodecError {
        CodecError {
            path: AttrPath(self.path.clone()),
            message: message.into(),
        }
    }
    fn check_depth(&self, depth: usize) -> Result<(), CodecError> {
        if depth > MAX_DEPTH {
            Err(self.err(format!("value nested deeper than {MAX_DEPTH} levels")))
        } else {
            Ok(())
        }
    }
    /// Runs `f` with `step` pushed onto the path.
    fn at<T>(&mut self, step: PathStep, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(step);
        let r = f(self);
        self.path.pop();
        r
    }
}

fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::String => "a string",
        Type::Number => "a number",
        Type::Bool => "a bool",
        Type::Dynamic => "a dynamic value",
        Type::List(_) => "a list",
        Type::Set(_) => "a set",
        Type::Map(_) => "a map",
        Type::Object(_) => "an object",
        Type::Tuple(_) => "a tuple",
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// Parses a decimal string as Terraform writes large or exact numbers (`"12"`, `"-1.5"`,
/// `"1e400"`). Integers that fit i64 become `Int`, decimals that f64 reproduces exactly become
/// `Float`, anything else is kept verbatim as `Decimal`.
fn parse_decimal(s: &str) -> Option<Number> {
    if !is_decimal_syntax(s) {
        return None;
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::Int(i));
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && f.to_string() == s => Some(Number::Float(f)),
        _ => Some(Number::Decimal(s.to_owned())),
    }
}

/// `[+-]digits[.digits][(e|E)[+-]digits]`, with at least one digit in the mantissa.
fn is_decimal_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut mantissa_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        mantissa_digits += i - frac_start;
    }
    if mantissa_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

fn number_from_f64(f: f64, w: &Walk) -> Result<Number, CodecError> {
    if f.is_nan() {
        return Err(w.err("NaN is not a number Terraform can represent"));
    }
    Ok(Number::Float(f))
}

/// Integral floats inside the exact-integer range of f64 are written as integers, matching
/// what go-cty itself writes for whole numbers.
fn float_as_int(f: f64) -> Option<i64> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
}

// ---------------------------------------------------------------------------------------------
// msgpack decoding

/// Decodes a msgpack value of type `ty`. nil → `Null`, any extension type → `Unknown`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut w = Walk::new();
    let raw = read_msgpack(bytes, &w)?;
    from_mp(&raw, ty, &mut w, 0)
}

/// Reads exactly one msgpack value spanning all of `bytes`.
fn read_msgpack(bytes: &[u8], w: &Walk) -> Result<rmpv::Value, CodecError> {
    if bytes.is_empty() {
        return Err(w.err("empty msgpack value"));
    }
    let mut cur = Cursor::new(bytes);
    // rmpv counts about two levels per container (the value and its body), plus string bodies.
    let raw = rmpv::decode::read_value_with_max_depth(&mut cur, 2 * MAX_DEPTH + 4).map_err(
        |e| match e {
            rmpv::decode::Error::DepthLimitExceeded => {
                w.err(format!("value nested deeper than {MAX_DEPTH} levels"))
            }
            rmpv::decode::Error::InvalidMarkerRead(_) | rmpv::decode::Error::InvalidDataRead(_) => {
                w.err("malformed or truncated msgpack")
            }
        },
    )?;
    if cur.position() != bytes.len() as u64 {
        return Err(w.err(format!(
            "{} unexpected bytes after the msgpack value",
            bytes.len() as u64 - cur.position()
        )));
    }
    Ok(raw)
}

fn mp_kind(v: &rmpv::Value) -> &'static str {
    match v {
        rmpv::Value::Nil => "nil",
        rmpv::Value::Boolean(_) => "a bool",
        rmpv::Value::Integer(_) => "an integer",
        rmpv::Value::F32(_) | rmpv::Value::F64(_) => "a float",
        rmpv::Value::String(_) => "a string",
        rmpv::Value::Binary(_) => "binary data",
        rmpv::Value::Array(_) => "an array",
        rmpv::Value::Map(_) => "a map",
        rmpv::Value::Ext(..) => "an extension",
    }
}

fn mp_mismatch(w: &Walk, ty: &Type, v: &rmpv::Value) -> CodecError {
    w.err(format!("expected {}, found {}", type_name(ty), mp_kind(v)))
}

fn mp_string<'a>(v: &'a rmpv::Value, w: &Walk, what: &str) -> Result<&'a str, CodecError> {
    match v {
        rmpv::Value::String(s) => s
            .as_str()
            .ok_or_else(|| w.err(format!("{what} is not valid UTF-8"))),
        other => Err(w.err(format!("{what} must be a string, found {}", mp_kind(other)))),
    }
}

fn from_mp(v: &rmpv::Value, ty: &Type, w: &mut Walk, depth: usize) -> Result<Value, CodecError> {
    use rmpv::Value as M;
    w.check_depth(depth)?;
    match v {
        M::Nil => return Ok(Value::Null),
        // ext 0 is a plain unknown; ext 12 (and anything newer) carries refinements we do not
        // use: any extension means "unknown".
        M::Ext(..) => return Ok(Value::Unknown),
        _ => {}
    }
    match ty {
        Type::String => match v {
            M::String(_) => Ok(Value::String(mp_string(v, w, "string")?.to_owned())),
            _ => Err(mp_mismatch(w, ty, v)),
        },
        Type::Number => match v {
            M::Integer(i) => Ok(Value::Number(match i.as_i64() {
                Some(i) => Number::Int(i),
                // only u64 above i64::MAX gets here
                None => Number::Decimal(i.as_u64().map(|u| u.to_string()).unwrap_or_default()),
            })),
            M::F32(f) => Ok(Value::Number(number_from_f64(f64::from(*f), w)?)),
            M::F64(f) => Ok(Value::Number(number_from_f64(*f, w)?)),
            M::String(_) => {
                let s = mp_string(v, w, "number")?;
                parse_decimal(s).map(Value::Number).ok_or_else(|| {
                    w.err("expected a number, found a string that is not a decimal number")
                })
            }
            _ => Err(mp_mismatch(w, ty, v)),
        },
        Type::Bool => match v {
            M::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(mp_mismatch(w, ty, v)),
        },
        Type::List(et) | Type::Set(et) => match v {
            M::Array(items) => {
                let out = decode_elements(items, std::iter::repeat(&**et), w, depth, from_mp)?;
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(out)
                } else {
                    Value::List(out)
                })
            }
            _ => Err(mp_mismatch(w, ty, v)),
        },
        Type::Tuple(ets) => match v {
            M::Array(items) if items.len() == ets.len() => Ok(Value::List(decode_elements(
                items,
                ets.iter(),
                w,
                depth,
                from_mp,
            )?)),
            M::Array(items) => Err(w.err(format!(
                "expected a tuple of {} elements, found {} elements",
                ets.len(),
                items.len()
            ))),
            _ => Err(mp_mismatch(w, ty, v)),
        },
        Type::Map(et) => match v {
            M::Map(entries) => {
                let mut out = BTreeMap::new();
                for (k, item) in entries {
                    let key = mp_string(k, w, "map key")?.to_owned();
                    let value = w.at(PathStep::Key(key.clone()), |w| {
                        from_mp(item, et, w, depth + 1)
                    })?;
                    if out.insert(key.clone(), value).is_some() {
                        return Err(w.at(PathStep::Key(key), |w| w.err("duplicate map key")));
                    }
                }
                Ok(Value::Map(out))
            }
            _ => Err(mp_mismatch(w, ty, v)),
        },
        Type::Object(attrs) => match v {
            M::Map(entries) => {
                let mut out = BTreeMap::new();
                for (k, item) in entries {
                    let name = mp_string(k, w, "attribute name")?.to_owned();
                    let Some(at) = attrs.get(&name) else {
                        return Err(w.at(PathStep::Attr(name), |w| {
                            w.err("unsupported attribute: not in the schema")
                        }));
                    };
                    let value = w.at(PathStep::Attr(name.clone()), |w| {
                        from_mp(item, at, w, depth + 1)
                    })?;
                    if out.insert(name.clone(), value).is_some() {
                        return Err(w.at(PathStep::Attr(name), |w| w.err("duplicate attribute")));
                    }
                }
                // Terraform always sends every attribute; tolerate omissions as null.
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            _ => Err(mp_mismatch(w, ty, v)),
        },
        Type::Dynamic => match v {
            M::Array(pair) if pair.len() == 2 => {
                let type_json = match &pair[0] {
                    M::Binary(b) => b.as_slice(),
                    M::String(s) => s.as_bytes(),
                    other => {
                        return Err(w.err(format!(
                            "dynamic value type must be binary JSON, found {}",
                            mp_kind(other)
                        )));
                    }
                };
                let inner = parse_type_json(type_json, w)?;
                from_mp(&pair[1], &inner, w, depth + 1)
            }
            _ => Err(w.err(format!(
                "expected a dynamic value ([type, value] array), found {}",
                mp_kind(v)
            ))),
        },
    }
}

/// Decodes the elements of a list, set or tuple, element `i` with the `i`th type, naming each
/// element's index in errors. Shared by the msgpack and JSON decoders (`decode_one`).
fn decode_elements<'t, S>(
    items: &[S],
    types: impl Iterator<Item = &'t Type>,
    w: &mut Walk,
    depth: usize,
    decode_one: fn(&S, &Type, &mut Walk, usize) -> Result<Value, CodecError>,
) -> Result<Vec<Value>, CodecError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, (item, et)) in items.iter().zip(types).enumerate() {
        out.push(w.at(PathStep::Index(i as i64), |w| {
            decode_one(item, et, w, depth + 1)
        })?);
    }
    Ok(out)
}

fn parse_type_json(bytes: &[u8], w: &Walk) -> Result<Type, CodecError> {
    let j: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| w.err("dynamic value type is not valid JSON"))?;
    Type::from_cty_json(&j)
        .ok_or_else(|| w.err("dynamic value type is not a type this provider understands"))
}

// ---------------------------------------------------------------------------------------------
// msgpack encoding

/// Encodes `v` as msgpack of type `ty`. Unknown is written as ext 0 with one zero byte (what
/// go-cty writes); object attributes are always all written, null ones as nil.
pub fn encode_msgpack(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut w = Walk::new();
    let raw = to_mp(v, ty, &mut w, 0)?;
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &raw).map_err(|_| w.err("could not write msgpack"))?;
    Ok(out)
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
    }
}

fn value_mismatch(w: &Walk, ty: &Type, v: &Value) -> CodecError {
    w.err(format!(
        "expected {}, found {}",
        type_name(ty),
        value_kind(v)
    ))
}

fn to_mp(v: &Value, ty: &Type, w: &mut Walk, depth: usize) -> Result<rmpv::Value, CodecError> {
    use rmpv::Value as M;
    w.check_depth(depth)?;
    match (v, ty) {
        (Value::Null, _) => Ok(M::Nil),
        (Value::Unknown, _) => Ok(M::Ext(0, vec![0])),
        (Value::String(s), Type::String) => Ok(M::from(s.as_str())),
        (Value::Bool(b), Type::Bool) => Ok(M::Boolean(*b)),
        (Value::Number(n), Type::Number) => match n {
            Number::Int(i) => Ok(M::from(*i)),
            Number::Float(f) if f.is_nan() => {
                Err(w.err("NaN is not a number Terraform can represent"))
            }
            Number::Float(f) => Ok(float_as_int(*f).map_or(M::F64(*f), M::from)),
            Number::Decimal(s) if is_decimal_syntax(s) => Ok(M::from(s.as_str())),
            Number::Decimal(_) => Err(w.err("decimal number is not in decimal notation")),
        },
        // A resource may build a list for a set attribute or vice versa; the type decides.
        (Value::List(items) | Value::Set(items), Type::List(et) | Type::Set(et)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(w.at(PathStep::Index(i as i64), |w| to_mp(item, et, w, depth + 1))?);
            }
            Ok(M::Array(out))
        }
        (Value::List(items), Type::Tuple(ets)) => {
            if items.len() != ets.len() {
                return Err(w.err(format!(
                    "expected a tuple of {} elements, found {} elements",
                    ets.len(),
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                out.push(w.at(PathStep::Index(i as i64), |w| to_mp(item, et, w, depth + 1))?);
            }
            Ok(M::Array(out))
        }
        (Value::Map(entries), Type::Map(et)) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, item) in entries {
                let iv = w.at(PathStep::Key(k.clone()), |w| to_mp(item, et, w, depth + 1))?;
                out.push((M::from(k.as_str()), iv));
            }
            Ok(M::Map(out))
        }
        (Value::Object(vals), Type::Object(attrs)) => {
            if let Some(extra) = vals.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(w.at(PathStep::Attr(extra.clone()), |w| {
                    w.err("attribute is not in the schema")
                }));
            }
            let mut out = Vec::with_capacity(attrs.len());
            for (name, at) in attrs {
                let iv = match vals.get(name) {
                    Some(item) => w.at(PathStep::Attr(name.clone()), |w| {
                        to_mp(item, at, w, depth + 1)
                    })?,
                    None => M::Nil,
                };
                out.push((M::from(name.as_str()), iv));
            }
            Ok(M::Map(out))
        }
        (_, Type::Dynamic) => {
            let inner = infer_type(v);
            let type_json = serde_json::to_vec(&inner.to_cty_json())
                .map_err(|_| w.err("could not write type"))?;
            let iv = to_mp(v, &inner, w, depth + 1)?;
            Ok(M::Array(vec![M::Binary(type_json), iv]))
        }
        _ => Err(value_mismatch(w, ty, v)),
    }
}

/// The type of a value held by a `dynamic` attribute. `Value` does not record types, so this
/// is inferred: uniform lists/maps keep their collection type, mixed lists become tuples and
/// mixed maps objects, and nulls/unknowns nested inside are typed `dynamic`.
fn infer_type(v: &Value) -> Type {
    fn uniform<'a>(items: impl Iterator<Item = &'a Value>) -> Option<Type> {
        let mut t: Option<Type> = None;
        for item in items {
            let it = infer_type(item);
            match &t {
                None => t = Some(it),
                Some(prev) if *prev == it => {}
                Some(_) => return None,
            }
        }
        Some(t.unwrap_or(Type::Dynamic))
    }
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => match uniform(items.iter()) {
            Some(t) => Type::list(t),
            None => Type::Tuple(items.iter().map(infer_type).collect()),
        },
        Value::Set(items) => Type::set(uniform(items.iter()).unwrap_or(Type::Dynamic)),
        Value::Map(m) => match uniform(m.values()) {
            Some(t) => Type::map(t),
            None => Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect()),
        },
        Value::Object(m) => {
            Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Parses JSON bytes and decodes them as type `ty` (see [`decode_json`]).
pub fn decode_json_bytes(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let w = Walk::new();
    let j: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| w.err(json_syntax_error(&e)))?;
    decode_json(&j, ty)
}

/// serde_json's messages can quote input; keep only the category and position.
fn json_syntax_error(e: &serde_json::Error) -> String {
    format!(
        "malformed JSON ({:?} error at line {} column {})",
        e.classify(),
        e.line(),
        e.column()
    )
}

/// Decodes a JSON value of type `ty`. Unknowns cannot occur in JSON; numbers may be JSON
/// numbers or decimal strings; object attributes missing from the JSON are null.
pub fn decode_json(j: &serde_json::Value, ty: &Type) -> Result<Value, CodecError> {
    from_json(j, ty, &mut Walk::new(), 0)
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    use serde_json::Value as J;
    match j {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

fn from_json(
    j: &serde_json::Value,
    ty: &Type,
    w: &mut Walk,
    depth: usize,
) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    w.check_depth(depth)?;
    let mismatch = |w: &Walk| {
        w.err(format!(
            "expected {}, found {}",
            type_name(ty),
            json_kind(j)
        ))
    };
    if j.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::String => match j {
            J::String(s) => Ok(Value::String(s.clone())),
            _ => Err(mismatch(w)),
        },
        Type::Number => match j {
            J::Number(n) => Ok(Value::Number(if let Some(i) = n.as_i64() {
                Number::Int(i)
            } else if let Some(u) = n.as_u64() {
                Number::Decimal(u.to_string())
            } else {
                number_from_f64(n.as_f64().unwrap_or(f64::NAN), w)?
            })),
            J::String(s) => parse_decimal(s).map(Value::Number).ok_or_else(|| {
                w.err("expected a number, found a string that is not a decimal number")
            }),
            _ => Err(mismatch(w)),
        },
        Type::Bool => match j {
            J::Bool(b) => Ok(Value::Bool(*b)),
            _ => Err(mismatch(w)),
        },
        Type::List(et) | Type::Set(et) => match j {
            J::Array(items) => {
                let out = decode_elements(items, std::iter::repeat(&**et), w, depth, from_json)?;
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(out)
                } else {
                    Value::List(out)
                })
            }
            _ => Err(mismatch(w)),
        },
        Type::Tuple(ets) => match j {
            J::Array(items) if items.len() == ets.len() => Ok(Value::List(decode_elements(
                items,
                ets.iter(),
                w,
                depth,
                from_json,
            )?)),
            J::Array(items) => Err(w.err(format!(
                "expected a tuple of {} elements, found {} elements",
                ets.len(),
                items.len()
            ))),
            _ => Err(mismatch(w)),
        },
        Type::Map(et) => match j {
            J::Object(m) => {
                let mut out = BTreeMap::new();
                for (k, item) in m {
                    let value = w.at(PathStep::Key(k.clone()), |w| {
                        from_json(item, et, w, depth + 1)
                    })?;
                    out.insert(k.clone(), value);
                }
                Ok(Value::Map(out))
            }
            _ => Err(mismatch(w)),
        },
        Type::Object(attrs) => match j {
            J::Object(m) => {
                let mut out = BTreeMap::new();
                for (name, item) in m {
                    let Some(at) = attrs.get(name) else {
                        if w.ignore_extra_attrs {
                            continue;
                        }
                        return Err(w.at(PathStep::Attr(name.clone()), |w| {
                            w.err("unsupported attribute: not in the schema")
                        }));
                    };
                    let value = w.at(PathStep::Attr(name.clone()), |w| {
                        from_json(item, at, w, depth + 1)
                    })?;
                    out.insert(name.clone(), value);
                }
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            _ => Err(mismatch(w)),
        },
        Type::Dynamic => match j {
            J::Object(m) if m.contains_key("type") && m.contains_key("value") && m.len() == 2 => {
                let inner = Type::from_cty_json(&m["type"]).ok_or_else(|| {
                    w.err("dynamic value type is not a type this provider understands")
                })?;
                from_json(&m["value"], &inner, w, depth + 1)
            }
            _ => Err(w.err(format!(
                "expected a dynamic value ({{\"value\", \"type\"}} object), found {}",
                json_kind(j)
            ))),
        },
    }
}

/// Encodes `v` as JSON of type `ty`. Unknown values cannot be written as JSON and are an
/// error; decimals that are neither i64 nor f64 are written as strings (which cty accepts).
pub fn encode_json(v: &Value, ty: &Type) -> Result<serde_json::Value, CodecError> {
    to_json(v, ty, &mut Walk::new(), 0)
}

fn to_json(
    v: &Value,
    ty: &Type,
    w: &mut Walk,
    depth: usize,
) -> Result<serde_json::Value, CodecError> {
    use serde_json::Value as J;
    w.check_depth(depth)?;
    match (v, ty) {
        (Value::Null, _) => Ok(J::Null),
        (Value::Unknown, _) => Err(w.err("unknown values cannot be written as JSON")),
        (Value::String(s), Type::String) => Ok(J::String(s.clone())),
        (Value::Bool(b), Type::Bool) => Ok(J::Bool(*b)),
        (Value::Number(n), Type::Number) => match n {
            Number::Int(i) => Ok(J::from(*i)),
            Number::Float(f) => match float_as_int(*f) {
                Some(i) => Ok(J::from(i)),
                None => serde_json::Number::from_f64(*f)
                    .map(J::Number)
                    .ok_or_else(|| w.err("NaN and infinities cannot be written as JSON numbers")),
            },
            Number::Decimal(s) if is_decimal_syntax(s) => Ok(J::String(s.clone())),
            Number::Decimal(_) => Err(w.err("decimal number is not in decimal notation")),
        },
        (Value::List(items) | Value::Set(items), Type::List(et) | Type::Set(et)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(w.at(PathStep::Index(i as i64), |w| {
                    to_json(item, et, w, depth + 1)
                })?);
            }
            Ok(J::Array(out))
        }
        (Value::List(items), Type::Tuple(ets)) => {
            if items.len() != ets.len() {
                return Err(w.err(format!(
                    "expected a tuple of {} elements, found {} elements",
                    ets.len(),
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                out.push(w.at(PathStep::Index(i as i64), |w| {
                    to_json(item, et, w, depth + 1)
                })?);
            }
            Ok(J::Array(out))
        }
        (Value::Map(entries), Type::Map(et)) => {
            let mut out = serde_json::Map::new();
            for (k, item) in entries {
                out.insert(
                    k.clone(),
                    w.at(PathStep::Key(k.clone()), |w| {
                        to_json(item, et, w, depth + 1)
                    })?,
                );
            }
            Ok(J::Object(out))
        }
        (Value::Object(vals), Type::Object(attrs)) => {
            if let Some(extra) = vals.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(w.at(PathStep::Attr(extra.clone()), |w| {
                    w.err("attribute is not in the schema")
                }));
            }
            let mut out = serde_json::Map::new();
            for (name, at) in attrs {
                let iv = match vals.get(name) {
                    Some(item) => w.at(PathStep::Attr(name.clone()), |w| {
                        to_json(item, at, w, depth + 1)
                    })?,
                    None => J::Null,
                };
                out.insert(name.clone(), iv);
            }
            Ok(J::Object(out))
        }
        (_, Type::Dynamic) => {
            let inner = infer_type(v);
            let iv = to_json(v, &inner, w, depth + 1)?;
            Ok(serde_json::json!({ "value": iv, "type": inner.to_cty_json() }))
        }
        _ => Err(value_mismatch(w, ty, v)),
    }
}

// ---------------------------------------------------------------------------------------------
// Blocks

/// Decodes a block value (config, plan or state) from msgpack, then fills `group` nested
/// blocks that arrived as nil (a group block is never null).
pub fn decode_block_msgpack(bytes: &[u8], block: &Block) -> Result<Value, CodecError> {
    decode_msgpack(bytes, &block.value_type()).map(|v| normalize_groups(block, v))
}

/// Encodes a block value as msgpack; null `group` blocks are written as objects of nulls.
pub fn encode_block_msgpack(v: &Value, block: &Block) -> Result<Vec<u8>, CodecError> {
    encode_msgpack(&normalize_groups(block, v.clone()), &block.value_type())
}

/// Decodes stored state (JSON) of a block. Attributes the schema no longer has are dropped,
/// so state written by an older provider version still loads; missing ones are null.
pub fn decode_block_json(j: &serde_json::Value, block: &Block) -> Result<Value, CodecError> {
    let mut w = Walk::new();
    w.ignore_extra_attrs = true;
    from_json(j, &block.value_type(), &mut w, 0).map(|v| normalize_groups(block, v))
}

/// Encodes a block value as JSON (the state layout Terraform stores).
pub fn encode_block_json(v: &Value, block: &Block) -> Result<serde_json::Value, CodecError> {
    encode_json(&normalize_groups(block, v.clone()), &block.value_type())
}

/// The value of a block whose attributes and nested blocks are all unset: every attribute
/// null, list/set blocks null, group blocks recursively filled.
pub fn empty_block_value(block: &Block) -> Value {
    let mut m: BTreeMap<String, Value> = block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for nb in &block.blocks {
        let v = if nb.nesting == Nesting::Group {
            empty_block_value(&nb.block)
        } else {
            Value::Null
        };
        m.insert(nb.name.clone(), v);
    }
    Value::Object(m)
}

/// Replaces null `group` blocks (at any depth) by [`empty_block_value`]; other values are
/// returned unchanged. Unknown blocks stay unknown.
pub fn normalize_groups(block: &Block, v: Value) -> Value {
    let Value::Object(mut m) = v else { return v };
    for nb in &block.blocks {
        let Some(slot) = m.get_mut(&nb.name) else {
            if nb.nesting == Nesting::Group {
                m.insert(nb.name.clone(), empty_block_value(&nb.block));
            }
            continue;
        };
        let cur = std::mem::take(slot);
        *slot = match (nb.nesting, cur) {
            (Nesting::Group, Value::Null) => empty_block_value(&nb.block),
            (Nesting::Single | Nesting::Group, o @ Value::Object(_)) => {
                normalize_groups(&nb.block, o)
            }
            (Nesting::List, Value::List(items)) => Value::List(
                items
                    .into_iter()
                    .map(|i| normalize_groups(&nb.block, i))
                    .collect(),
            ),
            (Nesting::Set, Value::Set(items)) => Value::Set(
                items
                    .into_iter()
                    .map(|i| normalize_groups(&nb.block, i))
                    .collect(),
            ),
            (Nesting::Map, Value::Map(items)) => Value::Map(
                items
                    .into_iter()
                    .map(|(k, i)| (k, normalize_groups(&nb.block, i)))
                    .collect(),
            ),
            (_, other) => other,
        };
    }
    Value::Object(m)
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
