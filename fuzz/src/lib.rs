//! The entry points the fuzz targets and tests/fuzz_corpus.rs share: each takes arbitrary bytes
//! and hands them to rsible's library the way rsible itself does (inventories and playbooks as
//! files on disk, a template text rendered with fixed variables). An error is a fine answer;
//! a panic, a hang or unbounded memory is a finding. Knows nothing of libFuzzer.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use rsible::inventory::{Inventory, LoadOptions};
use rsible::template::{Scope, Templar, TemplateOptions, Vars};

/// Loads `data` as an INI inventory file (`hosts.ini`), then lists and selects its hosts.
pub fn inventory_ini(data: &[u8]) {
    load_inventory(data, "hosts.ini");
}

/// Loads `data` as a YAML inventory file (`hosts.yml`), then lists and selects its hosts.
pub fn inventory_yaml(data: &[u8]) {
    load_inventory(data, "hosts.yml");
}

/// Loads `data` as a playbook file (`site.yml`), then lists its plays and tasks as
/// `--list-tasks --list-tags` would.
pub fn playbook(data: &[u8]) {
    let path = scratch_file("site.yml", data);
    if let Ok(book) = rsible::playbook::load(&path) {
        for play in &book.plays {
            let _ = rsible::playbook::list::play_section(play, true, true);
        }
    }
    let _ = std::fs::remove_file(&path);
}

/// Renders `data` as a template file (the `template` module's path) and as a task argument
/// string, both with [`fixed_vars`]. Texts that call `lookup`/`query`/`q` are skipped: those
/// read files and run commands on this machine, which a fuzzer must not do.
pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if calls_lookups(text) {
        return;
    }
    // A fresh templar per input: its cache of compiled templates grows with every distinct
    // text, which over millions of inputs would look like a leak.
    let templar = Templar::new();
    let scope = Scope::new(fixed_vars());
    let _ = templar.render_template("fuzz.j2", text, &scope, &TemplateOptions::default());
    let _ = templar.render_str(text, &scope);
}

/// Whether `text` names a lookup function (as a whole word).
pub fn calls_lookups(text: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| matches!(w, "lookup" | "query" | "q"))
}

/// The variables every fuzzed template sees: scalars, lists, nested maps, a variable that is
/// itself a template and two that refer to each other (a loop rsible must report).
pub fn fixed_vars() -> Vars {
    let json = serde_json::json!({
        "name": "web01",
        "port": 8080,
        "enabled": true,
        "ratio": 0.5,
        "nothing": null,
        "letters": ["a", "b", "c"],
        "users": [
            {"name": "alice", "uid": 1000, "groups": ["wheel", "ops"]},
            {"name": "bob", "uid": 1001, "groups": []}
        ],
        "nested": {"a": {"b": {"c": "deep"}}},
        "greeting": "hello {{ name }}",
        "loop_a": "{{ loop_b }}",
        "loop_b": "{{ loop_a }}",
        "hostile": "it's \"q\" $(id) `id` ; && * ~ \n -n é"
    });
    match json {
        serde_json::Value::Object(m) => m.into_iter().collect(),
        _ => Vars::new(),
    }
}

fn load_inventory(data: &[u8], name: &str) {
    let path = scratch_file(name, data);
    if let Ok(inv) = Inventory::load(std::slice::from_ref(&path), &LoadOptions::default()) {
        let _ = inv.select("all:!ungrouped");
        let _ = inv.to_list_json();
        let _ = inv.graph(None);
    }
    let _ = std::fs::remove_file(&path);
}

thread_local! {
    static SCRATCH: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Writes `data` to `name` in this thread's own empty directory (so that tests replaying the
/// corpus in parallel do not share files) and returns its path.
fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let dir = SCRATCH.with(|s| {
        s.borrow_mut()
            .get_or_insert_with(|| {
                let id = format!("{:?}", std::thread::current().id());
                let digits: String = id.chars().filter(char::is_ascii_digit).collect();
                let dir = std::env::temp_dir()
                    .join(format!("rsible-fuzz-{}-{digits}", std::process::id()));
                std::fs::create_dir_all(&dir).expect("create the scratch directory");
                dir
            })
            .clone()
    });
    let path = Path::new(&dir).join(name);
    std::fs::write(&path, data).expect("write the scratch file");
    path
}
