//! Typing of INI values the way Ansible does it: `ast.literal_eval` when the text is a Python
//! literal (ints, floats, True/False/None, quoted strings, lists, tuples, dicts), the raw
//! string otherwise. Knows nothing of INI syntax or inventories.

use serde_json::{Map, Number, Value};

/// Returns the typed value of an INI value: a Python literal if it parses as one, else the text.
pub fn parse_value(text: &str) -> Value {
    let mut p = Parser {
        s: text.as_bytes(),
        src: text,
        i: 0,
    };
    // ast.literal_eval strips leading spaces and tabs.
    while p.i < p.s.len() && (p.s[p.i] == b' ' || p.s[p.i] == b'\t') {
        p.i += 1;
    }
    match p.expr() {
        Some(v) => {
            p.skip_ws();
            if p.i == p.s.len() {
                v
            } else {
                Value::String(text.to_string())
            }
        }
        None => Value::String(text.to_string()),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.i += 1,
                b'#' => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                }
                b'\\' if self.s.get(self.i + 1) == Some(&b'\n') => self.i += 2,
                _ => break,
            }
        }
    }

    fn expr(&mut self) -> Option<Value> {
        self.skip_ws();
        match self.peek()? {
            b'+' | b'-' => {
                let neg = self.peek() == Some(b'-');
                self.i += 1;
                self.skip_ws();
                let v = self.number()?;
                if !neg {
                    return Some(v);
                }
                negate(v)
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Option<Value> {
        let c = self.peek()?;
        match c {
            b'[' => {
                self.i += 1;
                Some(Value::Array(self.items(b']')?.0))
            }
            b'(' => {
                self.i += 1;
                let (items, trailing_comma) = self.items(b')')?;
                if items.len() == 1 && !trailing_comma {
                    items.into_iter().next()
                } else {
                    Some(Value::Array(items))
                }
            }
            b'{' => {
                self.i += 1;
                self.dict_or_set()
            }
            b'0'..=b'9' | b'.' => self.number(),
            _ if c == b'\'' || c == b'"' => self.strings(),
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                // Keywords or string prefixes.
                let start = self.i;
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let word = &self.src[start..self.i];
                if matches!(self.peek(), Some(b'\'') | Some(b'"')) {
                    let lw = word.to_ascii_lowercase();
                    if matches!(lw.as_str(), "r" | "u" | "b" | "br" | "rb") {
                        self.i = start;
                        return self.strings();
                    }
                    return None;
                }
                match word {
                    "True" => Some(Value::Bool(true)),
                    "False" => Some(Value::Bool(false)),
                    "None" => Some(Value::Null),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Comma-separated expressions up to `close`; returns them and whether a comma trailed.
    fn items(&mut self, close: u8) -> Option<(Vec<Value>, bool)> {
        let mut out = Vec::new();
        let mut trailing = false;
        loop {
            self.skip_ws();
            if self.peek()? == close {
                self.i += 1;
                return Some((out, trailing));
            }
            out.push(self.expr()?);
            self.skip_ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    trailing = true;
                }
                c if c == close => {
                    self.i += 1;
                    return Some((out, false));
                }
                _ => return None,
            }
        }
    }

    fn dict_or_set(&mut self) -> Option<Value> {
        self.skip_ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Value::Object(Map::new()));
        }
        let first = self.expr()?;
        self.skip_ws();
        if self.peek()? != b':' {
            // A set: rendered as a list.
            let mut items = vec![first];
            loop {
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        self.skip_ws();
                        if self.peek()? == b'}' {
                            self.i += 1;
                            return Some(Value::Array(items));
                        }
                        items.push(self.expr()?);
                    }
                    b'}' => {
                        self.i += 1;
                        return Some(Value::Array(items));
                    }
                    _ => return None,
                }
            }
        }
        let mut map = Map::new();
        let mut key = first;
        loop {
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            let val = self.expr()?;
            map.insert(key_string(&key)?, val);
            self.skip_ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.skip_ws();
                    if self.peek()? == b'}' {
                        self.i += 1;
                        return Some(Value::Object(map));
                    }
                    key = self.expr()?;
                }
                b'}' => {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        while let Some(c) = self.peek() {
            let prev = if self.i > start {
                self.s[self.i - 1]
            } else {
                0
            };
            let sign_ok = (c == b'+' || c == b'-') && (prev == b'e' || prev == b'E');
            if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || sign_ok {
                self.i += 1;
            } else {
                break;
            }
        }
        let tok = &self.src[start..self.i];
        if tok.is_empty() || tok.starts_with('_') || tok.ends_with('_') || tok.contains("__") {
            return None;
        }
        let clean: String = tok.chars().filter(|&c| c != '_').collect();
        let lower = clean.to_ascii_lowercase();
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
            if let Some(digits) = lower.strip_prefix(prefix) {
                return int_value(i128::from_str_radix(digits, radix).ok()?, &clean);
            }
        }
        if lower.bytes().all(|b| b.is_ascii_digit()) {
            // Python 3 rejects leading zeros in non-zero decimal integers.
            if lower.len() > 1 && lower.starts_with('0') && lower.bytes().any(|b| b != b'0') {
                return None;
            }
            return match lower.parse::<i128>() {
                Ok(n) => int_value(n, &clean),
                Err(_) => Some(Value::String(clean)),
            };
        }
        if lower.ends_with('j') {
            return None;
        }
        let valid = lower
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'));
        if !valid || !lower.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let f: f64 = lower.parse().ok()?;
        Number::from_f64(f).map(Value::Number)
    }

    /// One or more adjacent string literals, concatenated as Python does.
    fn strings(&mut self) -> Option<Value> {
        let mut out = String::new();
        let mut any = false;
        loop {
            let save = self.i;
            self.skip_ws();
            let start = self.i;
            let mut raw = false;
            while let Some(c) = self.peek() {
                match c.to_ascii_lowercase() {
                    b'r' => raw = true,
                    b'b' | b'u' => {}
                    _ => break,
                }
                self.i += 1;
            }
            match self.peek() {
                Some(q @ (b'\'' | b'"')) if self.i - start <= 2 => {
                    out.push_str(&self.string_body(q, raw)?);
                    any = true;
                }
                _ => {
                    self.i = save;
                    return if any { Some(Value::String(out)) } else { None };
                }
            }
        }
    }

    fn string_body(&mut self, q: u8, raw: bool) -> Option<String> {
        let triple = self.s.get(self.i..self.i + 3) == Some(&[q, q, q][..]);
        self.i += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let rest = &self.src[self.i..];
            let c = rest.chars().next()?;
            if c as u32 == q as u32 {
                if !triple {
                    self.i += 1;
                    return Some(out);
                }
                if rest.as_bytes().starts_with(&[q, q, q]) {
                    self.i += 3;
                    return Some(out);
                }
            }
            if c == '\n' && !triple {
                return None;
            }
            if c == '\\' {
                let next = rest[1..].chars().next()?;
                if raw {
                    out.push('\\');
                    out.push(next);
                    self.i += 1 + next.len_utf8();
                    continue;
                }
                self.i += 1 + next.len_utf8();
                match next {
                    '\n' => {}
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    '\\' | '\'' | '"' => out.push(next),
                    'x' | 'u' | 'U' => {
                        let n = match next {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex = self.src.get(self.i..self.i + n)?;
                        let code = u32::from_str_radix(hex, 16).ok()?;
                        out.push(char::from_u32(code)?);
                        self.i += n;
                    }
                    '0'..='7' => {
                        let mut code = next.to_digit(8)?;
                        for _ in 0..2 {
                            match self.peek() {
                                Some(d @ b'0'..=b'7') => {
                                    code = code * 8 + u32::from(d - b'0');
                                    self.i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(char::from_u32(code)?);
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            out.push(c);
            self.i += c.len_utf8();
        }
    }
}

fn int_value(n: i128, text: &str) -> Option<Value> {
    if let Ok(v) = i64::try_from(n) {
        Some(Value::from(v))
    } else if let Ok(v) = u64::try_from(n) {
        Some(Value::from(v))
    } else {
        Some(Value::String(text.to_string()))
    }
}

fn negate(v: Value) -> Option<Value> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(Value::from(-i))
            } else if let Some(u) = n.as_u64() {
                Some(Value::from(-(u as f64)))
            } else {
                Number::from_f64(-n.as_f64()?).map(Value::Number)
            }
        }
        _ => None,
    }
}

/// Python `json.dumps` renders non-string dict keys as text; mirror that.
fn key_string(k: &Value) -> Option<String> {
    match k {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars() {
        assert_eq!(parse_value("42"), json!(42));
        assert_eq!(parse_value("-7"), json!(-7));
        assert_eq!(parse_value("1.5"), json!(1.5));
        assert_eq!(parse_value("1e3"), json!(1000.0));
        assert_eq!(parse_value("0x1F"), json!(31));
        assert_eq!(parse_value("1_000"), json!(1000));
        assert_eq!(parse_value("True"), json!(true));
        assert_eq!(parse_value("False"), json!(false));
        assert_eq!(parse_value("None"), json!(null));
    }

    #[test]
    fn strings_stay_strings() {
        assert_eq!(parse_value("true"), json!("true"));
        assert_eq!(parse_value("yes"), json!("yes"));
        assert_eq!(parse_value("0644"), json!("0644"));
        assert_eq!(parse_value("hello world"), json!("hello world"));
        assert_eq!(parse_value(""), json!(""));
        assert_eq!(parse_value("10.0.0.1"), json!("10.0.0.1"));
        assert_eq!(parse_value("1j"), json!("1j"));
        assert_eq!(parse_value("hello # c"), json!("hello # c"));
        assert_eq!(parse_value("/usr/bin/python3"), json!("/usr/bin/python3"));
    }

    #[test]
    fn quoted_strings_lose_quotes() {
        assert_eq!(parse_value("'a b'"), json!("a b"));
        assert_eq!(parse_value("\"42\""), json!("42"));
        assert_eq!(parse_value(r#"'it\'s'"#), json!("it's"));
        assert_eq!(parse_value(r#""a\nb""#), json!("a\nb"));
        assert_eq!(parse_value("'a' 'b'"), json!("ab"));
        assert_eq!(parse_value("r'\\d'"), json!("\\d"));
        assert_eq!(parse_value("'unterminated"), json!("'unterminated"));
    }

    #[test]
    fn containers() {
        assert_eq!(parse_value("[1, 'two', None]"), json!([1, "two", null]));
        assert_eq!(parse_value("(1, 2)"), json!([1, 2]));
        assert_eq!(parse_value("(1)"), json!(1));
        assert_eq!(parse_value("(1,)"), json!([1]));
        assert_eq!(
            parse_value("{'k': 1, \"j\": [True, False]}"),
            json!({"k": 1, "j": [true, false]})
        );
        assert_eq!(parse_value("{1: 'a'}"), json!({"1": "a"}));
        assert_eq!(parse_value("[]"), json!([]));
        assert_eq!(parse_value("{}"), json!({}));
        assert_eq!(parse_value("[1, 2"), json!("[1, 2"));
    }

    #[test]
    fn comments_are_ignored_by_literal_eval() {
        assert_eq!(parse_value("1 # comment"), json!(1));
    }
}
