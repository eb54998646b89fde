//! A streaming reader of the protobuf wire format
//! (<https://protobuf.dev/programming-guides/encoding/>), just enough to walk an ONNX file.
//!
//! It reads from a buffered file and skips what it does not need with a relative seek, so a
//! 550 MB model whose weights sit in `raw_data` is walked in the memory of its graph alone: the
//! tensor payloads are never read. Every length is checked against the end of the message that
//! holds it and against the end of the file, so a truncated or corrupt file gives an error,
//! never a panic or an allocation of the size some corrupt varint claims.

use std::io::{BufRead, Seek};

/// How a field's value is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    /// A base-128 varint (int32, int64, enum, bool).
    Varint,
    /// Eight bytes (double, fixed64).
    Fixed64,
    /// A length, then that many bytes (string, bytes, sub-message, packed repeated).
    Len,
    /// Four bytes (float, fixed32).
    Fixed32,
}

/// A protobuf decoding failure: what is wrong and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset in the file.
    pub at: u64,
    /// What went wrong.
    pub message: String,
}

/// A result of the reader.
pub type Wire<T> = Result<T, WireError>;

/// The reader: a position in a seekable buffered source of known length.
pub struct Reader<R> {
    src: R,
    pos: u64,
    len: u64,
}

impl<R: BufRead + Seek> Reader<R> {
    /// A reader at the start of `src`, which holds `len` bytes.
    pub fn new(src: R, len: u64) -> Self {
        Reader { src, pos: 0, len }
    }

    /// Bytes from the start of the source.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// The length of the source in bytes.
    pub fn size(&self) -> u64 {
        self.len
    }

    fn fail<T>(&self, message: impl Into<String>) -> Wire<T> {
        Err(WireError {
            at: self.pos,
            message: message.into(),
        })
    }

    fn byte(&mut self, end: u64) -> Wire<u8> {
        if self.pos >= end {
            return if end >= self.len {
                self.fail("truncated: the file ends inside a value")
            } else {
                self.fail("a value runs past the end of its message")
            };
        }
        let mut b = [0u8; 1];
        if let Err(e) = self.src.read_exact(&mut b) {
            return self.fail(format!("truncated: {e}"));
        }
        self.pos += 1;
        Ok(b[0])
    }

