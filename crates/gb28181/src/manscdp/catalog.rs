//! Catalog responses, their items, and the assembly of paged answers.

use std::collections::HashMap;

use super::{
    extras, float, head, invalid, number, parsed, push_opt, required, text, Element, OnOff,
    ParseOptions,
};
use crate::error::{Error, Result};
use crate::id::DeviceId;

/// One `<Item>` of a catalog: a channel, a device, a region, a business group or a virtual
/// organisation (GB/T 28181-2016 A.2.6; see the standards notes for which fields are
/// mandatory). Everything but `DeviceID` is optional here because regions and groups leave
/// most fields out; unknown elements (`Info`, `Event`, `CertNum`…) are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogItem {
    /// `DeviceID`: a 20-digit ID, or a 2/4/6/8-digit civil code for a region.
    pub device_id: String,
    /// `Name`.
    pub name: Option<String>,
    /// `Manufacturer`.
    pub manufacturer: Option<String>,
    /// `Model`.
    pub model: Option<String>,
    /// `Owner`.
    pub owner: Option<String>,
    /// `CivilCode`: administrative division.
    pub civil_code: Option<String>,
    /// `Block`: police precinct.
    pub block: Option<String>,
    /// `Address`.
    pub address: Option<String>,
    /// `Parental`: 1 = has children.
    pub parental: Option<bool>,
    /// `ParentID`: parent device, region, group or system (several may be `/`-separated).
    pub parent_id: Option<String>,
    /// `SafetyWay`: 0 none, 2 S/MIME sign, 3 S/MIME encrypt+sign, 4 digest.
    pub safety_way: Option<u8>,
    /// `RegisterWay`: 1 RFC 3261, 2 password mutual, 3 certificate mutual.
    pub register_way: Option<u8>,
    /// `Secrecy`: 0 not classified, 1 classified.
    pub secrecy: Option<u8>,
    /// `IPAddress`.
    pub ip_address: Option<String>,
    /// `Port`.
    pub port: Option<u16>,
    /// `Status`: ON/OFF (ONLINE/OFFLINE accepted).
    pub status: Option<OnOff>,
    /// `Longitude`.
    pub longitude: Option<f64>,
    /// `Latitude`.
    pub latitude: Option<f64>,
    /// `BusinessGroupID` (virtual organisations).
    pub business_group_id: Option<String>,
    /// Other elements, kept as read and written after the known ones.
    pub extra: Vec<Element>,
}

const ITEM_FIELDS: [&str; 20] = [
    "DeviceID",
    "Name",
    "Manufacturer",
    "Model",
    "Owner",
    "CivilCode",
    "Block",
    "Address",
    "Parental",
    "ParentID",
    "SafetyWay",
    "RegisterWay",
    "Secrecy",
    "IPAddress",
    "Port",
    "Status",
    "Longitude",
    "Latitude",
    "BusinessGroupID",
    "CmdType",
];

impl CatalogItem {
    /// An item with only its ID.
    pub fn new(device_id: &str) -> Self {
        CatalogItem {
            device_id: device_id.to_owned(),
            ..CatalogItem::default()
        }
    }

    /// The ID as a 20-digit [`DeviceId`], `None` for regions (civil codes) and odd IDs.
    pub fn id(&self) -> Option<DeviceId> {
        DeviceId::parse(&self.device_id).ok()
    }

    /// Whether the item is a region (行政区划): its ID is a 2-, 4-, 6- or 8-digit civil code.
    pub fn is_region(&self) -> bool {
        matches!(self.device_id.len(), 2 | 4 | 6 | 8)
            && self.device_id.bytes().all(|b| b.is_ascii_digit())
    }

