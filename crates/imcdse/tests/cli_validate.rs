//! `imcdse validate`: the shipped chip files, published tables in either format, and bad input.

mod common;
use common::{Scratch, imcdse};
use serde_json::Value;

const UIUC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../search-spaces/reference/silicon/uiuc-imc-shared.csv"
);
const MACROS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../search-spaces/reference/silicon/macros.csv"
);

fn json_lines(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = imcdse(args);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every shipped chip is costed, and wherever its paper states the conversions of an MVM the
/// model makes exactly that many: agreement on TOPS/W may not come from a wrong read chain.
#[test]
fn every_shipped_chip_is_costed_with_its_published_conversions() {
    let lines = json_lines(&["validate", "--json"]);
    let (rows, summary) = lines.split_at(lines.len() - 1);
    assert!(rows.len() >= 20, "{} chips", rows.len());
    for r in rows {
        assert!(r["skipped"].is_null(), "{r}");
        assert!(r["model_tops_per_w"].as_f64().unwrap() > 0.0, "{r}");
        if !r["published_conversions_per_mvm"].is_null() {
            assert_eq!(
                r["published_conversions_per_mvm"], r["conversions_per_mvm"],
                "{}",
                r["name"]
            );
        }
    }
    let all = &summary[0]["summary"][0];
    assert_eq!(all["group"], "all");
    assert_eq!(all["compared"].as_u64(), Some(rows.len() as u64));
}

/// The UIUC table's format is told by its header; its read chains are taken from its columns
/// (Dong/Sinangil's 7 nm macro: 4 bit-columns combined, 16 conversions), its figures are
/// 1b-normalised, digital rows are costed by their adder trees, and the rows the model cannot
/// express (at most a fifth) are listed with their reasons.
#[test]
fn the_uiuc_table_is_read_with_its_read_chains_and_reasons() {
    let lines = json_lines(&["validate", "--macros", UIUC, "--json"]);
    let rows = &lines[..lines.len() - 1];
    assert_eq!(rows.len(), 63);
    let dong = rows
        .iter()
        .find(|r| r["name"].as_str().unwrap().starts_with("Qing Dong 2020"))
        .unwrap();
    assert_eq!(dong["tops_per_w_bits"], "1b");
    assert_eq!(dong["published_conversions_per_mvm"].as_f64(), Some(16.0));
    assert_eq!(dong["conversions_per_mvm"].as_f64(), Some(16.0));
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["name"].as_str().unwrap().starts_with(name))
            .unwrap()
    };
    // Digital CIM rows are costed by their adder trees; HERMES as PCM.
    let mori = row("Hakuri Mori 2023");
    assert_eq!(
        (&mori["compute"], &mori["skipped"]),
        (&"digital".into(), &serde_json::Value::Null)
    );
    assert!(mori["energy_share"]["column_trees"].as_f64().unwrap() > 0.5);
    assert_eq!(row("R. Khaddam-Aljameh 2021")["device"], "pcm");
    let skipped: Vec<&str> = rows.iter().filter_map(|r| r["skipped"].as_str()).collect();
    assert!(
        skipped.iter().any(|s| s.starts_with("device eDRAM")),
        "{skipped:?}"
    );
    assert!(skipped.iter().all(|s| !s.is_empty()));
    // At most 20% of the rows skipped (issue 31).
    assert!(skipped.len() * 5 <= rows.len(), "{skipped:?}");
    let (code, md, _) = imcdse(&["validate", "--macros", MACROS]);
    assert_eq!(code, 0);
    assert!(
        md.contains("macros.csv's columns") && md.contains("## Summary"),
        "{md}"
    );
}

