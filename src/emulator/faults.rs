//! Fault injection for reliability tests: latency, throttling, server errors and lost
//! responses, drawn from one seeded generator so a run with `--seed N` repeats exactly (for a
//! client that sends its requests one at a time).

use std::sync::Mutex;
use std::time::Duration;

use axum::http::StatusCode;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// How long clients are told to wait after a 429 (`retry-after-ms`); `Retry-After` says 0 so
/// clients that only read whole seconds retry at once and tests stay fast.
pub const RETRY_AFTER_MS: u64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// 429 before doing anything.
    Throttle,
    /// 500 or 503 before doing anything.
    ServerError(StatusCode),
    /// Do the operation, then close the connection without answering.
    Drop,
}

/// Response-extension marker: the connection serving this response must be closed instead of
/// sending it (see server.rs).
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

pub struct Faults {
    pub latency: Duration,
    rate_429: f64,
    rate_5xx: f64,
    rate_drop: f64,
    pub seed: u64,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(
        latency_ms: u64,
        rate_429: f64,
        rate_5xx: f64,
        rate_drop: f64,
        seed: Option<u64>,
    ) -> Faults {
        let seed = seed.unwrap_or_else(rand::random);
        Faults {
            latency: Duration::from_millis(latency_ms),
            rate_429,
            rate_5xx,
            rate_drop,
            seed,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    pub fn enabled(&self) -> bool {
        self.rate_429 > 0.0 || self.rate_5xx > 0.0 || self.rate_drop > 0.0
    }

    /// One draw per request decides its fate, so each request consumes the same amount of
    /// randomness whatever happens to it.
    pub fn draw(&self) -> Fault {
        if !self.enabled() {
            return Fault::None;
        }
        let u: f64 = self.rng.lock().unwrap_or_else(|p| p.into_inner()).random();
        let t1 = self.rate_429;
        let t2 = t1 + self.rate_5xx;
        let t3 = t2 + self.rate_drop;
        if u < t1 {
            Fault::Throttle
        } else if u < t2 {
            // Both codes azure-core retries; which one depends on where in the band u fell.
            let status = if u < t1 + self.rate_5xx / 2.0 {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            Fault::ServerError(status)
        } else if u < t3 {
            Fault::Drop
        } else {
            Fault::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let a = Faults::new(0, 0.3, 0.1, 0.05, Some(7));
        let b = Faults::new(0, 0.3, 0.1, 0.05, Some(7));
        let sa: Vec<Fault> = (0..200).map(|_| a.draw()).collect();
        let sb: Vec<Fault> = (0..200).map(|_| b.draw()).collect();
        assert_eq!(sa, sb);
        let throttled = sa.iter().filter(|f| **f == Fault::Throttle).count();
        assert!(
            (30..=90).contains(&throttled),
            "about 30% of 200, got {throttled}"
        );
        assert!(sa.contains(&Fault::Drop));
        assert!(sa.iter().any(|f| matches!(f, Fault::ServerError(_))));
    }

    #[test]
    fn disabled_never_faults() {
        let f = Faults::new(0, 0.0, 0.0, 0.0, Some(1));
        assert!((0..100).all(|_| f.draw() == Fault::None));
    }
}
