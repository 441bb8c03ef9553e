//! Plan helpers shared by resources: computed-unknown marking, requires-replace detection,
//! keeping prior values that are only cosmetically different, and schema defaults.
//!
//! With `legacy_type_system = false` Terraform checks every plan: a non-computed attribute
//! must be planned exactly as configured, and a computed one may only differ from the
//! configuration when the configuration left it null. These helpers respect that rule, so a
//! resource built on them cannot produce "Provider produced invalid plan".

use std::collections::BTreeMap;

use super::diag::{AttrPath, PathStep};
use super::schema::{Block, Nesting};
use super::value::Value;

/// On create: every computed attribute whose configuration value is null becomes Unknown
/// ("known after apply"), recursively into nested blocks. Optional+computed attributes the
/// user did set keep their configured value.
///
/// Only for creates: on update, Terraform's proposed state already carries the prior values
/// of computed attributes, and marking them unknown would show a spurious diff.
pub fn mark_computed_unknown(block: &Block, config: &Value, proposed: &Value) -> Value {
    let Value::Object(attrs) = proposed else {
        // null or unknown blocks have no attributes to mark
        return proposed.clone();
    };
    let mut out = attrs.clone();
    for a in block.attributes.iter().filter(|a| a.computed) {
        if config.get(&a.name).is_null() {
            out.insert(a.name.clone(), Value::Unknown);
        }
    }
    for nb in &block.blocks {
        let (Some(p), c) = (attrs.get(&nb.name), config.get(&nb.name)) else {
            continue;
        };
        let marked = match (nb.nesting, p) {
            (Nesting::Single | Nesting::Group, Value::Object(_)) => {
                mark_computed_unknown(&nb.block, c, p)
            }
            (Nesting::List, Value::List(items)) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let ci = c.as_elements().and_then(|e| e.get(i)).unwrap_or(item);
                        mark_computed_unknown(&nb.block, ci, item)
                    })
                    .collect(),
            ),
            // Set elements cannot be matched to config elements by position; on create
            // Terraform proposes each set element exactly as configured, so the element is
            // its own configuration.
            (Nesting::Set, Value::Set(items)) => Value::Set(
                items
                    .iter()
                    .map(|item| mark_computed_unknown(&nb.block, item, item))
                    .collect(),
            ),
            (Nesting::Map, Value::Map(items)) => Value::Map(
                items
                    .iter()
                    .map(|(k, item)| {
                        let ci = c.as_map().and_then(|m| m.get(k)).unwrap_or(item);
                        (k.clone(), mark_computed_unknown(&nb.block, ci, item))
                    })
                    .collect(),
            ),
            _ => p.clone(),
        };
        out.insert(nb.name.clone(), marked);
    }
    Value::Object(out)
}

/// Semantic equality of values: sets compare as unordered collections (Terraform gives no
/// order guarantee), numbers by value (`1` equals `1.0`), everything else structurally.
/// Unknown equals nothing, not even another unknown: it may become anything.
pub fn semantically_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Unknown, _) | (_, Value::Unknown) => false,
        (Value::Set(x), Value::Set(y))
        | (Value::Set(x), Value::List(y))
        | (Value::List(y), Value::Set(x)) => set_equal(x, y),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| semantically_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => map_equal(x, y),
        _ => a == b,
    }
}

fn map_equal(x: &BTreeMap<String, Value>, y: &BTreeMap<String, Value>) -> bool {
    // Objects from different sources may omit null attributes: treat a missing key as null.
    x.keys().chain(y.keys()).all(|k| {
        let p = x.get(k).unwrap_or(&Value::Null);
        let q = y.get(k).unwrap_or(&Value::Null);
        semantically_equal(p, q)
    })
}

/// Multiset equality (each element of `x` consumes one equal element of `y`).
fn set_equal(x: &[Value], y: &[Value]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let mut used = vec![false; y.len()];
    x.iter().all(|p| {
        let hit = y
            .iter()
            .enumerate()
            .find(|(i, q)| !used[*i] && semantically_equal(p, q))
            .map(|(i, _)| i);
        hit.map(|i| used[i] = true).is_some()
    })
}

