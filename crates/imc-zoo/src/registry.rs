//! The zoo: built-in workload files (embedded at compile time from `workloads/`), named sets and
//! aliases (`workloads/sets.toml`), and resolution of what a user types: a name, a set, an alias,
//! a path to their own `.toml` file, each optionally with parameter overrides
//! (`llama2-7b-softmax:seq_len=4096`), in a comma-separated list.

use crate::error::{Problem, ZooError};
use crate::spec;
use crate::workload::Workload;
use serde::Deserialize;
use std::collections::BTreeMap;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

const SETS_FILE: &str = "sets.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetsSpec {
    schema_version: u32,
    sets: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

/// A built-in file and the workload it gives with its default parameters (parsed once, when
/// the zoo is built, to learn its name; loads without overrides reuse it).
#[derive(Debug, Clone)]
struct Builtin {
    /// Path relative to workloads/.
    path: &'static str,
    text: &'static str,
    default: Workload,
}

/// The built-in zoo.
#[derive(Debug, Clone)]
pub struct Zoo {
    /// Workload name -> its built-in file.
    files: BTreeMap<String, Builtin>,
    sets: BTreeMap<String, Vec<String>>,
    aliases: BTreeMap<String, String>,
}

impl Zoo {
    /// The built-in zoo. Fails only if a built-in file is broken (a test guards against that).
    pub fn builtin() -> Result<Zoo, ZooError> {
        let mut files = BTreeMap::new();
        let mut sets_text = None;
        for (path, text) in BUILTIN_FILES {
            if *path == SETS_FILE {
                sets_text = Some(*text);
                continue;
            }
            let w = spec::parse(&format!("workloads/{path}"), text, &[])?;
            let name = w.name.clone();
            if let Some(other) = files.insert(
                name,
                Builtin {
                    path,
                    text,
                    default: w,
                },
            ) {
                return Err(ZooError::Invalid {
                    file: format!("workloads/{path}"),
                    problems: vec![Problem {
                        location: "name".into(),
                        message: format!(
                            "{:?} is also the name in workloads/{}",
                            other.default.name, other.path
                        ),
                    }],
                });
            }
        }
        let file = format!("workloads/{SETS_FILE}");
        let bad = |location: &str, message: String| ZooError::Invalid {
            file: file.clone(),
            problems: vec![Problem {
                location: location.into(),
                message,
            }],
        };
        let text = sets_text.ok_or_else(|| bad("", "missing".into()))?;
        let spec: SetsSpec =
            toml::from_str(text).map_err(|e| bad("", crate::error::toml_syntax_line(text, &e)))?;
        if spec.schema_version != spec::SCHEMA_VERSION {
            return Err(bad(
                "schema_version",
                format!("{} is not supported", spec.schema_version),
            ));
        }
        for (set, members) in &spec.sets {
            for m in members {
                if !files.contains_key(m) {
                    return Err(bad(
                        &format!("sets.{set}"),
                        format!("`{m}` is not a built-in workload"),
                    ));
                }
            }
        }
        for (alias, target) in &spec.aliases {
            if !files.contains_key(target) {
                return Err(bad(
                    &format!("aliases.{alias}"),
                    format!("`{target}` is not a built-in workload"),
                ));
            }
        }
        Ok(Zoo {
            files,
            sets: spec.sets,
            aliases: spec.aliases,
        })
    }

    /// Built-in workload names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Named sets and their members, in file order of members.
    pub fn sets(&self) -> &BTreeMap<String, Vec<String>> {
        &self.sets
    }

    /// Aliases and the names they stand for.
    pub fn aliases(&self) -> &BTreeMap<String, String> {
        &self.aliases
    }

    /// The sets a built-in workload belongs to.
    pub fn sets_of(&self, name: &str) -> Vec<&str> {
        self.sets
            .iter()
            .filter(|(_, m)| m.iter().any(|x| x == name))
            .map(|(s, _)| s.as_str())
            .collect()
    }

