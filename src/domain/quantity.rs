//! CPU and memory quantities of a hosted agent: parsing into exact integer units, equivalence,
//! and the one table of limits.
//!
//! The service takes both as strings (`"1"`, `"0.5"`, `"2Gi"`, `"512Mi"`) and may hand back a
//! different spelling of the same amount. Parsing into integers (millicores, MiB) rather than
//! floats makes `1` = `1.0` = `1000m` and `2Gi` = `2048Mi` exact, so the resource can keep the
//! user's spelling whenever the service's answer means the same thing.
//!
//! Every parser here takes arbitrary user text and returns `Err` with a message for anything it
//! does not understand; none of them panics (proptest below holds them to that).

use std::fmt;

use super::quote;

/// The limits the provider enforces at plan time. One table, so documentation, validation and
/// tests cannot disagree (the resource's descriptions are built from it). The ranges are the
/// service's documented hosted-agent sizes (cpu 0.5–4 cores, memory 1Gi–8Gi) and its pairing
/// rule (memory = 2 × cpu: `0.5`/`1Gi`, `1`/`2Gi`, `2`/`4Gi`); see docs/agents-api.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub cpu_min_millicores: u64,
    pub cpu_max_millicores: u64,
    pub memory_min_mib: u64,
    pub memory_max_mib: u64,
    /// Memory per core the service documents; any other pairing gets a warning only, because
    /// the service's full table of accepted pairings is not published (docs/agents-api.md).
    pub paired_mib_per_core: u64,
}

pub const LIMITS: Limits = Limits {
    cpu_min_millicores: 500,
    cpu_max_millicores: 4000,
    memory_min_mib: 1024,
    memory_max_mib: 8192,
    paired_mib_per_core: 2048,
};

/// Default `cpu` when the configuration leaves it out.
pub const DEFAULT_CPU: &str = "1";
/// Default `memory` when the configuration leaves it out.
pub const DEFAULT_MEMORY: &str = "2Gi";

/// A CPU amount in millicores (1 core = 1000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpu {
    pub millicores: u64,
}

/// A memory amount in MiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Memory {
    pub mib: u64,
}

/// Longest input the parsers look at; anything longer is refused up front so a multi-megabyte
/// string costs nothing.
const MAX_LEN: usize = 32;

/// A non-negative decimal `digits[.digits]` scaled by `10^scale_digits`, exactly.
/// `Err` names what was wrong, for the diagnostic detail.
fn parse_scaled_decimal(s: &str, scale_digits: u32) -> Result<u64, &'static str> {
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a decimal number");
    }
    let frac = frac_part.unwrap_or("");
    if frac_part.is_some() && frac.is_empty() {
        return Err("expected digits after the decimal point");
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a decimal number");
    }
    // Trailing zeros carry no precision: "1.500" is as exact as "1.5".
    let frac = frac.trim_end_matches('0');
    if frac.len() > scale_digits as usize {
        return Err("more precision than the unit allows");
    }
    let scale = 10u64.pow(scale_digits);
    let int: u64 = int_part.parse().map_err(|_| "number too large")?;
    let mut frac_scaled: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| "number too large")?
    };
    for _ in frac.len()..scale_digits as usize {
        frac_scaled *= 10;
    }
    int.checked_mul(scale)
        .and_then(|v| v.checked_add(frac_scaled))
        .ok_or("number too large")
}

impl Cpu {
    /// Parses `"1"`, `"0.5"`, `"1.0"` (cores, at most millicore precision) or `"500m"`
    /// (millicores).
    pub fn parse(s: &str) -> Result<Cpu, String> {
        let fail = |why: &str| {
            Err(format!(
                "{} is not a CPU amount ({why}): use a decimal number of cores such as \"0.5\", \"1\" or \"2\", or millicores such as \"500m\"",
                quote(s)
            ))
        };
        if s.is_empty() || s.len() > MAX_LEN {
            return fail("empty or too long");
        }
        let millicores = if let Some(m) = s.strip_suffix('m') {
            if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) {
                return fail("millicores must be a whole number");
            }
            match m.parse::<u64>() {
                Ok(v) => v,
                Err(_) => return fail("number too large"),
            }
        } else {
            match parse_scaled_decimal(s, 3) {
                Ok(v) => v,
                Err(why) => return fail(why),
            }
        };
        Ok(Cpu { millicores })
    }
}

