//! `docs/` must be exactly what the generator writes from the provider's schema and
//! `examples/`: a schema description or example changed without regenerating fails here.
//! Regenerate with `cargo run --bin terraform-provider-azureai -- docs`.

use std::path::Path;

#[test]
fn docs_match_the_generator_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let provider = azureai::provider::new_provider();
    let pages = azureai::docs::generate(&*provider, root).expect("generate docs");
    let problems = azureai::docs::check(root, &pages);
    assert!(
        problems.is_empty(),
        "docs/ is stale; run `cargo run --bin terraform-provider-azureai -- docs`:\n{}",
        problems.join("\n")
    );
}

/// Every resource and data source the provider serves has a page, under the registry's names.
#[test]
fn every_type_has_a_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let provider = azureai::provider::new_provider();
    let pages = azureai::docs::generate(&*provider, root).expect("generate docs");
    let paths: Vec<String> = pages.iter().map(|p| p.path.display().to_string()).collect();
    assert!(paths.contains(&"docs/index.md".to_owned()), "{paths:?}");
    for r in provider.resources() {
        let page = format!(
            "docs/resources/{}.md",
            r.type_name().trim_start_matches("azureai_")
        );
        assert!(paths.contains(&page), "no page {page} in {paths:?}");
    }
    for d in provider.data_sources() {
        let page = format!(
            "docs/data-sources/{}.md",
            d.type_name().trim_start_matches("azureai_")
        );
        assert!(paths.contains(&page), "no page {page} in {paths:?}");
    }
}
