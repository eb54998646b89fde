//! Compute SNR of a read chain: how far the integer multiply-accumulates a design computes are
//! from the exact ones, per crossbar layer and per workload (issue 33). Definition: `snr_db` of
//! a layer = `10 log10(Var(y) / E[(y' - y)^2])`, `y` the exact integer MAC of the quantised
//! activations and weights, `y'` the chain's; a workload's is its worst layer's.
//!
//! The chain (the semantics `scripts/evaluators/bittrue.py` simulates bit for bit): activation
//! codes `x` (`input_bits`) applied `dac_bits` at a time (slices `a_i`, LSB first); offset-binary
//! weight codes over `ceil(weight_bits / bits_per_cell)` cells `c_j`; the `K` rows of a layer in
//! crossbar tiles of `rows`, summed `parallel_rows` at a time; each partial sum
//! `s = sum_r a_ri c_rj` (or, with `column_combine = "analog"`, of the binary-weighted cells
//! together) converted by an ADC of `adc_bits`; shift-and-add, offset removal and the sums of
//! groups and tiles exact. Data: `stats.rs`.
//!
//! Errors, all in units of (activation LSB x weight LSB), assumed independent between
//! conversions (Gonugondla, Sakr, Dbouk and Shanbhag, arXiv 2012.13645, section III):
//! - Quantisation of each conversion: `2^adc_bits` codes `k` read `k D`, rounding to the
//!   nearest and saturating. Range `R = 2^adc_bits D`: `adc_range = "full"`, the largest sum,
//!   `parallel_rows (2^dac_bits - 1) L` (`L` the largest cell level, or the combined weight's;
//!   an ADC whose step divides 1 reads integer sums exactly); `"clipped"`, `mean + 4 sd` of all
//!   the layer's partial sums together (every slice, cell and row group: one range a layer, as
//!   the bit-true reference calibrates it). Steps halve with each added bit (nested codes).
//!   A sum that spans at most 2,048 values (its tail below 1e-16 dropped) is convolved exactly from one row's product distribution and
//!   its error summed value by value; a larger one is a normal of its moments, rounded bin by bin
//!   or, beyond 4 steps of spread, `D^2 / 12` (times `(m^2 - 1) / m^2` on a full-range lattice of
//!   integer sums, `m = R / gcd(R, 2^adc_bits)`, `(m^2 + 2) / m^2` for even `m`).
//!   Errors of different conversions are independent (their variances add, weighted by the
//!   shift-and-add squared, `4^(dac_bits i) 4^(bits_per_cell j)`), but their means (small sums
//!   read low) add coherently: the output's mean squared error is `sum g^2 Var(e) + (sum g
//!   E[e])^2`.
//! - Cell conductance error (`conductance_sigma` of the on-off range, static): a cell's level is
//!   off by `sigma L` in standard deviation; through the exact path it adds
//!   `K E[x^2] sigma^2 L^2 sum_j 4^(bits_per_cell j)` to the output, and it widens each sum
//!   (no lattice then).
//! - `compute = "digital"` is exact.
//!
//! - The signal: `K (E[x^2] E[w^2] - E[x]^2 E[w]^2)` for independent products, times the
//!   data's `signal_gain_db` (trained layers' outputs vary more: their weights and inputs are
//!   correlated; the errors above do not depend on it).
//!
//! The data statistics (`activation_nonzero`, `activation_crest`, `weight_crest`,
//! `signal_gain_db`) are the design's, except where a layer gives its own
//! ([`imc_zoo::DataStats`], measured on its network): that layer's SNR is its chain's on its
//! own data.
//!
//! An exact chain reports [`EXACT_DB`].

pub mod stats;

use crate::arch::{AdcRange, Architecture, Compute};
use imc_zoo::{DataStats, Workload};
use stats::Moments;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The SNR of a chain without error, dB.
pub const EXACT_DB: f64 = 300.0;

/// The parameters a chain's SNR depends on ([`key`]; `device` sets the defaults of some):
/// designs that differ only in others share their chain.
pub const CHAIN_PARAMS: [&str; 16] = [
    "device",
    "input_bits",
    "weight_bits",
    "dac_bits",
    "bits_per_cell",
    "parallel_rows",
    "rows",
    "adc_bits",
    "adc_range",
    "conductance_sigma",
    "activation_nonzero",
    "activation_crest",
    "weight_crest",
    "signal_gain_db",
    "compute",
    "column_combine",
];

