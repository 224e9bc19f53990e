//! 0x0200 location report, 0x0201 location query response, 0x0704 batch upload.

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::wire::{bcd_time_decode, bcd_time_encode, put_u16, put_u32, Reader, BEIJING};

bitflags::bitflags! {
    /// Alarm flags (DWORD at offset 0 of a location report). Bits no name covers are kept.
    ///
    /// Where 2013 and 2019 differ, the name follows 2019 and the doc gives both.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct AlarmFlags: u32 {
        /// Bit 0: emergency alarm (cleared after the platform acknowledges).
        const EMERGENCY = 1 << 0;
        /// Bit 1: overspeed alarm.
        const OVERSPEED = 1 << 1;
        /// Bit 2: fatigue driving alarm.
        const FATIGUE = 1 << 2;
        /// Bit 3: dangerous driving behaviour alarm (2019); danger warning (2013).
        const DANGEROUS_DRIVING = 1 << 3;
        /// Bit 4: GNSS module fault.
        const GNSS_FAULT = 1 << 4;
        /// Bit 5: GNSS antenna not connected or cut.
        const GNSS_ANTENNA_DISCONNECTED = 1 << 5;
        /// Bit 6: GNSS antenna short circuit.
        const GNSS_ANTENNA_SHORT = 1 << 6;
        /// Bit 7: main power under-voltage.
        const POWER_UNDERVOLTAGE = 1 << 7;
        /// Bit 8: main power lost.
        const POWER_LOST = 1 << 8;
        /// Bit 9: LCD/display fault.
        const DISPLAY_FAULT = 1 << 9;
        /// Bit 10: TTS module fault.
        const TTS_FAULT = 1 << 10;
        /// Bit 11: camera fault.
        const CAMERA_FAULT = 1 << 11;
        /// Bit 12: road transport certificate IC card module fault.
        const IC_CARD_FAULT = 1 << 12;
        /// Bit 13: overspeed warning.
        const OVERSPEED_WARNING = 1 << 13;
        /// Bit 14: fatigue driving warning.
        const FATIGUE_WARNING = 1 << 14;
        /// Bit 15: violation driving alarm (2019; reserved in 2013).
        const VIOLATION_DRIVING = 1 << 15;
        /// Bit 16: tyre pressure warning (2019; reserved in 2013).
        const TYRE_PRESSURE_WARNING = 1 << 16;
        /// Bit 17: right-turn blind zone alarm (2019; reserved in 2013).
        const RIGHT_TURN_BLIND_ZONE = 1 << 17;
        /// Bit 18: accumulated driving time over the limit today.
        const DAILY_DRIVING_TIME = 1 << 18;
        /// Bit 19: overtime parking.
        const OVERTIME_PARKING = 1 << 19;
        /// Bit 20: entering/leaving an area (cleared after acknowledgement).
        const AREA = 1 << 20;
        /// Bit 21: entering/leaving a route (cleared after acknowledgement).
        const ROUTE = 1 << 21;
        /// Bit 22: road section driving time too short/too long (cleared after acknowledgement).
        const SECTION_DRIVING_TIME = 1 << 22;
        /// Bit 23: route deviation.
        const ROUTE_DEVIATION = 1 << 23;
        /// Bit 24: vehicle VSS fault.
        const VSS_FAULT = 1 << 24;
        /// Bit 25: abnormal fuel level.
        const FUEL_ABNORMAL = 1 << 25;
        /// Bit 26: vehicle stolen (anti-theft device).
        const STOLEN = 1 << 26;
        /// Bit 27: illegal ignition (cleared after acknowledgement).
        const ILLEGAL_IGNITION = 1 << 27;
        /// Bit 28: illegal displacement (cleared after acknowledgement).
        const ILLEGAL_DISPLACEMENT = 1 << 28;
        /// Bit 29: collision/rollover alarm (2019); collision warning (2013).
        const COLLISION = 1 << 29;
        /// Bit 30: rollover warning.
        const ROLLOVER_WARNING = 1 << 30;
        /// Bit 31: illegal door opening (2013, only judged inside a set area; reserved in 2019).
        const ILLEGAL_DOOR_OPENING = 1 << 31;
    }
}

