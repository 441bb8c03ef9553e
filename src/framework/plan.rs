//! Plans from the schema ([`from_schema`]), and the helpers it is made of: computed-unknown
//! marking, requires-replace detection, keeping prior values that are only cosmetically
//! different, and schema defaults.
//!
//! With `legacy_type_system = false` Terraform checks every plan: a non-computed attribute
//! must be planned exactly as configured, and a computed one may only differ from the
//! configuration when the configuration left it null. These helpers respect that rule, so a
//! resource built on them cannot produce "Provider produced invalid plan".

use std::collections::BTreeMap;

use super::diag::{AttrPath, PathStep};
use super::schema::{Block, Nesting, OnChange};
use super::traits::{PlanRequest, PlanResponse};
use super::validate;
use super::value::Value;

/// The plan a schema's declarations give (the framework runs it before a resource's own
/// `modify_plan`; "schema-based plan modifications occur before any resource-level plan
/// modifications", as terraform-plugin-framework puts it):
///
/// 1. the validators run again on the configuration, errors only (validate skipped unknown
///    values, some of which are known now; its warnings were shown already); on an error the
///    proposed state goes back unchanged;
/// 2. write-only attributes are planned null (Terraform hands their values over in the
///    configuration, never in a plan); on create, computed attributes the configuration leaves
///    null become unknown;
/// 3. defaults fill optional+computed attributes the configuration leaves null (defaults
///    follow the configuration: removing an argument plans its default again);
/// 4. on update, a computed attribute whose new value is equivalent to the prior one keeps
///    the prior spelling;
/// 5. every `requires_replace` argument whose value changed (by its equivalence; unknown
///    counts as changed) is listed, and then computed values become unknown again (the
///    replacement gets new ones).
///
/// A destroy (null proposed state) plans null.
pub fn from_schema(block: &Block, req: &PlanRequest) -> PlanResponse {
    let mut resp = PlanResponse {
        planned_private: req.prior_private.clone(),
        ..PlanResponse::default()
    };
    if req.proposed_new_state.is_null() {
        return resp;
    }
    resp.diagnostics = validate::config(block, &req.config).errors();
    if resp.diagnostics.has_errors() {
        resp.planned_state = block.without_write_only(req.proposed_new_state.clone());
        return resp;
    }
    let config = &req.config;
    let prior = &req.prior_state;
    let mut planned = block.without_write_only(if prior.is_null() {
        mark_computed_unknown(block, config, &req.proposed_new_state)
    } else {
        req.proposed_new_state.clone()
    });
    apply_defaults(block, config, &mut planned);
    if prior.is_null() {
        resp.planned_state = planned;
        return resp;
    }
    for a in block.attributes.iter().filter(|a| a.computed) {
        if let Some(e) = &a.equivalence {
            keep_prior_when_equivalent(block, prior, &mut planned, &a.name, |x, y| e.holds(x, y));
        }
    }
    for arg in block
        .arguments()
        .filter(|a| a.on_change() == OnChange::Replace)
    {
        let name = arg.name();
        let (before, after) = (prior.get(name), planned.get(name));
        if !after.is_wholly_known() || !block.equivalent(name, before, after) {
            resp.requires_replace.push(AttrPath::root(name));
        }
    }
    if !resp.requires_replace.is_empty() {
        planned = mark_computed_unknown(block, config, &planned);
        apply_defaults(block, config, &mut planned);
    }
    resp.planned_state = planned;
    resp
}

/// Terraform's proposed new state, for tests that call a resource's plan without Terraform:
/// the configuration, with the prior value of every computed attribute the configuration
/// leaves null (top-level attributes; this provider's nested blocks have no computed ones).
pub fn propose(block: &Block, prior: &Value, config: &Value) -> Value {
    let mut proposed = config.clone();
    if matches!(prior, Value::Object(_)) && matches!(config, Value::Object(_)) {
        for a in block.attributes.iter().filter(|a| a.computed) {
            if config.get(&a.name).is_null() {
                proposed.set(&a.name, prior.get(&a.name).clone());
            }
        }
    }
    proposed
}

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

