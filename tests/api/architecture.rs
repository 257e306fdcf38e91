//! The shape of the code, checked from its source so that it stays true (docs/architecture.md):
//! every module sits in a layer and imports nothing from a layer above it; the modules import each
//! other without a circle; every resource slice has the same five parts; handlers hold no query
//! and rules no database; handlers stay short, apart from the few named below with their reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. Within the shared core the order is strict too: `config` knows
/// nothing, the value modules know only `config`, `db` knows those, `http` knows `db`, and `auth`
/// knows `http`. Modules in one layer above the core may use each other, without a circle.
const LAYERS: &[(&str, u8, &[&str])] = &[
    ("config", 0, &["config"]),
    ("values", 1, &["ids", "calendar", "contact"]),
    ("db", 2, &["db"]),
    ("http", 3, &["http"]),
    ("auth", 4, &["auth"]),
    ("inventory", 10, &["wards", "hubs", "organisations", "donations", "devices"]),
    (
        "work",
        20,
        &[
            "users",
            "residents",
            "loan_rules",
            "sales_sessions",
            "holds",
            "refurbishment",
            "sales",
            "loans",
            "sims",
            "resets",
            "stocktakes",
            "accessories",
            "agreements",
            "notices",
            "webhooks",
        ],
    ),
    ("read", 30, &["impact", "reports"]),
    ("platform", 35, &["schemes"]),
    ("application", 40, &["handover", "demo", "cli", "bootstrap", "docs", "health", "lib", "main", "worker"]),
];

/// Resource slices: each has exactly these parts (a file, or a folder with `mod.rs`).
const SLICE_PARTS: &[&str] = &["mod", "handlers", "rules", "repo", "models"];

/// Handler functions allowed over 40 lines, and why.
const LONG_HANDLERS: &[(&str, &str, &str)] = &[];

/// Longest a handler function may be without a reason on record.
const HANDLER_LINES: usize = 40;