    fn from_element(el: &Element) -> Result<Self> {
        let parental = match el.child_text("Parental") {
            None => None,
            Some("0") => Some(false),
            Some("1") => Some(true),
            Some(_) => return Err(invalid("Parental", "must be 0 or 1")),
        };
        Ok(CatalogItem {
            device_id: required(el, "DeviceID")?.to_owned(),
            name: text(el, "Name"),
            manufacturer: text(el, "Manufacturer"),
            model: text(el, "Model"),
            owner: text(el, "Owner"),
            civil_code: text(el, "CivilCode"),
            block: text(el, "Block"),
            address: text(el, "Address"),
            parental,
            parent_id: text(el, "ParentID"),
            safety_way: number(el, "SafetyWay")?,
            register_way: number(el, "RegisterWay")?,
            secrecy: number(el, "Secrecy")?,
            ip_address: text(el, "IPAddress"),
            port: number(el, "Port")?,
            status: parsed(el, "Status", "ON, OFF, ONLINE or OFFLINE")?,
            longitude: float(el, "Longitude")?,
            latitude: float(el, "Latitude")?,
            business_group_id: text(el, "BusinessGroupID"),
            extra: extras(el, &ITEM_FIELDS),
        })
    }

    fn to_element(&self) -> Element {
        let mut el = Element::new("Item");
        el.children
            .push(Element::leaf("DeviceID", self.device_id.as_str()));
        push_opt(&mut el, "Name", self.name.as_ref());
        push_opt(&mut el, "Manufacturer", self.manufacturer.as_ref());
        push_opt(&mut el, "Model", self.model.as_ref());
        push_opt(&mut el, "Owner", self.owner.as_ref());
        push_opt(&mut el, "CivilCode", self.civil_code.as_ref());
        push_opt(&mut el, "Block", self.block.as_ref());
        push_opt(&mut el, "Address", self.address.as_ref());
        push_opt(&mut el, "Parental", self.parental.map(u8::from));
        push_opt(&mut el, "ParentID", self.parent_id.as_ref());
        push_opt(&mut el, "SafetyWay", self.safety_way);
        push_opt(&mut el, "RegisterWay", self.register_way);
        push_opt(&mut el, "Secrecy", self.secrecy);
        push_opt(&mut el, "IPAddress", self.ip_address.as_ref());
        push_opt(&mut el, "Port", self.port);
        push_opt(&mut el, "Status", self.status);
        push_opt(&mut el, "Longitude", self.longitude);
        push_opt(&mut el, "Latitude", self.latitude);
        push_opt(&mut el, "BusinessGroupID", self.business_group_id.as_ref());
        el.children.extend(self.extra.iter().cloned());
        el
    }
}

/// One page of a catalog answer (`<Response>`), or a catalog subscription update
/// (`<Notify>`).
///
/// `sum_num` is the total across all pages; `<DeviceList Num>` is written as the number of
/// items in this page. On reading, a `Num` that disagrees with the items present is ignored
/// (devices get it wrong); the items are what counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogResponse {
    /// `SN` of the query (shared by every page).
    pub sn: u32,
    /// `DeviceID`: the answering device or platform.
    pub device_id: String,
    /// `SumNum`: total items across all pages.
    pub sum_num: u32,
    /// The items of this page.
    pub items: Vec<CatalogItem>,
}

impl CatalogResponse {
    /// Splits `items` into pages of at most `per_page` items (at least 1) sharing one SN,
    /// as a device answers a large catalog over UDP. An empty catalog is one empty page.
    pub fn paginate(
        sn: u32,
        device_id: &str,
        items: Vec<CatalogItem>,
        per_page: usize,
    ) -> Vec<Self> {
        let sum_num = items.len() as u32;
        let per_page = per_page.max(1);
        let page = |items: Vec<CatalogItem>| CatalogResponse {
            sn,
            device_id: device_id.to_owned(),
            sum_num,
            items,
        };
        if items.is_empty() {
            return vec![page(Vec::new())];
        }
        let mut out = Vec::with_capacity(items.len().div_ceil(per_page));
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            out.push(page(items.by_ref().take(per_page).collect()));
        }
        out
    }

    pub(crate) fn from_element(el: &Element, opts: &ParseOptions) -> Result<Self> {
        let mut items = Vec::new();
        if let Some(list) = el.child("DeviceList") {
            for item in list.children_named("Item") {
                if items.len() >= opts.max_items {
                    return Err(Error::TooLarge {
                        what: "catalog items",
                        limit: opts.max_items,
                    });
                }
                items.push(CatalogItem::from_element(item)?);
            }
        }
        Ok(CatalogResponse {
            sn: number(el, "SN")?.ok_or(Error::MissingElement("SN"))?,
            device_id: required(el, "DeviceID")?.to_owned(),
            sum_num: number(el, "SumNum")?.ok_or(Error::MissingElement("SumNum"))?,
            items,
        })
    }

    pub(crate) fn to_element(&self) -> Element {
        let mut el = head("Catalog", self.sn, &self.device_id);
        el.children
            .push(Element::leaf("SumNum", self.sum_num.to_string()));
        let mut list = Element::new("DeviceList");
        list.attrs
            .push(("Num".into(), self.items.len().to_string()));
        list.children
            .extend(self.items.iter().map(CatalogItem::to_element));
        el.children.push(list);
        el
    }
}

