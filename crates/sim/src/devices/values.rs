//! What each kind of device reports, as a function of local time (Asia/Shanghai, UTC+8), season,
//! the device's attributes and a little weather.
//!
//! Every device has its own [`DeviceModel`] with its own state (the occupancy of a parking lot,
//! slowly wandering "weather") and its own random generator, seeded from the simulator seed and
//! the entity id, so a device's series does not depend on which other devices are simulated.
//! Cumulative readings (meters, lamp energy) are the use since a per-device installation date,
//! a function of time alone: they only grow, and a restarted simulator continues them. A model
//! can also backfill history: call [`DeviceModel::tick`] with past timestamps in order.

use std::f64::consts::PI;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};
use zhicheng_model::Entity;

/// One metric value of one report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Metric name, as declared by the entity's kind.
    pub name: &'static str,
    /// Value; booleans are 1/0, integers are whole numbers.
    pub value: f64,
}

fn sample(name: &'static str, value: f64) -> Sample {
    Sample { name, value }
}

/// The simulated behaviour of one device.
#[derive(Debug)]
pub struct DeviceModel {
    entity: String,
    behaviour: Behaviour,
    rng: StdRng,
    last_ts: Option<i64>,
}

/// The kinds the simulator knows.
pub const KINDS: [&str; 9] = [
    "air_station",
    "noise_station",
    "water_quality_station",
    "streetlight",
    "water_meter",
    "electricity_meter",
    "gas_meter",
    "parking_lot",
    "scenic_gate",
];

impl DeviceModel {
    /// A model for `entity` of `kind` with the given attributes (missing ones take defaults), or
    /// `None` if the simulator does not know the kind (see [`KINDS`]).
    pub fn new(
        entity: &str,
        kind: &str,
        attributes: &Map<String, Value>,
        seed: u64,
    ) -> Option<DeviceModel> {
        let mut rng = StdRng::seed_from_u64(seed ^ fnv1a(entity.as_bytes()));
        let a = Attrs(attributes);
        let behaviour = match kind {
            "air_station" => Behaviour::Air(Air::new(&a, &mut rng)),
            "noise_station" => Behaviour::Noise(Noise::new(&a, &mut rng)),
            "water_quality_station" => Behaviour::WaterQuality(WaterQuality::new(&a, &mut rng)),
            "streetlight" => Behaviour::Lamp(Lamp::new(&a, &mut rng)),
            "water_meter" => Behaviour::Meter(Meter::new(Utility::Water, &mut rng)),
            "electricity_meter" => Behaviour::Meter(Meter::new(Utility::Electricity, &mut rng)),
            "gas_meter" => Behaviour::Meter(Meter::new(Utility::Gas, &mut rng)),
            "parking_lot" => Behaviour::Parking(Parking::new(&a)),
            "scenic_gate" => Behaviour::Gate(Gate::new(&a, &mut rng)),
            _ => return None,
        };
        Some(DeviceModel {
            entity: entity.to_string(),
            behaviour,
            rng,
            last_ts: None,
        })
    }

    /// A model for a registry entity.
    pub fn from_entity(entity: &Entity, seed: u64) -> Option<DeviceModel> {
        DeviceModel::new(&entity.id, &entity.kind, &entity.attributes, seed)
    }

    /// The entity this model reports for.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The values the device reports at `ts_ms` (epoch milliseconds), advancing its state.
    ///
    /// `interval` is the reporting period; it is the time step of the first call, later calls use
    /// the time since the previous one. Values are finite and rounded as a device would send them.
    pub fn tick(&mut self, ts_ms: i64, interval: Duration) -> Vec<Sample> {
        let dt_ms = match self.last_ts {
            Some(last) if ts_ms > last => ts_ms - last,
            Some(_) => 0,
            None => i64::try_from(interval.as_millis()).unwrap_or(i64::MAX),
        };
        self.last_ts = Some(ts_ms);
        // Cap the step at a day so a long pause does not produce absurd jumps.
        let dt_h = (dt_ms.min(86_400_000) as f64) / 3_600_000.0;
        let c = Clock::at(ts_ms);
        let rng = &mut self.rng;
        let mut out = match &mut self.behaviour {
            Behaviour::Air(m) => m.tick(&c, dt_h, rng),
            Behaviour::Noise(m) => m.tick(&c, dt_h, rng),
            Behaviour::WaterQuality(m) => m.tick(&c, dt_h, rng),
            Behaviour::Lamp(m) => m.tick(&c, dt_h, rng),
            Behaviour::Meter(m) => m.tick(&c, dt_h, rng),
            Behaviour::Parking(m) => m.tick(&c, dt_h, rng),
            Behaviour::Gate(m) => m.tick(&c, dt_h, rng),
        };
        out.retain(|s| s.value.is_finite());
        out
    }
}

#[derive(Debug)]
enum Behaviour {
    Air(Air),
    Noise(Noise),
    WaterQuality(WaterQuality),
    Lamp(Lamp),
    Meter(Meter),
    Parking(Parking),
    Gate(Gate),
}

/// 64-bit FNV-1a, to derive a per-device seed from its id (stable across Rust versions,
/// unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

struct Attrs<'a>(&'a Map<String, Value>);

