//! What `ProviderService` logs: RPC names and type names at debug level, never a value (not
//! even a sensitive one). Its own test binary, so it can own the global subscriber.

mod protocol_fake;

use std::io::Write;
use std::sync::{Arc, Mutex};

use azureai::framework::codec;
use azureai::framework::{Attribute, Block, Value};
use azureai::proto::tfplugin5 as pb;
use azureai::proto::tfplugin5::provider_server::Provider as _;
use protocol_fake::{config, create, service};
use tonic::Request;

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

#[test]
fn debug_logs_name_the_rpc_and_type_but_never_values() {
    let capture = Capture::default();
    let sink = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    // A global subscriber, and this the only test in the binary: a thread-scoped one
    // (`with_default`) raced with callsites registered by tests on other threads, which could
    // cache "never interested" and leave the capture empty (seen twice in CI).
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let svc = service();
            create(&svc, &config("logged")).await;
            let pcfg = Value::object([("secret", Value::string("s3cr3t-t0ken"))]);
            let pblock = Block::new().attribute(Attribute::string("secret").optional().sensitive());
            svc.configure(Request::new(pb::configure::Request {
                terraform_version: "1.11.4".into(),
                config: Some(pb::DynamicValue {
                    msgpack: codec::encode_block_msgpack(&pcfg, &pblock).unwrap(),
                    json: vec![],
                }),
                client_capabilities: None,
            }))
            .await
            .unwrap();
        });
    }
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for rpc in [
        "PlanResourceChange",
        "ApplyResourceChange",
        "ConfigureProvider",
    ] {
        assert!(logs.contains(rpc), "{rpc} missing from logs:\n{logs}");
    }
    assert!(logs.contains("fake_thing"), "type name missing:\n{logs}");
    assert!(
        !logs.contains("s3cr3t"),
        "a value leaked into the logs:\n{logs}"
    );
    assert!(
        !logs.contains("logged"),
        "a value leaked into the logs:\n{logs}"
    );
}
