//! Fuzz target `template`: feeds libFuzzer's bytes to [`rsible_fuzz::template`]; any panic, hang or
//! unbounded allocation there is a finding. Knows nothing of what the entry point checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rsible_fuzz::template(data));
