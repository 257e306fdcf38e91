//! Checks on accessory lists, and what a return leaves outstanding.

use std::collections::{HashMap, HashSet};

use super::models::Items;
use crate::http::{FieldError, Problems};
use crate::ids::AccessoryKindId;

pub fn check_name(problems: &mut Problems, name: &str) {
    problems.length("name", name, 1, 100);
}

/// A list handed over or given back: each kind once, 1 to 20 of it (0 to 20 given back), at most
/// 20 kinds; `active` says which kinds may be issued.
pub fn check_items(field: &str, items: &[Items], returning: bool) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.check(items.len() <= 20, field, "at most 20 kinds");
    let low = i32::from(!returning);
    for (i, item) in items.iter().enumerate() {
        problems.check(
            (low..=20).contains(&item.quantity),
            &format!("{field}[{i}].quantity"),
            if returning { "must be from 0 to 20" } else { "must be from 1 to 20" },
        );
    }
    let kinds: HashSet<AccessoryKindId> = items.iter().map(|i| i.kind_id).collect();
    problems.check(kinds.len() == items.len(), field, "names a kind twice");
    problems.into_errors()
}

/// How many of each kind came back: what the return lists (capped at what went out; a kind not
/// listed came back none), or, when the return says nothing, all of it.
pub fn returned(issued: &[(AccessoryKindId, i32)], given_back: Option<&[Items]>) -> Vec<(AccessoryKindId, i32)> {
    let listed: Option<HashMap<AccessoryKindId, i32>> =
        given_back.map(|items| items.iter().map(|i| (i.kind_id, i.quantity)).collect());
    issued
        .iter()
        .map(|(kind, quantity)| {
            let back = match &listed {
                None => *quantity,
                Some(listed) => listed.get(kind).copied().unwrap_or(0).min(*quantity),
            };
            (*kind, back)
        })
        .collect()
}

/// Kinds a return lists that never went out with the loan.
pub fn not_issued(issued: &[(AccessoryKindId, i32)], given_back: &[Items]) -> Vec<usize> {
    let out: HashSet<AccessoryKindId> = issued.iter().map(|(k, _)| *k).collect();
    given_back.iter().enumerate().filter(|(_, i)| !out.contains(&i.kind_id)).map(|(n, _)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(list: &[(AccessoryKindId, i32)]) -> Vec<Items> {
        list.iter().map(|(kind_id, quantity)| Items { kind_id: *kind_id, quantity: *quantity }).collect()
    }

    #[test]
    fn lists_name_each_kind_once_in_sensible_numbers() {
        let (charger, bag) = (AccessoryKindId::new(), AccessoryKindId::new());
        assert!(check_items("accessories", &items(&[(charger, 1), (bag, 2)]), false).is_ok());
        assert!(check_items("accessories", &items(&[(charger, 0)]), false).is_err());
        assert!(check_items("accessories_returned", &items(&[(charger, 0)]), true).is_ok());
        assert!(check_items("accessories", &items(&[(charger, 1), (charger, 1)]), false).is_err());
        assert!(check_items("accessories", &items(&[(charger, 21)]), false).is_err());
    }

    #[test]
    fn a_return_says_what_came_back_or_else_everything_did() {
        let (charger, bag, mouse) = (AccessoryKindId::new(), AccessoryKindId::new(), AccessoryKindId::new());
        let issued = [(charger, 1), (bag, 1)];
        assert_eq!(returned(&issued, None), [(charger, 1), (bag, 1)]);
        assert_eq!(returned(&issued, Some(&items(&[(charger, 3)]))), [(charger, 1), (bag, 0)]);
        assert_eq!(not_issued(&issued, &items(&[(mouse, 1), (bag, 1)])), [0]);
    }
}
