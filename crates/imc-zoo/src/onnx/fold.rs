//! Constant folding: NumPy broadcasting of shapes, and element-wise arithmetic, comparison and
//! selection on small known tensors (<https://onnx.ai/onnx/repo-docs/Broadcasting.html>), as the
//! shape arithmetic of exported graphs needs (`ConstantOfShape -> Mul -> Equal -> Where ->
//! Expand` in torch's ViT export).

use super::proto::Data;
use super::tensor::{MAX_FOLD, T, count};

/// NumPy broadcasting of shapes.
pub fn broadcast(shapes: &[&[u64]]) -> Result<Vec<u64>, String> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1u64; rank];
    for s in shapes {
        let off = rank - s.len();
        for (i, &d) in s.iter().enumerate() {
            let o = &mut out[off + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                return Err(format!("shapes {shapes:?} do not broadcast"));
            }
        }
    }
    Ok(out)
}

/// Index into a broadcast input for a flat output index.
fn source_index(out: &[u64], input: &[u64], mut i: u64) -> usize {
    let off = out.len() - input.len();
    let (mut idx, mut stride) = (0u64, 1u64);
    for k in (0..out.len()).rev() {
        let coord = i % out[k];
        i /= out[k];
        if k >= off {
            let d = input[k - off];
            if d != 1 {
                idx += coord * stride;
            }
            stride *= d;
        }
    }
    idx as usize
}

/// The values as floats.
pub fn as_f64(d: &Data) -> Vec<f64> {
    match d {
        Data::Int(v) => v.iter().map(|&x| x as f64).collect(),
        Data::Float(v) => v.clone(),
    }
}

/// Element-wise folding of known inputs with broadcasting; `None` when a value is unknown, the
/// result is too large, or an element a shape points to is missing (values that do not fill
/// their shape are refused when read, so this is a guard, not a rule).
pub fn fold(op: &str, ins: &[&T], out: &[u64]) -> Option<Data> {
    let n = count(out);
    if n > MAX_FOLD {
        return None;
    }
    let vals: Vec<&Data> = ins
        .iter()
        .map(|t| t.value.as_ref())
        .collect::<Option<_>>()?;
    let all_int = vals.iter().all(|d| matches!(d, Data::Int(_)));
    let at = |k: usize, i: u64| -> usize { source_index(out, &ins[k].shape, i) };
    if op == "Where" {
        return fold_where(&vals, at, n);
    }
    if all_int && op != "Sqrt" && op != "Pow" {
        return fold_ints(op, &vals, at, n).map(Data::Int);
    }
    fold_floats(op, &vals, at, n)
}

/// `Where` on known values: input 1 where the condition (input 0) holds, else input 2;
/// integers when both branches are, floats otherwise; `None` unless there are three inputs.
/// `at(k, i)` is the element of input `k` that output element `i` reads.
fn fold_where(vals: &[&Data], at: impl Fn(usize, u64) -> usize, n: u64) -> Option<Data> {
    let [c, x, y] = vals else {
        return None;
    };
    let c = as_f64(c);
    let cond = |i: u64| c.get(at(0, i)).map(|&v| v != 0.0);
    match (x, y) {
        (Data::Int(a), Data::Int(b)) => select(a, b, n, cond, &at).map(Data::Int),
        _ => select(&as_f64(x), &as_f64(y), n, cond, &at).map(Data::Float),
    }
}

/// For each of the `n` output elements, `a`'s element where `cond` holds, else `b`'s (`a` and
/// `b` being inputs 1 and 2, `at` as in [`fold_where`]); `None` when an element is missing.
fn select<V: Copy>(
    a: &[V],
    b: &[V],
    n: u64,
    cond: impl Fn(u64) -> Option<bool>,
    at: impl Fn(usize, u64) -> usize,
) -> Option<Vec<V>> {
    (0..n)
        .map(|i| {
            if cond(i)? {
                a.get(at(1, i))
            } else {
                b.get(at(2, i))
            }
            .copied()
        })
        .collect()
}

/// `op` on integer values (wrapping, as the integer types of ONNX; `None` for a division by
/// zero, an operator without an integer rule or a missing element). `at` as in
/// [`fold_where`].
fn fold_ints(
    op: &str,
    vals: &[&Data],
    at: impl Fn(usize, u64) -> usize,
    n: u64,
) -> Option<Vec<i64>> {
    let v: Vec<Vec<i64>> = vals
        .iter()
        .map(|d| match d {
            Data::Int(x) => x.clone(),
            Data::Float(_) => Vec::new(),
        })
        .collect();
    let a = |i| v.first()?.get(at(0, i)).copied();
    let b = |i| v.get(1).map_or(Some(0), |x| x.get(at(1, i)).copied());
    (0..n)
        .map(|i| {
            let (a, b) = (a(i)?, b(i)?);
            Some(match op {
                "Add" => a.wrapping_add(b),
                "Sub" => a.wrapping_sub(b),
                "Mul" => a.wrapping_mul(b),
                "Div" => a.checked_div(b)?,
                "Mod" => a.checked_rem(b).map(|r| {
                    if r != 0 && (r < 0) != (b < 0) {
                        r + b
                    } else {
                        r
                    }
                })?,
                "Min" => a.min(b),
                "Max" => a.max(b),
                // Neg and Abs are in SAME_SHAPE, whose rule never folds: unused by the importer.
                "Neg" => a.wrapping_neg(),
                "Abs" => a.wrapping_abs(),
                "Equal" => i64::from(a == b),
                "Less" => i64::from(a < b),
                "Greater" => i64::from(a > b),
                "Not" => i64::from(a == 0),
                "And" => i64::from(a != 0 && b != 0),
                "Or" => i64::from(a != 0 || b != 0),
                _ => return None,
            })
        })
        .collect()
}