/// What writing a query looks like; none of it may appear in a handler.
const QUERY_MARKS: &[&str] = &[
    "diesel::prelude",
    "diesel::dsl",
    "diesel::insert_into",
    "diesel::update(",
    "diesel::delete(",
    "diesel::select(",
    "sql_query",
    "db::schema",
    "RunQueryDsl",
    "QueryDsl",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reads src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/devices/repo/mod.rs` → `devices`.
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).expect("under src");
    let first = relative.components().next().expect("a component").as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The file's code without its unit tests (tests may reach anything to set up their case) and
/// without comments (a comment may name any module it explains itself by).
fn code_of(text: &str) -> String {
    let code = text.find("#[cfg(test)]").map_or(text, |i| &text[..i]);
    code.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The crate modules a piece of code names: `crate::devices::…` → `devices`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        // `crate::text_enum!` and the like are macros of the core, not modules.
        if !name.is_empty() && !rest[name.len()..].starts_with('!') {
            found.insert(name);
        }
    }
    found
}

fn layer_of(module: &str) -> Option<(&'static str, u8)> {
    LAYERS.iter().find(|(_, _, members)| members.contains(&module)).map(|(name, rank, _)| (*name, *rank))
}

struct Source {
    path: PathBuf,
    module: String,
    code: String,
}

fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("reads a source file");
            Source { module: module_of(&path), code: code_of(&text), path }
        })
        .collect()
}

fn shown(path: &Path) -> String {
    path.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_or(path).display().to_string()
}

fn is_handler_file(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text.ends_with("/handlers.rs") || text.contains("/handlers/")
}

fn is_rules_file(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text.ends_with("/rules.rs") || text.contains("/rules/")
}

#[test]
fn every_module_is_in_a_layer_and_imports_nothing_above_it() {
    let mut problems = Vec::new();
    for source in sources() {
        let Some((layer, rank)) = layer_of(&source.module) else {
            problems.push(format!(
                "{}: module `{}` is in no layer (add it to LAYERS)",
                shown(&source.path),
                source.module
            ));
            continue;
        };
        for used in imports(&source.code) {
            if used == source.module {
                continue;
            }
            match layer_of(&used) {
                None => problems.push(format!("{}: imports `{used}`, which is in no layer", shown(&source.path))),
                Some((above, higher)) if higher > rank => problems.push(format!(
                    "{}: `{}` ({layer}) imports `{used}` ({above}), a layer above it",
                    shown(&source.path),
                    source.module
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "upward imports:\n{}", problems.join("\n"));
}

#[test]
fn modules_import_each_other_without_a_circle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources() {
        let edges = graph.entry(source.module.clone()).or_default();
        edges.extend(imports(&source.code).into_iter().filter(|m| *m != source.module && layer_of(m).is_some()));
    }
    // Depth-first search; a module met again while still on the path closes a circle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(circle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("modules import each other in a circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn every_resource_slice_has_the_same_five_parts_and_no_others() {
    let mut problems = Vec::new();
    for (layer, _, members) in LAYERS.iter().filter(|(_, rank, _)| (10..40).contains(rank)) {
        for slice in *members {
            let dir = src().join(slice);
            let mut parts = BTreeSet::new();
            for entry in
                std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("{layer} slice {slice} is a folder")).flatten()
            {
                let name = entry.file_name().to_string_lossy().trim_end_matches(".rs").to_owned();
                if entry.path().is_dir() && !entry.path().join("mod.rs").exists() {
                    problems.push(format!("src/{slice}/{name}/ has no mod.rs"));
                }
                parts.insert(name);
            }
            let expected: BTreeSet<String> = SLICE_PARTS.iter().map(|p| (*p).to_owned()).collect();
            for missing in expected.difference(&parts) {
                problems.push(format!("src/{slice} has no {missing}"));
            }
            for extra in parts.difference(&expected) {
                problems.push(format!("src/{slice}/{extra} is not one of {SLICE_PARTS:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "slices out of shape:\n{}", problems.join("\n"));
}

#[test]
fn handlers_hold_no_query_and_rules_no_database() {
    let mut problems = Vec::new();
    for source in sources() {
        if is_handler_file(&source.path) {
            for mark in QUERY_MARKS.iter().filter(|m| source.code.contains(**m)) {
                problems.push(format!("{}: a handler writes a query (`{mark}`)", shown(&source.path)));
            }
        }
        if is_rules_file(&source.path) && (source.code.contains("diesel") || source.code.contains("PgConnection")) {
            problems.push(format!("{}: rules must be plain functions, without the database", shown(&source.path)));
        }
    }
    assert!(problems.is_empty(), "queries out of place:\n{}", problems.join("\n"));
}

/// Each function in a handler file with its length in lines, from `fn` to its closing brace.
fn functions(code: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let is_fn = trimmed.starts_with("pub async fn ")
            || trimmed.starts_with("async fn ")
            || trimmed.starts_with("pub fn ")
            || trimmed.starts_with("fn ")
            || trimmed.starts_with("pub(crate) fn ");
        if is_fn && line.len() == trimmed.len() {
            let name: String = trimmed
                .split("fn ")
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let end = (i..lines.len()).find(|j| lines[*j] == "}").unwrap_or(lines.len() - 1);
            out.push((name, end - i + 1));
            i = end;
        }
        i += 1;
    }
    out
}

#[test]
fn handlers_are_short_unless_a_reason_is_on_record() {
    let mut problems = Vec::new();
    for source in sources().iter().filter(|s| is_handler_file(&s.path)) {
        let file = shown(&source.path);
        for (name, lines) in functions(&source.code) {
            let excused = LONG_HANDLERS.iter().any(|(f, n, _)| file.ends_with(f) && *n == name);
            if lines > HANDLER_LINES && !excused {
                problems.push(format!("{file}: `{name}` is {lines} lines"));
            }
        }
    }
    assert!(problems.is_empty(), "handlers over {HANDLER_LINES} lines:\n{}", problems.join("\n"));
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert_eq!(module_of(&src().join("devices/repo/mod.rs")), "devices");
    assert_eq!(module_of(&src().join("lib.rs")), "lib");
    let code = "use crate::devices::models::X;\ncrate::text_enum! { }\nlet a = crate::http::run_blocking;";
    assert_eq!(imports(code), BTreeSet::from(["devices".to_owned(), "http".to_owned()]));
    let code = "pub fn a() {\n    x;\n}\n\nasync fn b() {\n}\n";
    assert_eq!(functions(code), [("a".to_owned(), 3), ("b".to_owned(), 2)]);
    assert_eq!(code_of("use crate::a; // see crate::b\n/// crate::c\n#[cfg(test)]\nuse crate::d;"), "use crate::a; \n");
}
