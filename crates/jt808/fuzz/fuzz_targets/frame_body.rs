//! One frame decoded from arbitrary bytes, and every body decoder run on arbitrary bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhicheng_jt808::fuzzing::check_frame_body;

fuzz_target!(|data: &[u8]| check_frame_body(data));
