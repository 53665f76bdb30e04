//! `Templar`: the public entry points (values, strings, conditions, template files) and the
//! cache of compiled templates. Knows nothing of tasks, modules or connections.
//!
//! Every distinct template string and expression is compiled once and kept for the life of
//! the `Templar` (the cache is not bounded: its size follows the playbook's distinct
//! templates, not the number of hosts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use minijinja::value::{Value, ValueKind};
use minijinja::Environment;
use serde_json::Value as Json;

use super::native::{self, has_markup, single_expression};
use super::plugin_names::{self, PluginKind};
use super::scope::{ScopeObject, Session};
use super::{environment, newlines, truth, Scope, TemplateError, TemplateOptions};

/// Renders templates for many hosts at once: one set of environments, `Send + Sync`.
#[derive(Clone)]
pub struct Templar {
    inner: Arc<Inner>,
    /// Set: lookups are refused (and the flag raised) instead of run (see
    /// [`Templar::without_lookups`]).
    refused_lookup: Option<Arc<std::sync::atomic::AtomicBool>>,
}

struct Inner {
    base: Arc<Environment<'static>>,
    /// Retries templates that guard an undefined chain with `default`/`is defined`.
    chainable: Arc<Environment<'static>>,
    files: Mutex<HashMap<TemplateOptions, Arc<Environment<'static>>>>,
}

/// The outcome of evaluating one expression.
enum Eval {
    Value(Value),
    Failed(TemplateError),
    Syntax,
}

impl Default for Templar {
    fn default() -> Templar {
        Templar::new()
    }
}

impl Templar {
    /// A templar with Ansible's filters, tests and lookups.
    pub fn new() -> Templar {
        let base = environment::build_default();
        Templar {
            inner: Arc::new(Inner {
                base: Arc::new(base),
                chainable: Arc::new(environment::build_chainable()),
                files: Mutex::new(HashMap::new()),
            }),
            refused_lookup: None,
        }
    }

    /// This templar for renders that must have no effect beyond their value (reading ahead
    /// of tasks, which render again when they run): a lookup (which may run a command or
    /// write a file) fails the render instead, and raises the returned flag, so that even a
    /// template that swallows the failure is known to have met one.
    pub fn without_lookups(&self) -> (Templar, Arc<std::sync::atomic::AtomicBool>) {
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let t = Templar {
            inner: self.inner.clone(),
            refused_lookup: Some(flag.clone()),
        };
        (t, flag)
    }

    /// Whether lookups are refused, raising the flag when they are (see
    /// [`Templar::without_lookups`]).
    pub(crate) fn refuses_lookup(&self) -> bool {
        let Some(flag) = &self.refused_lookup else {
            return false;
        };
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        true
    }

    /// Renders every string inside `v` (maps, lists, nested). A string that is exactly
    /// "{{ expr }}" keeps the expression's native type (list, dict, int, bool); other strings
    /// render to strings. Non-string scalars pass through.
    pub fn render_value(&self, v: &Json, scope: &Scope) -> Result<Json, TemplateError> {
        if !native::json_has_markup(v) {
            return Ok(v.clone());
        }
        self.in_session(scope, |ctx| self.render_json_in(v, ctx))
    }

    /// Renders one string (same native rule as [`Templar::render_value`]).
    pub fn render_str(&self, s: &str, scope: &Scope) -> Result<Json, TemplateError> {
        if !has_markup(s) {
            return Ok(Json::String(s.to_string()));
        }
        self.in_session(scope, |ctx| {
            let v = self.render_string_in(s, ctx)?;
            result_json(&v, s)
        })
    }

    /// Runs lookup `name` over `terms` for a `with_<name>` loop of a task running `action`
    /// (Ansible's `query(name, *terms)`), giving the loop items.
    pub fn loop_lookup(
        &self,
        name: &str,
        terms: &[Json],
        action: &str,
        scope: &Scope,
    ) -> Result<Vec<Json>, TemplateError> {
        let terms: Vec<Value> = terms.iter().map(native::to_value).collect();
        self.in_session(scope, |ctx| {
            let items = super::lookups::run_for_loop(ctx, name, &terms, action).map_err(|e| {
                let why = e.detail().map_or_else(|| e.to_string(), str::to_string);
                TemplateError::new(format!("The lookup plugin '{name}' failed: {why}"))
            })?;
            items
                .iter()
                .map(|v| native::to_json(v).map_err(TemplateError::new))
                .collect()
        })
    }

