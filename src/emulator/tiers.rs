//! Hosted-agent CPU and memory: what each API generation accepts.
//!
//! - `2025-11-15-preview` (Gen A): free values, cpu 0.5–4 cores and memory 1Gi–8Gi (`Gi` or
//!   `Mi`), as the first preview documented them.
//! - `v1` (Gen B): discrete resource tiers. cpu is a decimal number of cores in steps of 0.25
//!   from 0.25, and memory is exactly twice the cpu, written in `Gi` (`0.25`/`0.5Gi`, `0.5`/`1Gi`,
//!   … `2`/`4Gi`), up to the largest tier the emulator offers (`--max-cpu-tier`, 2 cores by
//!   default as documented today, 4 at most as documented earlier). A pair that is not a tier gets
//!   the service's own 400 `bad_request` "CPU and Memory must be specified as a valid resource
//!   tier". The service takes decimal cores only (`"500m"` is `Invalid cpu '500m'`); whether it
//!   also takes memory in `Mi` is undocumented, so the emulator is strict and takes `Gi` only.
//!   A spelling such as `"1.0"` is a decimal number of cores and is accepted.

use std::sync::LazyLock;

use regex::Regex;

use super::errors::ApiError;
use super::validation::truncate;

static DECIMAL_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d+)(?:\.(\d+))?$").unwrap());
static QUANTITY_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+(?:\.\d+)?)(Gi|Mi)$").unwrap());

/// Gen A bounds (the first preview's table).
pub const GEN_A_CPU_MIN: f64 = 0.5;
pub const GEN_A_CPU_MAX: f64 = 4.0;
pub const GEN_A_MEMORY_MIN_MI: f64 = 1024.0;
pub const GEN_A_MEMORY_MAX_MI: f64 = 8192.0;

/// `v1` tiers: cpu in quarter cores from one quarter; the largest offered tier is configurable.
pub const TIER_STEP_QUARTERS: u32 = 1;
pub const DEFAULT_MAX_CPU_QUARTERS: u32 = 8;
pub const LIMIT_MAX_CPU_QUARTERS: u32 = 16;

/// The service's message for a cpu/memory pair that is not a tier.
pub const TIER_MESSAGE: &str = "CPU and Memory must be specified as a valid resource tier";

