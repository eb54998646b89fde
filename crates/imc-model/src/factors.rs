//! Calibration factors: one multiplier per energy part, per latency part and per area part of
//! the model's breakdowns. They scale what the component models compute, part by part, and
//! change nothing else: the uncalibrated model and its sources stay as they are. All default
//! to 1 (and multiplying by 1 changes no bit). A calibration file (`imcdse calibrate`) sets
//! them, fitted against a reference simulator.

use crate::breakdown::{Area, Energy, Latency};

/// Multipliers by part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Factors {
    /// Per energy part.
    pub energy: Energy,
    /// Per latency part.
    pub latency: Latency,
    /// Per area part.
    pub area: Area,
}

impl Default for Factors {
    fn default() -> Factors {
        Factors {
            energy: Energy::splat(1.0),
            latency: Latency::splat(1.0),
            area: Area::splat(1.0),
        }
    }
}

impl Factors {
    /// Every factor as (`energy.adc`-style name, value), energy, then latency, then area.
    pub fn named(&self) -> Vec<(String, f64)> {
        let group = |g: &str, v: Vec<(&'static str, f64)>| {
            v.into_iter()
                .map(|(p, x)| (format!("{g}.{p}"), x))
                .collect::<Vec<_>>()
        };
        let mut out = group("energy", self.energy.named(1.0));
        out.extend(group("latency", self.latency.named(1.0)));
        out.extend(group("area", self.area.named(1.0)));
        out
    }

    /// Factors outside `[lo, hi]`, for reports that flag implausible calibrations.
    pub fn outside(&self, lo: f64, hi: f64) -> Vec<(String, f64)> {
        self.named()
            .into_iter()
            .filter(|(_, x)| !(lo..=hi).contains(x))
            .collect()
    }
}
