//! The `timeouts` block every Terraform provider offers, in one piece: a resource declares
//! which operations take a timeout and their defaults once, and gets the schema block (with
//! generated descriptions and a validator per operation) and the lookup from it, like
//! terraform-plugin-framework-timeouts:
//!
//! ```ignore
//! pub const TIMEOUTS: Timeouts = Timeouts::new().create(minutes(30)).read(minutes(5)).delete(minutes(30));
//! // schema:  .block(TIMEOUTS.block())
//! // apply:   let deadline = Instant::now() + TIMEOUTS.get(&planned, Operation::Create);
//! ```
//!
//! Values are Go-style duration strings (`"30m"`, `"1h30m"`, `"90s"`, `"1.5h"`).

use std::time::Duration;

use super::diag::{AttrPath, Diagnostics};
use super::schema::{Attribute, Block, NestedBlock};
use super::value::Value;

/// `n` minutes, for declaring defaults: `Timeouts::new().create(minutes(30))`.
pub const fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

/// Where a timeout is read when an operation's is not declared.
const FALLBACK: Duration = Duration::from_secs(20 * 60);

/// An operation that takes a timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Read,
    Update,
    Delete,
}

impl Operation {
    pub const ALL: [Operation; 4] = [
        Operation::Create,
        Operation::Read,
        Operation::Update,
        Operation::Delete,
    ];

    /// The attribute name in the `timeouts` block.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Operation::Create => {
                "How long a create may take, including the wait until the new object is ready."
            }
            Operation::Read => "How long a read may take.",
            Operation::Update => {
                "How long an update may take, including the wait until the object is ready."
            }
            Operation::Delete => "How long a delete may take.",
        }
    }
}

/// The operations a resource takes timeouts for, with their defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    create: Option<Duration>,
    read: Option<Duration>,
    update: Option<Duration>,
    delete: Option<Duration>,
}

impl Timeouts {
    pub const fn new() -> Self {
        Timeouts {
            create: None,
            read: None,
            update: None,
            delete: None,
        }
    }
    pub const fn create(mut self, default: Duration) -> Self {
        self.create = Some(default);
        self
    }
    pub const fn read(mut self, default: Duration) -> Self {
        self.read = Some(default);
        self
    }
    pub const fn update(mut self, default: Duration) -> Self {
        self.update = Some(default);
        self
    }
    pub const fn delete(mut self, default: Duration) -> Self {
        self.delete = Some(default);
        self
    }

    /// The default of `op`, if the resource declared it.
    pub fn default_of(&self, op: Operation) -> Option<Duration> {
        match op {
            Operation::Create => self.create,
            Operation::Read => self.read,
            Operation::Update => self.update,
            Operation::Delete => self.delete,
        }
    }

    /// The `timeouts` block: one optional attribute per declared operation, its default in
    /// its description, a validator that wants a duration longer than zero. State-only: a
    /// changed timeout changes nothing on the service.
    pub fn block(&self) -> NestedBlock {
        let mut block = Block::new()
            .description("Operation timeouts, as Go durations such as `30m` or `1h30m`.");
        for op in Operation::ALL {
            let Some(default) = self.default_of(op) else {
                continue;
            };
            block = block.attribute(
                Attribute::string(op.name())
                    .optional()
                    .description(format!(
                        "{} Default `{}`.",
                        op.what(),
                        format_go_duration(default)
                    ))
                    .validate_str(move |s, at, d| check(op, s, at, d)),
            );
        }
        NestedBlock::single("timeouts", block).state_only()
    }

    /// The timeout of `op` in a state, plan or configuration value (its `timeouts` block),
    /// else the declared default. A value the validator would refuse reads as the default.
    pub fn get(&self, value: &Value, op: Operation) -> Duration {
        value
            .get("timeouts")
            .get(op.name())
            .as_str()
            .and_then(|s| parse_go_duration(s).ok())
            .filter(|d| !d.is_zero())
            .or(self.default_of(op))
            .unwrap_or(FALLBACK)
    }
}

