//! Terminal parameters: 0x8103 set, 0x8104 query all, 0x0104 reply.
//!
//! A parameter list is `count BYTE` followed by `id DWORD, length BYTE, value` items. The
//! common parameters of the 2013/2019 tables are typed; a known ID whose value has an
//! unexpected length (or text that is not GBK), and every other ID, is kept as
//! [`Param::Other`] and re-encoded unchanged.

use crate::error::{Error, Result};
use crate::wire::{gbk_decode, gbk_encode, put_u16, put_u32, Reader};

trait ParamValue: Sized {
    fn read(v: &[u8]) -> Option<Self>;
    fn write(&self, out: &mut Vec<u8>) -> Result<()>;
}

impl ParamValue for u32 {
    fn read(v: &[u8]) -> Option<Self> {
        Some(u32::from_be_bytes(v.try_into().ok()?))
    }
    fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        put_u32(out, *self);
        Ok(())
    }
}

impl ParamValue for u16 {
    fn read(v: &[u8]) -> Option<Self> {
        Some(u16::from_be_bytes(v.try_into().ok()?))
    }
    fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        put_u16(out, *self);
        Ok(())
    }
}

impl ParamValue for u8 {
    fn read(v: &[u8]) -> Option<Self> {
        match v {
            [b] => Some(*b),
            _ => None,
        }
    }
    fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        out.push(*self);
        Ok(())
    }
}

impl ParamValue for String {
    fn read(v: &[u8]) -> Option<Self> {
        gbk_decode(v, "param").ok()
    }
    fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        gbk_encode(self, "param", out)
    }
}

