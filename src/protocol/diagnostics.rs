//! Framework diagnostics and attribute paths → tfplugin5 messages.

use crate::framework::codec::CodecError;
use crate::framework::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::proto::tfplugin5 as pb;
use pb::attribute_path::{Step, step::Selector};

/// `tags["env"]` → `[attribute_name "tags", element_key_string "env"]`,
/// `rule[0].port` → `[attribute_name "rule", element_key_int 0, attribute_name "port"]`.
pub fn path_to_proto(path: &AttrPath) -> pb::AttributePath {
    pb::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|s| Step {
                selector: Some(match s {
                    PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub fn diagnostic_to_proto(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        // An empty path would make Terraform point at the whole block; leave it out instead.
        attribute: d.path.as_ref().filter(|p| !p.is_empty()).map(path_to_proto),
    }
}

pub fn to_proto(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags.iter().map(diagnostic_to_proto).collect()
}

/// A value Terraform sent could not be decoded with the schema. This should never happen
/// with a well-behaved Terraform; the detail says where, never what (values may be secret).
/// The path goes into the text only: it may step into sets, which Terraform cannot resolve.
pub fn decode_error(what: &str, type_name: &str, e: &CodecError) -> Diagnostic {
    Diagnostic::error(
        "Invalid value received from Terraform",
        format!(
            "The provider could not decode the {what} of {type_name}: {e}. Terraform and the provider disagree about the schema; run `terraform init -upgrade` and make sure the provider binary matches its lock file entry."
        ),
    )
}

/// A value the provider produced does not fit its own schema: a provider bug.
pub fn encode_error(what: &str, type_name: &str, e: &CodecError) -> Diagnostic {
    Diagnostic::error(
        "Provider produced an invalid value",
        format!(
            "The provider could not encode the {what} of {type_name}: {e}. This is a bug in the provider; please report it."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_protocol_steps() {
        let p = path_to_proto(&AttrPath::root("rule").index(0).attr("port"));
        assert_eq!(
            p.steps
                .into_iter()
                .map(|s| s.selector.unwrap())
                .collect::<Vec<_>>(),
            vec![
                Selector::AttributeName("rule".into()),
                Selector::ElementKeyInt(0),
                Selector::AttributeName("port".into())
            ]
        );
        let p = path_to_proto(&AttrPath::root("tags").key("env"));
        assert_eq!(
            p.steps[1].selector,
            Some(Selector::ElementKeyString("env".into()))
        );
    }

    #[test]
    fn severities_and_empty_paths() {
        let mut d = Diagnostics::new();
        d.error_at(AttrPath::root("a"), "bad", "worse");
        d.warning("careful", "");
        d.push(Diagnostic::error("x", "y").at(AttrPath::default()));
        let p = to_proto(&d);
        assert_eq!(p[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(
            (p[0].summary.as_str(), p[0].detail.as_str()),
            ("bad", "worse")
        );
        assert!(p[0].attribute.is_some());
        assert_eq!(p[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert!(p[1].attribute.is_none());
        assert!(p[2].attribute.is_none(), "empty path left out");
    }
}
