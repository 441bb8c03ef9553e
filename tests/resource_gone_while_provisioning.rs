//! A version that disappears while it provisions ends the create wait within seconds, not at
//! the create timeout (30 minutes by default): deleted outside Terraform, or lost by the
//! service (here an emulator restarted from a state file that no longer holds it, keeping its
//! token signing key so the provider's token stays valid). After a few seconds of 404s
//! (`NOT_FOUND_PATIENCE` in `src/resources/hosted_agent_version/mod.rs`) the apply fails with
//! "the version was deleted while provisioning" and the version's id, and keeps it in the
//! state as tainted. The elapsed time from the disappearance to the end of the apply is
//! measured and printed.

mod reliability_common;
mod resource_support;
mod support;

use std::time::{Duration, Instant};

use reliability_common::{spawn_terraform, wait_until};
use resource_support::delete_version_out_of_band;
use support::{Emulator, TerraformBin, Workspace};

/// How long the service answers 404 before the provider gives up (the resource's
/// `NOT_FOUND_PATIENCE`).
const PATIENCE: Duration = Duration::from_secs(3);
/// What the end of the wait may take beyond that: one poll interval (at most 1 s), Terraform
/// reporting the error and exiting, a loaded CI machine.
const SLACK: Duration = Duration::from_secs(7);
/// Longer than any run of this test: the version would otherwise stay `creating`.
const PROVISIONING: &str = "600000";

const CONFIG: &str = r#"
provider "azureai" {
  api_version = "v1"
}

resource "azureai_hosted_agent_version" "bot" {
  agent_name = "gone-bot"
  image      = "contosoacr.azurecr.io/gone-bot:1.0.0"
  cpu        = "0.5"
  memory     = "1Gi"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
"#;

#[derive(Clone, Copy, Debug)]
enum Gone {
    /// `DELETE …/versions/1?force=true` from outside Terraform.
    Deleted,
    /// The service restarts on the same port, its store without the version.
    Lost,
}

fn version_exists(emu: &Emulator) -> bool {
    emu.state()["agents"]["gone-bot"]["versions"]["1"]["status"] == "creating"
}

fn ends_soon_after_the_version_is_gone(tf: &TerraformBin, how: Gone) {
    let dir = tempfile::tempdir().expect("state dir");
    let state_file = dir.path().join("state.json");
    let state_arg = state_file.display().to_string();
    let args = [
        "--provision-delay-ms",
        PROVISIONING,
        "--state-file",
        &state_arg,
    ];
    let emu = Emulator::start(&args);
    let ws = Workspace::builder(tf).emulator(&emu).build();
    let ctx = format!("{} ({how:?})", ws.describe());
    ws.write_main_tf(CONFIG);
    ws.init();
    let apply = spawn_terraform(
        tf,
        &ws,
        &emu.env(),
        &["apply", "-auto-approve", "-input=false"],
    );
    assert!(
        wait_until(Duration::from_secs(60), || version_exists(&emu)),
        "{ctx}: the version was never created:\n{}",
        emu.log()
    );
    // Let the wait poll a few times first.
    std::thread::sleep(Duration::from_millis(1500));
    let gone_at = Instant::now();
    let _restarted = match how {
        Gone::Deleted => {
            delete_version_out_of_band(&emu, "gone-bot", "1");
            None
        }
        Gone::Lost => {
            let port = url::Url::parse(&emu.endpoint)
                .ok()
                .and_then(|u| u.port())
                .expect("the emulator's port");
            drop(emu);
            let mut stored: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&state_file).expect("state file"))
                    .expect("state file JSON");
            let agents = stored["agents"]
                .as_object_mut()
                .expect("agents in the state file");
            assert!(agents.remove("gone-bot").is_some(), "{ctx}: {stored}");
            std::fs::write(&state_file, stored.to_string()).expect("write state file");
            let listen = format!("127.0.0.1:{port}");
            let mut restart = vec!["--listen", &listen];
            restart.extend(args);
            Some(Emulator::start(&restart))
        }
    };
    let out = apply.wait(Duration::from_secs(120));
    let elapsed = gone_at.elapsed();
    println!("{ctx}: the apply ended {elapsed:.1?} after the version was gone");
    let text = out.combined();
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_ne!(out.code(), 0, "{ctx}: the apply succeeded:\n{out}");
    for needle in [
        "Error: Hosted agent version deleted while provisioning",
        "Version gone-bot/1 was created",
        "the version was deleted while provisioning",
    ] {
        assert!(
            collapsed.contains(needle),
            "{ctx}: no {needle:?} in:\n{out}"
        );
    }
    assert!(
        !collapsed.contains("Raise timeouts.create"),
        "{ctx}: the message blames the timeout:\n{out}"
    );
    assert!(
        elapsed < PATIENCE + SLACK,
        "{ctx}: the apply took {elapsed:?} to end after the version was gone (at most {:?}):\n{out}",
        PATIENCE + SLACK
    );
    assert!(
        elapsed >= PATIENCE,
        "{ctx}: the apply ended {elapsed:?} after the 404s began, before the eventual-consistency patience"
    );
    // Kept in the state, tainted: the next apply replaces it.
    let state = ws.run(&["state", "show", "azureai_hosted_agent_version.bot"]);
    assert!(
        state
            .stdout
            .contains("# azureai_hosted_agent_version.bot: (tainted)")
            && state.stdout.contains("\"gone-bot/1\""),
        "{ctx}: the version is not recorded as tainted:\n{state}"
    );
}

both_terraform_versions!(deleted_outside_terraform, |tf| {
    ends_soon_after_the_version_is_gone(tf, Gone::Deleted)
});

both_terraform_versions!(lost_by_the_service, |tf| {
    ends_soon_after_the_version_is_gone(tf, Gone::Lost)
});
