//! Published silicon: what a paper reports of a macro or a chip, and the design that expresses
//! it in the model's parameters. `imcdse validate` ([`crate::studies::validate`]) costs each one
//! and puts the model beside the published figures.
//!
//! A published design is a space file without free parameters whose `[published]` table holds
//! the figures (`search-spaces/reference/chips/<name>.toml`, embedded in the binary):
//!
//! ```toml
//! [published]
//! paper = "Dong et al., ISSCC 2020; Sinangil et al., JSSC 2021"
//! source = "macros.csv (Dong/Sinangil @0.8V); UIUC index 2"
//! scope = "macro"           # macro: the array and its read chain | chip: everything
//! tops_per_w = 351.0        # 2 ops per MAC, at the design's input_bits x weight_bits
//! tops_per_w_bits = "native"   # native | 1b (UIUC's: native x input bits x weight bits)
//! tops_per_mm2 = 116.0      # same convention as tops_per_w (optional)
//! area_mm2 = 0.0032         # of the scope (optional)
//! conversions_per_mvm = 16  # ADC conversions for one input vector over the whole array (optional)
//! counted_weight_bits = 1.5 # weight bits the 1b figure counts, if not weight_bits (optional)
//! ```
//!
//! Rows of a published table (`--macros FILE`: the UIUC benchmark's columns or `macros.csv`'s)
//! become the same records through [`tables`]; a row the model cannot express is kept with the
//! reason it is skipped.
//!
//! Bounds, checked where a file or table enters: every figure a finite number in
//! `[1e-6, 1e9]`, at most [`MAX_ROWS`] rows. A table's row whose figure, supply, time or
//! clock is not a number in its bounds is skipped with the reason, not read as empty.

pub mod tables;

use crate::space::Space;
use crate::spec_file::{BUILTIN_CHIPS, read_named};
use anyhow::{Result, bail};
use imc_model::param::Value;

/// The most designs one validation takes.
pub const MAX_ROWS: usize = 10_000;
pub use crate::published::{Bits, MAX_FIGURE, MIN_FIGURE, Published, Scope, figure};

/// A published design as the model takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Its name (a chip file's stem, or the table's name for the row).
    pub name: String,
    /// Where it came from: a file, or a table and row.
    pub origin: String,
    /// Every parameter the design sets; the rest take the model's defaults.
    pub settings: Vec<(String, Value)>,
    /// The figures to compare with.
    pub published: Published,
    /// Why the model cannot express it (then it is listed, not costed).
    pub skipped: Option<String>,
}

impl Design {
    /// A design from a chip file: a space without free parameters and with `[published]`.
    pub fn from_space(name: &str, space: &Space) -> Result<Design> {
        if !space.params.is_empty() {
            bail!(
                "{}: a published design fixes every parameter; [params] has {}",
                space.file,
                space.params.len()
            );
        }
        let Some(table) = &space.published else {
            bail!(
                "{}: no [published] table: the figures to compare with",
                space.file
            );
        };
        let published =
            crate::published::parse(table).map_err(|e| anyhow::anyhow!("{}: {e}", space.file))?;
        Ok(Design {
            name: name.to_string(),
            origin: space.file.clone(),
            settings: space.fixed.clone(),
            published,
            skipped: None,
        })
    }

    /// The value the design sets for `key`, if any.
    pub fn setting(&self, key: &str) -> Option<&Value> {
        self.settings.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The chip files `names` (a shipped chip's name, or a path ending in `.toml`), in the order
/// given, each named by its `name`; at most [`MAX_ROWS`].
pub fn chips(names: &[String]) -> Result<Vec<Design>> {
    if names.len() > MAX_ROWS {
        bail!(
            "{} chip files; a validation takes at most {MAX_ROWS}",
            names.len()
        );
    }
    names
        .iter()
        .map(|name| {
            let (file, text) =
                read_named(name, BUILTIN_CHIPS, "search-spaces/reference/chips", "chip")?;
            let space = Space::parse(&file, &text)?;
            Design::from_space(&space.name.clone(), &space)
        })
        .collect()
}

/// Every shipped chip file (`search-spaces/reference/chips/`), in name order.
pub fn shipped() -> Result<Vec<Design>> {
    BUILTIN_CHIPS
        .iter()
        .map(|(name, _)| {
            let (file, text) =
                read_named(name, BUILTIN_CHIPS, "search-spaces/reference/chips", "chip")?;
            Design::from_space(name, &Space::parse(&file, &text)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chip(published: &str) -> Result<Design> {
        let text = format!(
            "schema_version = 1\nname = \"x\"\ndescription = \"y\"\n[fixed]\nrows = 64\n\
             [published]\n{published}"
        );
        Design::from_space("x", &Space::parse("x.toml", &text)?)
    }

    #[test]
    fn published_figures_are_read_and_checked() {
        let d = chip(
            "paper = \"p\"\nsource = \"s\"\nscope = \"macro\"\ntops_per_w = 351\n\
             tops_per_w_bits = \"1b\"\nconversions_per_mvm = 16\n",
        )
        .unwrap();
        assert_eq!(d.published.tops_per_w, Some(351.0));
        assert_eq!(d.published.bits, Bits::OneBit);
        assert_eq!(d.published.conversions_per_mvm, Some(16.0));
        assert_eq!(d.setting("rows"), Some(&Value::Num(64.0)));
        for (bad, want) in [
            ("scope = \"die\"", "expected macro | chip"),
            ("scope = \"macro\"\ntops_per_w = 1e300", "to 1e9"),
            ("scope = \"macro\"\ntops_per_w = -1", "from 1e-6"),
            ("scope = \"macro\"\ntops_per_w = nan", "from 1e-6"),
            (
                "scope = \"macro\"\ntops_per_w = \"fast\"",
                "expected a number",
            ),
            ("scope = \"macro\"\nspeed = 1", "unknown key"),
        ] {
            let e = chip(&format!("paper = \"p\"\nsource = \"s\"\n{bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want) && e.contains("x.toml"), "{e}");
        }
    }

    #[test]
    fn every_shipped_chip_loads() {
        for d in shipped().unwrap() {
            assert!(d.published.tops_per_w.is_some(), "{}", d.name);
        }
    }
}