/// Spellings of memory amounts inside [`LIMITS`], for messages: the smallest whole number of
/// GiB allowed, half a GiB more in `Gi`, and that again in `Mi` (`"1Gi"`, `"1.5Gi"`,
/// `"1536Mi"` with today's table). Derived, so an example never falls outside the limits.
pub fn memory_examples() -> [String; 3] {
    let whole = LIMITS.memory_min_mib.div_ceil(1024) * 1024;
    let half_more = whole + 512;
    if half_more <= LIMITS.memory_max_mib {
        [
            Memory { mib: whole }.to_string(),
            format!("{}.5Gi", whole / 1024),
            format!("{half_more}Mi"),
        ]
    } else {
        let (min, max) = (LIMITS.memory_min_mib, LIMITS.memory_max_mib);
        [
            Memory { mib: min }.to_string(),
            Memory { mib: max }.to_string(),
            format!("{min}Mi"),
        ]
    }
}

impl Memory {
    /// Parses `"2Gi"`, `"1.5Gi"`, `"512Mi"`: a decimal number with the unit `Gi` or `Mi`
    /// (what the az CLI accepts) that comes to a whole number of MiB.
    pub fn parse(s: &str) -> Result<Memory, String> {
        let fail = |why: &str| {
            let [a, b, c] = memory_examples();
            Err(format!(
                "{} is not a memory amount ({why}): use a number with the unit Gi or Mi, such as \"{a}\", \"{b}\" or \"{c}\"",
                quote(s)
            ))
        };
        if s.is_empty() || s.len() > MAX_LEN {
            return fail("empty or too long");
        }
        // Near misses get told what to change, with the corrected spelling when it parses.
        if s.contains(char::is_whitespace) {
            let joined: String = s.split_whitespace().collect();
            return match Memory::parse(&joined) {
                Ok(_) => fail(&format!("remove the spaces: {}", quote(&joined))),
                Err(_) => fail("remove the spaces"),
            };
        }
        let (number, mib_per_unit) = if let Some(n) = s.strip_suffix("Gi") {
            (n, 1024u64)
        } else if let Some(n) = s.strip_suffix("Mi") {
            (n, 1u64)
        } else if let Some((n, unit)) = s
            .len()
            .checked_sub(2)
            .filter(|&i| s.is_char_boundary(i))
            .map(|i| s.split_at(i))
            .filter(|(_, u)| u.eq_ignore_ascii_case("gi") || u.eq_ignore_ascii_case("mi"))
        {
            let fixed = format!("{n}{}i", unit[..1].to_ascii_uppercase());
            return match Memory::parse(&fixed) {
                Ok(_) => fail(&format!(
                    "the unit is case-sensitive: write {}",
                    quote(&fixed)
                )),
                Err(_) => fail("the unit is case-sensitive: Gi or Mi"),
            };
        } else if s.ends_with(|c: char| c.is_ascii_digit()) {
            return fail("missing unit Gi or Mi");
        } else {
            return fail("the unit must be Gi or Mi");
        };
        // Scale by 1000 so fractions like 1.5Gi or 0.25Gi stay exact, then require the result to
        // land on a whole MiB.
        let thousandths = match parse_scaled_decimal(number, 3) {
            Ok(v) => v,
            Err(why) => return fail(why),
        };
        let Some(scaled) = thousandths.checked_mul(mib_per_unit) else {
            return fail("number too large");
        };
        if scaled % 1000 != 0 {
            return fail("not a whole number of MiB");
        }
        Ok(Memory { mib: scaled / 1000 })
    }
}

impl fmt::Display for Cpu {
    /// Canonical spelling in cores: `1`, `0.5`, `1.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.millicores / 1000;
        let frac = self.millicores % 1000;
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl fmt::Display for Memory {
    /// Canonical spelling: `Gi` when whole gibibytes, else `Mi`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mib % 1024 == 0 {
            write!(f, "{}Gi", self.mib / 1024)
        } else {
            write!(f, "{}Mi", self.mib)
        }
    }
}

impl Memory {
    /// The spelling the service takes: gibibytes with a decimal fraction (`2Gi`, `0.5Gi`,
    /// `1.5Gi`), the unit of its resource tiers; `Mi` only for amounts no decimal of Gi
    /// writes exactly.
    pub fn wire(&self) -> String {
        let thousandths = u128::from(self.mib) * 1000;
        if thousandths % 1024 != 0 {
            return format!("{}Mi", self.mib);
        }
        let gi = thousandths / 1024;
        let (whole, frac) = (gi / 1000, gi % 1000);
        if frac == 0 {
            format!("{whole}Gi")
        } else {
            let digits = format!("{frac:03}");
            format!("{whole}.{}Gi", digits.trim_end_matches('0'))
        }
    }
}

