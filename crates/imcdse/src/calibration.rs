//! Calibration files (`search-spaces/calibrations/*.toml`, schema_version 1): what a fit
//! against a reference simulator found.
//!
//! ```toml
//! schema_version = 1
//! name = "cimloop-paper-rram"
//! description = "..."
//! fitted_on = "rram-all.csv: 620 of 887 designs, seed 0, ..."
//! fitted_device = "rram" # the device of the designs fitted on (optional)
//! [parameters]          # structural choices (any parameter), applied over the space's [fixed]
//! replication = "per-layer"
//! [energy]              # one factor per energy part (the names of the breakdowns); default 1
//! adc = 0.8
//! [energy_cv2]          # per energy part, a share that switches at the supply: x (V/Vnom)^2
//! adc = 0.1             # (default 0; see imc_model::supply)
//! [energy_drive]        # per energy part, a share in drivers sized for their current
//! row_drivers = 0.02    # (default 0)
//! [latency]             # per latency part
//! digital = 0.01
//! [area]                # per area part
//! cell_array = 2.0
//! ```
//!
//! A space names one with `calibration = "name"` (or a path), any study takes
//! `--calibration FILE`. Every key and value is checked, each problem naming the file, the
//! key and what is allowed: a factor is a number from 1e-9 to 1e9, a law share from 0 to 1e9
//! ([`imc_model::factors::FACTOR_RANGE`], where the range is explained).
//!
//! `fitted_device`, which `imcdse calibrate` writes when every design it fitted on has one
//! device, keeps the calibration to designs of that device: a space whose designs have
//! another (fixed or searched), an `--set device=...` of another, or a request to `imcdse
//! serve` of another, is refused. A file without it (written by hand, or before it existed)
//! applies to any device.

use crate::report::{Format, significant};
use crate::spec_file::{BUILTIN_CALIBRATIONS, SpaceError, read_named, to_value};
use imc_model::breakdown::{Breakdown, Part};
use imc_model::factors::{FACTOR_RANGE, SHARE_MAX};
use imc_model::param::Value;
use imc_model::{Assignment, Device, Factors};
use std::fmt::Write;

/// A checked calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Where it was read from.
    pub file: String,
    /// Its `name`.
    pub name: String,
    /// Its `description`.
    pub description: String,
    /// What it was fitted on (free text).
    pub fitted_on: String,
    /// The device (`rram`, `sram`) of the designs it was fitted on, when they had one; it then
    /// applies to designs of that device only ([`Calibration::check_device`]).
    pub fitted_device: Option<String>,
    /// `[parameters]`, checked against the parameter table, in file order.
    pub parameters: Vec<(String, Value)>,
    /// The factors by part.
    pub factors: Factors,
}

/// Factors outside this range are flagged in reports: a calibration that needs them says the
/// model misses something rather than that it is off by a constant.
pub const PLAUSIBLE: (f64, f64) = (0.1, 10.0);

impl Calibration {
    /// A calibration by built-in name or path to a `.toml` file.
    pub fn resolve(name: &str) -> Result<Calibration, SpaceError> {
        let folder = "search-spaces/calibrations";
        let (file, text) = read_named(name, BUILTIN_CALIBRATIONS, folder, "calibration")?;
        Calibration::parse(&file, &text)
    }

