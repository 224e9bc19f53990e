//! Raw history in blocks: the points of one series within one hour, packed into one row.
//!
//! Why blocks and not a row per reading: a B-tree insert costs about a microsecond whatever the
//! row's size, so at a million readings a second one row per reading is a whole core on its own
//! (SQLite has one writer). A device that reports in bursts, or a gateway that batches, gives
//! the writer many consecutive points of one series per batch; they become one row.
//!
//! Rules every block keeps (both backends rely on them):
//! - its points are strictly increasing in time and lie in one hour (`Step::Hour` bucket), so
//!   the blocks holding a time range are found from the range's hour on the `(series, t0)` key;
//! - blocks of one series never overlap in time, so reading them in `t0` order yields points in
//!   time order;
//! - at most [`MAX_BLOCK_POINTS`] points.
//!
//! Encoding of `data`: per point, the time as an unsigned LEB128 delta from the previous point
//! (the first from `t0`, so 0), then the value as 8 little-endian bytes of its IEEE 754 bits.
//! Readings a second apart take 10 bytes each.

use zhicheng_model::Step;

use crate::{Error, Result};

/// Most points in one block.
///
/// Why 1024: a full block of evenly spaced readings is about 10 KiB, a few database pages, and a
/// merge (late or replayed readings) rewrites at most that much per block touched.
pub(crate) const MAX_BLOCK_POINTS: usize = 1024;

/// A block ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub series: i64,
    /// Time of the first point.
    pub t0: i64,
    /// Time of the last point.
    pub t1: i64,
    /// Number of points.
    pub n: i64,
    pub data: Vec<u8>,
}

/// Packs `points` (strictly increasing in time, one hour) into blocks of at most
/// [`MAX_BLOCK_POINTS`].
pub(crate) fn blocks_of(series: i64, points: &[(i64, f64)], out: &mut Vec<Block>) {
    for chunk in points.chunks(MAX_BLOCK_POINTS) {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        out.push(Block {
            series,
            t0: first.0,
            t1: last.0,
            n: chunk.len() as i64,
            data: encode(chunk),
        });
    }
}

