//! The module contract's declaration side: a module is a type implementing [`Module`] (its
//! typed `Args`, the rules between arguments, its run), and its file declares one [`Spec`]
//! (name, collection, aliases, where it runs) built by [`spec`]. The registry lists the specs;
//! the playbook loader checks every task's arguments through [`Spec::check`] from the same
//! `Args` type the run reads, so a misspelt or mistyped argument is a load error. Knows
//! nothing of any one module or of playbooks.

use super::args;
use super::ctx::Ctx;
use super::load_check;
use super::output::{Failure, Output};
use super::prefetch::Read;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A module: typed arguments and what it does with them on one host.
pub trait Module: 'static {
    /// The short name, as errors name the module.
    const NAME: &'static str;

    /// Ansible's argument names, aliases (`#[serde(alias)]`) and types; `deny_unknown_fields`.
    type Args: DeserializeOwned + Send + Sync + 'static;

    /// Rules between arguments (required together, mutually exclusive, choices that depend
    /// on another argument). Checked at load and again before the run. At load a templated
    /// string argument still holds its template: skip value checks on strings for which
    /// [`args::is_template`] is true.
    fn validate(_args: &Self::Args) -> Result<(), String> {
        Ok(())
    }

    /// Whether [`Module::reads`] names what the run reads first: the engine then reads it
    /// ahead, with the next tasks' (see [`super::prefetch`]).
    const READS_AHEAD: bool = false;

    /// With [`Module::READS_AHEAD`]: a task of this module joins a run of tasks read ahead
    /// only when one of these arguments is given (`command` only with `creates`/`removes`:
    /// without, it runs the user's program, which may change anything). Empty: always.
    const READS_AHEAD_WITH: &'static [&'static str] = &[];

    /// The paths the run reads before it decides, when [`Module::READS_AHEAD`]. The run must
    /// take them from [`Ctx::read_ahead`] when it is there, deciding exactly as from its own
    /// probe, and read for itself otherwise.
    fn reads(_args: &Self::Args) -> Vec<Read> {
        Vec::new()
    }

    /// The work on one host. Check mode is the framework's: use [`Ctx::probe`],
    /// [`Ctx::apply`] and [`Ctx::gated`], never a branch of your own.
    fn run<'a>(args: Self::Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>>;
}

/// Where a name's work happens.
#[derive(Debug, Clone, Copy)]
pub enum Runs {
    /// A module of this layer, run against the target through [`Spec::run`].
    Target(RunFn),
    /// An action the engine runs itself (`set_fact`, `debug`, `include_tasks`, ...): its
    /// arguments are checked here, its work is the engine's.
    Engine,
}

/// How a spec's arguments are checked at load.
#[derive(Debug, Clone, Copy)]
pub enum ArgCheck {
    /// From the module's typed `Args` and its [`Module::validate`].
    Typed(fn(&Map<String, Value>) -> Result<(), ArgError>),
    /// Any names: the arguments are the user's own variables (`set_fact`, `add_host`).
    Free,
    /// Not checked here: the includes, whose arguments the loader checks with its include
    /// rules.
    Unchecked,
}

/// The entry point of a target module: raw templated arguments in, result out.
pub type RunFn =
    for<'a> fn(&'a Map<String, Value>, &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>>;

/// One name rsible knows, as its module file declares it.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The short name (`copy`).
    pub name: &'static str,
    /// The collection whose FQCN prefix it answers to (`ansible.builtin`).
    pub collection: &'static str,
    /// Other names it answers to (`systemd_service`, `ansible.builtin.systemd_service`).
    pub aliases: &'static [&'static str],
    /// How its arguments are checked at load.
    pub args: ArgCheck,
    /// Who does the work.
    pub runs: Runs,
    /// What a run reads first, from templated arguments (see [`Module::reads`]); `None` for
    /// a module that does not read ahead.
    pub reads: Option<ReadsFn>,
    /// See [`Module::READS_AHEAD_WITH`].
    pub reads_with: &'static [&'static str],
}

/// The paths a run of a module reads first, from its templated arguments; `None` when they do
/// not parse.
pub type ReadsFn = fn(&Map<String, Value>) -> Option<Vec<Read>>;

/// An argument error found at load, with the argument it is about when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    /// The argument at fault (`None`: the arguments as a whole, say two exclusive ones).
    pub arg: Option<String>,
    /// What is wrong, in Ansible's words where it has them.
    pub msg: String,
    /// The accepted names, for an unknown argument's suggestion.
    pub expected: Vec<String>,
}

