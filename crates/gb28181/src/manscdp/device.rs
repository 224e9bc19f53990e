//! Keepalive, queries, DeviceInfo, DeviceStatus and Alarm documents.

use super::{
    extras, float, head, invalid, number, parsed, push_opt, required, text, Element, Health, OnOff,
    ParseOptions,
};
use crate::error::{Error, Result};

const HEAD: [&str; 3] = ["CmdType", "SN", "DeviceID"];

fn sn(el: &Element) -> Result<u32> {
    number(el, "SN")?.ok_or(Error::MissingElement("SN"))
}

fn known<'a>(more: &[&'a str]) -> Vec<&'a str> {
    HEAD.iter().copied().chain(more.iter().copied()).collect()
}

/// A query with only the common head (`Catalog`, `DeviceInfo`, `DeviceStatus`), e.g.
/// `<Query><CmdType>Catalog</CmdType><SN>17430</SN><DeviceID>…</DeviceID></Query>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `SN`, echoed by the response.
    pub sn: u32,
    /// `DeviceID`: the device (or platform) asked.
    pub device_id: String,
    /// Further elements (e.g. `StartTime`/`EndTime` of a 2016 catalog query), kept as read.
    pub extra: Vec<Element>,
}

impl Query {
    /// A query with no extra elements.
    pub fn new(sn: u32, device_id: &str) -> Self {
        Query {
            sn,
            device_id: device_id.to_owned(),
            extra: Vec::new(),
        }
    }

    pub(crate) fn from_element(el: &Element) -> Result<Self> {
        Ok(Query {
            sn: sn(el)?,
            device_id: required(el, "DeviceID")?.to_owned(),
            extra: extras(el, &HEAD),
        })
    }

    pub(crate) fn to_element(&self, cmd: &str) -> Element {
        let mut el = head(cmd, self.sn, &self.device_id);
        el.children.extend(self.extra.iter().cloned());
        el
    }
}

/// `<Notify>` `Keepalive` (GB/T 28181-2016 §9.6): sent every 60 s by default; the platform
/// answers `200 OK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keepalive {
    /// `SN`.
    pub sn: u32,
    /// `DeviceID`: the sender.
    pub device_id: String,
    /// `Status`: `OK` or `ERROR`.
    pub status: Health,
    /// `<Info><DeviceID>…</DeviceID></Info>`: faulty sub-devices, if listed.
    pub faulty: Vec<String>,
}

impl Keepalive {
    /// A keepalive with status OK and no faulty list.
    pub fn new(sn: u32, device_id: &str) -> Self {
        Keepalive {
            sn,
            device_id: device_id.to_owned(),
            status: Health::Ok,
            faulty: Vec::new(),
        }
    }

    pub(crate) fn from_element(el: &Element) -> Result<Self> {
        let status = parsed(el, "Status", "OK or ERROR")?.ok_or(Error::MissingElement("Status"))?;
        let faulty = el
            .child("Info")
            .map(|info| {
                info.children_named("DeviceID")
                    .map(|d| d.text.clone())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Keepalive {
            sn: sn(el)?,
            device_id: required(el, "DeviceID")?.to_owned(),
            status,
            faulty,
        })
    }

    pub(crate) fn to_element(&self) -> Element {
        let mut el = head("Keepalive", self.sn, &self.device_id);
        el.children
            .push(Element::leaf("Status", self.status.to_string()));
        if !self.faulty.is_empty() {
            let mut info = Element::new("Info");
            info.children.extend(
                self.faulty
                    .iter()
                    .map(|d| Element::leaf("DeviceID", d.as_str())),
            );
            el.children.push(info);
        }
        el
    }
}

/// `<Response>` `DeviceInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceInfo {
    /// `SN` of the query.
    pub sn: u32,
    /// `DeviceID`.
    pub device_id: String,
    /// `DeviceName`.
    pub device_name: Option<String>,
    /// `Result`: OK or ERROR.
    pub result: Option<Health>,
    /// `DeviceType` (free text in practice, e.g. `IPC`).
    pub device_type: Option<String>,
    /// `Manufacturer`.
    pub manufacturer: Option<String>,
    /// `Model`.
    pub model: Option<String>,
    /// `Firmware`.
    pub firmware: Option<String>,
    /// `Channel`: number of video input channels.
    pub channel: Option<u32>,
    /// Other elements, kept as read.
    pub extra: Vec<Element>,
}

const INFO_FIELDS: [&str; 7] = [
    "DeviceName",
    "Result",
    "DeviceType",
    "Manufacturer",
    "Model",
    "Firmware",
    "Channel",
];

