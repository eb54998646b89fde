//! What a paper publishes of a macro or a chip, as a chip file's `[published]` table holds it
//! (the format is in [`crate::silicon`]'s documentation): the figures, their convention and
//! their scope. Read by the space file's check (so `eval` and `space` refuse a bad table too)
//! and by `validate`.
//!
//! Bounds: every figure a finite number in `[MIN_FIGURE, MAX_FIGURE]`; the keys listed in
//! [`parse`], `paper`, `source` and `scope` required.

/// The largest published figure accepted (TOPS/W, TOPS/mm2, mm2, conversions).
pub const MAX_FIGURE: f64 = 1e9;
/// The smallest: no macro is published at a millionth of a TOPS/W, a TOPS/mm2 or a mm2, and a
/// ratio to a figure near 0 is not a comparison.
pub const MIN_FIGURE: f64 = 1e-6;

/// What the published figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The array and its read chain: cells, drivers, column multiplexers, ADCs, shift-and-add
    /// and the adders between a column's crossbars; no buffers, network or digital units.
    Macro,
    /// The whole chip, as the model costs it.
    Chip,
}

/// How TOPS/W and TOPS/mm2 count operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    /// Two operations per multiply-accumulate at the design's own precision.
    Native,
    /// The UIUC benchmark's 1b-normalised figure: native x input bits x weight bits.
    OneBit,
}

/// A paper's figures for one design (`None` where it publishes none).
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// The paper(s).
    pub paper: String,
    /// Where the figures were read.
    pub source: String,
    /// What they cover.
    pub scope: Scope,
    /// Energy efficiency, TOPS/W, in [`Self::bits`]'s convention.
    pub tops_per_w: Option<f64>,
    /// Compute density, TOPS/mm2, in the same convention.
    pub tops_per_mm2: Option<f64>,
    /// The convention of both.
    pub bits: Bits,
    /// Area of the scope, mm2.
    pub area_mm2: Option<f64>,
    /// ADC conversions (a digital macro's tree outputs) for one input vector over the array.
    pub conversions_per_mvm: Option<f64>,
    /// The weight bits a 1b-normalised figure counts when they are not the design's
    /// `weight_bits` (a ternary weight on two bit-columns counts 1.5).
    pub counted_weight_bits: Option<f64>,
}

/// A figure: a finite number in `(0, MAX_FIGURE]`.
pub fn figure(key: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() && (MIN_FIGURE..=MAX_FIGURE).contains(&x) {
        Ok(x)
    } else {
        Err(format!(
            "{key} = {}: expected a number from {MIN_FIGURE:e} to {MAX_FIGURE:e}",
            imc_zoo::error::bounded(x)
        ))
    }
}

/// The `[published]` table `t`, checked.
pub fn parse(t: &toml::Table) -> Result<Published, String> {
    const KEYS: [&str; 9] = [
        "paper",
        "source",
        "scope",
        "tops_per_w",
        "tops_per_w_bits",
        "tops_per_mm2",
        "area_mm2",
        "conversions_per_mvm",
        "counted_weight_bits",
    ];
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "[published].{k}: unknown key; allowed: {}",
            KEYS.join(", ")
        ));
    }
    let text = |k: &str| match t.get(k) {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(format!("[published].{k} = {v}: expected a string")),
        None => Err(format!("[published].{k}: missing")),
    };
    let number = |k: &str| -> Result<Option<f64>, String> {
        match t.get(k) {
            None => Ok(None),
            Some(toml::Value::Float(x)) => figure(&format!("[published].{k}"), *x).map(Some),
            Some(toml::Value::Integer(i)) => {
                figure(&format!("[published].{k}"), *i as f64).map(Some)
            }
            Some(v) => Err(format!("[published].{k} = {v}: expected a number")),
        }
    };
    let scope = match text("scope")?.as_str() {
        "macro" => Scope::Macro,
        "chip" => Scope::Chip,
        s => return Err(format!("[published].scope = {s:?}: expected macro | chip")),
    };
    let bits = match t.get("tops_per_w_bits").map(|v| v.as_str()) {
        None | Some(Some("native")) => Bits::Native,
        Some(Some("1b")) => Bits::OneBit,
        Some(_) => return Err("[published].tops_per_w_bits: expected native | 1b".into()),
    };
    Ok(Published {
        paper: text("paper")?,
        source: text("source")?,
        scope,
        tops_per_w: number("tops_per_w")?,
        tops_per_mm2: number("tops_per_mm2")?,
        bits,
        area_mm2: number("area_mm2")?,
        conversions_per_mvm: number("conversions_per_mvm")?,
        counted_weight_bits: number("counted_weight_bits")?,
    })
}
