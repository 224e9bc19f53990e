//! Splitting a TCP byte stream into frames.
//!
//! Bytes arrive cut anywhere: half a frame, several frames, garbage between flags. The
//! [`StreamDecoder`] keeps at most [`StreamConfig::buffer_capacity`] bytes, yields each frame
//! or the reason it was rejected, and resynchronises on the next 0x7E.

use crate::error::FrameError;
use crate::frame::{find_flag, parse_frame, unescape_into, Frame, FrameRef, MAX_ESCAPED_LEN};

/// Limits of a [`StreamDecoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// Most escaped bytes accepted between two flags; a longer run is dropped and reported as
    /// [`FrameError::TooLong`]. Default [`MAX_ESCAPED_LEN`] (2 × 1045), the worst case of a
    /// legal frame.
    pub max_frame_len: usize,
    /// Most bytes buffered; [`StreamDecoder::push`] accepts no more than fits. Raised to
    /// `max_frame_len + 1` if smaller. Default 64 KiB.
    pub buffer_capacity: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            max_frame_len: MAX_ESCAPED_LEN,
            buffer_capacity: 64 * 1024,
        }
    }
}

/// Splits a byte stream into frames.
///
/// ```
/// use zhicheng_jt808::{FrameErrorKind, StreamDecoder};
///
/// let heartbeat = hex("7E00020000012345678900000A817E");
/// let mut wire = b"junk".to_vec();
/// wire.extend_from_slice(&heartbeat);
/// wire.extend_from_slice(&heartbeat);
///
/// let mut dec = StreamDecoder::new();
/// let (mut frames, mut errors) = (0, [0usize; FrameErrorKind::COUNT]);
/// for chunk in wire.chunks(5) {
///     // Bytes pushed but not yet framed stay in the decoder's bounded buffer.
///     dec.decode(chunk, |item| match item {
///         Ok(frame) => {
///             assert_eq!(frame.header.msg_id, 0x0002);
///             frames += 1;
///         }
///         Err(e) => errors[e.kind() as usize] += 1,
///     });
/// }
/// assert_eq!(frames, 2);
/// assert_eq!(errors[FrameErrorKind::Garbage as usize], 1);
/// # fn hex(s: &str) -> Vec<u8> {
/// #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    config: StreamConfig,
    buf: Vec<u8>,
    /// Start of unconsumed bytes in `buf`.
    start: usize,
    /// Where the search for the next flag resumes (`start..scan` holds no flag).
    scan: usize,
    /// An opening flag has been seen: `buf[start..]` is inside a frame.
    synced: bool,
    /// The current frame was too long and is being dropped up to the next flag.
    skipping: bool,
    /// Garbage bytes dropped before sync and not yet reported (reported once, at the flag).
    garbage: usize,
    scratch: Vec<u8>,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        StreamDecoder::new()
    }
}

impl StreamDecoder {
    /// A decoder with the default limits.
    pub fn new() -> Self {
        StreamDecoder::with_config(StreamConfig::default())
    }

    /// A decoder with the given limits.
    pub fn with_config(mut config: StreamConfig) -> Self {
        config.max_frame_len = config.max_frame_len.max(1);
        config.buffer_capacity = config.buffer_capacity.max(config.max_frame_len + 1);
        StreamDecoder {
            config,
            buf: Vec::new(),
            start: 0,
            scan: 0,
            synced: false,
            skipping: false,
            garbage: 0,
            scratch: Vec::with_capacity(crate::frame::MAX_UNESCAPED_LEN),
        }
    }

    /// The limits in force.
    pub fn config(&self) -> StreamConfig {
        self.config
    }

