//! The warehouses whose stock counts: `[stock_sync] warehouses` resolved once to Fulfil
//! location ids, which every product read then passes as its `locations` context (Fulfil sums
//! quantities over them).

use std::fmt;

use serde_json::json;

use super::client::{Client, SEARCH_READ_MAX};
use super::wire;
use crate::http::ApiError;

/// Why products could not be read.
#[derive(Debug)]
pub enum ProductsError {
    /// Fulfil could not be read.
    Api(ApiError),
    /// These configured warehouses are not Fulfil warehouses.
    UnknownWarehouses(Vec<String>),
}

impl fmt::Display for ProductsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProductsError::Api(error) => error.fmt(f),
            ProductsError::UnknownWarehouses(names) => write!(
                f,
                "[stock_sync] warehouses names {}, which Fulfil does not know as a warehouse",
                names.join(", ")
            ),
        }
    }
}

impl std::error::Error for ProductsError {}

impl From<ApiError> for ProductsError {
    fn from(error: ApiError) -> Self {
        ProductsError::Api(error)
    }
}

impl Client {
    /// The location ids of the configured warehouses, `None` when every warehouse counts.
    /// They are looked up once (`stock.location` of type `warehouse`, by code, or by id for a
    /// numeric entry) and kept; an entry that matches no warehouse is an error, as counting
    /// every warehouse instead could sell stock John Lewis must not have.
    pub async fn counted_locations(&self) -> Result<Option<&[i64]>, ProductsError> {
        if self.warehouses.is_empty() {
            return Ok(None);
        }
        let ids = self
            .counted_locations
            .get_or_try_init(|| self.resolve_warehouses())
            .await?;
        Ok(Some(ids))
    }

    /// Looks the configured warehouses up.
    async fn resolve_warehouses(&self) -> Result<Vec<i64>, ProductsError> {
        let numeric: Vec<i64> = self
            .warehouses
            .iter()
            .filter_map(|w| w.parse().ok())
            .collect();
        let domain = json!([
            ["type", "=", "warehouse"],
            ["OR", ["code", "in", self.warehouses], ["id", "in", numeric]]
        ]);
        let records = self
            .search_read(
                "stock.location",
                domain,
                &["id", "code"],
                0,
                SEARCH_READ_MAX,
            )
            .await?;
        let found: Vec<(i64, Option<String>)> = records
            .iter()
            .filter_map(|r| {
                let id = r.get("id").and_then(wire::int)?;
                Some((id, r.get("code").and_then(wire::text)))
            })
            .collect();
        let mut ids = Vec::new();
        let mut unknown = Vec::new();
        for wanted in &self.warehouses {
            let matched = found
                .iter()
                .find(|(id, code)| code.as_deref() == Some(wanted) || id.to_string() == *wanted);
            match matched {
                Some((id, _)) if !ids.contains(id) => ids.push(*id),
                Some(_) => {}
                None => unknown.push(wanted.clone()),
            }
        }
        if unknown.is_empty() {
            Ok(ids)
        } else {
            Err(ProductsError::UnknownWarehouses(unknown))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::fulfil::FulfilConfig;
    use crate::http::test_server::fast_policy;
    use crate::sandbox::test_support::product;
    use crate::sandbox::{Sandbox, SandboxConfig};

    /// A sandbox whose two products hold 10 in `MAIN` and `store` in `STORE`.
    async fn sandbox(store: [f64; 2]) -> Sandbox {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox");
        let products = [(1, "SKU-A"), (2, "SKU-B")]
            .into_iter()
            .zip(store)
            .map(|((id, code), store)| {
                let mut p = product(id, code);
                p.store_available = store;
                p
            })
            .collect();
        sandbox.seed_products(products);
        sandbox
    }

    fn client(sandbox: &Sandbox, warehouses: &[&str]) -> Client {
        let mut config = FulfilConfig::new(&sandbox.fulfil_url, "sandbox-fulfil-key", 1);
        config.retry = fast_policy();
        config.min_interval = Duration::ZERO;
        config.warehouses = warehouses.iter().map(|w| w.to_string()).collect();
        Client::new(config).expect("client")
    }

    fn available(products: &[crate::fulfil::FulfilProduct]) -> Vec<(&str, f64)> {
        products
            .iter()
            .map(|p| (p.code.as_str(), p.quantity_available))
            .collect()
    }

    #[tokio::test]
    async fn only_the_configured_warehouses_count() {
        let sandbox = sandbox([5.0, 0.0]).await;
        let everywhere = client(&sandbox, &[]).all_products().await.expect("read");
        assert_eq!(available(&everywhere), [("SKU-A", 15.0), ("SKU-B", 10.0)]);

        let main = client(&sandbox, &["MAIN"]);
        let read = main.all_products().await.expect("read");
        assert_eq!(available(&read), [("SKU-A", 10.0), ("SKU-B", 10.0)]);
        let by_code = main
            .products_by_codes(&["SKU-A".into()])
            .await
            .expect("read");
        assert_eq!(available(&by_code), [("SKU-A", 10.0)]);

        // By id as well as by code; the shop alone.
        let store = client(&sandbox, &[" 2 "])
            .all_products()
            .await
            .expect("read");
        assert_eq!(available(&store), [("SKU-A", 5.0), ("SKU-B", 0.0)]);
        let both = client(&sandbox, &["MAIN", "STORE"]);
        assert_eq!(
            available(&both.all_products().await.expect("read")),
            [("SKU-A", 15.0), ("SKU-B", 10.0)]
        );

        // Warehouses are looked up once per client: 1 read without warehouses, 2 + 1 lookup
        // for MAIN, 1 + 1 for the shop, 1 + 1 for both.
        assert_eq!(sandbox.stats().requests["search_read"], 8);
    }

    #[tokio::test]
    async fn a_warehouse_fulfil_does_not_know_is_an_error_not_every_warehouse() {
        let sandbox = sandbox([5.0, 5.0]).await;
        // `CUS` exists but is the customer location, not a warehouse.
        let client = client(&sandbox, &["MAIN", "EAST", "CUS"]);
        for _ in 0..2 {
            match client.all_products().await {
                Err(ProductsError::UnknownWarehouses(names)) => {
                    assert_eq!(names, ["EAST", "CUS"]);
                }
                other => panic!("expected unknown warehouses, got {other:?}"),
            }
        }
        let error = client.all_products().await.expect_err("still unknown");
        assert_eq!(
            error.to_string(),
            "[stock_sync] warehouses names EAST, CUS, which Fulfil does not know as a warehouse"
        );
    }
}
