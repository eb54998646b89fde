//! Fit a calibration to a reference simulator's table (`imcdse calibrate`).
//!
//! The reference's designs are split once, by seed, into fit rows and held-out rows. For each
//! structural choice the space leaves open (`replication` x `depthwise_packing` x
//! `digital_lanes_at` x `dac_bits` of 1 or the input bits), every fit design is costed once
//! with factors of 1, keeping its parts: area by part, and each workload's energy and latency
//! by part. A total is linear in the factors, `sum_p f_p x_p`, so the factors are fitted
//! without costing again: robust least squares on log ratios,
//!
//! `minimize (1/n) sum_i huber(ln(sum_p f_p x_ip) - ln y_i) + mu sum_p (ln f_p)^2`,
//!
//! over `ln f` (one fit each for area, energy and latency, with argmin's L-BFGS and a
//! More-Thuente line search, at most 300 iterations), Huber's `delta` = 0.25 (a 28% ratio)
//! and a small ridge `mu` = 1e-6 that splits collinear parts evenly (a factor no row informs
//! stays at 1). The search starts twice, from equal factors and from the non-negative least
//! squares of the ratios (`nnls.rs`; convex, so a reference the model can express exactly is
//! met exactly), and keeps the better end. The choice
//! with the least total loss (area + energy + latency) wins. The report compares the model
//! before and after, on the fit rows and on the held-out rows.
//!
//! With `voltage_laws` (for a reference that varies the supply while the model's voltage
//! scaling is off, as the paper framework's CiMLoop runs do), each energy part enters three
//! times, `x_p`, `x_p cv2(V)` and `x_p drive(V)` (`imc_model::supply`), and the fit gives each
//! part a factor and two law shares; it starts from a third each. The ridge holds the factors,
//! not the shares, so that a share the data sets to 0 can fall there.
//!
//! How many designs: a fit (area, energy or latency) has one factor per part some design has
//! (three with voltage laws). With fewer designs to fit on than the largest fit has factors,
//! the fit is underdetermined (the ridge, not the data, would choose the factors) and
//! calibrate refuses; with fewer than [`DESIGNS_PER_FACTOR`] per factor it warns, in the
//! report and on stderr, that the factors are loosely determined. A fitted factor outside the
//! calibration range (`imc_model::factors::FACTOR_RANGE`) is set to the range's end, with a
//! warning, so that the calibration written always loads. The calibration records the device
//! of the designs fitted on (`fitted_device`) when they have one.

