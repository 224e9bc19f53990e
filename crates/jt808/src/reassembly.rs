//! Putting sub-packaged messages back together, within a memory and a time budget.
//!
//! Fragments are grouped by `(phone, message ID, serial of packet 1)`; packet `i` carries
//! serial `first + i - 1` (wrapping), as the standard requires consecutive serials. The clock is
//! the caller's: every call takes `now`, a monotonic [`Duration`] since any fixed point (for
//! example `start.elapsed()`), so tests control time and the crate does no I/O.

use std::time::Duration;

use crate::frame::{Frame, Header, Phone};

/// Limits of a [`Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Most messages being reassembled at once. Default 16.
    pub max_messages: usize,
    /// Most body bytes held across all partial messages. Default 256 KiB.
    pub max_total_bytes: usize,
    /// Most packets in one message (the `total` field); larger totals are refused up front.
    /// Bookkeeping costs 24 bytes per announced packet on top of `max_total_bytes`.
    /// Default 1024.
    pub max_packets: u16,
    /// How long a partial message may wait for its next packet before
    /// [`Reassembler::expire`] evicts it. Default 60 s.
    pub timeout: Duration,
}

impl Default for ReassemblyConfig {
    fn default() -> Self {
        ReassemblyConfig {
            max_messages: 16,
            max_total_bytes: 256 * 1024,
            max_packets: 1024,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Identifies one sub-packaged message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageKey {
    /// Terminal phone number as in the header.
    pub phone: Phone,
    /// Message ID.
    pub msg_id: u16,
    /// Serial number of packet 1.
    pub first_serial: u16,
}

/// A packet the [`Reassembler`] refused (the packet is dropped; other partials are unaffected
/// unless stated).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReassemblyError {
    /// Accepting the packet would exceed `max_messages` or `max_total_bytes`.
    #[error("reassembly buffer full ({messages} messages, {bytes} bytes held)")]
    Full {
        /// Partial messages held.
        messages: usize,
        /// Body bytes held.
        bytes: usize,
    },
    /// The message announces more packets than `max_packets`.
    #[error("message of {total} packets exceeds the limit of {max}")]
    TooManyPackets {
        /// Announced total.
        total: u16,
        /// Configured limit.
        max: u16,
    },
    /// The packet's `total` differs from the one earlier packets of the same message gave;
    /// the partial message is discarded.
    #[error("packet says {got} packets, earlier packets said {expected}; partial message dropped")]
    TotalMismatch {
        /// Total from the earlier packets.
        expected: u16,
        /// Total from this packet.
        got: u16,
    },
    /// This packet index was already received for this message.
    #[error("duplicate packet {index}")]
    Duplicate {
        /// The repeated index.
        index: u16,
    },
}

/// A partial message evicted by [`Reassembler::expire`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// Which message.
    pub key: MessageKey,
    /// Packets announced.
    pub total: u16,
    /// Packet indices that never arrived (what a 0x8003 retransmission request would ask for).
    pub missing: Vec<u16>,
}

#[derive(Debug, Clone)]
struct Partial {
    key: MessageKey,
    header: Header,
    total: u16,
    parts: Vec<Option<Vec<u8>>>,
    received: u16,
    bytes: usize,
    deadline: Duration,
}

/// Reassembles sub-packaged messages. Intended one per connection.
///
/// ```
/// use std::time::Duration;
/// use zhicheng_jt808::{fragment, Header, Phone, Reassembler, Version};
///
/// let header = Header::new(0x0801, Version::V2013, Phone::new("13912345678")?, 7);
/// let body: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
/// let mut r = Reassembler::new(Default::default());
/// let mut done = None;
/// for (i, f) in fragment(&header, &body, 1000)?.into_iter().enumerate() {
///     done = r.push(f, Duration::from_secs(i as u64))?;
/// }
/// let whole = done.expect("complete after the last packet");
/// assert_eq!(whole.body, body);
/// assert_eq!(whole.header.package, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reassembler {
    config: ReassemblyConfig,
    partials: Vec<Partial>,
    bytes: usize,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new(config: ReassemblyConfig) -> Self {
        Reassembler {
            config,
            partials: Vec::new(),
            bytes: 0,
        }
    }

