//! Unit tests of the codec: every type, unknowns at every depth, null vs empty, round trips,
//! malformed input, plus property tests (round trip and "never panics").

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::framework::schema::{Attribute, Block, NestedBlock, Nesting};

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs.iter().map(|(k, v)| (*k, v.clone())))
}

fn otype(pairs: &[(&str, Type)]) -> Type {
    Type::Object(
        pairs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

fn s(x: &str) -> Value {
    Value::string(x)
}

/// Writes a raw msgpack value (for building wire input by hand).
fn mp(v: rmpv::Value) -> Vec<u8> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &v).unwrap();
    out
}

fn mpmap(pairs: Vec<(&str, rmpv::Value)>) -> rmpv::Value {
    rmpv::Value::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (rmpv::Value::from(k), v))
            .collect(),
    )
}

fn roundtrip(v: &Value, ty: &Type) {
    let bytes = encode_msgpack(v, ty).unwrap();
    assert_eq!(
        &decode_msgpack(&bytes, ty).unwrap(),
        v,
        "msgpack round trip of {v:?} as {ty:?}"
    );
    if v.is_wholly_known() {
        let j = encode_json(v, ty).unwrap();
        assert_eq!(
            &decode_json(&j, ty).unwrap(),
            v,
            "JSON round trip of {v:?} as {ty:?}"
        );
    }
}

fn err_path(e: &CodecError) -> String {
    e.path.to_string()
}

// ---------------------------------------------------------------------------------------------
// Primitive types

#[test]
fn primitives_round_trip() {
    roundtrip(&s("hello ✓"), &Type::String);
    roundtrip(&s(""), &Type::String);
    roundtrip(&Value::Bool(true), &Type::Bool);
    roundtrip(&Value::Bool(false), &Type::Bool);
    roundtrip(&Value::int(0), &Type::Number);
    roundtrip(&Value::int(-42), &Type::Number);
    roundtrip(&Value::int(i64::MAX), &Type::Number);
    roundtrip(&Value::int(i64::MIN), &Type::Number);
    roundtrip(&Value::Number(Number::Float(1.5)), &Type::Number);
    roundtrip(&Value::Number(Number::Float(-0.1)), &Type::Number);
    roundtrip(
        &Value::Number(Number::Decimal("1e400".into())),
        &Type::Number,
    );
    roundtrip(
        &Value::Number(Number::Decimal("18446744073709551615".into())),
        &Type::Number,
    );
    for ty in [
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
    ] {
        roundtrip(&Value::Null, &ty);
        roundtrip(&Value::Unknown, &ty);
    }
}

#[test]
fn primitive_wire_bytes_are_canonical() {
    assert_eq!(
        encode_msgpack(&Value::Null, &Type::String).unwrap(),
        vec![0xc0]
    );
    assert_eq!(
        encode_msgpack(&Value::Unknown, &Type::String).unwrap(),
        vec![0xd4, 0x00, 0x00]
    );
    assert_eq!(
        encode_msgpack(&s("a"), &Type::String).unwrap(),
        vec![0xa1, b'a']
    );
    assert_eq!(
        encode_msgpack(&Value::Bool(true), &Type::Bool).unwrap(),
        vec![0xc3]
    );
    assert_eq!(
        encode_msgpack(&Value::int(5), &Type::Number).unwrap(),
        vec![0x05]
    );
    // whole floats are written as integers, like go-cty does
    assert_eq!(
        encode_msgpack(&Value::Number(Number::Float(5.0)), &Type::Number).unwrap(),
        vec![0x05]
    );
    let f = encode_msgpack(&Value::Number(Number::Float(1.5)), &Type::Number).unwrap();
    assert_eq!(f[0], 0xcb, "non-integral floats are float64");
    let d = encode_msgpack(
        &Value::Number(Number::Decimal("1e400".into())),
        &Type::Number,
    )
    .unwrap();
    assert_eq!(
        d,
        mp(rmpv::Value::from("1e400")),
        "big decimals are strings"
    );
}