impl AlarmFlags {
    /// The alarms the terminal clears once the platform acknowledges them (with 0x8001); the
    /// others stay set while their condition lasts.
    pub const CLEARED_BY_ACK: AlarmFlags = AlarmFlags::EMERGENCY
        .union(AlarmFlags::AREA)
        .union(AlarmFlags::ROUTE)
        .union(AlarmFlags::SECTION_DRIVING_TIME)
        .union(AlarmFlags::ILLEGAL_IGNITION)
        .union(AlarmFlags::ILLEGAL_DISPLACEMENT)
        .union(AlarmFlags::ILLEGAL_DOOR_OPENING);
}

bitflags::bitflags! {
    /// Status flags (DWORD at offset 4 of a location report). Bits no name covers are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StatusFlags: u32 {
        /// Bit 0: ACC on.
        const ACC_ON = 1 << 0;
        /// Bit 1: positioned (a GNSS fix).
        const POSITIONED = 1 << 1;
        /// Bit 2: south latitude.
        const SOUTH = 1 << 2;
        /// Bit 3: west longitude.
        const WEST = 1 << 3;
        /// Bit 4: out of service (停运).
        const OUT_OF_SERVICE = 1 << 4;
        /// Bit 5: latitude/longitude encrypted by the secrecy plug-in.
        const COORDINATES_ENCRYPTED = 1 << 5;
        /// Bit 6: forward collision warning from the emergency braking system (2019, per
        /// implementations; reserved in 2013).
        const FORWARD_COLLISION_WARNING = 1 << 6;
        /// Bit 7: lane departure warning (2019, per implementations; reserved in 2013).
        const LANE_DEPARTURE_WARNING = 1 << 7;
        /// Bit 8: low bit of the load state (see [`StatusFlags::load`]).
        const LOAD_LOW = 1 << 8;
        /// Bit 9: high bit of the load state (see [`StatusFlags::load`]).
        const LOAD_HIGH = 1 << 9;
        /// Bit 10: fuel circuit cut.
        const FUEL_CUT = 1 << 10;
        /// Bit 11: electric circuit cut.
        const CIRCUIT_CUT = 1 << 11;
        /// Bit 12: doors locked.
        const DOORS_LOCKED = 1 << 12;
        /// Bit 13: door 1 (front) open.
        const DOOR1_OPEN = 1 << 13;
        /// Bit 14: door 2 (middle) open.
        const DOOR2_OPEN = 1 << 14;
        /// Bit 15: door 3 (rear) open.
        const DOOR3_OPEN = 1 << 15;
        /// Bit 16: door 4 (driver's) open.
        const DOOR4_OPEN = 1 << 16;
        /// Bit 17: door 5 (custom) open.
        const DOOR5_OPEN = 1 << 17;
        /// Bit 18: GPS used for positioning.
        const GPS = 1 << 18;
        /// Bit 19: BeiDou used for positioning.
        const BEIDOU = 1 << 19;
        /// Bit 20: GLONASS used for positioning.
        const GLONASS = 1 << 20;
        /// Bit 21: Galileo used for positioning.
        const GALILEO = 1 << 21;
        /// Bit 22: vehicle moving (2019, seen in the EMQX guide and implementations).
        const MOVING = 1 << 22;
    }
}

/// Load state from status bits 8–9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Load {
    /// 00: empty.
    Empty,
    /// 01: half load.
    Half,
    /// 10: reserved.
    Reserved,
    /// 11: full.
    Full,
}

impl StatusFlags {
    /// The load state (bits 8–9).
    pub fn load(self) -> Load {
        match (self.bits() >> 8) & 0b11 {
            0 => Load::Empty,
            1 => Load::Half,
            2 => Load::Reserved,
            _ => Load::Full,
        }
    }

    /// Sets bits 8–9 to `load`.
    pub fn set_load(&mut self, load: Load) {
        let v = match load {
            Load::Empty => 0,
            Load::Half => 1,
            Load::Reserved => 2,
            Load::Full => 3,
        };
        *self = StatusFlags::from_bits_retain((self.bits() & !(0b11 << 8)) | (v << 8));
    }
}

/// How to read the 0x06 compartment temperature WORD; the standard's wording is unclear
/// (standards.md marks it uncertain), so [`LocationItem::CompartmentTemperature`] keeps the raw
/// value and this picks the reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TemperatureFormat {
    /// Top bit is the sign, the other 15 bits the magnitude (the 2019 text's description).
    #[default]
    SignMagnitude,
    /// Two's complement `i16`, as some terminals send.
    TwosComplement,
}

impl TemperatureFormat {
    /// Degrees Celsius from the raw WORD.
    pub fn celsius(self, raw: u16) -> i32 {
        match self {
            TemperatureFormat::SignMagnitude => {
                let m = i32::from(raw & 0x7fff);
                if raw & 0x8000 != 0 {
                    -m
                } else {
                    m
                }
            }
            TemperatureFormat::TwosComplement => i32::from(raw as i16),
        }
    }
}

