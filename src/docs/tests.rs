use std::sync::Arc;

use async_trait::async_trait;

use super::*;
use crate::framework::Diagnostics;
use crate::framework::schema::{Attribute, Block, NestedBlock};
use crate::framework::traits::*;
use crate::framework::value::{Type, Value};

struct FakeResource(Schema);
struct FakeDataSource(Schema);
struct FakeProvider {
    schema: Schema,
}

#[async_trait]
impl Resource for FakeResource {
    fn type_name(&self) -> &'static str {
        "fake_widget"
    }
    fn schema(&self) -> &Schema {
        &self.0
    }
    async fn apply(&self, _: &Ctx, _: ApplyRequest) -> ApplyResponse {
        ApplyResponse::default()
    }
    async fn read(&self, _: &Ctx, _: ReadRequest) -> ReadResponse {
        ReadResponse::default()
    }
    async fn import(&self, _: &Ctx, _: &str) -> ImportResponse {
        ImportResponse::default()
    }
}

#[async_trait]
impl DataSource for FakeDataSource {
    fn type_name(&self) -> &'static str {
        "fake_widgets"
    }
    fn schema(&self) -> &Schema {
        &self.0
    }
    async fn read(&self, _: &Ctx, _: ReadDataRequest) -> ReadDataResponse {
        ReadDataResponse::default()
    }
}

#[async_trait]
impl Provider for FakeProvider {
    fn type_name(&self) -> &'static str {
        "fake"
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    async fn configure(&self, _: &Ctx, _: &Value, _: &str) -> Diagnostics {
        Diagnostics::new()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(FakeResource(widget_schema()))]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        let item = Type::Object(
            [
                ("name".to_owned(), Type::String),
                ("size".to_owned(), Type::Number),
            ]
            .into_iter()
            .collect(),
        );
        vec![Arc::new(FakeDataSource(Schema::new(
            0,
            Block::new()
                .description("Lists widgets.")
                .attribute(
                    Attribute::string("owner")
                        .required()
                        .description("Whose widgets."),
                )
                .attribute(
                    Attribute::typed("widgets", Type::list(item))
                        .computed()
                        .description("The widgets."),
                ),
        )))]
    }
}

fn widget_schema() -> Schema {
    Schema::new(
        1,
        Block::new()
            .description("Manages a widget.\n\nWidgets are immutable.")
            .attribute(
                Attribute::string("name")
                    .required()
                    .description("The widget's name."),
            )
            .attribute(
                Attribute::string("size")
                    .optional_computed()
                    .description("Size; default `\"1\"`."),
            )
            .attribute(
                Attribute::string("secret")
                    .optional()
                    .sensitive()
                    .description("A secret."),
            )
            .attribute(Attribute::string("id").computed().description("The ID."))
            .attribute(Attribute::string_map("labels").optional())
            .block(
                NestedBlock::list(
                    "port",
                    Block::new()
                        .description("A port.")
                        .attribute(
                            Attribute::number("number")
                                .required()
                                .description("Port number."),
                        )
                        .attribute(
                            Attribute::string("protocol")
                                .optional()
                                .description("First line.\n\nSecond paragraph."),
                        ),
                )
                .min_items(1),
            )
            .block(NestedBlock::single(
                "timeouts",
                Block::new().attribute(
                    Attribute::string("create")
                        .optional()
                        .description("Default `30m`."),
                ),
            )),
    )
}

fn provider() -> FakeProvider {
    FakeProvider {
        schema: Schema::new(
            0,
            Block::new()
                .description("The fake provider manages widgets.\n\nMore prose.")
                .attribute(
                    Attribute::string("endpoint")
                        .optional()
                        .description("Where widgets live."),
                ),
        ),
    }
}

/// A repository root with every example the fake provider needs.
fn root_with_examples() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let write = |rel: &str, s: &str| {
        let p = root.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, s).unwrap();
    };
    write("examples/provider/provider.tf", "provider \"fake\" {}\n");
    write(
        "examples/resources/fake_widget/resource.tf",
        "resource \"fake_widget\" \"w\" {}\n",
    );
    write(
        "examples/resources/fake_widget/import.sh",
        "terraform import fake_widget.w w1\n",
    );
    write(
        "examples/data-sources/fake_widgets/data-source.tf",
        "data \"fake_widgets\" \"all\" {}\n",
    );
    root
}

fn page<'a>(pages: &'a [Page], path: &str) -> &'a str {
    &pages
        .iter()
        .find(|p| p.path == Path::new(path))
        .unwrap_or_else(|| panic!("no page {path}"))
        .contents
}