impl Attrs<'_> {
    fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }
    fn number(&self, name: &str) -> Option<f64> {
        self.0
            .get(name)
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite())
    }
    fn flag(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(Value::as_bool)
    }
}

/// Local time of day and season in Yiyuan.
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// Local (UTC+8) calendar day, counted from 1970-01-01.
    day: i64,
    /// Hour of the day in UTC+8, 0 ≤ hour < 24.
    hour: f64,
    /// Day of the year, 1–366.
    day_of_year: f64,
    /// Saturday or Sunday.
    weekend: bool,
}

const CST_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// 2026-01-01 as a day number; installation dates are drawn before it.
const DAY_2026_01_01: i64 = 20_454;

impl Clock {
    fn at(ts_ms: i64) -> Clock {
        let local = ts_ms + CST_MS;
        let day = local.div_euclid(DAY_MS);
        let hour = local.rem_euclid(DAY_MS) as f64 / 3_600_000.0;
        // 1970-01-01 was a Thursday: with Monday = 0 it is day 3.
        let weekday = (day + 3).rem_euclid(7);
        Clock {
            day,
            hour,
            day_of_year: day_of_year(day),
            weekend: weekday >= 5,
        }
    }

    fn winter(&self) -> f64 {
        winter(self.day_of_year)
    }

    fn summer(&self) -> f64 {
        1.0 - winter(self.day_of_year)
    }

    #[cfg(test)]
    fn sun(&self) -> (f64, f64) {
        sun(self.day_of_year)
    }
}

/// Day of the year (1–366) of a day number.
fn day_of_year(day: i64) -> f64 {
    // The Julian day number of 1970-01-01 is 2 440 588.
    i32::try_from(day + 2_440_588)
        .ok()
        .and_then(|jd| time::Date::from_julian_day(jd).ok())
        .map(|d| f64::from(d.ordinal()))
        .unwrap_or(180.0)
}

/// 1 in mid-January, 0 in mid-July.
fn winter(day_of_year: f64) -> f64 {
    0.5 * (1.0 + (2.0 * PI * (day_of_year - 15.0) / 365.25).cos())
}

/// Sunrise and sunset in local clock hours for Yiyuan (36.2° N, 118.2° E).
fn sun(day_of_year: f64) -> (f64, f64) {
    let lat = 36.2_f64.to_radians();
    let decl = (23.44_f64.to_radians()) * (2.0 * PI * (284.0 + day_of_year) / 365.0).sin();
    // -0.833° accounts for refraction and the sun's radius.
    let cos_h =
        ((-0.833_f64).to_radians().sin() - lat.sin() * decl.sin()) / (lat.cos() * decl.cos());
    let half_day = cos_h.clamp(-1.0, 1.0).acos().to_degrees() / 15.0;
    // Clock time is UTC+8 (120° E); Yiyuan lies 1.8° west of that meridian, and the
    // equation of time moves solar noon by up to a quarter hour over the year.
    let b = 2.0 * PI * (day_of_year - 81.0) / 365.0;
    let equation_of_time_min = 9.87 * (2.0 * b).sin() - 7.53 * b.cos() - 1.5 * b.sin();
    let noon = 12.0 + (120.0 - 118.2) / 15.0 - equation_of_time_min / 60.0;
    (noon - half_day, noon + half_day)
}

