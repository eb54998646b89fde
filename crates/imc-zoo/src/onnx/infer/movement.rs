//! Operators that move, select or repeat elements without computing on them
//! (<https://onnx.ai/onnx/operators/>):
//! [`Reshape`](https://onnx.ai/onnx/operators/onnx__Reshape.html),
//! [`Flatten`](https://onnx.ai/onnx/operators/onnx__Flatten.html),
//! [`Transpose`](https://onnx.ai/onnx/operators/onnx__Transpose.html),
//! [`Squeeze`](https://onnx.ai/onnx/operators/onnx__Squeeze.html),
//! [`Unsqueeze`](https://onnx.ai/onnx/operators/onnx__Unsqueeze.html),
//! [`Concat`](https://onnx.ai/onnx/operators/onnx__Concat.html),
//! [`Split`](https://onnx.ai/onnx/operators/onnx__Split.html),
//! [`Slice`](https://onnx.ai/onnx/operators/onnx__Slice.html),
//! [`Gather`](https://onnx.ai/onnx/operators/onnx__Gather.html),
//! [`Expand`](https://onnx.ai/onnx/operators/onnx__Expand.html),
//! [`Tile`](https://onnx.ai/onnx/operators/onnx__Tile.html) and
//! [`Pad`](https://onnx.ai/onnx/operators/onnx__Pad.html). Known values of the shape
//! arithmetic (1-D integer vectors mostly) follow them through.

use super::super::fold::{as_f64, broadcast, expand as expand_values};
use super::super::proto::Data;
use super::super::tensor::{T, axis, check_shape, count, dims};
use super::Ctx;

/// `Reshape`: to the target shape (input 1, or the `shape` attribute before opset 5), where 0
/// copies the input's dimension (unless `allowzero`) and one -1 takes what is left.
pub(super) fn reshape(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let target = match c.const_ints(1, "the target shape")? {
        Some(v) => v,
        None => c
            .attrs
            .ints("shape")
            .ok_or("Reshape without a target shape")?,
    };
    let allowzero = c.attrs.int("allowzero", 0) != 0;
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
    c.one(shape, t.value.clone())
}

/// `Flatten`: two dimensions, the product of those before `axis` and of the rest.
pub(super) fn flatten(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let r = t.shape.len();
    let k = if c.attrs.int("axis", 1) == r as i64 {
        r
    } else {
        axis(c.attrs.int("axis", 1), r)?
    };
    let shape = vec![count(&t.shape[..k]), count(&t.shape[k..])];
    c.one(shape, t.value.clone())
}

/// `Transpose`: the dimensions permuted by `perm` (reversed by default); values are kept only
/// when the permutation cannot move them (rank 0 or 1).
pub(super) fn transpose(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let r = t.shape.len();
    let perm: Vec<i64> = c
        .attrs
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
    c.one(shape, value)
}

/// The axes of `Squeeze` and `Unsqueeze`: input 1 (from opset 13) or the `axes` attribute.
fn squeeze_axes(c: &Ctx) -> Result<Option<Vec<i64>>, String> {
    Ok(match c.const_ints(1, "the axes")? {
        Some(v) => Some(v),
        None => c.attrs.ints("axes"),
    })
}

/// `Squeeze`: the given axes removed (each must be 1), or every dimension of 1.
pub(super) fn squeeze(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let shape = match squeeze_axes(c)? {
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
    };
    c.one(shape, t.value.clone())
}

/// `Unsqueeze`: dimensions of 1 inserted at the given axes (of the output).
pub(super) fn unsqueeze(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let axes = squeeze_axes(c)?.ok_or("Unsqueeze without axes")?;
    let r = t.shape.len() + axes.len();
    let axes: Vec<usize> = axes.iter().map(|&k| axis(k, r)).collect::<Result<_, _>>()?;
    let mut rest = t.shape.iter();
    let shape = (0..r)
        .map(|i| {
            if axes.contains(&i) {
                1
            } else {
                rest.next().copied().unwrap_or(1)
            }
        })
        .collect();
    c.one(shape, t.value.clone())
}

/// `Concat`: the inputs joined along `axis`; 1-D known values are joined too (integers when
/// all are integers).
pub(super) fn concat(c: &Ctx) -> Result<Vec<T>, String> {
    let ts = c.present();
    let first = ts.first().ok_or("Concat without inputs")?;
    let r = first.shape.len();
    let k = axis(c.attrs.int("axis", 0), r)?;
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
    c.one(shape, value)
}

/// `Split`: one output per part along `axis`, of the sizes given (input 1 or the `split`
/// attribute) or as equal as `ceil` makes them (the last smaller).
pub(super) fn split(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let k = axis(c.attrs.int("axis", 0), t.shape.len())?;
    let d = t.shape[k];
    let parts = match c
        .const_ints(1, "the split sizes")?
        .or_else(|| c.attrs.ints("split"))
    {
        Some(s) => s
            .iter()
            .map(|&v| u64::try_from(v).map_err(|_| format!("Split size {v}")))
            .collect::<Result<Vec<_>, _>>()?,
        None => {
            let outputs = c.node.outputs.len();
            let n = c.attrs.int("num_outputs", outputs as i64);
            if n != outputs as i64 {
                return Err(format!(
                    "Split num_outputs {n} for a node of {outputs} outputs"
                ));
            }
            let n = n.max(1) as u64;
            let each = d.div_ceil(n);
            (0..n)
                .map(|i| each.min(d.saturating_sub(i * each)))
                .collect()
        }
    };
    if parts.iter().try_fold(0u64, |s, &p| s.checked_add(p)) != Some(d) {
        return Err(format!("Split sizes {parts:?} do not add up to {d}"));
    }
    parts
        .iter()
        .map(|&p| {
            let mut s = t.shape.clone();
            s[k] = p;
            check_shape(&s)?;
            Ok(T::of(s, c.data))
        })
        .collect()
}

