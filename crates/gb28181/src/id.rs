//! The 20-digit GB/T 28181 identifier (编码规则A): `CCCCCCCC II TTT N SSSSSS`.
//!
//! [`DeviceId`] keeps the 20 ASCII digits and hands out the parts: centre code (province,
//! city, county, base unit), industry code, type code, network identifier and serial.
//! Parsing ([`DeviceId::parse`], [`FromStr`]) checks the *form* only — exactly 20 ASCII digits —
//! because that is what every device on the wire is held to, and a platform must still be able
//! to name a device whose code is odd. [`DeviceId::validate`] adds the range checks
//! (known province, centre-code hierarchy, known type-code range) for places that want them,
//! such as admitting a new device or building IDs of our own ([`DeviceId::new`] validates).

use std::fmt;
use std::str::FromStr;

use crate::error::{clip, Error, Result};

/// A 20-digit GB/T 28181 identifier, e.g. `34020000001320000001`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId([u8; 20]);

/// GB/T 2260 province-level codes (the first two digits of a centre code).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

fn id_err(id: &str, reason: impl Into<String>) -> Error {
    Error::DeviceId {
        id: clip(id, 40),
        reason: reason.into(),
    }
}

impl DeviceId {
    /// Reads an identifier: exactly 20 ASCII digits, nothing else (no trimming).
    ///
    /// ```
    /// use zhicheng_gb28181::DeviceId;
    /// let id = DeviceId::parse("34020000001320000001").unwrap();
    /// assert_eq!(id.type_code(), 132);
    /// assert!(DeviceId::parse("3402000000132000000").is_err()); // 19 digits
    /// ```
    pub fn parse(s: &str) -> Result<Self> {
        let b = s.as_bytes();
        if b.len() != 20 {
            return Err(id_err(
                s,
                format!("{} characters, expected 20 digits", s.chars().count()),
            ));
        }
        if let Some(pos) = b.iter().position(|c| !c.is_ascii_digit()) {
            return Err(id_err(s, format!("character {} is not a digit", pos + 1)));
        }
        let mut out = [0u8; 20];
        out.copy_from_slice(b);
        Ok(DeviceId(out))
    }

    /// Builds an identifier from its parts and [validates](Self::validate) it.
    ///
    /// `centre` is the 8-digit centre code; `industry` 0–99; `type_code` 0–999; `network`
    /// 0–9; `serial` 0–999 999.
    ///
    /// ```
    /// use zhicheng_gb28181::DeviceId;
    /// let id = DeviceId::new("34020000", 0, 200, 0, 1).unwrap();
    /// assert_eq!(id.to_string(), "34020000002000000001");
    /// ```
    pub fn new(
        centre: &str,
        industry: u8,
        type_code: u16,
        network: u8,
        serial: u32,
    ) -> Result<Self> {
        if centre.len() != 8 || !centre.bytes().all(|c| c.is_ascii_digit()) {
            return Err(id_err(centre, "centre code must be 8 digits"));
        }
        if industry > 99 || type_code > 999 || network > 9 || serial > 999_999 {
            return Err(id_err(
                &format!("{centre}/{industry}/{type_code}/{network}/{serial}"),
                "a part is out of range (industry 0-99, type 0-999, network 0-9, serial 0-999999)",
            ));
        }
        let id = Self::parse(&format!(
            "{centre}{industry:02}{type_code:03}{network}{serial:06}"
        ))?;
        id.validate()?;
        Ok(id)
    }