/// A uniform number in [0, 1) from a seed and a day: per-day variation that does not depend on
/// when the simulation started (SplitMix64).
fn hash01(seed: u64, day: i64) -> f64 {
    let mut z = seed ^ (day as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The error function (Abramowitz & Stegun 7.1.26, error below 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x >= 0.0 {
        y
    } else {
        -y
    }
}

/// A running sum of whole days, so that a cumulative reading is computed from the installation
/// day once and then extended day by day.
#[derive(Debug)]
struct Ledger {
    /// The sum covers the days before this one.
    day: i64,
    sum: f64,
}

impl Ledger {
    fn new(installed: i64) -> Ledger {
        Ledger {
            day: installed,
            sum: 0.0,
        }
    }

    /// Sum of `per_day` over the days from `installed` up to (excluding) `today`.
    fn before(&mut self, installed: i64, today: i64, per_day: impl Fn(i64) -> f64) -> f64 {
        let today = today.max(installed);
        if self.day > today {
            // Asked about an earlier day (a backfill): start over.
            self.day = installed;
            self.sum = 0.0;
        }
        while self.day < today {
            self.sum += per_day(self.day);
            self.day += 1;
        }
        self.sum
    }
}

/// √(2π): a Gaussian bump of width `w` integrates to `w * SQRT_2PI`.
const SQRT_2PI: f64 = 2.506_628_274_631_000_2;

/// A Gaussian bump centred at hour `centre` with width `width` hours, on the 24 h circle.
fn bump(hour: f64, centre: f64, width: f64) -> f64 {
    let d = (hour - centre + 12.0).rem_euclid(24.0) - 12.0;
    (-0.5 * (d / width).powi(2)).exp()
}

/// A Gaussian bump over the days of the year.
fn bump_days(day: f64, centre: f64, width: f64) -> f64 {
    let d = (day - centre + 182.625).rem_euclid(365.25) - 182.625;
    (-0.5 * (d / width).powi(2)).exp()
}

/// Smoothly 0 before `from` and after `to`, 1 between (hours; `from` > `to` wraps midnight).
/// The edges take about half an hour.
fn window(hour: f64, from: f64, to: f64) -> f64 {
    let rise = |at: f64| 1.0 / (1.0 + (-(hour - at) * 6.0).exp());
    if from <= to {
        rise(from) * (1.0 - rise(to))
    } else {
        1.0 - window(hour, to, from)
    }
}

/// A standard normal deviate (Box–Muller).
fn gauss(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
}

/// A Poisson deviate with mean `lambda`.
fn poisson(rng: &mut StdRng, lambda: f64) -> f64 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0.0;
    }
    if lambda < 30.0 {
        let limit = (-lambda).exp();
        let mut k = 0.0;
        let mut p: f64 = rng.gen();
        while p > limit {
            k += 1.0;
            p *= rng.gen::<f64>();
        }
        k
    } else {
        (lambda + lambda.sqrt() * gauss(rng)).round().max(0.0)
    }
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// A mean-reverting random walk (Ornstein–Uhlenbeck) for slowly changing "weather".
#[derive(Debug, Clone, Copy)]
struct Wander {
    value: f64,
    tau_h: f64,
    sigma: f64,
}

impl Wander {
    fn new(tau_h: f64, sigma: f64, rng: &mut StdRng) -> Wander {
        Wander {
            value: sigma * gauss(rng),
            tau_h,
            sigma,
        }
    }

    fn step(&mut self, dt_h: f64, rng: &mut StdRng) -> f64 {
        let decay = (-dt_h / self.tau_h).exp();
        self.value = self.value * decay + self.sigma * (1.0 - decay * decay).sqrt() * gauss(rng);
        self.value
    }
}

/// Air quality station: PM with morning and evening peaks and a winter (heating) high, NO₂ with
/// the rush hours, O₃ in sunny afternoons, all moved together by regional weather.
#[derive(Debug)]
struct Air {
    /// Station factor: urban and industrial stations read higher than mountain towns.
    level: f64,
    /// Traffic share (NO₂, CO).
    traffic: f64,
    weather: Wander,
    ozone: Wander,
    temp: Wander,
}

impl Air {
    fn new(a: &Attrs, rng: &mut StdRng) -> Air {
        let (level, traffic) = match a.text("station_type") {
            Some("省控") => (1.15, 1.0),
            Some("县控") => (1.25, 0.8),
            Some("乡镇站") => (0.85, 0.3),
            _ => (1.0, 0.6),
        };
        Air {
            level: level * rng.gen_range(0.9..1.1),
            traffic,
            weather: Wander::new(18.0, 0.35, rng),
            ozone: Wander::new(24.0, 0.25, rng),
            temp: Wander::new(36.0, 2.0, rng),
        }
    }

    fn tick(&mut self, c: &Clock, dt_h: f64, rng: &mut StdRng) -> Vec<Sample> {
        let w = self.weather.step(dt_h, rng);
        let oz = self.ozone.step(dt_h, rng);
        let tw = self.temp.step(dt_h, rng);
        let h = c.hour;
        let season = 0.65 + 0.9 * c.winter();
        let diurnal =
            1.0 + 0.18 * bump(h, 8.5, 2.0) + 0.3 * bump(h, 21.0, 3.0) - 0.22 * bump(h, 15.0, 3.0);
        let pm25 = (36.0 * season * diurnal * self.level * w.exp() * (1.0 + 0.06 * gauss(rng)))
            .clamp(3.0, 600.0);
        let dust = 1.55 + 0.35 * bump_days(c.day_of_year, 100.0, 25.0);
        let pm10 = (pm25 * dust * (1.0 + 0.08 * gauss(rng))).clamp(pm25, 900.0);
        let rush = 0.8 + 0.35 * bump(h, 8.0, 1.5) + 0.45 * bump(h, 18.5, 2.0);
        let no2 = ((10.0 + 18.0 * self.traffic)
            * (1.0 + 0.35 * c.winter())
            * rush
            * (0.5 * w).exp()
            * (1.0 + 0.1 * gauss(rng)))
        .clamp(2.0, 300.0);
        let so2 =
            ((5.0 + 9.0 * c.winter()) * self.level * (0.4 * w).exp() * (1.0 + 0.15 * gauss(rng)))
                .clamp(2.0, 200.0);
        let o3 = ((28.0 + (35.0 + 115.0 * c.summer()) * bump(h, 15.0, 3.2))
            * (0.3 * oz).exp()
            * (1.0 - 0.15 * self.traffic * bump(h, 8.0, 2.0))
            * (1.0 + 0.08 * gauss(rng)))
        .clamp(2.0, 400.0);
        let co = ((0.45 + 0.55 * c.winter())
            * (0.6 + 0.4 * self.traffic)
            * (pm25 / 40.0).sqrt()
            * (1.0 + 0.08 * gauss(rng)))
        .clamp(0.1, 10.0);
        let altitude = if self.traffic < 0.5 { -1.0 } else { 0.0 };
        let temperature = 12.8 - 14.0 * (2.0 * PI * (c.day_of_year - 20.0) / 365.25).cos()
            + 5.0 * (2.0 * PI * (h - 14.5) / 24.0).cos()
            + altitude
            + tw;
        let humidity =
            (62.0 + 14.0 * c.summer() - 15.0 * (2.0 * PI * (h - 14.5) / 24.0).cos() - 2.0 * tw
                + 3.0 * gauss(rng))
            .clamp(12.0, 100.0);
        vec![
            sample("pm25", round(pm25, 1)),
            sample("pm10", round(pm10, 1)),
            sample("no2", round(no2, 1)),
            sample("so2", round(so2, 1)),
            sample("o3", round(o3, 1)),
            sample("co", round(co, 2)),
            sample("temperature", round(temperature, 1)),
            sample("relative_humidity", round(humidity, 1)),
        ]
    }
}

/// Noise station: the level of its GB 3096 functional zone, quieter at night, louder at rush hour.
#[derive(Debug)]
struct Noise {
    day_level: f64,
    wander: Wander,
}

impl Noise {
    fn new(a: &Attrs, rng: &mut StdRng) -> Noise {
        let base = match a.text("functional_zone") {
            Some("0") => 44.0,
            Some("1") => 51.0,
            Some("2") => 55.0,
            Some("3") => 59.0,
            Some("4a") => 65.0,
            Some("4b") => 63.0,
            _ => 55.0,
        };
        Noise {
            day_level: base + rng.gen_range(-1.5..1.5),
            wander: Wander::new(2.0, 1.5, rng),
        }
    }

    fn tick(&mut self, c: &Clock, dt_h: f64, rng: &mut StdRng) -> Vec<Sample> {
        let h = c.hour;
        let night = window(h, 22.0, 6.0);
        let laeq = (self.day_level - 9.0 * night
            + 2.0 * (bump(h, 8.0, 1.2) + bump(h, 18.0, 1.5))
            + self.wander.step(dt_h, rng)
            + gauss(rng))
        .clamp(25.0, 110.0);
        let lamax = (laeq + 12.0 + 7.0 * rng.gen::<f64>()).min(130.0);
        vec![
            sample("laeq", round(laeq, 1)),
            sample("lamax", round(lamax, 1)),
        ]
    }
}

/// Water quality station: temperature and dissolved oxygen follow the season and the daily
/// photosynthesis cycle; nutrients wander around the level of the station's target class; rain
/// events raise turbidity and phosphorus.
#[derive(Debug)]
struct WaterQuality {
    nh4: f64,
    codmn: f64,
    tp: f64,
    ph: f64,
    conductivity: f64,
    oxygen: f64,
    nutrients: Wander,
    rain: Wander,
}

impl WaterQuality {
    fn new(a: &Attrs, rng: &mut StdRng) -> WaterQuality {
        let (nh4, codmn, tp, oxygen) = match a.text("target_class") {
            Some("I") | Some("II") => (0.18, 2.6, 0.04, 0.95),
            Some("IV") | Some("V") => (0.9, 6.5, 0.2, 0.8),
            _ => (0.45, 4.0, 0.1, 0.88),
        };
        let j = |rng: &mut StdRng| rng.gen_range(0.85..1.15);
        WaterQuality {
            nh4: nh4 * j(rng),
            codmn: codmn * j(rng),
            tp: tp * j(rng),
            // Karst water of the Yi river basin is hard and slightly alkaline.
            ph: rng.gen_range(7.7..8.1),
            conductivity: rng.gen_range(450.0..650.0),
            oxygen,
            nutrients: Wander::new(24.0, 0.25, rng),
            rain: Wander::new(12.0, 0.6, rng),
        }
    }

    fn tick(&mut self, c: &Clock, dt_h: f64, rng: &mut StdRng) -> Vec<Sample> {
        let h = c.hour;
        let n = self.nutrients.step(dt_h, rng);
        let r = self.rain.step(dt_h, rng);
        let temperature = (15.0 - 11.0 * (2.0 * PI * (c.day_of_year - 25.0) / 365.25).cos()
            + 0.8 * (2.0 * PI * (h - 16.0) / 24.0).cos()
            + 0.2 * gauss(rng))
        .clamp(0.0, 35.0);
        let t = temperature;
        let saturation = 14.62 - 0.3898 * t + 0.006969 * t * t - 0.000_058_97 * t * t * t;
        let photo = 0.1 * bump(h, 15.0, 3.5) - 0.05 * bump(h, 5.0, 3.0);
        let o2 = (saturation * (self.oxygen + photo) * (1.0 + 0.02 * gauss(rng))).clamp(0.5, 20.0);
        let ph = (self.ph + 0.15 * bump(h, 15.0, 3.5) + 0.03 * gauss(rng)).clamp(6.0, 9.5);
        let nh4 = (self.nh4 * (1.0 + 0.3 * c.winter()) * n.exp()).clamp(0.01, 10.0);
        let codmn = (self.codmn * (0.6 * n + 0.2 * r.max(0.0)).exp()).clamp(0.5, 30.0);
        let tp = (self.tp * (0.5 * n + 0.5 * r.max(0.0)).exp()).clamp(0.005, 2.0);
        let turbidity =
            ((6.0 + 8.0 * c.summer()) * r.exp() * (1.0 + 0.05 * gauss(rng))).clamp(0.5, 500.0);
        let conductivity = (self.conductivity * (1.0 - 0.1 * r.tanh())).clamp(100.0, 2000.0);
        vec![
            sample("temperature", round(temperature, 1)),
            sample("ph", round(ph, 2)),
            sample("o2", round(o2, 2)),
            sample("nh4", round(nh4, 3)),
            sample("codmn", round(codmn, 2)),
            sample("tp", round(tp, 3)),
            sample("turbidity", round(turbidity, 1)),
            sample("conductivity", round(conductivity, 0)),
        ]
    }
}

/// Streetlight: on from a quarter hour after sunset to a quarter hour before sunrise (by the sun
/// at Yiyuan's latitude); controllable lamps dim to half from 23:00 to 05:00. About one lamp in
/// fifty has a failed light source: its controller reports it switched on, but it draws only the
/// controller's own power.
///
/// The energy reading is the integral of that schedule since the lamp was installed, a function
/// of time alone: a restarted simulator or a backfill continues the same reading.
#[derive(Debug)]
struct Lamp {
    spec: LampSpec,
    installed: i64,
    ledger: Ledger,
}

#[derive(Debug)]
struct LampSpec {
    rated_w: f64,
    controllable: bool,
    failed: bool,
}

impl LampSpec {
    /// Switched on, dimming level (%) and power (W, without measurement noise) at `hour`.
    fn state(&self, hour: f64, (rise, set): (f64, f64)) -> (bool, f64, f64) {
        let on = hour >= set + 0.25 || hour < rise - 0.25;
        // The single-lamp controller itself draws a little; old lamps have none.
        let standby = if self.controllable { 0.8 } else { 0.0 };
        if !on {
            return (false, 0.0, standby);
        }
        let level = if self.controllable && !(5.0..23.0).contains(&hour) {
            50.0
        } else {
            100.0
        };
        let power = if self.failed {
            standby
        } else {
            self.rated_w * level / 100.0 + 2.0
        };
        (true, level, power)
    }

    /// kWh drawn on `day` from midnight to `hour`.
    fn energy_until(&self, day: i64, hour: f64) -> f64 {
        let sun = sun(day_of_year(day));
        let mut cuts = [0.0, 5.0, sun.0 - 0.25, sun.1 + 0.25, 23.0, hour];
        for c in &mut cuts {
            *c = c.clamp(0.0, hour);
        }
        cuts.sort_by(f64::total_cmp);
        cuts.windows(2)
            .map(|w| (w[1] - w[0]) * self.state((w[0] + w[1]) / 2.0, sun).2)
            .sum::<f64>()
            / 1000.0
    }
}

impl Lamp {
    fn new(a: &Attrs, rng: &mut StdRng) -> Lamp {
        let rated_w = a
            .number("rated_power_w")
            .unwrap_or(120.0)
            .clamp(10.0, 2000.0);
        let installed = DAY_2026_01_01 - rng.gen_range(365..1460);
        Lamp {
            spec: LampSpec {
                rated_w,
                controllable: a.flag("controllable").unwrap_or(true),
                failed: rng.gen_bool(0.02),
            },
            installed,
            ledger: Ledger::new(installed),
        }
    }

    fn tick(&mut self, c: &Clock, _dt_h: f64, rng: &mut StdRng) -> Vec<Sample> {
        let (on, level, power) = self.spec.state(c.hour, sun(c.day_of_year));
        let spec = &self.spec;
        let energy = if c.day >= self.installed {
            self.ledger
                .before(self.installed, c.day, |d| spec.energy_until(d, 24.0))
                + spec.energy_until(c.day, c.hour)
        } else {
            0.0
        };
        let measured = if on && !spec.failed {
            power * (1.0 + 0.015 * gauss(rng))
        } else {
            power
        };
        vec![
            sample("power_state", if on { 1.0 } else { 0.0 }),
            sample("power_w", round(measured.max(0.0), 1)),
            sample("illuminance_level", level),
            sample("energy_consumed", round(energy, 2)),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Utility {
    Water,
    Electricity,
    Gas,
}

/// Household meter: a daily consumption that varies with the season and from day to day,
/// spread over the day by a usage curve; water and gas flow in bursts (a tap, a burner),
/// electricity as a varying load. About one water meter in thirty has a small leak (a continuous
/// night flow).
///
/// The cumulative reading is the expected use since the meter was installed, a function of time
/// alone: it only grows, and a restarted simulator or a backfill continues the same reading.
#[derive(Debug)]
struct Meter {
    spec: MeterSpec,
    installed: i64,
    ledger: Ledger,
    /// Last (local hour count, reading), so that the reading never goes down within a run.
    last: Option<(f64, f64)>,
}

#[derive(Debug)]
struct MeterSpec {
    utility: Utility,
    /// Mean daily consumption (m³ or kWh).
    daily: f64,
    /// Flow of one burst (m³/h), for water and gas.
    burst: f64,
    /// Continuous leak (m³/h).
    leak: f64,
    day_seed: u64,
}

impl MeterSpec {
    /// A base load plus peaks (centre hour, width in hours, height).
    fn profile(&self) -> (f64, &'static [(f64, f64, f64)]) {
        match self.utility {
            Utility::Water => (0.25, &[(7.5, 1.2, 2.4), (12.0, 1.0, 1.0), (19.5, 1.5, 2.2)]),
            Utility::Electricity => (0.45, &[(7.0, 1.0, 0.6), (12.0, 1.2, 0.5), (20.0, 2.0, 1.8)]),
            Utility::Gas => (0.03, &[(7.0, 0.7, 0.8), (11.7, 0.8, 1.6), (18.3, 0.9, 2.0)]),
        }
    }

    /// The usage curve at `hour` (peaks repeat every 24 h, so the curve is continuous at midnight).
    fn curve(&self, hour: f64) -> f64 {
        let (base, peaks) = self.profile();
        let bumps: f64 = peaks
            .iter()
            .flat_map(|&(c, w, a)| {
                [-24.0, 0.0, 24.0].map(move |k| a * (-0.5 * ((hour - c - k) / w).powi(2)).exp())
            })
            .sum();
        base + bumps
    }

    /// The integral of [`MeterSpec::curve`] from midnight to `hour`.
    fn curve_integral(&self, hour: f64) -> f64 {
        let (base, peaks) = self.profile();
        let r2 = std::f64::consts::SQRT_2;
        let bumps: f64 = peaks
            .iter()
            .flat_map(|&(c, w, a)| {
                [-24.0, 0.0, 24.0].map(move |k| {
                    let c = c + k;
                    a * w * SQRT_2PI / 2.0 * (erf((hour - c) / (w * r2)) - erf(-c / (w * r2)))
                })
            })
            .sum();
        base * hour + bumps
    }

    /// Use on `day`: the mean, the season and a per-day variation of ±20 %.
    fn use_on(&self, day: i64) -> f64 {
        let doy = day_of_year(day);
        let season = match self.utility {
            Utility::Water => 1.0 + 0.2 * (1.0 - winter(doy)),
            Utility::Electricity => 1.0 + 0.35 * bump_days(doy, 205.0, 30.0) + 0.2 * winter(doy),
            Utility::Gas => 1.0 + 0.35 * winter(doy),
        };
        self.daily * season * (0.8 + 0.4 * hash01(self.day_seed, day))
    }
}

impl Meter {
    fn new(utility: Utility, rng: &mut StdRng) -> Meter {
        let (daily, burst) = match utility {
            Utility::Water => (0.28 * rng.gen_range(0.55..1.6), 0.6),
            Utility::Electricity => (6.0 * rng.gen_range(0.6..1.6), 0.0),
            Utility::Gas => (0.45 * rng.gen_range(0.5..1.5), 0.35),
        };
        let leak = if utility == Utility::Water && rng.gen_bool(1.0 / 30.0) {
            0.012
        } else {
            0.0
        };
        let installed = DAY_2026_01_01 - rng.gen_range(150..1500);
        Meter {
            spec: MeterSpec {
                utility,
                daily,
                burst,
                leak,
                day_seed: rng.gen(),
            },
            installed,
            ledger: Ledger::new(installed),
            last: None,
        }
    }

    fn tick(&mut self, c: &Clock, _dt_h: f64, rng: &mut StdRng) -> Vec<Sample> {
        let spec = &self.spec;
        let full_day = spec.curve_integral(24.0);
        let today = spec.use_on(c.day);
        // Expected rate now, in units per hour.
        let rate = today * spec.curve(c.hour) / full_day;
        let mut total = if c.day >= self.installed {
            let hours = (c.day - self.installed) as f64 * 24.0 + c.hour;
            self.ledger
                .before(self.installed, c.day, |d| spec.use_on(d))
                + today * spec.curve_integral(c.hour) / full_day
                + spec.leak * hours
        } else {
            0.0
        };
        let t = c.day as f64 * 24.0 + c.hour;
        if let Some((last_t, last_total)) = self.last {
            if t >= last_t {
                total = total.max(last_total);
            }
        }
        self.last = Some((t, total));
        match spec.utility {
            Utility::Electricity => {
                let power_w = (rate * 1000.0 * (1.0 + 0.15 * gauss(rng))).max(15.0);
                let voltage =
                    226.0 - 6.0 * (rate / (spec.daily / 24.0 * 3.0)).min(1.0) + 2.0 * gauss(rng);
                vec![
                    sample("active_energy_import", round(total, 2)),
                    sample("active_power", round(power_w, 1)),
                    sample("phase_voltage", round(voltage.clamp(190.0, 250.0), 1)),
                ]
            }
            Utility::Water | Utility::Gas => {
                let active = rng.gen_bool((rate / spec.burst).clamp(0.0, 1.0));
                let flow = if active {
                    spec.burst * rng.gen_range(0.6..1.4)
                } else {
                    0.0
                } + spec.leak;
                let total_name = if spec.utility == Utility::Water {
                    "water_consumption"
                } else {
                    "gas_consumption"
                };
                vec![
                    sample(total_name, round(total, 3)),
                    sample("flow_rate", round(flow, 3)),
                ]
            }
        }
    }
}

/// Parking lot: occupancy follows what the lot serves (office hours for government and
/// hospitals, evenings and weekends for shops and parks, nights for residents) and moves toward
/// that target with a lag; it never exceeds the lot's spots.
#[derive(Debug)]
struct Parking {
    total: f64,
    usage: Usage,
    occupied: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
enum Usage {
    Hospital,
    Government,
    Commercial,
    Residential,
    Transport,
    Leisure,
}

impl Parking {
    fn new(a: &Attrs) -> Parking {
        let usage = match a.text("usage") {
            Some("医院") => Usage::Hospital,
            Some("政务") => Usage::Government,
            Some("住宅") => Usage::Residential,
            Some("交通") => Usage::Transport,
            Some("公园") | Some("文体") => Usage::Leisure,
            _ => Usage::Commercial,
        };
        Parking {
            total: a
                .number("total_spots")
                .unwrap_or(200.0)
                .clamp(1.0, 100_000.0)
                .round(),
            usage,
            occupied: None,
        }
    }

    fn target(&self, c: &Clock) -> f64 {
        let h = c.hour;
        let f = match (self.usage, c.weekend) {
            (Usage::Hospital, false) => 0.2 + 0.72 * window(h, 7.5, 17.0),
            (Usage::Hospital, true) => 0.2 + 0.45 * window(h, 8.0, 12.0),
            (Usage::Government, false) => 0.06 + 0.86 * window(h, 8.3, 17.5),
            (Usage::Government, true) => 0.06 + 0.1 * window(h, 9.0, 16.0),
            (Usage::Commercial, w) => {
                let k = if w { 1.25 } else { 1.0 };
                0.08 + k * (0.4 * bump(h, 11.5, 2.0) + 0.25 * bump(h, 15.5, 2.0))
                    + 0.78 * bump(h, 19.5, 2.0)
            }
            (Usage::Residential, _) => 0.35 + 0.6 * window(h, 18.5, 7.5),
            (Usage::Transport, _) => 0.15 + 0.6 * window(h, 6.5, 19.0),
            (Usage::Leisure, w) => {
                let k = if w { 1.6 } else { 1.0 };
                0.04 + k * (0.3 * bump(h, 9.0, 2.0) + 0.2 * bump(h, 15.0, 2.0))
                    + 0.6 * bump(h, 19.5, 1.8)
            }
        };
        f.clamp(0.0, 0.98)
    }

    fn tick(&mut self, c: &Clock, dt_h: f64, rng: &mut StdRng) -> Vec<Sample> {
        let target = self.target(c) * self.total;
        let prev = self.occupied.unwrap_or(target);
        let follow = 1.0 - (-dt_h / 0.4).exp();
        let noise = (self.total.sqrt() * 0.4 * gauss(rng)) * dt_h.min(1.0).sqrt();
        let occupied = (prev + (target - prev) * follow + noise).clamp(0.0, self.total);
        self.occupied = Some(occupied);
        let occupied = occupied.round();
        vec![
            sample("occupied_spots", occupied),
            sample("available_spots", self.total - occupied),
        ]
    }
}

/// Scenic-area gate: visitors come in from opening (08:00), most in the late morning, and leave
/// in the afternoon until closing (17:30); weekends and the spring and autumn seasons (and the
/// October holidays) are busiest. Counts are per reporting interval.
#[derive(Debug)]
struct Gate {
    capacity: f64,
    share: f64,
}

impl Gate {
    fn new(a: &Attrs, rng: &mut StdRng) -> Gate {
        Gate {
            capacity: a
                .number("capacity")
                .unwrap_or(3000.0)
                .clamp(1.0, 1_000_000.0),
            share: rng.gen_range(0.25..0.45),
        }
    }

    fn tick(&mut self, c: &Clock, dt_h: f64, rng: &mut StdRng) -> Vec<Sample> {
        let turnover = if c.weekend { 0.9 } else { 0.25 };
        let season = 0.35
            + 0.2 * c.summer()
            + 0.45
                * (bump_days(c.day_of_year, 120.0, 25.0) + bump_days(c.day_of_year, 280.0, 18.0));
        let daily = self.capacity * turnover * season * self.share;
        let open = window(c.hour, 8.0, 17.5);
        let (w_in, w_out) = (1.8, 1.8);
        let in_rate = daily * bump(c.hour, 11.0, w_in) / (w_in * SQRT_2PI) * open;
        let out_rate = daily * bump(c.hour, 14.8, w_out) / (w_out * SQRT_2PI) * open;
        vec![
            sample("entries", poisson(rng, in_rate * dt_h)),
            sample("exits", poisson(rng, out_rate * dt_h)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23T10:00:00+08:00, a Monday.
    const MONDAY_10H: i64 = 1_795_399_200_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn clock_reads_china_time() {
        let c = Clock::at(MONDAY_10H);
        assert!((c.hour - 10.0).abs() < 1e-9);
        assert!(!c.weekend);
        assert_eq!(c.day_of_year, 327.0);
        assert!(Clock::at(MONDAY_10H - 2 * 24 * HOUR).weekend);
        // Late November in Yiyuan: sunrise about 06:52, sunset about 16:56.
        let (rise, set) = c.sun();
        assert!((6.75..7.0).contains(&rise), "sunrise {rise}");
        assert!((16.8..17.05).contains(&set), "sunset {set}");
    }

    #[test]
    fn streetlights_are_on_at_night_and_off_by_day() {
        let attrs = serde_json::json!({"rated_power_w": 150.0, "controllable": true});
        let mut lamp =
            DeviceModel::new("lamp-x", "streetlight", attrs.as_object().unwrap(), 1).unwrap();
        let get = |s: &[Sample], n: &str| s.iter().find(|x| x.name == n).unwrap().value;
        let day = lamp.tick(MONDAY_10H, Duration::from_secs(60));
        assert_eq!(get(&day, "power_state"), 0.0);
        assert!(get(&day, "power_w") < 2.0);
        let night = lamp.tick(MONDAY_10H + 10 * HOUR, Duration::from_secs(60)); // 20:00
        assert_eq!(get(&night, "power_state"), 1.0);
        assert_eq!(get(&night, "illuminance_level"), 100.0);
        let late = lamp.tick(MONDAY_10H + 15 * HOUR, Duration::from_secs(60)); // 01:00
        assert_eq!(get(&late, "illuminance_level"), 50.0);
        assert!(get(&late, "energy_consumed") > get(&day, "energy_consumed"));
    }

    #[test]
    fn cumulative_readings_only_count_up() {
        for kind in [
            "water_meter",
            "electricity_meter",
            "gas_meter",
            "streetlight",
        ] {
            let mut m = DeviceModel::new("m-1", kind, &Map::new(), 7).unwrap();
            let total = |s: &[Sample]| s.iter().find(|x| x.name != "power_state").map(|x| x.value);
            let mut last = 0.0;
            // Three days in 5-minute steps, across two midnights.
            for i in 0..(3 * 288) {
                let s = m.tick(MONDAY_10H + i * 300_000, Duration::from_secs(300));
                let v = if kind == "streetlight" {
                    s[3].value
                } else {
                    total(&s).unwrap()
                };
                assert!(v >= last, "{kind} went down: {last} -> {v}");
                last = v;
            }
        }
    }

    #[test]
    fn a_restarted_device_continues_its_reading() {
        for kind in [
            "water_meter",
            "electricity_meter",
            "gas_meter",
            "streetlight",
        ] {
            let index = if kind == "streetlight" { 3 } else { 0 };
            let mut running = DeviceModel::new("m-2", kind, &Map::new(), 11).unwrap();
            for i in 0..=600 {
                running.tick(MONDAY_10H + i * 60_000, Duration::from_secs(60));
            }
            let later = MONDAY_10H + 601 * 60_000;
            let a = running.tick(later, Duration::from_secs(60))[index].value;
            let mut fresh = DeviceModel::new("m-2", kind, &Map::new(), 11).unwrap();
            let b = fresh.tick(later, Duration::from_secs(60))[index].value;
            assert!((a - b).abs() < 0.02, "{kind}: {a} vs {b}");
            assert!(a > 10.0, "{kind}: a reading of years of use, not {a}");
        }
    }

    #[test]
    fn a_day_of_household_use_is_plausible() {
        let mut m = DeviceModel::new("wm", "electricity_meter", &Map::new(), 3).unwrap();
        let start = m.tick(MONDAY_10H, Duration::from_secs(60))[0].value;
        for i in 1..=24 * 60 {
            m.tick(MONDAY_10H + i * 60_000, Duration::from_secs(60));
        }
        let end = m.tick(MONDAY_10H + 24 * HOUR, Duration::from_secs(60))[0].value;
        let day = end - start;
        assert!((2.0..20.0).contains(&day), "daily kWh {day}");
    }

    #[test]
    fn parking_peaks_in_office_hours_for_government_lots() {
        let attrs = serde_json::json!({"total_spots": 200, "usage": "政务"});
        let mut p = DeviceModel::new("park", "parking_lot", attrs.as_object().unwrap(), 5).unwrap();
        let occ = |s: Vec<Sample>| s[0].value;
        let mut night = 0.0;
        let mut noon = 0.0;
        for i in 0..(24 * 12) {
            let ts = MONDAY_10H + 14 * HOUR + i * 300_000; // Tuesday, from 00:00 on
            let v = occ(p.tick(ts, Duration::from_secs(300)));
            assert!((0.0..=200.0).contains(&v));
            let h = Clock::at(ts).hour;
            if (3.0..3.1).contains(&h) {
                night = v;
            }
            if (11.0..11.1).contains(&h) {
                noon = v;
            }
        }
        assert!(noon > 150.0 && night < 40.0, "noon {noon}, night {night}");
    }

    #[test]
    fn same_seed_same_series() {
        let a: Vec<Vec<Sample>> = {
            let mut m = DeviceModel::new("air-001", "air_station", &Map::new(), 9).unwrap();
            (0..20)
                .map(|i| m.tick(MONDAY_10H + i * 60_000, Duration::from_secs(60)))
                .collect()
        };
        let b: Vec<Vec<Sample>> = {
            let mut m = DeviceModel::new("air-001", "air_station", &Map::new(), 9).unwrap();
            (0..20)
                .map(|i| m.tick(MONDAY_10H + i * 60_000, Duration::from_secs(60)))
                .collect()
        };
        assert_eq!(a, b);
        assert!(DeviceModel::new("x", "unknown_kind", &Map::new(), 9).is_none());
    }

    #[test]
    fn poisson_mean_is_right() {
        let mut rng = StdRng::seed_from_u64(1);
        for lambda in [0.5, 4.0, 80.0] {
            let n = 4000;
            let mean = (0..n).map(|_| poisson(&mut rng, lambda)).sum::<f64>() / n as f64;
            assert!(
                (mean - lambda).abs() < 0.1 * lambda + 0.1,
                "λ {lambda}: mean {mean}"
            );
        }
    }
}
