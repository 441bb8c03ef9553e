//! `DynamicValue` ↔ [`Value`], guided by a block schema.
//!
//! Terraform normally fills `msgpack`; `json` is the fallback some older paths use. An unset
//! field, or both encodings empty, means null. Answers are always msgpack, because not every
//! RPC accepts JSON in every Terraform version.

use crate::framework::Block;
use crate::framework::Value;
use crate::framework::codec::{self, CodecError};
use crate::proto::tfplugin5::DynamicValue;

pub fn decode(dv: Option<&DynamicValue>, block: &Block) -> Result<Value, CodecError> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    if !dv.msgpack.is_empty() {
        return codec::decode_block_msgpack(&dv.msgpack, block);
    }
    if !dv.json.is_empty() {
        let v = codec::decode_json_bytes(&dv.json, &block.value_type())?;
        return Ok(codec::normalize_groups(block, v));
    }
    Ok(Value::Null)
}

pub fn encode(v: &Value, block: &Block) -> Result<DynamicValue, CodecError> {
    Ok(DynamicValue {
        msgpack: codec::encode_block_msgpack(v, block)?,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attribute;

    fn block() -> Block {
        Block::new()
            .attribute(Attribute::string("a").optional())
            .attribute(Attribute::number("n").optional())
    }

    #[test]
    fn absent_and_empty_values_are_null() {
        assert_eq!(decode(None, &block()).unwrap(), Value::Null);
        assert_eq!(
            decode(Some(&DynamicValue::default()), &block()).unwrap(),
            Value::Null
        );
        let nil = DynamicValue {
            msgpack: vec![0xc0],
            json: vec![],
        };
        assert_eq!(decode(Some(&nil), &block()).unwrap(), Value::Null);
        assert_eq!(encode(&Value::Null, &block()).unwrap().msgpack, vec![0xc0]);
    }

    #[test]
    fn msgpack_first_json_fallback() {
        let v = Value::object([("a", Value::string("x")), ("n", Value::int(3))]);
        let dv = encode(&v, &block()).unwrap();
        assert!(dv.json.is_empty(), "answers are msgpack only");
        assert_eq!(decode(Some(&dv), &block()).unwrap(), v);
        let json = DynamicValue {
            msgpack: vec![],
            json: br#"{"a":"x","n":"3"}"#.to_vec(),
        };
        assert_eq!(decode(Some(&json), &block()).unwrap(), v);
        // msgpack wins when both are present
        let both = DynamicValue {
            msgpack: dv.msgpack.clone(),
            json: b"garbage".to_vec(),
        };
        assert_eq!(decode(Some(&both), &block()).unwrap(), v);
        let bad = DynamicValue {
            msgpack: vec![],
            json: b"{".to_vec(),
        };
        assert!(decode(Some(&bad), &block()).is_err());
    }
}