    /// Checks the ranges this crate knows:
    ///
    /// * the province (digits 1–2) is a GB/T 2260 province-level code (11–15, 21–23, 31–37,
    ///   41–46, 50–54, 61–65, 71, 81, 82);
    /// * the centre code is a hierarchy: once a level (city, county, base unit) is `00`, the
    ///   levels below it are `00` too ("fill unused trailing positions with 0");
    /// * the type code (digits 11–13) is in 111–599: front-end devices 111–199, platform
    ///   devices 200–299, centre users 300–399, terminal users 400–499, the 2022 application
    ///   platforms 500–599. 000–110 and 600–999 are not assigned in 2016 or 2022.
    ///
    /// Industry (00–99) and network identifier (0–9) use every value, so any digit passes.
    pub fn validate(&self) -> Result<()> {
        let province = self.two(0);
        if !PROVINCES.contains(&province) {
            return Err(id_err(
                self.as_str(),
                format!("province code {province:02} is not in GB/T 2260"),
            ));
        }
        let levels = [self.two(2), self.two(4), self.two(6)];
        if let Some(zero) = levels.iter().position(|&l| l == 0) {
            if levels[zero..].iter().any(|&l| l != 0) {
                return Err(id_err(
                    self.as_str(),
                    "centre code has a non-zero level below a zero level",
                ));
            }
        }
        let t = self.type_code();
        if !(111..=599).contains(&t) {
            return Err(id_err(
                self.as_str(),
                format!("type code {t:03} is not assigned (111-599)"),
            ));
        }
        Ok(())
    }

    fn two(&self, at: usize) -> u8 {
        (self.0[at] - b'0') * 10 + (self.0[at + 1] - b'0')
    }

    fn digits(&self, from: usize, len: usize) -> u32 {
        self.0[from..from + len]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    }

    /// The 20 digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 8-digit centre code (中心编码), digits 1–8, e.g. `34020000`.
    pub fn centre_code(&self) -> &str {
        &self.as_str()[..8]
    }

    /// The province code, digits 1–2.
    pub fn province_code(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The city code with its province, digits 1–4 (`3402`); ends in `00` for a
    /// province-level centre.
    pub fn city_code(&self) -> &str {
        &self.as_str()[..4]
    }

    /// The district/county code with province and city, digits 1–6 (`340200`).
    pub fn county_code(&self) -> &str {
        &self.as_str()[..6]
    }

    /// The SIP domain/realm by convention: the first 10 digits (`3402000000`).
    pub fn domain(&self) -> &str {
        &self.as_str()[..10]
    }

    /// The industry code (行业编码), digits 9–10.
    pub fn industry_code(&self) -> u8 {
        self.two(8)
    }

    /// The broad industry the industry code belongs to.
    pub fn industry(&self) -> Industry {
        Industry::from_code(self.industry_code())
    }

    /// The type code (类型编码), digits 11–13, e.g. 132 for an IPC.
    pub fn type_code(&self) -> u16 {
        self.digits(10, 3) as u16
    }

    /// The type code decoded against the 2016 + 2022 table.
    pub fn device_type(&self) -> DeviceType {
        DeviceType::from_code(self.type_code())
    }

    /// What kind of node the type code says this is (device, platform, group…).
    pub fn class(&self) -> IdClass {
        IdClass::from_type_code(self.type_code())
    }

    /// The network identifier (网络标识), digit 14.
    pub fn network_code(&self) -> u8 {
        self.0[13] - b'0'
    }

    /// The network identifier read with the 2022 meanings (see [`Network`]).
    pub fn network(&self) -> Network {
        Network::from_code(self.network_code())
    }

    /// The serial number (序号), digits 15–20.
    pub fn serial(&self) -> u32 {
        self.digits(14, 6)
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.as_str())
    }
}

impl FromStr for DeviceId {
    type Err = Error;
    /// Same as [`DeviceId::parse`]: form only.
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl AsRef<str> for DeviceId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// What the type code says a node is, for walking catalog trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdClass {
    /// Front-end equipment, type 111–199 (DVR, NVR, cameras, alarm inputs…).
    Device,
    /// Platform equipment, type 200–299 except 215/216 (SIP server, media server…).
    Platform,
    /// A business group (业务分组), type 215.
    BusinessGroup,
    /// A virtual organisation (虚拟组织), type 216.
    VirtualOrganisation,
    /// A centre user (300–399) or terminal user (400–499).
    User,
    /// A 2022 application platform or analysis system, type 500–599.
    Application,
    /// A type code outside the assigned ranges.
    Unassigned,
}

impl IdClass {
    /// Classifies a three-digit type code.
    pub fn from_type_code(code: u16) -> Self {
        match code {
            215 => IdClass::BusinessGroup,
            216 => IdClass::VirtualOrganisation,
            111..=199 => IdClass::Device,
            200..=299 => IdClass::Platform,
            300..=499 => IdClass::User,
            500..=599 => IdClass::Application,
            _ => IdClass::Unassigned,
        }
    }
}

