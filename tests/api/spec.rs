//! openapi.yaml and the service agree: every registered route is documented and every documented
//! route is registered.

use std::collections::BTreeSet;

#[test]
fn every_route_is_in_the_spec_and_every_spec_path_is_a_route() {
    let spec: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(tech4all::health::OPENAPI_YAML).expect("openapi.yaml parses");
    assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths").iter() {
        let path = path.as_str().expect("path key");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    let registered: BTreeSet<(String, String)> = tech4all::route_table().list().into_iter().collect();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(undocumented.is_empty(), "routes missing from openapi.yaml: {undocumented:?}");
    assert!(unregistered.is_empty(), "openapi.yaml paths the service does not serve: {unregistered:?}");
}
