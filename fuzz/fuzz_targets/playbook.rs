//! Fuzz target `playbook`: feeds libFuzzer's bytes to [`rsible_fuzz::playbook`]; any panic, hang or
//! unbounded allocation there is a finding. Knows nothing of what the entry point checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rsible_fuzz::playbook(data));
