//! The fuzz targets' checks on stable Rust: every saved corpus input in `fuzz/corpus/<target>/`
//! is replayed through the same function `cargo fuzz` runs (`fuzz/src/lib.rs`), and a bounded
//! number of proptest inputs (random bytes, and seeds with bytes flipped, cut or spliced) go
//! through it too. Long fuzzing runs are a separate command (docs/reliability.md).

#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use proptest::prelude::*;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {} missing: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn target(name: &str) -> fn(&[u8]) {
    fuzz_checks::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .expect("known target")
}

/// Runs every corpus file, collecting the names of those that panic (so one run reports all).
fn replay(name: &str) {
    let f = target(name);
    let inputs = corpus(name);
    // The seeds written by fuzz/make_seeds.py alone are more than this; an emptied corpus
    // directory must fail rather than pass vacuously.
    assert!(
        inputs.len() >= 10,
        "corpus of {name} has only {} inputs",
        inputs.len()
    );
    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|(file, data)| {
            catch_unwind(AssertUnwindSafe(|| f(data))).err().map(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                format!("{file}: {}", msg.unwrap_or_default())
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{name}: {} corpus inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn value_decoder_corpus() {
    replay("value_decoder");
}

#[test]
fn quantity_corpus() {
    replay("quantity");
}

#[test]
fn api_response_corpus() {
    replay("api_response");
}

/// Every target is in the fuzz crate's manifest and has a corpus directory: a target added
/// without them would silently never be replayed.
#[test]
fn every_target_has_a_manifest_entry_and_a_corpus() {
    let manifest =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .unwrap();
    for (name, _) in fuzz_checks::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml lacks [[bin]] {name}"
        );
        assert!(corpus_dir(name).is_dir(), "no corpus for {name}");
        let source =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fuzz/fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(
            text.contains(&format!("azureai_fuzz::{name}(")),
            "{} does not call the shared check",
            source.display()
        );
    }
}

/// The valid seeds really reach the deep end of each check (decode → state → encode), so the
/// replay exercises more than the parsers' error paths.
#[test]
fn valid_seeds_decode() {
    use azureai::agents::{AgentVersion, ListPage};
    use azureai::framework::codec;
    let read = |t: &str, f: &str| std::fs::read(corpus_dir(t).join(f)).unwrap();
    for f in [
        "seed-gen-b",
        "seed-gen-a",
        "seed-failed",
        "seed-unknown-status",
        "seed-unicode",
        "seed-number-cpu",
    ] {
        let v: AgentVersion =
            serde_json::from_slice(&read("api_response", f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(!v.version.is_empty(), "{f}");
    }
    let page: ListPage<AgentVersion> =
        serde_json::from_slice(&read("api_response", "seed-page")).unwrap();
    assert_eq!(page.data.len(), 2);
    let block = &azureai::resources::hosted_agent_version::SCHEMA.block;
    let plan = read("value_decoder", "seed-resource-plan");
    let v = codec::decode_block_msgpack(&plan[1..], block).expect("the resource plan seed decodes");
    assert_eq!(v.get("agent_name").as_str(), Some("orders-bot"));
    assert!(v.get("version").is_unknown());
    for (f, ok) in [
        ("seed-00", true),
        ("seed-09", true),
        ("seed-13", false),
        ("seed-19", false),
    ] {
        let s = String::from_utf8(read("quantity", f)).unwrap();
        let parsed = azureai::domain::quantity::Cpu::parse(&s).is_ok()
            || azureai::domain::quantity::Memory::parse(&s).is_ok();
        assert_eq!(parsed, ok, "{f} = {s:?}");
    }
}

/// A seed with a few bytes overwritten, a cut, or another seed spliced in: the mutations
/// libFuzzer starts with.
fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    (
        0..n,
        0..n,
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(move |(a, b, flips, cut, splice)| {
            let mut data = seeds[a].clone();
            for (i, byte) in flips {
                if !data.is_empty() {
                    let at = i.index(data.len());
                    data[at] = byte;
                }
            }
            if splice {
                let at = cut.index(data.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&seeds[b][seeds[b].len().min(at)..]);
            } else if !data.is_empty() && cut.index(4) == 0 {
                data.truncate(cut.index(data.len()));
            }
            data
        })
}

fn seeds(name: &str) -> Vec<Vec<u8>> {
    corpus(name).into_iter().map(|(_, d)| d).collect()
}

proptest! {
    // Bounded so the whole file stays within a few seconds on a busy 2-core machine.
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn value_decoder_mutations(data in mutated(seeds("value_decoder"))) {
        fuzz_checks::value_decoder(&data);
    }

    #[test]
    fn value_decoder_random_bytes(data in prop::collection::vec(any::<u8>(), 0..256)) {
        fuzz_checks::value_decoder(&data);
    }

    #[test]
    fn quantity_mutations(data in mutated(seeds("quantity"))) {
        fuzz_checks::quantity(&data);
    }

    #[test]
    fn quantity_structured(s in "[-+]?[0-9]{0,25}(\\.[0-9]{0,25})?(m|Gi|Mi|Ki|G|)(\\|[0-9]{0,22}(\\.[0-9]{0,5})?(Gi|Mi))?") {
        fuzz_checks::quantity(s.as_bytes());
    }

    #[test]
    fn api_response_mutations(data in mutated(seeds("api_response"))) {
        fuzz_checks::api_response(&data);
    }
}