    /// The built-in file a workload comes from (relative to workloads/).
    pub fn file_of(&self, name: &str) -> Option<&'static str> {
        self.files.get(name).map(|b| b.path)
    }

    fn known(&self) -> String {
        let mut all: Vec<String> = self.files.keys().cloned().collect();
        all.extend(self.sets.keys().map(|s| format!("{s} (set)")));
        all.extend(self.aliases.iter().map(|(a, t)| format!("{a} (= {t})")));
        all.join(", ")
    }

    /// Loads one workload: a built-in name or alias, or a path to a `.toml` file, optionally
    /// followed by `:key=value,...` overrides of its `[params]`, or a path to an `.onnx` file,
    /// optionally followed by `:dim=value,...` values of its symbolic dimensions. A file whose
    /// name does not end in `.onnx` but whose bytes begin as an ONNX model's do is read as one.
    /// Where the overrides begin when the path itself holds a `:`: [`split_overrides`].
    pub fn load(&self, item: &str) -> Result<Workload, ZooError> {
        let (name, overrides) = split_overrides(item)?;
        let onnx = |dims| {
            let opts = crate::onnx::Options {
                dims,
                dims_syntax: crate::onnx::DimsSyntax::Suffix,
                ..Default::default()
            };
            Ok(crate::onnx::import(name, &opts)?.workload)
        };
        if is_onnx(name) {
            return onnx(overrides);
        }
        if is_path(name) {
            let Some(bytes) = read_unless_onnx(name)? else {
                return onnx(overrides);
            };
            let text = String::from_utf8(bytes).map_err(|_| ZooError::Invalid {
                file: name.to_string(),
                problems: vec![Problem {
                    location: String::new(),
                    message: "not UTF-8 text, so not a workload file (TOML); an ONNX model is read from a file ending in .onnx".into(),
                }],
            })?;
            return spec::parse(name, &text, &overrides);
        }
        let name = self.aliases.get(name).map(String::as_str).unwrap_or(name);
        match self.files.get(name) {
            Some(b) if overrides.is_empty() => Ok(b.default.clone()),
            Some(b) => spec::parse(&format!("workloads/{}", b.path), b.text, &overrides),
            None => Err(ZooError::Unknown {
                name: crate::error::clipped(name),
                known: self.known(),
            }),
        }
    }

    /// Resolves a comma-separated list of workloads, sets, aliases and files into workloads,
    /// without duplicates, in the order given. Overrides go after a colon and are separated
    /// by `;` inside a list (`llama2-7b-softmax:seq_len=4096;...`) or by `,` for a single item.
    pub fn resolve(&self, list: &str) -> Result<Vec<Workload>, ZooError> {
        let mut out: Vec<Workload> = Vec::new();
        for item in split_list(list) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let loaded = match self.sets.get(item) {
                Some(members) => members
                    .iter()
                    .map(|m| self.load(m))
                    .collect::<Result<Vec<_>, _>>()?,
                None => vec![self.load(item)?],
            };
            for w in loaded {
                match out.iter().find(|o| o.name == w.name) {
                    // The same workload named twice (`paper4,vgg16`): kept once.
                    Some(o) if o.same_definition(&w) => {}
                    Some(o) => {
                        return Err(ZooError::Duplicate {
                            name: w.name.clone(),
                            first: self.origin(o),
                            second: self.origin(&w),
                        });
                    }
                    None => out.push(w),
                }
            }
        }
        if out.is_empty() {
            return Err(ZooError::Unknown {
                name: crate::error::clipped(list),
                known: self.known(),
            });
        }
        Ok(out)
    }
}

impl Zoo {
    /// Where a workload comes from, for messages: `zoo` or its file, with its parameters.
    fn origin(&self, w: &Workload) -> String {
        let builtin = self
            .files
            .get(&w.name)
            .is_some_and(|b| format!("workloads/{}", b.path) == w.file);
        let mut s = if builtin {
            "zoo".to_string()
        } else {
            w.file.clone()
        };
        if !w.params.is_empty() {
            let p: Vec<String> = w.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s = format!("{s} with {}", p.join(", "));
        }
        s
    }
}

fn is_onnx(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".onnx")
}

fn is_path(name: &str) -> bool {
    name.ends_with(".toml") || name.contains('/')
}

/// The bytes of the regular file `path` (a folder, FIFO or device is refused unopened; at
/// most [`crate::files::MAX_TEXT_BYTES`] of them), or `None` when they begin as an ONNX
/// model's do (field 1, `ir_version`, as a varint: byte 0x08, a control character that no
/// text file, so no workload file, begins with). An ONNX model has its own bounds.
fn read_unless_onnx(path: &str) -> Result<Option<Vec<u8>>, ZooError> {
    use std::io::Read;
    crate::files::regular(path, "a workload file")?;
    let io = |error| ZooError::Io {
        file: path.to_string(),
        error,
    };
    let mut first = [0u8; 1];
    let n = std::fs::File::open(path)
        .map_err(io)?
        .read(&mut first)
        .map_err(io)?;
    if n == 1 && first[0] == 0x08 {
        return Ok(None);
    }
    let max = crate::files::MAX_TEXT_BYTES;
    crate::files::read_bounded(path, "a workload file", max).map(Some)
}

/// Whether `path` names something that exists (a file, a folder, through links).
fn exists(path: &str) -> bool {
    std::path::Path::new(path).exists()
}