/// Gathers the pages of one catalog answer (same SN) until `SumNum` items have arrived.
///
/// Items are keyed by `DeviceID`, so a page sent twice (UDP retransmission) does not count
/// twice; a later copy of an item replaces the earlier one. The caller owns the timeout.
///
/// ```
/// use zhicheng_gb28181::manscdp::{CatalogAssembly, CatalogItem, CatalogResponse};
/// let items = (1..=5).map(|i| CatalogItem::new(&format!("3402000000131000000{i}"))).collect();
/// let pages = CatalogResponse::paginate(7, "34020000001180000001", items, 2);
/// let mut asm = CatalogAssembly::new(7, 10_000);
/// for page in pages {
///     asm.add(page).unwrap();
/// }
/// assert!(asm.is_complete());
/// assert_eq!(asm.into_items().len(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct CatalogAssembly {
    sn: u32,
    sum_num: Option<u32>,
    max_total: usize,
    index: HashMap<String, usize>,
    items: Vec<CatalogItem>,
}

impl CatalogAssembly {
    /// Expects pages with this SN; refuses to hold more than `max_total` items.
    pub fn new(sn: u32, max_total: usize) -> Self {
        CatalogAssembly {
            sn,
            sum_num: None,
            max_total,
            index: HashMap::new(),
            items: Vec::new(),
        }
    }

    /// Adds a page; returns whether the catalog is now complete. A page with another SN,
    /// or a total over `max_total`, is an error and changes nothing.
    pub fn add(&mut self, page: CatalogResponse) -> Result<bool> {
        if page.sn != self.sn {
            return Err(invalid(
                "SN",
                format!("page has SN {}, expected {}", page.sn, self.sn),
            ));
        }
        if page.sum_num as usize > self.max_total {
            return Err(Error::TooLarge {
                what: "catalog SumNum",
                limit: self.max_total,
            });
        }
        let new = page
            .items
            .iter()
            .filter(|i| !self.index.contains_key(&i.device_id))
            .count();
        if self.items.len() + new > self.max_total {
            return Err(Error::TooLarge {
                what: "catalog items",
                limit: self.max_total,
            });
        }
        self.sum_num = Some(page.sum_num);
        for item in page.items {
            match self.index.get(&item.device_id) {
                Some(&at) => self.items[at] = item,
                None => {
                    self.index.insert(item.device_id.clone(), self.items.len());
                    self.items.push(item);
                }
            }
        }
        Ok(self.is_complete())
    }

    /// Whether `SumNum` items (distinct IDs) have arrived.
    pub fn is_complete(&self) -> bool {
        self.sum_num.is_some_and(|n| self.items.len() >= n as usize)
    }

    /// `SumNum` of the latest page, once a page arrived.
    pub fn expected(&self) -> Option<u32> {
        self.sum_num
    }

    /// Items received so far.
    pub fn received(&self) -> usize {
        self.items.len()
    }

    /// The items, in arrival order (complete or not: after a timeout, take what came).
    pub fn into_items(self) -> Vec<CatalogItem> {
        self.items
    }
}
