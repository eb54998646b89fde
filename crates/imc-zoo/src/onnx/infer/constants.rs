//! Operators whose values are known without the data
//! (<https://onnx.ai/onnx/operators/>): [`Constant`](https://onnx.ai/onnx/operators/onnx__Constant.html),
//! [`ConstantOfShape`](https://onnx.ai/onnx/operators/onnx__ConstantOfShape.html),
//! [`Shape`](https://onnx.ai/onnx/operators/onnx__Shape.html) and
//! [`Size`](https://onnx.ai/onnx/operators/onnx__Size.html) (of any input, data or not),
//! [`Range`](https://onnx.ai/onnx/operators/onnx__Range.html), and
//! [`Cast`](https://onnx.ai/onnx/operators/onnx__Cast.html), which converts known values.

use super::super::fold::as_f64;
use super::super::proto::{Data, Value};
use super::super::tensor::{MAX_DIM, MAX_FOLD, T, check_shape, count, dims};
use super::Ctx;

/// `Constant`: the value of its one attribute (`value`, `value_int(s)`, `value_float(s)`).
pub(super) fn constant(c: &Ctx) -> Result<Vec<T>, String> {
    let (shape, value) = match c.node.attrs.first().map(|(n, v)| (n.as_str(), v)) {
        Some((_, Value::Tensor(t))) => (dims(&t.dims)?, t.data.clone()),
        Some(("value_int", Value::Int(i))) => (vec![], Some(Data::Int(vec![*i]))),
        Some(("value_float", Value::Float(f))) => (vec![], Some(Data::Float(vec![*f]))),
        Some(("value_ints", Value::Ints(v))) => (vec![v.len() as u64], Some(Data::Int(v.clone()))),
        Some(("value_floats", Value::Floats(v))) => {
            (vec![v.len() as u64], Some(Data::Float(v.clone())))
        }
        _ => return Err("Constant without a value attribute the importer reads".into()),
    };
    c.one(shape, value)
}

/// `Shape` (the dimensions from `start` to `end`) and `Size` (the element count): known even
/// when the input depends on the data.
pub(super) fn shape(c: &Ctx) -> Result<Vec<T>, String> {
    let s = &c.input(0)?.shape;
    let r = s.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
    let (start, end) = (clamp(c.attrs.int("start", 0)), clamp(c.attrs.int("end", r)));
    let dims: Vec<i64> = s[start..end.max(start)].iter().map(|&d| d as i64).collect();
    let (shape, v) = if c.op() == "Size" {
        (vec![], vec![count(s) as i64])
    } else {
        (vec![dims.len() as u64], dims)
    };
    Ok(vec![T {
        shape,
        data: false,
        value: Some(Data::Int(v)),
    }])
}

/// `ConstantOfShape`: a tensor of the shape given by input 0, filled with the `value`
/// attribute's first element (0.0 by default).
pub(super) fn constant_of_shape(c: &Ctx) -> Result<Vec<T>, String> {
    let shape = c.const_ints(0, "the shape")?.unwrap_or_default();
    let shape = dims(&shape)?;
    check_shape(&shape)?;
    let fill = match c.node.attr("value") {
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

/// `Cast`: the input's shape; known values become floats for the floating-point types `to`
/// (FLOAT, FLOAT16, DOUBLE, BFLOAT16) and integers (truncated) for the others.
pub(super) fn cast(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let to = c.attrs.int("to", 1);
    let value = t.value.as_ref().map(|v| match (to, v) {
        (1 | 10 | 11 | 16, v) => Data::Float(as_f64(v)),
        (_, Data::Float(f)) => Data::Int(f.iter().map(|&x| x as i64).collect()),
        (_, Data::Int(i)) => Data::Int(i.clone()),
    });
    c.one(t.shape.clone(), value)
}

/// `Range`: `ceil((limit - start) / delta)` elements from known scalar inputs, folded when
/// small.
pub(super) fn range(c: &Ctx) -> Result<Vec<T>, String> {
    let v: Vec<f64> = (0..3)
        .map(|k| {
            c.const_ints(k, "start, limit and delta")
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
    c.one(vec![n], value)
}
