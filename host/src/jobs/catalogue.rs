//! The catalogue mirror: every Fulfil product's code, EAN and availability, indexed by the
//! component's near-spelling key so order lines can be checked against near-matches.

use crate::jobs::Services;
use crate::runtime::Plugin;
use crate::store::CatalogueEntry;

/// Cursor holding the time of the last refresh.
const CURSOR: &str = "catalogue.refreshed_at";

/// Refreshes the mirror when older than the configured interval (or `force`); returns the
/// number of products mirrored, or `None` when it was fresh enough.
pub async fn refresh_catalogue(services: &Services, force: bool) -> anyhow::Result<Option<usize>> {
    let now = chrono::Utc::now();
    if !force
        && let Some(last) = services.store.cursor(CURSOR)?
        && let Ok(last) = chrono::DateTime::parse_from_rfc3339(&last)
        && now.signed_duration_since(last).to_std().unwrap_or_default()
            < services.config.fulfil.catalogue_refresh.0
    {
        return Ok(None);
    }
    let products = services.fulfil.all_products().await?;
    let count = products.len();
    let entries = Plugin::new(services.runtime.clone())
        .call(
            &format!("the catalogue of {count} products"),
            move |session| {
                let mut entries = Vec::with_capacity(products.len());
                for p in products {
                    entries.push(CatalogueEntry {
                        sku_key: session.sku_key(&p.code)?,
                        code: p.code,
                        ean: p.ean,
                        available: p.quantity_available,
                    });
                }
                Ok(entries)
            },
        )
        .await??;
    services.store.replace_catalogue(&entries)?;
    services.store.set_cursor(CURSOR, &now.to_rfc3339())?;
    Ok(Some(entries.len()))
}