/// `Slice`: `starts`, `ends`, `axes` and `steps` from the inputs (from opset 10) or the
/// attributes (before); 1-D known values are sliced too.
pub(super) fn slice(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let r = t.shape.len();
    let get = |k: usize, attr: &str| -> Result<Option<Vec<i64>>, String> {
        if c.opset >= 10 {
            c.const_ints(k, attr)
        } else {
            Ok(c.attrs.ints(attr))
        }
    };
    let starts = get(1, "starts")?.ok_or("Slice without starts")?;
    let ends = get(2, "ends")?.ok_or("Slice without ends")?;
    let axes = get(3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = if c.opset >= 10 {
        get(4, "steps")?
    } else {
        None
    }
    .unwrap_or_else(|| vec![1; starts.len()]);
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
        (Some(v), 1) if !c.data => {
            let (s, _, step) = ranges[0];
            Some(sliced(v, s, step, shape[0]))
        }
        _ => None,
    };
    Ok(vec![T {
        shape,
        data: c.data,
        value,
    }])
}

/// The `n` values of `v` from `start` by `step` (those that exist).
fn sliced(v: &Data, start: i64, step: i64, n: u64) -> Data {
    let pick: Vec<usize> = (0..n as i64)
        .map(|i| (start as i128 + i as i128 * step as i128) as usize)
        .collect();
    match v {
        Data::Int(v) => Data::Int(pick.iter().filter_map(|&i| v.get(i).copied()).collect()),
        Data::Float(v) => Data::Float(pick.iter().filter_map(|&i| v.get(i).copied()).collect()),
    }
}

/// `Gather`: the input's dimension `axis` replaced by the indices' shape; known values of a
/// 1-D input are picked.
pub(super) fn gather(c: &Ctx) -> Result<Vec<T>, String> {
    let (t, idx) = (c.input(0)?, c.input(1)?);
    let k = axis(c.attrs.int("axis", 0), t.shape.len())?;
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
            match v {
                Data::Int(v) => pick
                    .iter()
                    .map(|&i| v.get(i).copied())
                    .collect::<Option<_>>()
                    .map(Data::Int),
                Data::Float(v) => pick
                    .iter()
                    .map(|&i| v.get(i).copied())
                    .collect::<Option<_>>()
                    .map(Data::Float),
            }
        }
        _ => None,
    };
    c.one(shape, value)
}

/// Input 1 of `Expand` and `Tile` as dimensions (`what` names it in the error).
fn dims_input(c: &Ctx, what: &str) -> Result<Vec<u64>, String> {
    let arg = c
        .const_ints(1, what)?
        .ok_or_else(|| format!("{} needs input 1", c.op()))?;
    dims(&arg)
}

/// `Expand`: the input broadcast with the shape given (input 1), values too.
pub(super) fn expand(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let arg = dims_input(c, "the shape")?;
    let shape = broadcast(&[&t.shape, &arg])?;
    let value = expand_values(t, &shape);
    c.one(shape, value)
}

/// `Tile`: each dimension times its repeat count (input 1).
pub(super) fn tile(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let arg = dims_input(c, "the repeats")?;
    if arg.len() != t.shape.len() {
        return Err(format!("Tile repeats {arg:?} for shape {:?}", t.shape));
    }
    let shape = t
        .shape
        .iter()
        .zip(&arg)
        .map(|(a, b)| a.saturating_mul(*b))
        .collect();
    c.one(shape, None)
}

/// `Pad`: each padded axis (all, or input 3's) grows by its pads at the start and the end
/// (input 1, or the `pads` attribute before opset 11); negative pads crop.
pub(super) fn pad(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let pads = match c.const_ints(1, "the pads")? {
        Some(p) => p,
        None => c.attrs.ints("pads").ok_or("Pad without pads")?,
    };
    let r = t.shape.len();
    let axes: Vec<usize> = match c.const_ints(3, "the axes")? {
        Some(ax) => ax.iter().map(|&k| axis(k, r)).collect::<Result<_, _>>()?,
        None => (0..r).collect(),
    };
    if pads.len() != 2 * axes.len() {
        return Err(format!("Pad pads {pads:?} for {} axes", axes.len()));
    }
    let mut shape = t.shape.clone();
    for (i, &k) in axes.iter().enumerate() {
        let d = i128::from(shape[k]) + i128::from(pads[i]) + i128::from(pads[i + axes.len()]);
        shape[k] = u64::try_from(d).map_err(|_| format!("Pad makes dimension {k} {d}"))?;
    }
    c.one(shape, None)
}
