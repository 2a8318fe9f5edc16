#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| liaison::fuzzing::input_guard(data));
