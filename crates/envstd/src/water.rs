//! Surface water quality classes by GB 3838-2002 (地表水环境质量标准), single-factor method:
//! each parameter's class is the best class whose limit it meets, the site's class is the worst
//! of them, and worse than class V is 劣V.
//!
//! ```
//! use zhicheng_envstd::water::{assess, Parameter, WaterBody, WaterClass, WaterRules, WaterSample};
//! use zhicheng_envstd::Decimal;
//! let mut s = WaterSample::new(WaterBody::River);
//! s.set(Parameter::DissolvedOxygen, "6.5".parse().unwrap());
//! s.set(Parameter::AmmoniaNitrogen, "1.2".parse().unwrap());
//! s.set(Parameter::TotalPhosphorus, "0.1".parse().unwrap());
//! let a = assess(&s, &WaterRules::default());
//! assert_eq!(a.overall, Some(WaterClass::IV)); // NH3-N 1.2 > 1.0 (III) → IV
//! let over: Vec<_> = a.exceeding(WaterClass::III).iter().map(|p| p.parameter).collect();
//! assert_eq!(over, vec![Parameter::AmmoniaNitrogen]);
//! ```

use std::fmt;

use crate::Decimal;

/// A water quality class, I (best) to V, and 劣V beyond V.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WaterClass {
    /// Class I.
    I,
    /// Class II.
    II,
    /// Class III.
    III,
    /// Class IV.
    IV,
    /// Class V.
    V,
    /// 劣V: worse than class V.
    WorseThanV,
}

impl WaterClass {
    /// The five classes with limits, best first.
    pub const LIMITED: [WaterClass; 5] = [
        WaterClass::I,
        WaterClass::II,
        WaterClass::III,
        WaterClass::IV,
        WaterClass::V,
    ];

    /// `I`, `II`, `III`, `IV`, `V`, `劣V`.
    pub fn label(self) -> &'static str {
        ["I", "II", "III", "IV", "V", "劣V"][self as usize]
    }

    /// With the suffix 类: `III类`, `劣V类`.
    pub fn label_zh(self) -> String {
        format!("{}类", self.label())
    }

    /// A display colour. GB 3838 defines none; this is a project convention taken from an
    /// open-source classifier: I #CFFFFF, II #8FFFFF, III #7FFF7F, IV #FFFF6F, V #FFC000,
    /// 劣V #FF0000.
    pub fn project_colour(self) -> &'static str {
        [
            "#CFFFFF", "#8FFFFF", "#7FFF7F", "#FFFF6F", "#FFC000", "#FF0000",
        ][self as usize]
    }

    fn from_index(i: usize) -> WaterClass {
        [
            WaterClass::I,
            WaterClass::II,
            WaterClass::III,
            WaterClass::IV,
            WaterClass::V,
            WaterClass::WorseThanV,
        ][i.min(5)]
    }
}

impl fmt::Display for WaterClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// River or lake/reservoir: the phosphorus limits differ, and total nitrogen is a lake parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaterBody {
    /// 河流.
    River,
    /// 湖、库.
    LakeReservoir,
}

/// The GB 3838 parameters this module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Parameter {
    /// pH, dimensionless; 6–9 in every class.
    Ph,
    /// Dissolved oxygen DO, mg/L; higher is better.
    DissolvedOxygen,
    /// Permanganate index COD_Mn, mg/L.
    PermanganateIndex,
    /// Chemical oxygen demand COD, mg/L.
    Cod,
    /// Five-day biochemical oxygen demand BOD5, mg/L.
    Bod5,
    /// Ammonia nitrogen NH3-N, mg/L.
    AmmoniaNitrogen,
    /// Total phosphorus TP, mg/L (river and lake limits differ).
    TotalPhosphorus,
    /// Total nitrogen TN, mg/L (the lake/reservoir limits).
    TotalNitrogen,
    /// Fecal coliform, count/L.
    FecalColiform,
}

impl Parameter {
    /// All parameters.
    pub const ALL: [Parameter; 9] = [
        Parameter::Ph,
        Parameter::DissolvedOxygen,
        Parameter::PermanganateIndex,
        Parameter::Cod,
        Parameter::Bod5,
        Parameter::AmmoniaNitrogen,
        Parameter::TotalPhosphorus,
        Parameter::TotalNitrogen,
        Parameter::FecalColiform,
    ];

