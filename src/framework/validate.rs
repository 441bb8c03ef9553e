//! Runs the validators a schema declares over a configuration value.
//!
//! The framework, not each rule, skips what cannot be checked yet and says where a value is:
//! a validator never sees a null or unknown value (Terraform checks required arguments
//! itself; unknown values are checked again at plan, once known), and it gets the attribute's
//! path, list elements included (`tool[1].server_url`). Nested blocks are walked element by
//! element; set elements have no index, so their findings point at the block.

use super::diag::{AttrPath, Diagnostics};
use super::schema::{Block, Nesting};
use super::traits::ClientCapabilities;
use super::value::Value;

/// The first Terraform version that supports write-only arguments (tfplugin5 5.8).
pub const WRITE_ONLY_MIN_TERRAFORM: &str = "1.11";

/// Write-only arguments set (or unknown) in `config` of a Terraform that did not announce
/// `write_only_attributes_allowed`: such a Terraform takes the argument for an ordinary one
/// and would store its value in the plan and the state, so the value is refused, never
/// dropped silently and never stored.
pub fn write_only(block: &Block, config: &Value, caps: &ClientCapabilities) -> Diagnostics {
    let mut d = Diagnostics::new();
    if caps.write_only_attributes_allowed || !matches!(config, Value::Object(_)) {
        return d;
    }
    for a in block.write_only_attributes() {
        if config.get(&a.name).is_null() {
            continue;
        }
        d.error_at(
            AttrPath::root(&a.name),
            "Write-only argument not supported",
            format!(
                "`{name}` is a write-only argument: Terraform passes its value to the provider during apply and never stores it in the plan or the state. Write-only arguments need Terraform {WRITE_ONLY_MIN_TERRAFORM} or later; this Terraform does not support them and would store the value in the state. Upgrade Terraform to {WRITE_ONLY_MIN_TERRAFORM} or later, or remove `{name}` from the configuration.",
                name = a.name
            ),
        );
    }
    d
}

/// Every finding of the validators declared in `block` (and its nested blocks) on `config`.
pub fn config(block: &Block, config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    walk(block, config, &AttrPath::default(), &mut d);
    d
}

fn walk(block: &Block, value: &Value, at: &AttrPath, d: &mut Diagnostics) {
    if !matches!(value, Value::Object(_)) {
        return;
    }
    let here = |name: &str| {
        if at.is_empty() {
            AttrPath::root(name)
        } else {
            at.clone().attr(name)
        }
    };
    for a in block.attributes.iter().filter(|a| !a.validators.is_empty()) {
        let v = value.get(&a.name);
        if v.is_null() || v.is_unknown() {
            continue;
        }
        let path = here(&a.name);
        for check in &a.validators {
            check.run(v, &path, d);
        }
    }
    for nb in &block.blocks {
        let v = value.get(&nb.name);
        if v.is_null() || v.is_unknown() {
            continue;
        }
        let path = here(&nb.name);
        for check in &nb.validators {
            check.run(v, &path, d);
        }
        match (nb.nesting, v) {
            (Nesting::Single | Nesting::Group, _) => walk(&nb.block, v, &path, d),
            (Nesting::List, Value::List(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk(&nb.block, item, &path.clone().index(i), d);
                }
            }
            (Nesting::Set, Value::Set(items)) => {
                for item in items {
                    walk(&nb.block, item, &path, d);
                }
            }
            (Nesting::Map, Value::Map(items)) => {
                for (k, item) in items {
                    walk(&nb.block, item, &path.clone().key(k), d);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::{Attribute, NestedBlock};

    fn short(s: &str, at: &AttrPath, d: &mut Diagnostics) {
        if s.len() > 3 {
            d.error_at(
                at.clone(),
                "Invalid name",
                format!("{s:?} is longer than 3."),
            );
        }
    }

    fn block() -> Block {
        Block::new()
            .attribute(Attribute::string("name").optional().validate_str(short))
            .attribute(
                Attribute::string_map("tags")
                    .optional()
                    .validate(|v, at, d| {
                        for k in v.as_map().into_iter().flatten().map(|(k, _)| k) {
                            if k.is_empty() {
                                d.error_at(at.clone().key(k), "Invalid tag", "Empty key.");
                            }
                        }
                    }),
            )
            .block(
                NestedBlock::list(
                    "rule",
                    Block::new()
                        .attribute(Attribute::string("label").required().validate_str(short)),
                )
                .validate(|v, at, d| {
                    if v.as_elements().is_some_and(|e| e.len() > 2) {
                        d.error_at(at.clone(), "Too many rules", "At most 2.");
                    }
                }),
            )
    }

    fn rule(label: Value) -> Value {
        Value::object([("label", label)])
    }

    fn paths(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn validators_get_known_values_and_their_paths() {
        let b = block();
        let mut v = b.null_value();
        v.set("name", Value::string("long"));
        v.set(
            "tags",
            Value::Map([(String::new(), Value::Unknown)].into_iter().collect()),
        );
        v.set(
            "rule",
            Value::List(vec![
                rule(Value::string("ok")),
                rule(Value::string("toolong")),
                rule(Value::Unknown),
            ]),
        );
        assert_eq!(
            paths(&config(&b, &v)),
            ["name", "tags[\"\"]", "rule", "rule[1].label"]
        );
    }

    #[test]
    fn write_only_values_need_the_capability() {
        let b = Block::new()
            .attribute(Attribute::string("name").optional())
            .attribute(Attribute::string_map("secret_wo").optional().write_only());
        let mut v = b.null_value();
        let old = ClientCapabilities::default();
        let new = ClientCapabilities {
            write_only_attributes_allowed: true,
        };
        assert!(write_only(&b, &v, &old).is_empty(), "unset is fine");
        v.set("secret_wo", Value::Unknown);
        let d = write_only(&b, &v, &old);
        assert_eq!(paths(&d), ["secret_wo"], "unknown counts as set");
        let detail = &d.iter().next().unwrap().detail;
        assert!(detail.contains("Terraform 1.11 or later"), "{detail}");
        assert!(detail.contains("`secret_wo`"), "{detail}");
        assert!(write_only(&b, &v, &new).is_empty());
    }

    #[test]
    fn null_and_unknown_values_are_never_checked() {
        let b = block();
        assert!(config(&b, &b.null_value()).is_empty());
        let mut v = b.null_value();
        v.set("name", Value::Unknown);
        v.set("tags", Value::Unknown);
        v.set("rule", Value::Unknown);
        assert!(config(&b, &v).is_empty());
        assert!(config(&b, &Value::Unknown).is_empty());
    }
}