fn check(op: Operation, s: &str, at: &AttrPath, d: &mut Diagnostics) {
    match parse_go_duration(s) {
        Ok(t) if t.is_zero() => d.error_at(
            at.clone(),
            "Invalid timeout",
            format!(
                "timeouts.{} must be longer than zero, e.g. \"30m\".",
                op.name()
            ),
        ),
        Ok(_) => {}
        Err(e) => d.error_at(at.clone(), "Invalid timeout", e),
    }
}

/// A duration as Go prints it, for whole seconds: `30m`, `1h30m`, `45s`, `2h`.
pub fn format_go_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return "0s".to_owned();
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// Parses a Go duration string. Negative durations and an empty string are rejected because
/// a timeout must be positive; `"0"` alone is accepted (as Go accepts it) but callers usually
/// refuse a zero timeout.
pub fn parse_go_duration(s: &str) -> Result<Duration, String> {
    let err = || {
        format!(
            "{s:?} is not a duration: use a number with a unit, e.g. \"30s\", \"10m\", \"1h30m\" (units: ns, us, ms, s, m, h)"
        )
    };
    let s = s.trim();
    if s.is_empty() || s.starts_with('-') {
        return Err(err());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        if num_len == 0 {
            return Err(err());
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(err()),
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    if !total.is_finite() || total > 1e12 {
        return Err(err());
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timeouts = Timeouts::new().create(minutes(30)).delete(minutes(1));

    #[test]
    fn block_has_the_declared_operations_with_their_defaults() {
        let b = T.block();
        assert_eq!(b.name, "timeouts");
        assert_eq!(b.on_change, crate::framework::OnChange::StateOnly);
        let names: Vec<&str> = b.block.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["create", "delete"]);
        assert!(
            b.block.attributes[0]
                .description
                .ends_with("Default `30m`.")
        );
        assert!(b.block.attributes[1].description.ends_with("Default `1m`."));
    }

    #[test]
    fn lookup_reads_the_block_or_falls_back_to_the_default() {
        let v = |create: Value| {
            Value::object([(
                "timeouts",
                Value::object([("create", create), ("delete", Value::Null)]),
            )])
        };
        assert_eq!(
            T.get(&v(Value::string("90s")), Operation::Create),
            Duration::from_secs(90)
        );
        assert_eq!(T.get(&v(Value::Null), Operation::Create), minutes(30));
        assert_eq!(
            T.get(&v(Value::string("0s")), Operation::Create),
            minutes(30)
        );
        assert_eq!(T.get(&v(Value::Unknown), Operation::Create), minutes(30));
        assert_eq!(T.get(&Value::Null, Operation::Delete), minutes(1));
        assert_eq!(T.get(&Value::Null, Operation::Read), FALLBACK);
    }

    #[test]
    fn validator_refuses_zero_and_garbage_at_the_path() {
        let b = crate::framework::Block::new().block(T.block());
        let config = Value::object([(
            "timeouts",
            Value::object([
                ("create", Value::string("0s")),
                ("delete", Value::string("soon")),
            ]),
        )]);
        let d = crate::framework::validate::config(&b, &config);
        let found: Vec<(String, &str)> = d
            .iter()
            .map(|d| (d.path.as_ref().unwrap().to_string(), d.summary.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("timeouts.create".to_owned(), "Invalid timeout"),
                ("timeouts.delete".to_owned(), "Invalid timeout")
            ]
        );
        assert!(
            d.0[0]
                .detail
                .contains("timeouts.create must be longer than zero")
        );
    }

    #[test]
    fn go_durations_print_like_go() {
        for (secs, text) in [
            (1800, "30m"),
            (300, "5m"),
            (5400, "1h30m"),
            (45, "45s"),
            (7200, "2h"),
            (3661, "1h1m1s"),
            (0, "0s"),
        ] {
            assert_eq!(format_go_duration(Duration::from_secs(secs)), text);
            assert_eq!(parse_go_duration(text).unwrap(), Duration::from_secs(secs));
        }
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(
            parse_go_duration("1h30m").unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!(
            parse_go_duration("1.5h").unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!(
            parse_go_duration("250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(parse_go_duration("2m3s").unwrap(), Duration::from_secs(123));
        assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in [
            "",
            "10",
            "m",
            "-5m",
            "5 minutes",
            "1d",
            "1h-3m",
            "..5s",
            "1e9h",
        ] {
            assert!(
                parse_go_duration(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