/// A non-negative decimal in hundredths (`"0.25"` → 25, `"1.0"` → 100), or `None` when it has
/// more than two significant decimals or is absurdly large (then it cannot be a tier either).
fn hundredths(int: &str, frac: Option<&str>) -> Option<u64> {
    let int = int.trim_start_matches('0');
    if int.len() > 6 {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac = frac.unwrap_or("").trim_end_matches('0');
    if frac.len() > 2 {
        return None;
    }
    let frac_value: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    Some(whole * 100 + frac_value)
}

/// Cores written as `1` / `0.25` / `1.50`: `Some(hundredths)` when it is a plain decimal number
/// (`Some(None)` when it is decimal but too precise to be a tier), `None` when it is not a decimal
/// number at all (`500m`, `1e0`, ` 1`, …).
fn decimal(value: &str) -> Option<Option<u64>> {
    let c = DECIMAL_RE.captures(value)?;
    Some(hundredths(
        c.get(1).map_or("", |m| m.as_str()),
        c.get(2).map(|m| m.as_str()),
    ))
}

fn format_hundredths(h: u64) -> String {
    if h.is_multiple_of(100) {
        format!("{}", h / 100)
    } else if h.is_multiple_of(10) {
        format!("{}.{}", h / 100, (h % 100) / 10)
    } else {
        format!("{}.{:02}", h / 100, h % 100)
    }
}

/// The supported `v1` tiers as `cpu/memory` pairs, e.g. `0.25/0.5Gi, …, 2/4Gi`.
pub fn tier_list(max_cpu_quarters: u32) -> String {
    (TIER_STEP_QUARTERS..=max_cpu_quarters)
        .map(|q| {
            let cpu = u64::from(q) * 25;
            format!(
                "{}/{}Gi",
                format_hundredths(cpu),
                format_hundredths(cpu * 2)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn invalid_cpu(value: &str, hint: &str) -> ApiError {
    ApiError::invalid(
        "definition.cpu",
        format!("Invalid cpu '{}': {hint}", truncate(value, 40)),
    )
}

fn invalid_memory(value: &str, hint: &str) -> ApiError {
    ApiError::invalid(
        "definition.memory",
        format!("Invalid memory '{}': {hint}", truncate(value, 40)),
    )
}

fn not_a_tier(cpu: &str, memory: &str, param: &str, max_cpu_quarters: u32) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "bad_request",
        format!(
            "{TIER_MESSAGE}. Got cpu '{}' and memory '{}'; supported tiers (cpu/memory): {}.",
            truncate(cpu, 40),
            truncate(memory, 40),
            tier_list(max_cpu_quarters)
        ),
    )
    .with_param(param)
}

/// `v1`: the pair must be one of the tiers up to `max_cpu_quarters`.
pub fn check_v1(cpu: &str, memory: &str, max_cpu_quarters: u32) -> Result<(), ApiError> {
    let Some(cpu_h) = decimal(cpu) else {
        return Err(invalid_cpu(
            cpu,
            "use a decimal number of cores such as \"0.25\", \"0.5\", \"1\" or \"2\" (millicores such as \"500m\" are not accepted).",
        ));
    };
    let Some(quantity) = QUANTITY_RE.captures(memory) else {
        return Err(invalid_memory(
            memory,
            "use a number of gibibytes such as \"0.5Gi\", \"1Gi\" or \"2Gi\" (twice the cpu).",
        ));
    };
    let cpu_is_tier = cpu_h.is_some_and(|h| {
        h.is_multiple_of(25) && (TIER_STEP_QUARTERS..=max_cpu_quarters).contains(&((h / 25) as u32))
    });
    if !cpu_is_tier {
        return Err(not_a_tier(cpu, memory, "definition.cpu", max_cpu_quarters));
    }
    let cpu_h = cpu_h.unwrap_or_default();
    let mem_h = if &quantity[2] == "Gi" {
        decimal(&quantity[1]).flatten()
    } else {
        // `Mi` parses as a quantity but is not how tiers are written (strict; see module docs).
        None
    };
    if mem_h != Some(cpu_h * 2) {
        return Err(not_a_tier(
            cpu,
            memory,
            "definition.memory",
            max_cpu_quarters,
        ));
    }
    Ok(())
}

/// `2025-11-15-preview`: free values inside the first preview's bounds.
pub fn check_gen_a(cpu: &str, memory: &str) -> Result<(), ApiError> {
    let cpu_ok = DECIMAL_RE.is_match(cpu)
        && cpu
            .parse::<f64>()
            .is_ok_and(|v| (GEN_A_CPU_MIN..=GEN_A_CPU_MAX).contains(&v));
    if !cpu_ok {
        return Err(invalid_cpu(
            cpu,
            &format!(
                "use a decimal number of cores between {GEN_A_CPU_MIN} and {GEN_A_CPU_MAX}, e.g. \"0.5\", \"1\", \"2\"."
            ),
        ));
    }
    let mib = QUANTITY_RE.captures(memory).and_then(|c| {
        let n: f64 = c[1].parse().ok()?;
        Some(if &c[2] == "Gi" { n * 1024.0 } else { n })
    });
    if !mib.is_some_and(|m| (GEN_A_MEMORY_MIN_MI..=GEN_A_MEMORY_MAX_MI).contains(&m)) {
        return Err(invalid_memory(
            memory,
            "use a number followed by Gi or Mi, between 1Gi and 8Gi, e.g. \"2Gi\".",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_tiers() {
        for (cpu, mem) in [
            ("0.25", "0.5Gi"),
            ("0.5", "1Gi"),
            ("0.75", "1.5Gi"),
            ("1", "2Gi"),
            ("1.0", "2Gi"),
            ("1", "2.0Gi"),
            ("1.25", "2.5Gi"),
            ("01.50", "3Gi"),
            ("2", "4Gi"),
        ] {
            check_v1(cpu, mem, DEFAULT_MAX_CPU_QUARTERS)
                .unwrap_or_else(|e| panic!("{cpu} {mem}: {e:?}"));
        }
        check_v1("4", "8Gi", LIMIT_MAX_CPU_QUARTERS).unwrap();
        check_v1("3.75", "7.5Gi", LIMIT_MAX_CPU_QUARTERS).unwrap();
    }

    #[test]
    fn v1_rejections() {
        let max = DEFAULT_MAX_CPU_QUARTERS;
        let e = check_v1("500m", "1Gi", max).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.param.as_deref()),
            ("invalid_value", Some("definition.cpu"))
        );
        assert!(e.message.starts_with("Invalid cpu '500m'"), "{}", e.message);
        for (cpu, mem, param) in [
            ("1", "4Gi", "definition.memory"),
            ("1", "2048Mi", "definition.memory"),
            ("0.3", "0.6Gi", "definition.cpu"),
            ("0.125", "0.25Gi", "definition.cpu"),
            ("0", "0Gi", "definition.cpu"),
            ("2.25", "4.5Gi", "definition.cpu"),
            ("4", "8Gi", "definition.cpu"),
            ("99999999999", "2Gi", "definition.cpu"),
        ] {
            let e = check_v1(cpu, mem, max).unwrap_err();
            assert_eq!(e.code, "bad_request", "{cpu} {mem}");
            assert_eq!(e.param.as_deref(), Some(param), "{cpu} {mem}");
            assert!(e.message.starts_with(TIER_MESSAGE), "{}", e.message);
        }
        for (cpu, mem, param) in [
            ("1e0", "2Gi", "definition.cpu"),
            (" 1", "2Gi", "definition.cpu"),
            ("one", "2Gi", "definition.cpu"),
            ("1", "2GB", "definition.memory"),
            ("1", "2gi", "definition.memory"),
        ] {
            let e = check_v1(cpu, mem, max).unwrap_err();
            assert_eq!(e.code, "invalid_value", "{cpu} {mem}");
            assert_eq!(e.param.as_deref(), Some(param), "{cpu} {mem}");
        }
    }

    #[test]
    fn tier_list_spelling() {
        assert_eq!(
            tier_list(DEFAULT_MAX_CPU_QUARTERS),
            "0.25/0.5Gi, 0.5/1Gi, 0.75/1.5Gi, 1/2Gi, 1.25/2.5Gi, 1.5/3Gi, 1.75/3.5Gi, 2/4Gi"
        );
        assert!(tier_list(LIMIT_MAX_CPU_QUARTERS).ends_with("4/8Gi"));
    }

    #[test]
    fn gen_a_table_is_unchanged() {
        for (cpu, mem, ok) in [
            ("0.5", "1Gi", true),
            ("4", "8Gi", true),
            ("1", "4Gi", true),
            ("1", "1024Mi", true),
            ("4.5", "2Gi", false),
            ("0.25", "2Gi", false),
            ("1", "512Mi", false),
            ("1", "9Gi", false),
            ("1", "2GB", false),
            ("one", "2Gi", false),
        ] {
            assert_eq!(check_gen_a(cpu, mem).is_ok(), ok, "{cpu} {mem}");
        }
    }
}