impl DeviceInfo {
    pub(crate) fn from_element(el: &Element) -> Result<Self> {
        Ok(DeviceInfo {
            sn: sn(el)?,
            device_id: required(el, "DeviceID")?.to_owned(),
            device_name: text(el, "DeviceName"),
            result: parsed(el, "Result", "OK or ERROR")?,
            device_type: text(el, "DeviceType"),
            manufacturer: text(el, "Manufacturer"),
            model: text(el, "Model"),
            firmware: text(el, "Firmware"),
            channel: number(el, "Channel")?,
            extra: extras(el, &known(&INFO_FIELDS)),
        })
    }

    pub(crate) fn to_element(&self) -> Element {
        let mut el = head("DeviceInfo", self.sn, &self.device_id);
        push_opt(&mut el, "DeviceName", self.device_name.as_ref());
        push_opt(&mut el, "Result", self.result);
        push_opt(&mut el, "DeviceType", self.device_type.as_ref());
        push_opt(&mut el, "Manufacturer", self.manufacturer.as_ref());
        push_opt(&mut el, "Model", self.model.as_ref());
        push_opt(&mut el, "Firmware", self.firmware.as_ref());
        push_opt(&mut el, "Channel", self.channel);
        el.children.extend(self.extra.iter().cloned());
        el
    }
}

/// One `<Item>` of DeviceStatus `<Alarmstatus>`: an alarm input and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmInputStatus {
    /// `DeviceID` of the alarm input.
    pub device_id: String,
    /// `DutyStatus`: `ONDUTY`, `OFFDUTY` or `ALARM`.
    pub duty_status: String,
}

/// `<Response>` `DeviceStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceStatus {
    /// `SN` of the query.
    pub sn: u32,
    /// `DeviceID`.
    pub device_id: String,
    /// `Result`: OK or ERROR.
    pub result: Option<Health>,
    /// `Online`: written `ONLINE`/`OFFLINE`.
    pub online: Option<OnOff>,
    /// `Status`: OK or ERROR (device working normally).
    pub status: Option<Health>,
    /// `Reason` for an error status.
    pub reason: Option<String>,
    /// `Encode`: ON/OFF.
    pub encode: Option<OnOff>,
    /// `Record`: ON/OFF.
    pub record: Option<OnOff>,
    /// `DeviceTime` as written (`YYYY-MM-DDTHH:MM:SS`).
    pub device_time: Option<String>,
    /// `<Alarmstatus Num="n">` items.
    pub alarm_inputs: Vec<AlarmInputStatus>,
    /// Other elements, kept as read.
    pub extra: Vec<Element>,
}

const STATUS_FIELDS: [&str; 9] = [
    "Result",
    "Online",
    "Status",
    "Reason",
    "Encode",
    "Record",
    "DeviceTime",
    "Alarmstatus",
    "AlarmStatus",
];

impl DeviceStatus {
    pub(crate) fn from_element(el: &Element, opts: &ParseOptions) -> Result<Self> {
        let mut alarm_inputs = Vec::new();
        if let Some(list) = el.child("Alarmstatus").or_else(|| el.child("AlarmStatus")) {
            for item in list.children_named("Item") {
                if alarm_inputs.len() >= opts.max_items {
                    return Err(Error::TooLarge {
                        what: "Alarmstatus items",
                        limit: opts.max_items,
                    });
                }
                alarm_inputs.push(AlarmInputStatus {
                    device_id: required(item, "DeviceID")?.to_owned(),
                    duty_status: text(item, "DutyStatus").unwrap_or_default(),
                });
            }
        }
        Ok(DeviceStatus {
            sn: sn(el)?,
            device_id: required(el, "DeviceID")?.to_owned(),
            result: parsed(el, "Result", "OK or ERROR")?,
            online: parsed(el, "Online", "ONLINE or OFFLINE")?,
            status: parsed(el, "Status", "OK or ERROR")?,
            reason: text(el, "Reason"),
            encode: parsed(el, "Encode", "ON or OFF")?,
            record: parsed(el, "Record", "ON or OFF")?,
            device_time: text(el, "DeviceTime"),
            alarm_inputs,
            extra: extras(el, &known(&STATUS_FIELDS)),
        })
    }

