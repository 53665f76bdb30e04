//! `sequence`: numbers as formatted strings, from `start=1 end=5 stride=1 format=%d`,
//! `count=3`, the shortcut `[start-]end[/stride][:format]`, or keyword options. Numbers are
//! decimal (ansible-core 2.19 refuses `0x10`). Pure data: knows nothing of the scope.

use minijinja::value::Value;
use minijinja::Error;

use super::super::filters::fail;
use super::{texts, Call};

/// The most items one sequence may produce.
const MAX_ITEMS: i64 = 1_000_000;

#[derive(Clone, Default)]
struct Spec {
    start: Option<i64>,
    end: Option<i64>,
    count: Option<i64>,
    stride: Option<i64>,
    format: Option<String>,
}

/// `sequence`: every term's numbers, one after the other.
pub(super) fn sequence(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut defaults = Spec::default();
    for (key, slot) in [
        ("start", &mut defaults.start),
        ("end", &mut defaults.end),
        ("count", &mut defaults.count),
        ("stride", &mut defaults.stride),
    ] {
        if let Some(v) = call.kwargs.get::<Option<Value>>(key)? {
            *slot = Some(num(key, &super::super::pyrepr::to_str(&v))?);
        }
    }
    defaults.format = call.kwargs.get::<Option<String>>("format")?;
    let mut terms: Vec<String> = texts(terms).collect();
    if terms.is_empty() && call.kwargs.args().next().is_some() {
        terms.push(String::new());
    }
    let mut out = Vec::new();
    for term in terms {
        let spec = parse(&term, defaults.clone())?;
        out.extend(generate(&spec)?.into_iter().map(Value::from));
    }
    Ok(out)
}

fn num(key: &str, s: &str) -> Result<i64, Error> {
    s.trim().parse().map_err(|_| {
        fail(format!(
            "Config '{key}' for 'sequence' lookup plugin has an invalid value: Invalid value \
             provided for 'integer': '{s}'"
        ))
    })
}

/// Reads one term over the keyword options.
fn parse(term: &str, mut spec: Spec) -> Result<Spec, Error> {
    if let Some(short) = shortcut(term) {
        let (start, end, stride, format) = short;
        spec.start = start.map(|s| num("start", s)).transpose()?.or(spec.start);
        spec.end = Some(num("end", end)?);
        spec.stride = stride
            .map(|s| num("stride", s))
            .transpose()?
            .or(spec.stride);
        spec.format = format.map(str::to_string).or(spec.format);
        return Ok(spec);
    }
    for part in term.split_whitespace() {
        let Some((k, v)) = part.split_once('=') else {
            return Err(fail(
                "unrecognized arguments to with_sequence: ['_raw_params']",
            ));
        };
        match k {
            "start" => spec.start = Some(num(k, v)?),
            "end" => spec.end = Some(num(k, v)?),
            "count" => spec.count = Some(num(k, v)?),
            "stride" => spec.stride = Some(num(k, v)?),
            "format" => spec.format = Some(v.to_string()),
            other => {
                return Err(fail(format!(
                    "unrecognized arguments to with_sequence: ['{other}']"
                )))
            }
        }
    }
    Ok(spec)
}

/// The parts of a shortcut term, numbers as written: start, end, stride, format.
type Shortcut<'a> = (Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>);

/// `[start-]end[/stride][:format]` split into its parts.
fn shortcut(term: &str) -> Option<Shortcut<'_>> {
    let (range, format) = match term.split_once(':') {
        Some((r, f)) if !f.is_empty() => (r, Some(f)),
        Some(_) => return None,
        None => (term, None),
    };
    let (range, stride) = match range.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (range, None),
    };
    let (start, end) = match range.split_once('-') {
        Some((a, b)) => (Some(a), b),
        None => (None, range),
    };
    let is_num = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit() || c == 'x');
    (start.is_none_or(is_num) && is_num(end) && stride.is_none_or(is_num))
        .then_some((start, end, stride, format))
}

