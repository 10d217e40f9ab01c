//! A structural diff of two decoded JSON values: the list of leaf changes,
//! each at a JSON pointer, so a UI can show "/payment/status: 'ok' → 'failed'".

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct JsonChange {
    /// RFC 6901 pointer (`""` is the whole value).
    pub pointer: String,
    /// `None` when the key or index is absent on that side.
    pub left: Option<Value>,
    pub right: Option<Value>,
}

/// Changes from `left` to `right`; empty when equal. Objects are compared by
/// key (order ignored), arrays by index.
pub fn json_diff(left: &Value, right: &Value) -> Vec<JsonChange> {
    let mut out = Vec::new();
    walk(left, right, &mut String::new(), &mut out);
    out
}

fn walk(l: &Value, r: &Value, ptr: &mut String, out: &mut Vec<JsonChange>) {
    match (l, r) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, av) in a {
                let len = ptr.len();
                push_token(ptr, k);
                match b.get(k) {
                    Some(bv) => walk(av, bv, ptr, out),
                    None => out.push(change(ptr, Some(av), None)),
                }
                ptr.truncate(len);
            }
            for (k, bv) in b {
                if !a.contains_key(k) {
                    let len = ptr.len();
                    push_token(ptr, k);
                    out.push(change(ptr, None, Some(bv)));
                    ptr.truncate(len);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let len = ptr.len();
                push_token(ptr, &i.to_string());
                match (a.get(i), b.get(i)) {
                    (Some(av), Some(bv)) => walk(av, bv, ptr, out),
                    (av, bv) => out.push(change(ptr, av, bv)),
                }
                ptr.truncate(len);
            }
        }
        _ if l == r => {}
        _ => out.push(change(ptr, Some(l), Some(r))),
    }
}

fn push_token(ptr: &mut String, key: &str) {
    ptr.push('/');
    ptr.push_str(&key.replace('~', "~0").replace('/', "~1"));
}

fn change(ptr: &str, l: Option<&Value>, r: Option<&Value>) -> JsonChange {
    JsonChange {
        pointer: ptr.to_string(),
        left: l.cloned(),
        right: r.cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaf_changes_are_listed_by_pointer() {
        let d = json_diff(
            &json!({"a": 1, "b": {"c": [1, 2]}, "gone": true}),
            &json!({"a": 1, "b": {"c": [1, 3, 4]}, "new/key": null}),
        );
        let ptrs: Vec<&str> = d.iter().map(|c| c.pointer.as_str()).collect();
        assert_eq!(ptrs, ["/b/c/1", "/b/c/2", "/gone", "/new~1key"]);
        assert_eq!(d[0].left, Some(json!(2)));
        assert_eq!(d[0].right, Some(json!(3)));
        assert_eq!(d[1].left, None);
    }

    #[test]
    fn equal_values_have_no_changes() {
        assert!(json_diff(&json!({"x": [1, {"y": 2}]}), &json!({"x": [1, {"y": 2}]})).is_empty());
    }
}
