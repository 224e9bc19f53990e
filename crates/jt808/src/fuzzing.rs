//! The invariants the fuzz targets check (`fuzz/fuzz_targets/*`), kept here so that
//! `tests/corpus.rs` replays the saved corpus through the very same code on stable Rust.
//!
//! Each function panics when an invariant breaks; on any input it must otherwise return.

use std::time::Duration;

use crate::body::{msg_id, Body, DecodeOptions, LegacyRegistration, Message};
use crate::frame::{decode_frame, FrameRef, Version};
use crate::reassembly::{Reassembler, ReassemblyConfig};
use crate::stream::{StreamConfig, StreamDecoder};

/// Every message ID with a typed body.
pub const TYPED_IDS: [u16; 17] = [
    msg_id::TERMINAL_RESPONSE,
    msg_id::PLATFORM_RESPONSE,
    msg_id::HEARTBEAT,
    msg_id::LOGOUT,
    msg_id::QUERY_SERVER_TIME,
    msg_id::SERVER_TIME,
    msg_id::REGISTRATION,
    msg_id::REGISTRATION_RESPONSE,
    msg_id::AUTHENTICATION,
    msg_id::LOCATION,
    msg_id::BATCH_LOCATION,
    msg_id::QUERY_LOCATION,
    msg_id::LOCATION_RESPONSE,
    msg_id::SET_PARAMS,
    msg_id::QUERY_PARAMS,
    msg_id::PARAMS_RESPONSE,
    msg_id::TEXT_MESSAGE,
];

/// A decoded frame re-encodes to bytes that decode to the same frame, and a decoded message
/// re-encodes to exactly those bytes.
pub fn check_frame(frame: FrameRef<'_>) {
    let wire = frame
        .to_frame()
        .to_bytes()
        .expect("a decoded frame re-encodes");
    let mut scratch = Vec::new();
    assert_eq!(
        decode_frame(&wire, &mut scratch).expect("re-encoded frame decodes"),
        frame
    );
    if let Ok(msg) = Message::decode(frame) {
        let again = msg.to_bytes().expect("a decoded message re-encodes");
        assert_eq!(again, wire, "message {msg:?} re-encodes to other bytes");
    }
}

/// Byte 0 picks the limits and the chunk sizes; the rest is the stream. Checks: the buffer
/// stays within its bound, every frame passes [`check_frame`], the frames do not depend on
/// how the stream was cut, and the reassembler stays within its bounds.
pub fn check_stream(data: &[u8]) {
    let Some((&ctl, data)) = data.split_first() else {
        return;
    };
    let config = if ctl & 1 == 0 {
        StreamConfig::default()
    } else {
        StreamConfig {
            max_frame_len: 16 + usize::from(ctl >> 1) * 4,
            buffer_capacity: 32 + usize::from(ctl >> 2) * 8,
        }
    };
    let mut dec = StreamDecoder::with_config(config);
    let config = dec.config();
    let reassembly = ReassemblyConfig {
        max_messages: 4,
        max_total_bytes: 4096,
        max_packets: 64,
        timeout: Duration::from_secs(10),
    };
    let mut reassembler = Reassembler::new(reassembly);
    let mut frames = Vec::new();
    let mut seed = u32::from(ctl);
    let mut rest = data;
    let mut now = 0u64;
    while !rest.is_empty() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let n = ((seed >> 16) as usize % 97 + 1).min(rest.len());
        let (mut chunk, tail) = rest.split_at(n);
        rest = tail;
        while !chunk.is_empty() {
            let k = dec.push(chunk);
            assert!(k > 0, "push after draining accepts a byte");
            chunk = &chunk[k..];
            assert!(dec.buffered() <= config.buffer_capacity);
            while let Some(item) = dec.next_frame_ref() {
                let Ok(frame) = item else { continue };
                check_frame(frame);
                frames.push(frame.to_frame());
                now += 1;
                let t = Duration::from_secs(now);
                reassembler.expire(t);
                if let Ok(Some(whole)) = reassembler.push(frame.to_frame(), t) {
                    assert!(whole.header.package.is_none());
                }
                assert!(reassembler.pending_messages() <= reassembly.max_messages);
                assert!(reassembler.pending_bytes() <= reassembly.max_total_bytes);
            }
            assert!(dec.buffered() <= config.max_frame_len);
        }
    }
    // The same bytes in one go give the same frames.
    let mut whole = StreamDecoder::with_config(config);
    let mut again = Vec::new();
    whole.decode(data, |item| {
        if let Ok(f) = item {
            again.push(f.to_frame());
        }
    });
    assert_eq!(frames, again, "frames depend on where the stream was cut");
}

/// The whole input as one frame (with or without flags); then byte 0 picks a message ID,
/// a header edition and decode options, and the rest is decoded as that body: whatever
/// decodes must re-encode to the same bytes.
pub fn check_frame_body(data: &[u8]) {
    let mut scratch = Vec::new();
    if let Ok(frame) = decode_frame(data, &mut scratch) {
        check_frame(frame);
    }
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let id = TYPED_IDS[usize::from(sel & 0x1f) % TYPED_IDS.len()];
    let version = if sel & 0x80 != 0 {
        Version::V2019_1
    } else {
        Version::V2013
    };
    let options = DecodeOptions {
        legacy_registration: match (sel >> 5) & 3 {
            0 => LegacyRegistration::Auto,
            1 => LegacyRegistration::V2011,
            _ => LegacyRegistration::V2013,
        },
    };
    if let Ok(decoded) = Body::decode(id, version, body, &options) {
        let bytes = decoded.to_bytes().expect("a decoded body re-encodes");
        assert_eq!(bytes, body, "body {decoded:?} re-encodes to other bytes");
        assert_eq!(
            Body::decode(id, version, &bytes, &options).as_ref(),
            Ok(&decoded)
        );
    }
}
