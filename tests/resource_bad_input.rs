//! The bad input corpus (`tests/bad_input/*.tf`, see its README): every invalid configuration
//! fails at `terraform validate` (or at plan, for rules that depend on the provider's
//! `api_version`) with a diagnostic that names the attribute, and the emulator records zero
//! writes. Runs with both Terraform versions.

mod support;

use std::fs;
use std::path::PathBuf;

use support::{Emulator, TerraformBin, Workspace, repo_root, terraform_1_0_3, terraform_on_path};

struct Case {
    name: String,
    body: String,
    expect: String,
    attribute: String,
    /// Text the diagnostic's detail must contain (`# detail:`), compared with whitespace
    /// collapsed because Terraform wraps long lines.
    detail: Option<String>,
    plan_stage: bool,
    api_version: String,
    own_provider: bool,
}

fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .map_while(|l| l.strip_prefix("# "))
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
}

fn corpus() -> Vec<Case> {
    let dir: PathBuf = repo_root().join("tests/bad_input");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/bad_input")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let body = fs::read_to_string(&p).expect("corpus file");
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let need = |k: &str| {
                header(&body, k)
                    .unwrap_or_else(|| panic!("{name}: missing `# {k}:` header"))
                    .to_owned()
            };
            let expect = need("expect");
            assert!(
                expect.starts_with(|c: char| c.is_uppercase()),
                "{name}: summaries are sentence case, not {expect:?}"
            );
            Case {
                expect,
                attribute: need("attribute"),
                detail: header(&body, "detail").map(str::to_owned),
                plan_stage: header(&body, "stage") == Some("plan"),
                api_version: header(&body, "api_version").unwrap_or("v1").to_owned(),
                own_provider: header(&body, "provider") == Some("own"),
                name,
                body,
            }
        })
        .collect()
}

/// `text` with Terraform's box-drawing margin removed and every run of whitespace made one
/// space.
fn collapse(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the diagnostic underlines `attribute`: Terraform quotes the offending configuration
/// line (`  18:     cpu = "8"`) under "on main.tf line N". Terraform's own errors about a
/// missing argument or block quote the block header instead, so for those the message must name
/// the attribute.
fn points_at(text: &str, summary: &str, attribute: &str) -> bool {
    let quoted = text
        .lines()
        .filter(|l| {
            l.trim_start()
                .split_once(':')
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        })
        .any(|l| l.contains(attribute));
    let block_level =
        summary.starts_with("Missing required argument") || summary.starts_with("Insufficient");
    quoted || (block_level && text.contains(attribute))
}

/// Terraform spends most of a `validate` waiting (plugin start-up and shutdown), so the corpus
/// is split over a few workspaces that run side by side.
const WORKERS: usize = 3;

fn run_corpus(tf: &TerraformBin) {
    let cases = corpus();
    assert!(cases.len() >= 40, "corpus shrank: {}", cases.len());
    let emu = Emulator::start(&["--provision-delay-ms", "100"]);
    let chunk = cases.len().div_ceil(WORKERS);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(chunk)
            .map(|part| scope.spawn(|| run_cases(tf, &emu, part)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("corpus worker"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases failed ({tf}):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    let stats = emu.stats();
    assert_eq!(
        stats["writes"], 0,
        "invalid configurations reached the service: {stats}"
    );
}

/// Runs `cases` in one workspace; returns a description of each case that did not fail as
/// required.
fn run_cases(tf: &TerraformBin, emu: &Emulator, cases: &[Case]) -> Vec<String> {
    let ws = Workspace::builder(tf).emulator(emu).build();
    // init needs only the provider requirement; each case then replaces main.tf.
    ws.write_main_tf("");
    ws.init();
    let mut failures = Vec::new();
    for case in cases {
        let provider = if case.own_provider {
            String::new()
        } else {
            format!(
                "provider \"azureai\" {{\n  api_version = \"{}\"\n}}\n",
                case.api_version
            )
        };
        ws.write_main_tf(&format!("{provider}{}", case.body));
        let out = if case.plan_stage {
            ws.run(&["plan", "-input=false"])
        } else {
            ws.run(&["validate"])
        };
        let text = out.combined();
        let problem = if out.code() == 0 {
            Some("command succeeded".to_owned())
        } else if !text.contains(&case.expect) {
            Some(format!("no {:?} in the output", case.expect))
        } else if let Some(d) = case
            .detail
            .as_deref()
            .filter(|d| !collapse(&text).contains(&collapse(d)))
        {
            Some(format!("no {d:?} in the diagnostic's detail"))
        } else if !points_at(&text, &case.expect, &case.attribute) {
            Some(format!(
                "the diagnostic does not point at {:?}",
                case.attribute
            ))
        } else if text.contains("panicked") || text.contains("Plugin did not respond") {
            Some("the provider crashed".to_owned())
        } else {
            None
        };
        if let Some(p) = problem {
            failures.push(format!("{}: {p}\n{out}", case.name));
        }
    }
    failures
}

#[test]
fn bad_input_corpus_terraform_on_path() {
    run_corpus(&terraform_on_path());
}

#[test]
fn bad_input_corpus_terraform_1_0_3() {
    run_corpus(&terraform_1_0_3());
}