#[test]
fn numbers_accept_int_float_and_decimal_strings() {
    let n = |b: Vec<u8>| decode_msgpack(&b, &Type::Number).unwrap();
    assert_eq!(n(mp(rmpv::Value::from(7u8))), Value::int(7));
    assert_eq!(
        n(mp(rmpv::Value::from(u64::MAX))),
        Value::Number(Number::Decimal(u64::MAX.to_string()))
    );
    assert_eq!(
        n(mp(rmpv::Value::F32(2.5))),
        Value::Number(Number::Float(2.5))
    );
    assert_eq!(
        n(mp(rmpv::Value::F64(-3.25))),
        Value::Number(Number::Float(-3.25))
    );
    assert_eq!(n(mp(rmpv::Value::from("12"))), Value::int(12));
    assert_eq!(
        n(mp(rmpv::Value::from("-0.5"))),
        Value::Number(Number::Float(-0.5))
    );
    assert_eq!(
        n(mp(rmpv::Value::from("1.0"))),
        Value::int(1),
        "decimal 1.0 equals 1"
    );
    assert!(matches!(
        n(mp(rmpv::Value::from("1.0"))),
        Value::Number(Number::Decimal(_))
    ));
    assert_eq!(
        n(mp(rmpv::Value::from("1e400"))),
        Value::Number(Number::Decimal("1e400".into()))
    );
    for bad in [
        "", "abc", "1.2.3", "1e", "--1", ".", "NaN", "inf", " 1", "0x10",
    ] {
        let e = decode_msgpack(&mp(rmpv::Value::from(bad)), &Type::Number).unwrap_err();
        assert!(e.message.contains("not a decimal number"), "{bad:?}: {e}");
    }
    assert!(decode_msgpack(&mp(rmpv::Value::F64(f64::NAN)), &Type::Number).is_err());
    assert!(encode_msgpack(&Value::Number(Number::Float(f64::NAN)), &Type::Number).is_err());
    assert!(
        encode_msgpack(
            &Value::Number(Number::Decimal("twelve".into())),
            &Type::Number
        )
        .is_err()
    );
    // JSON: numbers or decimal strings
    assert_eq!(
        decode_json(&serde_json::json!(3), &Type::Number).unwrap(),
        Value::int(3)
    );
    assert_eq!(
        decode_json(&serde_json::json!(2.5), &Type::Number).unwrap(),
        Value::Number(Number::Float(2.5))
    );
    assert_eq!(
        decode_json(&serde_json::json!("42"), &Type::Number).unwrap(),
        Value::int(42)
    );
    assert_eq!(
        decode_json(&serde_json::json!(u64::MAX), &Type::Number).unwrap(),
        Value::Number(Number::Decimal(u64::MAX.to_string()))
    );
    assert!(decode_json(&serde_json::json!("x"), &Type::Number).is_err());
    assert_eq!(
        encode_json(
            &Value::Number(Number::Decimal("1e400".into())),
            &Type::Number
        )
        .unwrap(),
        serde_json::json!("1e400")
    );
    assert!(encode_json(&Value::Number(Number::Float(f64::INFINITY)), &Type::Number).is_err());
}

#[test]
fn strings_must_be_utf8_and_types_must_match() {
    let bad_utf8 = vec![0xa2, 0xff, 0xfe];
    let e = decode_msgpack(&bad_utf8, &Type::String).unwrap_err();
    assert!(e.message.contains("UTF-8"), "{e}");
    let e = decode_msgpack(&mp(rmpv::Value::from(1)), &Type::String).unwrap_err();
    assert_eq!(e.message, "expected a string, found an integer");
    let e = decode_msgpack(&mp(rmpv::Value::from("true")), &Type::Bool).unwrap_err();
    assert_eq!(e.message, "expected a bool, found a string");
    let e = decode_json(&serde_json::json!(1), &Type::Bool).unwrap_err();
    assert_eq!(e.message, "expected a bool, found a number");
    let e = encode_msgpack(&Value::int(1), &Type::String).unwrap_err();
    assert_eq!(e.message, "expected a string, found a number");
}

// ---------------------------------------------------------------------------------------------
// Collections and objects

