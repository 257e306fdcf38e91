//! The REST-client collection hub staff use (`examples/bruno/`) is checked against the contract:
//! every request names an operation openapi.yaml describes, sends only fields its schema knows and
//! every field it requires, and checks its answer. CI also runs the collection against a live
//! service (`.ci/clients`).

use std::path::PathBuf;

use serde_yaml_ng::Value;

struct Request {
    file: String,
    method: String,
    path: String,
    body: Option<serde_json::Value>,
    has_tests: bool,
}

fn block<'a>(text: &'a str, opening: &str) -> Option<&'a str> {
    let start = text.find(&format!("\n{opening} {{\n")).map(|i| i + opening.len() + 4)?;
    let end = text[start..].find("\n}\n").map(|i| start + i)?;
    Some(&text[start..end])
}

fn parse(file: PathBuf) -> Request {
    let text = format!("\n{}", std::fs::read_to_string(&file).expect("reads .bru"));
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (method, section) = ["get", "post", "put", "patch", "delete"]
        .iter()
        .find_map(|m| block(&text, m).map(|b| (m.to_uppercase(), b)))
        .unwrap_or_else(|| panic!("{name}: no request block"));
    let url = section.lines().find_map(|l| l.trim().strip_prefix("url: ")).unwrap_or_else(|| panic!("{name}: no url"));
    let path = url.trim_start_matches("{{baseUrl}}").split('?').next().unwrap_or_default().to_owned();
    let body = block(&text, "body:json").map(|b| {
        // Variables sit inside JSON strings, so the body parses as it is.
        serde_json::from_str(b).unwrap_or_else(|e| panic!("{name}: body is not JSON: {e}"))
    });
    Request { file: name, method, path, body, has_tests: block(&text, "tests").is_some() }
}

/// The spec path a request path stands for: `{{loanId}}` segments match `{id}` ones.
fn operation<'a>(spec: &'a Value, r: &Request) -> (&'a str, &'a Value) {
    let segments: Vec<&str> = r.path.split('/').collect();
    spec["paths"]
        .as_mapping()
        .expect("paths")
        .iter()
        .find_map(|(path, item)| {
            let path = path.as_str()?;
            let theirs: Vec<&str> = path.split('/').collect();
            let same = theirs.len() == segments.len()
                && theirs.iter().zip(&segments).all(|(t, o)| t == o || (t.starts_with('{') && o.starts_with("{{")));
            let op = item.get(r.method.to_lowercase())?;
            same.then_some((path, op))
        })
        .unwrap_or_else(|| panic!("{}: {} {} is not in openapi.yaml", r.file, r.method, r.path))
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn check_fields(spec: &Value, schema: &Value, body: &serde_json::Value, file: &str) {
    let schema = resolve(spec, schema);
    match body {
        serde_json::Value::Array(items) => {
            for item in items {
                check_fields(spec, &schema["items"], item, file);
            }
        }
        serde_json::Value::Object(fields) => {
            let known = schema["properties"].as_mapping().expect("the body schema lists its properties");
            for key in fields.keys() {
                assert!(known.contains_key(key.as_str()), "{file}: `{key}` is not a field of the request schema");
            }
            for required in schema["required"].as_sequence().into_iter().flatten() {
                let required = required.as_str().expect("name");
                assert!(fields.contains_key(required), "{file}: required `{required}` is missing");
            }
        }
        other => panic!("{file}: unexpected body {other}"),
    }
}

#[test]
fn the_hub_staff_collection_matches_the_contract_and_covers_the_daily_tasks() {
    let spec: Value = serde_yaml_ng::from_str(tech4all::health::OPENAPI_YAML).expect("spec parses");
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/bruno");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("collection folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bru"))
        .collect();
    files.sort();
    let mut covered = Vec::new();
    for request in files.into_iter().map(parse) {
        let (path, op) = operation(&spec, &request);
        assert!(request.has_tests, "{}: checks nothing about its answer", request.file);
        match (&request.body, op.get("requestBody")) {
            (Some(body), Some(rb)) => {
                check_fields(&spec, &rb["content"]["application/json"]["schema"], body, &request.file)
            }
            (Some(_), None) => panic!("{}: sends a body the operation does not take", request.file),
            (None, Some(rb)) if rb["required"].as_bool() == Some(true) => {
                panic!("{}: the operation needs a body", request.file)
            }
            _ => {}
        }
        covered.push(format!("{} {path}", request.method));
    }
    for task in [
        "POST /api/v1/auth/login",
        "POST /api/v1/donations",
        "POST /api/v1/donations/{id}/devices",
        "POST /api/v1/loans",
        "POST /api/v1/loans/{id}/return",
        "POST /api/v1/sales",
        "POST /api/v1/sim-allocations",
    ] {
        assert!(covered.iter().any(|c| c == task), "the collection has no request for {task}: {covered:?}");
    }
}
