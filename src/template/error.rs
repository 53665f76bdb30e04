//! The error a template produces, worded for the user as Ansible words it. Knows nothing of
//! tasks or files: the engine adds the task name and file:line:col.

use minijinja::ErrorKind;

/// A template could not be rendered or a condition evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What went wrong, for the user (`'foo' is undefined`).
    pub message: String,
    /// The undefined variable or attribute path (`result.stdout_lines`) when that is the cause.
    pub undefined: Option<String>,
    /// The line within the template, for errors in multi-line templates and syntax errors.
    pub line: Option<usize>,
}

impl TemplateError {
    /// An error with only a message.
    pub(crate) fn new(message: impl Into<String>) -> TemplateError {
        TemplateError {
            message: message.into(),
            undefined: None,
            line: None,
        }
    }

    /// `expr` is undefined; `base_type` is the Python type name of the value the last
    /// attribute was looked up on, when that value exists.
    pub(crate) fn undefined(expr: &str, base_type: Option<&str>) -> TemplateError {
        let message = match (base_type, split_last(expr)) {
            (Some(ty), Some((_, attr))) => {
                format!("'{expr}' is undefined: object of type '{ty}' has no attribute {attr}")
            }
            _ => format!("'{expr}' is undefined"),
        };
        TemplateError {
            message,
            undefined: Some(expr.to_string()),
            line: None,
        }
    }

    /// A variable that (through other variables) refers to itself.
    pub(crate) fn recursion(name: &str) -> TemplateError {
        TemplateError::new(format!("recursive loop detected in template for '{name}'"))
    }

    /// Converts a minijinja error. `source` is the template text; `base_type` names the
    /// Python type of a defined expression's value (for "has no attribute" messages).
    pub(crate) fn from_minijinja(
        err: &minijinja::Error,
        source: &str,
        base_type: &dyn Fn(&str) -> Option<String>,
    ) -> TemplateError {
        let detail = err.detail().unwrap_or_default();
        let line = err.line();
        let mut out = match err.kind() {
            ErrorKind::UndefinedError => match undefined_expr(detail) {
                Some(expr) => {
                    let base = split_last(&expr).and_then(|(base, _)| base_type(base));
                    TemplateError::undefined(&expr, base.as_deref())
                }
                None => TemplateError::new("undefined value"),
            },
            ErrorKind::SyntaxError => {
                let at = line
                    .map(|l| location(source, l, err.range()))
                    .unwrap_or_default();
                TemplateError::new(format!("template syntax error: {detail}{at}"))
            }
            ErrorKind::InvalidOperation if !detail.is_empty() => TemplateError::new(detail),
            ErrorKind::OutOfFuel => TemplateError::new(format!(
                "the template does more work than rsible allows ({} steps or {} MB of data): \
                 an endless loop, a huge range() or a string multiplied too far?",
                super::environment::FUEL,
                super::environment::FUEL * 64 / 1_000_000
            )),
            kind if detail.is_empty() => TemplateError::new(kind.to_string()),
            kind => TemplateError::new(format!("{kind}: {detail}")),
        };
        if let Some(cause) = std::error::Error::source(err) {
            out.message = format!("{}: {cause}", out.message);
        }
        out.line = line;
        if err.kind() != ErrorKind::SyntaxError && source.contains('\n') {
            if let Some(l) = line {
                out.message = format!("{} (line {l})", out.message);
            }
        }
        out
    }
}

/// The expression named in minijinja's "`expr` is undefined" detail.
fn undefined_expr(detail: &str) -> Option<String> {
    let end = detail.find("` is undefined")?;
    let start = detail[..end].rfind('`')?;
    Some(detail[start + 1..end].to_string())
}

/// Splits `a.b.c` into (`a.b`, `'c'`) and `a["k"]` / `a[0]` into (`a`, `'k'` / `0`).
fn split_last(expr: &str) -> Option<(&str, String)> {
    if let Some(inner) = expr.strip_suffix(']') {
        let open = inner.rfind('[')?;
        let key = &inner[open + 1..];
        let key = key.trim_matches('"');
        let shown = if key.parse::<i64>().is_ok() {
            key.to_string()
        } else {
            format!("'{key}'")
        };
        return Some((&expr[..open], shown));
    }
    let dot = expr.rfind('.')?;
    Some((&expr[..dot], format!("'{}'", &expr[dot + 1..])))
}

/// " (line L, column C: `text`)" for a syntax error.
fn location(source: &str, line: usize, range: Option<std::ops::Range<usize>>) -> String {
    let text = source
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or_default();
    let line_start: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    match range {
        Some(r) if r.start >= line_start => {
            let col = source[line_start..r.start.min(source.len())]
                .chars()
                .count()
                + 1;
            format!(" (line {line}, column {col}: `{text}`)")
        }
        _ => format!(" (line {line}: `{text}`)"),
    }
}