#[test]
fn collections_round_trip_and_keep_null_distinct_from_empty() {
    let lt = Type::list(Type::String);
    let st = Type::set(Type::Number);
    let mt = Type::map(Type::Bool);
    roundtrip(&Value::List(vec![s("a"), s("b")]), &lt);
    roundtrip(&Value::List(vec![]), &lt);
    roundtrip(&Value::Set(vec![Value::int(1), Value::int(2)]), &st);
    roundtrip(&Value::Set(vec![]), &st);
    roundtrip(
        &Value::Map(BTreeMap::from([("k".into(), Value::Bool(true))])),
        &mt,
    );
    roundtrip(&Value::Map(BTreeMap::new()), &mt);
    assert_eq!(
        encode_msgpack(&Value::List(vec![]), &lt).unwrap(),
        vec![0x90]
    );
    assert_eq!(encode_msgpack(&Value::Null, &lt).unwrap(), vec![0xc0]);
    assert_eq!(decode_msgpack(&[0x90], &lt).unwrap(), Value::List(vec![]));
    assert_eq!(decode_msgpack(&[0x90], &st).unwrap(), Value::Set(vec![]));
    assert_eq!(
        decode_msgpack(&[0x80], &mt).unwrap(),
        Value::Map(BTreeMap::new())
    );
    assert_eq!(decode_msgpack(&[0xc0], &mt).unwrap(), Value::Null);
    // elements may be null
    roundtrip(&Value::List(vec![Value::Null, s("x")]), &lt);
    // a list value for a set type is written as the set (the type decides)
    let bytes = encode_msgpack(&Value::List(vec![Value::int(3)]), &st).unwrap();
    assert_eq!(
        decode_msgpack(&bytes, &st).unwrap(),
        Value::Set(vec![Value::int(3)])
    );
    roundtrip(
        &Value::List(vec![s("a"), Value::int(1)]),
        &Type::Tuple(vec![Type::String, Type::Number]),
    );
    assert!(
        encode_msgpack(
            &Value::List(vec![s("a")]),
            &Type::Tuple(vec![Type::String, Type::Number])
        )
        .is_err()
    );
    assert!(
        decode_msgpack(
            &mp(rmpv::Value::Array(vec![])),
            &Type::Tuple(vec![Type::String])
        )
        .is_err()
    );
}

#[test]
fn objects_write_every_attribute_and_tolerate_missing_ones() {
    let ty = otype(&[
        ("a", Type::String),
        ("b", Type::Number),
        ("c", Type::list(Type::String)),
    ]);
    let v = obj(&[("a", s("x"))]);
    let bytes = encode_msgpack(&v, &ty).unwrap();
    let raw = rmpv::decode::read_value(&mut bytes.as_slice()).unwrap();
    let rmpv::Value::Map(entries) = raw else {
        panic!("object must be a msgpack map")
    };
    let keys: Vec<_> = entries
        .iter()
        .map(|(k, _)| k.as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["a", "b", "c"], "all attributes written");
    assert_eq!(entries[1].1, rmpv::Value::Nil);
    let full = obj(&[("a", s("x")), ("b", Value::Null), ("c", Value::Null)]);
    assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), full);
    // missing on input → null (JSON state and msgpack alike)
    assert_eq!(
        decode_msgpack(&mp(mpmap(vec![("a", rmpv::Value::from("x"))])), &ty).unwrap(),
        full
    );
    assert_eq!(
        decode_json(&serde_json::json!({"a": "x"}), &ty).unwrap(),
        full
    );
    // attributes outside the type are errors that name the attribute
    let e = decode_msgpack(&mp(mpmap(vec![("zz", rmpv::Value::Nil)])), &ty).unwrap_err();
    assert_eq!(err_path(&e), "zz");
    let e = decode_json(&serde_json::json!({"zz": 1}), &ty).unwrap_err();
    assert_eq!(err_path(&e), "zz");
    let e = encode_msgpack(&obj(&[("zz", s("x"))]), &ty).unwrap_err();
    assert_eq!(err_path(&e), "zz");
    // non-string keys and duplicates
    let e = decode_msgpack(
        &mp(rmpv::Value::Map(vec![(
            rmpv::Value::from(1),
            rmpv::Value::Nil,
        )])),
        &ty,
    )
    .unwrap_err();
    assert!(e.message.contains("attribute name must be a string"), "{e}");
    let dup = mp(mpmap(vec![
        ("a", rmpv::Value::from("x")),
        ("a", rmpv::Value::from("y")),
    ]));
    assert!(
        decode_msgpack(&dup, &ty)
            .unwrap_err()
            .message
            .contains("duplicate")
    );
    let dupm = mp(mpmap(vec![
        ("k", rmpv::Value::from(true)),
        ("k", rmpv::Value::from(false)),
    ]));
    assert!(
        decode_msgpack(&dupm, &Type::map(Type::Bool))
            .unwrap_err()
            .message
            .contains("duplicate")
    );
}

