//! Decode throughput, printed as figures (no harness):
//!
//! `CARGO_TARGET_DIR=/work/target-jt808 cargo bench -p zhicheng-jt808 --bench decode`
//!
//! 1. 0x0200 frames/s: unescape + checksum + header + full location body (3 additional items)
//!    from wire bytes, one frame at a time, reusing one scratch buffer.
//! 2. The frame layer alone (unescape + checksum + header).
//! 3. 0x0200 into an owned [`Message`] (allocates the item list).
//! 4. Stream decoder MB/s: back-to-back location frames fed in 64 KiB reads, every frame's
//!    body decoded.
//!
//! Each figure is the best of several rounds. The machine is shared, so every figure is given
//! twice: per wall-clock second, and per second this thread actually ran on a CPU (from
//! `/proc/thread-self/schedstat`, which advances in scheduler ticks, hence the long runs;
//! "n/a" where that file is missing). The second is the one-core figure.

use std::hint::black_box;
use std::time::{Duration, Instant};

use zhicheng_jt808::{decode_frame, Location, Message, StreamDecoder};

const LOCATION: &str = "7E020000280139123456780003000000000000000301CDF26607296C0E000C025D005A24050108300001040001E24030011F31010CAB7E";
const ROUNDS: usize = 5;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Nanoseconds this thread has spent on a CPU.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

struct Run {
    wall: Duration,
    cpu: Option<Duration>,
    count: usize,
}

/// Runs `f` ROUNDS times; keeps the round with the least CPU time (or wall time).
fn best(mut f: impl FnMut() -> usize) -> Run {
    (0..ROUNDS)
        .map(|_| {
            let c0 = cpu_ns();
            let t = Instant::now();
            let count = f();
            let wall = t.elapsed();
            let cpu = match (c0, cpu_ns()) {
                (Some(a), Some(b)) => Some(Duration::from_nanos(b - a)),
                _ => None,
            };
            Run { wall, cpu, count }
        })
        .min_by_key(|r| r.cpu.unwrap_or(r.wall))
        .expect("at least one round")
}

/// "X M/s wall, Y M/s cpu (Z ns)" for `n` items.
fn rate(r: &Run, n: usize) -> String {
    let wall = n as f64 / r.wall.as_secs_f64() / 1e6;
    match r.cpu {
        Some(c) => format!(
            "{wall:6.2} M/s wall, {:6.2} M/s on-CPU ({:.0} ns each)",
            n as f64 / c.as_secs_f64() / 1e6,
            c.as_nanos() as f64 / n as f64
        ),
        None => format!("{wall:6.2} M/s wall, n/a on-CPU"),
    }
}

fn main() {
    let wire = hex(LOCATION);
    let n = 5_000_000usize;

    let r = best(|| {
        let mut scratch = Vec::with_capacity(1100);
        let mut sats = 0usize;
        for _ in 0..n {
            let f = decode_frame(black_box(&wire), &mut scratch).expect("frame");
            let loc = Location::decode(f.body).expect("location");
            sats += usize::from(loc.satellites().unwrap_or(0));
            black_box(&loc);
        }
        sats / 12
    });
    assert_eq!(r.count, n);
    println!(
        "0x0200 frame + body decode ({} B frame):  {}",
        wire.len(),
        rate(&r, n)
    );

    let r = best(|| {
        let mut scratch = Vec::with_capacity(1100);
        for _ in 0..n {
            let f = decode_frame(black_box(&wire), &mut scratch).expect("frame");
            black_box(f.header.serial);
        }
        n
    });
    println!("frame only (unescape+checksum+header):   {}", rate(&r, n));

    let r = best(|| {
        let mut scratch = Vec::with_capacity(1100);
        for _ in 0..n {
            let f = decode_frame(black_box(&wire), &mut scratch).expect("frame");
            black_box(Message::decode(f).expect("message"));
        }
        n
    });
    println!("0x0200 to owned Message:                 {}", rate(&r, n));

    // Stream: 500k frames back to back, fed in 64 KiB reads.
    let frames = 500_000usize;
    let mut stream = Vec::with_capacity(frames * wire.len());
    for _ in 0..frames {
        stream.extend_from_slice(&wire);
    }
    let r = best(|| {
        let mut dec = StreamDecoder::new();
        let mut got = 0usize;
        for chunk in stream.chunks(64 * 1024) {
            dec.decode(chunk, |item| {
                let f = item.expect("frame");
                let loc = Location::decode(f.body).expect("location");
                black_box(&loc);
                got += 1;
            });
        }
        got
    });
    assert_eq!(r.count, frames);
    let mb = stream.len() as f64 / 1e6;
    println!(
        "stream decoder + body decode ({mb:.1} MB): {:6.1} MB/s wall, {} MB/s on-CPU; frames: {}",
        mb / r.wall.as_secs_f64(),
        r.cpu.map_or("n/a".to_string(), |c| format!(
            "{:.1}",
            mb / c.as_secs_f64()
        )),
        rate(&r, frames)
    );
}