    /// Whether `s` compiles as a template (without rendering it): the syntax error that
    /// rendering `s` as a task argument (backslashes kept, as Ansible) would give, if any.
    pub fn check_syntax(&self, s: &str) -> Result<(), TemplateError> {
        if !has_markup(s) {
            return Ok(());
        }
        match self
            .inner
            .base
            .get_template(&environment::text_key(s, true))
        {
            Ok(_) => Ok(()),
            Err(e) => Err(TemplateError::from_minijinja(&e, s, &|_| None)),
        }
    }

    /// The filters and tests that a task argument or variable `s` names and rsible does not
    /// have ([`plugin_names`](super::plugin_names)), without rendering; nothing for a plain
    /// string or one that does not compile.
    pub fn unknown_plugins(&self, s: &str) -> Vec<(PluginKind, String)> {
        if !has_markup(s) {
            return Vec::new();
        }
        plugin_names::unknown(&self.inner.base, &environment::text_key(s, true))
    }

    /// The same for a condition (`when`, `changed_when`, `failed_when`, `until`, assert's
    /// `that`): a bare expression unless it holds markup.
    pub fn unknown_plugins_in_condition(&self, s: &str) -> Vec<(PluginKind, String)> {
        let s = s.trim();
        if s.is_empty() || has_markup(s) {
            return self.unknown_plugins(s);
        }
        plugin_names::unknown(&self.inner.base, &environment::expression_key(s, false))
    }