#[test]
fn resource_page_has_registry_sections() {
    let root = root_with_examples();
    let pages = generate(&provider(), root.path()).unwrap();
    let md = page(&pages, "docs/resources/widget.md");
    assert!(md.starts_with(
        "---\npage_title: \"fake_widget Resource - terraform-provider-fake\"\nsubcategory: \"\"\ndescription: |-\n  Manages a widget.\n---\n\n# fake_widget (Resource)\n\nManages a widget.\n\nWidgets are immutable.\n"
    ), "{md}");
    assert!(
        md.contains("## Example Usage\n\n```terraform\nresource \"fake_widget\" \"w\" {}\n```\n"),
        "{md}"
    );
    assert!(md.contains("### Required\n\n- `name` (String) The widget's name.\n- `port` (Block List, Min: 1) A port. (see [below for nested schema](#nestedblock--port))\n"), "{md}");
    assert!(md.contains("### Optional\n\n- `labels` (Map of String)\n- `secret` (String, Sensitive) A secret.\n- `size` (String) Size; default `\"1\"`.\n- `timeouts` (Block) (see [below for nested schema](#nestedblock--timeouts))\n"), "{md}");
    assert!(
        md.contains("### Read-Only\n\n- `id` (String) The ID.\n"),
        "{md}"
    );
    assert!(md.contains("<a id=\"nestedblock--port\"></a>\n### Nested Schema for `port`\n\nRequired:\n\n- `number` (Number) Port number.\n\nOptional:\n\n- `protocol` (String) First line.\n\n  Second paragraph.\n"), "{md}");
    assert!(
        md.contains(
            "### Nested Schema for `timeouts`\n\nOptional:\n\n- `create` (String) Default `30m`.\n"
        ),
        "{md}"
    );
    assert!(md.ends_with("## Import\n\nImport is supported using the following syntax:\n\n```shell\nterraform import fake_widget.w w1\n```\n"), "{md}");
}

#[test]
fn data_source_page_documents_computed_object_lists() {
    let root = root_with_examples();
    let pages = generate(&provider(), root.path()).unwrap();
    let md = page(&pages, "docs/data-sources/widgets.md");
    assert!(md.contains("# fake_widgets (Data Source)\n"), "{md}");
    assert!(md.contains("- `widgets` (List of Object) The widgets. (see [below for nested schema](#nestedatt--widgets))"), "{md}");
    assert!(md.contains("### Nested Schema for `widgets`\n\nRead-Only:\n\n- `name` (String)\n- `size` (Number)\n"), "{md}");
    assert!(
        !md.contains("## Import"),
        "data sources are not importable: {md}"
    );
}

#[test]
fn provider_page_uses_template_when_present() {
    let root = root_with_examples();
    let pages = generate(&provider(), root.path()).unwrap();
    let md = page(&pages, "docs/index.md");
    assert!(md.contains("# fake Provider\n\nThe fake provider manages widgets.\n\nMore prose.\n\n## Example Usage\n\n```terraform\nprovider \"fake\" {}\n```\n\n## Schema\n\n### Optional\n\n- `endpoint` (String) Where widgets live.\n"), "{md}");

    fs::create_dir_all(root.path().join("templates")).unwrap();
    fs::write(
        root.path().join("templates/index.md.tmpl"),
        "{{description}}\n\n## Authentication\n\nSign in.\n\n## Example Usage\n\n{{example}}\n\n## Schema\n\n{{schema}}",
    )
    .unwrap();
    let pages = generate(&provider(), root.path()).unwrap();
    let md = page(&pages, "docs/index.md");
    assert!(
        md.contains(
            "More prose.\n\n## Authentication\n\nSign in.\n\n## Example Usage\n\n```terraform\n"
        ),
        "{md}"
    );
    assert!(
        md.ends_with("## Schema\n\n### Optional\n\n- `endpoint` (String) Where widgets live.\n"),
        "{md}"
    );

    fs::write(
        root.path().join("templates/index.md.tmpl"),
        "no placeholders",
    )
    .unwrap();
    let err = generate(&provider(), root.path()).unwrap_err();
    assert!(err.contains("{{description}}"), "{err}");
}

#[test]
fn missing_example_is_an_error_naming_the_file() {
    let root = root_with_examples();
    fs::remove_file(root.path().join("examples/resources/fake_widget/import.sh")).unwrap();
    let err = generate(&provider(), root.path()).unwrap_err();
    assert!(
        err.contains("examples/resources/fake_widget/import.sh"),
        "{err}"
    );
}

#[test]
fn check_reports_stale_missing_and_extraneous_pages_and_write_fixes_them() {
    let root = root_with_examples();
    let pages = generate(&provider(), root.path()).unwrap();
    let problems = check(root.path(), &pages);
    assert_eq!(
        problems.len(),
        pages.len(),
        "every page starts missing: {problems:?}"
    );

    write(root.path(), &pages).unwrap();
    assert!(check(root.path(), &pages).is_empty());

    fs::write(root.path().join("docs/resources/widget.md"), "old").unwrap();
    fs::write(
        root.path().join("docs/resources/gone.md"),
        "a removed resource",
    )
    .unwrap();
    // Hand-written docs outside the generated directories are left alone.
    fs::write(root.path().join("docs/ARCHITECTURE.md"), "map").unwrap();
    let problems = check(root.path(), &pages);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("docs/resources/widget.md differs"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("docs/resources/gone.md documents nothing"),
        "{problems:?}"
    );

    let changed = write(root.path(), &pages).unwrap();
    assert_eq!(changed.len(), 2);
    assert!(check(root.path(), &pages).is_empty());
    assert!(root.path().join("docs/ARCHITECTURE.md").is_file());
}

#[test]
fn cli_check_exit_codes() {
    let root = root_with_examples();
    let dir = root.path().to_str().unwrap().to_owned();
    let args = |extra: &[&str]| -> Vec<String> {
        extra
            .iter()
            .map(|s| s.to_string())
            .chain(["--root".to_owned(), dir.clone()])
            .collect()
    };
    assert_eq!(
        cli(&provider(), &args(&["--check"])),
        1,
        "stale docs must fail the check"
    );
    assert_eq!(cli(&provider(), &args(&[])), 0);
    assert_eq!(cli(&provider(), &args(&["--check"])), 0);
    assert_eq!(cli(&provider(), &args(&["--bogus"])), 2);
}
