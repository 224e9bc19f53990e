//! AQI levels, categories and colours (the same table in both editions).

use std::fmt;

use super::Edition;

/// An AQI level (级别), I (一级) to VI (六级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// 一级, 优, AQI 0–50 (2026 writes 1–50).
    I,
    /// 二级, 良, AQI 51–100.
    II,
    /// 三级, 轻度污染, AQI 101–150.
    III,
    /// 四级, 中度污染, AQI 151–200.
    IV,
    /// 五级, 重度污染, AQI 201–300.
    V,
    /// 六级, 严重污染, AQI above 300.
    VI,
}

/// A level's colour as the standard specifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Colour {
    /// Chinese name, e.g. `绿`.
    pub name_zh: &'static str,
    /// English name, e.g. `green`.
    pub name_en: &'static str,
    /// Red, green, blue.
    pub rgb: [u8; 3],
    /// Cyan, magenta, yellow, black in percent.
    pub cmyk: [u8; 4],
}

impl Colour {
    /// `#RRGGBB` in upper case, e.g. `#00E400`.
    pub fn hex(&self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.rgb[0], self.rgb[1], self.rgb[2])
    }
}

impl Level {
    /// All six, best first.
    pub const ALL: [Level; 6] = [
        Level::I,
        Level::II,
        Level::III,
        Level::IV,
        Level::V,
        Level::VI,
    ];

    /// The level of an AQI. AQI 0 (possible only when every concentration is 0) is level I in
    /// both editions, although the 2026 table writes the range as 1–50.
    pub fn from_aqi(aqi: u16) -> Level {
        match aqi {
            0..=50 => Level::I,
            51..=100 => Level::II,
            101..=150 => Level::III,
            151..=200 => Level::IV,
            201..=300 => Level::V,
            _ => Level::VI,
        }
    }

    /// The AQI range, inclusive; `None` as the upper bound for level VI (>300).
    pub fn aqi_range(self, edition: Edition) -> (u16, Option<u16>) {
        match self {
            Level::I if edition == Edition::Hj633_2026 => (1, Some(50)),
            Level::I => (0, Some(50)),
            Level::II => (51, Some(100)),
            Level::III => (101, Some(150)),
            Level::IV => (151, Some(200)),
            Level::V => (201, Some(300)),
            Level::VI => (301, None),
        }
    }

    /// 1 to 6.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// `一级` … `六级`.
    pub fn name_zh(self) -> &'static str {
        ["一级", "二级", "三级", "四级", "五级", "六级"][self as usize]
    }

    /// The category (类别) in Chinese: `优`, `良`, `轻度污染`, `中度污染`, `重度污染`, `严重污染`.
    pub fn category_zh(self) -> &'static str {
        ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"][self as usize]
    }

    /// The category in English.
    pub fn category_en(self) -> &'static str {
        [
            "Excellent",
            "Good",
            "Lightly polluted",
            "Moderately polluted",
            "Heavily polluted",
            "Severely polluted",
        ][self as usize]
    }

    /// The colour: green, yellow, orange, red, purple, maroon.
    pub fn colour(self) -> Colour {
        const C: [Colour; 6] = [
            Colour {
                name_zh: "绿",
                name_en: "green",
                rgb: [0, 228, 0],
                cmyk: [40, 0, 100, 0],
            },
            Colour {
                name_zh: "黄",
                name_en: "yellow",
                rgb: [255, 255, 0],
                cmyk: [0, 0, 100, 0],
            },
            Colour {
                name_zh: "橙",
                name_en: "orange",
                rgb: [255, 126, 0],
                cmyk: [0, 52, 100, 0],
            },
            Colour {
                name_zh: "红",
                name_en: "red",
                rgb: [255, 0, 0],
                cmyk: [0, 100, 100, 0],
            },
            Colour {
                name_zh: "紫",
                name_en: "purple",
                rgb: [153, 0, 76],
                cmyk: [10, 100, 40, 30],
            },
            Colour {
                name_zh: "褐红",
                name_en: "maroon",
                rgb: [126, 0, 35],
                cmyk: [30, 100, 100, 30],
            },
        ];
        C[self as usize]
    }

    /// Health effects and advice, paraphrased in English.
    pub fn health_advice(self) -> &'static str {
        [
            "Air quality is satisfactory; everyone can be active outdoors.",
            "Air quality is acceptable; a very few unusually sensitive people should reduce outdoor activity.",
            "Sensitive people have mild symptoms; children, the elderly and people with heart or respiratory disease should reduce long or strenuous outdoor exercise.",
            "Children, the elderly and people with heart or respiratory disease should avoid long or strenuous outdoor exercise; everyone else should reduce outdoor activity somewhat.",
            "Children, the elderly and people with heart or respiratory disease should stay indoors and stop outdoor exercise; everyone else should reduce outdoor activity.",
            "Children, the elderly and the sick should stay indoors and avoid exertion; everyone else should avoid outdoor activity.",
        ][self as usize]
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_zh())
    }
}
