//! `cargo +nightly fuzz run value_decoder`: see `azureai_fuzz::value_decoder` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azureai_fuzz::value_decoder(data));
