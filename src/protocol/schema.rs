//! Framework schemas → tfplugin5 `Schema`, and the schema rules Terraform enforces.
//!
//! Terraform validates every schema it receives (`configschema.InternalValidate`) and rejects
//! the whole provider with a terse message when one breaks a rule; [`check`] reports the same
//! rules with the offending name, so a schema mistake is obvious from the first command.

use crate::framework::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::proto::tfplugin5 as pb;
use pb::schema::nested_block::NestingMode;

pub fn schema_to_proto(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block_to_proto(&s.block, s.version)),
    }
}

fn block_to_proto(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute_to_proto).collect(),
        block_types: b.blocks.iter().map(nested_to_proto).collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

fn attribute_to_proto(a: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: a.name.clone(),
        // cty type as compact JSON, e.g. `["map","string"]`
        r#type: a.ty.to_cty_json().to_string().into_bytes(),
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        // 5.8: Terraform 1.11+ never stores the value; older cores skip the field (the
        // framework refuses a value from them, see framework::validate::write_only)
        write_only: a.write_only,
    }
}

fn nested_to_proto(n: &NestedBlock) -> pb::schema::NestedBlock {
    pb::schema::NestedBlock {
        type_name: n.name.clone(),
        // nested blocks carry no version of their own
        block: Some(block_to_proto(&n.block, 0)),
        nesting: match n.nesting {
            Nesting::Single => NestingMode::Single,
            Nesting::List => NestingMode::List,
            Nesting::Set => NestingMode::Set,
            Nesting::Map => NestingMode::Map,
            Nesting::Group => NestingMode::Group,
        } as i32,
        min_items: n.min_items,
        max_items: n.max_items,
    }
}

/// The rules of `configschema.InternalValidate`, as messages naming the offending element
/// (`prefix` is the path so far, e.g. `azureai_hosted_agent_version.container`).
pub fn check(block: &Block, prefix: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let valid_name = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
    };
    let mut seen = std::collections::HashSet::new();
    for a in &block.attributes {
        let at = format!("{prefix}.{}", a.name);
        if !valid_name(&a.name) {
            problems.push(format!(
                "{at}: names may only contain lowercase letters, digits and underscores"
            ));
        }
        if !seen.insert(a.name.as_str()) {
            problems.push(format!("{at}: declared more than once"));
        }
        if !(a.required || a.optional || a.computed) {
            problems.push(format!("{at}: must be required, optional or computed"));
        }
        if a.required && (a.optional || a.computed) {
            problems.push(format!(
                "{at}: a required attribute cannot also be optional or computed"
            ));
        }
        if a.write_only && a.computed {
            problems.push(format!("{at}: a write-only attribute cannot be computed"));
        }
    }
    for n in &block.blocks {
        let at = format!("{prefix}.{}", n.name);
        if !valid_name(&n.name) {
            problems.push(format!(
                "{at}: names may only contain lowercase letters, digits and underscores"
            ));
        }
        if !seen.insert(n.name.as_str()) {
            problems.push(format!(
                "{at}: an attribute or block of this name already exists"
            ));
        }
        let (min, max) = (n.min_items, n.max_items);
        match n.nesting {
            Nesting::Single if min > 1 || max > 1 || min < 0 || max < 0 => problems.push(format!(
                "{at}: a single block allows min_items/max_items of 0 or 1 only"
            )),
            Nesting::Group | Nesting::Map if min != 0 || max != 0 => problems.push(format!(
                "{at}: group and map blocks cannot set min_items/max_items"
            )),
            Nesting::List | Nesting::Set if min < 0 || max < 0 || (max > 0 && min > max) => {
                problems.push(format!("{at}: min_items must be between 0 and max_items"))
            }
            _ => {}
        }
        problems.extend(check(&n.block, &at));
    }
    problems
}