/// A table in neither format, a chip file with free parameters or figures out of bounds, and
/// a missing file are refused, naming the file and what was expected.
#[test]
fn bad_tables_and_chip_files_are_refused_with_the_reason() {
    let s = Scratch::new();
    let other = s.path("other.csv");
    std::fs::write(&other, "a,b\n1,2\n").unwrap();
    let (code, _, err) = imcdse(&["validate", "--macros", other.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("other.csv") && err.contains("N_ADC"), "{err}");
    let open = s.path("open.csv");
    std::fs::write(&open, "N_ADC,B_x\n\"1,2\n").unwrap();
    let (code, _, err) = imcdse(&["validate", "--macros", open.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("never closed"), "{err}");
    let header = s.path("header.csv");
    std::fs::write(&header, "N_ADC,B_x\n").unwrap();
    let (code, _, err) = imcdse(&["validate", "--macros", header.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no rows below the header"), "{err}");
    let (code, _, err) = imcdse(&["validate", "--macros", "no-such.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such.csv"), "{err}");
    // --out never writes over the table it reads, however it is named; the table stays.
    let dir = s.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let table = dir.join("validate.md");
    let text = "name,node_nm,tops_per_w_bits_note\n";
    std::fs::write(&table, text).unwrap();
    let (code, _, err) = imcdse(&[
        "validate",
        "--macros",
        table.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("which the command reads"), "{err}");
    assert_eq!(std::fs::read_to_string(&table).unwrap(), text);
}

/// A row whose figure, supply or clock is not a number in its bounds is skipped with the
/// reason, not read as empty (or as a figure near 0, whose ratio would be 1e300).
#[test]
fn rows_with_bad_numbers_are_skipped_with_the_reason() {
    let s = Scratch::new();
    let text = std::fs::read_to_string(MACROS).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let names: Vec<&str> = header.split(',').collect();
    let col = |n: &str| names.iter().position(|c| *c == n).unwrap();
    // The first rows of macros.csv quote no commas before `source`: edit by field.
    let row = lines.find(|l| l.starts_with("Jia")).unwrap();
    let edit = |k: &str, v: &str| {
        let mut f: Vec<String> = row.split(',').map(String::from).collect();
        f[col(k)] = v.to_string();
        f.join(",")
    };
    let rows = [
        edit("tops_per_w", "1e-300"),
        edit("vdd_v", "NaN"),
        edit("freq_mhz", "-1"),
    ];
    let file = s.path("bad.csv");
    std::fs::write(&file, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let lines = json_lines(&["validate", "--macros", file.to_str().unwrap(), "--json"]);
    let skipped: Vec<String> = lines
        .iter()
        .filter_map(|l| l["skipped"].as_str().map(String::from))
        .collect();
    assert_eq!(skipped.len(), 3, "{lines:?}");
    assert!(skipped[0].contains("tops_per_w = 1e-300"), "{skipped:?}");
    assert!(
        skipped[1].contains("vdd_v is the text \"NaN\""),
        "{skipped:?}"
    );
    assert!(skipped[2].contains("freq_mhz = -1"), "{skipped:?}");
}

/// A chip file of one's own is validated with --chip (named by its `name`); a bad
/// `[published]` table is refused there and by `eval`, which reads the same file.
#[test]
fn a_users_chip_file_is_validated_and_checked() {
    let s = Scratch::new();
    let shipped = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../search-spaces/reference/chips/jia-2020-65nm-0v85.toml"
    );
    let text = std::fs::read_to_string(shipped).unwrap();
    let mine = s.path("mine.toml");
    std::fs::write(
        &mine,
        text.replace("name = \"jia-2020-65nm-0v85\"", "name = \"mine\""),
    )
    .unwrap();
    let lines = json_lines(&["validate", "--chip", mine.to_str().unwrap(), "--json"]);
    assert_eq!(lines[0]["name"], "mine");
    assert_eq!(lines[0]["published_tops_per_w"], 400.0);
    let bad = s.path("bad.toml");
    std::fs::write(&bad, text.replace("tops_per_w = 400.0", "tops_per_w = nan")).unwrap();
    for args in [
        vec!["validate", "--chip", bad.to_str().unwrap()],
        vec![
            "eval",
            "--space",
            bad.to_str().unwrap(),
            "--workloads",
            "resnet18",
        ],
    ] {
        let (code, _, err) = imcdse(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("[published].tops_per_w = NaN"), "{err}");
    }
}