    /// A varint, up to 10 bytes.
    pub fn varint(&mut self, end: u64) -> Wire<u64> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = self.byte(end)?;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        self.fail("a varint longer than 10 bytes")
    }

    /// The next field's number and wire type, or `None` at `end`.
    pub fn field(&mut self, end: u64) -> Wire<Option<(u32, WireType)>> {
        if self.pos == end {
            return Ok(None);
        }
        let key = self.varint(end)?;
        let wire = match key & 7 {
            0 => WireType::Varint,
            1 => WireType::Fixed64,
            2 => WireType::Len,
            5 => WireType::Fixed32,
            w => {
                return self.fail(format!(
                    "wire type {w} (groups and unknown types are not ONNX)"
                ));
            }
        };
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return self.fail(format!("field number {number}"));
        }
        Ok(Some((number as u32, wire)))
    }

    /// The length of a length-delimited field, checked to fit its message and the file; the end
    /// position of its bytes.
    pub fn len_end(&mut self, end: u64) -> Wire<u64> {
        let n = self.varint(end)?;
        let stop = self.pos.checked_add(n).filter(|&s| s <= end);
        match stop {
            Some(s) => Ok(s),
            None if end >= self.len => self.fail(format!(
                "truncated: a field declares {n} bytes but the file ends {} bytes later",
                self.len - self.pos
            )),
            None => self.fail(format!(
                "a field declares {n} bytes, past the end of its message"
            )),
        }
    }

    /// The bytes of a length-delimited field, refused when longer than `cap`.
    pub fn bytes(&mut self, end: u64, cap: u64, what: &str) -> Wire<Vec<u8>> {
        let stop = self.len_end(end)?;
        let n = stop - self.pos;
        if n > cap {
            return self.fail(format!("{what} of {n} bytes (at most {cap} are read)"));
        }
        self.read_to(stop)
    }

    /// The bytes up to `stop` (a position [`Reader::len_end`] returned).
    pub fn read_to(&mut self, stop: u64) -> Wire<Vec<u8>> {
        let mut v = vec![0u8; stop.saturating_sub(self.pos) as usize];
        if let Err(e) = self.src.read_exact(&mut v) {
            return self.fail(format!("truncated: {e}"));
        }
        self.pos = stop;
        Ok(v)
    }

    /// The bytes up to `stop`, handed to `f` in pieces of at most 64 KiB (a payload of any
    /// size in bounded memory).
    pub fn pieces_to(&mut self, stop: u64, mut f: impl FnMut(&[u8])) -> Wire<()> {
        if stop > self.len {
            return self.fail("truncated: a field runs past the end of the file");
        }
        let mut buf = vec![0u8; 1 << 16];
        while self.pos < stop {
            let n = (stop - self.pos).min(buf.len() as u64) as usize;
            if let Err(e) = self.src.read_exact(&mut buf[..n]) {
                return self.fail(format!("truncated: {e}"));
            }
            self.pos += n as u64;
            f(&buf[..n]);
        }
        Ok(())
    }

    /// A UTF-8 string field of at most 64 KiB.
    pub fn string(&mut self, end: u64, what: &str) -> Wire<String> {
        let at = self.pos;
        let b = self.bytes(end, 1 << 16, what)?;
        String::from_utf8(b).map_err(|_| WireError {
            at,
            message: format!("{what} is not UTF-8"),
        })
    }

    /// Four bytes, little-endian.
    pub fn fixed32(&mut self, end: u64) -> Wire<u32> {
        let mut b = [0u8; 4];
        for x in &mut b {
            *x = self.byte(end)?;
        }
        Ok(u32::from_le_bytes(b))
    }

    /// Eight bytes, little-endian.
    pub fn fixed64(&mut self, end: u64) -> Wire<u64> {
        let lo = u64::from(self.fixed32(end)?);
        let hi = u64::from(self.fixed32(end)?);
        Ok(lo | (hi << 32))
    }

    /// Moves to `to` (forward, within the file) without reading.
    pub fn skip_to(&mut self, to: u64) -> Wire<()> {
        if to > self.len {
            return self.fail("truncated: a field runs past the end of the file");
        }
        let delta = to - self.pos;
        if let Err(e) = self.src.seek_relative(delta as i64) {
            return self.fail(format!("cannot seek: {e}"));
        }
        self.pos = to;
        Ok(())
    }

    /// Skips the value of a field of wire type `wire`.
    pub fn skip(&mut self, wire: WireType, end: u64) -> Wire<()> {
        match wire {
            WireType::Varint => self.varint(end).map(drop),
            WireType::Fixed64 => self.fixed64(end).map(drop),
            WireType::Fixed32 => self.fixed32(end).map(drop),
            WireType::Len => {
                let stop = self.len_end(end)?;
                self.skip_to(stop)
            }
        }
    }

    /// Repeated varints, packed (one length-delimited field) or not (one varint), appended to
    /// `out` up to `cap` values.
    pub fn varints(
        &mut self,
        wire: WireType,
        end: u64,
        cap: usize,
        out: &mut Vec<i64>,
    ) -> Wire<()> {
        let mut push = |r: &mut Self, v: u64| {
            if out.len() >= cap {
                return r.fail(format!("more than {cap} values in a repeated field"));
            }
            out.push(v as i64);
            Ok(())
        };
        match wire {
            WireType::Varint => {
                let v = self.varint(end)?;
                push(self, v)
            }
            WireType::Len => {
                let stop = self.len_end(end)?;
                while self.pos < stop {
                    let v = self.varint(stop)?;
                    push(self, v)?;
                }
                Ok(())
            }
            _ => self.fail("a repeated integer field of the wrong wire type"),
        }
    }

    /// Repeated 4- or 8-byte values (floats, doubles), packed or not, as f64, up to `cap`.
    pub fn fixeds(
        &mut self,
        wire: WireType,
        end: u64,
        cap: usize,
        wide: bool,
        out: &mut Vec<f64>,
    ) -> Wire<()> {
        let one = |r: &mut Self, stop: u64| -> Wire<f64> {
            Ok(if wide {
                f64::from_bits(r.fixed64(stop)?)
            } else {
                f64::from(f32::from_bits(r.fixed32(stop)?))
            })
        };
        let single = if wide {
            WireType::Fixed64
        } else {
            WireType::Fixed32
        };
        let stop = match wire {
            w if w == single => {
                let v = one(self, end)?;
                if out.len() >= cap {
                    return self.fail(format!("more than {cap} values in a repeated field"));
                }
                out.push(v);
                return Ok(());
            }
            WireType::Len => self.len_end(end)?,
            _ => return self.fail("a repeated float field of the wrong wire type"),
        };
        let width = if wide { 8 } else { 4 };
        if (stop - self.pos) / width + out.len() as u64 > cap as u64 {
            return self.skip_to(stop);
        }
        while self.pos < stop {
            let v = one(self, stop)?;
            out.push(v);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn reader(b: &[u8]) -> Reader<Cursor<Vec<u8>>> {
        Reader::new(Cursor::new(b.to_vec()), b.len() as u64)
    }

    #[test]
    fn varints_and_fields() {
        // Field 1 varint 150 (the protobuf guide's example), then field 2 "hi".
        let mut r = reader(&[0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i']);
        let end = r.size();
        assert_eq!(r.field(end).unwrap(), Some((1, WireType::Varint)));
        assert_eq!(r.varint(end).unwrap(), 150);
        assert_eq!(r.field(end).unwrap(), Some((2, WireType::Len)));
        assert_eq!(r.string(end, "s").unwrap(), "hi");
        assert_eq!(r.field(end).unwrap(), None);
    }

    #[test]
    fn a_length_past_the_file_is_truncation() {
        let mut r = reader(&[0x12, 0x7f, b'h']);
        let end = r.size();
        r.field(end).unwrap();
        let e = r.skip(WireType::Len, end).unwrap_err();
        assert!(e.message.contains("truncated"), "{e:?}");
    }

    #[test]
    fn packed_and_unpacked_repeated() {
        let mut r = reader(&[0x0a, 0x03, 0x01, 0x96, 0x01, 0x08, 0x05]);
        let end = r.size();
        let mut out = Vec::new();
        let (_, w) = r.field(end).unwrap().unwrap();
        r.varints(w, end, 10, &mut out).unwrap();
        let (_, w) = r.field(end).unwrap().unwrap();
        r.varints(w, end, 10, &mut out).unwrap();
        assert_eq!(out, vec![1, 150, 5]);
    }

    #[test]
    fn groups_are_refused() {
        let mut r = reader(&[0x0b]);
        let end = r.size();
        assert!(r.field(end).unwrap_err().message.contains("wire type 3"));
    }
}
