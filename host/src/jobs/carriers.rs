//! `jlm carriers check`: every Fulfil carrier/service pair shipped with recently, checked
//! against the carrier table and John Lewis' approved carriers (SH21), so a new carrier
//! service is caught before its first parcel is rejected.

use serde::Serialize;

use crate::jobs::{DispatchJob, Services};
use crate::runtime::Plugin;

/// How far back shipments are read.
pub const LOOKBACK_DAYS: i64 = 90;

/// One carrier/service pair and its mapping status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CarrierRow {
    /// Fulfil carrier name.
    pub carrier: String,
    /// Fulfil carrier service name.
    pub service: Option<String>,
    /// `mapped`, `unmapped` or `not_approved`.
    pub status: String,
    /// John Lewis carrier code it maps to.
    pub jl_code: Option<String>,
    /// The code's SH21 label.
    pub label: Option<String>,
}

/// Checks every carrier/service pair shipped with in the last `LOOKBACK_DAYS` (90) days.
pub async fn check_carriers(services: &Services) -> anyhow::Result<Vec<CarrierRow>> {
    let since = (chrono::Utc::now() - chrono::Duration::days(LOOKBACK_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let pairs = services
        .fulfil
        .recent_carrier_services(&since)
        .await
        .map_err(|e| anyhow::anyhow!("read Fulfil shipments: {e}"))?;
    let carriers = DispatchJob::new(services.clone()).carriers(false).await?;
    let policy = services.config.dispatch_policy();
    let mut plugin = Plugin::new(services.runtime.clone());
    let mut rows = Vec::new();
    for (carrier, service) in pairs {
        let (asked, policy, carriers) = (
            (carrier.clone(), service.clone()),
            policy.clone(),
            carriers.clone(),
        );
        let checked = plugin
            .call(&format!("carrier {carrier}"), move |session| {
                session.check_carrier(&asked.0, asked.1.as_deref(), &policy, carriers.as_deref())
            })
            .await?;
        let check = match checked {
            Ok(Ok(check)) => check,
            Ok(Err(e)) => anyhow::bail!(
                "the carrier table or SH21 list is unusable: {}: {}",
                e.code,
                e.message
            ),
            Err(fault) => anyhow::bail!("{fault}"),
        };
        rows.push(CarrierRow {
            carrier,
            service,
            status: check.status,
            jl_code: check.jl_code,
            label: check.label,
        });
    }
    Ok(rows)
}

/// The human-readable report.
pub fn render(rows: &[CarrierRow]) -> String {
    let mut out =
        format!("Carrier services used by Fulfil shipments in the last {LOOKBACK_DAYS} days:\n");
    for row in rows {
        let name = match &row.service {
            Some(service) => format!("{} / {service}", row.carrier),
            None => row.carrier.clone(),
        };
        let verdict = match row.status.as_str() {
            "mapped" => format!(
                "→ {} {}",
                row.jl_code.as_deref().unwrap_or("(sent by name)"),
                row.label
                    .as_deref()
                    .map(|l| format!("({l})"))
                    .unwrap_or_default()
            ),
            "not_approved" => format!(
                "✗ maps to {} which is NOT in John Lewis' approved carriers (SH21): fix its jl_code",
                row.jl_code.as_deref().unwrap_or("?")
            ),
            _ => "✗ UNMAPPED: add a [[carriers.map]] entry before its next parcel".to_string(),
        };
        out.push_str(format!("  {name:<44} {verdict}").trim_end());
        out.push('\n');
    }
    let bad = rows.iter().filter(|r| r.status != "mapped").count();
    out.push_str(&format!("{} pairs, {} need attention\n", rows.len(), bad));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        carrier: &str,
        service: Option<&str>,
        status: &str,
        code: Option<&str>,
        label: Option<&str>,
    ) -> CarrierRow {
        CarrierRow {
            carrier: carrier.into(),
            service: service.map(str::to_string),
            status: status.into(),
            jl_code: code.map(str::to_string),
            label: label.map(str::to_string),
        }
    }

    #[test]
    fn the_report_says_what_to_fix() {
        let text = render(&[
            row(
                "Royal Mail",
                Some("Tracked 24"),
                "mapped",
                Some("ROYAL-MAIL"),
                Some("Royal Mail"),
            ),
            row("Evri", None, "unmapped", None, None),
            row(
                "Parcelforce",
                Some("express24"),
                "not_approved",
                Some("PARCELFORCE"),
                None,
            ),
        ]);
        assert!(
            text.contains("Royal Mail / Tracked 24") && text.contains("→ ROYAL-MAIL (Royal Mail)"),
            "{text}"
        );
        assert!(text.contains("Evri") && text.contains("UNMAPPED"), "{text}");
        assert!(
            text.contains("PARCELFORCE which is NOT in John Lewis' approved carriers"),
            "{text}"
        );
        assert!(text.ends_with("3 pairs, 2 need attention\n"), "{text}");
        assert!(
            text.lines().all(|l| l == l.trim_end()),
            "no trailing spaces"
        );
    }
}
