//! Bad workload files: each rule gives an error naming the file, where (layer and key) and what
//! is allowed; several problems are reported together; no input makes the loader panic.

use imc_zoo::{Zoo, ZooError, parse_workload};

const HEAD: &str =
    "schema_version = 1\nname = \"t\"\ndescription = \"d\"\nsource = \"s\"\ninput = [3, 32, 32]\n";

fn err(body: &str) -> String {
    let text = format!("{HEAD}{body}");
    match parse_workload("bad.toml", &text) {
        Ok(w) => panic!(
            "accepted a bad file, got {} layers:\n{text}",
            w.layers.len()
        ),
        Err(e) => e.to_string(),
    }
}

fn conv(extra: &str) -> String {
    format!(
        "[[layers]]\nname = \"c1\"\nop = \"conv2d\"\nin_channels = 3\nout_channels = 8\nkernel = 3\npadding = 1\n{extra}\n"
    )
}

fn has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "expected {p:?} in the error:\n{msg}");
    }
}

#[test]
fn good_file_parses() {
    let w = parse_workload("ok.toml", &format!("{HEAD}{}", conv(""))).unwrap();
    assert_eq!(w.layers.len(), 1);
    assert_eq!(w.macs(), 8 * 3 * 9 * 32 * 32);
}

#[test]
fn toml_syntax_error_names_file_and_line() {
    let m = err("[[layers]\nname = 1\n");
    has(&m, &["bad.toml", "line 6"]);
}

#[test]
fn unknown_top_level_key() {
    let m = err(&format!("colour = \"red\"\n{}", conv("")));
    has(
        &m,
        &["bad.toml", "unknown field `colour`", "expected one of"],
    );
}

#[test]
fn wrong_schema_version() {
    let text = HEAD.replace("schema_version = 1", "schema_version = 7") + &conv("");
    let m = parse_workload("bad.toml", &text).unwrap_err().to_string();
    has(
        &m,
        &[
            "bad.toml",
            "schema_version",
            "7 is not supported",
            "schema_version = 1",
        ],
    );
}

#[test]
fn missing_or_unknown_op() {
    has(
        &err("[[layers]]\nname = \"x\"\n"),
        &["layers[0] \"x\"", "key `op`", "missing", "conv2d"],
    );
    has(
        &err("[[layers]]\nname = \"x\"\nop = \"conv\"\n"),
        &[
            "key `op`",
            "\"conv\" is not an operator",
            "allowed: conv2d, linear",
        ],
    );
}

#[test]
fn missing_name() {
    has(
        &err("[[layers]]\nop = \"add\"\nelements = 4\n"),
        &["layers[0]", "key `name`", "every layer needs a name"],
    );
}

#[test]
fn unknown_layer_key_names_layer_and_key() {
    let m = err(&conv("kernal = 3"));
    has(
        &m,
        &[
            "bad.toml",
            "line 6, layers[0] \"c1\"",
            "unknown field `kernal`",
            "expected one of",
            "`kernel`",
        ],
    );
}

#[test]
fn groups_must_divide_channels() {
    let m = err(&conv("groups = 2"));
    has(
        &m,
        &[
            "\"c1\"",
            "key `groups`",
            "groups = 2 must divide both in_channels (3) and out_channels (8)",
        ],
    );
}

#[test]
fn output_size_must_match_padding_and_stride() {
    let m = err(&conv("stride = 2\noutput_size = 15"));
    has(
        &m,
        &["key `output_size`", "15x15 is inconsistent", "give 16x16"],
    );
}

#[test]
fn sizes_must_be_positive() {
    has(
        &err(&conv("").replace("out_channels = 8", "out_channels = 0")),
        &["key `out_channels`", "0 is out of range", ">= 1"],
    );
    has(
        &err(&conv("stride = -2")),
        &["key `stride`", "-2 is out of range"],
    );
    has(
        &err(&conv("").replace("padding = 1", "padding = -1")),
        &["key `padding`", "-1 is out of range", ">= 0"],
    );
}

#[test]
fn kernel_must_fit_input() {
    let m = err(&conv("input_size = 2\n").replace("padding = 1", "padding = 0"));
    has(&m, &["key `kernel`", "does not fit the 2x2 input"]);
}

#[test]
fn wrong_value_type() {
    has(
        &err(&conv("bias = \"yes\"")),
        &["\"c1\"", "invalid type", "expected a boolean"],
    );
    has(
        &err(&conv("").replace("kernel = 3", "kernel = \"three\"")),
        &[
            "\"c1\"",
            "expected an integer or a \"$parameter\" reference, found the string \"three\"",
        ],
    );
}

