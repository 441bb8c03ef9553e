//! Renders a [`Block`] as the "Schema" section of a Terraform Registry page, in the layout
//! tfplugindocs produces for Go providers: Required / Optional / Read-Only lists, then one
//! "Nested Schema" section per nested block or object attribute, linked by anchors.

use std::fmt::Write as _;

use crate::framework::schema::{Attribute, Block, NestedBlock, Nesting};
use crate::framework::value::Type;

/// The `## Schema` section (without the heading) for a top-level block.
pub fn render_schema(block: &Block) -> String {
    let mut out = String::new();
    let mut nested = Vec::new();
    render_groups(block, "", &mut out, &mut nested, "###");
    // Breadth-first, like tfplugindocs: nested sections follow in the order they were linked.
    let mut i = 0;
    while i < nested.len() {
        let item: Nested = nested[i].clone();
        out.push('\n');
        let _ = writeln!(out, "<a id=\"{}\"></a>", item.anchor);
        let _ = writeln!(out, "### Nested Schema for `{}`", item.path);
        match item.kind {
            NestedKind::Block(block) => {
                render_groups(&block, &item.path, &mut out, &mut nested, "");
            }
            NestedKind::Object(attrs) => {
                out.push_str("\nRead-Only:\n\n");
                for (name, ty) in attrs {
                    let _ = writeln!(out, "- `{name}` ({})", type_label(&ty));
                }
            }
        }
        i += 1;
    }
    out
}

#[derive(Clone)]
struct Nested {
    path: String,
    anchor: String,
    kind: NestedKind,
}

#[derive(Clone)]
enum NestedKind {
    Block(Block),
    /// Attributes of a computed object (or list/set/map of objects): names and types only,
    /// since cty object types carry no descriptions.
    Object(Vec<(String, Type)>),
}

#[derive(PartialEq, Clone, Copy)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
}

fn attribute_group(a: &Attribute) -> Group {
    if a.required {
        Group::Required
    } else if a.optional {
        Group::Optional
    } else {
        Group::ReadOnly
    }
}

fn block_group(b: &NestedBlock) -> Group {
    if b.min_items > 0 {
        Group::Required
    } else {
        Group::Optional
    }
}

/// Writes the three groups of one block. At top level the group titles are `### …` headings;
/// inside nested sections they are plain `Required:` lines, as tfplugindocs does.
fn render_groups(
    block: &Block,
    parent: &str,
    out: &mut String,
    nested: &mut Vec<Nested>,
    heading: &str,
) {
    for group in [Group::Required, Group::Optional, Group::ReadOnly] {
        let mut lines = Vec::new();
        let mut entries: Vec<Entry> = block
            .attributes
            .iter()
            .filter(|a| attribute_group(a) == group)
            .map(Entry::Attribute)
            .chain(
                block
                    .blocks
                    .iter()
                    .filter(|b| block_group(b) == group)
                    .map(Entry::Block),
            )
            .collect();
        entries.sort_by(|a, b| a.name().cmp(b.name()));
        for entry in entries {
            lines.push(entry.line(parent, nested));
        }
        if lines.is_empty() {
            continue;
        }
        out.push('\n');
        if heading.is_empty() {
            let _ = writeln!(out, "{}:", group.title());
        } else {
            let _ = writeln!(out, "{heading} {}", group.title());
        }
        out.push('\n');
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
}

enum Entry<'a> {
    Attribute(&'a Attribute),
    Block(&'a NestedBlock),
}

impl Entry<'_> {
    fn name(&self) -> &str {
        match self {
            Entry::Attribute(a) => &a.name,
            Entry::Block(b) => &b.name,
        }
    }

    fn line(&self, parent: &str, nested: &mut Vec<Nested>) -> String {
        let path = if parent.is_empty() {
            self.name().to_owned()
        } else {
            format!("{parent}.{}", self.name())
        };
        match self {
            Entry::Attribute(a) => {
                let mut label = type_label(&a.ty);
                if a.sensitive {
                    label.push_str(", Sensitive");
                }
                if a.deprecated {
                    label.push_str(", Deprecated");
                }
                if a.write_only {
                    // tfplugindocs' label; the description says which Terraform supports it.
                    label.push_str(", Write-only");
                }
                let mut line = format!("- `{}` ({label})", a.name);
                push_description(&mut line, &a.description);
                if let Some(attrs) = object_attributes(&a.ty) {
                    let anchor = format!("nestedatt--{}", path.replace('.', "--"));
                    let _ = write!(line, " (see [below for nested schema](#{anchor}))");
                    nested.push(Nested {
                        path,
                        anchor,
                        kind: NestedKind::Object(attrs),
                    });
                }
                line
            }
            Entry::Block(b) => {
                let mut line = format!("- `{}` ({})", b.name, block_label(b));
                push_description(&mut line, &b.block.description);
                let anchor = format!("nestedblock--{}", path.replace('.', "--"));
                let _ = write!(line, " (see [below for nested schema](#{anchor}))");
                nested.push(Nested {
                    path,
                    anchor,
                    kind: NestedKind::Block(b.block.clone()),
                });
                line
            }
        }
    }
}

/// Multi-paragraph descriptions stay readable inside a list item: continuation lines are
/// indented so markdown keeps them in the item.
fn push_description(line: &mut String, description: &str) {
    let description = description.trim();
    if description.is_empty() {
        return;
    }
    line.push(' ');
    let mut first = true;
    for l in description.lines() {
        if !first {
            line.push('\n');
            if !l.trim().is_empty() {
                line.push_str("  ");
            }
        }
        line.push_str(l.trim_end());
        first = false;
    }
}

fn block_label(b: &NestedBlock) -> String {
    let mut label = match b.nesting {
        Nesting::Single | Nesting::Group => "Block".to_owned(),
        Nesting::List => "Block List".to_owned(),
        Nesting::Set => "Block Set".to_owned(),
        Nesting::Map => "Block Map".to_owned(),
    };
    if matches!(b.nesting, Nesting::List | Nesting::Set | Nesting::Map) {
        if b.min_items > 0 {
            let _ = write!(label, ", Min: {}", b.min_items);
        }
        if b.max_items > 0 {
            let _ = write!(label, ", Max: {}", b.max_items);
        }
    }
    if b.block.deprecated {
        label.push_str(", Deprecated");
    }
    label
}

/// `String`, `Number`, `Bool`, `List of String`, `Map of String`, `List of Object`, …
pub fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", type_label(t)),
        Type::Set(t) => format!("Set of {}", type_label(t)),
        Type::Map(t) => format!("Map of {}", type_label(t)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// The object attributes to document for an object-typed attribute, looking through one
/// level of list/set/map (a computed `versions` list of objects, say).
fn object_attributes(ty: &Type) -> Option<Vec<(String, Type)>> {
    let inner = match ty {
        Type::List(t) | Type::Set(t) | Type::Map(t) => t.as_ref(),
        other => other,
    };
    match inner {
        Type::Object(attrs) => Some(attrs.iter().map(|(k, t)| (k.clone(), t.clone())).collect()),
        _ => None,
    }
}
