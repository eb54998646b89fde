//! Plots for papers with plotters, as SVG or PNG (chosen by the file extension):
//!
//! - [`Front`]: a sweep's designs in the energy-latency plane (max over workloads of each),
//!   feasible evaluations in grey and the Pareto front coloured by area (viridis, with a colour
//!   bar);
//! - [`Bars`]: a comparison's per-workload normalized EDAP as grouped bars, one bar per design
//!   kind, with the specific design's 1.0 drawn as a reference line.
//!
//! An axis is logarithmic when its data spans more than a decade. Text needs a TrueType font:
//! `IMCDSE_FONT` if set, else the first of a few standard system fonts (DejaVu Sans, Liberation
//! Sans, Noto Sans); without one the error says what to install.

use crate::run_dir::{output_target, temporary};
use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Registers a sans-serif font with plotters once per process.
fn font() -> Result<()> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let candidates: Vec<String> = match std::env::var("IMCDSE_FONT") {
            Ok(p) => vec![p],
            Err(_) => FONT_PATHS.iter().map(|s| s.to_string()).collect(),
        };
        for p in &candidates {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                return plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                    .map_err(|_| format!("{p} is not a TrueType font"));
            }
        }
        Err(format!(
            "plots need a TrueType font for their text; none found at {}. Install one (Debian: \
             fonts-dejavu-core) or set IMCDSE_FONT to a .ttf file",
            candidates.join(", ")
        ))
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

/// Something that draws on a root area of any backend (a workaround for generic closures).
pub trait Painter {
    /// Draws on an SVG canvas.
    fn paint_svg(&self, root: DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>;
    /// Draws on a bitmap canvas.
    fn paint_png(&self, root: DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>;
}

/// A plot that draws on any plotters backend.
pub trait Chart {
    /// Draws on any backend.
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>;
}

impl<T: Chart> Painter for T {
    fn paint_svg(&self, root: DrawingArea<SVGBackend<'_>, Shift>) -> Result<()> {
        self.draw(root)
    }
    fn paint_png(&self, root: DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()> {
        self.draw(root)
    }
}

/// Renders `p` to `path` (.svg or .png). The plot is drawn to a temporary file beside `path`
/// and renamed over it only when drawing succeeded, so a failed plot (nothing to plot, a
/// drawing error) leaves an existing file as it was; a path that cannot be written is named
/// with the system's reason before anything is drawn.
///
/// A symbolic link is written through, and anything but a regular file refused
/// ([`crate::run_dir::output_target`]).
pub fn render(path: &Path, size: (u32, u32), p: &dyn Painter) -> Result<()> {
    let svg = is_svg(path)?;
    font()?;
    let given = path;
    let path = &output_target(&format!("--plot {}", given.display()), given)?;
    // The image encoder takes its format from the extension: keep it last (`x.png.<pid>.png`).
    let temp = temporary(path).with_extension(if svg { "svg" } else { "png" });
    std::fs::File::create(&temp).map_err(|e| cannot_write(path, &e))?;
    let drawn = if svg {
        p.paint_svg(SVGBackend::new(&temp, size).into_drawing_area())
    } else {
        p.paint_png(BitMapBackend::new(&temp, size).into_drawing_area())
    }
    .and_then(|()| std::fs::rename(&temp, path).map_err(|e| cannot_write(path, &e)));
    if drawn.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    drawn.with_context(|| format!("drawing {}", given.display()))
}

/// Whether a plot path names an SVG file (else PNG); other extensions are refused.
pub fn is_svg(path: &Path) -> Result<bool> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("svg") => Ok(true),
        Some("png") => Ok(false),
        _ => bail!(
            "--plot {}: the file must end in .svg or .png",
            path.display()
        ),
    }
}

/// "cannot write PATH: REASON", the reason as the system words it (without "(os error N)").
fn cannot_write(path: &Path, e: &std::io::Error) -> anyhow::Error {
    let reason = e.to_string();
    let reason = reason.split(" (os error").next().unwrap_or_default();
    anyhow!("cannot write {}: {reason}", path.display())
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("plotting failed: {e}")
}

/// Whether values span more than a decade (and are all positive): then a log axis.
pub fn wants_log(v: &[f64]) -> bool {
    let (lo, hi) = bounds(v);
    lo > 0.0 && hi / lo > 10.0
}

fn bounds(v: &[f64]) -> (f64, f64) {
    v.iter()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        })
}

