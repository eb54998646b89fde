//! Design-space files (`search-spaces/*.toml`, schema_version 1): `[fixed]` architecture
//! settings, `[params]` with each free parameter's allowed values in order, `[constraints]`
//! (`max_area_mm2`, `weights_on_chip`, `min_snr_db`). An architecture file is a space without free
//! parameters. Every name and value is checked against the cost model's parameter table; all
//! problems of a file are reported together, each naming the file, the key and what is allowed.

use crate::calibration::Calibration;
pub use crate::spec_file::SpaceError;
use crate::spec_file::{BUILTIN_SPACES, read_file, read_named, to_value};
use imc_model::arch;
use imc_model::param::Value;
use imc_model::{Architecture, Factors, ModelError};

/// A space's `[constraints]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraints {
    /// Designs above this area are infeasible.
    pub max_area_mm2: Option<f64>,
    /// All weights must fit in the crossbars.
    pub weights_on_chip: Option<bool>,
    /// Designs whose compute SNR (`imc_model::snr`, the worst layer of any workload) is below
    /// this are infeasible, dB; within [`MIN_SNR_RANGE`].
    pub min_snr_db: Option<f64>,
}

/// The values `min_snr_db` (and `--min-snr`) may take, dB: -100 (anything) to 200 (more
/// than an exact 32-bit sum's).
pub const MIN_SNR_RANGE: (f64, f64) = (-100.0, 200.0);

/// Checks a minimum compute SNR, dB.
pub fn check_min_snr(db: f64) -> Result<f64, String> {
    let (lo, hi) = MIN_SNR_RANGE;
    if (lo..=hi).contains(&db) {
        // -0 is 0 (it would print as "-0 dB").
        Ok(db + 0.0)
    } else {
        Err(format!(
            "min_snr_db = {}: out of range; allowed {lo} to {hi} dB",
            crate::report::bounded(db)
        ))
    }
}

/// A design-space file, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    /// Where it was read from (`search-spaces/<name>.toml` for a built-in one).
    pub file: String,
    /// Its `name`.
    pub name: String,
    /// Its `description`.
    pub description: String,
    /// `[fixed]` settings, in file order.
    pub fixed: Vec<(String, Value)>,
    /// `[params]`: each free parameter's allowed values, in file order.
    pub params: Vec<(String, Vec<Value>)>,
    /// `[constraints]`.
    pub constraints: Constraints,
    /// The calibration the file names (`calibration = "..."`) or a study was given; its
    /// parameters are already in `fixed`.
    pub calibration: Option<Calibration>,
    /// A published design's `[published]` table (`search-spaces/reference/chips/`): what its
    /// paper reports, read by `imcdse validate` (`crate::silicon`) and ignored by every other
    /// command.
    pub published: Option<toml::Table>,
}

/// Parses a value typed on the command line: a number, `true`/`false`, or a word.
pub fn parse_cli_value(text: &str) -> Value {
    let t = text.trim();
    match t {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => t
            .parse::<f64>()
            .map(Value::Num)
            .unwrap_or_else(|_| Value::Str(t.trim_matches('"').to_string())),
    }
}

/// Parses `k=v,k=v` (values as [`parse_cli_value`] reads them); a pair without `=` or a key
/// given twice is an error.
pub fn parse_set(set: &str) -> Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    for kv in set.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(format!("--set: {kv:?} is not key=value"));
        };
        let k = k.trim().to_string();
        if out.iter().any(|(o, _): &(String, Value)| *o == k) {
            return Err(format!("--set: `{k}` is given twice"));
        }
        out.push((k, parse_cli_value(v)));
    }
    Ok(out)
}

/// The top-level keys, `schema_version`, `name` and `description`.
fn header(table: &toml::Table, problems: &mut Vec<String>) -> (String, String) {
    for key in table.keys() {
        if ![
            "schema_version",
            "name",
            "description",
            "fixed",
            "params",
            "constraints",
            "calibration",
            "published",
        ]
        .contains(&key.as_str())
        {
            problems.push(format!("unknown key `{key}`; allowed: schema_version, name, description, calibration, fixed, params, constraints, published"));
        }
    }
    match table.get("schema_version") {
        Some(toml::Value::Integer(1)) => {}
        Some(v) => problems.push(format!(
            "schema_version = {v} is not supported; this build reads schema_version = 1"
        )),
        None => problems.push("schema_version: missing; write schema_version = 1".into()),
    }
    let text_of = |key: &str, problems: &mut Vec<String>| match table.get(key) {
        Some(toml::Value::String(s)) => s.clone(),
        Some(v) => {
            problems.push(format!("{key} = {v}: expected a string"));
            String::new()
        }
        None => {
            problems.push(format!("{key}: missing"));
            String::new()
        }
    };
    let name = text_of("name", problems);
    let description = text_of("description", problems);
    (name, description)
}