/// The top-level attributes among `names` whose planned value differs from the prior one
/// (semantic equality, so a reordered set is no change). An unknown planned value counts as
/// a change: it may turn out different. Empty when there is no prior state (create).
///
/// Typical use: `resp.requires_replace = attributes_changed(&prior, &planned, &["name", "image"])`.
pub fn attributes_changed(prior: &Value, planned: &Value, names: &[&str]) -> Vec<AttrPath> {
    paths_changed(
        prior,
        planned,
        &names.iter().map(|n| AttrPath::root(n)).collect::<Vec<_>>(),
    )
}

/// Like [`attributes_changed`] for arbitrary paths (e.g. `container.image`). A path that does
/// not resolve on one side counts as null there.
pub fn paths_changed(prior: &Value, planned: &Value, paths: &[AttrPath]) -> Vec<AttrPath> {
    if !matches!(prior, Value::Object(_)) || !matches!(planned, Value::Object(_)) {
        return Vec::new();
    }
    paths
        .iter()
        .filter(|p| {
            let before = resolve(prior, p);
            let after = resolve(planned, p);
            // a value inside an unknown block is unknown, hence a change
            after.is_unknown() || !semantically_equal(&before, &after)
        })
        .cloned()
        .collect()
}

/// Follows `path`, treating a missing step as null and a step into an unknown as unknown.
fn resolve(v: &Value, path: &AttrPath) -> Value {
    let mut cur = v;
    for step in path.steps() {
        if cur.is_unknown() {
            return Value::Unknown;
        }
        let next = match (step, cur) {
            (PathStep::Attr(a), Value::Object(m)) => m.get(a),
            (PathStep::Key(k), Value::Map(m)) => m.get(k),
            (PathStep::Index(i), Value::List(e) | Value::Set(e)) => {
                usize::try_from(*i).ok().and_then(|i| e.get(i))
            }
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return Value::Null,
        }
    }
    cur.clone()
}

/// Keeps the prior value of the computed attribute `name` when the planned value is known
/// and `equivalent(prior, planned)` says the two mean the same (e.g. a duration written as
/// `"60m"` vs `"1h"`, or JSON with different whitespace). Returns whether it replaced it.
///
/// Only computed attributes (optional+computed) are touched: Terraform rejects a plan that
/// changes a value the user configured for a non-computed attribute, so for those the
/// resource must normalise in its read instead.
pub fn keep_prior_when_equivalent(
    block: &Block,
    prior: &Value,
    planned: &mut Value,
    name: &str,
    equivalent: impl Fn(&Value, &Value) -> bool,
) -> bool {
    if !block.find_attribute(name).is_some_and(|a| a.computed) {
        return false;
    }
    let before = prior.get(name);
    let after = planned.get(name);
    if before.is_null() || !before.is_wholly_known() || !after.is_wholly_known() || before == after
    {
        return false;
    }
    if !equivalent(before, after) {
        return false;
    }
    let keep = before.clone();
    planned.set(name, keep);
    true
}

