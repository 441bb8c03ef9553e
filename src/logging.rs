//! Provider logging as hclog-style JSON lines on **stderr**.
//!
//! Terraform reads the provider's stderr line by line; a line that is a JSON object with
//! `@level`, `@message` and `@timestamp` is re-emitted at that level under
//! `provider.terraform-provider-azureai`, every other key becoming a key/value pair. Users then
//! filter with `TF_LOG` / `TF_LOG_PROVIDER` as with any Go provider. stdout is reserved for the
//! handshake line, so nothing here ever writes there.
//!
//! Code logs with the ordinary `tracing` macros; span fields are carried onto the events
//! inside them (outermost first, innermost wins on a name clash).

use std::io::Write;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The hclog module name Go providers built on terraform-plugin-log use too.
const MODULE: &str = "provider";

/// The level Terraform asked for: `TF_LOG_PROVIDER`, else `TF_LOG`.
pub fn level_from_env() -> LevelFilter {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    parse_level(var("TF_LOG_PROVIDER").or_else(|| var("TF_LOG")).as_deref())
}

/// Terraform's rules: unset/`off`/`none` → nothing; `json` and unrecognised values → trace
/// (Terraform itself falls back to TRACE for an invalid level).
pub fn parse_level(value: Option<&str>) -> LevelFilter {
    let Some(value) = value.map(str::trim) else {
        return LevelFilter::OFF;
    };
    match value.to_ascii_lowercase().as_str() {
        "" | "off" | "none" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs the stderr JSON logger at the level from the environment. The filter is the only
/// one installed, so disabled `tracing` call sites cost next to nothing.
pub fn init() {
    install_panic_hook();
    let _ = tracing_subscriber::registry()
        .with(HclogLayer::new(std::io::stderr).with_filter(filter(level_from_env())))
        .try_init();
}

/// Terraform treats the provider's stderr from a line starting with `panic:` onwards as a crash
/// report and shows it to the user when the plugin dies; Rust's own panic message does not start
/// that way, so it would only appear in debug logs. Written directly (not through `tracing`) so
/// it is never filtered out.
fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = writeln!(std::io::stderr().lock(), "panic: {info}");
        default_hook(info);
    }));
}

/// Our own code logs at `level`; dependencies (h2, hyper, rustls, tonic, …) at most at WARN,
/// because their per-frame debug/trace chatter would drown the provider's log in Terraform's.
pub fn filter(level: LevelFilter) -> Targets {
    Targets::new()
        .with_default(level.min(LevelFilter::WARN))
        .with_target("azureai", level)
        .with_target("terraform_provider_azureai", level)
        .with_target("azureai_emulator", level)
}

/// A `tracing` layer writing one hclog JSON object per event.
pub struct HclogLayer<W> {
    make_writer: W,
}

impl<W> HclogLayer<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    pub fn new(make_writer: W) -> Self {
        HclogLayer { make_writer }
    }
}

/// Fields recorded on a span, kept in the span's extensions.
struct SpanFields(Map<String, Value>);

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            if let Some(SpanFields(fields)) = ext.get_mut::<SpanFields>() {
                values.record(&mut JsonVisitor(fields));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut record = Map::new();
        record.insert(
            "@level".into(),
            level_name(*event.metadata().level()).into(),
        );
        record.insert("@module".into(), MODULE.into());
        record.insert("@timestamp".into(), timestamp().into());
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    record.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        let mut fields = Map::new();
        event.record(&mut JsonVisitor(&mut fields));
        let message = fields
            .remove("message")
            .unwrap_or_else(|| Value::String(String::new()));
        record.extend(fields);
        record.insert("@message".into(), message);

        let mut line = Value::Object(record).to_string();
        line.push('\n');
        // One write per line, so concurrent events never interleave mid-line.
        let _ = self
            .make_writer
            .make_writer_for(event.metadata())
            .write_all(line.as_bytes());
    }
}

/// hclog's level names.
fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// RFC 3339 in UTC with exactly six fractional digits: go-plugin parses `@timestamp` with
/// the layout `2006-01-02T15:04:05.000000Z07:00` and drops the line's metadata otherwise.
fn timestamp() -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(FORMAT)
        .unwrap_or_default()
}