/// Padded axis range: 10 % each side on a linear axis, a factor 1.25 on a log axis.
fn padded(v: &[f64], log: bool) -> (f64, f64) {
    let (lo, hi) = bounds(v);
    if log {
        (lo / 1.25, hi * 1.25)
    } else if hi > lo {
        let pad = (hi - lo) * 0.1;
        (lo - pad, hi + pad)
    } else {
        (
            lo - 1.0f64.max(lo.abs() * 0.1),
            hi + 1.0f64.max(hi.abs() * 0.1),
        )
    }
}

/// The energy-latency plot of a sweep.
pub struct Front {
    /// The title above the plot.
    pub title: String,
    /// Feasible evaluations: (max E mJ, max L ms).
    pub all: Vec<(f64, f64)>,
    /// The Pareto front: (max E mJ, max L ms, area mm2).
    pub front: Vec<(f64, f64, f64)>,
}

impl Chart for Front {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(err)?;
        let (plot, bar) = root.split_horizontally(root.dim_in_pixel().0.saturating_sub(110));
        let xs: Vec<f64> = self
            .all
            .iter()
            .map(|p| p.0)
            .chain(self.front.iter().map(|p| p.0))
            .collect();
        let ys: Vec<f64> = self
            .all
            .iter()
            .map(|p| p.1)
            .chain(self.front.iter().map(|p| p.1))
            .collect();
        if xs.is_empty() {
            bail!("no feasible design to plot");
        }
        let (lx, ly) = (wants_log(&xs), wants_log(&ys));
        let (x0, x1) = padded(&xs, lx);
        let (y0, y1) = padded(&ys, ly);
        match (lx, ly) {
            (false, false) => self.chart(&plot, x0..x1, y0..y1)?,
            (true, false) => self.chart(&plot, (x0..x1).log_scale(), y0..y1)?,
            (false, true) => self.chart(&plot, x0..x1, (y0..y1).log_scale())?,
            (true, true) => self.chart(&plot, (x0..x1).log_scale(), (y0..y1).log_scale())?,
        }
        let areas: Vec<f64> = self.front.iter().map(|p| p.2).collect();
        colour_bar(&bar, bounds(&areas), "area (mm²)")?;
        root.present().map_err(err)
    }
}

/// The frame both plots share: the title, margins and room for the axis labels.
fn framed<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70);
    builder
}