/// A `[section]` table (empty when absent).
fn section(table: &toml::Table, key: &str, problems: &mut Vec<String>) -> toml::Table {
    match table.get(key) {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => {
            problems.push(format!("[{key}] must be a table"));
            toml::Table::new()
        }
    }
}

/// `[fixed]`: each value checked against the parameter table.
fn fixed(section: toml::Table, problems: &mut Vec<String>) -> Vec<(String, Value)> {
    let mut fixed = Vec::new();
    for (k, v) in section {
        let Some(val) = to_value(&v) else {
            problems.push(format!(
                "[fixed].{k} = {v}: expected a number, a boolean or a string"
            ));
            continue;
        };
        match arch::find(&k).and_then(|p| p.check(&val)) {
            Ok(()) => fixed.push((k, val)),
            Err(e) => problems.push(format!("[fixed].{k}: {e}")),
        }
    }
    fixed
}

/// `[params]`: non-empty lists of distinct values, each checked; none also fixed.
fn params(
    section: toml::Table,
    fixed: &[(String, Value)],
    problems: &mut Vec<String>,
) -> Vec<(String, Vec<Value>)> {
    let mut params = Vec::new();
    for (k, v) in section {
        let p = match arch::find(&k) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("[params].{k}: {e}"));
                continue;
            }
        };
        if fixed.iter().any(|(f, _)| *f == k) {
            problems.push(format!(
                "[params].{k}: also in [fixed]; a parameter is either fixed or free"
            ));
            continue;
        }
        let toml::Value::Array(items) = v else {
            problems.push(format!(
                "[params].{k}: expected a list of allowed values, e.g. {k} = [..]"
            ));
            continue;
        };
        if items.is_empty() {
            problems.push(format!(
                "[params].{k}: empty list; give at least one value ({})",
                p.allowed()
            ));
            continue;
        }
        let mut values: Vec<Value> = Vec::new();
        for item in &items {
            match to_value(item) {
                Some(val) => match p.check(&val) {
                    Ok(()) if values.contains(&val) => {
                        problems.push(format!("[params].{k}: {val} is listed twice"))
                    }
                    Ok(()) => values.push(val),
                    Err(e) => problems.push(format!("[params].{k}: {e}")),
                },
                None => problems.push(format!(
                    "[params].{k}: {item} is not a number, boolean or string"
                )),
            }
        }
        params.push((k, values));
    }
    params
}

/// `[constraints]`: `max_area_mm2` (positive), `weights_on_chip` (agreeing with `[fixed]`)
/// and `min_snr_db` ([`MIN_SNR_RANGE`]).
fn constraints(
    section: toml::Table,
    fixed: &[(String, Value)],
    problems: &mut Vec<String>,
) -> Constraints {
    let mut constraints = Constraints {
        max_area_mm2: None,
        weights_on_chip: None,
        min_snr_db: None,
    };
    for (k, v) in section {
        let number = to_value(&v).and_then(|x| if let Value::Num(x) = x { Some(x) } else { None });
        match (k.as_str(), number, &v) {
            ("max_area_mm2", Some(x), _) if x > 0.0 && x.is_finite() => {
                constraints.max_area_mm2 = Some(x)
            }
            ("max_area_mm2", Some(_), _) => problems.push(format!(
                "[constraints].max_area_mm2 = {v}: out of range; allowed a positive number of mm2"
            )),
            ("min_snr_db", Some(x), _) => match check_min_snr(x) {
                Ok(x) => constraints.min_snr_db = Some(x),
                Err(e) => problems.push(format!("[constraints].{e}")),
            },
            ("weights_on_chip", _, toml::Value::Boolean(b)) => {
                constraints.weights_on_chip = Some(*b)
            }
            ("max_area_mm2" | "min_snr_db" | "weights_on_chip", _, _) => problems.push(format!(
                "[constraints].{k} = {v}: expected {}",
                if k == "weights_on_chip" {
                    "true or false"
                } else {
                    "a number"
                }
            )),
            _ => problems.push(format!(
                "[constraints].{k}: unknown constraint; allowed: max_area_mm2, weights_on_chip, min_snr_db"
            )),
        }
    }
    if let Some(w) = constraints.weights_on_chip
        && fixed
            .iter()
            .any(|(k, v)| k == "weights_on_chip" && *v != Value::Bool(w))
    {
        problems.push("[constraints].weights_on_chip contradicts [fixed].weights_on_chip".into());
    }
    constraints
}

