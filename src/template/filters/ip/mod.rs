//! ansible.utils' IP filters, under their collection names only (ansible-core 2.19 resolves
//! the short `ipaddr` to ansible.netcommon, which no longer has it, so Ansible refuses the
//! short names too): `ipaddr`, `ipv4`, `ipv6`, `ipwrap`, `ipmath`, `ipsubnet`, `nthhost`,
//! `network_in_usable` and `network_in_network`. Knows nothing of scopes.

mod net;
mod query;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error};

use super::{defined, fail};
use net::Net;
use query::ipaddr as run;

/// The collection's prefix.
const NS: &str = "ansible.utils.";

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter(
        format!("{NS}ipaddr"),
        |v: &Value, q: Option<Value>, ver: Option<Value>, k: Kwargs| {
            ip_filter(v, q, ver, k, None, "ipaddr")
        },
    );
    env.add_filter(
        format!("{NS}ipv4"),
        |v: &Value, q: Option<Value>, k: Kwargs| ip_filter(v, q, None, k, Some(4), "ipv4"),
    );
    env.add_filter(
        format!("{NS}ipv6"),
        |v: &Value, q: Option<Value>, k: Kwargs| ip_filter(v, q, None, k, Some(6), "ipv6"),
    );
    env.add_filter(format!("{NS}ipwrap"), ipwrap);
    env.add_filter(format!("{NS}ipmath"), ipmath);
    env.add_filter(format!("{NS}nthhost"), nthhost);
    env.add_filter(format!("{NS}ipsubnet"), ipsubnet);
    env.add_filter(format!("{NS}network_in_usable"), |v: &Value, t: &Value| {
        network_in(v, t, "first_usable", "last_usable")
    });
    env.add_filter(format!("{NS}network_in_network"), |v: &Value, t: &Value| {
        network_in(v, t, "network", "broadcast")
    });
}

/// Python's name for the type of `v`, as the plugins' errors print it.
fn py_type(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if v.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Map => "dict",
        _ => "list",
    }
}

/// Refuses a value that is neither a string, an integer nor a list (the plugins' check).
fn check_value(v: &Value, alias: &str) -> Result<(), Error> {
    defined(v)?;
    match v.kind() {
        ValueKind::String | ValueKind::Bool | ValueKind::Seq | ValueKind::Iterable => Ok(()),
        ValueKind::Number if v.is_integer() => Ok(()),
        _ => Err(fail(format!(
            "Unrecognized type <class '{}'> for {alias} filter <value>",
            py_type(v)
        ))),
    }
}

/// An argument of type `str` as Ansible's argument spec converts it (integers become text).
fn str_arg(v: Option<Value>, name: &str) -> Result<Option<String>, Error> {
    let Some(v) = v else { return Ok(None) };
    defined(&v)?;
    match v.kind() {
        ValueKind::None => Ok(None),
        ValueKind::String => Ok(Some(v.as_str().unwrap_or_default().to_string())),
        ValueKind::Number | ValueKind::Bool => Ok(Some(super::super::pyrepr::to_str(&v))),
        _ => Err(fail(format!(
            "argument '{name}' is of type {} and we were unable to convert to str",
            py_type(&v)
        ))),
    }
}

/// An argument of type `int` as Ansible's argument spec converts it.
fn int_arg(v: Option<Value>, name: &str) -> Result<Option<i128>, Error> {
    let Some(v) = v else { return Ok(None) };
    defined(&v)?;
    let n = match v.kind() {
        ValueKind::None => return Ok(None),
        ValueKind::Bool => Some(i128::from(v.is_true())),
        ValueKind::Number if v.is_integer() => i128::try_from(v.clone()).ok(),
        ValueKind::String => v.as_str().and_then(|s| s.trim().parse().ok()),
        _ => None,
    };
    n.map(Some).ok_or_else(|| {
        fail(format!(
            "argument '{name}' is of type {} and we were unable to convert to int",
            py_type(&v)
        ))
    })
}

/// A positional argument, or the keyword of the same name.
fn arg(pos: Option<Value>, kwargs: &Kwargs, name: &str) -> Result<Option<Value>, Error> {
    match pos {
        Some(v) => Ok(Some(v)),
        None => kwargs.get::<Option<Value>>(name),
    }
}

fn ip_filter(
    v: &Value,
    q: Option<Value>,
    ver: Option<Value>,
    kwargs: Kwargs,
    fixed: Option<u32>,
    alias: &str,
) -> Result<Value, Error> {
    check_value(v, alias)?;
    let q = str_arg(arg(q, &kwargs, "query")?, "query")?.unwrap_or_default();
    let version = match fixed {
        Some(f) => Some(f),
        None => match int_arg(arg(ver, &kwargs, "version")?, "version")? {
            Some(0) | None => None,
            Some(n) => Some(u32::try_from(n).map_err(|_| fail("version must be 4 or 6"))?),
        },
    };
    kwargs.assert_all_used()?;
    run(v, &q, version, alias)
}