/// `op` on values as floats (`None` for an operator without a float rule or a missing
/// element); comparisons give integers. `at` as in [`fold_where`].
fn fold_floats(op: &str, vals: &[&Data], at: impl Fn(usize, u64) -> usize, n: u64) -> Option<Data> {
    let v: Vec<Vec<f64>> = vals.iter().map(|d| as_f64(d)).collect();
    let a = |i| v.first()?.get(at(0, i)).copied();
    let b = |i| v.get(1).map_or(Some(0.0), |x| x.get(at(1, i)).copied());
    let r: Option<Vec<f64>> = (0..n)
        .map(|i| {
            let (a, b) = (a(i)?, b(i)?);
            Some(match op {
                "Add" => a + b,
                "Sub" => a - b,
                "Mul" => a * b,
                "Div" => a / b,
                "Pow" => a.powf(b),
                "Min" => a.min(b),
                "Max" => a.max(b),
                "Sqrt" => a.sqrt(),
                // Neg and Abs are in SAME_SHAPE, whose rule never folds: unused by the importer.
                "Neg" => -a,
                "Abs" => a.abs(),
                "Equal" => f64::from(u8::from(a == b)),
                "Less" => f64::from(u8::from(a < b)),
                "Greater" => f64::from(u8::from(a > b)),
                _ => return None,
            })
        })
        .collect();
    let r = r?;
    Some(if matches!(op, "Equal" | "Less" | "Greater") {
        Data::Int(r.iter().map(|&x| x as i64).collect())
    } else {
        Data::Float(r)
    })
}

/// `t`'s values broadcast to `shape` (`Expand`), when known and small (and every element the
/// shape points to is there).
pub fn expand(t: &T, shape: &[u64]) -> Option<Data> {
    let n = count(shape);
    if n > MAX_FOLD {
        return None;
    }
    let idx = |i| source_index(shape, &t.shape, i);
    match t.value.as_ref()? {
        Data::Int(v) => (0..n)
            .map(|i| v.get(idx(i)).copied())
            .collect::<Option<_>>()
            .map(Data::Int),
        Data::Float(v) => (0..n)
            .map(|i| v.get(idx(i)).copied())
            .collect::<Option<_>>()
            .map(Data::Float),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(
            broadcast(&[&[1, 197, 768], &[768]]).unwrap(),
            vec![1, 197, 768]
        );
        assert_eq!(
            broadcast(&[&[1, 24, 28, 28], &[1, 24, 1, 1]]).unwrap(),
            vec![1, 24, 28, 28]
        );
        assert!(broadcast(&[&[3], &[4]]).is_err());
    }

    #[test]
    fn folding_broadcasts() {
        let t = |s: Vec<u64>, v: Vec<i64>| T {
            shape: s,
            data: false,
            value: Some(Data::Int(v)),
        };
        let (a, b) = (t(vec![3], vec![1, -1, -1]), t(vec![], vec![-1]));
        assert_eq!(
            fold("Equal", &[&a, &b], &[3]),
            Some(Data::Int(vec![0, 1, 1]))
        );
        assert_eq!(
            fold("Mod", &[&t(vec![1], vec![-3]), &t(vec![1], vec![2])], &[1]),
            Some(Data::Int(vec![1]))
        );
    }

    #[test]
    fn folding_where_and_floats() {
        let t = |s: Vec<u64>, v: Data| T {
            shape: s,
            data: false,
            value: Some(v),
        };
        let cond = t(vec![3], Data::Int(vec![1, 0, 1]));
        let a = t(vec![3], Data::Int(vec![10, 20, 30]));
        let (b, f) = (
            t(vec![], Data::Int(vec![0])),
            t(vec![], Data::Float(vec![0.5])),
        );
        assert_eq!(
            fold("Where", &[&cond, &a, &b], &[3]),
            Some(Data::Int(vec![10, 0, 30]))
        );
        assert_eq!(
            fold("Where", &[&cond, &a, &f], &[3]),
            Some(Data::Float(vec![10.0, 0.5, 30.0]))
        );
        assert_eq!(
            fold("Less", &[&a, &f], &[3]),
            Some(Data::Int(vec![0, 0, 0]))
        );
        assert_eq!(
            fold("Sqrt", &[&t(vec![1], Data::Int(vec![9]))], &[1]),
            Some(Data::Float(vec![3.0]))
        );
        assert_eq!(fold("Div", &[&a, &b], &[3]), None);
        assert_eq!(fold("Erf", &[&a], &[3]), None);
    }

    #[test]
    fn missing_inputs_or_elements_fold_to_nothing() {
        let t = |s: Vec<u64>, v: Vec<i64>| T {
            shape: s,
            data: false,
            value: Some(Data::Int(v)),
        };
        let (cond, a) = (t(vec![2], vec![1, 0]), t(vec![2], vec![3, 4]));
        assert_eq!(fold("Where", &[&cond, &a], &[2]), None);
        let short = t(vec![3], vec![5]);
        assert_eq!(fold("Add", &[&short, &short], &[3]), None);
        assert_eq!(fold("Sqrt", &[&short], &[3]), None);
        assert_eq!(fold("Where", &[&short, &short, &short], &[3]), None);
        assert_eq!(expand(&short, &[2, 3]), None);
        assert_eq!(
            expand(&t(vec![1], vec![5]), &[3]),
            Some(Data::Int(vec![5, 5, 5]))
        );
    }
}