/// The broad industry of digits 9–10. The fine codes inside 12–39 and 40–79 differ between
/// the 2016 and 2022 lists, so only the ranges are decoded; [`DeviceId::industry_code`] gives
/// the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Industry {
    /// 00–03: public-security (road surface, community, internal, other).
    PublicSecurity,
    /// 04–07: traffic (road surface, checkpoint, internal, other).
    Traffic,
    /// 08: city management.
    CityManagement,
    /// 09: health and environmental protection.
    HealthEnvironment,
    /// 10: commodity inspection and customs.
    InspectionCustoms,
    /// 11: education.
    Education,
    /// 12–39: other government bodies (2022: 12 civil aviation, 13 railway, 14 shipping).
    Government,
    /// 40–79: enterprises and institutions (the fine list is version-dependent).
    Enterprise,
    /// 80–89: residents' own installations.
    Resident,
    /// 90–99: other entities.
    Other,
}

impl Industry {
    /// Classifies a two-digit industry code (values above 99 count as [`Industry::Other`]).
    pub fn from_code(code: u8) -> Self {
        match code {
            0..=3 => Industry::PublicSecurity,
            4..=7 => Industry::Traffic,
            8 => Industry::CityManagement,
            9 => Industry::HealthEnvironment,
            10 => Industry::InspectionCustoms,
            11 => Industry::Education,
            12..=39 => Industry::Government,
            40..=79 => Industry::Enterprise,
            80..=89 => Industry::Resident,
            _ => Industry::Other,
        }
    }
}

/// The network identifier (digit 14) with its GB/T 28181-2022 meanings.
///
/// The 2016 text is only known from memory (0–4 private monitoring networks, 5 public-security
/// information network, 6 government, 7 Internet, 8 social resources, 9 reserved), so the
/// 2022 list, which agrees on 5–7, is the one decoded; [`DeviceId::network_code`] gives the
/// digit for anyone who needs the 2016 reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// 0 and 1: public-security video transmission network.
    VideoTransmission,
    /// 2: industry private network.
    IndustryPrivate,
    /// 3: political-legal information network.
    PoliticalLegal,
    /// 4: public-security mobile information network.
    PublicSecurityMobile,
    /// 5: public-security information network.
    PublicSecurityInformation,
    /// 6: e-government extranet.
    Government,
    /// 7: Internet and other public networks.
    Internet,
    /// 8: dedicated line.
    DedicatedLine,
    /// 9: reserved.
    Reserved,
}

impl Network {
    /// Decodes a digit; anything above 8 is [`Network::Reserved`].
    pub fn from_code(code: u8) -> Self {
        match code {
            0 | 1 => Network::VideoTransmission,
            2 => Network::IndustryPrivate,
            3 => Network::PoliticalLegal,
            4 => Network::PublicSecurityMobile,
            5 => Network::PublicSecurityInformation,
            6 => Network::Government,
            7 => Network::Internet,
            8 => Network::DedicatedLine,
            _ => Network::Reserved,
        }
    }
}

macro_rules! device_types {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $label:literal;)*) => {
        /// The type code (digits 11–13) against the GB/T 28181-2016 + 2022 table (wvp's
        /// `DeviceTypeEnum`, plus 202 media distribution server). Codes not in the table are
        /// kept in [`DeviceType::Other`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum DeviceType {
            $($(#[$doc])* $name,)*
            /// A code not in the table (extension ranges such as 144–199, or unassigned).
            Other(u16),
        }

        impl DeviceType {
            /// Decodes a three-digit type code.
            pub fn from_code(code: u16) -> Self {
                match code {
                    $($code => DeviceType::$name,)*
                    other => DeviceType::Other(other),
                }
            }

            /// The three-digit type code.
            pub fn code(self) -> u16 {
                match self {
                    $(DeviceType::$name => $code,)*
                    DeviceType::Other(c) => c,
                }
            }

            /// A short English label for logs and UIs.
            pub fn label(self) -> &'static str {
                match self {
                    $(DeviceType::$name => $label,)*
                    DeviceType::Other(_) => "other",
                }
            }
        }
    };
}