#[test]
fn errors_carry_the_path_of_the_bad_value() {
    let ty = otype(&[
        ("rule", Type::list(otype(&[("port", Type::Number)]))),
        ("tags", Type::map(Type::String)),
    ]);
    let bad = mp(mpmap(vec![
        (
            "rule",
            rmpv::Value::Array(vec![
                mpmap(vec![("port", rmpv::Value::from(1))]),
                mpmap(vec![("port", rmpv::Value::from(true))]),
            ]),
        ),
        ("tags", rmpv::Value::Nil),
    ]));
    let e = decode_msgpack(&bad, &ty).unwrap_err();
    assert_eq!(
        e.to_string(),
        "at rule[1].port: expected a number, found a bool"
    );
    let bad = mp(mpmap(vec![(
        "tags",
        mpmap(vec![("env", rmpv::Value::from(3))]),
    )]));
    let e = decode_msgpack(&bad, &ty).unwrap_err();
    assert_eq!(
        e.path.steps(),
        &[PathStep::Attr("tags".into()), PathStep::Key("env".into())]
    );
    let e = encode_json(
        &obj(&[(
            "tags",
            Value::Map(BTreeMap::from([("env".into(), Value::Unknown)])),
        )]),
        &ty,
    )
    .unwrap_err();
    assert_eq!(err_path(&e), "tags[\"env\"]");
}

// ---------------------------------------------------------------------------------------------
// Unknowns

#[test]
fn unknowns_at_every_depth_round_trip() {
    let inner = otype(&[("x", Type::String), ("n", Type::Number)]);
    let ty = otype(&[
        ("s", Type::String),
        ("l", Type::list(Type::String)),
        ("st", Type::set(Type::String)),
        ("m", Type::map(Type::Number)),
        ("o", inner.clone()),
        ("lo", Type::list(inner.clone())),
        ("d", Type::Dynamic),
    ]);
    let v = obj(&[
        ("s", Value::Unknown),
        ("l", Value::List(vec![s("a"), Value::Unknown])),
        ("st", Value::Set(vec![Value::Unknown])),
        (
            "m",
            Value::Map(BTreeMap::from([("k".into(), Value::Unknown)])),
        ),
        ("o", obj(&[("x", Value::Unknown), ("n", Value::int(1))])),
        (
            "lo",
            Value::List(vec![
                obj(&[("x", s("v")), ("n", Value::Unknown)]),
                Value::Unknown,
            ]),
        ),
        ("d", Value::Unknown),
    ]);
    roundtrip(&v, &ty);
    roundtrip(&Value::Unknown, &ty);
    let partial = obj(&[("o", Value::Unknown), ("l", Value::Unknown)]);
    let decoded = decode_msgpack(&encode_msgpack(&partial, &ty).unwrap(), &ty).unwrap();
    assert_eq!(decoded.get("o"), &Value::Unknown);
    assert_eq!(decoded.get("l"), &Value::Unknown);
    assert_eq!(
        decoded.get("s"),
        &Value::Null,
        "unset attributes come back null"
    );
    // JSON cannot carry unknowns
    assert!(encode_json(&v, &ty).is_err());
}

#[test]
fn any_extension_type_decodes_as_unknown() {
    // ext 0 as go-cty writes it
    assert_eq!(
        decode_msgpack(&[0xd4, 0x00, 0x00], &Type::String).unwrap(),
        Value::Unknown
    );
    // ext 12 refined unknown: payload map {1: false (not null), 2: "pre"}
    let refinement = mp(rmpv::Value::Map(vec![
        (rmpv::Value::from(1), rmpv::Value::from(false)),
        (rmpv::Value::from(2), rmpv::Value::from("pre")),
    ]));
    let ext12 = mp(rmpv::Value::Ext(12, refinement));
    assert_eq!(
        decode_msgpack(&ext12, &Type::String).unwrap(),
        Value::Unknown
    );
    // any other extension, any size, even where a collection or object is expected
    for (code, payload) in [(0i8, vec![]), (5, vec![1, 2, 3]), (-1, vec![0; 20])] {
        let b = mp(rmpv::Value::Ext(code, payload));
        assert_eq!(
            decode_msgpack(&b, &Type::list(Type::String)).unwrap(),
            Value::Unknown
        );
        assert_eq!(
            decode_msgpack(&b, &otype(&[("a", Type::Bool)])).unwrap(),
            Value::Unknown
        );
    }
    // nested refined unknown inside an object
    let b = mp(mpmap(vec![("a", rmpv::Value::Ext(12, vec![0x80]))]));
    assert_eq!(
        decode_msgpack(&b, &otype(&[("a", Type::Bool)])).unwrap(),
        obj(&[("a", Value::Unknown)])
    );
}