macro_rules! params {
    ($( $(#[$doc:meta])* $name:ident = $id:literal : $ty:ty, )*) => {
        /// One terminal parameter.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Param {
            $( $(#[$doc])* $name($ty), )*
            /// Any other parameter, or a known one whose value did not have the expected form.
            Other {
                /// Parameter ID.
                id: u32,
                /// Value bytes as received.
                value: Vec<u8>,
            },
        }

        impl Param {
            /// The parameter ID.
            pub fn id(&self) -> u32 {
                match self {
                    $( Param::$name(_) => $id, )*
                    Param::Other { id, .. } => *id,
                }
            }

            fn from_wire(id: u32, value: &[u8]) -> Param {
                match id {
                    $( $id => {
                        if let Some(v) = <$ty as ParamValue>::read(value) {
                            return Param::$name(v);
                        }
                    } )*
                    _ => {}
                }
                Param::Other { id, value: value.to_vec() }
            }

            fn write_value(&self, out: &mut Vec<u8>) -> Result<()> {
                match self {
                    $( Param::$name(v) => v.write(out), )*
                    Param::Other { value, .. } => {
                        out.extend_from_slice(value);
                        Ok(())
                    }
                }
            }
        }
    };
}

params! {
    /// 0x0001 heartbeat interval, seconds.
    HeartbeatInterval = 0x0001: u32,
    /// 0x0002 TCP response timeout, seconds.
    TcpResponseTimeout = 0x0002: u32,
    /// 0x0003 TCP retransmission count.
    TcpRetransmissions = 0x0003: u32,
    /// 0x0004 UDP response timeout, seconds.
    UdpResponseTimeout = 0x0004: u32,
    /// 0x0005 UDP retransmission count.
    UdpRetransmissions = 0x0005: u32,
    /// 0x0006 SMS response timeout, seconds.
    SmsResponseTimeout = 0x0006: u32,
    /// 0x0007 SMS retransmission count.
    SmsRetransmissions = 0x0007: u32,
    /// 0x0010 main server APN.
    MainServerApn = 0x0010: String,
    /// 0x0011 main server dial-up user name.
    MainServerUser = 0x0011: String,
    /// 0x0012 main server dial-up password.
    MainServerPassword = 0x0012: String,
    /// 0x0013 main server address (IP or domain; 2019 may append `:port`).
    MainServerAddress = 0x0013: String,
    /// 0x0014 backup server APN.
    BackupServerApn = 0x0014: String,
    /// 0x0015 backup server dial-up user name.
    BackupServerUser = 0x0015: String,
    /// 0x0016 backup server dial-up password.
    BackupServerPassword = 0x0016: String,
    /// 0x0017 backup server address.
    BackupServerAddress = 0x0017: String,
    /// 0x0018 server TCP port (2013).
    ServerTcpPort = 0x0018: u32,
    /// 0x0019 server UDP port (2013).
    ServerUdpPort = 0x0019: u32,
    /// 0x0020 location report strategy: 0 timed, 1 by distance, 2 both.
    ReportStrategy = 0x0020: u32,
    /// 0x0021 location report scheme: 0 by ACC state, 1 by login state then ACC.
    ReportScheme = 0x0021: u32,
    /// 0x0022 report interval while no driver is logged in, seconds.
    DriverAbsentInterval = 0x0022: u32,
    /// 0x0027 report interval while sleeping, seconds.
    SleepInterval = 0x0027: u32,
    /// 0x0028 report interval during an emergency alarm, seconds.
    EmergencyInterval = 0x0028: u32,
    /// 0x0029 default report interval, seconds.
    DefaultInterval = 0x0029: u32,
    /// 0x002C default report distance, metres.
    DefaultDistance = 0x002C: u32,
    /// 0x002D report distance while no driver is logged in, metres.
    DriverAbsentDistance = 0x002D: u32,
    /// 0x002E report distance while sleeping, metres.
    SleepDistance = 0x002E: u32,
    /// 0x002F report distance during an emergency alarm, metres.
    EmergencyDistance = 0x002F: u32,
    /// 0x0030 turn angle that triggers an extra report, degrees (< 180).
    TurnAngle = 0x0030: u32,
    /// 0x0031 electronic fence radius (illegal displacement threshold), metres.
    FenceRadius = 0x0031: u16,
    /// 0x0040 platform phone number.
    PlatformPhone = 0x0040: String,
    /// 0x0041 phone number that resets the terminal.
    ResetPhone = 0x0041: String,
    /// 0x0042 phone number that restores factory settings.
    FactoryResetPhone = 0x0042: String,
    /// 0x0043 platform SMS number.
    PlatformSmsPhone = 0x0043: String,
    /// 0x0044 SMS number for text alarms.
    AlarmSmsPhone = 0x0044: String,
    /// 0x0045 answering strategy: 0 auto answer, 1 auto answer with ACC on.
    AnswerStrategy = 0x0045: u32,
    /// 0x0046 longest call, seconds.
    MaxCallDuration = 0x0046: u32,
    /// 0x0047 longest call time per month, seconds.
    MonthlyCallLimit = 0x0047: u32,
    /// 0x0048 monitoring phone number.
    MonitorPhone = 0x0048: String,
    /// 0x0049 platform privileged SMS number.
    PrivilegedSmsPhone = 0x0049: String,
    /// 0x0050 alarm mask (bits as in the 0x0200 alarm flags).
    AlarmMask = 0x0050: u32,
    /// 0x0051 alarms that send an SMS.
    AlarmSmsSwitch = 0x0051: u32,
    /// 0x0052 alarms that take a photo.
    AlarmPhotoSwitch = 0x0052: u32,
    /// 0x0053 alarms whose photos are stored.
    AlarmPhotoStore = 0x0053: u32,
    /// 0x0054 key alarms.
    KeyAlarms = 0x0054: u32,
    /// 0x0055 maximum speed, km/h.
    MaxSpeed = 0x0055: u32,
    /// 0x0056 overspeed duration before alarming, seconds.
    OverspeedDuration = 0x0056: u32,
    /// 0x0057 continuous driving limit, seconds.
    ContinuousDrivingLimit = 0x0057: u32,
    /// 0x0058 driving limit per day, seconds.
    DailyDrivingLimit = 0x0058: u32,
    /// 0x0059 minimum rest, seconds.
    MinimumRest = 0x0059: u32,
    /// 0x005A longest parking, seconds.
    MaximumParking = 0x005A: u32,
    /// 0x005B overspeed warning margin, 0.1 km/h.
    OverspeedWarningMargin = 0x005B: u16,
    /// 0x005C fatigue warning margin, seconds.
    FatigueWarningMargin = 0x005C: u16,
    /// 0x0080 odometer reading, 0.1 km.
    Odometer = 0x0080: u32,
    /// 0x0081 province ID of the vehicle.
    Province = 0x0081: u16,
    /// 0x0082 city ID of the vehicle.
    City = 0x0082: u16,
    /// 0x0083 plate number (GBK).
    PlateNumber = 0x0083: String,
    /// 0x0084 plate colour (JT/T 697.7).
    PlateColor = 0x0084: u8,
}

impl Param {
    /// Decodes `value` as parameter `id`: typed when the ID is known and the value has its
    /// form, [`Param::Other`] otherwise.
    pub fn from_bytes(id: u32, value: &[u8]) -> Param {
        Param::from_wire(id, value)
    }
}

/// Reads `count BYTE` + that many items and requires the body to end there.
fn decode_items(r: &mut Reader<'_>) -> Result<Vec<Param>> {
    let count = r.u8("param_count")?;
    let mut out = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let id = r.u32("param_id")?;
        let len = r.u8("param_len")?;
        let v = r.take(usize::from(len), "param_value")?;
        out.push(Param::from_wire(id, v));
    }
    r.finish()?;
    Ok(out)
}

pub(crate) fn decode_set(bytes: &[u8]) -> Result<Vec<Param>> {
    decode_items(&mut Reader::new(bytes))
}

pub(crate) fn encode_list(params: &[Param], out: &mut Vec<u8>) -> Result<()> {
    let count = u8::try_from(params.len()).map_err(|_| Error::FieldTooLong {
        field: "param_count",
        len: params.len(),
        max: 255,
    })?;
    out.push(count);
    for p in params {
        put_u32(out, p.id());
        let at = out.len();
        out.push(0);
        p.write_value(out)?;
        let n = out.len() - at - 1;
        out[at] = u8::try_from(n).map_err(|_| Error::FieldTooLong {
            field: "param_value",
            len: n,
            max: 255,
        })?;
    }
    Ok(())
}

/// Body of 0x0104, the reply to 0x8104 (or 0x8106).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParamsResponse {
    /// Serial number of the query being answered.
    pub serial: u16,
    /// The parameters.
    pub params: Vec<Param>,
}

impl ParamsResponse {
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let serial = r.u16("serial")?;
        Ok(ParamsResponse {
            serial,
            params: decode_items(&mut r)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        put_u16(out, self.serial);
        encode_list(&self.params, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_and_raw_params_round_trip() {
        let list = vec![
            Param::HeartbeatInterval(30),
            Param::MainServerAddress("jt.example.cn".into()),
            Param::FenceRadius(200),
            Param::PlateNumber("浙A12345".into()),
            Param::PlateColor(2),
            Param::Other {
                id: 0xF001,
                value: vec![1, 2, 3],
            },
        ];
        let mut out = Vec::new();
        encode_list(&list, &mut out).unwrap();
        assert_eq!(out[0], 6);
        assert_eq!(&out[1..10], [0, 0, 0, 1, 4, 0, 0, 0, 30]);
        assert_eq!(decode_set(&out).unwrap(), list);
        // A known ID with the wrong width stays raw.
        assert_eq!(
            Param::from_bytes(0x0001, &[1, 2]),
            Param::Other {
                id: 1,
                value: vec![1, 2]
            }
        );
        // The count must match the items.
        out[0] = 7;
        assert!(matches!(decode_set(&out), Err(Error::Truncated { .. })));
        out[0] = 5;
        assert!(matches!(decode_set(&out), Err(Error::TrailingBytes { .. })));
    }
}
