//! ISO 3166-1 country codes: Mirakl addresses carry alpha-3 ("GBR"), Fulfil wants alpha-2 ("GB").
//! Some Mirakl payloads carry only a country name ("France", "Belgique"): names resolve through
//! `country/names.tsv`, every country's ISO short and long names, its English name, its names
//! in its own official and spoken languages and its common unofficial names, taken from the
//! `countries` data set (github.com/countries/countries, MIT, as packaged in the keshvar 0.7
//! crate), plus the UK's nations.

/// `name<TAB>alpha-2` lines, sorted, names lowercased with single spaces.
const NAMES: &str = include_str!("country/names.tsv");

/// (alpha-3, alpha-2) pairs of every ISO 3166-1 country, sorted by alpha-3 for binary search.
const ALPHA3_TO_ALPHA2: &[(&str, &str)] = &[
    ("ABW", "AW"),
    ("AFG", "AF"),
    ("AGO", "AO"),
    ("AIA", "AI"),
    ("ALA", "AX"),
    ("ALB", "AL"),
    ("AND", "AD"),
    ("ARE", "AE"),
    ("ARG", "AR"),
    ("ARM", "AM"),
    ("ASM", "AS"),
    ("ATA", "AQ"),
    ("ATF", "TF"),
    ("ATG", "AG"),
    ("AUS", "AU"),
    ("AUT", "AT"),
    ("AZE", "AZ"),
    ("BDI", "BI"),
    ("BEL", "BE"),
    ("BEN", "BJ"),
    ("BES", "BQ"),
    ("BFA", "BF"),
    ("BGD", "BD"),
    ("BGR", "BG"),
    ("BHR", "BH"),
    ("BHS", "BS"),
    ("BIH", "BA"),
    ("BLM", "BL"),
    ("BLR", "BY"),
    ("BLZ", "BZ"),
    ("BMU", "BM"),
    ("BOL", "BO"),
    ("BRA", "BR"),
    ("BRB", "BB"),
    ("BRN", "BN"),
    ("BTN", "BT"),
    ("BVT", "BV"),
    ("BWA", "BW"),
    ("CAF", "CF"),
    ("CAN", "CA"),
    ("CCK", "CC"),
    ("CHE", "CH"),
    ("CHL", "CL"),
    ("CHN", "CN"),
    ("CIV", "CI"),
    ("CMR", "CM"),
    ("COD", "CD"),
    ("COG", "CG"),
    ("COK", "CK"),
    ("COL", "CO"),
    ("COM", "KM"),
    ("CPV", "CV"),
    ("CRI", "CR"),
    ("CUB", "CU"),
    ("CUW", "CW"),
    ("CXR", "CX"),
    ("CYM", "KY"),
    ("CYP", "CY"),
    ("CZE", "CZ"),
    ("DEU", "DE"),
    ("DJI", "DJ"),
    ("DMA", "DM"),
    ("DNK", "DK"),
    ("DOM", "DO"),
    ("DZA", "DZ"),
    ("ECU", "EC"),
    ("EGY", "EG"),
    ("ERI", "ER"),
    ("ESH", "EH"),
    ("ESP", "ES"),
    ("EST", "EE"),
    ("ETH", "ET"),
    ("FIN", "FI"),
    ("FJI", "FJ"),
    ("FLK", "FK"),
    ("FRA", "FR"),
    ("FRO", "FO"),
    ("FSM", "FM"),
    ("GAB", "GA"),
    ("GBR", "GB"),
    ("GEO", "GE"),
    ("GGY", "GG"),
    ("GHA", "GH"),
    ("GIB", "GI"),
    ("GIN", "GN"),
    ("GLP", "GP"),
    ("GMB", "GM"),
    ("GNB", "GW"),
    ("GNQ", "GQ"),
    ("GRC", "GR"),
    ("GRD", "GD"),
    ("GRL", "GL"),
    ("GTM", "GT"),
    ("GUF", "GF"),
    ("GUM", "GU"),
    ("GUY", "GY"),
    ("HKG", "HK"),
    ("HMD", "HM"),
    ("HND", "HN"),
    ("HRV", "HR"),
    ("HTI", "HT"),
    ("HUN", "HU"),
    ("IDN", "ID"),
    ("IMN", "IM"),
    ("IND", "IN"),
    ("IOT", "IO"),
    ("IRL", "IE"),
    ("IRN", "IR"),
    ("IRQ", "IQ"),
    ("ISL", "IS"),
    ("ISR", "IL"),
    ("ITA", "IT"),
    ("JAM", "JM"),
    ("JEY", "JE"),
    ("JOR", "JO"),
    ("JPN", "JP"),
    ("KAZ", "KZ"),
    ("KEN", "KE"),
    ("KGZ", "KG"),
    ("KHM", "KH"),
    ("KIR", "KI"),
    ("KNA", "KN"),
    ("KOR", "KR"),
    ("KWT", "KW"),
    ("LAO", "LA"),
    ("LBN", "LB"),
    ("LBR", "LR"),
    ("LBY", "LY"),
    ("LCA", "LC"),
    ("LIE", "LI"),
    ("LKA", "LK"),
    ("LSO", "LS"),
    ("LTU", "LT"),
    ("LUX", "LU"),
    ("LVA", "LV"),
    ("MAC", "MO"),
    ("MAF", "MF"),
    ("MAR", "MA"),
    ("MCO", "MC"),
    ("MDA", "MD"),
    ("MDG", "MG"),
    ("MDV", "MV"),
    ("MEX", "MX"),
    ("MHL", "MH"),
    ("MKD", "MK"),
    ("MLI", "ML"),
    ("MLT", "MT"),
    ("MMR", "MM"),
    ("MNE", "ME"),
    ("MNG", "MN"),
    ("MNP", "MP"),
    ("MOZ", "MZ"),
    ("MRT", "MR"),
    ("MSR", "MS"),
    ("MTQ", "MQ"),
    ("MUS", "MU"),
    ("MWI", "MW"),
    ("MYS", "MY"),
    ("MYT", "YT"),
    ("NAM", "NA"),
    ("NCL", "NC"),
    ("NER", "NE"),
    ("NFK", "NF"),
    ("NGA", "NG"),
    ("NIC", "NI"),
    ("NIU", "NU"),
    ("NLD", "NL"),
    ("NOR", "NO"),
    ("NPL", "NP"),
    ("NRU", "NR"),
    ("NZL", "NZ"),
    ("OMN", "OM"),
    ("PAK", "PK"),
    ("PAN", "PA"),
    ("PCN", "PN"),
    ("PER", "PE"),
    ("PHL", "PH"),
    ("PLW", "PW"),
    ("PNG", "PG"),
    ("POL", "PL"),
    ("PRI", "PR"),
    ("PRK", "KP"),
    ("PRT", "PT"),
    ("PRY", "PY"),
    ("PSE", "PS"),
    ("PYF", "PF"),
    ("QAT", "QA"),
    ("REU", "RE"),
    ("ROU", "RO"),
    ("RUS", "RU"),
    ("RWA", "RW"),
    ("SAU", "SA"),
    ("SDN", "SD"),
    ("SEN", "SN"),
    ("SGP", "SG"),
    ("SGS", "GS"),
    ("SHN", "SH"),
    ("SJM", "SJ"),
    ("SLB", "SB"),
    ("SLE", "SL"),
    ("SLV", "SV"),
    ("SMR", "SM"),
    ("SOM", "SO"),
    ("SPM", "PM"),
    ("SRB", "RS"),
    ("SSD", "SS"),
    ("STP", "ST"),
    ("SUR", "SR"),
    ("SVK", "SK"),
    ("SVN", "SI"),
    ("SWE", "SE"),
    ("SWZ", "SZ"),
    ("SXM", "SX"),
    ("SYC", "SC"),
    ("SYR", "SY"),
    ("TCA", "TC"),
    ("TCD", "TD"),
    ("TGO", "TG"),
    ("THA", "TH"),
    ("TJK", "TJ"),
    ("TKL", "TK"),
    ("TKM", "TM"),
    ("TLS", "TL"),
    ("TON", "TO"),
    ("TTO", "TT"),
    ("TUN", "TN"),
    ("TUR", "TR"),
    ("TUV", "TV"),
    ("TWN", "TW"),
    ("TZA", "TZ"),
    ("UGA", "UG"),
    ("UKR", "UA"),
    ("UMI", "UM"),
    ("URY", "UY"),
    ("USA", "US"),
    ("UZB", "UZ"),
    ("VAT", "VA"),
    ("VCT", "VC"),
    ("VEN", "VE"),
    ("VGB", "VG"),
    ("VIR", "VI"),
    ("VNM", "VN"),
    ("VUT", "VU"),
    ("WLF", "WF"),
    ("WSM", "WS"),
    ("YEM", "YE"),
    ("ZAF", "ZA"),
    ("ZMB", "ZM"),
    ("ZWE", "ZW"),
];

