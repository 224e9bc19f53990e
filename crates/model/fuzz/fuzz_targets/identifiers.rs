//! Fuzz target: every identifier parser and mask on untrusted bytes.
//!
//! `cargo +nightly fuzz run identifiers` from `crates/model`.

#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../check_identifiers.rs");

fuzz_target!(|data: &[u8]| check_identifiers(data));