    /// Evaluates a `when`/`changed_when`/`failed_when`/`until`/assert `that` condition: a bare
    /// expression (`x is defined`, `result.rc != 0`), a "{{ expr }}" string, a bool, or a list
    /// of them (all must hold). Strings count as true by the `bool` filter's rules
    /// (`yes`/`true`/`on`/`1`); `null` or an empty string means "no condition" (true).
    pub fn eval_condition(&self, cond: &Json, scope: &Scope) -> Result<bool, TemplateError> {
        match cond {
            Json::Bool(b) => Ok(*b),
            Json::Null => Ok(true),
            Json::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
            Json::Array(items) => {
                for item in items {
                    if !self.eval_condition(item, scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Json::String(s) => self.in_session(scope, |ctx| self.condition_in(s, ctx)),
            Json::Object(_) => Err(TemplateError::new(
                "a condition must be a string, a boolean or a list of them, not a mapping",
            )),
        }
    }

    /// Renders a whole template file's text (template module, lookup('template')) with
    /// Ansible's defaults (trim_blocks, no lstrip_blocks, trailing newline kept) changed by
    /// `opts`. `name` names the template in errors about the options themselves.
    pub fn render_template(
        &self,
        name: &str,
        source: &str,
        scope: &Scope,
        opts: &TemplateOptions,
    ) -> Result<String, TemplateError> {
        let env = self
            .file_env(opts)
            .map_err(|e| TemplateError::new(format!("{name}: invalid template options: {e}")))?;
        let text = source.replace("\r\n", "\n");
        let native = opts.default_delimiters();
        let out = self.in_session(scope, |ctx| {
            let v = self.render_whole(&env, &text, ctx, native, false)?;
            Ok(super::pyrepr::to_str(&v))
        })?;
        Ok(if opts.newline_sequence == "\n" {
            out
        } else {
            out.replace('\n', &opts.newline_sequence)
        })
    }

    /// Renders a template file's text with the default options inside a running render
    /// (for lookup('template')).
    pub(crate) fn render_file_in(
        &self,
        source: &str,
        ctx: &Arc<ScopeObject>,
    ) -> Result<String, TemplateError> {
        let text = source.replace("\r\n", "\n");
        let v = self.render_whole(&self.inner.base, &text, ctx, true, false)?;
        Ok(super::pyrepr::to_str(&v))
    }

    /// Renders every string inside `v` in the scope `ctx`.
    pub(crate) fn render_json_in(
        &self,
        v: &Json,
        ctx: &Arc<ScopeObject>,
    ) -> Result<Json, TemplateError> {
        Ok(match v {
            Json::String(s) if has_markup(s) => {
                let out = self.render_string_in(s, ctx)?;
                result_json(&out, s)?
            }
            Json::Array(items) => Json::Array(
                items
                    .iter()
                    .map(|item| self.render_json_in(item, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, item) in map {
                    let key = if has_markup(k) {
                        super::pyrepr::to_str(&self.render_string_in(k, ctx)?)
                    } else {
                        k.clone()
                    };
                    out.insert(key, self.render_json_in(item, ctx)?);
                }
                Json::Object(out)
            }
            other => other.clone(),
        })
    }

    fn in_session<T>(
        &self,
        scope: &Scope,
        f: impl FnOnce(&Arc<ScopeObject>) -> Result<T, TemplateError>,
    ) -> Result<T, TemplateError> {
        let (session, root) = Session::start(self, scope);
        let out = f(&root);
        match session.take_fatal() {
            Some(fatal) => Err(fatal),
            None => out,
        }
    }

    fn file_env(&self, opts: &TemplateOptions) -> Result<Arc<Environment<'static>>, String> {
        if opts.is_default_syntax() {
            return Ok(self.inner.base.clone());
        }
        let mut files = self.inner.files.lock().map_err(|e| e.to_string())?;
        if let Some(env) = files.get(opts) {
            return Ok(env.clone());
        }
        let env = Arc::new(environment::build(opts).map_err(|e| e.to_string())?);
        files.insert(opts.clone(), env.clone());
        Ok(env)
    }

    fn render_string_in(&self, s: &str, ctx: &Arc<ScopeObject>) -> Result<Value, TemplateError> {
        if !has_markup(s) {
            return Ok(Value::from(s));
        }
        self.render_whole(&self.inner.base, s, ctx, true, true)
    }

    /// Renders a whole template source as Ansible does: Jinja drops one final newline, a
    /// source that is then exactly `{{ expr }}` keeps the expression's type (with `native`),
    /// and a text result gets back the final newlines it lost. With `escape`, string
    /// literals in `{{ }}` keep their backslashes (task arguments and variables).
    fn render_whole(
        &self,
        env: &Environment<'static>,
        s: &str,
        ctx: &Arc<ScopeObject>,
        native: bool,
        escape: bool,
    ) -> Result<Value, TemplateError> {
        let (body, count) = newlines::strip_final(s);
        if let Some(expr) = single_expression(body).filter(|_| native) {
            match self.eval_expr(expr, ctx, escape) {
                Eval::Value(v) => {
                    return Ok(match v.as_str() {
                        Some(text) if count > 0 => {
                            Value::from(newlines::restore(text.to_string(), count))
                        }
                        _ => v,
                    })
                }
                Eval::Failed(e) => return Err(e),
                Eval::Syntax => {}
            }
        }
        let text = self.render_text(env, body, ctx, escape)?;
        Ok(Value::from(newlines::restore(text, count)))
    }

    fn condition_in(&self, s: &str, ctx: &Arc<ScopeObject>) -> Result<bool, TemplateError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(true);
        }
        let (expr, shown) = match single_expression(s) {
            Some(expr) => (expr, s.to_string()),
            None if has_markup(s) => {
                let text = self.render_text(&self.inner.base, s, ctx, false)?;
                return Ok(truth::is_true_word(text.trim()));
            }
            None => (s, format!("{{{{ {s} }}}}")),
        };
        match self.eval_expr(expr, ctx, false) {
            Eval::Value(v) => Ok(truth::condition(&v)),
            Eval::Failed(e) => Err(e),
            Eval::Syntax => Err(self
                .render_text(&self.inner.base, &shown, ctx, false)
                .err()
                .unwrap_or_else(|| TemplateError::new(format!("cannot evaluate '{expr}'")))),
        }
    }

    fn eval_expr(&self, expr: &str, ctx: &Arc<ScopeObject>, escape: bool) -> Eval {
        let Ok(tmpl) = self
            .inner
            .base
            .get_template(&environment::expression_key(expr, escape))
        else {
            return Eval::Syntax;
        };
        let mut rendered = tmpl.render_captured(Value::from_dyn_object(ctx.clone()));
        if let Err(e) = &rendered {
            if e.kind() == minijinja::ErrorKind::UndefinedError
                && environment::guards_undefined(expr)
            {
                if let Ok(t) = self
                    .inner
                    .chainable
                    .get_template(&environment::expression_key(expr, escape))
                {
                    rendered = t.render_captured(Value::from_dyn_object(ctx.clone()));
                }
            }
        }
        let captured = match rendered {
            Ok(c) => c,
            Err(e) => return Eval::Failed(self.convert(&e, expr, ctx)),
        };
        let value = captured
            .state()
            .lookup(environment::RESULT)
            .unwrap_or_default();
        if value.is_undefined() {
            let base = self.base_type(expr, ctx);
            let err = TemplateError::undefined(expr, base.as_deref());
            return Eval::Failed(explain(err, ctx));
        }
        Eval::Value(value)
    }

    fn render_text(
        &self,
        env: &Environment<'static>,
        s: &str,
        ctx: &Arc<ScopeObject>,
        escape: bool,
    ) -> Result<String, TemplateError> {
        let key = environment::text_key(s, escape);
        let tmpl = env
            .get_template(&key)
            .map_err(|e| self.convert(&e, s, ctx))?;
        match tmpl.render(Value::from_dyn_object(ctx.clone())) {
            Err(e)
                if e.kind() == minijinja::ErrorKind::UndefinedError
                    && std::ptr::eq(env, &*self.inner.base)
                    && environment::guards_undefined(s) =>
            {
                let retry = self
                    .inner
                    .chainable
                    .get_template(&key)
                    .and_then(|t| t.render(Value::from_dyn_object(ctx.clone())));
                retry.map_err(|_| self.convert(&e, s, ctx))
            }
            other => other.map_err(|e| self.convert(&e, s, ctx)),
        }
    }

    fn convert(
        &self,
        err: &minijinja::Error,
        source: &str,
        ctx: &Arc<ScopeObject>,
    ) -> TemplateError {
        let base_type = |base: &str| self.type_of(base, ctx);
        explain(TemplateError::from_minijinja(err, source, &base_type), ctx)
    }

    /// The Python type of the value the last attribute of `expr` was looked up on.
    fn base_type(&self, expr: &str, ctx: &Arc<ScopeObject>) -> Option<String> {
        let simple = expr
            .chars()
            .all(|c| c.is_alphanumeric() || "_.[]'\"".contains(c));
        let cut = expr.rfind(['.', '['])?;
        if !simple || cut == 0 {
            return None;
        }
        self.type_of(&expr[..cut], ctx)
    }

    fn type_of(&self, expr: &str, ctx: &Arc<ScopeObject>) -> Option<String> {
        match self.eval_expr(expr, ctx, false) {
            Eval::Value(v) => Some(py_type(&v).to_string()),
            _ => None,
        }
    }
}

/// Replaces an "undefined" error by the reason its variable was undefined, when the
/// variable's own template used an undefined name.
fn explain(err: TemplateError, ctx: &ScopeObject) -> TemplateError {
    let cause = err.undefined.as_deref().and_then(|expr| {
        let root = expr.split(['.', '[']).next().unwrap_or(expr);
        ctx.undefined_cause(root)
    });
    cause.unwrap_or(err)
}

fn result_json(v: &Value, source: &str) -> Result<Json, TemplateError> {
    native::to_json(v).map_err(|m| TemplateError::new(format!("{m} in '{source}'")))
}

/// The name Python gives the type of `v` (`dict`, `list`, `str`, ...).
pub(crate) fn py_type(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if v.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq => "list",
        ValueKind::Map => "dict",
        ValueKind::Iterable => "generator",
        ValueKind::Undefined => "AnsibleUndefined",
        _ => "object",
    }
}
