//! Shape inference and constant folding, one ONNX operator at a time
//! (<https://onnx.ai/onnx/operators/>, opsets 7 to 23).
//!
//! Every tensor gets a concrete shape (symbolic dimensions are set before this runs), whether
//! it depends on the network's data input, and, when it does not and is small, its values. The
//! values are what lets shape arithmetic fold: `Shape -> Gather -> Unsqueeze -> Concat ->
//! Reshape` chains, `ConstantOfShape`/`Where`/`Expand`, `Slice` bounds. Weight values are never
//! needed: a parameter is a shape without values.

use super::fold::{as_f64, broadcast, expand, fold};
use super::proto::{Data, Node, Value};
use super::spatial;
use super::tensor::{Attrs, MAX_DIM, MAX_FOLD, T, axis, check_shape, count, dims};

/// Operators whose output has the shape of their first input.
pub const SAME_SHAPE: [&str; 22] = [
    "Identity",
    "Relu",
    "Sigmoid",
    "HardSigmoid",
    "HardSwish",
    "Erf",
    "Clip",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "BatchNormalization",
    "LayerNormalization",
    "InstanceNormalization",
    "Tanh",
    "LeakyRelu",
    "Gelu",
    "Exp",
    "Log",
    "Cast",
    "Neg",
    "Abs",
    "Reciprocal",
];

/// Element-wise operators with broadcasting.
pub const ELEMENTWISE: [&str; 15] = [
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Min", "Max", "Equal", "Less", "Greater", "And",
    "Or", "Where", "Sqrt",
];

/// Whether the importer can infer the shape of this operator (on any input).
pub fn knows(op: &str) -> bool {
    SAME_SHAPE.contains(&op)
        || ELEMENTWISE.contains(&op)
        || matches!(
            op,
            "Constant"
                | "ReduceMean"
                | "ConstantOfShape"
                | "Shape"
                | "Size"
                | "Reshape"
                | "Flatten"
                | "Transpose"
                | "Squeeze"
                | "Unsqueeze"
                | "Concat"
                | "Split"
                | "Slice"
                | "Gather"
                | "Expand"
                | "Pad"
                | "Range"
                | "Not"
                | "Conv"
                | "Gemm"
                | "MatMul"
                | "MaxPool"
                | "AveragePool"
                | "GlobalAveragePool"
                | "GlobalMaxPool"
                | "Tile"
        )
}

fn input<'a>(ins: &[Option<&'a T>], k: usize, node: &Node) -> Result<&'a T, String> {
    ins.get(k)
        .copied()
        .flatten()
        .ok_or_else(|| format!("{} needs input {k}", node.op_type))
}

fn const_ints(
    ins: &[Option<&T>],
    k: usize,
    node: &Node,
    what: &str,
) -> Result<Option<Vec<i64>>, String> {
    match ins.get(k).copied().flatten() {
        None => Ok(None),
        Some(t) => t.ints().map(Some).ok_or_else(|| {
            format!(
                "{what} of {} is not a constant the importer can fold (it is computed from the data or from a large tensor)",
                node.op_type
            )
        }),
    }
}

