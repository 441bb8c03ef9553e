//! cpu and memory as users write them and as the service is sent them: `cpu = "500m"` and
//! `memory = "1024Mi"` apply under `v1` (whose service takes decimal cores and `Gi` only, and
//! answers 400 `Invalid cpu '500m'` otherwise), the request body holds `0.5` and `1Gi`, the
//! state keeps the configured spelling and the next plan is empty. Every spelling our own
//! "Invalid cpu" / "Invalid memory" messages and the argument docs recommend is one the
//! provider sends in the service's form.

mod resource_support;
mod support;

use azureai::domain::quantity::{self, cpu_wire, memory_wire};
use resource_support::{ApiVersion, live_versions};
use serde_json::json;
use support::Scenario;

const ADDR: &str = "azureai_hosted_agent_version.bot";

const CONFIG: &str = r#"
resource "azureai_hosted_agent_version" "bot" {
  agent_name = "quantity-bot"
  image      = "contosoacr.azurecr.io/quantity-bot:1.0.0"
  cpu        = "500m"
  memory     = "1024Mi"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
"#;

both_terraform_versions!(millicores_apply_and_are_sent_as_decimal_cores, |tf| {
    Scenario::new(tf, ApiVersion::V1)
        .apply(CONFIG)
        .check(|s| {
            let ctx = s.context();
            let live = live_versions(&s.emu, "quantity-bot");
            assert_eq!(live.len(), 1, "{ctx}: {live:?}");
            let sent = &live[0].1["definition"];
            assert_eq!(sent["cpu"], json!("0.5"), "{ctx}: the request body");
            assert_eq!(sent["memory"], json!("1Gi"), "{ctx}: the request body");
            let values = s.values(ADDR);
            assert_eq!(values["cpu"], json!("500m"), "{ctx}: the state");
            assert_eq!(values["memory"], json!("1024Mi"), "{ctx}: the state");
        })
        .destroy();
});

/// The quoted spellings in `text` (`"0.5"`, `"500m"`, …).
fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn is_decimal_cores(s: &str) -> bool {
    let mut parts = s.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn is_gibibytes(s: &str) -> bool {
    s.strip_suffix("Gi").is_some_and(is_decimal_cores)
}

#[test]
fn the_spellings_our_messages_recommend_are_sent_as_the_service_spells_them() {
    let mut cpu_examples = Vec::new();
    for bad in ["abc", "9", "0.0001"] {
        let problem = quantity::check_cpu(bad).expect_err(bad);
        assert_eq!(problem.summary, "Invalid cpu");
        cpu_examples.extend(quoted(&problem.detail).into_iter().filter(|q| q != bad));
    }
    assert!(
        cpu_examples.iter().any(|e| e == "500m"),
        "the message offers millicores: {cpu_examples:?}"
    );
    for example in &cpu_examples {
        assert!(
            quantity::check_cpu(example).is_ok(),
            "{example:?} is recommended but refused"
        );
        let wire = cpu_wire(example);
        assert!(is_decimal_cores(&wire), "{example:?} is sent as {wire:?}");
    }
    let mut memory_examples = Vec::new();
    for bad in ["abc", "64Gi", "2gi"] {
        let problem = quantity::check_memory(bad).expect_err(bad);
        assert_eq!(problem.summary, "Invalid memory");
        memory_examples.extend(quoted(&problem.detail).into_iter().filter(|q| q != bad));
    }
    assert!(!memory_examples.is_empty());
    for example in &memory_examples {
        assert!(
            quantity::check_memory(example).is_ok(),
            "{example:?} is recommended but refused"
        );
        let wire = memory_wire(example);
        assert!(is_gibibytes(&wire), "{example:?} is sent as {wire:?}");
    }
    // The argument's documentation names millicores and what is sent for them.
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/resources/hosted_agent_version.md"),
    )
    .expect("docs/resources/hosted_agent_version.md");
    let cpu_line = docs
        .lines()
        .find(|l| l.starts_with("- `cpu` "))
        .expect("the cpu argument in the docs");
    assert!(
        cpu_line.contains("`500m`") && cpu_line.contains("sent to the service as `0.5`"),
        "{cpu_line}"
    );
}
