//! The table of filter cases (tests/filters/cases.txt, expectations from ansible-playbook
//! 2.19) rendered by rsible's templar, plus property checks for what has no fixed answer
//! (`random` and `shuffle` without a seed, `password_hash` with a random salt).

use super::*;

/// The cases of the table: (expression, expected value or `None` for an error).
fn cases() -> Vec<(String, Option<Json>)> {
    include_str!("../../../tests/filters/cases.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (expr, want) = l
                .split_once(" => ")
                .unwrap_or_else(|| panic!("case without ' => ': {l}"));
            let want = (want != "!error").then(|| {
                serde_json::from_str(want).unwrap_or_else(|e| panic!("{l}: bad JSON: {e}"))
            });
            (expr.to_string(), want)
        })
        .collect()
}

/// The value of `expr`, through `to_json` as the playbook side writes it, or `None` on error.
fn value_of(expr: &str) -> Option<Json> {
    let wrapped = format!("{{{{ {{'v': ({expr})}} | to_json }}}}");
    let out = Templar::new()
        .render_str(&wrapped, &scope(json!({})))
        .ok()?;
    let text = out.as_str().expect("to_json gives text");
    let parsed: Json = serde_json::from_str(text).expect("to_json gives JSON");
    parsed.get("v").cloned()
}

#[test]
fn every_case_gives_ansibles_value() {
    let cases = cases();
    assert!(cases.len() > 150, "only {} cases", cases.len());
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(expr, want)| {
            let got = value_of(expr);
            (got != *want || !same_number_kinds(&got, want))
                .then(|| format!("{expr}\n  want {want:?}\n  got  {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Whether integers and floats are where they should be (24 and 24.0 compare equal as
/// JSON numbers only when both are of one kind).
fn same_number_kinds(a: &Option<Json>, b: &Option<Json>) -> bool {
    fn kinds(v: &Json, out: &mut String) {
        match v {
            Json::Number(n) => out.push(if n.is_f64() { 'f' } else { 'i' }),
            Json::Array(items) => items.iter().for_each(|x| kinds(x, out)),
            Json::Object(m) => m.values().for_each(|x| kinds(x, out)),
            _ => {}
        }
    }
    let k = |v: &Option<Json>| {
        let mut s = String::new();
        if let Some(v) = v {
            kinds(v, &mut s);
        }
        s
    };
    k(a) == k(b)
}

#[test]
fn unseeded_random_stays_in_range_and_varies() {
    let draws: Vec<i64> = (0..200)
        .map(|_| {
            value_of("100 | random(start=10, step=5)")
                .and_then(|v| v.as_i64())
                .expect("an integer")
        })
        .collect();
    assert!(draws.iter().all(|d| (10..100).contains(d) && d % 5 == 0));
    let distinct: std::collections::BTreeSet<i64> = draws.iter().copied().collect();
    assert!(distinct.len() > 5, "{distinct:?}");
    let picks: Vec<Json> = (0..100)
        .map(|_| value_of("['a', 'b', 'c'] | random").expect("an item"))
        .collect();
    assert!(picks
        .iter()
        .all(|p| ["a", "b", "c"].contains(&p.as_str().unwrap_or(""))));
    assert!(picks.iter().any(|p| p != &picks[0]));
}

#[test]
fn unseeded_shuffle_keeps_the_items() {
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let got = value_of("[1, 2, 3, 4, 5, 6, 7, 8] | shuffle").expect("a list");
        let mut items: Vec<i64> = got
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(Json::as_i64)
            .collect();
        seen.insert(items.clone());
        items.sort_unstable();
        assert_eq!(items, [1, 2, 3, 4, 5, 6, 7, 8]);
    }
    assert!(seen.len() > 1, "every shuffle gave the same order");
}

#[test]
fn random_salts_differ() {
    let a = value_of("'x' | password_hash('sha512', rounds=1000)");
    let b = value_of("'x' | password_hash('sha512', rounds=1000)");
    assert_ne!(a, b);
    let a = a
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    assert!(
        a.starts_with("$6$rounds=1000$") && a.len() == 15 + 16 + 1 + 86,
        "{a}"
    );
}

#[test]
fn short_names_follow_ansible() {
    // ansible-core resolves `json_query` to community.general; the other collection filters
    // need their collection's name (Ansible: "No filter named 'ipaddr'").
    assert_eq!(value_of("{'a': 1} | json_query('a')"), Some(json!(1)));
    for short in [
        "'10.0.0.1' | ipaddr",
        "'x' | dict_kv('k')",
        "'1d' | to_hours",
    ] {
        assert_eq!(value_of(short), None, "{short}");
    }
}
