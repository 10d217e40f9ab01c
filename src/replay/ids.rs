//! Root positions recovered from the SDKs' operation ids (docs/formats.md
//! §1), for a history that does not start at the execution's start (a later
//! page on its own), where counting the operations it holds would restart
//! positions at 1.

use crate::model::{Operation, Sdk};
use std::collections::HashMap;

/// The service's documented maximum of operations per execution
/// (docs/formats.md §8): no counter goes higher.
const MAX_COUNTER: u32 = 3_000;

/// The id the SDK gives the root operation with counter `n`.
fn root_id(sdk: Sdk, n: u32) -> Option<String> {
    sdk.op_id(&n.to_string())
}

/// Positions of the root operations `roots` (indices into `ops`, in
/// checkpoint order) from their ids, when the first one is not the SDK's
/// first root operation: the history starts after the execution's start.
/// `None` when it does start there (or the ids are not an SDK's): counting
/// is right. Ids that invert to no counter keep no entry.
pub(super) fn root_positions(
    sdk: Sdk,
    ops: &[Operation],
    roots: &[usize],
) -> Option<HashMap<usize, u32>> {
    let first = *roots.first()?;
    if root_id(sdk, 1)? == ops[first].id {
        return None;
    }
    let mut wanted: HashMap<&str, usize> = roots.iter().map(|&i| (ops[i].id.as_str(), i)).collect();
    let mut found = HashMap::with_capacity(roots.len());
    for n in 1..=MAX_COUNTER {
        if wanted.is_empty() {
            break;
        }
        if let Some(i) = root_id(sdk, n).and_then(|id| wanted.remove(id.as_str())) {
            found.insert(i, n);
        }
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_ids_are_the_sdks_hashes_of_the_counter() {
        // docs/formats.md §1 and the fixtures: the JS SDK's first root id is
        // md5("1")'s first 16 hex, the Python SDK's blake2b("1")'s first 64.
        assert_eq!(root_id(Sdk::Js, 1).unwrap(), "c4ca4238a0b92382");
        assert_eq!(
            root_id(Sdk::Python, 1).unwrap(),
            "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97"
        );
    }
}
