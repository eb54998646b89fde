//! The compute SNR of a study's designs (issue 33): each workload's worst-layer SNR, dB, from
//! [`imc_model::snr`] (the read chain's quantisation and conductance error against the exact
//! integer MACs), the `min_snr_db` constraint (`[constraints]` or `--min-snr`), and the
//! causes of the designs below it.
//!
//! The SNR depends only on the read chain and the layers' heights, not on the chip's size,
//! so a study finds each workload's distinct heights once and the process keeps the SNRs of
//! the chains its threads have met, each found once ([`imc_model::snr::cached`]): a sweep of
//! the paper's RRAM space meets 40 chains, and the rest of its designs cost a few hash
//! lookups more.

use imc_model::{Architecture, Infeasible};
use imc_zoo::Workload;
use std::fmt;

/// What a problem needs to know a design's SNR.
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// Per workload, the distinct heights of its static matrix layers, by data statistics.
    heights: Vec<imc_model::snr::Heights>,
    /// The minimum SNR, dB (`None`: no constraint).
    pub min_db: Option<f64>,
}

impl Accuracy {
    /// For these workloads, with a minimum SNR or none.
    pub fn new(workloads: &[Workload], min_db: Option<f64>) -> Accuracy {
        Accuracy {
            heights: workloads.iter().map(imc_model::snr::heights).collect(),
            min_db,
        }
    }

    /// How many read chains a design makes for these workloads: one per distinct data
    /// statistics their layers read (1 unless layers give their own), at least 1.
    pub fn chains_per_design(&self) -> u64 {
        let mut seen: Vec<[u64; 4]> = self.heights.iter().flat_map(|h| h.data()).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len().max(1) as u64
    }

    /// Each workload's compute SNR on `a`, dB (its worst layer's).
    pub fn snr_db(&self, a: &Architecture) -> Vec<f64> {
        imc_model::snr::worst_dbs(a, &self.heights)
    }

    /// The workloads whose SNR (`snr_db`, in workload order, named by `names`) is below the
    /// minimum, as causes; none without a minimum.
    pub fn below(&self, names: &[String], snr_db: &[f64]) -> Vec<LowSnr> {
        let Some(min_db) = self.min_db else {
            return Vec::new();
        };
        names
            .iter()
            .zip(snr_db)
            .filter(|(_, db)| **db < min_db)
            .map(|(w, &snr_db)| LowSnr {
                workload: w.clone(),
                snr_db,
                min_db,
            })
            .collect()
    }
}

/// A workload whose compute SNR is below the minimum.
#[derive(Debug, Clone, PartialEq)]
pub struct LowSnr {
    /// The workload's name.
    pub workload: String,
    /// Its SNR, dB.
    pub snr_db: f64,
    /// The minimum, dB.
    pub min_db: f64,
}

impl LowSnr {
    /// How far from feasible: the shortfall in units of 10 dB (a tenfold noise power).
    pub fn violation(&self) -> f64 {
        shortfall(self.snr_db, self.min_db)
    }

    /// The model's reason for it ([`Infeasible::SnrBelowMinimum`], as `imcdse eval` gives).
    pub fn why(&self) -> Infeasible {
        Infeasible::SnrBelowMinimum {
            snr_db: self.snr_db,
            min_db: self.min_db,
        }
    }
}

/// How far a workload of `snr_db` is from a minimum of `min_db`: the shortfall in units of
/// 10 dB (a tenfold noise power).
pub fn shortfall(snr_db: f64, min_db: f64) -> f64 {
    (min_db - snr_db) / 10.0
}

impl fmt::Display for LowSnr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.workload, self.why())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imc_model::param::Value;
    use imc_zoo::Zoo;

    fn arch(pairs: &[(&str, f64)]) -> Architecture {
        let v: Vec<(String, Value)> = pairs
            .iter()
            .map(|(k, x)| (k.to_string(), Value::Num(*x)))
            .collect();
        Architecture::from_values(&v).unwrap()
    }

    /// The worst layer's SNR is each workload's, the minimum names the workloads below it,
    /// and more ADC bits never lower it.
    #[test]
    fn worst_layer_and_the_minimum() {
        let w = Zoo::builtin().unwrap().resolve("resnet18,alexnet").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        let acc = Accuracy::new(&w, Some(10.0));
        let coarse = arch(&[("adc_bits", 4.0), ("bits_per_cell", 2.0)]);
        let fine = arch(&[("adc_bits", 8.0), ("bits_per_cell", 2.0)]);
        let (a, b) = (acc.snr_db(&coarse), acc.snr_db(&fine));
        for (i, w) in w.iter().enumerate() {
            let worst = imc_model::snr::layers_db(&coarse, w)
                .iter()
                .map(|x| x.1)
                .fold(f64::INFINITY, f64::min);
            assert_eq!(a[i], worst);
            assert!(b[i] >= a[i], "{}: {} < {}", w.name, b[i], a[i]);
        }
        let low = acc.below(&names, &a);
        assert_eq!(low.len(), a.iter().filter(|&&x| x < 10.0).count());
        for l in &low {
            assert!(l.violation() > 0.0);
            assert!(l.to_string().contains("is below the minimum 10 dB"), "{l}");
        }
        assert!(Accuracy::new(&w, None).below(&names, &a).is_empty());
    }

    /// Layers with their own data statistics make chains of their own; shared ones do not.
    #[test]
    fn chains_per_design_counts_distinct_data() {
        let mut w = Zoo::builtin().unwrap().resolve("resnet18,alexnet").unwrap();
        assert_eq!(Accuracy::new(&w, None).chains_per_design(), 1);
        let own = imc_zoo::DataStats {
            weight_crest: Some(6.0),
            ..Default::default()
        };
        for wl in &mut w {
            let l = wl
                .layers
                .iter_mut()
                .find(|l| l.has_static_weights())
                .unwrap();
            l.data = own;
        }
        assert_eq!(Accuracy::new(&w, None).chains_per_design(), 2);
    }
}