/// Write-only attributes exist for managed resources only: Terraform refuses them in provider
/// and data source schemas.
pub fn check_no_write_only(block: &Block, prefix: &str) -> Vec<String> {
    let mut problems: Vec<String> = block
        .write_only_attributes()
        .map(|a| {
            format!(
                "{prefix}.{}: write-only attributes belong to managed resources only",
                a.name
            )
        })
        .collect();
    for n in &block.blocks {
        problems.extend(check_no_write_only(
            &n.block,
            &format!("{prefix}.{}", n.name),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::value::Type;

    #[test]
    fn converts_attributes_flags_and_nesting() {
        let s = Schema::new(
            2,
            Block::new()
                .description("The **thing**.")
                .attribute(Attribute::string("name").required().description("Name."))
                .attribute(
                    Attribute::typed("tags", Type::map(Type::String))
                        .optional()
                        .sensitive(),
                )
                .attribute(Attribute::number("n").computed().deprecated())
                .attribute(Attribute::string("s_wo").optional().write_only())
                .block(
                    NestedBlock::list(
                        "rule",
                        Block::new().attribute(Attribute::bool("on").optional()),
                    )
                    .min_items(1)
                    .max_items(3),
                )
                .block(NestedBlock::new("g", Nesting::Group, Block::new())),
        );
        let p = schema_to_proto(&s);
        assert_eq!(p.version, 2);
        let b = p.block.unwrap();
        assert_eq!(b.description, "The **thing**.");
        assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
        assert_eq!(b.attributes[0].r#type, b"\"string\"");
        assert!(b.attributes[0].required && !b.attributes[0].optional);
        assert_eq!(
            b.attributes[0].description_kind,
            pb::StringKind::Markdown as i32
        );
        assert_eq!(b.attributes[1].r#type, br#"["map","string"]"#);
        assert!(b.attributes[1].sensitive && b.attributes[1].optional);
        assert!(b.attributes[2].computed && b.attributes[2].deprecated);
        assert!(b.attributes[3].write_only && !b.attributes[2].write_only);
        assert_eq!(b.block_types[0].nesting, NestingMode::List as i32);
        assert_eq!(
            (b.block_types[0].min_items, b.block_types[0].max_items),
            (1, 3)
        );
        assert_eq!(
            b.block_types[0].block.as_ref().unwrap().attributes[0].r#type,
            b"\"bool\""
        );
        assert_eq!(b.block_types[1].nesting, NestingMode::Group as i32);
    }

    #[test]
    fn check_reports_terraform_schema_rules() {
        let ok = Block::new()
            .attribute(Attribute::string("a_1").optional_computed())
            .block(NestedBlock::single("s", Block::new()).max_items(1));
        assert!(check(&ok, "t").is_empty());
        let bad = Block::new()
            .attribute(Attribute::string("Bad"))
            .attribute(Attribute::string("r").required().computed())
            .attribute(Attribute::string("dup").optional())
            .block(
                NestedBlock::list("dup", Block::new())
                    .min_items(3)
                    .max_items(2),
            )
            .block(NestedBlock::single("one", Block::new()).max_items(2))
            .block(
                NestedBlock::new(
                    "m",
                    Nesting::Map,
                    Block::new().attribute(Attribute::string("x")),
                )
                .min_items(1),
            );
        let problems = check(&bad, "t");
        let expect = [
            "t.Bad: names may only",
            "t.Bad: must be required, optional or computed",
            "t.r: a required attribute",
            "t.dup: an attribute or block of this name already exists",
            "t.dup: min_items must be",
            "t.one: a single block",
            "t.m: group and map blocks",
            "t.m.x: must be required",
        ];
        for e in expect {
            assert!(
                problems.iter().any(|p| p.starts_with(e)),
                "missing {e:?} in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), expect.len(), "{problems:#?}");
        let wo = Block::new()
            .attribute(Attribute::string("w").optional_computed().write_only())
            .block(NestedBlock::single(
                "s",
                Block::new().attribute(Attribute::string("x").optional().write_only()),
            ));
        assert_eq!(
            check(&wo, "t"),
            ["t.w: a write-only attribute cannot be computed"]
        );
        assert_eq!(
            check_no_write_only(&wo, "data.t"),
            [
                "data.t.w: write-only attributes belong to managed resources only",
                "data.t.s.x: write-only attributes belong to managed resources only"
            ]
        );
    }
}