/// Output shapes (and values when folding applies) of `node`, given its inputs (`None` for an
/// absent optional input) and the default domain's opset.
pub fn infer(node: &Node, ins: &[Option<&T>], opset: i64) -> Result<Vec<T>, String> {
    let a = Attrs(node);
    let op = node.op_type.as_str();
    let data = ins.iter().flatten().any(|t| t.data);
    let x = || input(ins, 0, node);
    let one = |shape: Vec<u64>, value: Option<Data>| -> Result<Vec<T>, String> {
        check_shape(&shape)?;
        let value = if data { None } else { value };
        Ok(vec![T { shape, data, value }])
    };
    match op {
        "Constant" => {
            let (shape, value) = match node.attrs.first().map(|(n, v)| (n.as_str(), v)) {
                Some((_, Value::Tensor(t))) => (dims(&t.dims)?, t.data.clone()),
                Some(("value_int", Value::Int(i))) => (vec![], Some(Data::Int(vec![*i]))),
                Some(("value_float", Value::Float(f))) => (vec![], Some(Data::Float(vec![*f]))),
                Some(("value_ints", Value::Ints(v))) => {
                    (vec![v.len() as u64], Some(Data::Int(v.clone())))
                }
                Some(("value_floats", Value::Floats(v))) => {
                    (vec![v.len() as u64], Some(Data::Float(v.clone())))
                }
                _ => return Err("Constant without a value attribute the importer reads".into()),
            };
            one(shape, value)
        }
        "Shape" | "Size" => {
            let s = &x()?.shape;
            let r = s.len() as i64;
            let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
            let (start, end) = (clamp(a.int("start", 0)), clamp(a.int("end", r)));
            let dims: Vec<i64> = s[start..end.max(start)].iter().map(|&d| d as i64).collect();
            let (shape, v) = if op == "Size" {
                (vec![], vec![s.iter().product::<u64>() as i64])
            } else {
                (vec![dims.len() as u64], dims)
            };
            Ok(vec![T {
                shape,
                data: false,
                value: Some(Data::Int(v)),
            }])
        }
        "ConstantOfShape" => {
            let shape = const_ints(ins, 0, node, "the shape")?.unwrap_or_default();
            let shape = dims(&shape)?;
            check_shape(&shape)?;
            let fill = match node.attr("value") {
                Some(Value::Tensor(t)) => t.data.clone().unwrap_or(Data::Float(vec![0.0])),
                _ => Data::Float(vec![0.0]),
            };
            let n = count(&shape);
            let value = (n <= MAX_FOLD).then(|| match fill {
                Data::Int(v) => Data::Int(vec![v.first().copied().unwrap_or(0); n as usize]),
                Data::Float(v) => Data::Float(vec![v.first().copied().unwrap_or(0.0); n as usize]),
            });
            Ok(vec![T {
                shape,
                data: false,
                value,
            }])
        }
        "Cast" => {
            let t = x()?;
            let to = a.int("to", 1);
            let value = t.value.as_ref().map(|v| match (to, v) {
                (1 | 10 | 11 | 16, v) => Data::Float(as_f64(v)),
                (_, Data::Float(f)) => Data::Int(f.iter().map(|&x| x as i64).collect()),
                (_, Data::Int(i)) => Data::Int(i.clone()),
            });
            one(t.shape.clone(), value)
        }
        _ if SAME_SHAPE.contains(&op) => {
            let t = x()?;
            let value = if op == "Identity" {
                t.value.clone()
            } else {
                None
            };
            let mut out = one(t.shape.clone(), value)?;
            // Optional extra outputs (Dropout's mask, LayerNormalization's statistics) are
            // not used by inference graphs; give them the same shape.
            while out.len() < node.outputs.len() {
                out.push(out[0].clone());
            }
            Ok(out)
        }
        _ if ELEMENTWISE.contains(&op) || op == "Not" => {
            let ts: Vec<&T> = ins.iter().flatten().copied().collect();
            if ts.is_empty() {
                return Err(format!("{op} without inputs"));
            }
            let shapes: Vec<&[u64]> = ts.iter().map(|t| t.shape.as_slice()).collect();
            let shape = broadcast(&shapes)?;
            let value = fold(op, &ts, &shape);
            one(shape, value)
        }
        "Reshape" => {
            let t = x()?;
            let target = match const_ints(ins, 1, node, "the target shape")? {
                Some(v) => v,
                None => a.ints("shape").ok_or("Reshape without a target shape")?,
            };
            let allowzero = a.int("allowzero", 0) != 0;
            let mut shape = Vec::with_capacity(target.len());
            let mut infer_at = None;
            for (i, &d) in target.iter().enumerate() {
                match d {
                    0 if !allowzero => shape.push(
                        *t.shape
                            .get(i)
                            .ok_or("Reshape copies a dimension the input does not have")?,
                    ),
                    -1 if infer_at.is_none() => {
                        infer_at = Some(i);
                        shape.push(1);
                    }
                    d if d >= 0 => shape.push(d as u64),
                    d => return Err(format!("Reshape target dimension {d}")),
                }
            }
            let n = t.numel();
            let known = count(&shape);
            if let Some(i) = infer_at {
                if known == 0 || n % known != 0 {
                    return Err(format!(
                        "Reshape of {:?} to {target:?}: the sizes do not divide",
                        t.shape
                    ));
                }
                shape[i] = n / known;
            } else if known != n {
                return Err(format!(
                    "Reshape of {:?} ({n} elements) to {target:?}",
                    t.shape
                ));
            }
            one(shape, t.value.clone())
        }
        "Flatten" => {
            let t = x()?;
            let r = t.shape.len();
            let k = if a.int("axis", 1) == r as i64 {
                r
            } else {
                axis(a.int("axis", 1), r)?
            };
            let shape = vec![t.shape[..k].iter().product(), t.shape[k..].iter().product()];
            one(shape, t.value.clone())
        }
        "Transpose" => {
            let t = x()?;
            let r = t.shape.len();
            let perm: Vec<i64> = a
                .ints("perm")
                .unwrap_or_else(|| (0..r as i64).rev().collect());
            if perm.len() != r {
                return Err(format!("Transpose perm {perm:?} for rank {r}"));
            }
            let mut seen = vec![false; r];
            let mut shape = Vec::with_capacity(r);
            for &p in &perm {
                let p = axis(p, r)?;
                if std::mem::replace(&mut seen[p], true) {
                    return Err(format!("Transpose perm {perm:?} repeats an axis"));
                }
                shape.push(t.shape[p]);
            }
            let value = if r <= 1 { t.value.clone() } else { None };
            one(shape, value)
        }
        "Squeeze" | "Unsqueeze" => {
            let t = x()?;
            let axes = match const_ints(ins, 1, node, "the axes")? {
                Some(v) => Some(v),
                None => a.ints("axes"),
            };
            let shape = if op == "Squeeze" {
                match axes {
                    None => t.shape.iter().copied().filter(|&d| d != 1).collect(),
                    Some(axes) => {
                        let axes: Vec<usize> = axes
                            .iter()
                            .map(|&k| axis(k, t.shape.len()))
                            .collect::<Result<_, _>>()?;
                        if let Some(&k) = axes.iter().find(|&&k| t.shape[k] != 1) {
                            return Err(format!("Squeeze of axis {k}, of size {}", t.shape[k]));
                        }
                        t.shape
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| !axes.contains(i))
                            .map(|(_, &d)| d)
                            .collect()
                    }
                }
            } else {
                let axes = axes.ok_or("Unsqueeze without axes")?;
                let r = t.shape.len() + axes.len();
                let axes: Vec<usize> =
                    axes.iter().map(|&k| axis(k, r)).collect::<Result<_, _>>()?;
                let mut rest = t.shape.iter();
                (0..r)
                    .map(|i| {
                        if axes.contains(&i) {
                            1
                        } else {
                            rest.next().copied().unwrap_or(1)
                        }
                    })
                    .collect()
            };
            one(shape, t.value.clone())
        }
        "Concat" => {
            let ts: Vec<&T> = ins.iter().flatten().copied().collect();
            let first = ts.first().ok_or("Concat without inputs")?;
            let r = first.shape.len();
            let k = axis(a.int("axis", 0), r)?;
            let mut shape = first.shape.clone();
            shape[k] = 0;
            for t in &ts {
                if t.shape.len() != r
                    || t.shape
                        .iter()
                        .enumerate()
                        .any(|(i, &d)| i != k && d != first.shape[i])
                {
                    return Err(format!(
                        "Concat of shapes that differ off axis {k}: {:?} and {:?}",
                        first.shape, t.shape
                    ));
                }
                shape[k] += t.shape[k];
            }
            let value = if r == 1 && ts.iter().all(|t| t.value.is_some()) {
                if ts.iter().all(|t| matches!(t.value, Some(Data::Int(_)))) {
                    Some(Data::Int(
                        ts.iter()
                            .flat_map(|t| t.ints().unwrap_or_default())
                            .collect(),
                    ))
                } else {
                    Some(Data::Float(
                        ts.iter()
                            .flat_map(|t| t.value.as_ref().map(as_f64).unwrap_or_default())
                            .collect(),
                    ))
                }
            } else {
                None
            };
            one(shape, value)
        }
        "Split" => {
            let t = x()?;
            let k = axis(a.int("axis", 0), t.shape.len())?;
            let d = t.shape[k];
            let parts =
                match const_ints(ins, 1, node, "the split sizes")?.or_else(|| a.ints("split")) {
                    Some(s) => s
                        .iter()
                        .map(|&v| u64::try_from(v).map_err(|_| format!("Split size {v}")))
                        .collect::<Result<Vec<_>, _>>()?,
                    None => {
                        let n = (a.int("num_outputs", node.outputs.len() as i64)).max(1) as u64;
                        let each = d.div_ceil(n);
                        (0..n)
                            .map(|i| each.min(d.saturating_sub(i * each)))
                            .collect()
                    }
                };
            if parts.iter().sum::<u64>() != d {
                return Err(format!("Split sizes {parts:?} do not add up to {d}"));
            }
            parts
                .iter()
                .map(|&p| {
                    let mut s = t.shape.clone();
                    s[k] = p;
                    check_shape(&s)?;
                    Ok(T::of(s, data))
                })
                .collect()
        }
        "Slice" => slice(node, ins, opset, data),
        "ReduceMean" => {
            let t = x()?;
            let axes = reduce_axes(node, ins, opset, t.shape.len())?;
            let keep = a.int("keepdims", 1) != 0;
            let shape = t
                .shape
                .iter()
                .enumerate()
                .filter_map(|(k, &d)| match (axes.contains(&k), keep) {
                    (false, _) => Some(d),
                    (true, true) => Some(1),
                    (true, false) => None,
                })
                .collect();
            one(shape, None)
        }
        "Gather" => {
            let (t, idx) = (x()?, input(ins, 1, node)?);
            let k = axis(a.int("axis", 0), t.shape.len())?;
            let mut shape = t.shape[..k].to_vec();
            shape.extend(&idx.shape);
            shape.extend(&t.shape[k + 1..]);
            let value = match (t.shape.len(), &t.value, idx.ints()) {
                (1, Some(v), Some(is)) => {
                    let d = t.shape[0] as i64;
                    let pick: Option<Vec<usize>> = is
                        .iter()
                        .map(|&i| {
                            let i = if i < 0 { i + d } else { i };
                            (0..d).contains(&i).then_some(i as usize)
                        })
                        .collect();
                    let pick = pick.ok_or("Gather index out of range")?;
                    Some(match v {
                        Data::Int(v) => Data::Int(pick.iter().map(|&i| v[i]).collect()),
                        Data::Float(v) => Data::Float(pick.iter().map(|&i| v[i]).collect()),
                    })
                }
                _ => None,
            };
            one(shape, value)
        }
        "Expand" | "Tile" => {
            let t = x()?;
            let arg = const_ints(
                ins,
                1,
                node,
                if op == "Expand" {
                    "the shape"
                } else {
                    "the repeats"
                },
            )?
            .ok_or_else(|| format!("{op} needs input 1"))?;
            let arg = dims(&arg)?;
            let shape = if op == "Expand" {
                broadcast(&[&t.shape, &arg])?
            } else {
                if arg.len() != t.shape.len() {
                    return Err(format!("Tile repeats {arg:?} for shape {:?}", t.shape));
                }
                t.shape
                    .iter()
                    .zip(&arg)
                    .map(|(a, b)| a.saturating_mul(*b))
                    .collect()
            };
            let value = if op == "Expand" {
                expand(t, &shape)
            } else {
                None
            };
            one(shape, value)
        }
        "Pad" => {
            let t = x()?;
            let pads = match const_ints(ins, 1, node, "the pads")? {
                Some(p) => p,
                None => a.ints("pads").ok_or("Pad without pads")?,
            };
            let r = t.shape.len();
            let axes: Vec<usize> = match const_ints(ins, 3, node, "the axes")? {
                Some(ax) => ax.iter().map(|&k| axis(k, r)).collect::<Result<_, _>>()?,
                None => (0..r).collect(),
            };
            if pads.len() != 2 * axes.len() {
                return Err(format!("Pad pads {pads:?} for {} axes", axes.len()));
            }
            let mut shape = t.shape.clone();
            for (i, &k) in axes.iter().enumerate() {
                let d =
                    i128::from(shape[k]) + i128::from(pads[i]) + i128::from(pads[i + axes.len()]);
                shape[k] = u64::try_from(d).map_err(|_| format!("Pad makes dimension {k} {d}"))?;
            }
            one(shape, None)
        }
        "Range" => {
            let v: Vec<f64> = (0..3)
                .map(|k| {
                    const_ints(ins, k, node, "start, limit and delta")
                        .map(|v| v.and_then(|v| v.first().copied()))
                })
                .collect::<Result<Option<Vec<i64>>, _>>()?
                .ok_or("Range needs start, limit and delta")?
                .iter()
                .map(|&x| x as f64)
                .collect();
            if v[2] == 0.0 {
                return Err("Range with delta 0".into());
            }
            let n = ((v[1] - v[0]) / v[2])
                .ceil()
                .clamp(0.0, (MAX_DIM + 1) as f64) as u64;
            let value = (n <= MAX_FOLD)
                .then(|| Data::Int((0..n).map(|i| (v[0] + i as f64 * v[2]) as i64).collect()));
            one(vec![n], value)
        }
        "Conv" => spatial::conv_shape(node, x()?, input(ins, 1, node)?).and_then(|s| one(s, None)),
        "MaxPool" | "AveragePool" => spatial::pool_shape(node, x()?).and_then(|s| one(s, None)),
        "GlobalAveragePool" | "GlobalMaxPool" => {
            let t = x()?;
            let mut s = t.shape.clone();
            s.iter_mut().skip(2).for_each(|d| *d = 1);
            one(s, None)
        }
        "Gemm" => {
            let (p, q) = (x()?, input(ins, 1, node)?);
            if p.shape.len() != 2 || q.shape.len() != 2 {
                return Err(format!(
                    "Gemm of shapes {:?} and {:?} (both must be 2-D)",
                    p.shape, q.shape
                ));
            }
            let (m, k) = if a.int("transA", 0) != 0 {
                (p.shape[1], p.shape[0])
            } else {
                (p.shape[0], p.shape[1])
            };
            let (k2, n) = if a.int("transB", 0) != 0 {
                (q.shape[1], q.shape[0])
            } else {
                (q.shape[0], q.shape[1])
            };
            if k != k2 {
                return Err(format!(
                    "Gemm of {:?} and {:?}: inner sizes {k} and {k2} differ",
                    p.shape, q.shape
                ));
            }
            one(vec![m, n], None)
        }
        "MatMul" => {
            let (p, q) = (x()?, input(ins, 1, node)?);
            one(matmul_shape(&p.shape, &q.shape)?, None)
        }
        _ => Err(format!("the importer cannot infer the shape of {op}")),
    }
}