// ---------------------------------------------------------------------------------------------
// dynamic

#[test]
fn dynamic_values_carry_their_type() {
    let b = encode_msgpack(&s("hi"), &Type::Dynamic).unwrap();
    let raw = rmpv::decode::read_value(&mut b.as_slice()).unwrap();
    assert_eq!(
        raw,
        rmpv::Value::Array(vec![
            rmpv::Value::Binary(b"\"string\"".to_vec()),
            rmpv::Value::from("hi")
        ])
    );
    assert_eq!(decode_msgpack(&b, &Type::Dynamic).unwrap(), s("hi"));
    // the type settles number vs string and set vs list
    let wire = mp(rmpv::Value::Array(vec![
        rmpv::Value::Binary(br#"["set","number"]"#.to_vec()),
        rmpv::Value::Array(vec![rmpv::Value::from("5")]),
    ]));
    assert_eq!(
        decode_msgpack(&wire, &Type::Dynamic).unwrap(),
        Value::Set(vec![Value::int(5)])
    );
    let v = obj(&[
        ("a", s("x")),
        ("b", Value::List(vec![Value::int(1), Value::int(2)])),
    ]);
    roundtrip(&v, &Type::Dynamic);
    roundtrip(&Value::List(vec![s("a"), Value::int(1)]), &Type::Dynamic); // tuple
    let j = encode_json(&s("hi"), &Type::Dynamic).unwrap();
    assert_eq!(j, serde_json::json!({"value": "hi", "type": "string"}));
    assert_eq!(
        decode_json(
            &serde_json::json!({"value": ["1"], "type": ["list", "number"]}),
            &Type::Dynamic
        )
        .unwrap(),
        Value::List(vec![Value::int(1)])
    );
    for bad in [
        rmpv::Value::from("hi"),
        rmpv::Value::Array(vec![rmpv::Value::from(1), rmpv::Value::from(1)]),
        rmpv::Value::Array(vec![
            rmpv::Value::Binary(b"{".to_vec()),
            rmpv::Value::from(1),
        ]),
        rmpv::Value::Array(vec![
            rmpv::Value::Binary(b"\"nope\"".to_vec()),
            rmpv::Value::from(1),
        ]),
        rmpv::Value::Array(vec![
            rmpv::Value::Binary(b"\"string\"".to_vec()),
            rmpv::Value::from(1),
        ]),
    ] {
        assert!(
            decode_msgpack(&mp(bad.clone()), &Type::Dynamic).is_err(),
            "{bad:?}"
        );
    }
    assert!(decode_json(&serde_json::json!("hi"), &Type::Dynamic).is_err());
}

// ---------------------------------------------------------------------------------------------
// Blocks

fn sample_block() -> Block {
    let leaf = Block::new().attribute(Attribute::string("name").required());
    Block::new()
        .attribute(Attribute::string("id").computed())
        .attribute(Attribute::number("count").optional())
        .block(NestedBlock::single("single", leaf.clone()))
        .block(NestedBlock::new(
            "group",
            Nesting::Group,
            leaf.clone().block(NestedBlock::new(
                "inner",
                Nesting::Group,
                Block::new().attribute(Attribute::bool("flag").optional()),
            )),
        ))
        .block(NestedBlock::list("list", leaf.clone()))
        .block(NestedBlock::new("set", Nesting::Set, leaf.clone()))
        .block(NestedBlock::new("map", Nesting::Map, leaf))
}

#[test]
fn blocks_follow_their_nesting_mode() {
    let b = sample_block();
    let named = |n: &str| obj(&[("name", s(n))]);
    let v = obj(&[
        ("id", s("i")),
        ("count", Value::int(2)),
        ("single", named("s")),
        (
            "group",
            obj(&[
                ("name", s("g")),
                ("inner", obj(&[("flag", Value::Bool(true))])),
            ]),
        ),
        ("list", Value::List(vec![named("l0"), named("l1")])),
        ("set", Value::Set(vec![named("s0")])),
        (
            "map",
            Value::Map(BTreeMap::from([("k".into(), named("m"))])),
        ),
    ]);
    let bytes = encode_block_msgpack(&v, &b).unwrap();
    assert_eq!(decode_block_msgpack(&bytes, &b).unwrap(), v);
    let j = encode_block_json(&v, &b).unwrap();
    assert_eq!(j["map"]["k"]["name"], "m");
    assert_eq!(j["set"][0]["name"], "s0");
    assert_eq!(decode_block_json(&j, &b).unwrap(), v);
}

#[test]
fn group_blocks_are_never_null_single_blocks_may_be() {
    let b = sample_block();
    // everything nil on the wire
    let bytes = mp(mpmap(vec![
        ("single", rmpv::Value::Nil),
        ("group", rmpv::Value::Nil),
    ]));
    let v = decode_block_msgpack(&bytes, &b).unwrap();
    assert_eq!(v.get("single"), &Value::Null);
    assert_eq!(
        v.get("group"),
        &obj(&[
            ("name", Value::Null),
            ("inner", obj(&[("flag", Value::Null)]))
        ])
    );
    assert_eq!(v.get("list"), &Value::Null);
    // encoding a null group writes an object of nulls
    let out = encode_block_msgpack(&obj(&[("id", s("x"))]), &b).unwrap();
    let raw = rmpv::decode::read_value(&mut out.as_slice()).unwrap();
    let group = raw
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_str() == Some("group"))
        .unwrap()
        .1
        .clone();
    assert!(group.is_map(), "group written as a map, got {group:?}");
    assert_eq!(
        empty_block_value(&b).get("group").get("inner"),
        &obj(&[("flag", Value::Null)])
    );
}

