//! `cargo +nightly fuzz run api_response`: see `azureai_fuzz::api_response` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azureai_fuzz::api_response(data));
