//! SIP decoders on untrusted bytes: the datagram decoder, and the stream decoder fed the
//! same bytes in pieces (split points taken from the first byte). Neither may panic, hang
//! or grow its buffer past its bound; whatever parses must re-encode and parse again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhicheng_gb28181::sip::{Limits, Message, StreamDecoder};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_head: 2048,
        max_line: 512,
        max_headers: 32,
        max_body: 4096,
    };
    if let Ok(msg) = Message::parse_with(data, &limits) {
        // Typed accessors must not panic either.
        let h = msg.headers();
        let _ = (
            h.vias(),
            h.from(),
            h.to(),
            h.call_id(),
            h.cseq(),
            h.contacts(),
            h.expires(),
        );
        let _ = (
            h.www_authenticate(),
            h.authorization(),
            h.date(),
            h.subject(),
            h.max_forwards(),
        );
        let again = Message::parse(&msg.encode()).expect("re-encoded message parses");
        assert_eq!(again.body(), msg.body());
    }

    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut dec = StreamDecoder::new(limits);
    for chunk in data.chunks(step) {
        dec.feed(chunk);
        let mut n = 0;
        while dec.next_message().is_some() {
            n += 1;
            assert!(n <= data.len() + 1, "stream decoder does not make progress");
        }
        assert!(
            dec.buffered() <= limits.max_head + limits.max_body + step + 4,
            "stream buffer exceeds its bound"
        );
    }
});