#[test]
fn block_json_state_drops_removed_attributes() {
    let b = sample_block();
    let j =
        serde_json::json!({"id": "x", "removed_attr": 1, "single": {"name": "n", "gone": true}});
    let v = decode_block_json(&j, &b).unwrap();
    assert_eq!(v.get("id"), &s("x"));
    assert_eq!(v.get("single"), &obj(&[("name", s("n"))]));
    assert_eq!(v.get("count"), &Value::Null);
    // plain decode_json stays strict
    assert!(decode_json(&j, &b.value_type()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Malformed input

#[test]
fn malformed_msgpack_is_an_error_not_a_panic() {
    let ty = otype(&[
        ("a", Type::list(Type::String)),
        ("b", Type::map(Type::Number)),
    ]);
    let good = encode_msgpack(
        &obj(&[("a", Value::List(vec![s("xyz")])), ("b", Value::Null)]),
        &ty,
    )
    .unwrap();
    // empty input
    assert_eq!(
        decode_msgpack(&[], &ty).unwrap_err().message,
        "empty msgpack value"
    );
    // every truncation of a valid value
    for cut in 1..good.len() {
        let e = decode_msgpack(&good[..cut], &ty).unwrap_err();
        assert!(e.message.contains("truncated"), "cut {cut}: {e}");
    }
    // trailing garbage
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0xc0, 0xc0]);
    assert_eq!(
        decode_msgpack(&trailing, &ty).unwrap_err().message,
        "2 unexpected bytes after the msgpack value"
    );
    // absurd lengths: array32/map32/str32/bin32 claiming 4G entries with nothing behind them
    for marker in [0xdd, 0xdf, 0xdb, 0xc6] {
        let bytes = [marker, 0xff, 0xff, 0xff, 0xff];
        assert!(decode_msgpack(&bytes, &Type::list(Type::String)).is_err());
        assert!(decode_msgpack(&bytes, &Type::String).is_err());
    }
    // the reserved marker 0xc1 is read as nil by rmpv: harmless, and never a panic
    assert_eq!(decode_msgpack(&[0xc1], &Type::String).unwrap(), Value::Null);
    // deep nesting: 100k nested arrays under a dynamic list-of-lists type
    let deep: Vec<u8> = std::iter::repeat_n(0x91u8, 100_000).chain([0xc0]).collect();
    let e = decode_msgpack(&deep, &Type::Dynamic).unwrap_err();
    assert!(e.message.contains("nested deeper"), "{e}");
    let mut nested_ty = Type::String;
    for _ in 0..200 {
        nested_ty = Type::list(nested_ty);
    }
    let e = decode_msgpack(&deep[99_800..], &nested_ty).unwrap_err();
    assert!(e.message.contains("nested deeper"), "{e}");
}

#[test]
fn deeply_nested_dynamic_types_are_refused() {
    // a dynamic value whose type JSON nests far deeper than any schema would
    let mut t = String::from("\"string\"");
    for _ in 0..100 {
        t = format!("[\"list\",{t}]");
    }
    let mut v = rmpv::Value::from("x");
    for _ in 0..100 {
        v = rmpv::Value::Array(vec![v]);
    }
    let wire = mp(rmpv::Value::Array(vec![
        rmpv::Value::Binary(t.into_bytes()),
        v,
    ]));
    assert!(decode_msgpack(&wire, &Type::Dynamic).is_err());
}

#[test]
fn malformed_json_is_an_error_not_a_panic() {
    let ty = otype(&[("a", Type::String)]);
    for bad in [
        &b""[..],
        b"{",
        b"{\"a\": }",
        b"[1,2",
        b"{\"a\":\"x\"} trailing",
        b"\xff\xfe",
    ] {
        assert!(decode_json_bytes(bad, &ty).is_err(), "{bad:?}");
    }
    let deep = "[".repeat(10_000);
    assert!(decode_json_bytes(deep.as_bytes(), &Type::list(Type::String)).is_err());
    // error messages never echo input (values may be secrets)
    let e = decode_json_bytes(b"{\"a\": \"s3cr3t", &ty).unwrap_err();
    assert!(!e.message.contains("s3cr3t"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Property tests

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map("[a-z]{1,6}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 1..3).prop_map(Type::Tuple),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        (-1.0e6f64..1.0e6f64).prop_map(|f| Number::Float(if f.fract() == 0.0 {
            f + 0.5
        } else {
            f
        })),
        Just(Number::Decimal("1e400".into())),
        Just(Number::Decimal("-123456789012345678901234567890".into())),
    ]
}