/// The alpha-2 code for a country given as alpha-3 or alpha-2 (any case), if it is a known
/// ISO 3166-1 country.
pub fn alpha2(code: &str) -> Option<&'static str> {
    let upper = code.trim().to_ascii_uppercase();
    match upper.len() {
        3 => ALPHA3_TO_ALPHA2
            .binary_search_by(|(a3, _)| (*a3).cmp(upper.as_str()))
            .ok()
            .map(|i| ALPHA3_TO_ALPHA2[i].1),
        2 => ALPHA3_TO_ALPHA2
            .iter()
            .find(|(_, a2)| *a2 == upper)
            .map(|(_, a2)| *a2),
        _ => None,
    }
}

/// The alpha-2 code for a country name in English or another language ("United Kingdom",
/// "Belgique", "Deutschland"), ignoring case, surrounding spaces and a leading "the".
pub fn alpha2_of_name(name: &str) -> Option<&'static str> {
    let normal = normalize(name);
    let bare = normal.strip_prefix("the ").unwrap_or(&normal);
    [normal.as_str(), bare].into_iter().find_map(|candidate| {
        NAMES.lines().find_map(|line| {
            let (known, code) = line.split_once('\t')?;
            (known == candidate).then(|| alpha2(code)).flatten()
        })
    })
}