#[test]
fn unknown_parameter_reference() {
    let m = err(&conv("").replace("out_channels = 8", "out_channels = \"$width\""));
    has(
        &m,
        &[
            "key `out_channels`",
            "unknown parameter `$width`",
            "add a [params] table",
        ],
    );
}

#[test]
fn overrides_must_name_a_parameter() {
    let zoo = Zoo::builtin().unwrap();
    let m = zoo
        .load("llama2-7b-softmax:seqlen=128")
        .unwrap_err()
        .to_string();
    has(
        &m,
        &["llama2-7b-softmax", "no parameter `seqlen`", "seq_len"],
    );
    let m = zoo
        .load("llama2-7b-softmax:seq_len=0")
        .unwrap_err()
        .to_string();
    has(&m, &["seq_len = 0 is out of range"]);
    let m = zoo.load("vgg16:seq_len=128").unwrap_err().to_string();
    has(&m, &["no parameter `seq_len`", "none"]);
}

#[test]
fn duplicate_layer_names() {
    let m = err(&format!(
        "{}{}",
        conv(""),
        conv("").replace("in_channels = 3", "in_channels = 8")
    ));
    has(&m, &["layer \"c1\"", "duplicate layer name"]);
}

#[test]
fn precision_out_of_range() {
    has(
        &err(&conv("weight_bits = 0")),
        &["key `weight_bits`", "0 is out of range"],
    );
    has(
        &err(&conv("input_bits = 33")),
        &["key `input_bits`", "33 bits is out of range", "1..=32"],
    );
}

#[test]
fn spiking_rules() {
    has(
        &err(&conv(
            "spiking = { timesteps = 4, spike_rate = 1.5, membrane_bits = 8 }",
        )),
        &["spiking.spike_rate", "1.5 is out of range", "(0, 1]"],
    );
    has(
        &err(&conv("spiking = { timesteps = 4, spike_rate = 0.2 }")),
        &["spiking.membrane_bits", "missing"],
    );
    has(
        &err(&conv("spiking = { timestep = 4 }")),
        &["key `spiking`", "unknown field `timestep`"],
    );
    let pool = "[[layers]]\nname = \"p\"\nop = \"pool\"\nkind = \"max\"\nkernel = 2\nspiking = { timesteps = 4 }\n";
    has(
        &err(pool),
        &["\"p\"", "spiking settings apply to weight layers"],
    );
}

#[test]
fn data_rules() {
    has(
        &err(&conv(
            "data = { activation_crest = 0.5, signal_gain_db = 50 }",
        )),
        &[
            "data.activation_crest",
            "0.5 is out of range; allowed 1 to 64",
            "data.signal_gain_db",
            "50 is out of range; allowed -20 to 40",
        ],
    );
    has(
        &err(&conv("data = { crest = 4.0 }")),
        &["key `data`", "unknown field `crest`"],
    );
    has(
        &err(&conv("data = { weight_crest = \"big\" }")),
        &["key `data`", "invalid type"],
    );
    let pool = "[[layers]]\nname = \"p\"\nop = \"pool\"\nkind = \"max\"\nkernel = 2\ndata = { weight_crest = 4.0 }\n";
    has(
        &err(pool),
        &["\"p\"", "data statistics apply to weight layers"],
    );
    let defaults = format!(
        "[defaults]\ndata = {{ activation_nonzero = 2.0 }}\n{}",
        conv("")
    );
    has(
        &err(&defaults),
        &["defaults", "data.activation_nonzero", "2 is out of range"],
    );
}

/// A layer's `data` goes over `[defaults.data]` key by key, on weight layers only.
#[test]
fn data_is_inherited_key_by_key() {
    let text = format!(
        "{HEAD}[defaults]\ndata = {{ activation_nonzero = 0.4, weight_crest = 5 }}\n{}{}",
        conv("data = { weight_crest = 6.5, signal_gain_db = 2.0 }\nact = \"relu\""),
        conv("")
            .replace("c1", "c2")
            .replace("in_channels = 3", "in_channels = 8"),
    );
    let w = parse_workload("ok.toml", &text).unwrap();
    let get = |n: &str| w.layers.iter().find(|l| l.name == n).unwrap().data;
    let c1 = get("c1");
    assert_eq!(
        c1.given(),
        vec![
            ("activation_nonzero", 0.4),
            ("weight_crest", 6.5),
            ("signal_gain_db", 2.0)
        ]
    );
    assert!(get("c1.act").is_empty());
    assert_eq!(
        get("c2").given(),
        vec![("activation_nonzero", 0.4), ("weight_crest", 5.0)]
    );
}

