//! `cargo +nightly fuzz run quantity`: see `azureai_fuzz::quantity` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azureai_fuzz::quantity(data));