/// What the service is sent for a configured cpu: decimal cores (`500m` → `0.5`, `1.0` →
/// `1`). The state keeps the configured spelling. A value that does not parse (validation
/// reports it before any request) is passed through unchanged.
pub fn cpu_wire(s: &str) -> String {
    Cpu::parse(s).map_or_else(|_| s.to_owned(), |c| c.to_string())
}

/// What the service is sent for a configured memory amount (`2048Mi` → `2Gi`, `512Mi` →
/// `0.5Gi`); see [`Memory::wire`].
pub fn memory_wire(s: &str) -> String {
    Memory::parse(s).map_or_else(|_| s.to_owned(), |m| m.wire())
}

/// Both strings parse and mean the same CPU amount.
pub fn cpu_equivalent(a: &str, b: &str) -> bool {
    matches!((Cpu::parse(a), Cpu::parse(b)), (Ok(x), Ok(y)) if x == y)
}

/// Both strings parse and mean the same memory amount.
pub fn memory_equivalent(a: &str, b: &str) -> bool {
    matches!((Memory::parse(a), Memory::parse(b)), (Ok(x), Ok(y)) if x == y)
}

/// A problem found in a quantity: `Err` for hard errors, warnings separately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityProblem {
    pub summary: &'static str,
    pub detail: String,
}

fn cores(millicores: u64) -> String {
    Cpu { millicores }.to_string()
}

/// Parses and range-checks `cpu`.
pub fn check_cpu(s: &str) -> Result<Cpu, QuantityProblem> {
    let cpu = Cpu::parse(s).map_err(|detail| QuantityProblem {
        summary: "Invalid cpu",
        detail,
    })?;
    if cpu.millicores < LIMITS.cpu_min_millicores || cpu.millicores > LIMITS.cpu_max_millicores {
        return Err(QuantityProblem {
            summary: "Invalid cpu",
            detail: format!(
                "{} is {} cores; hosted agents take {} to {} cores (e.g. \"0.5\", \"1\", \"2\", \"4\").",
                quote(s),
                cpu,
                cores(LIMITS.cpu_min_millicores),
                cores(LIMITS.cpu_max_millicores)
            ),
        });
    }
    Ok(cpu)
}

/// Parses and range-checks `memory`.
pub fn check_memory(s: &str) -> Result<Memory, QuantityProblem> {
    let mem = Memory::parse(s).map_err(|detail| QuantityProblem {
        summary: "Invalid memory",
        detail,
    })?;
    if mem.mib < LIMITS.memory_min_mib || mem.mib > LIMITS.memory_max_mib {
        return Err(QuantityProblem {
            summary: "Invalid memory",
            detail: format!(
                "{} is {}; hosted agents take {} to {} (e.g. \"1Gi\", \"2Gi\", \"4Gi\", \"8Gi\").",
                quote(s),
                mem,
                Memory {
                    mib: LIMITS.memory_min_mib
                },
                Memory {
                    mib: LIMITS.memory_max_mib
                }
            ),
        });
    }
    Ok(mem)
}