/// One additional information item of a location report (`id BYTE, len BYTE, value`).
///
/// Items the standard lists are typed when their length is the listed one; anything else
/// (vendor items, 0xE0–0xFF, odd lengths) is [`LocationItem::Raw`] and re-encoded unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LocationItem {
    /// 0x01 odometer, 0.1 km.
    Mileage(u32),
    /// 0x02 fuel, 0.1 L.
    Fuel(u16),
    /// 0x03 speed from the tachograph, 0.1 km/h.
    RecorderSpeed(u16),
    /// 0x04 ID of an alarm event needing manual confirmation (counts from 1).
    ManualAlarmId(u16),
    /// 0x05 tyre pressure (2019), `BYTE[30]`.
    TyrePressure([u8; 30]),
    /// 0x06 compartment temperature (2019), raw WORD; see [`TemperatureFormat`].
    CompartmentTemperature(u16),
    /// 0x11 overspeed alarm extra: location type (0 none, 1 circle, 2 rectangle, 3 polygon,
    /// 4 road section) and the area/section ID (absent when the item is 1 byte long).
    Overspeed {
        /// Location type.
        location_type: u8,
        /// Area or road-section ID.
        area_id: Option<u32>,
    },
    /// 0x12 entering/leaving an area or route.
    AreaAlarm {
        /// Location type (1 circle, 2 rectangle, 3 polygon, 4 route).
        location_type: u8,
        /// Area or route ID.
        area_id: u32,
        /// 0 entering, 1 leaving.
        direction: u8,
    },
    /// 0x13 road section driving time too short/too long.
    SectionTime {
        /// Road section ID.
        section_id: u32,
        /// Driving time on the section, seconds.
        seconds: u16,
        /// 0 too short, 1 too long.
        result: u8,
    },
    /// 0x25 extended vehicle signal status (beams, turn signals, brake, reverse, …).
    VehicleSignals(u32),
    /// 0x2A IO status (bit 0 deep sleep, bit 1 sleep).
    IoStatus(u16),
    /// 0x2B analog inputs (bits 0–15 AD0, bits 16–31 AD1).
    Analog(u32),
    /// 0x30 wireless network signal strength.
    SignalStrength(u8),
    /// 0x31 number of GNSS satellites.
    Satellites(u8),
    /// Any other item, or a listed one with an unexpected length.
    Raw {
        /// Item ID.
        id: u8,
        /// Value bytes as received.
        value: Vec<u8>,
    },
}

impl LocationItem {
    /// The item ID.
    pub fn id(&self) -> u8 {
        match self {
            LocationItem::Mileage(_) => 0x01,
            LocationItem::Fuel(_) => 0x02,
            LocationItem::RecorderSpeed(_) => 0x03,
            LocationItem::ManualAlarmId(_) => 0x04,
            LocationItem::TyrePressure(_) => 0x05,
            LocationItem::CompartmentTemperature(_) => 0x06,
            LocationItem::Overspeed { .. } => 0x11,
            LocationItem::AreaAlarm { .. } => 0x12,
            LocationItem::SectionTime { .. } => 0x13,
            LocationItem::VehicleSignals(_) => 0x25,
            LocationItem::IoStatus(_) => 0x2a,
            LocationItem::Analog(_) => 0x2b,
            LocationItem::SignalStrength(_) => 0x30,
            LocationItem::Satellites(_) => 0x31,
            LocationItem::Raw { id, .. } => *id,
        }
    }