device_types! {
    /// 111 DVR.
    Dvr = 111, "DVR";
    /// 112 video server.
    VideoServer = 112, "video server";
    /// 113 encoder.
    Encoder = 113, "encoder";
    /// 114 decoder.
    Decoder = 114, "decoder";
    /// 115 video switching matrix.
    VideoMatrix = 115, "video switching matrix";
    /// 116 audio switching matrix.
    AudioMatrix = 116, "audio switching matrix";
    /// 117 alarm controller.
    AlarmController = 117, "alarm controller";
    /// 118 NVR.
    Nvr = 118, "NVR";
    /// 120 online video image collection system (2022).
    VideoImageCollection = 120, "video image collection system";
    /// 121 video checkpoint (2022).
    VideoCheckpoint = 121, "video checkpoint";
    /// 122 multi-lens device (2022).
    MultiLens = 122, "multi-lens device";
    /// 123 parking-lot entrance control (2022).
    ParkingEntrance = 123, "parking entrance control";
    /// 124 pedestrian access control (2022).
    PedestrianAccess = 124, "pedestrian access control";
    /// 125 security-check device (2022).
    SecurityCheck = 125, "security-check device";
    /// 130 HVR.
    Hvr = 130, "HVR";
    /// 131 camera (a channel).
    Camera = 131, "camera";
    /// 132 network camera (IPC).
    Ipc = 132, "IPC";
    /// 133 display.
    Display = 133, "display";
    /// 134 alarm input device (IR, smoke, door).
    AlarmInput = 134, "alarm input";
    /// 135 alarm output device (lamp, bell).
    AlarmOutput = 135, "alarm output";
    /// 136 audio input.
    AudioInput = 136, "audio input";
    /// 137 audio output.
    AudioOutput = 137, "audio output";
    /// 138 mobile transmission device.
    MobileTransmission = 138, "mobile transmission device";
    /// 139 other peripheral.
    OtherPeripheral = 139, "other peripheral";
    /// 140 alarm output driven by relay/trigger (2022).
    RelayAlarmOutput = 140, "relay alarm output";
    /// 141 barrier gate (2022).
    BarrierGate = 141, "barrier gate";
    /// 142 smart door (2022).
    SmartDoor = 142, "smart door";
    /// 143 credential reader (2022).
    CredentialReader = 143, "credential reader";
    /// 200 central signalling control server (SIP server / platform).
    SipServer = 200, "SIP server";
    /// 201 web application server.
    WebServer = 201, "web application server";
    /// 202 media distribution server.
    MediaServer = 202, "media distribution server";
    /// 203 proxy server.
    ProxyServer = 203, "proxy server";
    /// 204 security server.
    SecurityServer = 204, "security server";
    /// 205 alarm server.
    AlarmServer = 205, "alarm server";
    /// 206 database server.
    DatabaseServer = 206, "database server";
    /// 207 GIS server.
    GisServer = 207, "GIS server";
    /// 208 management server.
    ManagementServer = 208, "management server";
    /// 209 access gateway.
    AccessGateway = 209, "access gateway";
    /// 210 media storage server.
    MediaStorage = 210, "media storage server";
    /// 211 signalling security routing gateway.
    SignallingGateway = 211, "signalling security routing gateway";
    /// 215 business group (业务分组).
    BusinessGroup = 215, "business group";
    /// 216 virtual organisation (虚拟组织).
    VirtualOrganisation = 216, "virtual organisation";
    /// 300 centre user.
    CentreUser = 300, "centre user";
    /// 400 terminal user.
    TerminalUser = 400, "terminal user";
    /// 500 video image integrated application platform (2022).
    ApplicationPlatform = 500, "video application platform";
    /// 501 operations and maintenance platform (2022).
    OperationsPlatform = 501, "operations platform";
    /// 502 video analysis system (2022).
    AnalysisSystem = 502, "video analysis system";
    /// 503 video image database (2022).
    ImageDatabase = 503, "video image database";
    /// 505 video analysis device (2022).
    AnalysisDevice = 505, "video analysis device";
}