/// Applies the schema's defaults: an optional+computed attribute with a declared default that
/// `config` leaves null is planned as that default (instead of unknown or a stale prior
/// value). Attributes that are not optional+computed are skipped, because Terraform only lets
/// the provider choose values of computed attributes.
pub fn apply_defaults(block: &Block, config: &Value, planned: &mut Value) {
    if !matches!(planned, Value::Object(_)) {
        return;
    }
    for a in &block.attributes {
        let Some(default) = &a.default else {
            continue;
        };
        if a.optional && a.computed && config.get(&a.name).is_null() {
            planned.set(&a.name, default.clone());
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
        let mut b = block();
        for (name, default) in [
            ("region", s("westeurope")),
            ("description", s("x")),
            ("id", s("y")),
        ] {
            let a = b.attributes.iter_mut().find(|a| a.name == name).unwrap();
            a.default = Some(default);
        }
        let config = Value::object([
            ("name", s("n")),
            ("region", Value::Null),
            ("description", Value::Null),
        ]);
        let mut planned = mark_computed_unknown(&b, &config, &config);
        apply_defaults(&b, &config, &mut planned);
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
        apply_defaults(&b, &config, &mut planned);
        assert_eq!(planned.get("region"), &s("us"), "a configured value wins");
    }

    fn declared() -> Block {
        use crate::framework::schema::Attribute;
        Block::new()
            .attribute(Attribute::string("id").computed())
            .attribute(Attribute::string("name").required().requires_replace())
            .attribute(
                Attribute::string("size")
                    .optional_computed()
                    .default("1Gi")
                    .requires_replace()
                    .equivalent_str(|a, b| a.trim_end_matches("Gi") == b.trim_end_matches("Gi")),
            )
            .attribute(
                Attribute::bool("force")
                    .optional_computed()
                    .default(false)
                    .state_only(),
            )
            .attribute(
                Attribute::string("label")
                    .optional()
                    .validate_str(|v, at, d| {
                        if v.is_empty() {
                            d.error_at(at.clone(), "Invalid label", "Empty.");
                        }
                    }),
            )
    }

    fn plan(b: &Block, prior: &Value, config: &Value) -> PlanResponse {
        from_schema(
            b,
            &PlanRequest {
                prior_state: prior.clone(),
                proposed_new_state: propose(b, prior, config),
                config: config.clone(),
                prior_private: b"p".to_vec(),
            },
        )
    }

    #[test]
    fn from_schema_plans_defaults_unknowns_equivalence_and_replacement() {
        let b = declared();
        let mut config = b.null_value();
        config.set("name", s("a"));
        // create: defaults, computed unknown
        let r = plan(&b, &Value::Null, &config);
        assert!(r.diagnostics.is_empty() && r.requires_replace.is_empty());
        assert_eq!(r.planned_state.get("size"), &s("1Gi"));
        assert_eq!(r.planned_state.get("force"), &Value::Bool(false));
        assert!(r.planned_state.get("id").is_unknown());
        assert_eq!(r.planned_private, b"p");
        let mut prior = r.planned_state.clone();
        prior.set("id", s("x"));
        // same configuration: nothing changes
        let r = plan(&b, &prior, &config);
        assert_eq!(r.planned_state, prior);
        assert!(r.requires_replace.is_empty());
        // an equivalent spelling keeps the prior one
        config.set("size", s("1"));
        let r = plan(&b, &prior, &config);
        assert_eq!(r.planned_state.get("size"), &s("1Gi"));
        assert!(r.requires_replace.is_empty());
        // a state-only change is an in-place update
        config.set("force", Value::Bool(true));
        let r = plan(&b, &prior, &config);
        assert!(r.requires_replace.is_empty());
        assert_eq!(r.planned_state.get("id"), &s("x"));
        // a replacing change, or an unknown: replace, computed unknown again
        config.set("size", s("2Gi"));
        let r = plan(&b, &prior, &config);
        assert_eq!(r.requires_replace, [AttrPath::root("size")]);
        assert!(r.planned_state.get("id").is_unknown());
        assert_eq!(r.planned_state.get("force"), &Value::Bool(true));
        config.set("size", Value::Null);
        config.set("name", Value::Unknown);
        let r = plan(&b, &prior, &config);
        assert_eq!(r.requires_replace, [AttrPath::root("name")]);
        assert_eq!(r.planned_state.get("size"), &s("1Gi"), "the default again");
        // destroy
        let r = from_schema(
            &b,
            &PlanRequest {
                prior_state: prior.clone(),
                ..PlanRequest::default()
            },
        );
        assert!(r.planned_state.is_null());
    }

    #[test]
    fn from_schema_repeats_validation_errors_only() {
        let b = declared();
        let mut config = b.null_value();
        config.set("name", s("a"));
        config.set("label", s(""));
        let r = plan(&b, &Value::Null, &config);
        assert_eq!(r.diagnostics.0.len(), 1);
        assert_eq!(r.diagnostics.0[0].path, Some(AttrPath::root("label")));
        assert_eq!(
            r.planned_state, config,
            "the proposed state goes back as it came"
        );
    }
}