    /// Decodes one item; never fails (an unexpected form is kept raw).
    pub fn from_bytes(id: u8, v: &[u8]) -> LocationItem {
        let be16 = |v: &[u8]| u16::from_be_bytes([v[0], v[1]]);
        let be32 = |v: &[u8]| u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
        match (id, v.len()) {
            (0x01, 4) => LocationItem::Mileage(be32(v)),
            (0x02, 2) => LocationItem::Fuel(be16(v)),
            (0x03, 2) => LocationItem::RecorderSpeed(be16(v)),
            (0x04, 2) => LocationItem::ManualAlarmId(be16(v)),
            (0x05, 30) => {
                let mut a = [0u8; 30];
                a.copy_from_slice(v);
                LocationItem::TyrePressure(a)
            }
            (0x06, 2) => LocationItem::CompartmentTemperature(be16(v)),
            (0x11, 1) => LocationItem::Overspeed {
                location_type: v[0],
                area_id: None,
            },
            (0x11, 5) => LocationItem::Overspeed {
                location_type: v[0],
                area_id: Some(be32(&v[1..])),
            },
            (0x12, 6) => LocationItem::AreaAlarm {
                location_type: v[0],
                area_id: be32(&v[1..]),
                direction: v[5],
            },
            (0x13, 7) => LocationItem::SectionTime {
                section_id: be32(v),
                seconds: be16(&v[4..]),
                result: v[6],
            },
            (0x25, 4) => LocationItem::VehicleSignals(be32(v)),
            (0x2a, 2) => LocationItem::IoStatus(be16(v)),
            (0x2b, 4) => LocationItem::Analog(be32(v)),
            (0x30, 1) => LocationItem::SignalStrength(v[0]),
            (0x31, 1) => LocationItem::Satellites(v[0]),
            _ => LocationItem::Raw {
                id,
                value: v.to_vec(),
            },
        }
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.push(self.id());
        let at = out.len();
        out.push(0);
        match self {
            LocationItem::Mileage(x)
            | LocationItem::VehicleSignals(x)
            | LocationItem::Analog(x) => put_u32(out, *x),
            LocationItem::Fuel(x)
            | LocationItem::RecorderSpeed(x)
            | LocationItem::ManualAlarmId(x)
            | LocationItem::CompartmentTemperature(x)
            | LocationItem::IoStatus(x) => put_u16(out, *x),
            LocationItem::TyrePressure(a) => out.extend_from_slice(a),
            LocationItem::Overspeed {
                location_type,
                area_id,
            } => {
                out.push(*location_type);
                if let Some(id) = area_id {
                    put_u32(out, *id);
                }
            }
            LocationItem::AreaAlarm {
                location_type,
                area_id,
                direction,
            } => {
                out.push(*location_type);
                put_u32(out, *area_id);
                out.push(*direction);
            }
            LocationItem::SectionTime {
                section_id,
                seconds,
                result,
            } => {
                put_u32(out, *section_id);
                put_u16(out, *seconds);
                out.push(*result);
            }
            LocationItem::SignalStrength(x) | LocationItem::Satellites(x) => out.push(*x),
            LocationItem::Raw { value, .. } => out.extend_from_slice(value),
        }
        let n = out.len() - at - 1;
        out[at] = u8::try_from(n).map_err(|_| Error::FieldTooLong {
            field: "location_item",
            len: n,
            max: 255,
        })?;
        Ok(())
    }
}

/// Body of 0x0200 location report: the 28-byte basic block and the additional items.
///
/// Latitude and longitude are stored as on the wire (unsigned millionths of a degree) with
/// the hemisphere in [`StatusFlags::SOUTH`] / [`StatusFlags::WEST`], so every report re-encodes
/// to the same bytes; [`latitude`](Self::latitude) and [`longitude`](Self::longitude) apply the
/// hemisphere (south and west negative).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// Alarm flags.
    pub alarm: AlarmFlags,
    /// Status flags.
    pub status: StatusFlags,
    /// Latitude magnitude, degrees × 10⁶ (hemisphere in `status`).
    pub latitude_e6: u32,
    /// Longitude magnitude, degrees × 10⁶ (hemisphere in `status`).
    pub longitude_e6: u32,
    /// Altitude in metres as sent (unsigned in the text; see [`altitude_signed`](Self::altitude_signed)).
    pub altitude: u16,
    /// Speed, 0.1 km/h.
    pub speed: u16,
    /// Heading 0–359°, 0 = north, clockwise.
    pub direction: u16,
    /// Fix time. The wire carries Beijing time (`YYMMDDhhmmss`, UTC+8, years 2000–2099); it is
    /// returned with offset +08:00. `None` stands for an all-zero field, which terminals without
    /// a fix send.
    pub time: Option<OffsetDateTime>,
    /// Additional items, in the order received.
    pub items: Vec<LocationItem>,
}

