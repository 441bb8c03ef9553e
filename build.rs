//! Generates the tfplugin5 and go-plugin gRPC code from `proto/`.
//!
//! protox compiles the `.proto` files in pure Rust, so building the crate never needs a
//! system `protoc`. Default stubs make every RPC we do not implement answer `Unimplemented`,
//! which is what Terraform expects for optional RPCs. The client half is generated too,
//! because the integration tests talk to the provider as Terraform would.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["proto/tfplugin5.proto", "proto/plugin.proto"];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let fds = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .generate_default_stubs(true)
        .compile_fds(fds)?;
    Ok(())
}