fn generate(spec: &Spec) -> Result<Vec<String>, Error> {
    let start = spec.start.unwrap_or(1);
    let stride = spec.stride.unwrap_or(1);
    let format = spec.format.clone().unwrap_or_else(|| "%d".into());
    let end = match (spec.count, spec.end) {
        (None, None) => return Err(fail("must specify count or end in with_sequence")),
        (Some(_), Some(_)) => {
            return Err(fail("can't specify both count and end in with_sequence"))
        }
        (Some(0), None) => return Ok(Vec::new()),
        (Some(c), None) => start + c * stride - 1,
        (None, Some(e)) => e,
    };
    if stride > 0 && end < start {
        return Err(fail("to count backwards make stride negative"));
    }
    if stride < 0 && end > start {
        return Err(fail("to count forward don't make stride negative"));
    }
    if stride == 0 {
        return Ok(Vec::new());
    }
    if format.matches('%').count() != 1 {
        return Err(fail(format!("bad formatting string: {format}")));
    }
    if (end - start) / stride > MAX_ITEMS {
        return Err(fail(format!("with_sequence: more than {MAX_ITEMS} items")));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(printf_int(&format, i)?);
        i += stride;
    }
    Ok(out)
}

/// Python's `fmt % i` for one integer conversion (`%d`, `%5d`, `%02d`, `%x`, `%X`, `%o`).
fn printf_int(fmt: &str, i: i64) -> Result<String, Error> {
    let bad = || fail(format!("problem formatting {i} with '{fmt}'"));
    let pos = fmt.find('%').ok_or_else(bad)?;
    let rest = &fmt[pos + 1..];
    let spec_len = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|p| p + 1)
        .ok_or_else(bad)?;
    let (flags, conv) = rest[..spec_len].split_at(spec_len - 1);
    let left = flags.starts_with('-');
    let flags = flags.trim_start_matches('-');
    let zero = flags.starts_with('0');
    let width: usize = match flags.trim_start_matches('0') {
        "" => 0,
        w => w.parse().map_err(|_| bad())?,
    };
    let body = match conv {
        "d" | "i" | "u" => i.to_string(),
        "x" => format!("{i:x}"),
        "X" => format!("{i:X}"),
        "o" => format!("{i:o}"),
        _ => return Err(bad()),
    };
    let padded = if left {
        format!("{body:<width$}")
    } else if zero && i < 0 {
        format!("-{:0>w$}", &body[1..], w = width.saturating_sub(1))
    } else if zero {
        format!("{body:0>width$}")
    } else {
        format!("{body:>width$}")
    };
    Ok(format!("{}{}{}", &fmt[..pos], padded, &rest[spec_len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(term: &str) -> Vec<String> {
        generate(&parse(term, Spec::default()).unwrap()).unwrap()
    }

    #[test]
    fn sequences_follow_ansible() {
        assert_eq!(seq("start=1 end=3"), ["1", "2", "3"]);
        assert_eq!(seq("count=2 format=host%02d"), ["host01", "host02"]);
        assert_eq!(seq("2-6/2:h%02d"), ["h02", "h04", "h06"]);
        assert_eq!(seq("start=5 end=1 stride=-2"), ["5", "3", "1"]);
        assert_eq!(seq("start=0 count=5 stride=2"), ["0", "2", "4", "6", "8"]);
        assert_eq!(seq("3").len(), 3);
        assert!(seq("count=0").is_empty());
    }

    #[test]
    fn bad_sequences_fail() {
        let err = |t: &str| generate(&parse(t, Spec::default())?);
        assert!(err("start=1").is_err());
        assert!(err("start=3 end=1").is_err());
        assert!(err("count=2 end=3").is_err());
        assert!(parse("start=0x10 end=3", Spec::default()).is_err());
        assert!(parse("bogus=1", Spec::default()).is_err());
    }
}
