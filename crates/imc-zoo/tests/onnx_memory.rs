//! Importing a model whose weights are in the file does not keep them (issue 16; they stream
//! past in 64 KiB pieces for their spread, issue 33): a 302 MB
//! `raw_data` payload (a sparse file, so the test costs no disk) leaves the peak resident memory
//! of this process (its own test binary, so no other test allocates meanwhile) within a few MB.

/// Protobuf encoding of the few messages needed.
fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_varint(number: u64, v: u64, out: &mut Vec<u8>) {
    varint(number << 3, out);
    varint(v, out);
}

fn field_bytes(number: u64, b: &[u8], out: &mut Vec<u8>) {
    varint((number << 3) | 2, out);
    varint(b.len() as u64, out);
    out.extend_from_slice(b);
}

/// A `ValueInfoProto` of a float tensor of shape `dims`.
fn value_info(name: &str, dims: &[u64]) -> Vec<u8> {
    let mut shape = Vec::new();
    for &d in dims {
        let mut dim = Vec::new();
        field_varint(1, d, &mut dim);
        field_bytes(1, &dim, &mut shape);
    }
    let mut tensor = Vec::new();
    field_varint(1, 1, &mut tensor);
    field_bytes(2, &shape, &mut tensor);
    let mut ty = Vec::new();
    field_bytes(1, &tensor, &mut ty);
    let mut v = Vec::new();
    field_bytes(1, name.as_bytes(), &mut v);
    field_bytes(2, &ty, &mut v);
    v
}

#[cfg(target_os = "linux")]
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn weights_in_the_file_are_never_read() {
    use std::io::{Seek, SeekFrom, Write};
    let (k, n) = (8192u64, 9216u64);
    let payload = k * n * 4;
    // MatMul(input [1, k], w [k, n]) with w's values in raw_data.
    let mut node = Vec::new();
    field_bytes(1, b"input", &mut node);
    field_bytes(1, b"w", &mut node);
    field_bytes(2, b"output", &mut node);
    field_bytes(3, b"fc", &mut node);
    field_bytes(4, b"MatMul", &mut node);
    let mut head = Vec::new(); // TensorProto up to raw_data's length.
    field_varint(1, k, &mut head);
    field_varint(1, n, &mut head);
    field_varint(2, 1, &mut head);
    field_bytes(8, b"w", &mut head);
    varint((9 << 3) | 2, &mut head);
    varint(payload, &mut head);
    let init_len = head.len() as u64 + payload;
    let mut graph_head = Vec::new();
    field_bytes(1, &node, &mut graph_head);
    field_bytes(11, &value_info("input", &[1, k]), &mut graph_head);
    field_bytes(12, &value_info("output", &[1, n]), &mut graph_head);
    varint((5 << 3) | 2, &mut graph_head);
    varint(init_len, &mut graph_head);
    graph_head.extend_from_slice(&head);
    let graph_len = graph_head.len() as u64 + payload;
    let mut model = Vec::new();
    field_varint(1, 8, &mut model);
    let mut opset = Vec::new();
    field_varint(2, 17, &mut opset);
    field_bytes(8, &opset, &mut model);
    varint((7 << 3) | 2, &mut model);
    varint(graph_len, &mut model);
    model.extend_from_slice(&graph_head);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.onnx");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&model).unwrap();
    f.seek(SeekFrom::Current(payload as i64)).unwrap();
    f.set_len(model.len() as u64 + payload).unwrap();
    drop(f);

    let before = peak_rss_kb();
    let got = imc_zoo::onnx::import(path.to_str().unwrap(), &Default::default()).unwrap();
    let after = peak_rss_kb();
    assert_eq!(got.workload.weights(), k * n);
    assert_eq!(got.workload.static_macs(), k * n);
    let grown = after.saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "peak memory grew by {grown} kB importing a {} MB file",
        payload >> 20
    );
}
