//! Request counters behind `GET /_emulator/stats`, so tests can assert exact call counts.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::faults::Fault;

#[derive(Default)]
struct Counters {
    requests: u64,
    writes: u64,
    throttled: u64,
    server_errors: u64,
    dropped: u64,
    by_route: BTreeMap<String, u64>,
}

#[derive(Default)]
pub struct Stats {
    inner: Mutex<Counters>,
}

impl Stats {
    fn with<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Counts one request to the agents API or the token endpoint (control endpoints are not
    /// counted, so that polling the stats does not change them).
    pub fn record_request(&self, route: &str) {
        self.with(|c| {
            c.requests += 1;
            *c.by_route.entry(route.to_string()).or_default() += 1;
        })
    }

    /// A successful state-changing agents API call (create or delete), counted even when its
    /// response is then dropped by fault injection: the change happened.
    pub fn record_write(&self) {
        self.with(|c| c.writes += 1)
    }

    pub fn record_fault(&self, fault: Fault) {
        self.with(|c| match fault {
            Fault::Throttle => c.throttled += 1,
            Fault::ServerError(_) => c.server_errors += 1,
            Fault::Drop => c.dropped += 1,
            Fault::None => {}
        })
    }

    pub fn reset(&self) {
        self.with(|c| *c = Counters::default())
    }

    pub fn snapshot(&self) -> Value {
        self.with(|c| {
            json!({
                "requests": c.requests,
                "writes": c.writes,
                "faults": {"429": c.throttled, "5xx": c.server_errors, "drop": c.dropped},
                "by_route": c.by_route,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_resets() {
        let s = Stats::default();
        s.record_request("GET /x");
        s.record_request("GET /x");
        s.record_write();
        s.record_fault(Fault::Drop);
        let v = s.snapshot();
        assert_eq!(v["requests"], 2);
        assert_eq!(v["by_route"]["GET /x"], 2);
        assert_eq!(v["writes"], 1);
        assert_eq!(v["faults"]["drop"], 1);
        s.reset();
        assert_eq!(s.snapshot()["requests"], 0);
    }
}
