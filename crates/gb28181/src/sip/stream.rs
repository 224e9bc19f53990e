//! The stream decoder: SIP over TCP, split by `Content-Length`.

use super::message::{find_head_end, looks_like_start_line, parse_head};
use super::{Limits, Message};
use crate::error::{Error, Result};

/// Splits a byte stream (SIP over TCP) into messages by `Content-Length`, with a bounded
/// buffer, reporting bad messages and carrying on.
///
/// Feed bytes as they arrive with [`StreamDecoder::feed`], then call
/// [`StreamDecoder::next_message`] until it returns `None`. Each call yields a message or
/// the reason one was refused; after an error the decoder goes on with the next message:
///
/// * a head that parses but is refused later (body over [`Limits::max_body`]) is skipped as a
///   whole, body bytes included, without buffering them;
/// * a head that cannot be parsed but whose start line and `Content-Length` can be read is
///   skipped as a whole;
/// * otherwise (garbage, an oversized head, a bad `Content-Length`) the decoder drops bytes
///   up to the next line that looks like a SIP start line and resumes there.
///
/// Blank lines between messages (RFC 5626 CRLF keep-alives) are skipped. A message without
/// `Content-Length` is taken to have an empty body: RFC 3261 §18.3 makes the header
/// mandatory on streams, but bodiless ACKs and BYEs from lax devices are common; if such a
/// message did have a body, its bytes are reported as garbage and skipped.
///
/// Memory: between calls the buffer holds at most one incomplete message, so at most
/// `max_head + max_body` bytes plus whatever one `feed` added.
///
/// ```
/// use zhicheng_gb28181::sip::{Limits, Message, StreamDecoder};
/// let mut dec = StreamDecoder::new(Limits::default());
/// let msg = b"MESSAGE sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 5\r\n\r\nhello";
/// dec.feed(&msg[..30]);
/// assert!(dec.next_message().is_none()); // not complete yet
/// dec.feed(&msg[30..]);
/// let Some(Ok(Message::Request(req))) = dec.next_message() else { panic!() };
/// assert_eq!(req.body, b"hello");
/// assert!(dec.next_message().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    buf: Vec<u8>,
    limits: Limits,
    /// Body bytes of a refused message still to be discarded as they arrive.
    skip: usize,
    /// Looking for the next start line after garbage.
    resync: bool,
    /// A parsed head waiting for its body: (message, body start, body length). Kept so
    /// that a body trickling in byte by byte does not re-parse the head each time.
    pending: Option<(Message, usize, usize)>,
    /// How far the search for the end of the head got, so a head trickling in is not
    /// re-scanned from the start each time.
    scanned: usize,
}

impl StreamDecoder {
    /// A decoder with these limits.
    pub fn new(limits: Limits) -> Self {
        StreamDecoder {
            buf: Vec::new(),
            limits,
            skip: 0,
            resync: false,
            pending: None,
            scanned: 0,
        }
    }