/// `ipwrap`: IPv6 addresses in brackets, anything else unchanged. Like the plugin, only a
/// `query=` keyword is read: a positional query is dropped by Ansible's argument mapping.
fn ipwrap(v: &Value, _positional: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    defined(v)?;
    if !matches!(
        v.kind(),
        ValueKind::String | ValueKind::Seq | ValueKind::Iterable
    ) {
        return Err(fail(format!(
            "Unrecognized type <class '{}'> for ipwrap filter <value>",
            py_type(v)
        )));
    }
    let q = str_arg(kwargs.get("query")?, "query")?.unwrap_or_default();
    kwargs.assert_all_used()?;
    let wrap = |item: &Value| -> Result<Value, Error> {
        let r = run(item, &q, None, "ipwrap")?;
        if r.is_true() {
            run(&r, "wrap", None, "ipwrap")
        } else {
            Ok(item.clone())
        }
    };
    if matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable) {
        let mut out = Vec::new();
        for item in v.try_iter()? {
            match run(&item, &q, None, "ipwrap") {
                Ok(r) if r.is_true() => match run(&item, "wrap", None, "ipwrap") {
                    Ok(w) => out.push(w),
                    Err(_) => return Ok(v.clone()),
                },
                Ok(_) => out.push(item),
                Err(_) => return Ok(v.clone()),
            }
        }
        return Ok(Value::from(out));
    }
    Ok(wrap(v).unwrap_or_else(|_| v.clone()))
}

/// `ipmath`: the address plus `amount`.
fn ipmath(v: &Value, amount: Option<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let value = str_arg(Some(v.clone()), "value")?.unwrap_or_default();
    let amount = int_arg(arg(amount, &kwargs, "amount")?, "amount")?
        .ok_or_else(|| fail("missing required arguments: amount"))?;
    kwargs.assert_all_used()?;
    let addr = if value.contains('/') {
        Net::parse(&value).map(|n| (n.v6, n.ip))
    } else {
        net::parse_addr(&value)
    };
    let Some((v6, ip)) = addr else {
        return Err(fail(format!(
            "You must pass a valid IP address; {value} is invalid"
        )));
    };
    let host = Net::host(v6, ip);
    let out = i128::try_from(ip)
        .ok()
        .and_then(|ip| ip.checked_add(amount))
        .and_then(|n| u128::try_from(n).ok())
        .filter(|n| *n <= host.max())
        .ok_or_else(|| fail("result outside valid IP address boundary!"))?;
    Ok(host.addr_text(out))
}

/// The network `value` names (`ipaddr`'s `cidr` for an address, `subnet` for a network).
fn network_of(value: &Value) -> Result<Option<Net>, Error> {
    let as_net = |query: &str| -> Result<Option<Net>, Error> {
        let r = run(value, query, None, "ipaddr")?;
        Ok(r.as_str().and_then(Net::parse))
    };
    match run(value, "type", None, "ipaddr")?.as_str() {
        Some("address") => as_net("cidr"),
        Some("network") => as_net("subnet"),
        _ => Ok(None),
    }
}

/// The address at index `n` of `net` (negative from the end), as netaddr's `IPNetwork[n]`.
fn nth(net: &Net, n: i128) -> Result<u128, Error> {
    let (first, last) = (net.first() as i128, net.last() as i128);
    let at = if n >= 0 { first + n } else { last + 1 + n };
    if at < first || at > last {
        return Err(fail("index out range for address range size!"));
    }
    Ok(at as u128)
}

/// `nthhost`: the `query`th address of the network, or `False`.
fn nthhost(v: &Value, q: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let value = str_arg(Some(v.clone()), "value")?.unwrap_or_default();
    let q = str_arg(arg(q, &kwargs, "query")?, "query")?;
    kwargs.assert_all_used()?;
    let Some(net) = network_of(&Value::from(value))? else {
        return Ok(Value::from(false));
    };
    let Some(n) = q
        .filter(|q| !q.is_empty())
        .and_then(|q| q.trim().parse::<i128>().ok())
    else {
        return Ok(Value::from(false));
    };
    match net.size() {
        Some(size) if i128::try_from(size).is_ok_and(|s| s <= n) => Ok(Value::from(false)),
        _ => Ok(Value::from(net.addr_text(nth(&net, n)?))),
    }
}

/// A result of `ipaddr(..., 'int')` (or `False`) as a number to compare.
fn number(v: &Value) -> Result<u128, Error> {
    match v.kind() {
        ValueKind::Bool | ValueKind::None => Ok(u128::from(v.is_true())),
        _ => u128::try_from(v.clone()).map_err(|_| fail(format!("cannot compare {v}"))),
    }
}

