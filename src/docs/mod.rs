//! The documentation generator: the Terraform Registry pages under `docs/`, rendered from the
//! provider's own schema (descriptions are markdown) plus the files under `examples/`, in the
//! layout tfplugindocs gives Go providers.
//!
//! Run `cargo run --bin terraform-provider-azureai -- docs` to regenerate, or `-- docs --check`
//! to only report differences; `tests/docs_fresh.rs` fails when `docs/` is stale.
//!
//! Pages:
//! - `docs/index.md` from the provider schema, `examples/provider/provider.tf` and, when present,
//!   the template `templates/index.md.tmpl` (prose such as authentication, with placeholders
//!   `{{description}}`, `{{example}}` and `{{schema}}`);
//! - `docs/resources/<name>.md` from each resource schema, `examples/resources/<type>/resource.tf`
//!   and `import.sh`;
//! - `docs/data-sources/<name>.md` from each data source schema and
//!   `examples/data-sources/<type>/data-source.tf`.
//!
//! `<name>` is the type name without the provider prefix (`azureai_hosted_agent_version` →
//! `hosted_agent_version`), as on the registry. Every resource and data source must have its
//! example (and every resource its `import.sh`): a missing one is an error, not a thinner page.

mod schema_md;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::framework::schema::Schema;
use crate::framework::traits::Provider;

pub use schema_md::{render_schema, type_label};

/// One generated file, its path relative to the repository root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub path: PathBuf,
    pub contents: String,
}

/// Directories whose every `.md` file is generated; anything else there is stale.
const GENERATED_DIRS: [&str; 2] = ["docs/resources", "docs/data-sources"];

/// Renders every page for `provider`, reading examples and templates under `root`.
pub fn generate(provider: &dyn Provider, root: &Path) -> Result<Vec<Page>, String> {
    let prefix = format!("{}_", provider.type_name());
    let mut pages = vec![provider_page(provider, root)?];

    let mut resources = provider.resources();
    resources.sort_by_key(|r| r.type_name());
    for r in resources {
        let type_name = r.type_name();
        let example_dir = root.join("examples/resources").join(type_name);
        let example = read_example(&example_dir.join("resource.tf"))?;
        let import = read_example(&example_dir.join("import.sh"))?;
        let mut page = entity_page(type_name, "Resource", r.schema(), &example);
        page.push_str(
            "\n## Import\n\nImport is supported using the following syntax:\n\n```shell\n",
        );
        page.push_str(&import);
        page.push_str("\n```\n");
        pages.push(Page {
            path: PathBuf::from("docs/resources")
                .join(format!("{}.md", short_name(type_name, &prefix))),
            contents: page,
        });
    }

    let mut data_sources = provider.data_sources();
    data_sources.sort_by_key(|d| d.type_name());
    for d in data_sources {
        let type_name = d.type_name();
        let example = read_example(
            &root
                .join("examples/data-sources")
                .join(type_name)
                .join("data-source.tf"),
        )?;
        pages.push(Page {
            path: PathBuf::from("docs/data-sources")
                .join(format!("{}.md", short_name(type_name, &prefix))),
            contents: entity_page(type_name, "Data Source", d.schema(), &example),
        });
    }
    Ok(pages)
}

/// Writes the pages under `root` and removes generated-directory pages that no longer belong
/// to any resource or data source. Returns the paths written or removed.
pub fn write(root: &Path, pages: &[Page]) -> std::io::Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for page in pages {
        let path = root.join(&page.path);
        if fs::read_to_string(&path).ok().as_deref() == Some(page.contents.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, &page.contents)?;
        changed.push(page.path.clone());
    }
    for extra in extraneous(root, pages) {
        fs::remove_file(root.join(&extra))?;
        changed.push(extra);
    }
    Ok(changed)
}

/// Differences between `pages` and what is on disk under `root`, one line each; empty when
/// the docs are fresh.
pub fn check(root: &Path, pages: &[Page]) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        match fs::read_to_string(root.join(&page.path)) {
            Ok(on_disk) if on_disk == page.contents => {}
            Ok(on_disk) => problems.push(format!(
                "{} differs from the generator's output{}",
                page.path.display(),
                first_difference(&on_disk, &page.contents)
            )),
            Err(_) => problems.push(format!("{} is missing", page.path.display())),
        }
    }
    for extra in extraneous(root, pages) {
        problems.push(format!(
            "{} documents nothing the provider has",
            extra.display()
        ));
    }
    problems
}

