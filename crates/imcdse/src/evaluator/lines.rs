//! Lines of a byte stream with a bound on their length, for both ends of the evaluator protocol
//! (`serve` reading requests, imcdse reading a worker's answers): a line longer than the bound
//! is reported as such after `cap` bytes, never held whole, so a peer that streams without a
//! newline cannot exhaust memory.

use std::io::{BufRead, ErrorKind};

/// How a line was read.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Line {
    /// All of it, without its newline.
    Whole,
    /// Its first `cap` bytes; the rest is still to be read.
    TooLong,
}

/// Reads the next line into `buf` (without its newline, nor a `\r` before it), keeping at
/// most `cap` bytes; `None` at the end of the input.
pub fn read_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<Line>> {
    buf.clear();
    let mut started = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(started.then_some(Line::Whole));
        }
        started = true;
        let end = chunk.iter().position(|&b| b == b'\n');
        let take = end.unwrap_or(chunk.len());
        if buf.len() + take > cap {
            let room = cap - buf.len();
            buf.extend_from_slice(&chunk[..room]);
            input.consume(room);
            return Ok(Some(Line::TooLong));
        }
        buf.extend_from_slice(&chunk[..take]);
        input.consume(end.map_or(take, |e| e + 1));
        if end.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(Line::Whole));
        }
    }
}