/// The axes a reduction reduces, sorted: from the `axes` attribute (before opset 18) or input
/// (from 18); all of them when none are given (unless `noop_with_empty_axes`).
pub fn reduce_axes(
    node: &Node,
    ins: &[Option<&T>],
    opset: i64,
    rank: usize,
) -> Result<Vec<usize>, String> {
    let given = if opset >= 18 {
        const_ints(ins, 1, node, "the axes")?
    } else {
        Attrs(node).ints("axes")
    };
    let mut axes = match given {
        Some(v) if !v.is_empty() => v
            .iter()
            .map(|&k| axis(k, rank))
            .collect::<Result<Vec<_>, _>>()?,
        _ if Attrs(node).int("noop_with_empty_axes", 0) != 0 => Vec::new(),
        _ => (0..rank).collect(),
    };
    axes.sort_unstable();
    axes.dedup();
    Ok(axes)
}

/// Output shape of `MatMul` (NumPy `matmul` semantics).
pub fn matmul_shape(p: &[u64], q: &[u64]) -> Result<Vec<u64>, String> {
    if p.is_empty() || q.is_empty() {
        return Err("MatMul of a scalar".into());
    }
    let (pm, pk) = if p.len() == 1 {
        (None, p[0])
    } else {
        (Some(p[p.len() - 2]), p[p.len() - 1])
    };
    let (qk, qn) = if q.len() == 1 {
        (q[0], None)
    } else {
        (q[q.len() - 2], Some(q[q.len() - 1]))
    };
    if pk != qk {
        return Err(format!(
            "MatMul of {p:?} and {q:?}: inner sizes {pk} and {qk} differ"
        ));
    }
    let pb = &p[..p.len().saturating_sub(2)];
    let qb = &q[..q.len().saturating_sub(2)];
    let mut shape = broadcast(&[pb, qb])?;
    shape.extend(pm);
    shape.extend(qn);
    Ok(shape)
}