/// Encodes points (strictly increasing in time) as described in the module documentation.
pub(crate) fn encode(points: &[(i64, f64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 10);
    let mut prev = points.first().map_or(0, |p| p.0);
    for &(ts, value) in points {
        // Strictly increasing, so the delta is non-negative; wrapping keeps a misuse from
        // panicking (the decoder would then report the block as corrupt).
        let mut delta = ts.wrapping_sub(prev) as u64;
        prev = ts;
        loop {
            let byte = (delta & 0x7f) as u8;
            delta >>= 7;
            if delta == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(&value.to_bits().to_le_bytes());
    }
    out
}

/// Decodes a block's points onto `out`. A block that does not hold exactly `n` well-formed,
/// strictly increasing points from `t0` to `t1` within one hour is [`Error::Corrupt`], and then
/// `out` is left as it was.
pub(crate) fn decode_into(
    series: i64,
    t0: i64,
    t1: i64,
    n: i64,
    data: &[u8],
    out: &mut Vec<(i64, f64)>,
) -> Result<()> {
    let before = out.len();
    let r = decode_unchecked(series, t0, t1, n, data, out);
    if r.is_err() {
        out.truncate(before);
    }
    r
}

fn decode_unchecked(
    series: i64,
    t0: i64,
    t1: i64,
    n: i64,
    data: &[u8],
    out: &mut Vec<(i64, f64)>,
) -> Result<()> {
    let corrupt =
        |why: &str| Error::Corrupt(format!("history block of series {series} at {t0}: {why}"));
    let n = usize::try_from(n).map_err(|_| corrupt("negative point count"))?;
    if n == 0 || t1 < t0 || Step::Hour.bucket(t0) != Step::Hour.bucket(t1) {
        return Err(corrupt("empty, or not within one hour"));
    }
    // Each point takes at least 9 bytes: a bad count cannot make us reserve wildly.
    if n > data.len() / 9 + 1 {
        return Err(corrupt("point count larger than the data"));
    }
    out.reserve(n);
    let mut pos = 0usize;
    let mut ts = t0;
    for i in 0..n {
        let mut delta: u64 = 0;
        let mut shift = 0u32;
        loop {
            let Some(&byte) = data.get(pos) else {
                return Err(corrupt("truncated time"));
            };
            pos += 1;
            if shift > 63 || (shift == 63 && byte & 0x7e != 0) {
                return Err(corrupt("time delta too long"));
            }
            delta |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        if (i > 0) == (delta == 0) {
            return Err(corrupt("first point not at t0, or two points at one time"));
        }
        ts = i64::try_from(delta)
            .ok()
            .and_then(|d| ts.checked_add(d))
            .ok_or_else(|| corrupt("time out of range"))?;
        let Some(bytes) = data.get(pos..pos + 8) else {
            return Err(corrupt("truncated value"));
        };
        pos += 8;
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        out.push((ts, f64::from_bits(u64::from_le_bytes(b))));
    }
    if pos != data.len() {
        return Err(corrupt("trailing bytes"));
    }
    if ts != t1 {
        return Err(corrupt("last point not at t1"));
    }
    Ok(())
}

/// Merges new points into the stored points of the blocks they overlap. Both inputs are
/// strictly increasing in time; on equal times the stored point wins (a replay is ignored).
/// Returns the merged points and how many of `new` were inserted.
pub(crate) fn merge(stored: &[(i64, f64)], new: &[(i64, f64)]) -> (Vec<(i64, f64)>, u64) {
    let mut out = Vec::with_capacity(stored.len() + new.len());
    let (mut i, mut j, mut inserted) = (0, 0, 0u64);
    while i < stored.len() || j < new.len() {
        match (stored.get(i), new.get(j)) {
            (Some(s), Some(n)) if s.0 < n.0 => {
                out.push(*s);
                i += 1;
            }
            (Some(s), Some(n)) if s.0 == n.0 => {
                out.push(*s);
                i += 1;
                j += 1;
            }
            (_, Some(n)) => {
                out.push(*n);
                inserted += 1;
                j += 1;
            }
            (Some(s), None) => {
                out.push(*s);
                i += 1;
            }
            (None, None) => break,
        }
    }
    (out, inserted)
}

/// The points of one series in one hour that a batch brings, sorted and distinct in time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    pub series: i64,
    /// Start of the hour.
    pub hour: i64,
    pub points: Vec<(i64, f64)>,
}

impl Segment {
    /// Time of the first point.
    pub(crate) fn first(&self) -> i64 {
        self.points.first().map_or(i64::MAX, |p| p.0)
    }

    /// Time of the last point.
    pub(crate) fn last(&self) -> i64 {
        self.points.last().map_or(i64::MIN, |p| p.0)
    }
}

/// Splits points sorted by (series, ts) into per-(series, hour) segments, dropping a point whose
/// (series, ts) appeared earlier (the first given wins). Returns the segments and the number of
/// points dropped.
pub(crate) fn segments(sorted: &[crate::Point]) -> (Vec<Segment>, u64) {
    let mut out: Vec<Segment> = Vec::new();
    let mut dropped = 0;
    for p in sorted {
        let hour = Step::Hour.bucket(p.ts);
        match out.last_mut() {
            Some(s) if s.series == p.series && s.hour == hour => {
                if s.last() == p.ts {
                    dropped += 1;
                } else {
                    s.points.push((p.ts, p.value));
                }
            }
            _ => out.push(Segment {
                series: p.series,
                hour,
                points: vec![(p.ts, p.value)],
            }),
        }
    }
    (out, dropped)
}

/// One minute's aggregate: (bucket, min, max, sum, count).
pub(crate) type MinuteRow = (i64, f64, f64, f64, i64);

/// Aggregates the points (in time order) falling in the given minute buckets (sorted). Minutes
/// without points yield nothing.
pub(crate) fn minute_rollups(points: &[(i64, f64)], minutes: &[i64]) -> Vec<MinuteRow> {
    let mut out = Vec::with_capacity(minutes.len());
    let mut start = 0usize;
    for &m in minutes {
        let end_ts = m.saturating_add(Step::Minute.millis());
        // Points are sorted: find the first at or after the minute, then walk the minute.
        start += points[start..].partition_point(|p| p.0 < m);
        let mut k = start;
        let (mut min, mut max, mut sum, mut count) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0);
        while let Some(&(ts, v)) = points.get(k) {
            if ts >= end_ts {
                break;
            }
            min = min.min(v);
            max = max.max(v);
            sum += v;
            count += 1;
            k += 1;
        }
        if count > 0 {
            out.push((m, min, max, sum, count));
        }
        start = k;
    }
    out
}

/// Decodes a block for reading onto `out`. One that cannot be decoded is skipped with an error
/// in the log: a read or a roll-up shows what is readable rather than failing (a write that
/// meets it moves it to `history_quarantine`).
pub(crate) fn decode_for_reading(
    series: i64,
    t0: i64,
    t1: i64,
    n: i64,
    data: &[u8],
    out: &mut Vec<(i64, f64)>,
) {
    if let Err(e) = decode_into(series, t0, t1, n, data, out) {
        tracing::error!(series, t0, error = %e, "history block skipped: it cannot be decoded");
    }
}

/// Blocks for points sorted by (series, ts) with distinct keys (the version-1 `history` rows).
pub(crate) fn blocks_from_sorted(rows: &[(i64, i64, f64)]) -> Vec<Block> {
    let points: Vec<crate::Point> = rows
        .iter()
        .map(|&(series, ts, value)| crate::Point { series, ts, value })
        .collect();
    let (segments, _) = segments(&points);
    let mut blocks = Vec::new();
    for seg in &segments {
        blocks_of(seg.series, &seg.points, &mut blocks);
    }
    blocks
}

/// A raw-history answer gathered from the blocks of one series, read a page at a time in key
/// order (both backends page the same way).
pub(crate) struct RawRange {
    from: i64,
    to: i64,
    limit: usize,
    newest: i64,
    points: Vec<(i64, f64)>,
    /// The answer so far.
    pub out: Vec<(i64, f64)>,
}

impl RawRange {
    /// Points in `[from, to)` (clamped to the storable range), at most `limit`.
    pub(crate) fn new(from: i64, to: i64, limit: usize) -> RawRange {
        RawRange {
            from: crate::batch::clamp_ts(from),
            to: crate::batch::clamp_ts(to),
            limit,
            newest: i64::MIN,
            points: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Nothing can be in the answer.
    pub(crate) fn is_empty(&self) -> bool {
        self.to <= self.from || self.limit == 0
    }

    /// Read blocks with `after < t0 < to` (and `t1 >= from`) first; blocks never span an hour,
    /// so those holding `from` start in its hour.
    pub(crate) fn first_after(&self) -> i64 {
        Step::Hour.bucket(self.from) - 1
    }

    /// The bounds for the page query: (to, from).
    pub(crate) fn bounds(&self) -> (i64, i64) {
        (self.to, self.from)
    }

    /// Adds a page of `(t0, t1, n, data)` rows; true once the answer is complete.
    pub(crate) fn add_page(&mut self, series: i64, rows: &[(i64, i64, i64, Vec<u8>)]) -> bool {
        self.points.clear();
        for (t0, t1, n, data) in rows {
            decode_for_reading(series, *t0, *t1, *n, data, &mut self.points);
        }
        // Blocks never overlap, so times only grow; the check keeps that a promise.
        for &p in &self.points {
            if p.0 < self.from || p.0 >= self.to || p.0 <= self.newest {
                continue;
            }
            self.newest = p.0;
            self.out.push(p);
            if self.out.len() == self.limit {
                return true;
            }
        }
        rows.is_empty()
    }
}

/// Dirty minutes of one series over a run of consecutive hours, with the range of block start
/// times `[lo, hi)` that holds all their points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MinuteRun {
    pub series: i64,
    pub lo: i64,
    pub hi: i64,
    /// Minute buckets, sorted.
    pub minutes: Vec<i64>,
}

/// Groups dirty (series, minute) pairs (sorted, distinct) into runs to read at once: one per
/// series and stretch of consecutive hours, so a minute from long ago never makes a read span
/// everything in between.
pub(crate) fn minute_runs(dirty: &[(i64, i64)]) -> Vec<MinuteRun> {
    let hour = Step::Hour.millis();
    let mut out: Vec<MinuteRun> = Vec::new();
    for &(series, m) in dirty {
        let h = Step::Hour.bucket(m);
        let end = m.saturating_add(Step::Minute.millis());
        match out.last_mut() {
            Some(r) if r.series == series && h <= r.hi.saturating_add(hour) => {
                r.hi = end;
                r.minutes.push(m);
            }
            _ => out.push(MinuteRun {
                series,
                lo: h,
                hi: end,
                minutes: vec![m],
            }),
        }
    }
    out
}

/// (series, hour) pairs whose blocks may be worth repacking once the hour is closed: the hours
/// that roll-up compaction saw change. Kept in memory (a hint, lost on restart) and bounded.
#[derive(Debug, Default)]
pub(crate) struct RepackHints(std::sync::Mutex<std::collections::BTreeSet<(i64, i64)>>);

/// Most hints kept; beyond it new ones are dropped (repacking is an optimisation).
const MAX_HINTS: usize = 1_000_000;

impl RepackHints {
    /// Notes the hours of these (series, minute) pairs.
    pub(crate) fn note(&self, minutes: &[(i64, i64)]) {
        let mut h = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for &(series, m) in minutes {
            if h.len() >= MAX_HINTS {
                break;
            }
            h.insert((series, Step::Hour.bucket(m)));
        }
    }

    /// Takes up to `max` hours that ended at or before `before`.
    pub(crate) fn take(&self, max: usize, before: i64) -> Vec<(i64, i64)> {
        let mut h = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let hour = Step::Hour.millis();
        let out: Vec<(i64, i64)> = h
            .iter()
            .filter(|(_, start)| start.saturating_add(hour) <= before)
            .take(max)
            .copied()
            .collect();
        for k in &out {
            h.remove(k);
        }
        out
    }
}

/// The blocks that replace the given ones (one series, one hour, in time order), or `None`
/// when repacking would not reduce their number or one of them cannot be decoded (a write that
/// meets it quarantines it).
pub(crate) fn repack(series: i64, rows: &[(i64, i64, i64, Vec<u8>)]) -> Option<Vec<Block>> {
    if rows.len() < 2 {
        return None;
    }
    let mut points = Vec::new();
    for (t0, t1, n, data) in rows {
        decode_into(series, *t0, *t1, *n, data, &mut points).ok()?;
    }
    let mut out = Vec::new();
    blocks_of(series, &points, &mut out);
    (out.len() < rows.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Point;

    #[test]
    fn encode_decode_round_trip() {
        let pts = vec![
            (1_699_999_200_000, 1.5),
            (1_699_999_200_001, -0.0),
            (1_699_999_260_000, f64::MAX),
            (1_700_002_799_999, 1e-300),
        ];
        let data = encode(&pts);
        // Deltas 0, 1, 59,999 and 3,539,999 take 1 + 1 + 3 + 4 bytes; values 8 each.
        assert_eq!(data.len(), 9 + 4 * 8);
        let mut out = Vec::new();
        decode_into(1, pts[0].0, pts[3].0, 4, &data, &mut out).unwrap();
        assert_eq!(out.len(), 4);
        for (a, b) in out.iter().zip(&pts) {
            assert_eq!(a.0, b.0);
            assert_eq!(a.1.to_bits(), b.1.to_bits());
        }
    }

    #[test]
    fn corrupt_blocks_are_errors_not_panics() {
        let data = encode(&[(10, 1.0), (20, 2.0)]);
        let mut out = Vec::new();
        assert!(decode_into(1, 10, 20, 2, &data, &mut out).is_ok());
        // A failure half-way leaves what was decoded before untouched.
        let before = out.clone();
        assert!(decode_into(1, 10, 21, 2, &data, &mut out).is_err());
        assert_eq!(out, before);
        assert!(
            decode_into(1, 10, 20, 3, &data, &mut out).is_err(),
            "count too big"
        );
        assert!(
            decode_into(1, 10, 20, 1, &data, &mut out).is_err(),
            "trailing"
        );
        assert!(decode_into(1, 10, 20, 2, &data[..data.len() - 1], &mut out).is_err());
        assert!(decode_into(1, 10, 20, -1, &data, &mut out).is_err());
        assert!(decode_into(1, 10, 20, 0, &[], &mut out).is_err(), "empty");
        assert!(decode_into(1, 10, 20, 1_000_000, &data, &mut out).is_err());
        assert!(
            decode_into(1, 10, 21, 2, &data, &mut out).is_err(),
            "t1 disagrees"
        );
        assert!(
            decode_into(1, 10, 3_600_000, 2, &data, &mut out).is_err(),
            "two hours"
        );
        // A zero delta after the first point would be two points at one time.
        let dup = encode(&[(10, 1.0), (10, 2.0)]);
        assert!(decode_into(1, 10, 10, 2, &dup, &mut out).is_err());
        // The first point must be at t0.
        let mut shifted = vec![5u8];
        shifted.extend_from_slice(&1f64.to_bits().to_le_bytes());
        assert!(decode_into(1, 10, 15, 1, &shifted, &mut out).is_err());
        // Eleven continuation bytes: longer than any u64.
        let mut long = vec![0xff; 11];
        long.extend_from_slice(&[0; 8]);
        assert!(decode_into(1, 10, 10, 1, &long, &mut out).is_err());
        assert!(
            decode_into(1, i64::MAX - 5, i64::MAX, 2, &data, &mut out).is_err(),
            "overflow"
        );
    }

    #[test]
    fn merge_keeps_stored_points_on_ties() {
        let (m, ins) = merge(&[(1, 1.0), (3, 3.0)], &[(0, 0.5), (3, 9.0), (4, 4.0)]);
        assert_eq!(m, vec![(0, 0.5), (1, 1.0), (3, 3.0), (4, 4.0)]);
        assert_eq!(ins, 2);
        let (m, ins) = merge(&[], &[(5, 5.0)]);
        assert_eq!((m, ins), (vec![(5, 5.0)], 1));
    }

    #[test]
    fn segments_split_by_series_and_hour_and_drop_repeats() {
        let h = 3_600_000;
        let pts = [
            Point {
                series: 1,
                ts: h - 1,
                value: 1.0,
            },
            Point {
                series: 1,
                ts: h,
                value: 2.0,
            },
            Point {
                series: 1,
                ts: h,
                value: 9.0,
            },
            Point {
                series: 2,
                ts: h,
                value: 3.0,
            },
        ];
        let (segs, dropped) = segments(&pts);
        assert_eq!(dropped, 1);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[1].points, vec![(h, 2.0)]);
        assert_eq!(segs[1].hour, h);
        let mut blocks = Vec::new();
        let many: Vec<(i64, f64)> = (0..2500).map(|i| (i, i as f64)).collect();
        blocks_of(7, &many, &mut blocks);
        assert_eq!(
            blocks.iter().map(|b| (b.t0, b.t1, b.n)).collect::<Vec<_>>(),
            vec![(0, 1023, 1024), (1024, 2047, 1024), (2048, 2499, 452)]
        );
    }

    #[test]
    fn minute_runs_split_on_gaps() {
        let h = 3_600_000;
        let runs = minute_runs(&[
            (1, 0),
            (1, 60_000),
            (1, h + 120_000),
            (1, 5 * h),
            (2, 5 * h),
        ]);
        assert_eq!(
            runs.iter()
                .map(|r| (r.series, r.lo, r.hi))
                .collect::<Vec<_>>(),
            vec![
                (1, 0, h + 180_000),
                (1, 5 * h, 5 * h + 60_000),
                (2, 5 * h, 5 * h + 60_000)
            ]
        );
        assert_eq!(runs[0].minutes, vec![0, 60_000, h + 120_000]);
    }

    #[test]
    fn repack_joins_small_blocks_and_hints_wait_for_the_hour() {
        let rows: Vec<(i64, i64, i64, Vec<u8>)> = (0..5)
            .map(|i| (i * 1000, i * 1000, 1, encode(&[(i * 1000, i as f64)])))
            .collect();
        let b = repack(7, &rows).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!((b[0].t0, b[0].t1, b[0].n), (0, 4000, 5));
        assert!(repack(7, &rows[..1]).is_none(), "one block: nothing to do");
        let mut broken = rows.clone();
        broken[2].2 = 9;
        assert!(
            repack(7, &broken).is_none(),
            "a damaged block is left alone"
        );
        let h = RepackHints::default();
        h.note(&[(1, 60_000), (1, 120_000), (2, 3_600_000)]);
        assert_eq!(h.take(10, 3_599_999), vec![]);
        assert_eq!(h.take(10, 3_600_000), vec![(1, 0)]);
        assert_eq!(h.take(10, i64::MAX), vec![(2, 3_600_000)]);
        assert_eq!(h.take(10, i64::MAX), vec![]);
    }

    #[test]
    fn minute_rollups_by_hand() {
        let pts = [(0, 1.0), (59_999, 3.0), (60_000, 5.0), (180_000, 7.0)];
        assert_eq!(
            minute_rollups(&pts, &[0, 120_000, 180_000]),
            vec![(0, 1.0, 3.0, 4.0, 2), (180_000, 7.0, 7.0, 7.0, 1)]
        );
    }
}