/// The GA pairing rule: memory = 2 GiB per core. Returns a warning when it does not hold.
pub fn pairing_warning(cpu: Cpu, mem: Memory) -> Option<QuantityProblem> {
    // u128 so the product cannot overflow for any parsed value.
    let expected_mib = u128::from(cpu.millicores) * u128::from(LIMITS.paired_mib_per_core) / 1000;
    if u128::from(mem.mib) == expected_mib {
        return None;
    }
    let expected = u64::try_from(expected_mib)
        .map(|mib| Memory { mib }.to_string())
        .unwrap_or_default();
    Some(QuantityProblem {
        summary: "Unusual cpu/memory pairing",
        detail: format!(
            "The service documents memory = 2Gi per core (\"0.5\"/\"1Gi\", \"1\"/\"2Gi\", \"2\"/\"4Gi\"); cpu {cpu} would pair with memory {expected}, not {mem}. The service may reject other pairings."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cpu_spellings_parse_to_millicores() {
        for (s, m) in [
            ("1", 1000),
            ("1.0", 1000),
            ("1.000", 1000),
            ("1000m", 1000),
            ("0.5", 500),
            ("500m", 500),
            ("0.25", 250),
            ("2", 2000),
            ("4", 4000),
            ("1.125", 1125),
            ("0", 0),
        ] {
            assert_eq!(Cpu::parse(s).unwrap().millicores, m, "{s}");
        }
    }

    #[test]
    fn cpu_rejects_malformed_input_with_allowed_forms() {
        for s in [
            "",
            "m",
            "1.",
            ".5",
            "-1",
            "+1",
            "1e3",
            "1 ",
            " 1",
            "one",
            "1.0001",
            "0.0005",
            "1.5m",
            "1c",
            "1,5",
            "١",
            "99999999999999999999999",
            "1Gi",
        ] {
            let err = Cpu::parse(s).unwrap_err();
            assert!(err.contains("\"0.5\""), "{s}: {err}");
        }
    }

    #[test]
    fn memory_spellings_parse_to_mib() {
        for (s, mib) in [
            ("2Gi", 2048),
            ("2048Mi", 2048),
            ("2.0Gi", 2048),
            ("1.5Gi", 1536),
            ("0.5Gi", 512),
            ("512Mi", 512),
            ("0.25Gi", 256),
            ("8Gi", 8192),
        ] {
            assert_eq!(Memory::parse(s).unwrap().mib, mib, "{s}");
        }
    }

    #[test]
    fn memory_rejects_malformed_input() {
        for s in [
            "", "2", "2G", "2gi", "2GB", "Gi", ".5Gi", "1.Gi", "-1Gi", "0.1Gi", "1.5Mi", "2 Gi",
            "2Ti", "1e3Mi",
        ] {
            assert!(Memory::parse(s).is_err(), "{s} should be rejected");
        }
        assert!(Memory::parse("99999999999999999999Gi").is_err());
        assert!(
            Memory::parse("18014398509481984Gi").is_err(),
            "overflow after scaling"
        );
    }

    #[test]
    fn memory_parse_errors_suggest_amounts_within_the_limits() {
        let examples = memory_examples();
        for e in &examples {
            assert!(check_memory(e).is_ok(), "example {e} is outside the limits");
        }
        let err = Memory::parse("lots").unwrap_err();
        for e in &examples {
            assert!(err.contains(&format!("{e:?}")), "{e}: {err}");
        }
        assert!(!err.contains("512Mi"), "{err}");
    }

    #[test]
    fn memory_near_misses_say_what_to_change() {
        for (s, hint) in [
            ("2gi", "the unit is case-sensitive: write \"2Gi\""),
            ("2GI", "the unit is case-sensitive: write \"2Gi\""),
            ("512mi", "the unit is case-sensitive: write \"512Mi\""),
            ("2Gi ", "remove the spaces: \"2Gi\""),
            (" 2Gi", "remove the spaces: \"2Gi\""),
            ("2 Gi", "remove the spaces: \"2Gi\""),
            ("x gi", "remove the spaces)"),
            ("2", "missing unit Gi or Mi"),
            ("2G", "the unit must be Gi or Mi"),
            ("2GB", "the unit must be Gi or Mi"),
        ] {
            let err = Memory::parse(s).unwrap_err();
            assert!(err.contains(hint), "{s:?}: {err}");
            assert!(!err.contains("missing unit") || s == "2", "{s:?}: {err}");
        }
        assert!(
            Memory::parse("2xi")
                .unwrap_err()
                .contains("must be Gi or Mi"),
            "not a case problem"
        );
        // Multi-byte characters before the unit do not trip the case check.
        assert!(Memory::parse("éi").is_err());
        assert!(Memory::parse("2éGi").is_err());
    }

    #[test]
    fn equivalence_ignores_spelling() {
        assert!(cpu_equivalent("1", "1.0"));
        assert!(cpu_equivalent("1", "1000m"));
        assert!(cpu_equivalent("0.5", "500m"));
        assert!(!cpu_equivalent("1", "2"));
        assert!(!cpu_equivalent("1", "bogus"));
        assert!(memory_equivalent("2Gi", "2048Mi"));
        assert!(memory_equivalent("1.5Gi", "1536Mi"));
        assert!(!memory_equivalent("2Gi", "2Mi"));
        assert!(
            !memory_equivalent("x", "x"),
            "unparseable values are never equivalent"
        );
    }

    #[test]
    fn canonical_display() {
        assert_eq!(Cpu::parse("1000m").unwrap().to_string(), "1");
        assert_eq!(Cpu::parse("0.50").unwrap().to_string(), "0.5");
        assert_eq!(Cpu::parse("1250m").unwrap().to_string(), "1.25");
        assert_eq!(Memory::parse("2048Mi").unwrap().to_string(), "2Gi");
        assert_eq!(Memory::parse("1.5Gi").unwrap().to_string(), "1536Mi");
    }

    #[test]
    fn limits_are_enforced_at_both_ends() {
        assert!(check_cpu("0.5").is_ok());
        assert!(check_cpu("4").is_ok());
        assert!(check_cpu("4000m").is_ok());
        let low = check_cpu("0.25").unwrap_err();
        assert_eq!(low.summary, "Invalid cpu");
        assert!(low.detail.contains("0.5 to 4 cores"), "{}", low.detail);
        assert!(check_cpu("4.001").is_err());
        assert!(check_memory("1Gi").is_ok());
        assert!(check_memory("8Gi").is_ok());
        assert!(check_memory("8192Mi").is_ok());
        let high = check_memory("9Gi").unwrap_err();
        assert!(high.detail.contains("1Gi to 8Gi"), "{}", high.detail);
        assert!(check_memory("1023Mi").is_err());
        assert_eq!(check_memory("2g").unwrap_err().summary, "Invalid memory");
    }

    #[test]
    fn pairing_warns_only_off_the_two_to_one_line() {
        let p =
            |c: &str, m: &str| pairing_warning(Cpu::parse(c).unwrap(), Memory::parse(m).unwrap());
        assert!(p("0.5", "1Gi").is_none());
        assert!(p("1", "2Gi").is_none());
        assert!(p("1000m", "2048Mi").is_none());
        assert!(p("2", "4Gi").is_none());
        let w = p("1", "4Gi").unwrap();
        assert!(
            w.detail
                .contains("cpu 1 would pair with memory 2Gi, not 4Gi"),
            "{}",
            w.detail
        );
    }

    #[test]
    fn long_input_is_truncated_in_messages() {
        let long = "9".repeat(10_000);
        let err = Cpu::parse(&long).unwrap_err();
        assert!(err.len() < 300, "{err}");
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = Cpu::parse(&s);
            let _ = Memory::parse(&s);
            let _ = check_cpu(&s);
            let _ = check_memory(&s);
        }

        #[test]
        fn parsers_never_panic_on_near_misses(s in "[0-9.mGiM+-]{0,30}") {
            if let (Ok(c), Ok(m)) = (Cpu::parse(&s), Memory::parse(&s)) {
                let _ = pairing_warning(c, m);
            }
        }

        #[test]
        fn cpu_display_round_trips(m in 0u64..1_000_000_000) {
            let c = Cpu { millicores: m };
            prop_assert_eq!(Cpu::parse(&c.to_string()).unwrap(), c);
            prop_assert_eq!(Cpu::parse(&format!("{m}m")).unwrap(), c);
        }

        #[test]
        fn memory_display_round_trips(mib in 0u64..1_000_000_000) {
            let mem = Memory { mib };
            prop_assert_eq!(Memory::parse(&mem.to_string()).unwrap(), mem);
            prop_assert_eq!(Memory::parse(&format!("{mib}Mi")).unwrap(), mem);
        }

        #[test]
        fn pairing_never_panics(c in any::<u64>(), m in any::<u64>()) {
            let _ = pairing_warning(Cpu { millicores: c }, Memory { mib: m });
        }
    }

    #[test]
    fn the_wire_spelling_is_decimal_cores_and_gibibytes() {
        for (given, sent) in [
            ("500m", "0.5"),
            ("1.0", "1"),
            ("0.25", "0.25"),
            ("2", "2"),
            ("1500m", "1.5"),
        ] {
            assert_eq!(cpu_wire(given), sent, "{given}");
        }
        for (given, sent) in [
            ("2048Mi", "2Gi"),
            ("512Mi", "0.5Gi"),
            ("1536Mi", "1.5Gi"),
            ("0.5Gi", "0.5Gi"),
            ("256Mi", "0.25Gi"),
            ("1000Mi", "1000Mi"),
        ] {
            assert_eq!(memory_wire(given), sent, "{given}");
        }
        assert_eq!(cpu_wire("lots"), "lots", "unparsable values pass through");
    }
}
