//! Calibration factors: one multiplier per energy part, per latency part and per area part of
//! the model's breakdowns. They scale what the component models compute, part by part, and
//! change nothing else: the uncalibrated model and its sources stay as they are. All default
//! to 1 (and multiplying by 1 changes no bit). A calibration file (`imcdse calibrate`) sets
//! them, fitted against a reference simulator.
//!
//! Supply-voltage laws: an energy part may also follow the supply voltage, as a reference
//! simulator's circuits do where the model's own voltage scaling is off (see
//! [`crate::supply`]). Part `p` then costs `E_p x (energy_p + energy_cv2_p x cv2(V) +
//! energy_drive_p x drive(V))`, both laws 1 at the node's nominal supply. The law factors
//! default to 0, and with all of them 0 the energy factors apply alone, bit for bit.
//!
//! The range ([`FACTOR_RANGE`], [`SHARE_MAX`]): a factor is from 1e-9 to 1e9, a law share
//! 0 or up to 1e9. Nine orders of magnitude either way are far more than any fit to a
//! simulator needs (the shipped calibrations hold factors from 2e-6 to 120); a part off by
//! more is not described by the model at all and wants a model, not a factor. Within the
//! range every cost the model computes stays a finite, normal number: the largest part of a
//! workload's energy, latency or area times 1e9, and a score's product of three of them, stay
//! far below f64's 1.8e308, and the smallest far above its 2.2e-308.

use crate::breakdown::{Area, Energy, Latency};
use crate::supply;

/// The smallest and the largest factor a calibration may set (see the module documentation).
pub const FACTOR_RANGE: (f64, f64) = (1e-9, 1e9);

/// The largest supply-law share a calibration may set (the smallest is 0, the law's absence).
pub const SHARE_MAX: f64 = 1e9;

/// Multipliers by part.
#[derive(Clone, Copy, PartialEq)]
pub struct Factors {
    /// Per energy part.
    pub energy: Energy,
    /// Per energy part, the share that switches at the supply, `cv2(V)`; default 0.
    pub energy_cv2: Energy,
    /// Per energy part, the share in drivers sized for their current, `drive(V)`; default 0.
    pub energy_drive: Energy,
    /// Per latency part.
    pub latency: Latency,
    /// Per area part.
    pub area: Area,
}

impl Default for Factors {
    fn default() -> Factors {
        Factors {
            energy: Energy::splat(1.0),
            energy_cv2: Energy::splat(0.0),
            energy_drive: Energy::splat(0.0),
            latency: Latency::splat(1.0),
            area: Area::splat(1.0),
        }
    }
}

/// As derived, but the law factors appear only when one is set: run folders hash the
/// architecture's `Debug`, and calibrations without laws keep their hashes.
impl std::fmt::Debug for Factors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Factors");
        d.field("energy", &self.energy);
        if self.has_laws() {
            d.field("energy_cv2", &self.energy_cv2);
            d.field("energy_drive", &self.energy_drive);
        }
        d.field("latency", &self.latency)
            .field("area", &self.area)
            .finish()
    }
}

impl Factors {
    /// Whether any energy part follows the supply.
    pub fn has_laws(&self) -> bool {
        self.energy_cv2.total() != 0.0 || self.energy_drive.total() != 0.0
    }

    /// The energy multipliers at supply `v` (V) on a node of `nm`: the energy factors alone
    /// without laws; `None` when a drive-sized share is set and `v` is at or below the
    /// threshold (plus [`supply::MARGIN_V`]), where that law does not hold.
    pub fn energy_at(&self, v: f64, nm: f64) -> Option<Energy> {
        if !self.has_laws() {
            return Some(self.energy);
        }
        let c = supply::cv2(v, nm);
        let d = if self.energy_drive.total() != 0.0 {
            supply::drive(v, nm)?
        } else {
            0.0
        };
        let mut out = self.energy;
        for ((p, k), (_, x)) in self.energy_cv2.iter().zip(self.energy_drive.iter()) {
            out[p] += k * c + x * d;
        }
        Some(out)
    }

    /// Every factor as (`energy.adc`-style name, value), energy, then latency, then area.
    pub fn named(&self) -> Vec<(String, f64)> {
        let group = |g: &str, v: Vec<(&'static str, f64)>| {
            v.into_iter()
                .map(|(p, x)| (format!("{g}.{p}"), x))
                .collect::<Vec<_>>()
        };
        let mut out = group("energy", self.energy.named(1.0));
        if self.has_laws() {
            out.extend(group("energy_cv2", self.energy_cv2.named(1.0)));
            out.extend(group("energy_drive", self.energy_drive.named(1.0)));
        }
        out.extend(group("latency", self.latency.named(1.0)));
        out.extend(group("area", self.area.named(1.0)));
        out
    }

    /// Every factor and law share outside its range ([`FACTOR_RANGE`], [`SHARE_MAX`]), as
    /// (`energy.adc`-style name, value); empty for factors the model may use.
    pub fn out_of_range(&self) -> Vec<(String, f64)> {
        let (lo, hi) = FACTOR_RANGE;
        let mut out = Vec::new();
        let mut check = |group: &str, v: Vec<(&'static str, f64)>, ok: &dyn Fn(f64) -> bool| {
            for (p, x) in v.into_iter().filter(|(_, x)| !ok(*x)) {
                out.push((format!("{group}.{p}"), x));
            }
        };
        let factor = |x: f64| (lo..=hi).contains(&x);
        let share = |x: f64| (0.0..=SHARE_MAX).contains(&x);
        check("energy", self.energy.named(1.0), &factor);
        check("energy_cv2", self.energy_cv2.named(1.0), &share);
        check("energy_drive", self.energy_drive.named(1.0), &share);
        check("latency", self.latency.named(1.0), &factor);
        check("area", self.area.named(1.0), &factor);
        out
    }