/// `docs [--check] [--root DIR]`: the provider binary's `docs` subcommand. Prints to stderr
/// only (the binary's stdout belongs to the plugin handshake). Returns the exit code.
pub fn cli(provider: &dyn Provider, args: &[String]) -> i32 {
    let mut check_only = false;
    let mut root: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => check_only = true,
            "--root" => match it.next() {
                Some(dir) => root = Some(PathBuf::from(dir)),
                None => {
                    eprintln!("docs: --root needs a directory");
                    return 2;
                }
            },
            other => {
                eprintln!("docs: unknown argument {other:?}; usage: docs [--check] [--root DIR]");
                return 2;
            }
        }
    }
    let root = match root.or_else(find_repo_root) {
        Some(root) => root,
        None => {
            eprintln!(
                "docs: run this from the repository (no terraform-registry-manifest.json found above the current directory), or pass --root"
            );
            return 2;
        }
    };
    let pages = match generate(provider, &root) {
        Ok(pages) => pages,
        Err(e) => {
            eprintln!("docs: {e}");
            return 1;
        }
    };
    if check_only {
        let problems = check(&root, &pages);
        for p in &problems {
            eprintln!("docs: {p}");
        }
        if problems.is_empty() {
            eprintln!("docs: {} pages up to date", pages.len());
            return 0;
        }
        eprintln!(
            "docs: stale; regenerate with `cargo run --bin terraform-provider-azureai -- docs`"
        );
        return 1;
    }
    match write(&root, &pages) {
        Ok(changed) => {
            for path in &changed {
                eprintln!("docs: updated {}", path.display());
            }
            eprintln!("docs: {} pages, {} changed", pages.len(), changed.len());
            0
        }
        Err(e) => {
            eprintln!("docs: writing under {}: {e}", root.display());
            1
        }
    }
}

fn find_repo_root() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        if dir.join("terraform-registry-manifest.json").is_file() && dir.join("examples").is_dir() {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

fn provider_page(provider: &dyn Provider, root: &Path) -> Result<Page, String> {
    let name = provider.type_name();
    let schema = provider.schema();
    let description = schema.block.description.trim();
    let example = read_example(&root.join("examples/provider/provider.tf"))?;
    let example_md = format!("```terraform\n{example}\n```");
    let schema_md = render_schema(&schema.block);

    let template_path = root.join("templates/index.md.tmpl");
    let body = if template_path.is_file() {
        let template = fs::read_to_string(&template_path)
            .map_err(|e| format!("reading {}: {e}", template_path.display()))?;
        for placeholder in ["{{description}}", "{{example}}", "{{schema}}"] {
            if !template.contains(placeholder) {
                return Err(format!(
                    "{} lacks the placeholder {placeholder}",
                    template_path.display()
                ));
            }
        }
        template
            .replace("{{description}}", description)
            .replace("{{example}}", &example_md)
            .replace("{{schema}}", schema_md.trim_start_matches('\n'))
    } else {
        format!("{description}\n\n## Example Usage\n\n{example_md}\n\n## Schema\n{schema_md}")
    };

    let mut page = front_matter(&format!("{name} Provider"), description);
    let _ = write!(page, "# {name} Provider\n\n{}\n", body.trim());
    Ok(Page {
        path: PathBuf::from("docs/index.md"),
        contents: page,
    })
}

fn entity_page(type_name: &str, kind: &str, schema: &Schema, example: &str) -> String {
    let description = schema.block.description.trim();
    let mut page = front_matter(
        &format!(
            "{type_name} {kind} - terraform-provider-{}",
            provider_of(type_name)
        ),
        description,
    );
    let _ = writeln!(page, "# {type_name} ({kind})\n");
    if !description.is_empty() {
        let _ = writeln!(page, "{description}\n");
    }
    let _ = writeln!(page, "## Example Usage\n\n```terraform\n{example}\n```\n");
    page.push_str("## Schema\n");
    page.push_str(&render_schema(&schema.block));
    page
}

/// YAML front matter as tfplugindocs writes it; the description is its first paragraph.
fn front_matter(title: &str, description: &str) -> String {
    let summary = description.split("\n\n").next().unwrap_or("").trim();
    let mut out = format!("---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-\n");
    for line in summary.lines() {
        let _ = writeln!(out, "  {}", line.trim_end());
    }
    out.push_str("---\n\n");
    out
}

fn provider_of(type_name: &str) -> &str {
    type_name.split('_').next().unwrap_or(type_name)
}

fn short_name<'a>(type_name: &'a str, prefix: &str) -> &'a str {
    type_name.strip_prefix(prefix).unwrap_or(type_name)
}

fn read_example(path: &Path) -> Result<String, String> {
    fs::read_to_string(path)
        .map(|s| s.trim_end().to_owned())
        .map_err(|e| format!("example {} is required for the docs: {e}", path.display()))
}

/// Generated-directory `.md` files that no page produces.
fn extraneous(root: &Path, pages: &[Page]) -> Vec<PathBuf> {
    let expected: BTreeSet<&Path> = pages.iter().map(|p| p.path.as_path()).collect();
    let mut extra = Vec::new();
    for dir in GENERATED_DIRS {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = Path::new(dir).join(entry.file_name());
            if rel.extension().is_some_and(|e| e == "md") && !expected.contains(rel.as_path()) {
                extra.push(rel);
            }
        }
    }
    extra.sort();
    extra
}

/// A short pointer to the first differing line, so a failing check says where to look.
fn first_difference(on_disk: &str, generated: &str) -> String {
    for (i, (a, b)) in on_disk.lines().zip(generated.lines()).enumerate() {
        if a != b {
            return format!(" (line {}: has {a:?}, generator writes {b:?})", i + 1);
        }
    }
    format!(
        " (on disk {} lines, generator writes {} lines)",
        on_disk.lines().count(),
        generated.lines().count()
    )
}

#[cfg(test)]
mod tests;
