//! `date_time`: the target's clock as Ansible reports it, from one `date` call. Knows the
//! `date` format the script uses, nothing else.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::{json, Map};

/// UTC calendar date and time of a Unix epoch.
fn utc(epoch: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (year, month, day) = crate::calendar::civil_from_days(days);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    (year, month, day, h as u32, m as u32, s as u32)
}

/// Adds `date_time` from the `date` section (nothing if it is missing or malformed).
pub fn collect(raw: &Raw, out: &mut Facts) {
    let Some(line) = raw.line("date") else {
        return;
    };
    let f: Vec<&str> = line.split('|').collect();
    let [year, month, day, hour, minute, second, epoch, tz, tz_offset, weekday, wday, week, nanos] =
        f[..]
    else {
        return;
    };
    let Ok(epoch_n) = epoch.parse::<i64>() else {
        return;
    };
    // busybox `date` has no %N: microseconds are then 000000.
    let micro: String = if nanos.len() >= 6 && nanos.bytes().all(|b| b.is_ascii_digit()) {
        nanos[..6].to_string()
    } else {
        "000000".to_string()
    };
    let (uy, um, ud, uh, umi, us) = utc(epoch_n);
    let iso = format!("{uy:04}-{um:02}-{ud:02}T{uh:02}:{umi:02}:{us:02}");
    let mut m = Map::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), json!(v));
    };
    put("year", year.into());
    put("month", month.into());
    put("weekday", weekday.into());
    put("weekday_number", wday.into());
    put("weeknumber", week.into());
    put("day", day.into());
    put("hour", hour.into());
    put("minute", minute.into());
    put("second", second.into());
    put("epoch", epoch.into());
    put("epoch_int", epoch_n.to_string());
    put("date", format!("{year}-{month}-{day}"));
    put("time", format!("{hour}:{minute}:{second}"));
    put("iso8601_micro", format!("{iso}.{micro}Z"));
    put("iso8601", format!("{iso}Z"));
    put(
        "iso8601_basic",
        format!("{year}{month}{day}T{hour}{minute}{second}{micro}"),
    );
    put(
        "iso8601_basic_short",
        format!("{year}{month}{day}T{hour}{minute}{second}"),
    );
    put("tz", tz.into());
    // Python's time.tzname[1] needs the zone rules; the current abbreviation stands in.
    put("tz_dst", tz.into());
    put("tz_offset", tz_offset.into());
    out.insert("date_time".into(), m.into());
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn epoch_to_utc() {
        assert_eq!(utc(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(utc(1_795_786_580), (2026, 11, 27, 13, 36, 20));
        assert_eq!(utc(951_782_400), (2000, 2, 29, 0, 0, 0));
    }
}