impl Front {
    fn chart<DB: DrawingBackend, X, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: X,
        y: Y,
    ) -> Result<()>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = framed(area, &self.title)
            .build_cartesian_2d(x, y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("max energy over workloads (mJ)")
            .y_desc("max latency over workloads (ms)")
            .x_labels(12)
            .y_labels(12)
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(170, 170, 170).mix(0.5);
        chart
            .draw_series(
                self.all
                    .iter()
                    .map(|&(e, l)| Circle::new((e, l), 2, grey.filled())),
            )
            .map_err(err)?
            .label("feasible designs")
            .legend(move |(x, y)| Circle::new((x, y), 3, grey.filled()));
        let (a0, a1) = bounds(&self.front.iter().map(|p| p.2).collect::<Vec<_>>());
        chart
            .draw_series(self.front.iter().map(|&(e, l, a)| {
                let c = ViridisRGB.get_color_normalized(a, a0, a1.max(a0 + 1e-12));
                Circle::new((e, l), 5, c.filled())
            }))
            .map_err(err)?
            .label("Pareto front (max E, max L, A)")
            .legend(|(x, y)| Circle::new((x, y), 5, ViridisRGB.get_color(0.5).filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(err)
    }
}

/// A vertical viridis bar from `lo` (bottom) to `hi` (top) with its end values.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (lo, hi): (f64, f64),
    label: &str,
) -> Result<()> {
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = (60i32, h as i32 - 60);
    let x0 = 15i32;
    let steps = 100;
    let span = (bottom - top) as f64;
    for k in 0..steps {
        let f = k as f64 / (steps - 1) as f64;
        let y_low = bottom - (span * k as f64 / steps as f64) as i32;
        let y_high = bottom - (span * (k + 1) as f64 / steps as f64) as i32;
        let c = ViridisRGB.get_color(f);
        area.draw(&Rectangle::new(
            [(x0, y_high), (x0 + 22, y_low)],
            c.filled(),
        ))
        .map_err(err)?;
    }
    let style = ("sans-serif", 13).into_font().color(&BLACK);
    area.draw(&Text::new(
        crate::report::significant(hi, 4, crate::report::Format::Markdown),
        (x0 + 26, top - 6),
        style.clone(),
    ))
    .map_err(err)?;
    area.draw(&Text::new(
        crate::report::significant(lo, 4, crate::report::Format::Markdown),
        (x0 + 26, bottom - 6),
        style.clone(),
    ))
    .map_err(err)?;
    area.draw(&Text::new(label.to_string(), (x0 - 5, top - 30), style))
        .map_err(err)?;
    Ok(())
}

/// Grouped bars of a comparison.
pub struct Bars {
    /// The title above the plot.
    pub title: String,
    /// One group of bars per workload.
    pub workloads: Vec<String>,
    /// (design kind, value per workload).
    pub groups: Vec<(String, Vec<f64>)>,
    /// The y axis' label.
    pub y_label: String,
}

impl Chart for Bars {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(err)?;
        let mut vals: Vec<f64> = self.groups.iter().flat_map(|g| g.1.clone()).collect();
        vals.push(1.0);
        if vals.iter().any(|v| !v.is_finite()) {
            bail!("a normalized score is not finite; nothing sensible to plot");
        }
        let log = wants_log(&vals);
        let (_, hi) = bounds(&vals);
        let n = self.workloads.len() as f64;
        if log {
            let (lo, _) = bounds(&vals);
            self.chart(
                &root,
                -0.5..n - 0.5,
                (lo / 1.25..hi * 1.25).log_scale(),
                lo / 1.25,
            )?;
        } else {
            self.chart(&root, -0.5..n - 0.5, 0.0..hi * 1.15, 0.0)?;
        }
        root.present().map_err(err)
    }
}

impl Bars {
    fn chart<DB: DrawingBackend, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: std::ops::Range<f64>,
        y: Y,
        base: f64,
    ) -> Result<()>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let names = self.workloads.clone();
        let mut chart = framed(area, &self.title)
            .build_cartesian_2d(x, y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(names.len() * 2 + 1)
            .x_label_formatter(&|v: &f64| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                    names[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc("workload")
            .y_desc(&self.y_label)
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        let k = self.groups.len().max(1) as f64;
        let width = 0.8 / k;
        for (g, (kind, values)) in self.groups.iter().enumerate() {
            let colour = Palette99::pick(g).to_rgba();
            let left = -0.4 + g as f64 * width;
            chart
                .draw_series(values.iter().enumerate().map(|(i, &v)| {
                    let x0 = i as f64 + left;
                    Rectangle::new([(x0, base), (x0 + width * 0.9, v)], colour.filled())
                }))
                .map_err(err)?
                .label(kind.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        let n = self.workloads.len() as f64;
        chart
            .draw_series(LineSeries::new(
                vec![(-0.5, 1.0), (n - 0.5, 1.0)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?
            .label("workload-specific design (1)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLACK));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_only_for_positive_data_spanning_a_decade() {
        assert!(wants_log(&[1.0, 5.0, 20.0]));
        assert!(!wants_log(&[1.0, 5.0, 9.0]));
        assert!(!wants_log(&[-1.0, 50.0]));
        assert!(!wants_log(&[0.0, 50.0]));
    }
}