impl Space {
    /// A space by built-in name (`paper-rram`) or by path to a `.toml` file.
    pub fn resolve(name: &str) -> Result<Space, SpaceError> {
        let (file, text) = read_named(name, BUILTIN_SPACES, "search-spaces", "space")?;
        Space::parse(&file, &text)
    }

    /// Reads and checks a space file.
    pub fn load(path: &str) -> Result<Space, SpaceError> {
        Space::parse(path, &read_file(path)?)
    }

    /// Checks a space file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Space, SpaceError> {
        let fail = |problems: Vec<String>| SpaceError {
            file: file.into(),
            problems,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| fail(vec![imc_zoo::error::toml_syntax_line(text, &e)]))?;
        let mut problems = Vec::new();
        let (name, description) = header(&table, &mut problems);
        let fixed = fixed(section(&table, "fixed", &mut problems), &mut problems);
        let params = params(
            section(&table, "params", &mut problems),
            &fixed,
            &mut problems,
        );
        let c = section(&table, "constraints", &mut problems);
        let constraints = constraints(c, &fixed, &mut problems);
        let published = table
            .contains_key("published")
            .then(|| section(&table, "published", &mut problems));
        if let Some(Err(e)) = published.as_ref().map(crate::published::parse) {
            problems.push(e);
        }
        let calibration = match table.get("calibration") {
            None => None,
            Some(toml::Value::String(c)) => match Calibration::resolve(c) {
                Ok(c) => Some(c),
                Err(e) => {
                    problems.push(format!("calibration = {c:?}: {e}"));
                    None
                }
            },
            Some(v) => {
                problems.push(format!(
                    "calibration = {v}: expected the name or path of a calibration"
                ));
                None
            }
        };
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        let space = Space {
            file: file.into(),
            name,
            description,
            fixed,
            params,
            constraints,
            calibration: None,
            published,
        };
        match calibration {
            Some(c) => space.calibrate(c),
            None => Ok(space),
        }
    }

    /// The space with a calibration: its parameters join `[fixed]` (a parameter the space
    /// searches, or fixes to another value, is an error naming both), its factors apply to
    /// every design. A space that already has a calibration cannot take another.
    pub fn calibrate(mut self, c: Calibration) -> Result<Space, SpaceError> {
        let mut problems = Vec::new();
        if let Some(old) = &self.calibration {
            problems.push(format!(
                "already calibrated by {} ({}); use a space without `calibration` to apply {}",
                old.name, old.file, c.file
            ));
        }
        for (k, v) in &c.parameters {
            if self.params.iter().any(|(p, _)| p == k) {
                problems.push(format!(
                    "calibration {} sets `{k}`, which this space searches ([params].{k})",
                    c.file
                ));
            } else if let Some((_, f)) = self.fixed.iter().find(|(p, _)| p == k) {
                if f != v {
                    problems.push(format!(
                        "calibration {} sets {k} = {v}, [fixed].{k} = {f}",
                        c.file
                    ));
                }
            } else {
                self.fixed.push((k.clone(), v.clone()));
            }
        }
        for device in self.devices() {
            if let Err(e) = c.check_device(&device) {
                problems.push(e);
            }
        }
        if !problems.is_empty() {
            return Err(SpaceError {
                file: self.file,
                problems,
            });
        }
        self.calibration = Some(c);
        Ok(self)
    }

    /// The devices of the space's designs: the values it searches, else its fixed one, else
    /// the model's default.
    pub fn devices(&self) -> Vec<String> {
        let word = |v: &Value| match v {
            Value::Str(s) => s.clone(),
            other => other.to_string(),
        };
        if let Some((_, values)) = self.params.iter().find(|(k, _)| k == "device") {
            return values.iter().map(word).collect();
        }
        if let Some((_, v)) = self.fixed.iter().find(|(k, _)| k == "device") {
            return vec![word(v)];
        }
        let default = Architecture::from_values(&[]).map(|a| a.cell.device);
        vec![
            default
                .unwrap_or(imc_model::Device::Rram)
                .word()
                .to_string(),
        ]
    }

    /// The calibration factors of every design (all 1 without a calibration).
    pub fn factors(&self) -> Factors {
        self.calibration
            .as_ref()
            .map_or_else(Factors::default, |c| c.factors)
    }

    /// The search's view of the space: one dimension per free parameter, in order, with its
    /// name and number of values.
    pub fn search_space(&self) -> imc_search::Space {
        imc_search::Space::new(
            self.params
                .iter()
                .map(|(k, v)| (k.clone(), v.len() as u32))
                .collect(),
        )
    }

    /// Number of designs: the product of the list lengths.
    pub fn size(&self) -> u128 {
        self.params.iter().map(|(_, v)| v.len() as u128).product()
    }

    /// The architecture at the given choice of free parameters, plus overrides of fixed ones.
    /// Every free parameter must be given, with one of its listed values.
    pub fn architecture(&self, set: &[(String, Value)]) -> Result<Architecture, SpaceError> {
        let fail = |problems: Vec<String>| SpaceError {
            file: self.file.clone(),
            problems,
        };
        let mut problems = Vec::new();
        for (k, v) in set {
            if let Some((_, allowed)) = self.params.iter().find(|(p, _)| p == k) {
                if !allowed.contains(v) {
                    let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
                    problems.push(format!(
                        "--set {k}={v}: not one of the space's values for `{k}`: {}",
                        list.join(", ")
                    ));
                }
            } else if let Err(e) = arch::find(k).and_then(|p| p.check(v)) {
                problems.push(format!("--set {k}: {e}"));
            }
        }
        let missing: Vec<&str> = self
            .params
            .iter()
            .filter(|(p, _)| !set.iter().any(|(k, _)| k == p))
            .map(|(p, _)| p.as_str())
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "free parameters need a value with --set: {}",
                missing.join(", ")
            ));
        }
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        self.build(set)
            .map_err(|e: ModelError| fail(vec![e.to_string()]))
    }

    /// What every design of the space is set to: `[fixed]`, then the constraints'
    /// `weights_on_chip`.
    pub fn base_values(&self) -> Vec<(String, Value)> {
        let mut values = self.fixed.clone();
        if let Some(w) = self.constraints.weights_on_chip {
            values.push(("weights_on_chip".into(), Value::Bool(w)));
        }
        values
    }

    /// The architecture of [`Space::base_values`] and then `values` (unchecked against the
    /// space's lists; the parameter table checks them), with the calibration's factors.
    pub fn build(&self, values: &[(String, Value)]) -> Result<Architecture, ModelError> {
        let mut all = self.base_values();
        all.extend(values.iter().cloned());
        let mut a = Architecture::from_values(&all)?;
        if let Some(c) = &self.calibration {
            c.check_device(a.cell.device.word())
                .map_err(ModelError::Combination)?;
        }
        a.factors = self.factors();
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../search-spaces/");

    #[test]
    fn paper_rram_has_twelve_million_designs() {
        let s = Space::load(&format!("{ROOT}paper-rram.toml")).unwrap();
        assert_eq!(s.size(), 12_096_000);
        assert_eq!(s.params.len(), 9);
        assert_eq!(
            s.constraints,
            Constraints {
                max_area_mm2: Some(800.0),
                weights_on_chip: Some(true),
                min_snr_db: None,
            }
        );
    }

    #[test]
    fn shipped_spaces_have_the_published_sizes() {
        for (name, size) in [
            ("paper-rram", 12_096_000u128),
            ("paper-sram", 2_488_320),
            ("paper-sram9", 4_064_256),
            ("paper-rram-accuracy", 2_612_736_000),
            ("demo", 324),
        ] {
            let s = Space::resolve(name).unwrap();
            assert_eq!(s.size(), size, "{name}");
            assert_eq!(s.name, name);
        }
        // The SRAM-4 space the original code could reach: its bounds dropped one crossbar size
        // per axis and one buffer size.
        let s = Space::resolve("paper-sram").unwrap();
        let reached: u128 = s
            .params
            .iter()
            .map(|(k, v)| match k.as_str() {
                "rows" | "cols" => v.len() as u128 - 1,
                "glb_mib" => v.len() as u128 - 1,
                _ => v.len() as u128,
            })
            .product();
        assert_eq!(reached, 1_512_000);
        let e = Space::resolve("paper-xyz").unwrap_err().to_string();
        assert!(
            e.contains("no such built-in space") && e.contains("paper-rram"),
            "{e}"
        );
    }

    fn err(body: &str) -> String {
        Space::parse(
            "s.toml",
            &format!("schema_version = 1\nname = \"s\"\ndescription = \"d\"\n{body}"),
        )
        .unwrap_err()
        .to_string()
    }

    #[test]
    fn bad_spaces_name_key_and_allowed() {
        let e = err("[params]\ncolumns = [32]\n");
        assert!(
            e.contains("s.toml")
                && e.contains("[params].columns")
                && e.contains("unknown architecture parameter")
                && e.contains("cols"),
            "{e}"
        );
        let e = err("[params]\nrows = []\n");
        assert!(
            e.contains("[params].rows: empty list") && e.contains("8..=4096"),
            "{e}"
        );
        let e = err("[params]\nrows = [32, 5000]\n");
        assert!(
            e.contains("5000 is out of range") && e.contains("integers 8..=4096"),
            "{e}"
        );
        let e = err("[params]\nrows = [32, 32]\n");
        assert!(e.contains("listed twice"), "{e}");
        let e = err("[fixed]\nrows = 64\n[params]\nrows = [32]\n");
        assert!(e.contains("also in [fixed]"), "{e}");
        let e = err("[fixed]\ndevice = \"mram\"\n");
        assert!(
            e.contains("[fixed].device") && e.contains("rram | sram | pcm"),
            "{e}"
        );
        let e = err("[constraints]\nmax_area = 3\n");
        assert!(
            e.contains("unknown constraint") && e.contains("max_area_mm2"),
            "{e}"
        );
        let e = err("[constraints]\nmax_area_mm2 = -3\n");
        assert!(e.contains("positive number"), "{e}");
        let e = err("[params]\nrows = 32\n[fixed]\ncols = [1]\n");
        assert!(
            e.contains("2 problems")
                && e.contains("expected a list")
                && e.contains("expected a number"),
            "{e}"
        );
        let e = Space::parse(
            "s.toml",
            "schema_version = 2\nname = \"s\"\ndescription = \"\"\nfoo = 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("schema_version = 2 is not supported") && e.contains("unknown key `foo`"),
            "{e}"
        );
        let e = Space::parse("s.toml", "schema_version = \n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.toml: line 1"), "{e}");
    }

    #[test]
    fn architecture_needs_every_free_parameter_from_its_list() {
        let s = Space::parse("s.toml", "schema_version = 1\nname = \"s\"\ndescription = \"\"\n[params]\nrows = [64, 128]\ncols = [64]\n").unwrap();
        let e = s
            .architecture(&[("rows".into(), Value::Num(64.0))])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("free parameters need a value with --set: cols"),
            "{e}"
        );
        let e = s
            .architecture(&[
                ("rows".into(), Value::Num(96.0)),
                ("cols".into(), Value::Num(64.0)),
            ])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not one of the space's values for `rows`: 64, 128"),
            "{e}"
        );
        let a = s
            .architecture(&[
                ("rows".into(), Value::Num(64.0)),
                ("cols".into(), Value::Num(64.0)),
                ("adc_bits".into(), Value::Num(6.0)),
            ])
            .unwrap();
        assert_eq!((a.crossbar.rows, a.crossbar.cols, a.adc.bits), (64, 64, 6));
        let e = s
            .architecture(&[
                ("rows".into(), Value::Num(64.0)),
                ("cols".into(), Value::Num(64.0)),
                ("bits_per_cell".into(), Value::Num(9.0)),
            ])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--set bits_per_cell") && e.contains("1..=8"),
            "{e}"
        );
    }

    /// A minimum SNR is a number in range; -0 is taken as 0, not shown as "-0 dB".
    #[test]
    fn minimum_snr_bounds() {
        assert_eq!(check_min_snr(12.0), Ok(12.0));
        let zero = check_min_snr(-0.0).unwrap();
        assert!(zero == 0.0 && zero.is_sign_positive());
        assert_eq!(format!("{zero}"), "0");
        for bad in [f64::NAN, f64::NEG_INFINITY, -100.5, 200.5] {
            assert!(
                check_min_snr(bad).unwrap_err().contains("out of range"),
                "{bad}"
            );
        }
    }
}
