//! The module framework: what every module is written against. The contract ([`spec`]: a
//! module's typed `Args`, rules and run, and the spec the registry lists), the load-time
//! reading of those `Args` before variables have values ([`load_check`]), argument readers
//! with Ansible's coercions ([`args`]), the context whose probe, apply and gated doors are the
//! only way to the target and the only place check mode is decided ([`ctx`]), results
//! ([`output`]), and what several families need: path probing ([`probe`]), modes
//! ([`mode`]), the one atomic file writer ([`write`]), a task's controller-side source
//! ([`local_src`]), Ansible's structured diffs shown as rsible's ([`ansible_diff`]) and the one format remote programs report in ([`report`]). Knows nothing
//! of any one module.

pub mod ansible_diff;
pub mod args;
pub mod ctx;
pub mod load_check;
pub mod local_src;
pub mod mode;
pub mod output;
pub mod prefetch;
pub mod probe;
pub mod report;
#[cfg(test)]
pub mod sh_check;
pub mod spec;
pub mod write;
