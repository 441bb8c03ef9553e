//! What the fuzz targets check, one function per target. Each takes arbitrary bytes and panics
//! only when it finds a bug: a panic inside the provider's code, or a broken invariant.
//!
//! This file is compiled twice: as the `azureai_fuzz` library the `cargo fuzz` targets call
//! (nightly, libFuzzer), and as a module of `tests/reliability_fuzz_corpus.rs`, which replays
//! the saved corpora in `fuzz/corpus/<target>/` and runs bounded proptest inputs through the
//! very same functions on stable Rust. Keep it free of crate-level attributes and `crate::`
//! paths so both work.

use azureai::agents::{Agent, AgentVersion, ListPage};
use azureai::domain::quantity::{self, Cpu, Memory};
use azureai::framework::codec;
use azureai::framework::{Block, Type, Value};
use azureai::resources::hosted_agent_version;
use azureai::resources::hosted_agent_version::model::state_from_version;

/// Targets by name, for the corpus replay.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("value_decoder", value_decoder),
    ("quantity", quantity),
    ("api_response", api_response),
];

/// The types the value decoder is driven with; the first input byte picks one. The resource
/// and provider schemas are what Terraform really sends; the small types reach corners
/// (dynamic values, sets, tuples) faster.
fn decoder_types() -> Vec<Type> {
    use std::collections::BTreeMap;
    let obj = Type::Object(BTreeMap::from([
        ("a".to_owned(), Type::String),
        ("b".to_owned(), Type::list(Type::Number)),
        ("c".to_owned(), Type::Dynamic),
    ]));
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
        Type::set(Type::Number),
        Type::map(Type::Dynamic),
        Type::Tuple(vec![Type::String, Type::Bool, Type::Dynamic]),
        obj.clone(),
        Type::set(obj),
    ]
}

fn blocks() -> Vec<&'static Block> {
    vec![
        &hosted_agent_version::SCHEMA.block,
        &azureai::provider::config::SCHEMA.block,
    ]
}

/// Terraform's msgpack and JSON `DynamicValue`s (and stored JSON state), decoded by the
/// schema-aware codec. Whatever decodes must encode again, and the encoding must be a fixed
/// point: decoding and re-encoding it yields the same bytes (no value changes meaning on a
/// round trip through Terraform).
pub fn value_decoder(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let types = decoder_types();
    let blocks = blocks();
    let n = types.len() + blocks.len();
    match usize::from(selector) % n {
        i if i < types.len() => {
            let ty = &types[i];
            if let Ok(v) = codec::decode_msgpack(bytes, ty) {
                msgpack_fixed_point(&v, ty);
            }
            if let Ok(v) = codec::decode_json_bytes(bytes, ty) {
                json_fixed_point(&v, ty);
            }
        }
        i => {
            let block = blocks[i - types.len()];
            if let Ok(v) = codec::decode_block_msgpack(bytes, block) {
                let once =
                    codec::encode_block_msgpack(&v, block).expect("a decoded block value encodes");
                let again = codec::decode_block_msgpack(&once, block)
                    .expect("an encoded block value decodes");
                let twice = codec::encode_block_msgpack(&again, block).expect("re-encodes");
                assert_eq!(once, twice, "block msgpack encoding is not a fixed point");
            }
            if let Ok(j) = serde_json::from_slice::<serde_json::Value>(bytes) {
                if let Ok(v) = codec::decode_block_json(&j, block) {
                    let once =
                        codec::encode_block_json(&v, block).expect("a decoded block state encodes");
                    let again = codec::decode_block_json(&once, block)
                        .expect("an encoded block state decodes");
                    assert_eq!(
                        once,
                        codec::encode_block_json(&again, block).expect("re-encodes")
                    );
                }
            }
        }
    }
}

fn msgpack_fixed_point(v: &Value, ty: &Type) {
    let once = codec::encode_msgpack(v, ty).expect("a decoded value encodes");
    let again = codec::decode_msgpack(&once, ty).expect("an encoded value decodes");
    let twice = codec::encode_msgpack(&again, ty).expect("re-encodes");
    assert_eq!(
        once, twice,
        "msgpack encoding is not a fixed point for {ty:?}"
    );
}