impl Location {
    /// Decodes a 0x0200 body (also the location part of 0x0201 and of each 0x0704 item).
    pub fn decode(bytes: &[u8]) -> Result<Location> {
        if bytes.len() < 28 {
            return Err(Error::Truncated {
                field: "location basic block",
            });
        }
        let be32 =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let be16 = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
        let t = [
            bytes[22], bytes[23], bytes[24], bytes[25], bytes[26], bytes[27],
        ];
        let time = if t == [0; 6] {
            None
        } else {
            Some(bcd_time_decode(t, BEIJING, "time")?)
        };
        let mut items = Vec::new();
        let mut rest = &bytes[28..];
        while !rest.is_empty() {
            let [id, len, tail @ ..] = rest else {
                return Err(Error::Truncated {
                    field: "location item header",
                });
            };
            let len = usize::from(*len);
            if tail.len() < len {
                return Err(Error::Truncated {
                    field: "location item value",
                });
            }
            items.push(LocationItem::from_bytes(*id, &tail[..len]));
            rest = &tail[len..];
        }
        Ok(Location {
            alarm: AlarmFlags::from_bits_retain(be32(0)),
            status: StatusFlags::from_bits_retain(be32(4)),
            latitude_e6: be32(8),
            longitude_e6: be32(12),
            altitude: be16(16),
            speed: be16(18),
            direction: be16(20),
            time,
            items,
        })
    }

    /// Appends the body bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        put_u32(out, self.alarm.bits());
        put_u32(out, self.status.bits());
        put_u32(out, self.latitude_e6);
        put_u32(out, self.longitude_e6);
        put_u16(out, self.altitude);
        put_u16(out, self.speed);
        put_u16(out, self.direction);
        match self.time {
            Some(t) => out.extend_from_slice(&bcd_time_encode(t, BEIJING, "time")?),
            None => out.extend_from_slice(&[0; 6]),
        }
        for item in &self.items {
            item.encode(out)?;
        }
        Ok(())
    }

    /// Latitude in millionths of a degree, negative in the south.
    pub fn latitude_e6_signed(&self) -> i64 {
        let m = i64::from(self.latitude_e6);
        if self.status.contains(StatusFlags::SOUTH) {
            -m
        } else {
            m
        }
    }

    /// Longitude in millionths of a degree, negative in the west.
    pub fn longitude_e6_signed(&self) -> i64 {
        let m = i64::from(self.longitude_e6);
        if self.status.contains(StatusFlags::WEST) {
            -m
        } else {
            m
        }
    }

    /// Latitude in degrees, negative in the south.
    pub fn latitude(&self) -> f64 {
        self.latitude_e6_signed() as f64 / 1e6
    }

    /// Longitude in degrees, negative in the west.
    pub fn longitude(&self) -> f64 {
        self.longitude_e6_signed() as f64 / 1e6
    }

    /// Sets latitude and longitude from signed degrees (rounded to 10⁻⁶°), including the
    /// hemisphere bits.
    pub fn set_position(&mut self, latitude: f64, longitude: f64) {
        let to_e6 = |d: f64| (d.abs() * 1e6).round().min(f64::from(u32::MAX)) as u32;
        self.latitude_e6 = to_e6(latitude);
        self.longitude_e6 = to_e6(longitude);
        self.status.set(StatusFlags::SOUTH, latitude < 0.0);
        self.status.set(StatusFlags::WEST, longitude < 0.0);
    }

    /// Whether this report has a usable fix: positioned, or at least non-zero coordinates
    /// (standards.md §1.14 treats `0, 0` without the positioned bit as no fix).
    pub fn has_fix(&self) -> bool {
        self.status.contains(StatusFlags::POSITIONED)
            || self.latitude_e6 != 0
            || self.longitude_e6 != 0
    }

    /// Altitude read as a signed WORD (some terminals send negative altitudes that way).
    pub fn altitude_signed(&self) -> i16 {
        self.altitude as i16
    }

    /// Speed in km/h.
    pub fn speed_kmh(&self) -> f64 {
        f64::from(self.speed) / 10.0
    }

    /// The odometer item (0x01), in 0.1 km.
    pub fn mileage(&self) -> Option<u32> {
        self.items.iter().find_map(|i| match i {
            LocationItem::Mileage(x) => Some(*x),
            _ => None,
        })
    }

    /// The satellite count item (0x31).
    pub fn satellites(&self) -> Option<u8> {
        self.items.iter().find_map(|i| match i {
            LocationItem::Satellites(x) => Some(*x),
            _ => None,
        })
    }

    /// The signal strength item (0x30).
    pub fn signal_strength(&self) -> Option<u8> {
        self.items.iter().find_map(|i| match i {
            LocationItem::SignalStrength(x) => Some(*x),
            _ => None,
        })
    }
}

/// Body of 0x0201, the reply to a 0x8201 location query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocationResponse {
    /// Serial number of the 0x8201 being answered.
    pub serial: u16,
    /// The location.
    pub location: Location,
}