/// Turns `tracing` field values into JSON values, keeping numbers and booleans typed.
struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN/infinity; keep them readable instead of turning them into null.
        let v = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.0.insert(field.name().into(), v);
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture(level: LevelFilter, f: impl FnOnce()) -> Vec<Value> {
        let out = Capture::default();
        let subscriber =
            tracing_subscriber::registry().with(HclogLayer::new(out.clone()).with_filter(level));
        tracing::subscriber::with_default(subscriber, f);
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    #[test]
    fn event_becomes_hclog_json() {
        let lines = capture(LevelFilter::TRACE, || {
            tracing::info!(
                terraform_version = "1.11.4",
                count = 3u64,
                ok = true,
                "Configure"
            );
        });
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l["@level"], "info");
        assert_eq!(l["@message"], "Configure");
        assert_eq!(l["@module"], "provider");
        assert_eq!(l["terraform_version"], "1.11.4");
        assert_eq!(l["count"], 3);
        assert_eq!(l["ok"], true);
        let ts = l["@timestamp"].as_str().unwrap();
        let re = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$").unwrap();
        assert!(re.is_match(ts), "bad timestamp {ts}");
    }

    #[test]
    fn span_fields_are_carried_and_inner_wins() {
        let lines = capture(LevelFilter::TRACE, || {
            let outer = tracing::info_span!("rpc", rpc = "PlanResourceChange", who = "outer");
            let _o = outer.enter();
            let inner = tracing::debug_span!(
                "resource",
                type_name = "azureai_hosted_agent_version",
                who = "inner"
            );
            let _i = inner.enter();
            tracing::warn!(attempt = 2, "retrying");
        });
        let l = &lines[0];
        assert_eq!(l["@level"], "warn");
        assert_eq!(l["rpc"], "PlanResourceChange");
        assert_eq!(l["type_name"], "azureai_hosted_agent_version");
        assert_eq!(l["who"], "inner");
        assert_eq!(l["attempt"], 2);
    }

    #[test]
    fn level_filter_drops_lower_levels() {
        let lines = capture(LevelFilter::WARN, || {
            tracing::info!("hidden");
            tracing::debug!("hidden");
            tracing::error!("shown");
        });
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["@level"], "error");
        assert!(capture(LevelFilter::OFF, || tracing::error!("nothing")).is_empty());
    }

    #[test]
    fn dependencies_are_capped_at_warn() {
        let f = filter(LevelFilter::TRACE);
        assert!(f.would_enable("azureai::plugin::incoming", &Level::TRACE));
        assert!(f.would_enable("terraform_provider_azureai", &Level::DEBUG));
        assert!(!f.would_enable("h2::codec", &Level::DEBUG));
        assert!(f.would_enable("h2::codec", &Level::WARN));
        let off = filter(LevelFilter::OFF);
        assert!(!off.would_enable("h2::codec", &Level::ERROR));
        assert!(!off.would_enable("azureai", &Level::ERROR));
    }

    #[test]
    fn terraform_level_names() {
        assert_eq!(parse_level(None), LevelFilter::OFF);
        assert_eq!(parse_level(Some("off")), LevelFilter::OFF);
        assert_eq!(parse_level(Some("NONE")), LevelFilter::OFF);
        assert_eq!(parse_level(Some("json")), LevelFilter::TRACE);
        assert_eq!(parse_level(Some("TRACE")), LevelFilter::TRACE);
        assert_eq!(parse_level(Some("debug")), LevelFilter::DEBUG);
        assert_eq!(parse_level(Some("Info")), LevelFilter::INFO);
        assert_eq!(parse_level(Some("warn")), LevelFilter::WARN);
        assert_eq!(parse_level(Some("error")), LevelFilter::ERROR);
        assert_eq!(parse_level(Some("1")), LevelFilter::TRACE);
    }

    #[test]
    fn non_finite_floats_stay_valid_json() {
        let lines = capture(LevelFilter::TRACE, || tracing::info!(x = f64::NAN, "n"));
        assert_eq!(lines[0]["x"], "NaN");
    }
}
