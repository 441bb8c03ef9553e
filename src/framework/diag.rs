//! Diagnostics with attribute paths: the only way errors reach a Terraform user.
//!
//! Terraform renders an error whose path names an attribute by underlining that attribute in
//! the configuration, so every diagnostic about user input should carry a path.

use std::fmt;

/// One step of a path into a value: an attribute of an object/block, a map key, or a
/// list/set element index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attr(String),
    Key(String),
    Index(i64),
}

/// A path to an attribute, e.g. `tool[0].server_url` or `metadata["team"]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    /// Path to a top-level attribute.
    pub fn root(name: &str) -> Self {
        AttrPath(vec![PathStep::Attr(name.to_owned())])
    }
    pub fn attr(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attr(name.to_owned()));
        self
    }
    pub fn key(mut self, key: &str) -> Self {
        self.0.push(PathStep::Key(key.to_owned()));
        self
    }
    pub fn index(mut self, i: usize) -> Self {
        self.0.push(PathStep::Index(i as i64));
        self
    }
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A Terraform diagnostic: a short summary, a detail that says what is allowed or what to do,
/// and (for problems with user input) the attribute path.
///
/// Summaries are constant sentence-case text ("Invalid cpu", as Terraform's own "Missing
/// required argument"); names and values go in the detail. The constructors take a
/// `&'static str` summary so a summary cannot be built with `format!`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttrPath>,
}

impl Diagnostic {
    pub fn error(summary: &'static str, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    pub fn warning(summary: &'static str, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    pub fn at(mut self, path: AttrPath) -> Self {
        self.path = Some(path);
        self
    }
}

/// An ordered collection of diagnostics, as every RPC response carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn error(&mut self, summary: &'static str, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }
    pub fn warning(&mut self, summary: &'static str, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail));
    }
    pub fn error_at(&mut self, path: AttrPath, summary: &'static str, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }
    pub fn warning_at(&mut self, path: AttrPath, summary: &'static str, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail).at(path));
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    /// Like [`Diagnostics::extend`], leaving out every diagnostic with the severity, path and
    /// summary of one already here: the same rule may run twice for one value (at validate and
    /// again at plan, once unknowns are known), and Terraform would show both.
    pub fn extend_unique(&mut self, other: Diagnostics) {
        for d in other.0 {
            if !self
                .0
                .iter()
                .any(|o| o.severity == d.severity && o.path == d.path && o.summary == d.summary)
            {
                self.0.push(d);
            }
        }
    }
    /// The errors alone (e.g. to repeat checks at plan whose warnings validate already showed).
    pub fn errors(self) -> Diagnostics {
        Diagnostics(
            self.0
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .collect(),
        )
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_unique_keeps_the_first_of_each_finding() {
        let mut d = Diagnostics::new();
        d.error_at(AttrPath::root("cpu"), "Invalid cpu", "first");
        let mut more = Diagnostics::new();
        more.error_at(AttrPath::root("cpu"), "Invalid cpu", "second");
        more.warning_at(
            AttrPath::root("cpu"),
            "Invalid cpu",
            "a warning is another finding",
        );
        more.error_at(AttrPath::root("memory"), "Invalid cpu", "another path");
        d.extend_unique(more);
        let details: Vec<&str> = d.iter().map(|d| d.detail.as_str()).collect();
        assert_eq!(
            details,
            ["first", "a warning is another finding", "another path"]
        );
        assert_eq!(d.errors().0.len(), 2);
    }
}