/// The spec of module `M` in `collection`.
pub const fn spec<M: Module>(collection: &'static str, aliases: &'static [&'static str]) -> Spec {
    Spec {
        name: M::NAME,
        collection,
        aliases,
        args: ArgCheck::Typed(check_at_load::<M>),
        runs: Runs::Target(run::<M>),
        reads: if M::READS_AHEAD {
            Some(reads::<M>)
        } else {
            None
        },
        reads_with: M::READS_AHEAD_WITH,
    }
}

/// An action the engine runs itself: its typed arguments, checked at load like a module's
/// and again by the engine on the rendered arguments.
pub trait Action: 'static {
    /// The short name, as errors name the action.
    const NAME: &'static str;
    /// Ansible's argument names and types; `deny_unknown_fields`.
    type Args: DeserializeOwned;

    /// Rules between arguments, as [`Module::validate`].
    fn validate(_args: &Self::Args) -> Result<(), String> {
        Ok(())
    }
}

/// The spec of engine action `A` in `collection`.
pub const fn engine_action<A: Action>(
    collection: &'static str,
    aliases: &'static [&'static str],
) -> Spec {
    Spec {
        name: A::NAME,
        collection,
        aliases,
        args: ArgCheck::Typed(check_action::<A>),
        runs: Runs::Engine,
        reads: None,
        reads_with: &[],
    }
}

/// The spec of an engine action whose arguments are checked by `args` (free variables, or
/// the loader's own include rules).
pub const fn action(
    name: &'static str,
    collection: &'static str,
    aliases: &'static [&'static str],
    args: ArgCheck,
) -> Spec {
    Spec {
        name,
        collection,
        aliases,
        args,
        runs: Runs::Engine,
        reads: None,
        reads_with: &[],
    }
}

/// Load-time check of `A`'s arguments.
fn check_action<A: Action>(raw: &Map<String, Value>) -> Result<(), ArgError> {
    load_time::<A::Args>(A::NAME, raw, A::validate)
}

/// Load-time check of `M`'s arguments (templates stand for values of any type).
pub fn check_at_load<M: Module>(raw: &Map<String, Value>) -> Result<(), ArgError> {
    load_time::<M::Args>(M::NAME, raw, M::validate)
}

/// Test helper: the load-time check of `M` on the JSON object `args` ([`load_check::parse`],
/// then [`Module::validate`]): `Ok(true)` when checked in full, `Ok(false)` when a template
/// kept the check from finishing, or the error's message.
#[cfg(test)]
pub fn check<M: Module>(args: Value) -> Result<bool, String> {
    let raw = args
        .as_object()
        .expect("module arguments are a JSON object");
    match load_check::parse::<M::Args>(M::NAME, raw).map_err(|e| e.msg)? {
        Some(a) => M::validate(&a).map(|()| true),
        None => Ok(false),
    }
}

/// The load-time parse of `T`, then `validate` when no template kept the parse from finishing.
fn load_time<T: DeserializeOwned>(
    name: &str,
    raw: &Map<String, Value>,
    validate: fn(&T) -> Result<(), String>,
) -> Result<(), ArgError> {
    match load_check::parse::<T>(name, raw)? {
        Some(a) => validate(&a).map_err(|msg| ArgError {
            arg: None,
            msg,
            expected: Vec::new(),
        }),
        None => Ok(()),
    }
}

/// Run-time entry: the same `Args`, the same rules, then the module.
fn run<'a, M: Module>(
    raw: &'a Map<String, Value>,
    ctx: &'a Ctx<'a>,
) -> BoxFuture<'a, Result<Output, Failure>> {
    let parsed = args::parse_warned::<M::Args>(M::NAME, raw).map_err(Failure::BadArgs);
    Box::pin(async move {
        let (a, warnings) = parsed?;
        M::validate(&a).map_err(Failure::BadArgs)?;
        let mut out = M::run(a, ctx).await?;
        warn_first(&mut out, warnings);
        Ok(out)
    })
}

/// [`Module::reads`] of `M` for templated `raw`.
fn reads<M: Module>(raw: &Map<String, Value>) -> Option<Vec<Read>> {
    let a = args::parse::<M::Args>(M::NAME, raw).ok()?;
    M::validate(&a).ok()?;
    Some(M::reads(&a))
}

/// `warnings` (about the arguments) before the module's own, as Ansible lists them.
fn warn_first(out: &mut Output, mut warnings: Vec<String>) {
    if warnings.is_empty() {
        return;
    }
    if let Some(Value::Array(own)) = out.fields.remove("warnings") {
        warnings.extend(own.iter().map(args::scalar_text));
    }
    out.fields.insert("warnings".into(), warnings.into());
}

/// `M`'s arguments from templated `raw`, checked by its rules: what [`Module::run`] is given.
pub fn typed_args<M: Module>(raw: &Map<String, Value>) -> Result<M::Args, Failure> {
    let a = args::parse::<M::Args>(M::NAME, raw).map_err(Failure::BadArgs)?;
    M::validate(&a).map_err(Failure::BadArgs)?;
    Ok(a)
}

/// `ansible.builtin`: Ansible's own modules.
pub const B: &str = "ansible.builtin";
/// `ansible.posix`.
pub const POSIX: &str = "ansible.posix";
/// `community.general`.
pub const CG: &str = "community.general";
/// rsible's own modules, which Ansible has no equivalent of.
pub const RSIBLE: &str = "rsible.builtin";
