//! AQI throughput: real-time (hourly) reports per second, both editions.
//!
//! Run: `cargo bench -p zhicheng-envstd --bench aqi`

use std::hint::black_box;
use std::time::Instant;

use zhicheng_envstd::aqi::{hourly_report, Edition, HourlyData};
use zhicheng_envstd::Decimal;

/// A small deterministic generator (xorshift), so runs are comparable without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A concentration with one decimal in [0, max).
    fn tenths(&mut self, max: u32) -> Decimal {
        Decimal::from_tenths((self.next() % (u64::from(max) * 10)) as u32)
    }
}

fn hours(n: usize) -> Vec<HourlyData> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| HourlyData {
            so2: r.tenths(300).into(),
            no2: r.tenths(400).into(),
            co: r.tenths(15).into(),
            o3: r.tenths(400).into(),
            pm10: r.tenths(500).into(),
            pm25: r.tenths(300).into(),
            o3_8h: r.tenths(300).into(),
            pm10_24h: r.tenths(400).into(),
            pm25_24h: r.tenths(250).into(),
            so2_24h: r.tenths(200).into(),
        })
        .collect()
}

fn main() {
    let data = hours(10_000);
    for edition in [Edition::Hj633_2026, Edition::Hj633_2012] {
        // Warm up once, then time 60 passes over the 10,000 hours.
        let mut sum = 0u64;
        for h in &data {
            sum += u64::from(hourly_report(h, edition).aqi.unwrap_or(0));
        }
        let rounds = 60;
        let start = Instant::now();
        for _ in 0..rounds {
            for h in &data {
                let r = hourly_report(black_box(h), edition);
                sum += u64::from(r.aqi.unwrap_or(0));
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let n = (rounds * data.len()) as f64;
        println!(
            "{edition}: {n:.0} hourly reports in {secs:.3} s = {:.0} reports/s ({:.0} ns/report) [checksum {sum}]",
            n / secs,
            secs * 1e9 / n,
        );
    }
}
