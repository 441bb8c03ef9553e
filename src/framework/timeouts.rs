//! Go-style duration strings (`"30m"`, `"1h30m"`, `"90s"`, `"1.5h"`), as used by the
//! `timeouts` block every Terraform provider offers.

use std::time::Duration;

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