/// `network_in_usable` / `network_in_network`: whether all of `test` lies between `value`'s
/// `low` and `high` addresses (each falling back to the address itself).
fn network_in(value: &Value, test: &Value, low: &str, high: &str) -> Result<bool, Error> {
    let normal = |x: &Value| -> Result<Value, Error> {
        let x = Value::from(str_arg(Some(x.clone()), "value")?.unwrap_or_default());
        Ok(match run(&x, "type", None, "ipaddr") {
            Ok(t) if matches!(t.as_str(), Some("address" | "network")) => {
                run(&x, "subnet", None, "ipaddr")?
            }
            _ => Value::from(false),
        })
    };
    let bound = |x: &Value, query: &str| -> Result<u128, Error> {
        let mut r = run(x, query, None, "ipaddr")?;
        if !r.is_true() {
            r = run(x, "address", None, "ipaddr")?;
        }
        number(&run(&r, "int", None, "ipaddr")?)
    };
    let (v, w) = (normal(value)?, normal(test)?);
    let (v_first, v_last) = (bound(&v, low)?, bound(&v, high)?);
    let (w_first, w_last) = (bound(&w, "network")?, bound(&w, "broadcast")?);
    let within = |x: u128| v_first <= x && x <= v_last;
    Ok(within(w_first) && within(w_last))
}

/// `2 ** n` in decimal (n up to 128).
fn pow2(n: u32) -> String {
    match 1u128.checked_shl(n) {
        Some(p) if n < 128 => p.to_string(),
        _ => "340282366920938463463374607431768211456".into(),
    }
}

/// `ipsubnet`: the network itself, how many `/query` subnets it holds, the `index`th of
/// them (or of an address's supernets), or the position of the network in `query`.
fn ipsubnet(
    v: &Value,
    q: Option<Value>,
    index: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let value = str_arg(Some(v.clone()), "value")?.unwrap_or_default();
    let q = str_arg(arg(q, &kwargs, "query")?, "query")?.unwrap_or_default();
    let index = int_arg(arg(index, &kwargs, "index")?, "index")?;
    kwargs.assert_all_used()?;
    let Some(net) = network_of(&Value::from(value))? else {
        return Ok(Value::from(false));
    };
    let net = net.cidr();
    if q.is_empty() {
        return Ok(Value::from(net.text()));
    }
    let bits = net.bits();
    if q.chars().all(|c| c.is_ascii_digit()) {
        let Ok(n) = q.parse::<u32>() else {
            return Ok(Value::from(false));
        };
        if n > bits {
            return Ok(Value::from(false));
        }
        let supernet = |i: i128| -> Result<Value, Error> {
            // The supernets of /n up to /(bits - 1), as a Python list indexed by `i`.
            let len = i128::from(bits) - i128::from(n);
            let i = if i < 0 { i + len } else { i };
            if i < 0 || i >= len {
                return Err(fail("list index out of range"));
            }
            let prefix = n + i as u32;
            Ok(Value::from(Net { prefix, ..net }.cidr().text()))
        };
        return match (index, net.is_single()) {
            (None, true) => supernet(0),
            (None, false) => {
                if n < net.prefix {
                    return Err(fail(format!("Requested subnet size of {n} is invalid")));
                }
                Ok(Value::from(pow2(n - net.prefix)))
            }
            (Some(i), true) => {
                let total = i128::from(bits);
                if i > total + 1 - i || i < i128::from(n) - total {
                    return Ok(Value::from(false));
                }
                supernet(i)
            }
            (Some(i), false) => {
                if n < net.prefix {
                    return Ok(Value::from(false));
                }
                let count = 1i128.checked_shl(n - net.prefix).filter(|c| *c > 0);
                let i = match count {
                    Some(c) if i < 0 => i + c,
                    _ => i,
                };
                if i < 0 || count.is_some_and(|c| i >= c) {
                    return Ok(Value::from(false));
                }
                let offset = u128::try_from(i)
                    .ok()
                    .and_then(|i| i.checked_shl(bits - n))
                    .filter(|o| bits - n < 128 && *o <= net.hostmask())
                    .ok_or_else(|| fail("subnet index out of range"))?;
                Ok(Value::from(
                    Net {
                        ip: net.first() + offset,
                        prefix: n,
                        ..net
                    }
                    .text(),
                ))
            }
        };
    }
    let Some(outer) = network_of(&Value::from(q.as_str()))? else {
        return Err(fail(format!(
            "You must pass a valid subnet or IP address; {q} is invalid"
        )));
    };
    let shift = |x: u128, by: u32| x.checked_shr(by).unwrap_or(0);
    if shift(net.ip, bits - outer.prefix) == shift(outer.ip, bits - outer.prefix) {
        if net.prefix < outer.prefix {
            return Err(fail(format!(
                "{} is wider than {}",
                net.text(),
                outer.cidr().text()
            )));
        }
        let width = net.prefix - outer.prefix;
        let mask = 1u128.checked_shl(width).map_or(u128::MAX, |m| m - 1);
        let position = shift(net.ip, bits - net.prefix) & mask;
        return Ok(Value::from((position + 1).to_string()));
    }
    Err(fail(format!(
        "{} is not in the subnet {}",
        net.text(),
        outer.cidr().text()
    )))
}