/// Chains whose layer SNRs a thread of this process computed (not read from another
/// thread's, [`Cached::layer_db`]), counted once per thread: what an estimate of a long
/// enumeration times apart from the designs.
pub fn chains_built() -> u64 {
    BUILT.load(std::sync::atomic::Ordering::Relaxed)
}

static BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Chains met so far in this process, counted once per thread that met them ([`cached`]'s
/// misses; a thread meeting a chain another found builds its own copy and reads the SNRs).
pub fn chains_met() -> u64 {
    MET.load(std::sync::atomic::Ordering::Relaxed)
}

static MET: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// What the SNR depends on: every parameter the chain reads, as bits.
fn key(a: &Architecture) -> [u64; 15] {
    [
        a.data.input_bits.into(),
        a.data.weight_bits.into(),
        a.crossbar.dac_bits.into(),
        a.cell.bits_per_cell.into(),
        a.crossbar.parallel_rows,
        a.crossbar.rows,
        a.adc.bits.into(),
        a.adc.range as u64,
        a.cell.conductance_sigma.to_bits(),
        a.data.activation_nonzero.to_bits(),
        a.data.activation_crest.to_bits(),
        a.data.weight_crest.to_bits(),
        a.data.signal_gain_db.to_bits(),
        a.crossbar.compute as u64,
        u64::from(a.combines_columns()),
    ]
}

/// A chain and the SNRs of the layer heights met so far, shared by every design of one
/// thread with the same chain.
pub struct Cached {
    key: [u64; 15],
    chain: Chain,
    layers: RefCell<HashMap<u64, f64>>,
    /// Whether this thread has computed a layer of the chain (counted in [`chains_built`]).
    computed: std::cell::Cell<bool>,
}

/// Layer SNRs found by any thread, by chain ([`key`]) and layer rows: a thread that meets a
/// chain another has met reads its layers here instead of convolving its sums again (a
/// sweep's threads all meet every chain). Cleared past [`SHARED_MAX`] entries.
type Shared = std::sync::Mutex<HashMap<([u64; 15], u64), f64>>;

/// Entries of [`Shared`] kept at most (about 150 bytes each).
const SHARED_MAX: usize = 1 << 19;

fn shared() -> std::sync::MutexGuard<'static, HashMap<([u64; 15], u64), f64>> {
    static SHARED: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
    let lock = SHARED.get_or_init(Default::default).lock();
    // A thread that panicked holding it left whole entries: the map is still sound.
    lock.unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Cached {
    /// The SNR of a layer of `k` rows, dB: this thread's, another thread's, or computed.
    pub fn layer_db(&self, k: u64) -> f64 {
        if let Some(&db) = self.layers.borrow().get(&k) {
            return db;
        }
        let found = shared().get(&(self.key, k)).copied();
        let db = found.unwrap_or_else(|| {
            if !self.computed.replace(true) {
                BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let db = self.chain.layer_db(k);
            let mut map = shared();
            if map.len() >= SHARED_MAX {
                map.clear();
            }
            map.insert((self.key, k), db);
            db
        });
        self.layers.borrow_mut().insert(k, db);
        db
    }

    /// The worst SNR over layers of these heights ([`heights`]), dB; [`EXACT_DB`] for none.
    /// The sums it convolved stay until [`Cached::forget_sums`].
    fn worst_db(&self, heights: &[u64]) -> f64 {
        heights
            .iter()
            .map(|&k| self.layer_db(k))
            .fold(EXACT_DB, f64::min)
    }

    /// Drops the sums' distributions: they serve the layers of one call (a design's
    /// workloads), and a cache of many chains keeps only their SNRs.
    pub fn forget_sums(&self) {
        self.chain.forget_sums();
    }
}

/// The static matrix layers of `w` (name, rows, own data statistics): what the SNR is
/// computed for. Spiking layers (binary spikes on binary weights) are left out.
fn static_layers(w: &Workload) -> impl Iterator<Item = (&str, u64, DataStats)> {
    w.layers
        .iter()
        .filter(|l| l.spiking.is_none())
        .filter_map(|l| {
            Some((
                l.name.as_str(),
                l.matrix().filter(|m| m.static_weights)?.rows,
                l.data,
            ))
        })
}

/// `a` with a layer's own data statistics in place of its own (`None`: none given).
fn with_data(a: &Architecture, d: &DataStats) -> Option<Architecture> {
    if d.is_empty() {
        return None;
    }
    let mut a = *a;
    let x = &mut a.data;
    x.activation_nonzero = d.activation_nonzero.unwrap_or(x.activation_nonzero);
    x.activation_crest = d.activation_crest.unwrap_or(x.activation_crest);
    x.weight_crest = d.weight_crest.unwrap_or(x.weight_crest);
    x.signal_gain_db = d.signal_gain_db.unwrap_or(x.signal_gain_db);
    Some(a)
}

/// The SNR of a layer of `k` rows with data `d` on `a`'s read chain, from this thread's
/// chains ([`cached`]).
fn chain_for(a: &Architecture, d: &DataStats) -> Rc<Cached> {
    match with_data(a, d) {
        Some(own) => cached(&own),
        None => cached(a),
    }
}

/// Each static matrix layer of `w` with its SNR on `a`, dB, in layer order. The sums of
/// `a`'s own chain serve all its layers; a layer with its own data statistics (a chain of
/// its own) drops its sums at once, so that a workload of many such layers holds one
/// layer's sums at a time, not all of them.
pub fn layers_db(a: &Architecture, w: &Workload) -> Vec<(String, f64)> {
    let out = static_layers(w)
        .map(|(name, k, d)| {
            let chain = chain_for(a, &d);
            let db = chain.layer_db(k);
            if !d.is_empty() {
                chain.forget_sums();
            }
            (name.to_string(), db)
        })
        .collect();
    cached(a).forget_sums();
    out
}

/// A workload's static matrix layers as the SNR needs them: the distinct heights (rows) of
/// its layers, sorted, per distinct data statistics (one group, the design's, unless layers
/// give their own). A workload's SNR is the worst over these, so a study finds them once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Heights(Vec<(DataStats, Vec<u64>)>);

impl Heights {
    /// The worst SNR of these layers on `a`, dB; [`EXACT_DB`] for none. `base` is `a`'s own
    /// chain ([`cached`]`(a)`, found once for all of a design's workloads): layers without
    /// their own data read it, and the sums it convolves stay for the next workload's layers
    /// until the caller calls [`Cached::forget_sums`] ([`worst_dbs`] does).
    pub fn worst_db(&self, a: &Architecture, base: &Cached) -> f64 {
        self.0
            .iter()
            .map(|(d, k)| match with_data(a, d) {
                Some(own) => {
                    let chain = cached(&own);
                    let db = chain.worst_db(k);
                    chain.forget_sums();
                    db
                }
                None => base.worst_db(k),
            })
            .fold(EXACT_DB, f64::min)
    }

    /// The data statistics of each group ([`DataStats::bits`]): each a chain of its own per
    /// design.
    pub fn data(&self) -> impl Iterator<Item = [u64; 4]> + '_ {
        self.0.iter().map(|(d, _)| d.bits())
    }
}

/// Each workload's worst SNR on `a` (its layers' [`Heights`]), dB: the workloads share the
/// sums of `a`'s chain, which are dropped after.
pub fn worst_dbs(a: &Architecture, workloads: &[Heights]) -> Vec<f64> {
    let base = cached(a);
    let out = workloads.iter().map(|h| h.worst_db(a, &base)).collect();
    base.forget_sums();
    out
}

/// The layers of `w` the SNR reads, grouped ([`Heights`]).
pub fn heights(w: &Workload) -> Heights {
    let mut groups: Vec<(DataStats, Vec<u64>)> = Vec::new();
    for (_, k, d) in static_layers(w) {
        match groups.iter_mut().find(|(g, _)| g.bits() == d.bits()) {
            Some((_, ks)) => ks.push(k),
            None => groups.push((d, vec![k])),
        }
    }
    for (_, ks) in &mut groups {
        ks.sort_unstable();
        ks.dedup();
    }
    Heights(groups)
}

/// The chain of `a`, from this thread's chains so far ([`key`]), its layers' SNRs from any
/// thread's ([`Cached::layer_db`]): a sweep meets few distinct chains (the paper's RRAM
/// space, 40; with its read chain freed, 8,640), and a chain's layers cost up to tens of
/// milliseconds to find. Cleared past 16,384 entries (a chain keeps its SNRs and product
/// distributions, kilobytes).
pub fn cached(a: &Architecture) -> Rc<Cached> {
    thread_local! {
        static CACHE: RefCell<HashMap<[u64; 15], Rc<Cached>>> = RefCell::new(HashMap::new());
    }
    let k = key(a);
    CACHE.with(|cache| {
        if let Some(c) = cache.borrow().get(&k) {
            return c.clone();
        }
        MET.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let built = Rc::new(Cached {
            key: k,
            chain: Chain::new(a),
            layers: RefCell::new(HashMap::new()),
            computed: std::cell::Cell::new(false),
        });
        let mut map = cache.borrow_mut();
        if map.len() >= 16_384 {
            map.clear();
        }
        map.insert(k, built.clone());
        built
    })
}

/// Mean and mean square of a conversion's error.
type Error = (f64, f64);

/// A sum's distribution, shared by the layers that meet it.
type Pmf = Rc<Vec<f64>>;

/// One kind of conversion: an input slice against a cell (or the combined weight).
#[derive(Debug, Clone)]
struct Conversion {
    a: Moments,
    c: Moments,
    /// Distribution of one row's product (slice x cell level).
    product: Vec<f64>,
    /// P(slice != 0).
    a_nonzero: f64,
    /// Shift-and-add weight, `2^(dac_bits i) 2^(bits_per_cell j)`.
    gain: f64,
}

/// What a design's chain makes of its data, computed once per design.
#[derive(Debug, Clone)]
pub struct Chain {
    exact: bool,
    /// The data's signal gain over independent products, as a power ratio.
    gain: f64,
    x: Moments,
    w: Moments,
    conversions: Vec<Conversion>,
    /// Cell level noise variance at the converted column (levels^2).
    noise: f64,
    /// Cell noise through the exact path, per row and unit E[x^2].
    noise_out: f64,
    /// Largest sum one conversion can make, per row.
    full_per_row: f64,
    parallel_rows: u64,
    rows: u64,
    adc_levels: u64,
    clipped: bool,
    /// Conversion errors met so far, by (conversion, rows summed, range bits): every layer
    /// shares its full groups' sums, so a chain converts few distinct sums.
    errors: RefCell<HashMap<(usize, u64, u64), Error>>,
    /// The distributions of the sums met so far, by (conversion, rows summed); `None` where
    /// a sum is too wide to convolve.
    sums: RefCell<HashMap<(usize, u64), Option<Pmf>>>,
    /// Each conversion's binary powers of its row product ([`stats::Powers`]), shared by
    /// its sums of different sizes.
    powers: RefCell<HashMap<usize, stats::Powers>>,
}

impl Chain {
    /// The chain of `a` (its activation and weight statistics, slices and cells).
    pub fn new(a: &Architecture) -> Chain {
        let (bx, bw, d, b) = (
            a.data.input_bits,
            a.data.weight_bits,
            a.crossbar.dac_bits,
            a.cell.bits_per_cell,
        );
        let xs = stats::activations(bx, a.data.activation_nonzero, a.data.activation_crest);
        let ws = stats::weights(bw, a.data.weight_crest);
        let half = (1u64 << (bw - 1)) as f64;
        let cells = bw.div_ceil(b);
        let combine = a.combines_columns();
        let level = ((1u64 << b) - 1) as f64;
        let spread: f64 = (0..cells).map(|j| 4f64.powi((b * j) as i32)).sum();
        let sigma = a.cell.conductance_sigma * level;
        let mut conversions = Vec::new();
        for i in 0..bx.div_ceil(d) {
            let ab = d.min(bx - d * i);
            let slice = (
                xs.field(d * i, ab),
                xs.field_nonzero(d * i, ab),
                xs.field_pmf(d * i, ab),
            );
            let gain_i = 2f64.powi((d * i) as i32);
            if combine {
                let c = ws.moments(|u| u as f64);
                let nz = 1.0 - ws.p[0];
                conversions.push(conv(slice, (c, nz, ws.p.clone()), gain_i));
            } else {
                for j in 0..cells {
                    let cb = b.min(bw - b * j);
                    let cell = (
                        ws.field(b * j, cb),
                        ws.field_nonzero(b * j, cb),
                        ws.field_pmf(b * j, cb),
                    );
                    conversions.push(conv(
                        slice.clone(),
                        cell,
                        gain_i * 2f64.powi((b * j) as i32),
                    ));
                }
            }
        }
        let top = if combine {
            (2f64.powi((b * cells) as i32)) - 1.0
        } else {
            level
        };
        Chain {
            exact: a.crossbar.compute == Compute::Digital,
            gain: 10f64.powf(a.data.signal_gain_db / 10.0),
            x: xs.moments(|v| v as f64),
            w: ws.moments(|u| u as f64 - half),
            conversions,
            noise: sigma * sigma * if combine { spread } else { 1.0 },
            noise_out: sigma * sigma * spread,
            full_per_row: ((1u64 << d) - 1) as f64 * top,
            parallel_rows: a.crossbar.parallel_rows,
            rows: a.crossbar.rows,
            adc_levels: (1u64 << a.adc.bits) - 1,
            clipped: a.adc.range == AdcRange::Clipped,
            errors: RefCell::new(HashMap::new()),
            sums: RefCell::new(HashMap::new()),
            powers: RefCell::new(HashMap::new()),
        }
    }

    /// Drops the sums' distributions and their powers (kilobytes to megabytes a chain):
    /// they serve the layers of one call, and a cache of many chains keeps only SNRs.
    fn forget_sums(&self) {
        // Most calls find nothing: every layer's SNR was known.
        if !self.sums.borrow().is_empty() {
            *self.sums.borrow_mut() = HashMap::new();
        }
        if !self.powers.borrow().is_empty() {
            *self.powers.borrow_mut() = HashMap::new();
        }
    }

    /// SNR of a layer of `k` rows, dB.
    pub fn layer_db(&self, k: u64) -> f64 {
        if self.exact || k == 0 {
            return EXACT_DB;
        }
        let kf = k as f64;
        let independent = self.x.square * self.w.square - (self.x.mean * self.w.mean).powi(2);
        let signal = self.gain * kf * independent;
        // Independent conversion errors add their variances; their means (a rounding that
        // reads small sums low, say) add coherently, weighted by the shift-and-add.
        let (mut variance, mut bias) = (kf * self.x.square * self.noise_out, 0.0);
        let groups = self.groups(k);
        let range = self.range(&groups);
        for &(size, count) in &groups {
            for (i, c) in self.conversions.iter().enumerate() {
                let (mean, square) = self.memo_error(i, c, size, range);
                variance += count as f64 * c.gain * c.gain * (square - mean * mean).max(0.0);
                bias += count as f64 * c.gain * mean;
            }
        }
        let error = variance + bias * bias;
        if error <= 0.0 || signal <= 0.0 {
            return if signal > 0.0 { EXACT_DB } else { -EXACT_DB };
        }
        (10.0 * (signal / error).log10()).min(EXACT_DB)
    }

    /// The row groups of a `k`-row matrix: (group size, how many), over its crossbar tiles.
    fn groups(&self, k: u64) -> Vec<(u64, u64)> {
        let (rows, n) = (self.rows, self.parallel_rows);
        let mut out: Vec<(u64, u64)> = Vec::new();
        let mut add = |size: u64, count: u64| {
            if size > 0 && count > 0 {
                match out.iter_mut().find(|(s, _)| *s == size) {
                    Some(e) => e.1 += count,
                    None => out.push((size, count)),
                }
            }
        };
        let (tiles, last) = (k / rows, k % rows);
        add(n, tiles * (rows / n));
        add(rows % n, tiles);
        add(n, last / n);
        add(last % n, 1);
        out
    }

    /// The largest sum one conversion can make.
    fn full_range(&self) -> f64 {
        self.parallel_rows as f64 * self.full_per_row
    }

    /// Mean and variance of a `size`-row sum of conversion `c` (with cell error).
    fn sum_moments(&self, c: &Conversion, size: u64) -> (f64, f64) {
        let m = size as f64;
        let mean = m * c.a.mean * c.c.mean;
        let var = m * (c.a.square * c.c.square - (c.a.mean * c.c.mean).powi(2))
            + m * c.a.square * self.noise;
        (mean, var)
    }

    /// The ADC's range for a layer of row groups `groups`: the largest sum, or (clipped) mean
    /// + 4 sd of all its partial sums pooled.
    fn range(&self, groups: &[(u64, u64)]) -> f64 {
        let full = self.full_range();
        if !self.clipped {
            return full;
        }
        let (mut n, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for &(size, count) in groups {
            for c in &self.conversions {
                let (mean, var) = self.sum_moments(c, size);
                n += count as f64;
                m1 += count as f64 * mean;
                m2 += count as f64 * (var + mean * mean);
            }
        }
        let (mean, square) = (m1 / n, m2 / n);
        (mean + 4.0 * (square - mean * mean).max(0.0).sqrt()).clamp(f64::MIN_POSITIVE, full)
    }

    /// [`Chain::conversion_error`] of conversion `i`, computed once per size and range.
    fn memo_error(&self, i: usize, c: &Conversion, size: u64, range: f64) -> (f64, f64) {
        let key = (i, size, range.to_bits());
        if let Some(&e) = self.errors.borrow().get(&key) {
            return e;
        }
        let e = self.conversion_error(i, c, size, range);
        self.errors.borrow_mut().insert(key, e);
        e
    }

    /// Mean and mean square of one conversion's error `Q(s) - s`, for a `size`-row sum on an
    /// ADC of `range`.
    fn conversion_error(&self, i: usize, c: &Conversion, size: u64, range: f64) -> (f64, f64) {
        let m = size as f64;
        let (mean, var) = self.sum_moments(c, size);
        // 2^B codes of one step each span the range. Steps halve with each added bit: the
        // codes nest, and a finer ADC never rounds a sum worse.
        let full = self.full_range();
        let step = range / (self.adc_levels + 1) as f64;
        let noise_sd = (m * c.a.square * self.noise).sqrt();
        let sum = self
            .sums
            .borrow_mut()
            .entry((i, size))
            .or_insert_with(|| {
                let mut powers = self.powers.borrow_mut();
                let powers = powers
                    .entry(i)
                    .or_insert_with(|| stats::Powers::new(&c.product));
                powers.sum(size, MAX_EXACT_SUPPORT).map(Rc::new)
            })
            .clone();
        if let Some(sum) = sum {
            if noise_sd == 0.0 {
                return exact_error(&sum, 0.0, step, self.adc_levels);
            }
            let mut pmf = sum.to_vec();
            // Rows without input carry no cell error: a sum of no input reads exactly 0, the
            // rest carry the cell error of their inputs.
            let quiet = (1.0 - c.a_nonzero).powf(m);
            pmf[0] -= quiet;
            let loud = 1.0 - quiet;
            if loud <= 0.0 {
                return (0.0, 0.0);
            }
            pmf.iter_mut().for_each(|p| *p = (*p / loud).max(0.0));
            let (mean, square) = exact_error(&pmf, noise_sd / loud.sqrt(), step, self.adc_levels);
            return (loud * mean, loud * square);
        }
        // Large sums: a normal of the sum's moments; a lattice on a full range without cell
        // error (integer sums), else rounding bin by bin or, over many bins, step^2 / 12.
        let sd = var.sqrt();
        if self.noise == 0.0 && !self.clipped && (step <= 1.0 || sd > 4.0 * step) {
            return (0.0, step * step * lattice(full as u64, self.adc_levels + 1));
        }
        if sd > 4.0 * step {
            return (0.0, step * step / 12.0);
        }
        rounding_error(mean, sd, step, self.adc_levels)
    }
}

/// The most values a sum's distribution may span to be convolved exactly.
const MAX_EXACT_SUPPORT: usize = 2048;

/// Mean and mean square of `Q(s + n) - s - n` over an integer sum `s` of distribution `pmf`
/// and a normal cell error `n` of `noise_sd`, on a uniform quantiser of `step` with codes
/// `0..=levels`.
fn exact_error(pmf: &[f64], noise_sd: f64, step: f64, levels: u64) -> (f64, f64) {
    let top = levels as f64;
    let (mut mean, mut square) = (0.0, 0.0);
    for (v, p) in pmf.iter().enumerate().filter(|(_, p)| **p > 1e-15) {
        let s = v as f64;
        let (e1, e2) = if noise_sd < 1e-9 * step {
            let e = (s / step).round().clamp(0.0, top) * step - s;
            (e, e * e)
        } else if noise_sd > step && s > 6.0 * noise_sd && s < top * step - 6.0 * noise_sd {
            // A normal error of sd above one step leaves the rounding uniform to within
            // exp(-2 pi^2 sd^2 / step^2) < 3e-9 (its phase's Fourier series), clear of the ends.
            (0.0, step * step / 12.0)
        } else {
            rounding_error(s, noise_sd, step, levels)
        };
        mean += p * e1;
        square += p * e2;
    }
    (mean, square)
}

/// Mean and mean square of `Q(S) - S` for S normal (`mu`, `sd`) on a uniform quantiser of
/// `step` with codes `0..=levels` (saturating at both ends), bin by bin within 6 sd; each bin
/// edge's normal CDF and density computed once, for the two bins it bounds.
fn rounding_error(mu: f64, sd: f64, step: f64, levels: u64) -> (f64, f64) {
    let top = levels as f64;
    let lo = ((mu - 6.0 * sd) / step).floor().clamp(0.0, top);
    let hi = ((mu + 6.0 * sd) / step).ceil().clamp(0.0, top);
    if sd <= 0.0 {
        let e = (mu / step).round().clamp(0.0, top) * step - mu;
        return (e, e * e);
    }
    // (z, CDF, density) at an edge; the open ends at +-infinity.
    let edge = |x: f64| -> (f64, f64, f64) {
        if x.is_infinite() {
            return (x, if x > 0.0 { 1.0 } else { 0.0 }, 0.0);
        }
        let z = (x - mu) / sd;
        let (cdf, phi) = stats::normal_cdf_pdf(z);
        (z, cdf, phi)
    };
    // E[(c - S); a <= S < b] and E[(S - c)^2; a <= S < b] between two edges.
    let part = |a: (f64, f64, f64), b: (f64, f64, f64), c: f64| {
        let (d, mass, dphi) = (mu - c, b.1 - a.1, a.2 - b.2);
        let z_phi = |e: (f64, f64, f64)| if e.0.is_infinite() { 0.0 } else { e.0 * e.2 };
        (
            -d * mass - sd * dphi,
            (sd * sd + d * d) * mass + 2.0 * d * sd * dphi + sd * sd * (z_phi(a) - z_phi(b)),
        )
    };
    let lower = |k: f64| {
        if k == 0.0 {
            f64::NEG_INFINITY
        } else {
            (k - 0.5) * step
        }
    };
    let (mut mean, mut square) = (0.0, 0.0);
    let mut a = edge(lower(lo));
    let mut k = lo;
    while k <= hi {
        let b = edge(if k == top {
            f64::INFINITY
        } else {
            (k + 0.5) * step
        });
        let (m1, m2) = part(a, b, k * step);
        mean += m1;
        square += m2;
        a = b;
        k += 1.0;
    }
    (mean, square)
}

fn conv(slice: (Moments, f64, Vec<f64>), cell: (Moments, f64, Vec<f64>), gain: f64) -> Conversion {
    Conversion {
        product: stats::product(&slice.2, &cell.2),
        a: slice.0,
        c: cell.0,
        a_nonzero: slice.1,
        gain,
    }
}

/// Variance of the rounding error of integer sums on a range of `fs` with `levels` codes,
/// in steps squared (see the module doc).
fn lattice(fs: u64, levels: u64) -> f64 {
    let g = gcd(fs.max(1), levels.max(1));
    let m = (fs.max(1) / g) as f64;
    if m <= 1.0 {
        0.0
    } else if (m as u64) % 2 == 1 {
        (m * m - 1.0) / (12.0 * m * m)
    } else {
        (m * m + 2.0) / (12.0 * m * m)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests;
