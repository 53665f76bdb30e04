//! Builds one minijinja `Environment` configured like Ansible's: no auto-escaping, strict
//! undefined values, Python-style printing and methods, the compiled-template loader, and
//! every filter, test and lookup. Knows nothing of scopes or of what is rendered.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use super::prepass::{self, Delimiters};
use super::{filters, lookups, predicates, pyrepr, TemplateOptions, OMIT};

/// The work one render may do, in minijinja fuel: one unit per instruction and per 64 bytes
/// of data produced (about 5 million loop steps, or 320 MB of text). A real template uses a
/// few hundred thousand (a 10,000-host /etc/hosts about 200,000; tests/kill_loop.rs renders a
/// 200,000-line file with about 2.5 million); `range(100000)` nested in itself, or a string
/// multiplied into gigabytes, stops here with an error instead of hanging or exhausting
/// memory. 10 million let the fuzzer's `('x' * 100000000) ~ ...` reach 608 MB; 2 million
/// refused the kill loop's template.
pub(crate) const FUEL: u64 = 5_000_000;

/// The variable an expression template stores its value in.
pub(crate) const RESULT: &str = "__rsible_result";

const EXPR_PREFIX: &str = "\u{1}expr\u{1}";
const TEXT_PREFIX: &str = "\u{1}text\u{1}";
/// The same, for sources whose string literals inside `{{ }}` keep their backslashes.
const EXPR_ESCAPED: &str = "\u{1}expr-esc\u{1}";
const TEXT_ESCAPED: &str = "\u{1}text-esc\u{1}";

/// The cache key of a compiled expression; with `escape`, its string literals keep their
/// backslashes (Ansible's `escape_backslashes`, on for task arguments and variables).
pub(crate) fn expression_key(expr: &str, escape: bool) -> String {
    let prefix = if escape { EXPR_ESCAPED } else { EXPR_PREFIX };
    format!("{prefix}{expr}")
}

/// The cache key of a compiled template text (`escape` as for [`expression_key`]).
pub(crate) fn text_key(source: &str, escape: bool) -> String {
    let prefix = if escape { TEXT_ESCAPED } else { TEXT_PREFIX };
    format!("{prefix}{source}")
}

/// The source to compile for a cache key (an expression becomes a `set` of [`RESULT`]),
/// rewritten where minijinja's syntax differs from Jinja's.
fn load(key: &str, delimiters: &Delimiters) -> Option<String> {
    let expr = |escape: bool, expr: &str| {
        let escaped = escape.then(|| prepass::escape_expression(expr)).flatten();
        let expr = escaped.as_deref().unwrap_or(expr);
        let source = format!("{{% set {RESULT} = ({expr}) %}}");
        let default = Delimiters::default();
        prepass::rewrite(&source, &default, false).unwrap_or(source)
    };
    let text = |escape: bool, text: &str| {
        prepass::rewrite(text, delimiters, escape).unwrap_or_else(|| text.to_string())
    };
    if let Some(e) = key.strip_prefix(EXPR_PREFIX) {
        return Some(expr(false, e));
    }
    if let Some(e) = key.strip_prefix(EXPR_ESCAPED) {
        return Some(expr(true, e));
    }
    if let Some(t) = key.strip_prefix(TEXT_ESCAPED) {
        return Some(text(true, t));
    }
    key.strip_prefix(TEXT_PREFIX).map(|t| text(false, t))
}

/// An environment parsing with `opts`.
pub(crate) fn build(opts: &TemplateOptions) -> Result<Environment<'static>, Error> {
    let delimiters = Delimiters {
        variable: pair(&opts.variable_start_string, &opts.variable_end_string),
        block: pair(&opts.block_start_string, &opts.block_end_string),
        comment: pair(&opts.comment_start_string, &opts.comment_end_string),
    };
    Ok(configure(
        opts.syntax()?,
        UndefinedBehavior::Strict,
        delimiters,
    ))
}

fn pair(open: &str, close: &str) -> (String, String) {
    (open.to_string(), close.to_string())
}

/// The environment for variables and task arguments (Ansible's default options, which
/// always form a valid syntax).
pub(crate) fn build_default() -> Environment<'static> {
    configure(
        TemplateOptions::default().syntax().unwrap_or_default(),
        UndefinedBehavior::Strict,
        Delimiters::default(),
    )
}

/// The same, but `a.b` on an undefined `a` is undefined rather than an error: used only to
/// retry a template that failed on an undefined value and guards it with `default` or
/// `is defined` (Ansible's `x.y | default(1)` with `x` undefined gives 1). Printing an
/// undefined value is still an error.
pub(crate) fn build_chainable() -> Environment<'static> {
    let mut env = configure(
        TemplateOptions::default().syntax().unwrap_or_default(),
        UndefinedBehavior::Chainable,
        Delimiters::default(),
    );
    env.set_formatter(|out, _state, value| {
        if value.is_undefined() {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                "undefined value printed",
            ));
        }
        out.write_str(&pyrepr::finalized(value))
            .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
    });
    env
}

/// Whether a template guards undefined values (`default`, `d(`, `is defined`/`undefined`).
pub(crate) fn guards_undefined(source: &str) -> bool {
    source.contains("default") || source.contains("defined") || {
        let compact: String = source.split_whitespace().collect();
        compact.contains("|d(") || compact.contains("|d}")
    }
}

fn configure(
    syntax: SyntaxConfig,
    undefined: UndefinedBehavior,
    delimiters: Delimiters,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_syntax(syntax);
    env.set_undefined_behavior(undefined);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // Debug mode makes undefined values remember the expression they came from, which the
    // error messages name.
    env.set_debug(true);
    env.set_fuel(Some(FUEL));
    env.set_formatter(|out, _state, value| {
        out.write_str(&pyrepr::finalized(value))
            .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
    });
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.set_loader(move |key| Ok(load(key, &delimiters)));
    env.add_global("omit", OMIT);
    filters::register(&mut env);
    predicates::register(&mut env);
    lookups::register(&mut env);
    super::vault_locked::register(&mut env);
    env
}