    /// Short symbol, e.g. `NH3-N`.
    pub fn symbol(self) -> &'static str {
        [
            "pH", "DO", "CODMn", "COD", "BOD5", "NH3-N", "TP", "TN", "FC",
        ][self as usize]
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        [
            "pH值",
            "溶解氧",
            "高锰酸盐指数",
            "化学需氧量",
            "五日生化需氧量",
            "氨氮",
            "总磷",
            "总氮",
            "粪大肠菌群",
        ][self as usize]
    }

    /// Unit: `mg/L`, `count/L` for fecal coliform, empty for pH.
    pub fn unit(self) -> &'static str {
        match self {
            Parameter::Ph => "",
            Parameter::FecalColiform => "count/L",
            _ => "mg/L",
        }
    }

    /// True for dissolved oxygen, whose limits are minimums.
    pub fn higher_is_better(self) -> bool {
        self == Parameter::DissolvedOxygen
    }

    /// The class I–V limits (maximums, or minimums for DO); `None` for pH, whose range 6–9 is
    /// the same in every class.
    pub fn limits(self, body: WaterBody) -> Option<[Decimal; 5]> {
        let i = Decimal::from_int;
        let m = Decimal::from_thousandths;
        Some(match self {
            Parameter::Ph => return None,
            Parameter::DissolvedOxygen => [m(7500), i(6), i(5), i(3), i(2)],
            Parameter::PermanganateIndex => [i(2), i(4), i(6), i(10), i(15)],
            Parameter::Cod => [i(15), i(15), i(20), i(30), i(40)],
            Parameter::Bod5 => [i(3), i(3), i(4), i(6), i(10)],
            Parameter::AmmoniaNitrogen => [m(150), m(500), i(1), m(1500), i(2)],
            Parameter::TotalPhosphorus => match body {
                WaterBody::River => [m(20), m(100), m(200), m(300), m(400)],
                WaterBody::LakeReservoir => [m(10), m(25), m(50), m(100), m(200)],
            },
            Parameter::TotalNitrogen => [m(200), m(500), i(1), m(1500), i(2)],
            Parameter::FecalColiform => [i(200), i(2000), i(10000), i(20000), i(40000)],
        })
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// The class of a single parameter value (single-factor evaluation).
///
/// pH: 6 ≤ pH ≤ 9 → I, otherwise 劣V. DO: the best class whose minimum it reaches. Others: the
/// best class whose maximum it does not exceed. Beyond class V → 劣V.
pub fn parameter_class(parameter: Parameter, value: Decimal, body: WaterBody) -> WaterClass {
    let Some(limits) = parameter.limits(body) else {
        let ok = value >= Decimal::from_int(6) && value <= Decimal::from_int(9);
        return if ok {
            WaterClass::I
        } else {
            WaterClass::WorseThanV
        };
    };
    let idx = if parameter.higher_is_better() {
        limits.iter().position(|&l| value >= l)
    } else {
        limits.iter().position(|&l| value <= l)
    };
    WaterClass::from_index(idx.unwrap_or(5))
}

/// A set of measurements at one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaterSample {
    /// River or lake/reservoir.
    pub body: WaterBody,
    /// Measured values, at most one per parameter.
    pub values: Vec<(Parameter, Decimal)>,
    /// Dissolved-oxygen saturation in percent, if measured: ≥ 90 % also makes DO class I.
    pub do_saturation_percent: Option<Decimal>,
}

impl WaterSample {
    /// An empty sample.
    pub fn new(body: WaterBody) -> Self {
        WaterSample {
            body,
            values: Vec::new(),
            do_saturation_percent: None,
        }
    }

    /// Sets (or replaces) one parameter's value.
    pub fn set(&mut self, parameter: Parameter, value: Decimal) -> &mut Self {
        self.values.retain(|(p, _)| *p != parameter);
        self.values.push((parameter, value));
        self
    }
}

/// Evaluation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WaterRules {
    /// Count total nitrogen in a river's overall class. Routine national evaluation leaves it
    /// out for rivers (the standards file marks this as practice, uncertain), so the default is
    /// `false`; TN is still classed and reported, only not counted.
    pub river_total_nitrogen: bool,
}

/// One parameter's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParameterClass {
    /// The parameter.
    pub parameter: Parameter,
    /// Its value.
    pub value: Decimal,
    /// Its single-factor class.
    pub class: WaterClass,
    /// Whether it counts towards the overall class.
    pub counted: bool,
}

/// A site's evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaterAssessment {
    /// Every parameter in the sample, in the standard's order.
    pub parameters: Vec<ParameterClass>,
    /// The worst counted class; `None` when nothing counted was measured.
    pub overall: Option<WaterClass>,
}

impl WaterAssessment {
    /// Counted parameters whose class is worse than `target` (e.g. a section's 水质目标 III).
    pub fn exceeding(&self, target: WaterClass) -> Vec<ParameterClass> {
        self.parameters
            .iter()
            .filter(|p| p.counted && p.class > target)
            .copied()
            .collect()
    }

    /// Whether the overall class meets `target` (is as good or better).
    pub fn meets(&self, target: WaterClass) -> Option<bool> {
        self.overall.map(|c| c <= target)
    }
}

/// Evaluates a sample.
pub fn assess(sample: &WaterSample, rules: &WaterRules) -> WaterAssessment {
    let mut parameters: Vec<ParameterClass> = sample
        .values
        .iter()
        .map(|&(parameter, value)| {
            let mut class = parameter_class(parameter, value, sample.body);
            if parameter == Parameter::DissolvedOxygen
                && sample
                    .do_saturation_percent
                    .is_some_and(|s| s >= Decimal::from_int(90))
            {
                class = WaterClass::I;
            }
            let counted = !(parameter == Parameter::TotalNitrogen
                && sample.body == WaterBody::River
                && !rules.river_total_nitrogen);
            ParameterClass {
                parameter,
                value,
                class,
                counted,
            }
        })
        .collect();
    parameters.sort_by_key(|p| p.parameter);
    let overall = parameters
        .iter()
        .filter(|p| p.counted)
        .map(|p| p.class)
        .max();
    WaterAssessment {
        parameters,
        overall,
    }
}