    /// Adds received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        let skipped = self.skip.min(data.len());
        self.skip -= skipped;
        self.buf.extend_from_slice(&data[skipped..]);
    }

    /// Bytes held for an incomplete message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete message, the reason the next one was refused, or `None` when more
    /// bytes are needed.
    pub fn next_message(&mut self) -> Option<Result<Message>> {
        if self.skip > 0 {
            let n = self.skip.min(self.buf.len());
            self.buf.drain(..n);
            self.skip -= n;
            if self.skip > 0 {
                return None;
            }
        }
        if let Some((_, body_start, length)) = &self.pending {
            if self.buf.len() - body_start < *length {
                return None;
            }
            let (mut msg, body_start, length) = self.pending.take()?;
            msg.set_body(self.buf[body_start..body_start + length].to_vec());
            self.buf.drain(..body_start + length);
            return Some(Ok(msg));
        }
        if self.resync && !self.resync_step() {
            return None;
        }
        let start = self.buf.iter().position(|b| !matches!(b, b'\r' | b'\n'));
        match start {
            None => {
                self.buf.clear();
                return None;
            }
            Some(0) => {}
            Some(s) => {
                self.buf.drain(..s);
                self.scanned = 0;
            }
        }
        let found = find_head_end(
            &self.buf,
            self.scanned.saturating_sub(3),
            self.limits.max_head,
        );
        let Some((head_end, body_start)) = found else {
            if self.buf.len() > self.limits.max_head {
                self.drop_first_line();
                return Some(Err(Error::TooLarge {
                    what: "header section",
                    limit: self.limits.max_head,
                }));
            }
            if !self.starts_plausibly() {
                self.drop_first_line();
                return Some(Err(Error::StartLine("garbage between messages".into())));
            }
            self.scanned = self.buf.len();
            return None;
        };
        self.scanned = 0;
        let parsed = parse_head(&self.buf[..head_end], &self.limits);
        let mut msg = match parsed {
            Ok(m) => m,
            Err(e) => {
                let first_ok = looks_like_start_line(first_line(&self.buf));
                match loose_content_length(&self.buf[..head_end]) {
                    Some(n) if first_ok => self.discard(body_start, n),
                    _ => self.drop_first_line(),
                }
                return Some(Err(e));
            }
        };
        let length = match msg.headers().content_length() {
            Ok(n) => n.unwrap_or(0),
            Err(e) => {
                self.drop_first_line();
                return Some(Err(e));
            }
        };
        if length > self.limits.max_body {
            self.discard(body_start, length);
            return Some(Err(Error::TooLarge {
                what: "body",
                limit: self.limits.max_body,
            }));
        }
        if self.buf.len() - body_start < length {
            self.pending = Some((msg, body_start, length));
            return None;
        }
        msg.set_body(self.buf[body_start..body_start + length].to_vec());
        self.buf.drain(..body_start + length);
        Some(Ok(msg))
    }

    /// Drops a refused message: its head now, its body as it arrives.
    fn discard(&mut self, body_start: usize, length: usize) {
        let have = (self.buf.len() - body_start).min(length);
        self.buf.drain(..body_start + have);
        self.skip = length - have;
    }

    /// Drops the first line (so every error makes progress) and looks for a start line.
    fn drop_first_line(&mut self) {
        let end = self
            .buf
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.buf.len(), |p| p + 1);
        self.buf.drain(..end);
        self.resync = true;
        self.scanned = 0;
    }

    /// Whether the buffered start of a message could still become a start line.
    fn starts_plausibly(&self) -> bool {
        let line = first_line(&self.buf);
        if line.len() > self.limits.max_line {
            return false;
        }
        if line.len() < self.buf.len() {
            // The whole line is here: it must look like one.
            return looks_like_start_line(line);
        }
        true
    }

    /// Drops lines until one looks like a start line; `false` when more bytes are needed.
    fn resync_step(&mut self) -> bool {
        let mut pos = 0;
        while let Some(nl) = self.buf[pos..].iter().position(|&b| b == b'\n') {
            let line = &self.buf[pos..pos + nl];
            if looks_like_start_line(line) {
                self.buf.drain(..pos);
                self.resync = false;
                return true;
            }
            pos += nl + 1;
        }
        // Keep the incomplete last line unless it is already too long to be a start line.
        let tail = self.buf.len() - pos;
        let keep_from = if tail > self.limits.max_line {
            self.buf.len()
        } else {
            pos
        };
        self.buf.drain(..keep_from);
        false
    }
}

fn first_line(buf: &[u8]) -> &[u8] {
    match buf.iter().position(|&b| b == b'\n') {
        Some(p) => &buf[..p],
        None => buf,
    }
}

/// Finds a readable `Content-Length` (or `l`) in a head that failed to parse, so the message
/// can be skipped whole.
fn loose_content_length(head: &[u8]) -> Option<usize> {
    head.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        let name = std::str::from_utf8(&line[..colon]).ok()?.trim();
        if !(name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("l")) {
            return None;
        }
        let value = std::str::from_utf8(&line[colon + 1..]).ok()?.trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value.parse().ok()
    })
}