    /// Bytes buffered and not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Appends as many bytes of `data` as fit in the buffer and returns how many were taken.
    ///
    /// After draining [`next_frame`](Self::next_frame) to `None`, the buffer holds at most
    /// `max_frame_len` bytes, so the next push always takes at least one byte: push the rest
    /// then. [`decode`](Self::decode) does that loop for you.
    pub fn push(&mut self, data: &[u8]) -> usize {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scan -= self.start;
            self.start = 0;
        }
        let n = data
            .len()
            .min(self.config.buffer_capacity.saturating_sub(self.buf.len()));
        self.buf.extend_from_slice(&data[..n]);
        n
    }

    /// The next frame (its body borrowed from the decoder) or the next rejected run of bytes;
    /// `None` when more input is needed.
    ///
    /// Bytes before the first flag are reported as one [`FrameError::Garbage`] when that flag
    /// arrives, however many pushes they came in.
    pub fn next_frame_ref(&mut self) -> Option<Result<FrameRef<'_>, FrameError>> {
        loop {
            let data = &self.buf[self.start..];
            if data.is_empty() {
                return None;
            }
            if !self.synced {
                // Everything before the first flag is garbage: count it, report it once when
                // the flag arrives, and keep none of it.
                let Some(i) = find_flag(data) else {
                    self.garbage += data.len();
                    self.start = self.buf.len();
                    self.scan = self.start;
                    return None;
                };
                self.start += i + 1;
                self.scan = self.start;
                self.synced = true;
                let len = std::mem::take(&mut self.garbage) + i;
                if len > 0 {
                    return Some(Err(FrameError::Garbage { len }));
                }
                continue;
            }
            let found = find_flag(&self.buf[self.scan..]);
            let Some(rel) = found else {
                self.scan = self.buf.len();
                let pending = self.buf.len() - self.start;
                if self.skipping || pending > self.config.max_frame_len {
                    // Drop what we have; keep dropping until the next flag.
                    self.start = self.buf.len();
                    self.scan = self.start;
                    if !self.skipping {
                        self.skipping = true;
                        return Some(Err(FrameError::TooLong {
                            max: self.config.max_frame_len,
                        }));
                    }
                }
                return None;
            };
            let end = self.scan + rel;
            let seg_start = self.start;
            // The closing flag also opens the next frame.
            self.start = end + 1;
            self.scan = self.start;
            if std::mem::take(&mut self.skipping) {
                continue;
            }
            let seg_len = end - seg_start;
            if seg_len == 0 {
                continue; // back-to-back flags
            }
            if seg_len > self.config.max_frame_len {
                return Some(Err(FrameError::TooLong {
                    max: self.config.max_frame_len,
                }));
            }
            let seg = &self.buf[seg_start..end];
            if let Err(e) = unescape_into(seg, &mut self.scratch) {
                return Some(Err(e));
            }
            return Some(parse_frame(&self.scratch));
        }
    }

    /// Like [`next_frame_ref`](Self::next_frame_ref), with the body copied into a [`Frame`].
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        self.next_frame_ref().map(|r| r.map(|f| f.to_frame()))
    }

    /// Pushes all of `data`, calling `f` with every frame or error that completes.
    pub fn decode(&mut self, mut data: &[u8], mut f: impl FnMut(Result<FrameRef<'_>, FrameError>)) {
        loop {
            let n = self.push(data);
            data = &data[n..];
            while let Some(item) = self.next_frame_ref() {
                f(item);
            }
            if data.is_empty() {
                return;
            }
        }
    }

    /// Forgets buffered bytes and sync (e.g. after a reconnect).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.start = 0;
        self.scan = 0;
        self.synced = false;
        self.skipping = false;
        self.garbage = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{encode_frame, Header, Phone, Version};

    fn frame(serial: u16, body: &[u8]) -> (Header, Vec<u8>) {
        let h = Header::new(
            0x0200,
            Version::V2013,
            Phone::new("13912345678").unwrap(),
            serial,
        );
        let mut w = Vec::new();
        encode_frame(&h, body, &mut w).unwrap();
        (h, w)
    }

    fn drain(dec: &mut StreamDecoder) -> Vec<Result<Frame, FrameError>> {
        std::iter::from_fn(|| dec.next_frame()).collect()
    }

    #[test]
    fn shared_flags_and_garbage() {
        let (h1, w1) = frame(1, &[0x7e, 0x7d]);
        let (h2, w2) = frame(2, &[]);
        let mut wire = vec![1, 2, 3];
        wire.extend_from_slice(&w1[..w1.len() - 1]); // share the flag with the next frame
        wire.extend_from_slice(&w2);
        wire.extend_from_slice(&[0x7e, 0x7e, 5, 6, 0x7e]);
        let mut dec = StreamDecoder::new();
        assert_eq!(dec.push(&wire), wire.len());
        let out = drain(&mut dec);
        assert_eq!(out.len(), 4, "{out:?}");
        assert_eq!(out[0], Err(FrameError::Garbage { len: 3 }));
        assert_eq!(out[1].as_ref().unwrap().header, h1);
        assert_eq!(out[1].as_ref().unwrap().body, [0x7e, 0x7d]);
        assert_eq!(out[2].as_ref().unwrap().header, h2);
        assert_eq!(out[3], Err(FrameError::TooShort { len: 2 }));
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn byte_by_byte() {
        let (h, w) = frame(9, &[1, 2, 3, 0x7e]);
        let mut dec = StreamDecoder::new();
        let mut got = Vec::new();
        for b in w.iter().chain(w.iter()) {
            dec.decode(std::slice::from_ref(b), |r| got.push(r.map(|f| f.header)));
        }
        assert_eq!(got, vec![Ok(h), Ok(h)]);
    }

    #[test]
    fn overlong_run_is_dropped_and_buffer_stays_bounded() {
        let cfg = StreamConfig {
            max_frame_len: 64,
            buffer_capacity: 100,
        };
        let mut dec = StreamDecoder::with_config(cfg);
        let (h, w) = frame(5, &[7; 10]);
        let mut wire = vec![0x7e];
        wire.extend(std::iter::repeat_n(0x55u8, 1000));
        wire.extend_from_slice(&w);
        let mut got = Vec::new();
        let mut max_buffered = 0;
        for chunk in wire.chunks(37) {
            let mut rest = chunk;
            while !rest.is_empty() {
                let n = dec.push(rest);
                rest = &rest[n..];
                max_buffered = max_buffered.max(dec.buffered());
                got.extend(drain(&mut dec));
            }
        }
        assert!(max_buffered <= 100);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], Err(FrameError::TooLong { max: 64 }));
        assert_eq!(got[1].as_ref().unwrap().header, h);
    }

    #[test]
    fn push_respects_capacity() {
        let mut dec = StreamDecoder::with_config(StreamConfig {
            max_frame_len: 10,
            buffer_capacity: 16,
        });
        assert_eq!(dec.push(&[0x7e; 40]), 16);
        assert!(drain(&mut dec).is_empty());
        assert_eq!(dec.push(&[0x7e; 40]), 16);
    }

    #[test]
    fn leading_garbage_is_dropped_and_reported_once_at_the_flag() {
        let mut dec = StreamDecoder::new();
        dec.push(&[1, 2, 3, 4]);
        assert!(drain(&mut dec).is_empty());
        assert_eq!(dec.buffered(), 0);
        dec.push(&[5, 6, 0x7e]);
        assert_eq!(drain(&mut dec), vec![Err(FrameError::Garbage { len: 6 })]);
    }
}
