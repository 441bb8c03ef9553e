//! Retry policy: which failures are retried, how long to wait, and reading the service's
//! `Retry-After` family of headers.
//!
//! The figures follow azure-core (retry 408/429/500/502/503/504 and connection errors; read
//! `retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After`) with full-jitter exponential backoff
//! otherwise. The caller's deadline always wins over the policy (see `client.rs`).

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// How often and how long to retry one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff ceiling of the first retry; doubles each retry.
    pub base_delay: Duration,
    /// No single wait is longer than this, including a server-requested `Retry-After`.
    pub max_delay: Duration,
    /// Bound on one HTTP attempt, so a connection that hangs is abandoned and retried.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            // 16 like azurerm's go-azure-sdk client: a pipeline throttled at Terraform's
            // 10-wide parallelism sees long runs of 429s, and with 8 retries a 50-version apply
            // at a 45% fault rate failed about one run in four (tests/reliability_soak.rs).
            // The caller's deadline (the resource timeouts) still bounds the total wait.
            max_retries: 16,
            base_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Same retry count, millisecond waits: lets tests exercise many retries quickly.
    pub fn fast_for_tests() -> Self {
        RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            attempt_timeout: Duration::from_secs(30),
        }
    }

    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Upper bound of the backoff before retry number `retry` (0-based): `base * 2^retry`,
    /// capped at `max_delay`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait before retry number `retry`: the server's request when it made one (capped at
    /// `max_delay`), otherwise a uniformly random duration in `[0, ceiling]` ("full jitter", so
    /// parallel clients throttled together do not retry in lockstep).
    pub fn delay(&self, retry: u32, server_asked: Option<Duration>) -> Duration {
        match server_asked {
            Some(d) => d.min(self.max_delay),
            None => {
                let ceiling = self.backoff_ceiling(retry);
                let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
                if nanos == 0 {
                    Duration::ZERO
                } else {
                    Duration::from_nanos(rand::random_range(0..=nanos))
                }
            }
        }
    }
}

/// Whether an HTTP status is worth retrying.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// The wait the server asked for, from `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds)
/// or `Retry-After` (seconds, or an HTTP date relative to `now`), in that order.
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = header_str(headers, name).and_then(parse_non_negative) {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = header_str(headers, "retry-after")?;
    if let Some(secs) = parse_non_negative(value) {
        return Some(Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// A finite, non-negative number of reasonable size (a day at most, so a silly value cannot
/// overflow `Duration`).
fn parse_non_negative(s: &str) -> Option<f64> {
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v.min(86_400_000.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn millisecond_headers_win_over_retry_after() {
        let now = SystemTime::now();
        let h = headers(&[("retry-after-ms", "250"), ("retry-after", "7")]);
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_millis(250)));
        let h = headers(&[("x-ms-retry-after-ms", "1500"), ("retry-after", "7")]);
        assert_eq!(
            parse_retry_after(&h, now),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn retry_after_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(42));
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", &later)]), now),
            Some(Duration::from_secs(42))
        );
        // A date in the past means "now", not an error.
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(42));
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", &earlier)]), now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        let now = SystemTime::now();
        for bad in ["soon", "-5", "NaN", "inf", ""] {
            assert_eq!(
                parse_retry_after(&headers(&[("retry-after", bad)]), now),
                None,
                "{bad}"
            );
        }
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
        // A bad ms header falls through to Retry-After.
        let h = headers(&[("retry-after-ms", "x"), ("retry-after", "2")]);
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(2)));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ceiling(0), Duration::from_millis(800));
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(1600));
        assert_eq!(p.backoff_ceiling(3), Duration::from_millis(6400));
        assert_eq!(p.backoff_ceiling(7), Duration::from_secs(60));
        assert_eq!(p.backoff_ceiling(1000), Duration::from_secs(60));
    }

    #[test]
    fn jittered_delay_stays_within_the_ceiling_and_varies() {
        let p = RetryPolicy::default();
        let samples: Vec<Duration> = (0..200).map(|_| p.delay(2, None)).collect();
        assert!(samples.iter().all(|d| *d <= p.backoff_ceiling(2)));
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(
            distinct.len() > 100,
            "full jitter should spread delays, got {}",
            distinct.len()
        );
    }

    #[test]
    fn server_request_is_honoured_up_to_max_delay() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(5))),
            Duration::from_secs(5)
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(600))),
            Duration::from_secs(60)
        );
        assert_eq!(p.delay(5, Some(Duration::ZERO)), Duration::ZERO);
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 412, 422, 501, 505] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }
}