/// Applies schema defaults: for each `(name, default)`, an optional+computed attribute left
/// null in `config` is planned as `default` (instead of unknown or a stale prior value).
/// Attributes that are not optional+computed are skipped, because Terraform only lets the
/// provider choose values of computed attributes.
pub fn apply_defaults<'a>(
    block: &Block,
    config: &Value,
    planned: &mut Value,
    defaults: impl IntoIterator<Item = (&'a str, Value)>,
) {
    for (name, default) in defaults {
        let Some(a) = block.find_attribute(name) else {
            continue;
        };
        if a.optional && a.computed && config.get(name).is_null() {
            planned.set(name, default);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::{Attribute, NestedBlock};
    use crate::framework::value::Number;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn block() -> Block {
        let port = Block::new()
            .attribute(Attribute::number("port").required())
            .attribute(Attribute::string("protocol").optional_computed())
            .attribute(Attribute::string("rule_id").computed());
        Block::new()
            .attribute(Attribute::string("name").required())
            .attribute(Attribute::string("id").computed())
            .attribute(Attribute::string("region").optional_computed())
            .attribute(Attribute::string("description").optional())
            .attribute(
                Attribute::typed(
                    "tags",
                    crate::framework::value::Type::set(crate::framework::value::Type::String),
                )
                .optional(),
            )
            .block(NestedBlock::list("rule", port.clone()))
            .block(NestedBlock::new("set_rule", Nesting::Set, port.clone()))
            .block(NestedBlock::new("map_rule", Nesting::Map, port.clone()))
            .block(NestedBlock::single("single", port))
    }

    fn rule(port: i64, protocol: Value, rule_id: Value) -> Value {
        Value::object([
            ("port", Value::int(port)),
            ("protocol", protocol),
            ("rule_id", rule_id),
        ])
    }

    #[test]
    fn create_marks_unset_computed_attributes_unknown_recursively() {
        let b = block();
        let config = Value::object([
            ("name", s("n")),
            ("id", Value::Null),
            ("region", s("eu")),
            ("description", Value::Null),
            (
                "rule",
                Value::List(vec![
                    rule(80, Value::Null, Value::Null),
                    rule(443, s("tcp"), Value::Null),
                ]),
            ),
            (
                "set_rule",
                Value::Set(vec![rule(1, Value::Null, Value::Null)]),
            ),
            (
                "map_rule",
                Value::Map([("a".to_string(), rule(2, s("udp"), Value::Null))].into()),
            ),
            ("single", Value::Null),
        ]);
        let planned = mark_computed_unknown(&b, &config, &config);
        assert_eq!(planned.get("name"), &s("n"));
        assert_eq!(planned.get("id"), &Value::Unknown);
        assert_eq!(
            planned.get("region"),
            &s("eu"),
            "configured optional+computed kept"
        );
        assert_eq!(
            planned.get("description"),
            &Value::Null,
            "optional non-computed stays null"
        );
        assert_eq!(
            planned.get("single"),
            &Value::Null,
            "absent single block stays null"
        );
        let rules = planned.get("rule").as_elements().unwrap();
        assert_eq!(rules[0], rule(80, Value::Unknown, Value::Unknown));
        assert_eq!(rules[1], rule(443, s("tcp"), Value::Unknown));
        assert_eq!(
            planned.get("set_rule").as_elements().unwrap()[0],
            rule(1, Value::Unknown, Value::Unknown)
        );
        assert_eq!(
            planned.get("map_rule").as_map().unwrap()["a"],
            rule(2, s("udp"), Value::Unknown)
        );
        // null (destroy) or unknown proposals pass through
        assert_eq!(
            mark_computed_unknown(&b, &Value::Null, &Value::Null),
            Value::Null
        );
        assert_eq!(
            mark_computed_unknown(&b, &Value::Unknown, &Value::Unknown),
            Value::Unknown
        );
    }

    #[test]
    fn semantic_equality_ignores_set_order_and_number_form() {
        let a = Value::Set(vec![s("x"), s("y"), s("x")]);
        assert!(semantically_equal(
            &a,
            &Value::Set(vec![s("x"), s("x"), s("y")])
        ));
        assert!(!semantically_equal(
            &a,
            &Value::Set(vec![s("x"), s("y"), s("y")])
        ));
        assert!(!semantically_equal(&a, &Value::Set(vec![s("x"), s("y")])));
        assert!(semantically_equal(
            &Value::int(1),
            &Value::Number(Number::Float(1.0))
        ));
        assert!(!semantically_equal(
            &Value::List(vec![s("a"), s("b")]),
            &Value::List(vec![s("b"), s("a")])
        ));
        assert!(!semantically_equal(&Value::Unknown, &Value::Unknown));
        assert!(semantically_equal(
            &Value::object([("a", Value::Null)]),
            &Value::object([("b", Value::Null)])
        ));
        let nested = |o: Vec<Value>| Value::object([("tags", Value::Set(o))]);
        assert!(semantically_equal(
            &nested(vec![s("1"), s("2")]),
            &nested(vec![s("2"), s("1")])
        ));
    }

    #[test]
    fn attributes_changed_reports_changed_and_unknown_attributes() {
        let prior = Value::object([
            ("name", s("a")),
            ("region", s("eu")),
            ("tags", Value::Set(vec![s("x"), s("y")])),
        ]);
        let same_reordered = Value::object([
            ("name", s("a")),
            ("region", s("eu")),
            ("tags", Value::Set(vec![s("y"), s("x")])),
        ]);
        assert!(
            attributes_changed(&prior, &same_reordered, &["name", "region", "tags"]).is_empty()
        );
        let changed = Value::object([
            ("name", s("b")),
            ("region", Value::Unknown),
            ("tags", Value::Set(vec![s("x")])),
        ]);
        assert_eq!(
            attributes_changed(&prior, &changed, &["name", "region", "tags"]),
            vec![
                AttrPath::root("name"),
                AttrPath::root("region"),
                AttrPath::root("tags")
            ]
        );
        // only the names asked for
        assert_eq!(
            attributes_changed(&prior, &changed, &["name"]),
            vec![AttrPath::root("name")]
        );
        // create and destroy: nothing to replace
        assert!(attributes_changed(&Value::Null, &changed, &["name"]).is_empty());
        assert!(attributes_changed(&prior, &Value::Null, &["name"]).is_empty());
        // nested paths
        let p = Value::object([("single", rule(80, s("tcp"), s("r")))]);
        let q = Value::object([("single", rule(81, s("tcp"), s("r")))]);
        let port = AttrPath::root("single").attr("port");
        let protocol = AttrPath::root("single").attr("protocol");
        assert_eq!(
            paths_changed(&p, &q, &[port.clone(), protocol.clone()]),
            vec![port.clone()]
        );
        let unknown_block = Value::object([("single", Value::Unknown)]);
        assert_eq!(
            paths_changed(&p, &unknown_block, std::slice::from_ref(&port)),
            vec![port]
        );
    }

    #[test]
    fn keep_prior_only_for_equivalent_computed_values() {
        let b = block();
        let prior = Value::object([("region", s("EU")), ("description", s("A"))]);
        let case_insensitive = |a: &Value, b: &Value| {
            a.as_str().map(str::to_lowercase) == b.as_str().map(str::to_lowercase)
        };
        let mut planned = Value::object([("region", s("eu")), ("description", s("a"))]);
        assert!(keep_prior_when_equivalent(
            &b,
            &prior,
            &mut planned,
            "region",
            case_insensitive
        ));
        assert_eq!(planned.get("region"), &s("EU"));
        // non-computed attribute: never replaced (Terraform would reject the plan)
        assert!(!keep_prior_when_equivalent(
            &b,
            &prior,
            &mut planned,
            "description",
            case_insensitive
        ));
        assert_eq!(planned.get("description"), &s("a"));
        // not equivalent, or unknown: untouched
        let mut planned = Value::object([("region", s("us"))]);
        assert!(!keep_prior_when_equivalent(
            &b,
            &prior,
            &mut planned,
            "region",
            case_insensitive
        ));
        assert_eq!(planned.get("region"), &s("us"));
        let mut planned = Value::object([("region", Value::Unknown)]);
        assert!(!keep_prior_when_equivalent(
            &b,
            &prior,
            &mut planned,
            "region",
            |_, _| true
        ));
        assert_eq!(planned.get("region"), &Value::Unknown);
    }

    #[test]
    fn defaults_fill_only_unset_optional_computed_attributes() {
        let b = block();
        let config = Value::object([
            ("name", s("n")),
            ("region", Value::Null),
            ("description", Value::Null),
        ]);
        let mut planned = mark_computed_unknown(&b, &config, &config);
        apply_defaults(
            &b,
            &config,
            &mut planned,
            [
                ("region", s("westeurope")),
                ("description", s("x")),
                ("id", s("y")),
            ],
        );
        assert_eq!(planned.get("region"), &s("westeurope"));
        assert_eq!(
            planned.get("description"),
            &Value::Null,
            "optional-only: the user's null stands"
        );
        assert_eq!(
            planned.get("id"),
            &Value::Unknown,
            "computed-only: not a default"
        );
        let config = Value::object([("region", s("us"))]);
        let mut planned = config.clone();
        apply_defaults(&b, &config, &mut planned, [("region", s("westeurope"))]);
        assert_eq!(planned.get("region"), &s("us"), "a configured value wins");
    }
}