/// A name as `names.tsv` keys it: lowercase, words separated by single spaces.
fn normalize(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Why an address has no usable country.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CountryProblem {
    /// A code or a name was given but names no country.
    Unknown,
    /// Neither a code nor a name, and no default country is configured.
    Missing,
}

/// The alpha-2 code of an address's country: its ISO code, else its country name, else (only
/// when both are absent) `default`, itself a code or a name.
pub fn resolve(
    iso_code: Option<&str>,
    name: Option<&str>,
    default: Option<&str>,
) -> Result<&'static str, CountryProblem> {
    fn present(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    let (code, name) = (present(iso_code), present(name));
    if let Some(found) = code
        .and_then(alpha2)
        .or_else(|| name.and_then(alpha2_of_name))
    {
        return Ok(found);
    }
    if code.is_some() || name.is_some() {
        return Err(CountryProblem::Unknown);
    }
    match present(default) {
        Some(default) => alpha2(default)
            .or_else(|| alpha2_of_name(default))
            .ok_or(CountryProblem::Unknown),
        None => Err(CountryProblem::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::{
        ALPHA3_TO_ALPHA2, CountryProblem, NAMES, alpha2, alpha2_of_name, normalize, resolve,
    };

    #[test]
    fn converts_alpha3_and_accepts_alpha2() {
        assert_eq!(alpha2("GBR"), Some("GB"));
        assert_eq!(alpha2("gbr"), Some("GB"));
        assert_eq!(alpha2("IRL"), Some("IE"));
        assert_eq!(alpha2("GB"), Some("GB"));
        assert_eq!(alpha2("XXX"), None);
        assert_eq!(alpha2("United Kingdom"), None);
    }

    #[test]
    fn resolves_english_and_local_names() {
        for (name, code) in [
            ("United Kingdom", "GB"),
            ("united kingdom", "GB"),
            ("  United   Kingdom ", "GB"),
            ("The United Kingdom", "GB"),
            ("Great Britain", "GB"),
            ("France", "FR"),
            ("Belgique", "BE"),
            ("België", "BE"),
            ("Belgien", "BE"),
            ("Deutschland", "DE"),
            ("Germany", "DE"),
            ("España", "ES"),
            ("Spain", "ES"),
            ("Italia", "IT"),
            ("Nederland", "NL"),
            ("Netherlands", "NL"),
            ("Ireland", "IE"),
            ("Éire", "IE"),
            ("Schweiz", "CH"),
            ("Suisse", "CH"),
            ("Österreich", "AT"),
            ("Polska", "PL"),
            ("United States", "US"),
            ("Jersey", "JE"),
        ] {
            assert_eq!(alpha2_of_name(name), Some(code), "{name}");
        }
        assert_eq!(alpha2_of_name("Atlantis"), None);
        assert_eq!(alpha2_of_name(""), None);
    }

    #[test]
    fn the_name_table_is_well_formed_and_covers_every_country() {
        let mut previous = "";
        for line in NAMES.lines() {
            let (name, code) = line.split_once('\t').expect("name<TAB>code");
            assert_eq!(normalize(name), name, "not normalised: {line:?}");
            assert!(alpha2(code) == Some(code), "not an ISO country: {line:?}");
            assert!(
                previous < name,
                "not sorted or duplicated: {previous:?}, {name:?}"
            );
            previous = name;
        }
        for (_, code) in ALPHA3_TO_ALPHA2 {
            assert!(
                NAMES.lines().any(|l| l.ends_with(&format!("\t{code}"))),
                "no name for {code}"
            );
        }
    }

    #[test]
    fn code_then_name_then_default() {
        assert_eq!(resolve(Some("FRA"), Some("France"), None), Ok("FR"));
        assert_eq!(resolve(None, Some("France"), Some("GB")), Ok("FR"));
        assert_eq!(resolve(Some(""), Some("Belgique"), None), Ok("BE"));
        // A wrong code with a readable name: the name tells.
        assert_eq!(resolve(Some("XXX"), Some("Belgique"), None), Ok("BE"));
        // The default applies only when the address names no country at all.
        assert_eq!(resolve(None, None, Some("GBR")), Ok("GB"));
        assert_eq!(resolve(Some(" "), None, Some("United Kingdom")), Ok("GB"));
        assert_eq!(
            resolve(None, Some("Atlantis"), Some("GB")),
            Err(CountryProblem::Unknown)
        );
        assert_eq!(
            resolve(Some("XXX"), None, Some("GB")),
            Err(CountryProblem::Unknown)
        );
        assert_eq!(resolve(None, None, None), Err(CountryProblem::Missing));
    }
}
