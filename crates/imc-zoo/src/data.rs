//! A layer's own data statistics, for the compute SNR (issue 33): where a workload knows how its
//! trained weights and activations are distributed, each weight layer may say so, and the SNR
//! of that layer reads these figures instead of the design's documented defaults (the
//! `imc_model` data parameters of the same names, with the same meaning and bounds).
//!
//! ```toml
//! [defaults]
//! data = { activation_nonzero = 0.4 }            # every weight layer, unless it says otherwise
//!
//! [[layers]]
//! name = "conv1"
//! op = "conv2d"
//! data = { activation_crest = 5.2, weight_crest = 6.1, signal_gain_db = 2.3 }
//! ```
//!
//! - `activation_nonzero`: share of the layer's input activations that are not zero, 0.01 to 1.
//! - `activation_crest`: its activation quantiser's full scale over the root mean square of the
//!   nonzero activations, 1 to 64.
//! - `weight_crest`: its weight quantiser's full scale over the weights' root mean square, 1 to
//!   64 (an ONNX import measures it from the initializer, [`crate::onnx`]).
//! - `signal_gain_db`: `10 log10(Var(y) / (K (E[x^2] E[w^2] - E[x]^2 E[w]^2)))`, how far the
//!   layer's ideal integer outputs `y` vary beyond independent products (trained weights and
//!   their inputs are correlated), -20 to 40 dB.
//!
//! Each is measured on the network and its data (`scripts/reference/accuracy_model.py` measures
//! them on the bit-true reference's networks), never fitted to an SNR.

use crate::error::bounded;
use serde::Deserialize;

/// A layer's data statistics; a key left out is the design's.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataStats {
    /// Share of nonzero input activations.
    pub activation_nonzero: Option<f64>,
    /// Activation full scale over the nonzero activations' root mean square.
    pub activation_crest: Option<f64>,
    /// Weight full scale over the weights' root mean square.
    pub weight_crest: Option<f64>,
    /// The outputs' variance over independent products', dB.
    pub signal_gain_db: Option<f64>,
}

/// Each key with its allowed range (inclusive).
pub const DATA_KEYS: [(&str, f64, f64); 4] = [
    ("activation_nonzero", 0.01, 1.0),
    ("activation_crest", 1.0, 64.0),
    ("weight_crest", 1.0, 64.0),
    ("signal_gain_db", -20.0, 40.0),
];

impl DataStats {
    /// The statistics in [`DATA_KEYS`] order.
    pub fn values(&self) -> [Option<f64>; 4] {
        [
            self.activation_nonzero,
            self.activation_crest,
            self.weight_crest,
            self.signal_gain_db,
        ]
    }

    /// The keys given, with their values, in [`DATA_KEYS`] order.
    pub fn given(&self) -> Vec<(&'static str, f64)> {
        DATA_KEYS
            .iter()
            .zip(self.values())
            .filter_map(|(&(k, _, _), v)| Some((k, v?)))
            .collect()
    }

    /// True when no key is given.
    pub fn is_empty(&self) -> bool {
        self.values().iter().all(Option::is_none)
    }

    /// `self` over `base`, key by key.
    pub fn over(&self, base: &DataStats) -> DataStats {
        DataStats {
            activation_nonzero: self.activation_nonzero.or(base.activation_nonzero),
            activation_crest: self.activation_crest.or(base.activation_crest),
            weight_crest: self.weight_crest.or(base.weight_crest),
            signal_gain_db: self.signal_gain_db.or(base.signal_gain_db),
        }
    }

    /// Each key outside its range, as (key, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        DATA_KEYS
            .iter()
            .zip(self.values())
            .filter_map(|(&(k, lo, hi), v)| {
                let v = v?;
                (!(lo..=hi).contains(&v)).then(|| {
                    (
                        k,
                        format!("{} is out of range; allowed {lo} to {hi}", bounded(v)),
                    )
                })
            })
            .collect()
    }

    /// A bit pattern of the values, for keys of caches (`None` and each value apart).
    pub fn bits(&self) -> [u64; 4] {
        self.values().map(|v| v.map_or(u64::MAX, f64::to_bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_takes_each_key_from_the_layer_first() {
        let base = DataStats {
            activation_nonzero: Some(0.4),
            weight_crest: Some(5.0),
            ..Default::default()
        };
        let layer = DataStats {
            weight_crest: Some(6.0),
            signal_gain_db: Some(2.0),
            ..Default::default()
        };
        let both = layer.over(&base);
        assert_eq!(both.activation_nonzero, Some(0.4));
        assert_eq!(both.weight_crest, Some(6.0));
        assert_eq!(both.signal_gain_db, Some(2.0));
        assert_eq!(both.activation_crest, None);
        assert_eq!(
            both.given(),
            vec![
                ("activation_nonzero", 0.4),
                ("weight_crest", 6.0),
                ("signal_gain_db", 2.0)
            ]
        );
        assert!(DataStats::default().is_empty() && !both.is_empty());
    }

    #[test]
    fn out_of_range_and_nan_are_problems() {
        let s = DataStats {
            activation_nonzero: Some(0.0),
            activation_crest: Some(f64::NAN),
            weight_crest: Some(64.0),
            signal_gain_db: Some(41.0),
        };
        let keys: Vec<_> = s.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            ["activation_nonzero", "activation_crest", "signal_gain_db"]
        );
        // Huge and tiny values print short.
        let s = DataStats {
            activation_crest: Some(1e308),
            activation_nonzero: Some(5e-324),
            ..DataStats::default()
        };
        let messages: Vec<String> = s.problems().into_iter().map(|(_, m)| m).collect();
        assert!(messages.iter().all(|m| m.len() < 60), "{messages:?}");
        assert!(
            messages[1].starts_with("1e308 is out of range"),
            "{messages:?}"
        );
    }
}
