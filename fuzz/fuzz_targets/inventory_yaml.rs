//! Fuzz target `inventory_yaml`: feeds libFuzzer's bytes to [`rsible_fuzz::inventory_yaml`]; any panic, hang or
//! unbounded allocation there is a finding. Knows nothing of what the entry point checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rsible_fuzz::inventory_yaml(data));