fn slice(node: &Node, ins: &[Option<&T>], opset: i64, data: bool) -> Result<Vec<T>, String> {
    let a = Attrs(node);
    let t = input(ins, 0, node)?;
    let r = t.shape.len();
    let get = |k: usize, attr: &str| -> Result<Option<Vec<i64>>, String> {
        if opset >= 10 {
            const_ints(ins, k, node, attr)
        } else {
            Ok(a.ints(attr))
        }
    };
    let starts = get(1, "starts")?.ok_or("Slice without starts")?;
    let ends = get(2, "ends")?.ok_or("Slice without ends")?;
    let axes = get(3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps =
        if opset >= 10 { get(4, "steps")? } else { None }.unwrap_or_else(|| vec![1; starts.len()]);
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err("Slice starts, ends, axes and steps of different lengths".into());
    }
    let mut shape = t.shape.clone();
    let mut ranges: Vec<(i64, i64, i64)> = t.shape.iter().map(|&d| (0, d as i64, 1)).collect();
    for i in 0..starts.len() {
        let k = axis(axes[i], r)?;
        let d = t.shape[k] as i64;
        let step = steps[i];
        if step == 0 {
            return Err("Slice step 0".into());
        }
        let norm = |v: i64| if v < 0 { v.saturating_add(d) } else { v };
        let (s, e) = (norm(starts[i]), norm(ends[i]));
        let (s, e, step) = (i128::from(s), i128::from(e), i128::from(step));
        let d = i128::from(d);
        let (s, e, n) = if step > 0 {
            let (s, e) = (s.clamp(0, d), e.clamp(0, d));
            (s, e, if e > s { (e - s + step - 1) / step } else { 0 })
        } else {
            let (s, e) = (s.clamp(-1, d - 1), e.clamp(-1, d - 1));
            (s, e, if s > e { (s - e - step - 1) / -step } else { 0 })
        };
        shape[k] = n as u64;
        ranges[k] = (
            s as i64,
            e as i64,
            step.clamp(i128::from(i64::MIN + 1), i128::from(i64::MAX)) as i64,
        );
    }
    check_shape(&shape)?;
    let value = match (&t.value, r) {
        (Some(v), 1) if !data => {
            let (s, _, step) = ranges[0];
            let pick: Vec<usize> = (0..shape[0] as i64)
                .map(|i| (s as i128 + i as i128 * step as i128) as usize)
                .collect();
            Some(match v {
                Data::Int(v) => Data::Int(pick.iter().filter_map(|&i| v.get(i).copied()).collect()),
                Data::Float(v) => {
                    Data::Float(pick.iter().filter_map(|&i| v.get(i).copied()).collect())
                }
            })
        }
        _ => None,
    };
    Ok(vec![T { shape, data, value }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_shapes() {
        assert_eq!(
            matmul_shape(&[1, 56, 56, 96], &[96, 384]).unwrap(),
            vec![1, 56, 56, 384]
        );
        assert_eq!(
            matmul_shape(&[1, 12, 197, 64], &[1, 12, 64, 197]).unwrap(),
            vec![1, 12, 197, 197]
        );
        assert_eq!(matmul_shape(&[768], &[768, 10]).unwrap(), vec![10]);
        assert!(matmul_shape(&[2, 3], &[4, 5]).is_err());
    }
}
