//! Between Rust and Python: errors (the CLI's messages, as `ValueError` or
//! `FileNotFoundError`), parameter values (numbers, flags, words), and columns of numbers as
//! little-endian bytes that the Python half views with `numpy.frombuffer` (so the extension
//! needs no NumPy C API, and one abi3 wheel serves every NumPy).

use imc_model::Value;
use imcdse::results::Col;
use pyo3::exceptions::{PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyFloat, PyList, PyString};

/// An error as the CLI prints it (without its `error: `), as `FileNotFoundError` when a file
/// it names does not exist and as `ValueError` otherwise.
pub fn error(e: impl Into<anyhow::Error>) -> PyErr {
    let e = e.into();
    let text = format!("{e:#}");
    let missing = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
    }) || text.contains("(os error 2)");
    if missing {
        PyFileNotFoundError::new_err(text)
    } else {
        PyValueError::new_err(text)
    }
}

/// A message as `ValueError`.
pub fn invalid(text: impl Into<String>) -> PyErr {
    PyValueError::new_err(text.into())
}

/// A parameter value as a Python `int` (a whole number), `float`, `bool` or `str`.
pub fn value<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Num(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
            (*x as i64).into_pyobject(py)?.into_any()
        }
        Value::Num(x) => PyFloat::new(py, *x).into_any(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Str(s) => PyString::new(py, s).into_any(),
    })
}

/// A Python `bool`, `int`, `float` or `str` as a parameter value; `what` names it in errors.
pub fn to_value(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(Value::Str(s));
    }
    match v.extract::<f64>() {
        Ok(x) if x.is_finite() => Ok(Value::Num(x)),
        Ok(x) => Err(invalid(format!(
            "{what}: {x} is not a value (a finite number is)"
        ))),
        Err(_) => Err(invalid(format!(
            "{what}: {} is not a parameter value (a number, true/false or a word)",
            v.repr().map_or("?".into(), |r| r.to_string())
        ))),
    }
}

/// Numbers as little-endian bytes (8 per number), in a `bytearray`, so the array NumPy views
/// over them is writable.
pub fn f64_bytes<'py>(py: Python<'py>, xs: impl Iterator<Item = f64>) -> Bound<'py, PyByteArray> {
    let bytes: Vec<u8> = xs.flat_map(f64::to_le_bytes).collect();
    PyByteArray::new(py, &bytes)
}

/// Bytes as 8-byte words (as `numpy.ndarray.tobytes` writes `<i8` and `<f8`); `what` names
/// the buffer when its length is not whole words.
fn words(bytes: &[u8], what: &str) -> PyResult<impl Iterator<Item = [u8; 8]>> {
    if !bytes.len().is_multiple_of(8) {
        return Err(invalid(format!(
            "{what}: the buffer is not whole 64-bit words"
        )));
    }
    Ok(bytes.chunks_exact(8).map(|c| {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        b
    }))
}

/// Little-endian 64-bit integers from bytes.
pub fn i64s(bytes: &[u8]) -> PyResult<Vec<i64>> {
    Ok(words(bytes, "designs")?.map(i64::from_le_bytes).collect())
}

/// Little-endian floats from bytes.
pub fn f64s(bytes: &[u8], what: &str) -> PyResult<Vec<f64>> {
    Ok(words(bytes, what)?.map(f64::from_le_bytes).collect())
}

/// A results column as `(kind, payload)`: `("f64", bytes)` with NaN for nulls, `("bool",
/// bytes)` one byte per flag, `("u64", bytes)`, `("str", list)`, `("text", list)` with `None`
/// for nulls.
pub fn column<'py>(py: Python<'py>, c: Col) -> PyResult<(&'static str, Bound<'py, PyAny>)> {
    Ok(match c {
        Col::F64(v) => (
            "f64",
            f64_bytes(py, v.into_iter().map(|x| x.unwrap_or(f64::NAN))).into_any(),
        ),
        Col::Bool(v) => {
            let bytes: Vec<u8> = v.into_iter().map(u8::from).collect();
            ("bool", PyByteArray::new(py, &bytes).into_any())
        }
        Col::U64(v) => {
            let bytes: Vec<u8> = v.into_iter().flat_map(u64::to_le_bytes).collect();
            ("u64", PyByteArray::new(py, &bytes).into_any())
        }
        Col::Str(v) => ("str", PyList::new(py, v)?.into_any()),
        Col::Text(v) => ("text", PyList::new(py, v)?.into_any()),
    })
}