impl LocationResponse {
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let serial = r.u16("serial")?;
        Ok(LocationResponse {
            serial,
            location: Location::decode(r.rest())?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        put_u16(out, self.serial);
        self.location.encode(out)
    }
}

/// Body of 0x0704 batch location upload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BatchLocation {
    /// Data type: 0 normal batch report, 1 blind-area back-fill (盲区补报).
    pub kind: u8,
    /// The reports, in order.
    pub items: Vec<Location>,
}

impl BatchLocation {
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let count = r.u16("count")?;
        let kind = r.u8("kind")?;
        // Each item takes at least 2 + 28 bytes; do not trust `count` for the allocation.
        let mut items = Vec::with_capacity(usize::from(count).min(r.remaining() / 30));
        for _ in 0..count {
            let len = r.u16("item_len")?;
            items.push(Location::decode(r.take(usize::from(len), "item")?)?);
        }
        r.finish()?;
        Ok(BatchLocation { kind, items })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let count = u16::try_from(self.items.len()).map_err(|_| Error::FieldTooLong {
            field: "count",
            len: self.items.len(),
            max: usize::from(u16::MAX),
        })?;
        put_u16(out, count);
        out.push(self.kind);
        for item in &self.items {
            let at = out.len();
            put_u16(out, 0);
            item.encode(out)?;
            let n = out.len() - at - 2;
            let n16 = u16::try_from(n).map_err(|_| Error::FieldTooLong {
                field: "item",
                len: n,
                max: usize::from(u16::MAX),
            })?;
            out[at..at + 2].copy_from_slice(&n16.to_be_bytes());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hemispheres_and_load() {
        let mut l = Location::decode(&[0u8; 28]).unwrap();
        assert_eq!(l.time, None);
        assert!(!l.has_fix());
        l.set_position(-33.8688, -151.2093);
        assert!(l.status.contains(StatusFlags::SOUTH | StatusFlags::WEST));
        assert_eq!(l.latitude_e6, 33_868_800);
        assert_eq!(l.latitude(), -33.8688);
        assert_eq!(l.longitude_e6_signed(), -151_209_300);
        l.status.set_load(Load::Full);
        assert_eq!(l.status.load(), Load::Full);
        assert_eq!(l.status.bits() & 0x300, 0x300);
        l.status.set_load(Load::Half);
        assert_eq!(l.status.load(), Load::Half);
        let mut out = Vec::new();
        l.encode(&mut out).unwrap();
        assert_eq!(Location::decode(&out).unwrap(), l);
    }

    #[test]
    fn items_typed_raw_and_truncated() {
        let mut body = vec![0u8; 28];
        body.extend_from_slice(&[0x01, 0x03, 1, 2, 3]); // mileage with a wrong length → raw
        body.extend_from_slice(&[0x11, 0x01, 0x00]); // overspeed, no area
        body.extend_from_slice(&[0x06, 0x02, 0x80, 0x05]); // -5 °C sign-magnitude
        body.extend_from_slice(&[0xE1, 0x00]); // vendor, empty
        let l = Location::decode(&body).unwrap();
        assert_eq!(
            l.items,
            vec![
                LocationItem::Raw {
                    id: 1,
                    value: vec![1, 2, 3]
                },
                LocationItem::Overspeed {
                    location_type: 0,
                    area_id: None
                },
                LocationItem::CompartmentTemperature(0x8005),
                LocationItem::Raw {
                    id: 0xE1,
                    value: vec![]
                },
            ]
        );
        assert_eq!(TemperatureFormat::SignMagnitude.celsius(0x8005), -5);
        assert_eq!(TemperatureFormat::TwosComplement.celsius(0xfffb), -5);
        let mut out = Vec::new();
        l.encode(&mut out).unwrap();
        assert_eq!(out, body);
        body.push(0x30);
        assert!(matches!(
            Location::decode(&body),
            Err(Error::Truncated { .. })
        ));
        body.push(0x02);
        body.push(0x01);
        assert!(matches!(
            Location::decode(&body),
            Err(Error::Truncated { .. })
        ));
    }

    #[test]
    fn ack_cleared_alarms() {
        assert!(AlarmFlags::CLEARED_BY_ACK.contains(AlarmFlags::EMERGENCY));
        assert!(!AlarmFlags::CLEARED_BY_ACK.contains(AlarmFlags::OVERSPEED));
        assert_eq!(AlarmFlags::CLEARED_BY_ACK.bits().count_ones(), 7);
    }
}