    /// Checks a calibration file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Calibration, SpaceError> {
        let fail = |problems: Vec<String>| SpaceError {
            file: file.into(),
            problems,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| fail(vec![imc_zoo::error::toml_syntax_line(text, &e)]))?;
        let mut problems = Vec::new();
        const KEYS: [&str; 11] = [
            "schema_version",
            "name",
            "description",
            "fitted_on",
            "fitted_device",
            "parameters",
            "energy",
            "energy_cv2",
            "energy_drive",
            "latency",
            "area",
        ];
        for k in table.keys().filter(|k| !KEYS.contains(&k.as_str())) {
            problems.push(format!("unknown key `{k}`; allowed: {}", KEYS.join(", ")));
        }
        if table.get("schema_version") != Some(&toml::Value::Integer(1)) {
            problems.push("schema_version: write schema_version = 1".into());
        }
        let text_of = |k: &str, problems: &mut Vec<String>| match table.get(k) {
            Some(toml::Value::String(s)) => s.clone(),
            None if k == "fitted_on" => String::new(),
            _ => {
                problems.push(format!("{k}: expected a string"));
                String::new()
            }
        };
        let name = text_of("name", &mut problems);
        let description = text_of("description", &mut problems);
        let fitted_on = text_of("fitted_on", &mut problems);
        let fitted_device = match table.get("fitted_device") {
            None => None,
            Some(toml::Value::String(d)) if Device::WORDS.contains(&d.as_str()) => Some(d.clone()),
            Some(v) => {
                problems.push(format!(
                    "fitted_device = {v}: allowed: {}",
                    Device::WORDS.join(" | ")
                ));
                None
            }
        };
        let parameters = parameters(table.get("parameters"), &mut problems);
        let factors = Factors {
            energy: per_part(&table, "energy", 1.0, &mut problems),
            energy_cv2: per_part(&table, "energy_cv2", 0.0, &mut problems),
            energy_drive: per_part(&table, "energy_drive", 0.0, &mut problems),
            latency: per_part(&table, "latency", 1.0, &mut problems),
            area: per_part(&table, "area", 1.0, &mut problems),
        };
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        Ok(Calibration {
            file: file.into(),
            name,
            description,
            fitted_on,
            fitted_device,
            parameters,
            factors,
        })
    }

    /// Whether designs of `device` (a [`Device`] word) may take this calibration: any may when
    /// it records no device; otherwise only its own, and the error says what it was fitted on.
    pub fn check_device(&self, device: &str) -> Result<(), String> {
        match &self.fitted_device {
            Some(d) if d != device => Err(format!(
                "calibration {} ({}) was fitted on {d} designs and does not apply to device = \"{device}\"; \
                 fit one to a {device} reference with `imcdse calibrate`",
                self.name, self.file
            )),
            _ => Ok(()),
        }
    }

    /// The file's text: a header comment, then the keys (factors of 1 left out).
    pub fn to_toml(&self, comment: &str) -> String {
        let mut s = String::new();
        for line in comment.lines() {
            let _ = writeln!(s, "# {line}");
        }
        let quote = |t: &str| toml::Value::String(t.to_string()).to_string();
        let _ = writeln!(
            s,
            "schema_version = 1\nname = {}\ndescription = {}\nfitted_on = {}",
            quote(&self.name),
            quote(&self.description),
            quote(&self.fitted_on)
        );
        if let Some(d) = &self.fitted_device {
            let _ = writeln!(s, "fitted_device = {}", quote(d));
        }
        let _ = writeln!(s, "\n[parameters]");
        for (k, v) in &self.parameters {
            let _ = writeln!(s, "{k} = {v}");
        }
        let section = |s: &mut String, name: &str, v: Vec<(&'static str, f64)>, default: f64| {
            let _ = writeln!(s, "\n[{name}]");
            for (p, x) in v.into_iter().filter(|(_, x)| *x != default) {
                // Six significant figures: the fit is not more precise than that.
                let x: f64 = format!("{x:.5e}").parse().unwrap_or(x);
                let _ = writeln!(s, "{p} = {x}");
            }
        };
        section(&mut s, "energy", self.factors.energy.named(1.0), 1.0);
        if self.factors.has_laws() {
            section(
                &mut s,
                "energy_cv2",
                self.factors.energy_cv2.named(1.0),
                0.0,
            );
            section(
                &mut s,
                "energy_drive",
                self.factors.energy_drive.named(1.0),
                0.0,
            );
        }
        section(&mut s, "latency", self.factors.latency.named(1.0), 1.0);
        section(&mut s, "area", self.factors.area.named(1.0), 1.0);
        s
    }

    /// One line for reports: the name, the file, and the factors outside [`PLAUSIBLE`].
    pub fn summary(&self) -> String {
        let flagged = self.flagged();
        if flagged.is_empty() {
            format!("{} ({})", self.name, self.file)
        } else {
            format!(
                "{} ({}); factors outside [0.1, 10]: {}",
                self.name,
                self.file,
                flagged.join(", ")
            )
        }
    }

    /// Factors outside [`PLAUSIBLE`], as `energy.adc = 0.05` (three significant figures, so
    /// that 5.7e-5 does not print as 0.000).
    pub fn flagged(&self) -> Vec<String> {
        self.factors
            .outside(PLAUSIBLE.0, PLAUSIBLE.1)
            .into_iter()
            .map(|(k, x)| format!("{k} = {}", significant(x, 3, Format::Markdown)))
            .collect()
    }
}