/// A value conforming to `ty`, with nulls and unknowns sprinkled at every level.
fn arb_value(ty: &Type) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::String => ".{0,8}".prop_map(Value::String).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Dynamic => Just(Value::Null).boxed(),
        Type::List(et) => prop::collection::vec(arb_value(et), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(et) => prop::collection::vec(arb_value(et), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(et) => prop::collection::btree_map(".{0,5}", arb_value(et), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attrs) => {
            let parts: Vec<_> = attrs
                .iter()
                .map(|(k, t)| (Just(k.clone()), arb_value(t)))
                .collect();
            parts
                .prop_map(|kv| Value::Object(kv.into_iter().collect()))
                .boxed()
        }
        Type::Tuple(ts) => {
            let parts: Vec<_> = ts.iter().map(arb_value).collect();
            parts.prop_map(Value::List).boxed()
        }
    };
    prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
}

fn arb_type_and_value() -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(|t| {
        let v = arb_value(&t);
        (Just(t), v)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prop_msgpack_round_trip((ty, v) in arb_type_and_value()) {
        let bytes = encode_msgpack(&v, &ty).unwrap();
        prop_assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), v.clone());
        if v.is_wholly_known() {
            let j = encode_json(&v, &ty).unwrap();
            prop_assert_eq!(decode_json(&j, &ty).unwrap(), v);
        }
    }

    #[test]
    fn prop_arbitrary_bytes_never_panic(ty in arb_type(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_msgpack(&bytes, &ty);
        let _ = decode_msgpack(&bytes, &Type::Dynamic);
        let _ = decode_json_bytes(&bytes, &ty);
    }

    #[test]
    fn prop_corrupted_valid_input_never_panics((ty, v) in arb_type_and_value(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut bytes = encode_msgpack(&v, &ty).unwrap();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(decoded) = decode_msgpack(&bytes, &ty) {
            // whatever decodes must encode again
            prop_assert!(encode_msgpack(&decoded, &ty).is_ok());
        }
    }
}
