//! What `imcdse validate` prints and writes: a Markdown report (each design with its published
//! and model figures and their ratios, the skipped ones with their reasons, then the summary by
//! group), and JSON lines (one object a design, then one `{"summary": [...]}` object).

use super::validate::{Group, Line, Validation, ratio, summary};
use crate::report::{Format, markdown_table, significant};
use crate::silicon::{Bits, Scope};
use serde_json::{Value as Json, json};

fn num(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| significant(x, 3, Format::Markdown))
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// The Markdown report.
pub fn markdown(v: &Validation) -> String {
    let mut s = format!(
        "# Validation against published silicon\n\nSource: {}. Model: `imc-model` {} with its \
         defaults except what each design sets. Ratios are model / published; TOPS/W and TOPS/mm2 \
         in each design's own convention (native: 2 ops per MAC at its precision; 1b: x input \
         bits x weight bits); a macro's figures cover its array and read chain only.\n\n",
        v.source,
        imc_model::MODEL_REVISION
    );
    let costed: Vec<&Line> = v.lines.iter().filter(|l| l.skipped.is_none()).collect();
    let rows: Vec<Vec<String>> = costed.iter().map(|l| row(l)).collect();
    s += &markdown_table(
        &[
            "design",
            "device",
            "precision",
            "bits",
            "TOPS/W pub.",
            "TOPS/W model",
            "ratio",
            "TOPS/mm2 pub.",
            "TOPS/mm2 model",
            "area mm2 pub.",
            "area mm2 model",
            "conversions pub.",
            "conversions model",
        ],
        &[
            false, false, false, false, true, true, true, true, true, true, true, true, true,
        ],
        &rows,
    );
    let skipped: Vec<&Line> = v.lines.iter().filter(|l| l.skipped.is_some()).collect();
    if !skipped.is_empty() {
        s += &format!("\n## Skipped ({} of {})\n\n", skipped.len(), v.lines.len());
        for l in skipped {
            let clip = crate::evaluator::protocol::clip;
            let why = l.skipped.as_deref().unwrap_or("");
            s += &format!("- {}: {}\n", clip(&l.name), clip(why));
        }
    }
    s += "\n## Summary\n\n";
    s += &summary_table(&summary(&v.lines));
    s
}

fn row(l: &Line) -> Vec<String> {
    vec![
        l.name.clone(),
        if l.compute == "digital" {
            format!("{} (digital)", l.device)
        } else {
            l.device.clone()
        },
        l.precision.clone(),
        match (l.bits, l.scope) {
            (Bits::Native, Scope::Macro) => "native".into(),
            (Bits::OneBit, Scope::Macro) => "1b".into(),
            (Bits::Native, Scope::Chip) => "native, chip".into(),
            (Bits::OneBit, Scope::Chip) => "1b, chip".into(),
        },
        num(l.tops_per_w.0),
        num(l.tops_per_w.1),
        num(l.ratio()),
        num(l.tops_per_mm2.0),
        num(l.tops_per_mm2.1),
        num(l.area_mm2.0),
        num(l.area_mm2.1),
        num(l.conversions.0),
        num(l.conversions.1),
    ]
}

/// The summary as a Markdown table.
pub fn summary_table(groups: &[Group]) -> String {
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            vec![
                g.name.clone(),
                g.compared.to_string(),
                g.skipped.to_string(),
                num(g.median_ratio),
                pct(g.within.0),
                pct(g.within.1),
                num(g.spearman),
                if g.area.0 == 0 {
                    "-".into()
                } else {
                    format!("{} of {}", pct(g.area.1), g.area.0)
                },
                if g.conversions.0 == 0 {
                    "-".into()
                } else {
                    format!("{} of {}", g.conversions.1, g.conversions.0)
                },
            ]
        })
        .collect();
    markdown_table(
        &[
            "group",
            "compared",
            "skipped",
            "median ratio",
            "within 2x",
            "within 3x",
            "Spearman",
            "area within 2x",
            "conversions equal",
        ],
        &[false, true, true, true, true, true, true, true, true],
        &rows,
    )
}

/// One JSON object per design, then `{"summary": [...]}`; each ending in a newline.
pub fn json_lines(v: &Validation) -> String {
    let mut s = String::new();
    for l in &v.lines {
        s += &json_line(l).to_string();
        s.push('\n');
    }
    let groups: Vec<Json> = summary(&v.lines)
        .iter()
        .map(|g| {
            json!({
                "group": g.name, "compared": g.compared, "skipped": g.skipped,
                "median_ratio": g.median_ratio, "within_2x": g.within.0, "within_3x": g.within.1,
                "spearman": g.spearman, "area_published": g.area.0, "area_within_2x": g.area.1,
                "conversions_published": g.conversions.0, "conversions_equal": g.conversions.1,
            })
        })
        .collect();
    s += &json!({ "summary": groups }).to_string();
    s.push('\n');
    s
}

fn json_line(l: &Line) -> Json {
    json!({
        "name": l.name,
        "origin": l.origin,
        "device": l.device,
        "compute": l.compute,
        "precision": l.precision,
        "tops_per_w_bits": match l.bits { Bits::Native => "native", Bits::OneBit => "1b" },
        "scope": match l.scope { Scope::Macro => "macro", Scope::Chip => "chip" },
        "published_tops_per_w": l.tops_per_w.0,
        "model_tops_per_w": l.tops_per_w.1,
        "ratio_tops_per_w": l.ratio(),
        "published_tops_per_mm2": l.tops_per_mm2.0,
        "model_tops_per_mm2": l.tops_per_mm2.1,
        "published_area_mm2": l.area_mm2.0,
        "model_area_mm2": l.area_mm2.1,
        "ratio_area": ratio(l.area_mm2),
        "published_conversions_per_mvm": l.conversions.0,
        "conversions_per_mvm": l.conversions.1,
        "energy_share": l.energy_shares.iter().map(|(n, x)| (n.clone(), json!(x))).collect::<serde_json::Map<_, _>>(),
        "skipped": l.skipped,
    })
}