    pub(crate) fn to_element(&self) -> Element {
        let mut el = head("DeviceStatus", self.sn, &self.device_id);
        push_opt(&mut el, "Result", self.result);
        push_opt(
            &mut el,
            "Online",
            self.online
                .map(|o| if o == OnOff::On { "ONLINE" } else { "OFFLINE" }),
        );
        push_opt(&mut el, "Status", self.status);
        push_opt(&mut el, "Reason", self.reason.as_ref());
        push_opt(&mut el, "Encode", self.encode);
        push_opt(&mut el, "Record", self.record);
        push_opt(&mut el, "DeviceTime", self.device_time.as_ref());
        if !self.alarm_inputs.is_empty() {
            let mut list = Element::new("Alarmstatus");
            list.attrs
                .push(("Num".into(), self.alarm_inputs.len().to_string()));
            for a in &self.alarm_inputs {
                let mut item = Element::new("Item");
                item.children
                    .push(Element::leaf("DeviceID", a.device_id.as_str()));
                item.children
                    .push(Element::leaf("DutyStatus", a.duty_status.as_str()));
                list.children.push(item);
            }
            el.children.push(list);
        }
        el.children.extend(self.extra.iter().cloned());
        el
    }
}

/// `<Notify>` `Alarm` (GB/T 28181-2016 A.2.5). The standards notes give no worked alarm, so
/// the fields follow the 2016 annex as implemented by wvp: `AlarmPriority` 1–4 (1 highest),
/// `AlarmMethod` 1 phone, 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other;
/// `Info/AlarmType` and `Info/AlarmTypeParam/EventType` refine it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Alarm {
    /// `SN`.
    pub sn: u32,
    /// `DeviceID`: the alarming device or channel.
    pub device_id: String,
    /// `AlarmPriority` (1–4).
    pub priority: Option<u8>,
    /// `AlarmMethod` (1–7).
    pub method: Option<u8>,
    /// `AlarmTime` as written (`YYYY-MM-DDTHH:MM:SS`, local time).
    pub time: Option<String>,
    /// `AlarmDescription`.
    pub description: Option<String>,
    /// `Longitude`.
    pub longitude: Option<f64>,
    /// `Latitude`.
    pub latitude: Option<f64>,
    /// `Info/AlarmType`.
    pub alarm_type: Option<u32>,
    /// `Info/AlarmTypeParam/EventType`.
    pub event_type: Option<u32>,
    /// Other elements, kept as read.
    pub extra: Vec<Element>,
}

const ALARM_FIELDS: [&str; 7] = [
    "AlarmPriority",
    "AlarmMethod",
    "AlarmTime",
    "AlarmDescription",
    "Longitude",
    "Latitude",
    "Info",
];

impl Alarm {
    pub(crate) fn from_element(el: &Element) -> Result<Self> {
        let info = el.child("Info");
        let alarm_type = match info {
            Some(i) => number(i, "AlarmType")?,
            None => None,
        };
        let event_type = match info.and_then(|i| i.child("AlarmTypeParam")) {
            Some(p) => number(p, "EventType")?,
            None => None,
        };
        let priority: Option<u8> = number(el, "AlarmPriority")?;
        if priority.is_some_and(|p| !(1..=4).contains(&p)) {
            return Err(invalid("AlarmPriority", "must be 1 to 4"));
        }
        Ok(Alarm {
            sn: sn(el)?,
            device_id: required(el, "DeviceID")?.to_owned(),
            priority,
            method: number(el, "AlarmMethod")?,
            time: text(el, "AlarmTime"),
            description: text(el, "AlarmDescription"),
            longitude: float(el, "Longitude")?,
            latitude: float(el, "Latitude")?,
            alarm_type,
            event_type,
            extra: extras(el, &known(&ALARM_FIELDS)),
        })
    }

    pub(crate) fn to_element(&self) -> Element {
        let mut el = head("Alarm", self.sn, &self.device_id);
        push_opt(&mut el, "AlarmPriority", self.priority);
        push_opt(&mut el, "AlarmMethod", self.method);
        push_opt(&mut el, "AlarmTime", self.time.as_ref());
        push_opt(&mut el, "AlarmDescription", self.description.as_ref());
        push_opt(&mut el, "Longitude", self.longitude);
        push_opt(&mut el, "Latitude", self.latitude);
        if self.alarm_type.is_some() || self.event_type.is_some() {
            let mut info = Element::new("Info");
            push_opt(&mut info, "AlarmType", self.alarm_type);
            if let Some(e) = self.event_type {
                let mut p = Element::new("AlarmTypeParam");
                p.children.push(Element::leaf("EventType", e.to_string()));
                info.children.push(p);
            }
            el.children.push(info);
        }
        el.children.extend(self.extra.iter().cloned());
        el
    }
}