/// `[parameters]`: each checked against the parameter table.
fn parameters(v: Option<&toml::Value>, problems: &mut Vec<String>) -> Vec<(String, Value)> {
    let Some(v) = v else { return Vec::new() };
    let Some(t) = v.as_table() else {
        problems.push("[parameters] must be a table".into());
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in t {
        match to_value(v).ok_or_else(|| format!("{v} is not a number, boolean or string")) {
            Ok(val) => match Assignment::new(k, &val) {
                Ok(_) => out.push((k.clone(), val)),
                Err(e) => problems.push(format!("[parameters].{k}: {e}")),
            },
            Err(m) => problems.push(format!("[parameters].{k}: {m}")),
        }
    }
    out
}

/// A section of per-part numbers (part names of `P`): factors, default 1, from 1e-9 to 1e9; or
/// law shares, default 0, from 0 to 1e9 ([`FACTOR_RANGE`], [`SHARE_MAX`]).
fn per_part<P: Part, const N: usize>(
    table: &toml::Table,
    section: &str,
    default: f64,
    problems: &mut Vec<String>,
) -> Breakdown<P, N> {
    let mut f = Breakdown::<P, N>::splat(default);
    let Some(v) = table.get(section) else {
        return f;
    };
    let Some(t) = v.as_table() else {
        problems.push(format!("[{section}] must be a table"));
        return f;
    };
    for (k, v) in t {
        let Some(part) = Breakdown::<P, N>::part(k) else {
            let names: Vec<&str> = P::ALL.iter().map(|p| p.name()).collect();
            problems.push(format!(
                "[{section}].{k}: unknown part; allowed: {}",
                names.join(", ")
            ));
            continue;
        };
        let (lo, hi, what) = if default == 0.0 {
            (0.0, SHARE_MAX, "a law share")
        } else {
            (FACTOR_RANGE.0, FACTOR_RANGE.1, "a factor")
        };
        match v.as_float().or_else(|| v.as_integer().map(|i| i as f64)) {
            Some(x) if (lo..=hi).contains(&x) => f[part] = x,
            _ => problems.push(format!(
                "[{section}].{k} = {}: out of range; allowed: {what} from {} to {hi:e}",
                shown(v),
                if lo == 0.0 {
                    "0".into()
                } else {
                    format!("{lo:e}")
                }
            )),
        }
    }
    f
}

/// A value as an error message shows it: numbers far from 1 in scientific notation (`1e300`,
/// not 301 digits), anything else as written.
fn shown(v: &toml::Value) -> String {
    match v.as_float() {
        Some(x) if x.is_finite() && x != 0.0 && !(1e-4..1e6).contains(&x.abs()) => format!("{x:e}"),
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imc_model::breakdown::{AreaPart, EnergyPart, LatencyPart};

    const GOOD: &str = "schema_version = 1\nname = \"t\"\ndescription = \"test\"\n\
        [parameters]\nreplication = \"per-layer\"\ndac_bits = 8\n\
        [energy]\nadc = 0.5\n[latency]\ndigital = 0.01\n[area]\ncell_array = 2\n";

    #[test]
    fn reads_factors_and_parameters_and_writes_them_back() {
        let c = Calibration::parse("t.toml", GOOD).unwrap();
        assert_eq!(c.factors.energy[EnergyPart::Adc], 0.5);
        assert_eq!(c.factors.energy[EnergyPart::Glb], 1.0);
        assert_eq!(c.factors.latency[LatencyPart::Digital], 0.01);
        assert_eq!(c.factors.area[AreaPart::CellArray], 2.0);
        assert_eq!(c.parameters[1], ("dac_bits".to_string(), Value::Num(8.0)));
        assert_eq!(c.flagged(), ["latency.digital = 0.01"]);
        let mut tiny = c.clone();
        tiny.factors.latency[LatencyPart::Digital] = 5.69658e-5;
        tiny.factors.energy[EnergyPart::CellArray] = 112.157;
        assert_eq!(
            tiny.flagged(),
            ["energy.cell_array = 112", "latency.digital = 5.70e-5"]
        );
        let again = Calibration::parse("t.toml", &c.to_toml("fitted by a test")).unwrap();
        assert_eq!(again.factors, c.factors);
        assert_eq!(again.parameters, c.parameters);
    }

    #[test]
    fn supply_law_shares_are_read_and_written_back() {
        let text =
            format!("{GOOD}[energy_cv2]\nadc = 0.25\n[energy_drive]\nrow_drivers = 0\nglb = 0.5\n");
        let c = Calibration::parse("t.toml", &text).unwrap();
        assert_eq!(c.factors.energy_cv2[EnergyPart::Adc], 0.25);
        assert_eq!(c.factors.energy_drive[EnergyPart::Glb], 0.5);
        assert_eq!(c.factors.energy_drive[EnergyPart::RowDrivers], 0.0);
        let written = c.to_toml("laws");
        assert!(written.contains("[energy_drive]\nglb = 0.5\n"), "{written}");
        let again = Calibration::parse("t.toml", &written).unwrap();
        assert_eq!(again.factors, c.factors);
        // Without laws the file has no law sections.
        let plain = Calibration::parse("t.toml", GOOD).unwrap().to_toml("");
        assert!(!plain.contains("energy_cv2"), "{plain}");
    }

    #[test]
    fn bad_files_name_the_key_and_what_is_allowed() {
        let cases = [
            (
                "[energy]\nadcc = 1",
                "[energy].adcc: unknown part; allowed: cell_array",
            ),
            ("[energy]\nadc = 0", "[energy].adc = 0: out of range"),
            ("[energy]\nadc = nan", "[energy].adc = nan: out of range"),
            ("[latency]\ndigital = -1", "[latency].digital = -1"),
            (
                "[parameters]\nreplication = \"sideways\"",
                "uniform | balanced | per-layer",
            ),
            (
                "[parameters]\nrowz = 3",
                "unknown architecture parameter `rowz`",
            ),
            ("factors = 1", "unknown key `factors`"),
            (
                "[energy_cv2]\nadc = -0.1",
                "[energy_cv2].adc = -0.1: out of range; allowed: a law share from 0 to 1e9",
            ),
            (
                "[energy]\nadc = 1e300",
                "[energy].adc = 1e300: out of range; allowed: a factor from 1e-9 to 1e9",
            ),
            ("[area]\nglb = 1e-10", "[area].glb = 1e-10: out of range"),
            (
                "[energy_drive]\nglb = 2e9",
                "[energy_drive].glb = 2e9: out of range",
            ),
            (
                "fitted_device = \"quantum\"",
                "fitted_device = \"quantum\": allowed: rram | sram | pcm",
            ),
            (
                "[energy_drive]\nglb = inf",
                "[energy_drive].glb = inf: out of range",
            ),
            (
                "[energy_drive]\nadcs = 1",
                "[energy_drive].adcs: unknown part",
            ),
        ];
        for (extra, want) in cases {
            let text = format!("schema_version = 1\nname = \"t\"\ndescription = \"d\"\n{extra}\n");
            let e = Calibration::parse("bad.toml", &text)
                .unwrap_err()
                .to_string();
            assert!(e.contains("bad.toml") && e.contains(want), "{e}");
        }
        let e = Calibration::resolve("no-such").unwrap_err().to_string();
        assert!(e.contains("no such built-in calibration"), "{e}");
    }

    /// C1, C9: factors of 1e300 (which overflowed costs to inf and energy shares to NaN), or
    /// of 1e-300, are refused when the file loads, naming each; the range's ends load.
    #[test]
    fn c1_factors_outside_their_range_are_refused_when_a_calibration_loads() {
        let text = "schema_version = 1\nname = \"big\"\ndescription = \"x\"\n\
            [energy]\ncell_array = 1e300\nadc = 1e-300\nglb = 1e9\n[latency]\ncrossbar = 1e300\n\
            digital = 1e-9\n[area]\ncell_array = 1e300\n";
        let e = Calibration::parse("big.toml", text)
            .unwrap_err()
            .to_string();
        for want in [
            "[energy].cell_array = 1e300: out of range; allowed: a factor from 1e-9 to 1e9",
            "[energy].adc = 1e-300",
            "[latency].crossbar = 1e300",
            "[area].cell_array = 1e300",
        ] {
            assert!(e.contains(want), "{want}: {e}");
        }
        assert!(!e.contains("glb") && !e.contains("digital"), "{e}");
    }

    /// 1,000 seeded mutations of the shipped RRAM calibration: none panics, and every one
    /// that loads has its factors and shares inside their range.
    #[test]
    fn mutated_calibration_files_load_in_range_or_are_refused() {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../search-spaces/calibrations/"
        );
        let base = std::fs::read_to_string(format!("{root}cimloop-paper-rram.toml")).unwrap();
        let mut m = crate::mutate::Mutator::new(9);
        let mut loaded = 0;
        for case in 0..1000 {
            let text = m.text(&base);
            if let Ok(c) = Calibration::parse("m.toml", &text) {
                loaded += 1;
                assert!(c.factors.out_of_range().is_empty(), "case {case}: {text}");
            }
        }
        assert!(loaded > 50 && loaded < 1000, "{loaded}");
    }

    /// The shipped calibrations load, their factors (2e-6 to 120) inside the range, and
    /// record the device they were fitted on.
    #[test]
    fn shipped_calibrations_are_inside_the_range() {
        for (name, device) in [
            ("cimloop-paper-rram", "rram"),
            ("cimloop-paper-sram", "sram"),
        ] {
            let c = Calibration::resolve(name).unwrap();
            assert!(c.factors.out_of_range().is_empty(), "{name}");
            assert_eq!(c.fitted_device.as_deref(), Some(device), "{name}");
        }
    }

    /// C8: a calibration that records its device refuses designs of another; one that
    /// records none takes any; the device is written back.
    #[test]
    fn c8_a_calibration_names_the_device_it_was_fitted_on() {
        let c = Calibration::parse("t.toml", &format!("fitted_device = \"sram\"\n{GOOD}")).unwrap();
        assert!(c.check_device("sram").is_ok());
        let e = c.check_device("rram").unwrap_err();
        assert!(
            e.contains("fitted on sram designs and does not apply to device = \"rram\""),
            "{e}"
        );
        let again = Calibration::parse("t.toml", &c.to_toml("")).unwrap();
        assert_eq!(again.fitted_device.as_deref(), Some("sram"));
        let any = Calibration::parse("t.toml", GOOD).unwrap();
        assert!(any.check_device("rram").is_ok() && any.check_device("sram").is_ok());
    }
}