#[test]
fn shapes_are_checked_against_the_previous_layer() {
    let two = format!("{}{}", conv(""), conv("").replace("c1", "c2"));
    has(
        &err(&two),
        &[
            "\"c2\"",
            "key `in_channels`",
            "3, but the previous layer gives 8 channels",
        ],
    );
    let fc = format!(
        "{}[[layers]]\nname = \"fc\"\nop = \"linear\"\nin_features = 100\nout_features = 10\n",
        conv("")
    );
    has(
        &err(&fc),
        &[
            "\"fc\"",
            "key `in_features`",
            "8x32x32 feature map (8192 values",
        ],
    );
}

#[test]
fn pool_rules() {
    let p = |extra: &str| format!("[[layers]]\nname = \"p\"\nop = \"pool\"\n{extra}\n");
    has(
        &err(&p("kind = \"median\"\nkernel = 2")),
        &[
            "key `kind`",
            "unknown pooling \"median\"",
            "max, avg, adaptive_avg",
        ],
    );
    has(&err(&p("kind = \"max\"")), &["key `kernel`", "missing"]);
    has(
        &err(&p("kind = \"adaptive_avg\"")),
        &["key `output_size`", "missing"],
    );
    has(
        &err(&p("kind = \"max\"\nkernel = 2\npadding = 2")),
        &["key `padding`", "more than half the kernel"],
    );
}

#[test]
fn unknown_kinds_list_the_allowed_ones() {
    has(
        &err(&conv("act = \"tanh\"")),
        &[
            "key `act`",
            "unknown activation \"tanh\"",
            "relu, hardswish",
        ],
    );
    has(
        &err(&conv("norm = \"group\"")),
        &[
            "key `norm`",
            "unknown norm kind \"group\"",
            "batch, layer, rms, no_norm",
        ],
    );
}

#[test]
fn repeat_rules() {
    has(
        &err("[[layers]]\nname = \"r\"\nop = \"repeat\"\n"),
        &["\"r\"", "key `count`", "missing"],
    );
    has(
        &err("[[layers]]\nname = \"r\"\nop = \"repeat\"\ncount = 2\n"),
        &["key `body`", "[[layers.body]]"],
    );
    has(
        &err(
            "[[layers]]\nname = \"r\"\nop = \"repeat\"\ncount = 100000000\n[[layers.body]]\nname = \"a\"\nop = \"add\"\nelements = 1\n",
        ),
        &["key `count`", "at most 100000 layers"],
    );
    let nested = "[[layers]]\nname = \"r\"\nop = \"repeat\"\ncount = 2\n[[layers.body]]\nname = \"a\"\nop = \"add\"\nelements = 0\n";
    has(
        &err(nested),
        &["layers[0].body[0] (repeat 0) \"r.0.a\"", "key `elements`"],
    );
}

#[test]
fn huge_layers_are_rejected_not_overflowed() {
    let big = conv("")
        .replace("out_channels = 8", "out_channels = 4000000000")
        .replace("in_channels = 3", "in_channels = 4000000000");
    let m = err(&big.replace("input_size", "x"));
    has(&m, &["too large", "exceeds the supported"]);
}

#[test]
fn block_rules() {
    let tf = "[[layers]]\nname = \"t\"\nop = \"transformer\"\nlayers = 2\ntokens = 4\nhidden = 10\nheads = 3\nffn = 8\n";
    has(
        &err(tf),
        &["\"t\"", "key `heads`", "3 heads do not divide hidden = 10"],
    );
    let ir = "[[layers]]\nname = \"b\"\nop = \"inverted_residual\"\nin_channels = 3\nexpand_channels = 8\nout_channels = 3\nkernel = 4\nact = \"relu\"\n";
    has(&err(ir), &["key `kernel`", "must be odd"]);
}

#[test]
fn several_problems_are_reported_together() {
    let body = format!(
        "{}{}",
        conv("groups = 2"),
        conv("act = \"tanh\"")
            .replace("c1", "c2")
            .replace("kernel = 3", "kernel = 0")
    );
    let text = format!("{HEAD}{body}");
    let e = parse_workload("bad.toml", &text).unwrap_err();
    assert!(e.problems().len() >= 2, "{e}");
    has(&e.to_string(), &["problems:", "\"c1\"", "\"c2\""]);
}

