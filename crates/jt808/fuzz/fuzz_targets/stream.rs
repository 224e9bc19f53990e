//! The stream decoder fed arbitrary bytes in arbitrary chunks, with a small or default buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhicheng_jt808::fuzzing::check_stream;

fuzz_target!(|data: &[u8]| check_stream(data));