use super::fidelity::{Fidelity, fidelity, markdown_table};
use crate::calibration::Calibration;
use crate::progress::{Muted, Progress};
use crate::reference::Reference;
use crate::space::Space as SpaceFile;
use anyhow::{Result, anyhow, bail};
use argmin::core::{CostFunction, Error, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use imc_model::breakdown::{Area, Energy, Latency};
use imc_model::{DepthwisePacking, Factors, LanesAt, Replication, Value, evaluate_design, supply};
use rayon::prelude::*;

/// Huber's threshold on log ratios.
const DELTA: f64 = 0.25;
/// Ridge weight on log factors.
const MU: f64 = 1e-6;
/// Designs to fit on per factor of the largest fit below which calibrate warns.
pub const DESIGNS_PER_FACTOR: usize = 3;

/// A calibration fitted, and how the model fares before and after.
pub struct Fitted {
    /// The calibration.
    pub calibration: Calibration,
    /// Each structural choice tried, as `k=v` text, with its losses on area, energy and
    /// latency (the winner's sum is the least).
    pub choices: Vec<(String, [f64; 3])>,
    /// Uncalibrated, on the fit rows.
    pub before_fit: Fidelity,
    /// Calibrated, on the fit rows.
    pub after_fit: Fidelity,
    /// Uncalibrated, on the held-out rows (`None` without held-out rows).
    pub before_holdout: Option<Fidelity>,
    /// Calibrated, on the held-out rows.
    pub after_holdout: Option<Fidelity>,
    /// What the user should know about the fit: few designs per factor, factors set to the
    /// end of their range, repeated rows of the reference.
    pub warnings: Vec<String>,
}

/// What to fit.
pub struct CalibrateOptions {
    /// The name written into the calibration.
    pub name: String,
    /// Share of the designs held out of the fit, 0 to 0.9.
    pub holdout: f64,
    /// Seed of the split.
    pub seed: u64,
    /// Fit supply-voltage law shares per energy part besides the factors.
    pub voltage_laws: bool,
}

/// Fits a calibration of `space` (which must have none) to `reference`; `progress` shows the
/// costing and gets the warnings as notes.
pub fn calibrate(
    space: &SpaceFile,
    reference: &Reference,
    o: &CalibrateOptions,
    progress: &dyn Progress,
) -> Result<Fitted> {
    if space.calibration.is_some() {
        bail!(
            "{}: the space is calibrated already; fit on a space without `calibration`",
            space.file
        );
    }
    if !(0.0..=0.9).contains(&o.holdout) {
        bail!("--holdout {}: out of range; allowed 0 to 0.9", o.holdout);
    }
    let (fit, held) = split(reference, o.holdout, o.seed);
    if fit.designs.len() < 2 {
        bail!(
            "{}: {} designs leave fewer than 2 to fit on{}",
            reference.file.display(),
            reference.designs.len(),
            match reference.duplicates {
                0 => String::new(),
                n => format!(" ({n} more rows repeat one of them)"),
            }
        );
    }
    let (choices, best, parameters) = fit_every_choice(space, &fit, o.voltage_laws, progress)?;
    let warnings = warnings(reference, fit.designs.len(), &best);
    for w in &warnings {
        progress.note(&format!("warning: {w}"));
    }
    let factors = best.factors;
    let calibration = Calibration {
        file: String::new(),
        name: o.name.clone(),
        description: format!("fitted to {} for {}", file_name(reference), space.name),
        fitted_on: format!(
            "{}: {} of {} designs (held out {}, split seed {}), workloads {}",
            file_name(reference),
            fit.designs.len(),
            reference.designs.len(),
            held.designs.len(),
            o.seed,
            reference
                .workloads
                .iter()
                .map(|w| w.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        fitted_device: fitted_device(space, &fit),
        parameters,
        factors,
    };
    let calibrated = space.clone().calibrate(calibration.clone())?;
    let held_some = (!held.designs.is_empty()).then_some(&held);
    let bars = Muted(progress);
    Ok(Fitted {
        before_fit: fidelity(space, &fit, &[], &bars)?,
        after_fit: fidelity(&calibrated, &fit, &[], &bars)?,
        before_holdout: held_some
            .map(|h| fidelity(space, h, &[], &bars))
            .transpose()?,
        after_holdout: held_some
            .map(|h| fidelity(&calibrated, h, &[], &bars))
            .transpose()?,
        calibration,
        choices,
        warnings,
    })
}

/// Parameter settings, `(name, value)`.
type Settings = Vec<(String, Value)>;

/// Each structural choice as `k=v` text, with its losses on area, energy and latency.
type Losses = Vec<(String, [f64; 3])>;

/// Every structural choice fitted: each choice as `k=v` text with its losses, and the best
/// fit (the least total loss) with its choice.
fn fit_every_choice(
    space: &SpaceFile,
    fit: &Reference,
    laws: bool,
    progress: &dyn Progress,
) -> Result<(Losses, ChoiceFit, Settings)> {
    let all = structural_choices(space);
    let bar = progress.bar(all.len() as u64, "fitting each structural choice");
    let fits = all
        .into_iter()
        .map(|choice| {
            let fitted = fit_choice(space, fit, &choice, laws);
            bar.inc(1);
            Ok((fitted?, choice))
        })
        .collect::<Result<Vec<_>>>();
    bar.finish();
    let fits = fits?;
    let choices = fits
        .iter()
        .map(|(f, choice)| {
            let text: Vec<String> = choice.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (text.join(", "), f.losses)
        })
        .collect();
    let total = |l: &[f64; 3]| l.iter().sum::<f64>();
    let (best, parameters) = fits
        .into_iter()
        .min_by(|a, b| total(&a.0.losses).total_cmp(&total(&b.0.losses)))
        .ok_or_else(|| anyhow!("no structural choice to fit"))?;
    Ok((choices, best, parameters))
}

/// The device of the designs fitted on, when they have one: the space's only device, or the
/// one value of its searched `device` among the fit designs.
fn fitted_device(space: &SpaceFile, fit: &Reference) -> Option<String> {
    let mut devices = space.devices();
    if devices.len() > 1 {
        devices = fit
            .designs
            .iter()
            .filter_map(|d| d.set.iter().find(|(k, _)| k == "device"))
            .map(|(_, v)| match v {
                Value::Str(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        devices.sort();
        devices.dedup();
    }
    match devices.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The warnings of a fit on `designs` designs: repeated rows, few designs per factor,
/// factors set to the end of their range.
fn warnings(reference: &Reference, designs: usize, best: &ChoiceFit) -> Vec<String> {
    let mut out = Vec::new();
    if reference.duplicates > 0 {
        out.push(format!(
            "{} rows of {} repeat an earlier row's design and costs; each design counts once",
            reference.duplicates,
            reference.file.display()
        ));
    }
    let (what, factors) = best.largest;
    if designs < DESIGNS_PER_FACTOR * factors {
        out.push(format!(
            "{designs} designs to fit on for {factors} {what} factors, fewer than \
             {DESIGNS_PER_FACTOR} per factor: the factors are loosely determined; judge the \
             calibration by the held-out rows"
        ));
    }
    for (name, x) in &best.clamped {
        out.push(format!(
            "{name} was fitted to {x:.3e}, outside the calibration range; it is set to the \
             range's end"
        ));
    }
    out
}

fn file_name(r: &Reference) -> String {
    r.file.file_name().map_or_else(
        || r.file.display().to_string(),
        |f| f.to_string_lossy().into(),
    )
}

/// splitmix64's finalizer: a well-mixed hash of a number (Steele, Lea & Flood, OOPSLA 2014).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The reference split into (fit, held out): designs ordered by a hash of the seed and their
/// row, the first `holdout` share held out.
pub fn split(r: &Reference, holdout: f64, seed: u64) -> (Reference, Reference) {
    let mut order: Vec<usize> = (0..r.designs.len()).collect();
    order.sort_by_key(|&i| (mix(seed ^ mix(r.designs[i].row as u64)), i));
    let n_held = (r.designs.len() as f64 * holdout).round() as usize;
    let pick = |idx: &[usize]| {
        let mut idx = idx.to_vec();
        idx.sort_unstable();
        Reference {
            designs: idx.iter().map(|&i| r.designs[i].clone()).collect(),
            ..r.clone()
        }
    };
    (pick(&order[n_held..]), pick(&order[..n_held]))
}

/// The structural settings to try: each of `replication`, `depthwise_packing`,
/// `digital_lanes_at` and `dac_bits` (1 or the input bits) that the space neither fixes nor
/// searches.
fn structural_choices(space: &SpaceFile) -> Vec<Vec<(String, Value)>> {
    let open = |k: &str| {
        !space.params.iter().any(|(p, _)| p == k) && !space.fixed.iter().any(|(p, _)| p == k)
    };
    let input_bits = space
        .fixed
        .iter()
        .find(|(k, _)| k == "input_bits")
        .map_or(Value::Num(8.0), |(_, v)| v.clone());
    let mut axes: Vec<(&str, Vec<Value>)> = Vec::new();
    let choices = [
        ("replication", Replication::WORDS),
        ("depthwise_packing", DepthwisePacking::WORDS),
        ("digital_lanes_at", LanesAt::WORDS),
    ];
    for (name, words) in choices.into_iter().filter(|(name, _)| open(name)) {
        let values = words.iter().map(|w| Value::Str(w.to_string())).collect();
        axes.push((name, values));
    }
    if open("dac_bits") {
        axes.push(("dac_bits", vec![Value::Num(1.0), input_bits]));
    }
    let mut out: Vec<Vec<(String, Value)>> = vec![Vec::new()];
    for (k, values) in axes {
        out = out
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((k.to_string(), v.clone()));
                    c
                })
            })
            .collect();
    }
    out
}

/// Every fit design costed with `choice` and factors of 1: parts and reference values.
struct Rows {
    area: (Vec<Vec<f64>>, Vec<f64>),
    energy: (Vec<Vec<f64>>, Vec<f64>),
    latency: (Vec<Vec<f64>>, Vec<f64>),
}

fn rows(
    space: &SpaceFile,
    fit: &Reference,
    choice: &[(String, Value)],
    laws: bool,
) -> Result<Rows> {
    let costed = fit
        .designs
        .par_iter()
        .map(|d| {
            let a = fit.architecture(space, choice, d)?;
            // Each energy part's multipliers: itself, then (with laws) x cv2 and x drive.
            let law = if laws {
                let (v, nm) = (a.chip.voltage_v, a.chip.technology_nm);
                let Some(drive) = supply::drive(v, nm) else {
                    bail!(
                        "{} row {}: voltage_v = {v} is at or below {:.3} V, where the \
                         drive-sized supply law does not hold; fit without --voltage-laws",
                        fit.file.display(),
                        d.row,
                        supply::lowest_v(nm)
                    )
                };
                vec![1.0, supply::cv2(v, nm), drive]
            } else {
                vec![1.0]
            };
            Ok((d, law, evaluate_design(&a, &fit.workloads, None)))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut r = Rows {
        area: (vec![], vec![]),
        energy: (vec![], vec![]),
        latency: (vec![], vec![]),
    };
    for (d, law, report) in costed {
        r.area
            .0
            .push(report.area_breakdown_mm2.iter().map(|p| p.1).collect());
        r.area.1.push(d.area_mm2);
        for (i, w) in report.workloads.iter().enumerate() {
            let parts = w.energy_breakdown_mj.iter().map(|p| p.1);
            r.energy.0.push(
                law.iter()
                    .flat_map(|k| parts.clone().map(move |x| x * k))
                    .collect(),
            );
            r.energy.1.push(d.energy_mj[i]);
            r.latency
                .0
                .push(w.latency_breakdown_ms.iter().map(|p| p.1).collect());
            r.latency.1.push(d.latency_ms[i]);
        }
    }
    Ok(r)
}

/// One structural choice's fit.
struct ChoiceFit {
    /// The losses on area, energy and latency.
    losses: [f64; 3],
    /// The factors, in their range.
    factors: Factors,
    /// The largest fit, and its number of factors: (`energy`, 30).
    largest: (&'static str, usize),
    /// Factors fitted outside their range, as fitted (`energy.adc`, value).
    clamped: Vec<(String, f64)>,
}

/// How many factors the largest of the three fits has: parts some row has, per fit.
fn largest_fit(r: &Rows) -> (&'static str, usize) {
    let count = |parts: &[Vec<f64>]| {
        let n = parts.first().map_or(0, Vec::len);
        (0..n)
            .filter(|&p| parts.iter().any(|row| row[p] > 0.0))
            .count()
    };
    [
        ("area", count(&r.area.0)),
        ("energy", count(&r.energy.0)),
        ("latency", count(&r.latency.0)),
    ]
    .into_iter()
    .fold(("area", 0), |a, b| if b.1 > a.1 { b } else { a })
}

/// The factors fitted for one structural choice and their losses (area, energy, latency).
/// Fewer designs than factors is an error: the fit would be underdetermined.
fn fit_choice(
    space: &SpaceFile,
    fit: &Reference,
    choice: &[(String, Value)],
    laws: bool,
) -> Result<ChoiceFit> {
    let r = rows(space, fit, choice, laws)?;
    let largest = largest_fit(&r);
    let designs = fit.designs.len();
    if designs < largest.1 {
        let mut remedies = vec!["give a larger reference", "a smaller --holdout"];
        if laws {
            remedies.push("fit without --voltage-laws");
        }
        let last = remedies.pop().unwrap_or_default();
        bail!(
            "{}: {designs} designs to fit on for {} {} factors: the fit is underdetermined; \
             calibrate needs at least one design to fit on per factor (here {}): {}, or {last}",
            fit.file.display(),
            largest.1,
            largest.0,
            largest.1,
            remedies.join(", "),
        );
    }
    let (la, area, _) = log_fit(&r.area.0, &r.area.1, 0.0, usize::MAX)?;
    let start = if laws { -(3f64.ln()) } else { 0.0 };
    // With laws, the ridge holds the factors only: a law share that the data sets to 0 must be
    // free to fall (a ridge on its log would hold it near 1e-3 of the part, 2% of a large
    // part at a low supply).
    let ridged = if laws {
        r.energy.0.first().map_or(0, |p| p.len() / 3)
    } else {
        usize::MAX
    };
    let (le, energy, active) = log_fit(&r.energy.0, &r.energy.1, start, ridged)?;
    let (ll, latency, _) = log_fit(&r.latency.0, &r.latency.1, 0.0, usize::MAX)?;
    let mut factors = Factors {
        energy: Energy::from_values(to_array(&energy)),
        latency: Latency::from_values(to_array(&latency)),
        area: Area::from_values(to_array(&area)),
        ..Factors::default()
    };
    if laws {
        // A law share no row informs is 0 (absent), not the factor's neutral 1.
        let n = energy.len() / 3;
        let share = |k: usize| -> Vec<f64> {
            (k * n..(k + 1) * n)
                .map(|i| if active[i] { energy[i] } else { 0.0 })
                .collect()
        };
        factors.energy_cv2 = Energy::from_values(to_array(&share(1)));
        factors.energy_drive = Energy::from_values(to_array(&share(2)));
    }
    let losses = [la, le, ll];
    if losses.iter().any(|l| !l.is_finite()) {
        bail!(
            "{}: the fit's loss is not a finite number ({losses:?}); the reference's numbers are \
             out of the model's reach",
            fit.file.display()
        );
    }
    Ok(ChoiceFit {
        losses,
        clamped: factors.out_of_range(),
        factors: factors.clamped(),
        largest,
    })
}

fn to_array<const N: usize>(v: &[f64]) -> [f64; N] {
    let mut a = [1.0; N];
    for (x, y) in a.iter_mut().zip(v) {
        *x = *y;
    }
    a
}

/// Robust least squares on log ratios (see the module documentation), from two starts: log
/// factors of `start`, and the least-squares factors of the ratios (a convex problem, so exact
/// data is fitted exactly whatever the parts' mix); the better end wins. The mean loss at the
/// optimum, the factors, and which parts any row has. The ridge holds the first `ridged`
/// log factors.
fn log_fit(
    parts: &[Vec<f64>],
    target: &[f64],
    start: f64,
    ridged: usize,
) -> Result<(f64, Vec<f64>, Vec<bool>)> {
    let n = parts.first().map_or(0, |p| p.len());
    let active: Vec<bool> = (0..n)
        .map(|p| parts.iter().any(|row| row[p] > 0.0))
        .collect();
    // A part no row has keeps log factor 0 (a factor of 1).
    let init: Vec<f64> = active
        .iter()
        .map(|&a| if a { start } else { 0.0 })
        .collect();
    let problem = LogFit {
        parts: parts.to_vec(),
        target: target.iter().map(|y| y.ln()).collect(),
        active: active.clone(),
        ridged,
    };
    let linear = ratio_least_squares(parts, target, &active);
    let mut best: Option<(f64, Vec<f64>)> = None;
    for from in [init, linear] {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
        let result = Executor::new(problem.clone(), solver)
            .configure(|s| s.param(from.clone()).max_iters(300))
            .run()
            .map_err(|e| anyhow!("fitting factors: {e}"))?;
        let theta = result.state().get_best_param().cloned().unwrap_or(from);
        let loss = problem.loss(&theta);
        if best.as_ref().is_none_or(|(l, _)| loss < *l) {
            best = Some((loss, theta));
        }
    }
    let (loss, theta) = best.expect("two starts");
    Ok((loss, theta.iter().map(|t| t.exp()).collect(), active))
}

/// Log factors minimising `sum_i (sum_p f_p x_ip / y_i - 1)^2` over `f >= 0`
/// ([`super::nnls`]), floored at 1e-9 for the log; inactive parts stay at log 0.
fn ratio_least_squares(parts: &[Vec<f64>], target: &[f64], active: &[bool]) -> Vec<f64> {
    let rows: Vec<Vec<f64>> = parts
        .iter()
        .zip(target)
        .map(|(row, y)| row.iter().map(|x| x / y).collect())
        .collect();
    let f = super::nnls::nnls(&rows, &vec![1.0; target.len()]);
    f.iter()
        .zip(active)
        .map(|(x, &a)| if a { x.max(1e-9).ln() } else { 0.0 })
        .collect()
}

/// The fit's rows: parts per row, log targets, and which parts any row has.
#[derive(Clone)]
struct LogFit {
    parts: Vec<Vec<f64>>,
    target: Vec<f64>,
    active: Vec<bool>,
    /// How many leading log factors the ridge holds.
    ridged: usize,
}

impl LogFit {
    /// Calls `each(r, row, f, sum)` for every row: its residual `r = ln(sum f x) - ln y`, its
    /// parts, the factors `f` and the row's total (no allocation per row: the search calls
    /// this thousands of times on thousands of rows).
    fn rows(&self, theta: &[f64], mut each: impl FnMut(f64, &[f64], &[f64], f64)) {
        let f: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        for (row, y) in self.parts.iter().zip(&self.target) {
            let sum = row
                .iter()
                .zip(&f)
                .map(|(x, f)| x * f)
                .sum::<f64>()
                .max(f64::MIN_POSITIVE);
            each(sum.ln() - y, row, &f, sum);
        }
    }

    fn loss(&self, theta: &[f64]) -> f64 {
        let n = self.target.len().max(1) as f64;
        let mut data = 0.0;
        self.rows(theta, |r, _, _, _| data += huber(r));
        data / n + MU * theta.iter().take(self.ridged).map(|t| t * t).sum::<f64>()
    }
}

fn huber(r: f64) -> f64 {
    if r.abs() <= DELTA {
        r * r / 2.0
    } else {
        DELTA * (r.abs() - DELTA / 2.0)
    }
}

fn huber_slope(r: f64) -> f64 {
    r.clamp(-DELTA, DELTA)
}

impl CostFunction for LogFit {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, theta: &Vec<f64>) -> Result<f64, Error> {
        Ok(self.loss(theta))
    }
}

impl Gradient for LogFit {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, theta: &Vec<f64>) -> Result<Vec<f64>, Error> {
        let n = self.target.len().max(1) as f64;
        let mut g: Vec<f64> = theta
            .iter()
            .enumerate()
            .map(|(i, t)| if i < self.ridged { 2.0 * MU * t } else { 0.0 })
            .collect();
        // d loss / d theta_p = huber'(r) / n x (f_p x_p / sum), the part's share of the row.
        self.rows(theta, |r, row, f, sum| {
            let s = huber_slope(r) / n / sum;
            for ((gp, x), fp) in g.iter_mut().zip(row).zip(f) {
                *gp += s * x * fp;
            }
        });
        for (gp, active) in g.iter_mut().zip(&self.active) {
            if !active {
                *gp = 0.0;
            }
        }
        Ok(g)
    }
}

impl Fitted {
    /// The report: the choice, the factors, and fidelity before and after on the fit and the
    /// held-out rows.
    pub fn markdown(&self) -> String {
        let c = &self.calibration;
        let mut out = format!("# Calibration {}\n\nFitted on {}.\n\n", c.name, c.fitted_on);
        if !self.warnings.is_empty() {
            out += "Warnings:\n\n";
            for w in &self.warnings {
                out += &format!("- {w}\n");
            }
            out += "\n";
        }
        let winner = c
            .parameters
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>();
        out += &format!(
            "Structural choice: {} (least total loss of {} tried).\n\n",
            winner.join(", "),
            self.choices.len()
        );
        let rows: Vec<Vec<String>> = self
            .choices
            .iter()
            .map(|(k, l)| {
                let mut row = vec![k.clone()];
                row.extend(l.iter().map(|x| format!("{x:.4}")));
                row.push(format!("{:.4}", l.iter().sum::<f64>()));
                row
            })
            .collect();
        out += &markdown_table(
            &[
                "choice",
                ">area loss",
                ">energy loss",
                ">latency loss",
                ">total",
            ],
            &rows,
        );
        let factors: Vec<Vec<String>> = c
            .factors
            .named()
            .into_iter()
            .filter(|(_, x)| *x != 1.0)
            .map(|(k, x)| vec![k, format!("{x:.4}")])
            .collect();
        out += "\nFactors (the rest are 1):\n\n";
        out += &markdown_table(&["factor", ">value"], &factors);
        let flagged = c.flagged();
        if !flagged.is_empty() {
            out += &format!("\nOutside [0.1, 10]: {}.\n", flagged.join(", "));
        }
        out += "\n## Fidelity, uncalibrated -> calibrated\n\n";
        out += &compare_table(
            &self.before_fit,
            &self.after_fit,
            self.before_holdout.as_ref(),
            self.after_holdout.as_ref(),
        );
        out
    }
}

/// One row per agreement: rho and median ratio before -> after, on the fit rows and the
/// held-out rows; best-design ranks for the joint scores; then the slowest-workload agreement.
fn compare_table(
    bf: &Fidelity,
    af: &Fidelity,
    bh: Option<&Fidelity>,
    ah: Option<&Fidelity>,
) -> String {
    let f = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.3}"));
    let arrow = |a: String, b: String| format!("{a} -> {b}");
    let mut rows = Vec::new();
    for (i, a) in af.agreements.iter().enumerate() {
        let b = &bf.agreements[i];
        let mut row = vec![
            a.metric.clone(),
            a.workload.clone().unwrap_or_default(),
            arrow(f(b.spearman), f(a.spearman)),
            arrow(
                format!("{:.3}", b.median_ratio),
                format!("{:.3}", a.median_ratio),
            ),
        ];
        match (bh, ah) {
            (Some(bh), Some(ah)) => {
                let (b, a) = (&bh.agreements[i], &ah.agreements[i]);
                row.push(arrow(f(b.spearman), f(a.spearman)));
                row.push(arrow(
                    format!("{:.3}", b.median_ratio),
                    format!("{:.3}", a.median_ratio),
                ));
                row.push(
                    match (b.reference_best_in_model, a.reference_best_in_model) {
                        (Some(x), Some(y)) => format!("{x} -> {y} of {}", a.n),
                        _ => String::new(),
                    },
                );
            }
            _ => row.extend([String::new(), String::new(), String::new()]),
        }
        rows.push(row);
    }
    let mut out = markdown_table(
        &[
            "metric",
            "workload",
            ">fit: Spearman",
            ">fit: median ratio",
            ">held out: Spearman",
            ">held out: median ratio",
            ">held out: reference's best, our rank",
        ],
        &rows,
    );
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    out += &format!(
        "\nSame slowest workload: fit {} -> {}",
        pct(bf.largest_latency_agreement),
        pct(af.largest_latency_agreement)
    );
    if let (Some(bh), Some(ah)) = (bh, ah) {
        out += &format!(
            ", held out {} -> {}",
            pct(bh.largest_latency_agreement),
            pct(ah.largest_latency_agreement)
        );
    }
    out + ".\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data made with known factors is fitted back to them within 1%.
    #[test]
    fn recovers_known_factors() {
        // Three parts with varied shares; the truth scales them by 0.5, 3 and 20.
        let truth = [0.5, 3.0, 20.0];
        let mut parts = Vec::new();
        let mut y = Vec::new();
        for i in 0..60 {
            let x = vec![
                1.0 + (i % 7) as f64,
                0.2 + (i % 5) as f64 * 0.7,
                0.01 + (i % 3) as f64 * 0.05,
            ];
            y.push(x.iter().zip(truth).map(|(a, f)| a * f).sum());
            parts.push(x);
        }
        let (loss, f, _) = log_fit(&parts, &y, 0.0, usize::MAX).unwrap();
        for (got, want) in f.iter().zip(truth) {
            assert!((got / want - 1.0).abs() < 0.01, "{f:?}");
        }
        assert!(loss < 0.01, "{loss}");
    }

    #[test]
    fn parts_no_row_has_stay_at_one() {
        let parts: Vec<Vec<f64>> = (0..20).map(|i| vec![1.0 + i as f64, 0.0]).collect();
        let y: Vec<f64> = parts.iter().map(|p| p[0] * 4.0).collect();
        let (_, f, _) = log_fit(&parts, &y, 0.0, usize::MAX).unwrap();
        assert!((f[0] - 4.0).abs() < 0.04 && f[1] == 1.0, "{f:?}");
    }
}

#[cfg(test)]
mod own_data {
    use super::*;
    use crate::progress::{Quiet, Recorder};
    use crate::reference::own;
    use imc_model::breakdown::{AreaPart, EnergyPart, LatencyPart};

    /// A reference made by our own model, with known factors, on every design of demo.
    fn reference(truth: &Factors) -> (SpaceFile, Reference) {
        let space = SpaceFile::resolve("demo").unwrap();
        let r = own(&space, "resnet18,alexnet", *truth, 1);
        (space, r)
    }

    /// Factors put into our own model's numbers come back out of the fit within 1%, with the
    /// structure they were made with, and the held-out designs are ranked as the truth ranks
    /// them. (Parts whose counts are proportional on every design cannot be told apart: ADC
    /// and shift-add areas, one shift-add per ADC, share whatever factor the data asks of
    /// them, and so do ADC and shift-add energies, one of each per conversion: the test checks
    /// their sum per conversion.)
    #[test]
    fn calibration_recovers_factors_from_our_own_model() {
        let mut truth = Factors::default();
        truth.energy[EnergyPart::Adc] = 0.5;
        truth.energy[EnergyPart::CellArray] = 2.0;
        truth.latency[LatencyPart::Crossbar] = 3.0;
        truth.area[AreaPart::CellArray] = 2.0;
        truth.area[AreaPart::Glb] = 0.5;
        let (space, r) = reference(&truth);
        let o = CalibrateOptions {
            name: "own".into(),
            holdout: 0.3,
            seed: 1,
            voltage_laws: false,
        };
        let fitted = calibrate(&space, &r, &o, &Quiet).unwrap();
        let f = fitted.calibration.factors;
        let close = |a: f64, b: f64| (a / b - 1.0).abs() < 0.01;
        // Per conversion of demo's 5-bit ADC: 0.5 x ADC + 1 x shift-add.
        let a = imc_model::Architecture::default_rram();
        let t = imc_model::table::ComponentTable::new(&a);
        let (adc, sa) = (t.adc.energy_pj, t.shift_add.energy_pj);
        let per_conversion = f.energy[EnergyPart::Adc] * adc + f.energy[EnergyPart::ShiftAdd] * sa;
        assert!(close(per_conversion, 0.5 * adc + sa), "{:?}", f.energy);
        assert!(
            close(f.energy[EnergyPart::CellArray], 2.0),
            "{:?}",
            f.energy
        );
        assert!(
            close(f.latency[LatencyPart::Crossbar], 3.0),
            "{:?}",
            f.latency
        );
        assert!(close(f.area[AreaPart::CellArray], 2.0), "{:?}", f.area);
        assert!(close(f.area[AreaPart::Glb], 0.5), "{:?}", f.area);
        // The reference was made with the model's default structure: the fit finds it.
        let winner = &fitted.calibration.parameters;
        let default = imc_model::Architecture::from_values(&[]).unwrap();
        let word = default.placement.replication.word().to_string();
        assert!(
            winner.contains(&("replication".into(), Value::Str(word))),
            "{winner:?}"
        );
        let held = fitted.after_holdout.unwrap();
        for a in &held.agreements {
            assert!(a.spearman.unwrap() > 0.999, "{} {:?}", a.metric, a.spearman);
            assert!(
                close(a.median_ratio, 1.0),
                "{} {}",
                a.metric,
                a.median_ratio
            );
        }
    }

    /// A small space that searches the supply with the model's voltage scaling off, as the
    /// paper's spaces do: 4 x 3 x 3 x 2 = 72 designs.
    const SUPPLY: &str = "schema_version = 1\nname = \"supply\"\ndescription = \"test\"\n\
        [fixed]\ndevice = \"rram\"\ntechnology_nm = 32\nadc_bits = 5\ncycle_ns = 1\n\
        router_groups = 8\ntiles_per_group = 32\nvoltage_scaling = false\n\
        [params]\nvoltage_v = [0.5, 0.6, 0.75, 0.9]\nrows = [64, 128, 256]\n\
        cols = [64, 128, 256]\ncrossbars_per_tile = [32, 64]\n\
        [constraints]\nmax_area_mm2 = 800\nweights_on_chip = true\n";

    /// Energy made by our own model with supply laws is reproduced by a fit with
    /// `voltage_laws`: on the held-out designs the energy ratios are 1 within 2% at every
    /// supply and the ranks agree; a fit without the laws cannot follow the supply. (The
    /// shares themselves are not identifiable part by part: parts proportional on every
    /// design, such as ADC and shift-add, trade them freely, so the test checks totals.)
    #[test]
    fn calibration_reproduces_supply_laws_of_our_own_model() {
        let space = SpaceFile::parse("supply.toml", SUPPLY).unwrap();
        let mut truth = Factors::default();
        truth.energy[EnergyPart::Adc] = 0.4;
        truth.energy_cv2[EnergyPart::Adc] = 0.6;
        truth.energy[EnergyPart::CellArray] = 0.5;
        truth.energy_cv2[EnergyPart::CellArray] = 0.5;
        truth.energy_drive[EnergyPart::RowDrivers] = 0.5;
        let r = own(&space, "resnet18,alexnet", truth, 1);
        let o = |voltage_laws| CalibrateOptions {
            name: "laws".into(),
            holdout: 0.3,
            seed: 2,
            voltage_laws,
        };
        let energy = |h: &Fidelity| -> Vec<(f64, f64, f64)> {
            h.agreements
                .iter()
                .filter(|a| a.metric == "energy")
                .map(|a| (a.spearman.unwrap(), a.p10_ratio, a.p90_ratio))
                .collect()
        };
        let fitted = calibrate(&space, &r, &o(true), &Quiet).unwrap();
        assert!(fitted.calibration.factors.has_laws());
        for (rho, p10, p90) in energy(&fitted.after_holdout.unwrap()) {
            // Designs that differ only in crossbars per tile cost within 0.1% of each other, so
            // errors of a few 0.01% can swap them: rho 0.998, not 1.
            assert!(rho > 0.998 && p10 > 0.98 && p90 < 1.02, "{rho} {p10} {p90}");
        }
        let plain = calibrate(&space, &r, &o(false), &Quiet).unwrap();
        assert!(!plain.calibration.factors.has_laws());
        let spread = energy(&plain.after_holdout.unwrap())
            .iter()
            .map(|(_, p10, p90)| p90 / p10)
            .fold(1.0, f64::max);
        assert!(spread > 1.1, "{spread}");
    }

    /// C7: fewer designs to fit on than factors is refused (the fit would be the ridge's
    /// choice, not the data's); fewer than three per factor is fitted with a warning, in the
    /// report and as a note.
    #[test]
    fn c7_too_few_designs_per_factor_is_refused_or_warned() {
        let space = SpaceFile::resolve("demo").unwrap();
        let o = CalibrateOptions {
            name: "few".into(),
            holdout: 0.0,
            seed: 0,
            voltage_laws: false,
        };
        let nine = own(&space, "resnet18", Factors::default(), 40);
        let e = calibrate(&space, &nine, &o, &Quiet)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("own.csv: 9 designs to fit on for 11 ")
                && e.contains("the fit is underdetermined"),
            "{e}"
        );
        let seventeen = own(&space, "resnet18", Factors::default(), 20);
        let rec = Recorder::default();
        let fitted = calibrate(&space, &seventeen, &o, &rec).unwrap();
        let want = "17 designs to fit on for 11 ";
        assert!(
            rec.lines()
                .iter()
                .any(|l| l.starts_with("warning: ") && l.contains(want)),
            "{:?}",
            rec.lines()
        );
        let md = fitted.markdown();
        assert!(md.contains("fewer than 3 per factor"), "{md}");
        assert_eq!(fitted.calibration.fitted_device.as_deref(), Some("rram"));
    }

    #[test]
    fn bad_options_are_refused() {
        let (space, r) = reference(&Factors::default());
        let o = |holdout| CalibrateOptions {
            name: "x".into(),
            holdout,
            seed: 0,
            voltage_laws: false,
        };
        let e = calibrate(&space, &r, &o(0.95), &Quiet)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("--holdout 0.95: out of range; allowed 0 to 0.9"),
            "{e}"
        );
        let calibrated = space.clone().calibrate(Calibration {
            file: "c.toml".into(),
            name: "c".into(),
            description: String::new(),
            fitted_on: String::new(),
            fitted_device: None,
            parameters: vec![],
            factors: Factors::default(),
        });
        let e = calibrate(&calibrated.unwrap(), &r, &o(0.3), &Quiet)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("calibrated already"), "{e}");
    }
}