#[test]
fn empty_layers_and_input() {
    has(&err("layers = []\n"), &["layers", "at least one layer"]);
    let text = HEAD.replace("input = [3, 32, 32]", "input = []") + &conv("input_size = 8");
    has(
        &parse_workload("bad.toml", &text).unwrap_err().to_string(),
        &["input", "empty"],
    );
}

#[test]
fn unknown_workload_and_missing_file() {
    let zoo = Zoo::builtin().unwrap();
    let m = zoo.load("vgg19").unwrap_err().to_string();
    has(
        &m,
        &[
            "unknown workload or set `vgg19`",
            "vgg16",
            "paper4 (set)",
            "mobilenetv3 (= mobilenetv3-large)",
            ".toml",
        ],
    );
    let e = zoo.load("no/such/file.toml").unwrap_err();
    assert!(matches!(e, ZooError::Io { .. }));
    has(&e.to_string(), &["no/such/file.toml", "cannot read"]);
}

#[test]
fn user_file_loads_wherever_a_name_does() {
    let dir = std::env::temp_dir().join(format!("imc-zoo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mine.toml");
    std::fs::write(&path, format!("{HEAD}{}", conv(""))).unwrap();
    let zoo = Zoo::builtin().unwrap();
    let list = format!("resnet18,{}", path.display());
    let ws = zoo.resolve(&list).unwrap();
    assert_eq!(
        ws.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(),
        ["resnet18", "t"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Mutates every built-in file line by line (deleted, numbers set to 0, -1 and 2^62, strings
/// emptied) and requires the loader to return, never to panic.
#[test]
fn no_panic_on_mutated_builtin_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workloads");
    let mut files = Vec::new();
    for sub in ["cnn", "transformer", "llm", "snn"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    assert!(files.len() >= 16);
    let mut tried = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            let line = lines[i];
            let mut variants = vec![String::new()];
            if let Some((k, v)) = line.split_once(" = ")
                && (v.trim().parse::<i64>().is_ok() || v.starts_with('[') || v.starts_with('"'))
            {
                for new in ["0", "-1", "4611686018427387904", "\"$nope\""] {
                    variants.push(format!("{k} = {new}"));
                }
            }
            for v in variants {
                let mut m = lines.clone();
                m[i] = &v;
                let _ = parse_workload("mutated.toml", &m.join("\n"));
                tried += 1;
            }
        }
    }
    assert!(tried > 1000, "only {tried} mutations");
}

/// A layer with a problem passes no shape on; the layers after it that take their sizes from it
/// add no problems of their own, until a layer gives a shape again.
#[test]
fn a_bad_layer_does_not_make_the_next_ones_look_bad() {
    let pool = "[[layers]]\nname = \"p\"\nop = \"pool\"\nkind = \"max\"\nkernel = 2\n";
    let bad = conv("").replace("kernel = 3", "kernel = 0");
    let e = err(&format!("{bad}{pool}{}", conv("").replace("c1", "c2")));
    has(&e, &["\"c1\", key `kernel`"]);
    assert!(!e.contains("problems"), "one problem, not more:\n{e}");
    // A layer that states its input gives a shape again: a later missing size is reported.
    let restart = "[[layers]]\nname = \"c3\"\nop = \"conv2d\"\nin_channels = 8\nout_channels = 8\n\
                   kernel = 3\ninput_size = 8\n[[layers]]\nname = \"f\"\nop = \"linear\"\n\
                   in_features = 7\nout_features = 2\n";
    let e = err(&format!("{bad}{restart}"));
    has(
        &e,
        &[
            "2 problems",
            "\"c1\", key `kernel`",
            "\"f\", key `in_features`",
        ],
    );
}

/// A workload name is a column prefix and a word on a command line: no separators, control
/// characters or paths, at most 100 characters.
#[test]
fn workload_names_are_plain_words() {
    for name in ["../../etc", "a:b", "a b", "a\\u001bb", "a,b", ""] {
        let text = HEAD.replace("name = \"t\"", &format!("name = \"{name}\""));
        let e = match parse_workload("bad.toml", &format!("{text}{}", conv(""))) {
            Ok(_) => panic!("accepted the name {name:?}"),
            Err(e) => e.to_string(),
        };
        has(&e, &["bad.toml", "a workload name has 1 to 100 characters"]);
    }
    let long = HEAD.replace("name = \"t\"", &format!("name = \"{}\"", "x".repeat(101)));
    assert!(parse_workload("bad.toml", &format!("{long}{}", conv(""))).is_err());
    let fine = HEAD.replace("name = \"t\"", "name = \"my-net_v1.2+x\"");
    assert!(parse_workload("ok.toml", &format!("{fine}{}", conv(""))).is_ok());
}