/// Splits a list on commas that separate items, keeping the commas of a `name:k=v,k=v` override.
/// A list that names an existing file as a whole is that one file (its name may hold commas).
fn split_list(list: &str) -> Vec<String> {
    if (is_onnx(list) || is_path(list)) && exists(list) {
        return vec![list.to_string()];
    }
    let mut items: Vec<String> = Vec::new();
    for part in list.split(',') {
        let continues_overrides = items.last().is_some_and(|last| last.contains(':'))
            && part.contains('=')
            && !part.contains(':');
        match items.last_mut() {
            Some(last) if continues_overrides => {
                last.push(',');
                last.push_str(part);
            }
            _ => items.push(part.to_string()),
        }
    }
    items
}

/// Parameter overrides: `(name, value)` pairs.
type Overrides = Vec<(String, u64)>;

/// The workload and its `:k=v,...` overrides. An item that names an existing file as a whole has
/// none (a file name may hold `:`); else the overrides follow the last `:` whose left part is
/// an existing file, or, when no left part is one, the first `:` (zoo names hold none). A key
/// given twice is an error.
fn split_overrides(item: &str) -> Result<(&str, Overrides), ZooError> {
    if (is_onnx(item) || is_path(item)) && exists(item) {
        return Ok((item, Vec::new()));
    }
    let colons: Vec<usize> = item.match_indices(':').map(|(i, _)| i).collect();
    let at = colons
        .iter()
        .rev()
        .find(|&&i| exists(&item[..i]))
        .or(colons.first());
    let Some(&at) = at else {
        return Ok((item, Vec::new()));
    };
    let (name, rest) = (&item[..at], &item[at + 1..]);
    let mut out: Overrides = Vec::new();
    for kv in rest.split([',', ';']).filter(|s| !s.trim().is_empty()) {
        let bad = |m: String| ZooError::BadOverride {
            name: name.to_string(),
            message: m,
        };
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| bad(format!("override {kv:?} is not key=value")))?;
        let v: u64 = v.trim().parse().map_err(|_| {
            bad(format!(
                "override {kv:?}: the value must be a positive integer"
            ))
        })?;
        let k = k.trim();
        if let Some((_, first)) = out.iter().find(|(o, _)| o == k) {
            return Err(bad(format!(
                "`{k}` is given twice ({k}={first} and {k}={v}); give it once"
            )));
        }
        out.push((k.to_string(), v));
    }
    Ok((name, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17 item 3: a file whose workload takes a zoo name is refused, whatever the order,
    /// naming both; the same workload twice is kept once.
    #[test]
    fn item3_two_workloads_with_one_name_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let my = dir.path().join("my.toml");
        let text = "schema_version = 1\nname = \"vgg16\"\ndescription = \"mine\"\n\
                    source = \"test\"\ninput = [8]\n\n[[layers]]\nname = \"fc\"\n\
                    op = \"linear\"\nin_features = 8\nout_features = 4\n";
        std::fs::write(&my, text).unwrap();
        let my = my.to_str().unwrap();
        let zoo = Zoo::builtin().unwrap();
        assert_eq!(zoo.resolve(my).unwrap()[0].file, my);
        for list in [format!("vgg16,{my}"), format!("{my},paper4")] {
            let e = zoo.resolve(&list).unwrap_err().to_string();
            assert!(
                e.contains("two workloads named vgg16 (") && e.contains("zoo"),
                "{e}"
            );
            assert!(e.contains(my), "{e}");
        }
        let copy = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../workloads/cnn/vgg16.toml"
        );
        assert_eq!(
            zoo.resolve(&format!("paper4,vgg16,{copy}")).unwrap().len(),
            4
        );
        let e = zoo
            .resolve("llama2-7b-softmax:seq_len=128,llama2-7b-softmax:seq_len=256")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("(zoo with seq_len=128 and zoo with seq_len=256)"),
            "{e}"
        );
    }

    #[test]
    fn list_splitting_keeps_override_commas() {
        assert_eq!(split_list("a,b:x=1,y=2,c"), vec!["a", "b:x=1,y=2", "c"]);
        assert_eq!(split_list("paper4"), vec!["paper4"]);
    }

    #[test]
    fn overrides_parse() {
        let (n, o) = split_overrides("llama2-7b-softmax:seq_len=128").unwrap();
        assert_eq!(n, "llama2-7b-softmax");
        assert_eq!(o, vec![("seq_len".to_string(), 128)]);
        assert!(split_overrides("x:seq_len").is_err());
        assert!(split_overrides("x:seq_len=-3").is_err());
    }
}