fn json_fixed_point(v: &Value, ty: &Type) {
    let once = codec::encode_json(v, ty).expect("a decoded value encodes as JSON");
    let again = codec::decode_json(&once, ty).expect("an encoded JSON value decodes");
    assert_eq!(
        once,
        codec::encode_json(&again, ty).expect("re-encodes"),
        "JSON encoding is not a fixed point for {ty:?}"
    );
}

/// The cpu/memory quantity parser and its range/pairing checks. A parsed amount prints in a
/// canonical spelling that parses back to the same amount and is `equivalent` to the input.
pub fn quantity(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    let cpu = Cpu::parse(s);
    if let Ok(c) = &cpu {
        let canonical = c.to_string();
        assert_eq!(
            Cpu::parse(&canonical).as_ref(),
            Ok(c),
            "cpu {s:?} printed as {canonical:?}"
        );
        assert!(
            quantity::cpu_equivalent(s, &canonical),
            "{s:?} vs {canonical:?}"
        );
    }
    let mem = Memory::parse(s);
    if let Ok(m) = &mem {
        let canonical = m.to_string();
        assert_eq!(
            Memory::parse(&canonical).as_ref(),
            Ok(m),
            "memory {s:?} printed as {canonical:?}"
        );
        assert!(
            quantity::memory_equivalent(s, &canonical),
            "{s:?} vs {canonical:?}"
        );
    }
    // The checks must agree with the parser: an input the parser refuses is never in range.
    let checked_cpu = quantity::check_cpu(s);
    assert!(cpu.is_ok() || checked_cpu.is_err());
    let checked_mem = quantity::check_memory(s);
    assert!(mem.is_ok() || checked_mem.is_err());
    // Pairing must not overflow for any pair of parsed values, including absurd ones.
    if let (Ok(c), Ok(m)) = (cpu, mem) {
        let _ = quantity::pairing_warning(c, m);
    }
    // Split the input in two to pair a cpu and a memory spelled differently.
    if let Some((a, b)) = s.split_once('|') {
        if let (Ok(c), Ok(m)) = (Cpu::parse(a), Memory::parse(b)) {
            let _ = quantity::pairing_warning(c, m);
        }
    }
}

/// Service responses (version, agent, list page) as the client decodes them, then mapped to
/// Terraform state and encoded for Terraform the way Read and import do: no panic anywhere
/// on that path, whatever the service sends, and what decodes re-serialises to JSON that
/// decodes to the same model.
pub fn api_response(data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<AgentVersion>(data) {
        let json = serde_json::to_value(&v).expect("a decoded version serialises");
        let back: AgentVersion =
            serde_json::from_value(json).expect("a serialised version decodes");
        assert_eq!(back, v, "version does not survive a JSON round trip");
        to_terraform(&v);
    }
    if let Ok(page) = serde_json::from_slice::<ListPage<AgentVersion>>(data) {
        for v in &page.data {
            to_terraform(v);
        }
    }
    if let Ok(agent) = serde_json::from_slice::<Agent>(data) {
        if let Some(latest) = &agent.versions.latest {
            to_terraform(latest);
        }
    }
}

/// Import (no prior) and Read (prior = the imported state) of a decoded version, encoded as
/// the msgpack state Terraform receives.
fn to_terraform(v: &AgentVersion) {
    let block = &hosted_agent_version::SCHEMA.block;
    let imported = state_from_version(v, None);
    let bytes = codec::encode_block_msgpack(&imported, block)
        .expect("state from any service version encodes");
    let decoded = codec::decode_block_msgpack(&bytes, block).expect("encoded state decodes");
    let read = state_from_version(v, Some(&decoded));
    assert_eq!(
        codec::encode_block_msgpack(&read, block).expect("read state encodes"),
        bytes,
        "reading a version right after importing it changed the state"
    );
}