    /// The factors brought into their range: each factor clamped to [`FACTOR_RANGE`], each
    /// law share to 0 ..= [`SHARE_MAX`] (NaN to the neutral 1 or 0). A fit uses it, so that
    /// what it writes loads again.
    pub fn clamped(&self) -> Factors {
        let (lo, hi) = FACTOR_RANGE;
        let mut f = *self;
        let factor = |x: f64| if x.is_nan() { 1.0 } else { x.clamp(lo, hi) };
        let share = |x: f64| {
            if x.is_nan() {
                0.0
            } else {
                x.clamp(0.0, SHARE_MAX)
            }
        };
        for (p, x) in self.energy.iter() {
            f.energy[p] = factor(x);
            f.energy_cv2[p] = share(self.energy_cv2[p]);
            f.energy_drive[p] = share(self.energy_drive[p]);
        }
        for (p, x) in self.latency.iter() {
            f.latency[p] = factor(x);
        }
        for (p, x) in self.area.iter() {
            f.area[p] = factor(x);
        }
        f
    }

    /// Factors outside `[lo, hi]`, for reports that flag implausible calibrations. With
    /// supply laws, an energy part is judged by its multiplier at nominal supply (energy +
    /// energy_cv2 + energy_drive), where both laws are 1; the shares themselves are not.
    pub fn outside(&self, lo: f64, hi: f64) -> Vec<(String, f64)> {
        let mut at_nominal = *self;
        for (p, k) in self.energy.iter() {
            at_nominal.energy[p] = k + self.energy_cv2[p] + self.energy_drive[p];
        }
        at_nominal.energy_cv2 = Energy::splat(0.0);
        at_nominal.energy_drive = Energy::splat(0.0);
        at_nominal
            .named()
            .into_iter()
            .filter(|(_, x)| !(lo..=hi).contains(x))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breakdown::EnergyPart;

    #[test]
    fn without_laws_the_energy_factors_apply_alone() {
        let mut f = Factors::default();
        f.energy[EnergyPart::Adc] = 0.3;
        assert!(!f.has_laws());
        assert_eq!(f.energy_at(0.2, 32.0), Some(f.energy));
        assert!(!format!("{f:?}").contains("energy_cv2"));
    }

    #[test]
    fn laws_add_their_shares_at_the_supply() {
        let mut f = Factors::default();
        f.energy[EnergyPart::Adc] = 0.5;
        f.energy_cv2[EnergyPart::Adc] = 0.25;
        f.energy_drive[EnergyPart::RowDrivers] = 2.0;
        // At nominal supply both laws are 1.
        let e = f.energy_at(0.9, 32.0).unwrap();
        assert!((e[EnergyPart::Adc] - 0.75).abs() < 1e-12);
        assert!((e[EnergyPart::RowDrivers] - 3.0).abs() < 1e-12);
        assert_eq!(e[EnergyPart::Glb], 1.0);
        // At 0.5 V: cv2 = (0.5/0.9)^2, drive = 19.27.
        let e = f.energy_at(0.5, 32.0).unwrap();
        assert!((e[EnergyPart::Adc] - (0.5 + 0.25 * (0.5f64 / 0.9).powi(2))).abs() < 1e-12);
        let d = crate::supply::drive(0.5, 32.0).unwrap();
        assert!((e[EnergyPart::RowDrivers] - (1.0 + 2.0 * d)).abs() < 1e-12);
        // Below threshold the drive law does not hold.
        assert_eq!(f.energy_at(0.45, 32.0), None);
        assert!(format!("{f:?}").contains("energy_drive"));
    }

    /// The range: the neutral values and both ends are in, a step beyond either is out, and
    /// clamping brings every value in.
    #[test]
    fn factors_and_shares_have_a_range() {
        let mut f = Factors::default();
        assert!(f.out_of_range().is_empty());
        f.energy[EnergyPart::Adc] = FACTOR_RANGE.0;
        f.energy[EnergyPart::Glb] = FACTOR_RANGE.1;
        f.energy_drive[EnergyPart::Glb] = SHARE_MAX;
        assert!(f.out_of_range().is_empty());
        f.energy[EnergyPart::Adc] = 1e300;
        f.energy_cv2[EnergyPart::Adc] = -1.0;
        f.latency[crate::breakdown::LatencyPart::Digital] = 1e-10;
        f.area[crate::breakdown::AreaPart::Glb] = f64::NAN;
        let names: Vec<String> = f.out_of_range().into_iter().map(|x| x.0).collect();
        assert_eq!(
            names,
            [
                "energy.adc",
                "energy_cv2.adc",
                "latency.digital",
                "area.glb"
            ]
        );
        let c = f.clamped();
        assert!(c.out_of_range().is_empty());
        assert_eq!(c.energy[EnergyPart::Adc], FACTOR_RANGE.1);
        assert_eq!(c.energy_cv2[EnergyPart::Adc], 0.0);
        assert_eq!(c.area[crate::breakdown::AreaPart::Glb], 1.0);
    }

    #[test]
    fn flags_judge_an_energy_part_at_nominal_supply() {
        let mut f = Factors::default();
        f.energy[EnergyPart::Adc] = 1e-9;
        f.energy_cv2[EnergyPart::Adc] = 0.8;
        let flagged = f.outside(0.1, 10.0);
        assert!(flagged.is_empty(), "{flagged:?}");
        f.energy_drive[EnergyPart::Glb] = 20.0;
        let flagged: Vec<String> = f.outside(0.1, 10.0).into_iter().map(|x| x.0).collect();
        assert_eq!(flagged, ["energy.glb"]);
    }
}
