//! The catalogue mirror: every Fulfil product's code, EAN and availability, indexed by the
//! component's near-spelling key so order lines can be checked against near-matches.

use crate::jobs::Services;
use crate::runtime::Plugin;
use crate::store::{CatalogueEntry, OFFERS_LISTED_CURSOR, OfferEntry};

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
                let codes: Vec<String> = products.iter().map(|p| p.code.clone()).collect();
                let keys = session.sku_keys(&codes)?;
                Ok(products
                    .into_iter()
                    .zip(keys)
                    .map(|(p, sku_key)| CatalogueEntry {
                        sku_key,
                        code: p.code,
                        ean: p.ean,
                        available: p.quantity_available,
                    })
                    .collect::<Vec<_>>())
            },
        )
        .await??;
    services.store.replace_catalogue(&entries)?;
    services.store.set_cursor(CURSOR, &now.to_rfc3339())?;
    Ok(Some(entries.len()))
}

/// Makes sure the offer mirror holds John Lewis' EANs before orders are decided against it:
/// when it does not yet (a new store, or every listing so far failed), lists the offers
/// (OF21, which carries product references) into the mirror. False while they stay unknown.
pub async fn ensure_offer_eans(services: &Services) -> anyhow::Result<bool> {
    if services.store.offer_eans_known()? {
        return Ok(true);
    }
    match services.mirakl.list_offers().await {
        Ok(listed) => {
            let mirror: Vec<OfferEntry> = listed
                .into_iter()
                .map(|o| OfferEntry {
                    sku: o.sku,
                    ean: o.ean,
                    quantity: o.quantity,
                })
                .collect();
            services.store.replace_offers(&mirror)?;
            services
                .store
                .set_cursor(OFFERS_LISTED_CURSOR, &chrono::Utc::now().to_rfc3339())?;
            Ok(true)
        }
        Err(e) => {
            tracing::info!("John Lewis' offer EANs not listed yet (OF21: {e})");
            Ok(false)
        }
    }
}