    /// Partial messages held.
    pub fn pending_messages(&self) -> usize {
        self.partials.len()
    }

    /// Body bytes held.
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }

    /// Takes one frame. A frame that is not sub-packaged is returned at once; a packet
    /// completing its message returns the whole message (header of packet 1 without the
    /// package fields, bodies joined in index order); otherwise `Ok(None)`.
    ///
    /// Does not evict on its own: call [`expire`](Self::expire) regularly (e.g. before each
    /// push) so stale partials are reported and their room freed.
    pub fn push(&mut self, frame: Frame, now: Duration) -> Result<Option<Frame>, ReassemblyError> {
        let Some(pkg) = frame.header.package else {
            return Ok(Some(frame));
        };
        if pkg.total > self.config.max_packets {
            return Err(ReassemblyError::TooManyPackets {
                total: pkg.total,
                max: self.config.max_packets,
            });
        }
        let key = MessageKey {
            phone: frame.header.phone,
            msg_id: frame.header.msg_id,
            first_serial: frame.header.serial.wrapping_sub(pkg.index - 1),
        };
        let len = frame.body.len();
        let pos = self.partials.iter().position(|p| p.key == key);
        if pkg.total == 1 {
            if let Some(i) = pos {
                let old = self.partials.swap_remove(i);
                self.bytes -= old.bytes;
                return Err(ReassemblyError::TotalMismatch {
                    expected: old.total,
                    got: 1,
                });
            }
            let mut f = frame;
            f.header.package = None;
            return Ok(Some(f));
        }
        let i = match pos {
            Some(i) => {
                let p = &self.partials[i];
                if p.total != pkg.total {
                    let old = self.partials.swap_remove(i);
                    self.bytes -= old.bytes;
                    return Err(ReassemblyError::TotalMismatch {
                        expected: old.total,
                        got: pkg.total,
                    });
                }
                if p.parts[usize::from(pkg.index - 1)].is_some() {
                    return Err(ReassemblyError::Duplicate { index: pkg.index });
                }
                if self.bytes + len > self.config.max_total_bytes {
                    return Err(self.full());
                }
                i
            }
            None => {
                if self.partials.len() >= self.config.max_messages
                    || self.bytes + len > self.config.max_total_bytes
                {
                    return Err(self.full());
                }
                let mut header = frame.header;
                header.package = None;
                header.serial = key.first_serial;
                self.partials.push(Partial {
                    key,
                    header,
                    total: pkg.total,
                    parts: vec![None; usize::from(pkg.total)],
                    received: 0,
                    bytes: 0,
                    deadline: now,
                });
                self.partials.len() - 1
            }
        };
        let p = &mut self.partials[i];
        p.parts[usize::from(pkg.index - 1)] = Some(frame.body);
        p.received += 1;
        p.bytes += len;
        p.deadline = now.saturating_add(self.config.timeout);
        self.bytes += len;
        if p.received < p.total {
            return Ok(None);
        }
        let p = self.partials.swap_remove(i);
        self.bytes -= p.bytes;
        let mut body = Vec::with_capacity(p.bytes);
        for part in p.parts.into_iter().flatten() {
            body.extend_from_slice(&part);
        }
        Ok(Some(Frame {
            header: p.header,
            body,
        }))
    }

    fn full(&self) -> ReassemblyError {
        ReassemblyError::Full {
            messages: self.partials.len(),
            bytes: self.bytes,
        }
    }

    /// Evicts every partial message whose last packet arrived more than
    /// [`ReassemblyConfig::timeout`] before `now`, and reports them.
    pub fn expire(&mut self, now: Duration) -> Vec<Expired> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.partials.len() {
            if self.partials[i].deadline < now {
                let p = self.partials.swap_remove(i);
                self.bytes -= p.bytes;
                out.push(Expired {
                    key: p.key,
                    total: p.total,
                    missing: p
                        .parts
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b.is_none())
                        .map(|(j, _)| j as u16 + 1)
                        .collect(),
                });
            } else {
                i += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{fragment, Version};

    fn frames(serial: u16, body_len: usize, chunk: usize) -> (Vec<u8>, Vec<Frame>) {
        let h = Header::new(0x0704, Version::V2013, Phone::new("1").unwrap(), serial);
        let body: Vec<u8> = (0..body_len).map(|i| (i * 7) as u8).collect();
        let f = fragment(&h, &body, chunk).unwrap();
        (body, f)
    }

    const T0: Duration = Duration::ZERO;

    #[test]
    fn out_of_order_and_serial_wrap() {
        let (body, mut f) = frames(0xfffe, 50, 10);
        f.reverse();
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let mut out = None;
        for x in f {
            assert!(out.is_none());
            out = r.push(x, T0).unwrap();
        }
        let out = out.unwrap();
        assert_eq!(out.body, body);
        assert_eq!(out.header.serial, 0xfffe);
        assert_eq!(r.pending_bytes(), 0);
        assert_eq!(r.pending_messages(), 0);
    }

    #[test]
    fn expiry_reports_missing_packets() {
        let (_, f) = frames(10, 40, 10);
        let cfg = ReassemblyConfig {
            timeout: Duration::from_secs(5),
            ..Default::default()
        };
        let mut r = Reassembler::new(cfg);
        r.push(f[0].clone(), Duration::from_secs(1)).unwrap();
        r.push(f[2].clone(), Duration::from_secs(2)).unwrap();
        assert!(r.expire(Duration::from_secs(7)).is_empty()); // deadline 7 s, not past
        let ex = r.expire(Duration::from_secs(8));
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].missing, vec![2, 4]);
        assert_eq!(ex[0].key.first_serial, 10);
        assert_eq!(r.pending_bytes(), 0);
        // A late packet now starts a new partial rather than completing the old one.
        assert_eq!(r.push(f[1].clone(), Duration::from_secs(9)).unwrap(), None);
    }

    #[test]
    fn memory_bounds() {
        let cfg = ReassemblyConfig {
            max_messages: 2,
            max_total_bytes: 25,
            ..Default::default()
        };
        let mut r = Reassembler::new(cfg);
        let (_, a) = frames(100, 30, 10);
        let (_, b) = frames(200, 30, 10);
        let (_, c) = frames(300, 30, 10);
        r.push(a[0].clone(), T0).unwrap();
        r.push(b[0].clone(), T0).unwrap();
        assert!(matches!(
            r.push(c[0].clone(), T0),
            Err(ReassemblyError::Full { messages: 2, .. })
        ));
        assert!(matches!(
            r.push(a[1].clone(), T0),
            Err(ReassemblyError::Full { bytes: 20, .. })
        ));
        assert_eq!(
            r.push(a[0].clone(), T0),
            Err(ReassemblyError::Duplicate { index: 1 })
        );
        let too_many = ReassemblyConfig {
            max_packets: 2,
            ..Default::default()
        };
        assert!(matches!(
            Reassembler::new(too_many).push(a[0].clone(), T0),
            Err(ReassemblyError::TooManyPackets { total: 3, max: 2 })
        ));
    }

    #[test]
    fn unpackaged_and_single_packet_pass_through() {
        let (body, f) = frames(1, 5, 10);
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let out = r.push(f[0].clone(), T0).unwrap().unwrap();
        assert_eq!(out.body, body);
        assert_eq!(out.header.package, None);
        let plain = Frame {
            header: out.header,
            body: vec![1],
        };
        assert_eq!(r.push(plain.clone(), T0).unwrap(), Some(plain));
    }
}
